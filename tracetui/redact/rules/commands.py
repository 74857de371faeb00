"""Command lines that carry a password: short flags (`mysql -pX`, `docker login -p X`), HTTP
clients' auth flags, PowerShell's `ConvertTo-SecureString '…' -AsPlainText`, and the XML and plist values
a command printed; a PIN or one-time code of six to eight digits under its name."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.gate_words import Words, in_lowered
from tracetui.redact.rules.judge import _COUNTING, _NAME_OK, _WORD_PASSWORDS, _judge
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

# XML elements named for a credential: Maven's `<password>…</password>`, `<apiKey>…</apiKey>`.
# The value may sit on a line of its own, indented (`<apiToken>\n    …\n</apiToken>`).
_XML_ELEMENT = re.compile(
    r"<([A-Za-z][\w.\-]{0,40})>[ \t]*(?:\r?\n[ \t]*)?([^<>\s]{1,400})[ \t]*(?:\r?\n[ \t]*)?</\1>"
)

# An element that names its setting in an attribute: Hibernate's `<property name="connection.password">…`,
# `<entry key="db.password">…`, `<param name="token">…`, `<setting name="ApiKey">…`.
_XML_NAMED = re.compile(
    r"<(property|entry|param|parameter|setting|add|item)[ \t]+(?:name|key)=\\?\"([A-Za-z][\w.:\-]{0,80})\\?\""
    r"[^<>]{0,100}>"
    r"([^<>\s]{1,400})</\1>"
)
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

# A property list's entry: `<key>API_TOKEN</key>` then its `<string>…</string>`.
_PLIST_PAIR = re.compile(r"<key>([A-Za-z][\w.\-]{0,80})</key>\s{0,40}<string>([^<>\s]{1,400})</string>")


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
# A PIN or a one-time code under its name (`ADMIN_PIN=482913`, `"otp": "305718"`, `pin_code: 771204`):
# six to eight digits, not counting. Fewer digits under `pin` are a board's pin number (`pin: 13`).
_PIN = re.compile(
    r"(?i)(?<![a-z0-9])(?:pin|otp)(?:[_\-]?code)?(?![a-z0-9])"
    r"(?:\\?[\"'])?[ \t]*[:=][ \t]*(?:\\?[\"'])?(\d{6,8})(?![\w.])"
)
_ANY_PIN = Words(
    "pin=", "pin:", "pin\"", "pin'", "pin =", "otp=", "otp:", "otp\"", "otp'", "otp =", "pin_code",
    "pin-code", "otp_code", "otp-code", "pincode", "otpcode",
)


def pin_findings(text: str, lowered: str) -> Iterator[Finding]:
    if not _ANY_PIN.any_in(in_lowered(lowered)):
        return
    for m in _PIN.finditer(text):
        value = m.group(1)
        if len(set(value)) >= 3 and value not in _COUNTING:
            yield Finding(m.start(1), m.end(1), kinds.PASSWORD, AUTO, "rule:pin")


def cli_password_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if _ANY_STORE.any_in(has):
        for m in _STORE_SET.finditer(text):
            g = next(i for i in range(1, 4) if m.group(i) is not None)
            if not (is_reference(m.group(g)) or is_placeholder(m.group(g))):
                yield Finding(m.start(g), m.end(g), kinds.SECRET, AUTO, "rule:cli-password")
        for m in _ORACLE_LOGIN.finditer(text):
            if not (is_reference(m.group(1)) or is_placeholder(m.group(1))):
                yield Finding(m.start(1), m.end(1), kinds.PASSWORD, AUTO, "rule:cli-password")
    if "securestring" in has:
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
    yield from pin_findings(text, lowered)
    if _ANY_CLI.any_in(has):
        for m in _CLI_PASSWORD.finditer(text):
            g = next(i for i in range(1, 5) if m.group(i) is not None)
            value = m.group(g)
            if is_reference(value) or is_placeholder(value):
                continue
            yield Finding(m.start(g), m.end(g), kinds.PASSWORD, AUTO, "rule:cli-password")
    if "identified" in lowered:
        for m in _SQL_IDENTIFIED.finditer(text):
            g = next(i for i in range(1, 4) if m.group(i) is not None)
            value = m.group(g)
            if is_reference(value) or is_placeholder(value):
                continue
            if (g == 3 and value.lower() in _SQL_WORDS) or _SQL_ACCOUNT.search(
                    text, max(text.rfind("\n", 0, m.start()) + 1, m.start() - 300), m.start()) is None:
                continue  # only in a statement that makes or changes an account (not prose)
            yield Finding(m.start(g), m.end(g), kinds.PASSWORD, AUTO, "rule:sql-password")
    if "</" in text:
        for m in _XML_ELEMENT.finditer(text):
            name = m.group(1)
            if name.lower() == "key":
                continue  # a property list's `<key>`: it holds a setting's name; its value comes next
            if _NAME_OK.search(name.lower()):
                yield from _judge(name, m.group(2), m.start(2), True, False)
        if "name=" in text or "key=" in text:
            for m in _XML_NAMED.finditer(text):
                if _NAME_OK.search(m.group(2).lower()):
                    yield from _judge(m.group(2), m.group(3), m.start(3), True, False)
        if "<key>" in text:
            for m in _PLIST_PAIR.finditer(text):
                if _NAME_OK.search(m.group(1).lower()):
                    yield from _judge(m.group(1), m.group(2), m.start(2), True, False)
