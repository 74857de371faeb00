"""Command lines that carry a password: short flags (`mysql -pX`, `docker login -p X`), HTTP
clients' auth flags, PowerShell's `ConvertTo-SecureString '…' -AsPlainText`, and
secret stores' commands, Oracle's `user/password@` and SQL's `IDENTIFIED BY`. Each reader has its own
gate word; `rules.PASSWORD_READERS` lists them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.gate_words import Words, in_lowered
from tracetui.redact.rules.judge import _WORD_PASSWORDS
from tracetui.redact.text_checks import has_letter_and_digit, is_placeholder, is_reference, random_enough

# Command lines that take a password as a short flag, where no `name=` says so: `mysql -pSECRET`
# (attached), `docker login -p SECRET`, `sshpass -p SECRET`, `redis-cli -a SECRET`.
_CLI_PASSWORD = re.compile(
    r"(?i)\b(?:mysql|mysqldump|mysqladmin|mariadb(?:-dump)?)\b[^\n|;&]{0,200}?[ \t]-p[\"']?([^\s\"'`;|&]{1,200})"
    r"|\b(?:docker|podman|buildah|skopeo|helm|nerdctl|oras|az)(?:[ \t]+registry)?[ \t]+login\b"
    r"[^\n|;&]{0,200}?"
    r"[ \t](?:-p|--password)(?:=|[ \t]+)[\"']?([^\s\"'`;|&]{1,200})"
    r"|\bsshpass[ \t]+-p[ \t]*[\"']?([^\s\"'`;|&]{1,200})"
    r"|\bredis-cli\b[^\n|;&]{0,200}?[ \t]-a[ \t]+[\"']?([^\s\"'`;|&]{1,200})"
)
_SQL_ACCOUNT = re.compile(r"(?i)\b(?:(?:create|alter)[ \t]+(?:user|role|login)|grant)\b")
_SQL_WORDS = frozenset({"values", "externally", "globally", "random", "by", "with"})
_CLI_NEEDLES = ("mysql", "mariadb", "login", "sshpass", "redis-cli")
# SQL that sets an account's password (MySQL's and Oracle's `IDENTIFIED BY '…'`, `IDENTIFIED WITH plugin
# BY '…'`; Oracle's unquoted `IDENTIFIED BY word`). `BY PASSWORD '*…'` is MySQL 5's hash, not the password.
_SQL_IDENTIFIED = re.compile(
    r"(?i)\bidentified(?:[ \t]+with[ \t]+\w{1,64})?[ \t]+by[ \t]+(?!password\b)"
    r"(?:\\?'([^'\n\\]{1,200})\\?'|\\?\"([^\"\n\\]{1,200})\\?\"|([A-Za-z][\w$#]{0,127}))"
)
_ANY_CLI = Words(*_CLI_NEEDLES)
_ANY_CLIENT = Words("curl", "wget", "http", "xh")
# HTTP clients that take `user:password` (curl -u/--user/-U/--proxy-user, httpie/xh -a/--auth) or
# a password flag (wget --password, --http-password...). Found from the command word, then the flags
# read within its command line (backslash continuations included), so no pattern runs over a line twice.
# (Tried at every character: the words' first letters are tested first, before the lookbehinds.)
_HTTP_CLIENT = re.compile(
    r"(?=[chwx])(?:(?<![\w./\-])|(?<=\\[nrt]))(curl|wget|https?|xh|xhs|httpie)(?=[ \t])"
)
# What every `_HTTP_CLIENT` match is, with the blank after it: the words' alternation, tried where a word
# may start at C speed, where the whole pattern stops at every `c`, `h`, `w` and `x` of a text that names
# a URL (most of them) for its lookbehinds (http_client_findings over the corpus: 0.09 s, 0.06 s).
_CLIENT_WORD = re.compile(r"(?:curl|wget|https?|xhs?|httpie)[ \t]")
_HTTP_FLAG = re.compile(
    r"(?<![^ \t'\"])(?:(-u|-U)(?:[ \t]+|(?=[^\s\-]))|(-a)[ \t]+|"
    r"(--user|--proxy-user|--auth|--http-user|--ftp-user)(?:=|[ \t]+)|"
    r"(--password|--http-password|--ftp-password|--proxy-password)(?:=|[ \t]+))"
)
_FLAG_VALUE = re.compile(r"\\?\"([^\"\n\\]{1,300})\\?\"|'([^'\n]{1,300})'|([^\s\"'`;|&\\]{1,300})")
_COMMAND_END = re.compile(r"(?<!\\)\n|\\n(?![ \t]*-)|[;|]|&&")


def http_client_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The credential an HTTP client is given: for `-u`/`--user`/`-a`/`--auth`, the whole `user:password`
    pair (Basic auth sends the pair, and the user half says whose account the password opens), judged on
    its password; for wget's `--password`, the password and the `--user` of the same command."""
    has = in_lowered(lowered)
    if not _ANY_CLIENT.any_in(has):
        return
    if _CLIENT_WORD.search(text) is None:
        return
    end = -1
    for cmd in _HTTP_CLIENT.finditer(text):
        if cmd.start() < end:
            continue  # inside the previous command line (`curl ... | http ...` is read once)
        word = cmd.group(1)
        end_m = _COMMAND_END.search(text, cmd.end(), cmd.end() + 2000)
        end = end_m.start() if end_m else min(len(text), cmd.end() + 2000)
        wget_user: tuple[int, int] | None = None
        for flag in _HTTP_FLAG.finditer(text, cmd.end(), end):
            short, auth_a, long_user, password_flag = flag.groups()
            if auth_a and word == "curl":
                continue  # curl's -a is --append, it takes no value
            if password_flag and word != "wget":
                continue
            v = _FLAG_VALUE.match(text, flag.end(), end)
            if v is None:
                continue
            g = next(i for i in (1, 2, 3) if v.group(i) is not None)
            value, start = v.group(g), v.start(g)
            pair_start, pair_end = start, start + len(value)
            if value.startswith(("<", "$", "%")):
                continue  # `<user:password>`, `$CREDS`, `%AUTH%`: a template or a variable
            if not password_flag:
                user, colon, password = value.partition(":")
                if not colon and word == "wget" and long_user:
                    wget_user = (start, start + len(value))  # `--user=bob`, its password in its own flag
                    continue
                if not colon and text.startswith(":", v.end()):
                    # `"user":"password"`: user and password quoted apart
                    rest = _FLAG_VALUE.match(text, v.end() + 1, end)
                    if rest is None:
                        continue
                    g2 = next(i for i in (1, 2, 3) if rest.group(i) is not None)
                    value, start = rest.group(g2), rest.start(g2)
                    pair_end = start + len(value)
                elif colon and not password and g == 3 and text.startswith(("'", '"'), v.end()):
                    rest = _FLAG_VALUE.match(text, v.end(), end)  # kevin:'password'
                    if rest is None or rest.lastindex == 3:
                        continue
                    value, start = rest.group(rest.lastindex or 1), rest.start(rest.lastindex or 1)
                    pair_end = start + len(value)
                elif colon and not password:
                    # `-u TOKEN:` (an API key as the user name, no password): the key is the secret
                    if len(user) < 8 or not random_enough(user, 8, 2.5) or is_reference(user):
                        continue
                    value = user
                elif not colon:
                    continue  # curl asks for the password; nothing on the line
                else:
                    start += len(user) + 1
                    value = password
            if value.lower() in _WORD_PASSWORDS:
                continue  # `--user user:pass` in a how-to
            inner = value[1:-1] if value[:1] == "{" and value[-1:] == "}" else value
            if (is_reference(value) or is_placeholder(value)) and not (inner != value and _generated(inner)):
                continue  # `{password}` is a template; `{ZqL5kVrX1n8tA2}` is a value in braces
            yield Finding(pair_start, pair_end, kinds.PASSWORD, AUTO, "rule:http-client-credentials")
            if password_flag and wget_user is not None:
                a, b = wget_user
                yield Finding(a, b, kinds.PASSWORD, AUTO, "rule:http-client-credentials")
                wget_user = None


def _generated(value: str) -> bool:
    return has_letter_and_digit(value) and random_enough(value, 8, 3.0) and not is_placeholder(value)

# Secret stores' commands, whose value is the secret whatever its name: `az keyvault secret set … --value`,
# `aws secretsmanager create-secret|put-secret-value … --secret-string`, `dotnet user-secrets set "K" "V"`.
_STORE_SET = re.compile(
    r"(?i)\b(?:az[ \t]+keyvault[ \t]+secret[ \t]+set\b[^\n|;&]{0,300}?[ \t]--value"
    r"|aws[ \t]+secretsmanager[ \t]+(?:create-secret|put-secret-value|update-secret)\b[^\n|;&]{0,300}?"
    r"[ \t]--secret-string"
    r"|dotnet[ \t]+user-secrets[ \t]+set[ \t]+"
    r"(?:\\?\"[^\"\n\\]{1,100}\\?\"|'[^'\n]{1,100}'|[^\s\"'\\]{1,100}))"
    r"(?:=|[ \t]+)(?:'([^'\n]{1,300})'|\\?\"([^\"\n$\\]{1,300})\\?\"|([^\s\"'`;|&$\\]{1,300}))"
)
# Oracle's tools take `user/password@service` (`sqlplus scott/tiger@//db:1521/ORCL`, `expdp`, `rman target`).
_ORACLE_LOGIN = re.compile(
    r"(?i)\b(?:sqlplus|sqlldr|expdp|impdp|exp|imp|rman[ \t]+target|dgmgrl)(?:[ \t]+-[a-z]+)*[ \t]+"
    r"(?:userid=)?"
    r"[A-Za-z][\w$#]{0,127}/([^\s@/\"']{1,128})@"
)

# PowerShell turning a literal into a credential: `ConvertTo-SecureString 'P@ss' -AsPlainText -Force`
# (flags in any order before the string), or the string piped in. A double-quoted string holding `$` is
# a variable's interpolation, not the literal.
_SECURE_STRING = re.compile(
    r"(?i)\bconvertto-securestring(?:[ \t]+-(?:string|asplaintext|force)\b)*[ \t]+"
    r"(?:\\?'([^'\n\\]{1,200})\\?'|\\?\"([^\"\n\\$]{1,200})\\?\")"
    r"|(?:'([^'\n]{1,200})'|\"([^\"\n$]{1,200})\")[ \t]*\|[ \t]*convertto-securestring\b"
)
_PLAIN_TEXT = re.compile(r"(?i)-asplaintext\b")
_ANY_STORE = Words(
    "keyvault", "secretsmanager", "user-secrets", "sqlplus", "sqlldr", "expdp", "impdp", "rman", "dgmgrl",
    "userid=",
)


def store_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The value a secret store's command sets, and the password of Oracle's `user/password@`."""
    if not _ANY_STORE.any_in(in_lowered(lowered)):
        return
    for m in _STORE_SET.finditer(text):
        g = next(i for i in range(1, 4) if m.group(i) is not None)
        if not (is_reference(m.group(g)) or is_placeholder(m.group(g))):
            yield Finding(m.start(g), m.end(g), kinds.SECRET, AUTO, "rule:cli-password")
    for m in _ORACLE_LOGIN.finditer(text):
        if not (is_reference(m.group(1)) or is_placeholder(m.group(1))):
            yield Finding(m.start(1), m.end(1), kinds.PASSWORD, AUTO, "rule:cli-password")


def secure_string_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The literal PowerShell's `ConvertTo-SecureString … -AsPlainText` turns into a credential."""
    if "securestring" not in in_lowered(lowered):
        return
    for m in _SECURE_STRING.finditer(text):
        g = next(i for i in range(1, 5) if m.group(i) is not None)
        value = m.group(g)
        # `-AsPlainText` on the same line, looked for within 300 characters either side (bounded, so a
        # long line of such calls is not read again for each)
        lo, hi = max(0, m.start() - 300), min(len(text), m.end() + 300)
        line_end = text.find("\n", m.end(), hi)
        if is_reference(value) or is_placeholder(value) or not _PLAIN_TEXT.search(
                text, max(lo, text.rfind("\n", lo, m.start()) + 1), hi if line_end < 0 else line_end):
            continue
        yield Finding(m.start(g), m.end(g), kinds.PASSWORD, AUTO, "rule:cli-password")


def short_flag_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The password a command line takes as a short flag (`mysql -pX`, `docker login -p X`)."""
    if not _ANY_CLI.any_in(in_lowered(lowered)):
        return
    for m in _CLI_PASSWORD.finditer(text):
        g = next(i for i in range(1, 5) if m.group(i) is not None)
        value = m.group(g)
        if is_reference(value) or is_placeholder(value):
            continue
        yield Finding(m.start(g), m.end(g), kinds.PASSWORD, AUTO, "rule:cli-password")


def sql_password_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The password SQL gives an account: `CREATE USER … IDENTIFIED BY '…'`."""
    if "identified" not in lowered:
        return
    for m in _SQL_IDENTIFIED.finditer(text):
        g = next(i for i in range(1, 4) if m.group(i) is not None)
        value = m.group(g)
        if is_reference(value) or is_placeholder(value):
            continue
        if (g == 3 and value.lower() in _SQL_WORDS) or _SQL_ACCOUNT.search(
                text, max(text.rfind("\n", 0, m.start()) + 1, m.start() - 300), m.start()) is None:
            continue  # only in a statement that makes or changes an account (not prose)
        yield Finding(m.start(g), m.end(g), kinds.PASSWORD, AUTO, "rule:sql-password")
