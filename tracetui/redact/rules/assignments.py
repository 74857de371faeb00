""""""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.gate_words import Words, in_lowered
from tracetui.redact.passphrase import passphrase_words
from tracetui.redact.rules.headers import context_findings
from tracetui.redact.rules.judge import (
    _COUNTING,
    _KEYWORD,
    _NAME_OK,
    _PASSWORD_NAME,
    _PHRASE_NAME,
    _STRONG_NAME,
    _WORD_PASSWORDS,
    _dense_random,
    _judge,
    _kebab_words,
)
from tracetui.redact.syntax import CODE_C, KNOWN_CODE, UNKNOWN, Syntax
from tracetui.redact.text_checks import (
    LINE_NUMBER,
    has_letter_and_digit,
    is_filler,
    is_placeholder,
    is_reference,
    looks_like_identifier,
    names_no_secret,
    random_enough,
    spaced_stand_in,
)

# A name ending in a source or config file's extension names that file.
_FILE_NAME = re.compile(
    r"\.(?:rs|py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rb|java|kt|swift|c|h|cc|cpp|hpp|cs|php|md|txt|json|ya?ml|toml|"
    r"ini|cfg|conf|sh|bash|zsh|lock|xml|html|css|scss|sql|proto|gradle|tf|lua|ex|exs|erl|dart|vue|svelte)$"
)
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
# What may sit between the name and its value: closing quotes/brackets, an assignment operator.
# `=>` before `=` (a Ruby or Perl hash, Logstash: `"apiToken" => "…"`); PHP's `.=` and `??=`. A declared
# type between the name and `=` (Go's `var apiToken string = "…"`, Kotlin's `: String =`, Rust's `: &str =`)
# only before a quote: a declaration of a string. A name and a quoted value with only spaces between
# (`password "…";`, a directive) may sit in a JSON string, its quotes escaped (`password \\"…\\";`).
_SEPARATOR = re.compile(
    r"[ \t]*+(?::[ \t]*+)?(?:\[\]|&(?:'static[ \t]+)?)?[A-Za-z_][A-Za-z0-9_.]{0,30}+\??[ \t]*+:?="
    r"[ \t]*+(?=\\?[\"'`])"
    r"|(?:\[\d{0,4}\])?(?:\\?[\"'\]]){0,2}[ \t]*(?:===?|!==?|=>|\.=|\?\?=|=|:=|::=|:::=|\?=|\|\|=|->|:)[ \t]*"
    r"|[ \t]+(?=\\?[\"'])"
)
_SPACE_SEPARATOR = re.compile(r"[ \t]+")
# A config directive: a strong name first on its line (not `key`: `key sk-…` is a list's), a space, one
# value to the line's end (keepalived's `auth_pass X`, nslcd's `bindpw X`, slapd's `rootpw X`); before the
# name at most a viewer's line number, grep's `path:12:`, a diff's `+`, and indentation.
_DIRECTIVE_VALUE = re.compile(r"[ \t]+([^\s\"'`\\]{4,300})[ \t]*(?=\r?\n|\\[nr\"]|\"|$)")
_DIRECTIVE_LINE = re.compile(rf"(?:{LINE_NUMBER}|[\w\-]*+[/.][\w./\-]*[:\-]\d{{1,7}}[:\-]|\+)?[ \t]*+")
_CODE_OPERATOR = re.compile(r"=>|\.=|\?\?=")
# A backslash before the quote: the same assignment inside a JSON string (`\"value\"`).
# Up to 4096 characters: an STS session token or a service-role JWT runs past 1,000, and a value cut
# short leaves its tail in the capsule. Possessive: the class holds no quote, so backing off never helps.
_QUOTED_VALUE = re.compile(r"@?(\\?[\"'`])([^\"'`\s\\]{1,4096}+)\1")
# Passphrases may hold spaces; only taken for password-like names, within one line.
_QUOTED_PHRASE = re.compile(r"@?(\\?[\"'`])([^\"'`\r\n\\]{1,200})\1")
_BARE_VALUE = re.compile(r"(?:(?:Bearer|Basic|Token|token|bearer)[ \t]+)?([^\s\"'`,;<>(){}\[\]\\]{1,4096})")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# XML/config style: key="SomePassword" value="..."
_XML_VALUE = re.compile(r"[ \t]+value[ \t]*=[ \t]*\"([^\"\s]{1,400})\"")


def assignment_findings(text: str, lowered: str | None = None, syntax: Syntax = UNKNOWN) -> Iterator[Finding]:
    """Values assigned to credential-named keys: `API_KEY=...`, `"token": "..."`, `--password x`.

    In source code (`syntax`), only a string literal is a value: an unquoted right-hand side is an
    expression, and in the C family a `'…'` is a char literal. Not in a comment or inside a multi-line
    string (a docstring, a YAML or .env text in triple quotes or a template literal): that is words."""
    yield from _assignments(text, lowered, (syntax,))[0]


def assignment_findings_as(
    text: str, lowered: str | None, syntax: Syntax, other: Syntax
) -> tuple[list[Finding], list[Finding]]:
    """`assignment_findings` under `syntax` and under `other`, each exactly as alone: the names and
    what follows them are found once, and only the reading of each value after them is made twice."""
    mine, theirs = _assignments(text, lowered, (syntax, other))
    return mine, theirs


# Every `_KEYWORD` match holds one of these (a test says so), the scan's gate words (`gate_words`).
_STEMS = (
    "token", "secret", "pass", "pw", "key", "credential", "auth", "dsn", "client", "sonar.login", "discord",
    "contribsys", "sidekiq", "psk",
)
_ANY_STEM = Words(*_STEMS)


def _assignments(text: str, lowered: str | None, syntaxes: tuple[Syntax, ...]) -> list[list[Finding]]:
    """`assignment_findings` under each of `syntaxes`, one list each. A reading passes over the names
    inside a value it took (`ends`); nothing before the value's reading (`_assigned_value`) depends on
    the kind or on what was taken, so it is done once for every reading."""
    found: list[list[Finding]] = [[] for _ in syntaxes]
    n = len(text)
    if lowered is not None and len(lowered) == n and not _ANY_STEM.any_in(in_lowered(lowered)):
        return found  # no name holds a credential's stem: most texts, where `_KEYWORD` was a pass
    literals = _MultiLineLiterals(text) if any(s in KNOWN_CODE for s in syntaxes) else None
    assigned = _Assigned(text)
    ends = [-1] * len(syntaxes)
    if lowered is None or len(lowered) != len(text):
        lowered = text.lower() if len(text.lower()) == n else text
    for m in _KEYWORD.finditer(lowered):
        # The identifier around the keyword, bounded so a long word costs at most a few dozen steps.
        a = m.start()
        stop = max(0, a - 64)
        while a > stop and text[a - 1] in _IDENT_CHARS:
            a -= 1
        if a > 0 and text[a - 1] == "\\" and text[a] in "nrt":
            a += 1  # `\nmockToken = …` inside a JSON string: the name starts after the escaped line break
        b = m.end()
        stop = min(n, b + 64)
        while b < stop and text[b] in _IDENT_CHARS:
            b += 1
        if b < min(ends):
            continue
        name = text[a:b]
        if not _NAME_OK.search(name.lower()):
            continue  # "keyboard", "passive", "author": a stem inside another word
        if _FILE_NAME.search(name):
            continue  # `src/auth.rs:31:…`, `token.py:12:`: grep's file and line, not a setting
        sep = _SEPARATOR.match(text, b)
        for i, syntax in enumerate(syntaxes):
            if b >= ends[i]:
                end = _assigned_value(text, a, b, name, sep, syntax, literals, assigned, found[i])
                if end is not None:
                    ends[i] = end
    return found


def _assigned_value(
    text: str,
    a: int,
    b: int,
    name: str,
    sep: re.Match[str] | None,
    syntax: Syntax,
    literals: _MultiLineLiterals | None,
    assigned: _Assigned,
    out: list[Finding],
) -> int | None:
    """The value assigned to the name `text[a:b]`, read as `syntax` reads it, judged into `out`; where
    the reading took text up to, if it did (the names inside it are then passed over)."""
    if sep is None:
        if a > 0 and name.startswith("-") and text[a - 1] in " \t" or name.startswith("--"):
            sep = _SPACE_SEPARATOR.match(text, b)  # a command-line flag: --token VALUE
        elif text.startswith('"', b) or text.startswith("'", b):
            xml = _XML_VALUE.match(text, b + 1)  # <add key="Password" value="..."/>
            if xml:
                out.extend(_judge(name, xml.group(1), xml.start(1), True, False))
                return xml.end()
            pair = _argument_pair(text, a, b)
            if pair is not None:
                out.append(pair)
                return pair.end
            return None
        directive = _DIRECTIVE_VALUE.match(text, b)
        # the line's start, a JSON string's own too (`_line_start`, looked for a bounded way back)
        above = _line_start(text, a) if directive is not None and _STRONG_NAME.search(name) else None
        if directive is not None and above is not None and _DIRECTIVE_LINE.fullmatch(text, above, a):
            out.extend(_judge(name, directive.group(1), directive.start(1), False, False))
            return directive.end(1)
        if sep is None:
            return None
    if name.lower() == "pass" and not sep.group(0).strip():
        return None  # "to pass '--prompt' as a value": the verb before a quoted word, not a key
    p = sep.end()
    quoted = _QUOTED_VALUE.match(text, p)
    if quoted is None and _PHRASE_NAME.search(name):
        quoted = _QUOTED_PHRASE.match(text, p)
    code = syntax in KNOWN_CODE
    code_line = code and not (_in_comment(text, a) or (literals is not None and literals.inside(a)))
    if quoted is None and _CODE_OPERATOR.search(sep.group(0)):
        return None  # `key => value`, `$key .= value`: a hash entry, PHP; a bare right side is code
    if quoted:
        if syntax == CODE_C and code_line and quoted.group(1)[-1] != '"':
            return quoted.end()  # `api_key = 'abc…';` in C, C#, Objective-C: a char literal, not a string
        value, start = quoted.group(2), quoted.start(2)
        env_pw = _env_phrase(text, a, b, p, name, quoted) if " " in value else None
        if env_pw is not None:
            out.append(env_pw)
            return quoted.end()
    elif code_line and sep.group(0).strip() and not _ENV_NAME.match(name):
        # `password = cfg.get(…)`, `token: string`: code, whatever it looks like. An upper-case
        # name keeps the usual rules: `DB_PASSWORD = 5KVE…` is an env or INI line (a config file
        # named `config.cfg.php`, a docstring's example), and a constant's code (`= os.environ[…]`,
        # `= get_key()`, `= OTHER_NAME`) is passed over by them anyway.
        return None
    else:
        bare = _BARE_VALUE.match(text, p)
        if not bare:
            return None
        value, start = bare.group(1), bare.start(1)
        if a > 0 and text[a - 1] in "?&" and "&" in value:
            value = value[:value.index("&")]  # a URL's query parameter: its value ends at the next one
            if not value:
                return None
        if assigned.elsewhere(value, start):
            return None  # `Key = s3Secret` after `s3Secret := os.Getenv(…)`: a variable, not a literal
        nxt = text[bare.end(): bare.end() + 1]
        if nxt not in ("", "\n", "\r") and not nxt.isspace() and sep.group(0).strip():
            # The value goes on past a bracket or comma: code (`get_token(...)`), or a password
            # made of symbols that runs to the end of the line (`m{{h}o)p$[e...`, `A,.:-@*?!`).
            odd = _line_end_value(text, start, name, _env_style(text, name, b, p))
            if odd is not None:
                out.append(odd)
                return odd.end
        # `token = get_token(...)`, `password=args.password`: code, not a value.
        if nxt in ("(", "[", "{"):
            return None
        line = _line_start(text, a) if nxt in (" ", "\t") else None
        if line is not None and _PASSWORD_NAME.search(name) and _CONFIG_KEY.fullmatch(text, line, start):
            spaced_pw = spaced_password(text, start)  # `password = correct horse battery`, unquoted
            if spaced_pw is not None:
                out.append(spaced_pw)
                return spaced_pw.end
        if line is not None and _YAML_KEY.fullmatch(text, line, start):
            phrase = _yaml_phrase(text, start, name)
            if phrase is not None:
                out.append(phrase)
                return phrase.end
        if nxt == " " and _PASSWORD_NAME.search(name):
            # `key-passphrase=yonder umbra juniper glacier`, `PWD=… ;`: a passphrase's words, unquoted
            spaced = _SPACED_PHRASE.match(text, start)
            if spaced is not None and passphrase_words(spaced.group(0)):
                out.append(Finding(start, spaced.end(), kinds.PASSWORD, AUTO, "rule:assignment"))
                return spaced.end()
    judged = list(_judge(name, value, start, bool(quoted), _env_style(text, name, b, p)))
    out.extend(judged if quoted else _config_short(text, a, start, name, value, judged))
    return start + len(value)


def _env_phrase(text: str, a: int, b: int, p: int, name: str, quoted: re.Match[str]) -> Finding | None:
    """`DB_PASSWORD="my secret pass"`: an env file's line, the quotes its own, holds no code or prose."""
    if not (_env_style(text, name, b, p) and _PASSWORD_NAME.search(name)):
        return None
    line = _line_start(text, a)
    if line is None or not _CONFIG_KEY.fullmatch(text, line, quoted.start()):
        return None
    return spaced_password(text, quoted.start(2), quoted.group(1))


def _config_short(
    text: str, a: int, start: int, name: str, value: str, judged: list[Finding]
) -> list[Finding]:
    """`password = krp51eje` on a config line (`.pypirc`, INI, YAML), the line's whole value: typed, sure."""
    if not (_PASSWORD_NAME.search(name) and _short_made(value)):
        return judged
    line = _line_start(text, a)
    if line is None or not _CONFIG_KEY.fullmatch(text, line, start) \
            or not _VALUE_ENDS.match(text, start + len(value)):
        return judged
    if judged:
        return [Finding(f.start, f.end, f.kind, AUTO, f.detector) for f in judged]
    if names_no_secret(name) or is_reference(value) or is_filler(value):
        return []
    return [Finding(start, start + len(value), kinds.PASSWORD, AUTO, "rule:assignment")]


# A short password as people type one: six to nine characters, a letter, and a digit or a symbol, not a
# word with a number (`v2`, `utf8`: `looks_like_identifier`).
_SHORT_TYPED = re.compile(r"(?=[^A-Za-z]*[A-Za-z])(?=.*[^A-Za-z])[!-~]{6,9}")


def _short_made(value: str) -> bool:
    return value[0].isalnum() and _SHORT_TYPED.fullmatch(value) is not None \
        and not looks_like_identifier(value) and random_enough(value, 6, 2.5) and not is_placeholder(value)


# A credential's name as one string argument and its value as the next: `os.Setenv("DB_PASSWORD", "…")`,
# PHP's `define('AUTH_KEY', '…')`, `os.environ.setdefault("API_KEY", "…")`, `System.setProperty(…)`.
_ARGUMENT_GAP = re.compile(r"(\\?[\"'])[ \t]*,[ \t]*")


def _generated_or_dense(value: str) -> bool:
    if value.isdigit():
        return len(value) >= 16 and len(set(value)) >= 5 and value not in _COUNTING  # a numeric client id
    if has_letter_and_digit(value) and random_enough(value, 8, 3.0):
        return not looks_like_identifier(value) and not _SNAKE_WORDS.fullmatch(value)
    return _dense_random(value)


# `poule_v2`, `data_type`, `config_v10`: words joined by `_`, a version number at most.
_SNAKE_WORDS = re.compile(r"[a-z]+(?:_(?:[a-z]+|v?\d{1,3}))+|[a-z]+\d{1,3}")


def _argument_pair(text: str, a: int, b: int) -> Finding | None:
    gap = _ARGUMENT_GAP.match(text, b)
    if gap is None or a == 0 or not text[a - len(gap.group(1)) : a] == gap.group(1):
        return None  # the name must be a string literal of its own, closed by the same quote
    quoted = _QUOTED_VALUE.match(text, gap.end())
    if quoted is None:
        return None
    value, name = quoted.group(2), text[a:b]
    # Strings side by side are more often a list (`("password", "credentials")`, `"add-user-auth",
    # "fix-payment-bug"`) or a call's positional arguments (`mysqli(host, 'poule', 'PASSWORD', 'poule_v2')`)
    # than a name and its value. So the name is a compound (`DB_PASSWORD`, `apiKey`, `db.password`), not a
    # credential's bare word, and the value is generated: not words, with a digit or dense with symbols.
    if name.lower().strip("_-.") in _WORD_PASSWORDS or not _generated_or_dense(value) or _kebab_words(value):
        return None
    found = list(_judge(name, value, quoted.start(2), True, False))
    return found[0] if found else None


# A variable's name as the whole value: letters first, a lower-case letter and a digit or an inner
# capital in it (`s3Secret`, `dbPass2`); plain words and constants are judged by the usual rules.
_VARIABLE_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,63}")


_ASSIGNED = re.compile(r"(?<![\w.$])([A-Za-z_][A-Za-z0-9_]{2,63})[ \t]*(?::=|!=|==|=(?![=>]))")


class _Assigned:
    """The names a text assigns or tests, read once per text and only when a value might be one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.where: dict[str, list[int]] | None = None

    def elsewhere(self, value: str, at: int) -> bool:
        """Whether the bare `value` at `at` is a variable the same text assigns or tests elsewhere
        (`s3Secret := os.Getenv(…)`, `let dbPass2 = …`, `if s3Secret != ""`): code naming where a
        secret is held. A literal password does not stand left of an `=`; plain lower-case words
        (`admin`, `postgres`) are left to the usual rules, since they are weak real passwords too."""
        if not _VARIABLE_LIKE.fullmatch(value) or value.isupper() or value.islower() and value.isalpha():
            return False
        if self.where is None:
            self.where = {}
            for m in _ASSIGNED.finditer(self.text):
                seen = self.where.setdefault(m.group(1), [])
                if len(seen) < 2:
                    seen.append(m.start(1))
        return any(p != at for p in self.where.get(value, ()))


# A comment's opener before a name on its line (after a Read's line number or a diff's `+`): what
# follows is words, where `name = value` holds a literal even in a source file.
_COMMENT_OPENER = re.compile(r"(?:^|(?<=[\s;→|+\-]))(?:#|//|/\*|<!--|--(?=\s))|^[\s\d→|+\-]*\*(?!\*)")


class _MultiLineLiterals:
    """Where a source file's multi-line strings open and close (triple quotes, backticks), found once per
    text; a position after an odd count of one kind of mark is inside such a string."""

    def __init__(self, text: str) -> None:
        self.marks = [[m.start() for m in pattern.finditer(text)] for pattern in _LITERAL_MARKS]

    def inside(self, at: int) -> bool:
        return any(bisect.bisect_left(marks, at) % 2 == 1 for marks in self.marks if marks)


_LITERAL_MARKS = (re.compile(r'"""'), re.compile(r"'''"), re.compile(r"`"))


def _in_comment(text: str, at: int) -> bool:
    lo = max(0, at - 300)
    nl = text.rfind("\n", lo, at)
    return _COMMENT_OPENER.search(text[nl + 1 if nl >= 0 else lo : at]) is not None


# The value's line may carry a viewer's prefix (`cat -n`'s number, grep's `path:12:`, a diff's `+`) or
# follow a JSON-escaped line break (a tool result in a JSONL line); its blanks are taken possessively, so
# a run of them after a name is read once.
# A credential's name and value in sibling fields: Kubernetes/ECS env lists (`- name: X` /
# `value: Y`), CloudFormation parameters, secret managers' JSON (`{"Name": "X", "Value": "Y"}`).
# Tried at every character: the names' first letters (case-folded as the names are) are tested before
# the lookbehind.
_NAME_VALUE = re.compile(
    r"(?i)(?=[knp])(?<![\w\-])(?:name|key|parameterkey|parameter_key)(\\?[\"']?)[ \t]*[:=][ \t]*(\\?[\"']?)"
    r"([A-Za-z_/][\w.\-/:]{1,120})\2[ \t]*,?[ \t]*"
    r"(?:(?:\r?\n|\\n)[ \t]*+(?:\d{1,7}(?:\u2192|\t|\|[ \t]?|\.\t|:[ \t]?)|[\w\-]*+[/.][\w./\-]*[:\-]\d{1,7}[:\-]"
    r"|[+\-])?[ \t]*+)?"
    r"[\\\"']{0,2}(?:value|parametervalue|parameter_value)"
    r"[\\\"']{0,2}[ \t]*[:=][ \t]*"
)


# What every `_NAME_VALUE` match ends with, in the lowered text (no character but ASCII's folds to one of
# `value`'s letters), led by a literal `re` skips to, where the whole pattern is tried at every `k`, `n`
# and `p` (name_value_findings over the corpus: 0.056 s, 0.030 s with this first).
_VALUE_SET = re.compile(r"value[\\\"']{0,2}[ \t]*[:=]")


def name_value_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if "value" not in has or ("name" not in has and "key" not in has):
        return
    if _VALUE_SET.search(lowered) is None:
        return
    for m in _NAME_VALUE.finditer(text):
        name = m.group(3)
        if _HEADER_NAME.fullmatch(name):
            yield from _header_field(text, m.end(), name)
            continue
        session = _SESSION_COOKIE.fullmatch(name) is not None
        if not session and not _NAME_OK.search(name.lower()):
            continue
        quoted = _QUOTED_VALUE.match(text, m.end())
        if quoted:
            value, start = quoted.group(2), quoted.start(2)
        else:
            bare = _BARE_VALUE.match(text, m.end())
            if bare is None:
                continue
            value, start = bare.group(1), bare.start(1)
        yield from _judge("session_token" if session else name, value, start, bool(quoted),
                          bool(_ENV_NAME.match(name)))


# A session cookie's name (a HAR's `cookies` list: `{"name": "sessionid", "value": "…"}`): the value is
# the login it holds.
_SESSION_COOKIE = re.compile(
    r"(?i)(?:php|j|asp\.net_)?sess(?:ion)?(?:id)?|sid|connect\.sid|_?[a-z]{1,30}_session|laravel_session"
    r"|remember_(?:user_)?token"
)


# A request's header as sibling fields (a browser's HAR, a Postman collection, an OpenAPI example:
# `{"name": "Authorization", "value": "Bearer …"}`): its value is read as the header's line would be.
_HEADER_NAME = re.compile(r"(?i)(?:proxy-)?authorization|(?:set-)?cookie|x-[a-z]+(?:-[a-z]+){1,3}")
_HEADER_VALUE = re.compile(r"\\?([\"'])([^\"'\r\n\\]{1,4096})\\?\1")


def _header_field(text: str, at: int, name: str) -> Iterator[Finding]:
    quoted = _HEADER_VALUE.match(text, at)
    if quoted is None:
        return
    line = f"{name}: {quoted.group(2)}"
    shift = quoted.start(2) - len(name) - 2
    for f in context_findings(line, line.lower()):
        if f.start >= len(name) + 2:
            yield Finding(f.start + shift, f.end + shift, f.kind, f.tier, f.detector)


# A setting named only for the service whose key it holds (`cloudflare: "<key>"`, `SOURCEGRAPH=<token>`):
# services whose keys carry no prefix of their own, so no format rule finds them. The name alone says
# less than `token` or `key` would (it may be a version, an image, a region), so only a generated value
# of key size counts, and only as a question.
_SERVICE_NAMES = frozenset(
    "cloudflare sourcegraph heroku datadog newrelic new_relic new-relic sendgrid mailgun mailchimp twilio "
    "algolia pusher mapbox bugsnag rollbar honeycomb mixpanel amplitude fastly netlify vercel asana trello "
    "airtable contentful zendesk hubspot intercom okta auth0 dropbox digitalocean linode vultr doppler "
    "pulumi snyk circleci travis droneci finnhub etsy kucoin kraken bittrex gitter looker launchdarkly "
    "messagebird nytimes plaid postman rapidapi shippo sumologic typeform yandex zapier".split()
)
# Found from the value's side (a key-sized run after `:` or `=`), whose first character is one of two, so
# `re` skips ahead at C speed; the name before it is then read by hand. A search for the names themselves
# cost 40% of a whole scan.
_KEY_AFTER_SIGN = re.compile(r"[:=][ \t]*(\\?[\"'])?([A-Za-z0-9_\-]{20,100})(?![A-Za-z0-9_\-])")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def service_key_findings(text: str, lowered: str) -> Iterator[Finding]:
    for m in _KEY_AFTER_SIGN.finditer(text):
        at = m.start()
        if text[at - 2 : at] in ('\\"', "\\'"):
            at -= 2
        elif text[at - 1 : at] in ('"', "'"):
            at -= 1
        a = at
        while a > 0 and at - a < 20 and text[a - 1] in _NAME_CHARS:
            a -= 1
        if a > 0 and text[a - 1] == "\\" and text[a] in "nrt":
            a += 1  # the name starts after a JSON string's escaped line break
        elif a > 0 and (text[a - 1] in _IDENT_CHARS or text[a - 1] in "/@"):
            continue  # part of a longer word, path or handle
        if lowered[a:at] not in _SERVICE_NAMES:
            continue
        value, start = m.group(2), m.start(2)
        if m.group(1) is not None and not text.startswith(m.group(1), m.end()):
            continue  # an opened quote must close right after the value
        if not _generated_or_dense(value) or value.isdigit() or is_placeholder(value) or is_filler(value) \
                or _kebab_words(value):
            continue
        yield Finding(start, start + len(value), kinds.SECRET, SUGGESTED, "rule:service-key")


# Where a line ends, for a value that runs to it: a line break, or inside a JSON string (a config printed
# as JSON, a patch in a tool's JSON arguments) an escaped one or the string's closing quote, which may be
# followed by the next element on the same line (a structured patch's `"lines": [" a", "+k = v", " b"]`);
# a markdown table's cell ends a line too (`| `k = v` | … |`). Up to two quotes may close first: the
# value's own, then a code span's or the JSON string's.
_LINE_END = r"(?:\\?[\"'`]){0,2}(?:[,;]?[ \t]*(?:\r?\n|$|\\[nr]|\|)|(?<!\\\")(?<=\")[ \t]*[,\]}])"
# The rest of a line after `name = ` / `name: `, for symbol-heavy unquoted passwords; it stops at a JSON
# escape (`\n`, `\"`, `\\`).
_LINE_REST = re.compile(rf"(?:[^\s\"'`\\]|\\(?![nrt\"'\\])){{1,200}}(?={_LINE_END})")
_PASSWORD_WORD = re.compile(r"(?<![a-z])pass(?![a-z])")
_CODE_START = re.compile(r"[A-Za-z_$][\w.$]*[(\[]|[({\[]|\$\{|\{\{|\$\(|%\{")
_OPEN, _CLOSE = "([{", ")]}"


def _brackets_mismatched(value: str) -> bool:
    """A closer with no opener, or of another kind: truncated code leaves openers unclosed, it does
    not close a `{` with a `)`. Random passwords do that all the time."""
    stack: list[str] = []
    # Closers at the very end belong to a call the line opened before the value (`f(x.key))`).
    for ch in value.rstrip(_CLOSE):
        if ch in _OPEN:
            stack.append(ch)
        elif ch in _CLOSE:
            if not stack or _OPEN.index(stack.pop()) != _CLOSE.index(ch):
                return True
    return False


def _env_style(text: str, name: str, b: int, p: int) -> bool:
    """`NAME=value`: an upper-case name and a bare `=` (an env file, `env`'s output, a Dockerfile)."""
    return bool(_ENV_NAME.match(name)) and text[b: p].strip() == "=" and "=" == text[p - 1: p]


def _line_end_value(text: str, start: int, name: str, env_style: bool = False) -> Finding | None:
    m = _LINE_REST.match(text, start)
    if m is None or not (_STRONG_NAME.search(name) or _PASSWORD_WORD.search(name.lower())):
        return None
    if m.group(0).endswith(";"):
        return None  # `passwd = m{x)…;`: a C-like statement, whose unquoted right side is an expression
    value = m.group(0).rstrip(",;")
    if len(value) < 8 or value[0] in ":=>" or _CODE_START.match(value) or is_reference(value):
        return None
    symbols = [c for c in value if not c.isalnum() and c != "_"]
    # Code and paths use a few symbols among many letters; a typed password is dense with them.
    dense = len(set(symbols)) >= 5 and len(symbols) >= 0.4 * len(value)
    made = _made_of_symbols(value, symbols)
    if not (dense or made or _brackets_mismatched(value)):
        return None
    kind = kinds.PASSWORD if re.search(r"(?i)pass|pwd", name) else kinds.SECRET
    if env_style and has_letter_and_digit(value) and random_enough(value, 12, 3.5):
        # `SECRET_KEY=django-insecure-…(z%p%…`: an env line holds no code, so the line's rest is the value
        return Finding(start, start + len(value), kind, AUTO, "rule:env-assignment")
    tier = AUTO if made and _STRONG_NAME.search(name) else SUGGESTED  # a Django key under `access-token:`
    return Finding(start, start + len(value), kind, tier, "rule:assignment")


def _made_of_symbols(value: str, symbols: list[str]) -> bool:
    """A generated key with symbols among its letters, as Django's `startproject` makes one
    (`a*_zk(b^soc%ih8*4_h8e2i^0iv))@…`): long, random, three kinds of symbol or more, and no URL, path or
    call, whose symbols are their structure (`https://…/token?x=1`, `/var/run/…`, `get(…)`)."""
    if len(value) < 20 or len(set(symbols) - _STRUCTURE_SYMBOLS) < 3 or not has_letter_and_digit(value):
        return False  # a host and port (`dev-lb1.api.f4ke.com:5215`), base64 (`+/=`): other rules' shapes
    if "://" in value or value.count("/") >= 2 or value.startswith(("/", "./", "~")) or "(" in value[:20] \
            and _CALL_NAME.match(value):
        return False
    return random_enough(value, 20, 4.2)


_CALL_NAME = re.compile(r"[A-Za-z_][\w.]*\(")
_STRUCTURE_SYMBOLS = frozenset(".-_:/+=")


# `secret_key: some words` at the start of a YAML/config line (only `name:` then a space), after what a
# viewer puts before a line: `cat -n`'s or Claude's `12→` line number, grep's `path:12:`, a diff's `+`, the
# label of a stream's first line in a shell tool's result (Gemini CLI's `Stdout: `).
# (grep's path is split at its first `/` or `.`, and the dashes before the key are taken whole, so no two
# parts of the pattern can share a character: a line of 40,000 `a.` or dashes was 10 s a match.)
_YAML_KEY = re.compile(
    rf"(?:{LINE_NUMBER}|[\w\-]*+[/.][\w./\-]*[:\-]\d{{1,7}}[:\-]|\+|(?:Stdout|Stderr|Output):[ \t]+)?"
    r"[ \t-]*+[\w.\-]+:[ \t]+"
)
# A config line's key (INI, .env, properties, YAML), after a viewer's prefix as `_YAML_KEY`'s, and
# `export` or a YAML list's dash: what comes after it on the line is the whole value.
_CONFIG_KEY = re.compile(
    rf"(?:{LINE_NUMBER}|[\w\-]*+[/.][\w./\-]*[:\-]\d{{1,7}}[:\-]|\+|(?:Stdout|Stderr|Output):[ \t]+)?"
    r"[ \t]*+(?:export[ \t]+|-[ \t]+)?[\w.\-]+[ \t]*[:=][ \t]*"
)
# The rest of a line (a JSON string's too), read whole: two to six pieces a space apart are the value; more
# is a sentence. A comment after a blank (` # rotated monthly`) is cut off.
_LINE_TAIL = re.compile(rf"[^\s\"'`\\][^\r\n\"'`\\]{{0,200}}+(?={_LINE_END})")
_COMMENT = re.compile(r"[ \t]+[#;]")
_VALUE_ENDS = re.compile(r"[ \t]*(?:[ \t][#;][^\r\n\\\"]*)?(?=\r?\n|\\[nr\"]|\"|$)")


def spaced_password(text: str, start: int, quote: str = "") -> Finding | None:
    """A password typed with spaces, the whole rest of a config line under a password's name (`password =
    correct horse battery`, `DB_PASSWORD=my secret pass`), or an env line's quoted value (`quote`): sure
    where no piece is a template's, a sentence's or a stand-in's (`text_checks.spaced_stand_in`)."""
    m = _LINE_TAIL.match(text, start)
    if m is None:
        return None
    value = m.group(0)
    if quote:
        if not text.startswith(quote, m.end()):
            return None  # an env line's quoted value closes where the line ends
    else:
        cut = _COMMENT.search(value)
        value = (value[: cut.start()] if cut else value).rstrip(" \t,;")
    if " " not in value or spaced_stand_in(value) or is_placeholder(value) or is_reference(value):
        return None
    return Finding(start, start + len(value), kinds.PASSWORD, AUTO, "rule:assignment")


# Words and a space each, up to where a value ends: the line, a connection string's `;`, a quote, a tag.
_SPACED_PHRASE = re.compile(
    r"[a-z]{2,12}(?: [a-z]{2,12}){2,8}(?: ?\d{1,4})?(?=[ \t]*(?:[\r\n;<'\"]|\\[nr\"]|$))"
)
_PHRASE_REST = re.compile(rf"[A-Za-z0-9_\-]{{1,100}}(?:[ \t][A-Za-z0-9_\-]+){{1,5}}[ \t]*(?={_LINE_END})")


# How far back a YAML-style key's line start is looked for: no key, with a viewer's prefix before it, is
# longer. Each credential name of a line looked back to its start, so a megabyte line of `password=x `
# took 30 s.
_KEY_LINE = 1024


def _line_start(text: str, at: int) -> int | None:
    """Where the line holding `at` starts, counting a JSON string's own lines (after an escaped line break,
    or after the string's opening quote: one no word or backslash comes right before) and a markdown table's
    cells (after a `|` border, and a code span's opening backtick). None where it starts more than
    `_KEY_LINE` characters before `at`: too far for a key."""
    lo = max(0, at - _KEY_LINE)
    start = text.rfind("\n", lo, at) + 1 or (0 if lo == 0 else -1)
    escaped = text.rfind("\\n", max(start, lo), at)
    if escaped >= 0:
        start = escaped + 2
    within = max(start, lo)
    opening = max(text.rfind('"', within, at), text.rfind("|", within, at), text.rfind("`", within, at))
    if opening >= 0:
        before = text[opening - 1] if opening > 0 else ""
        if not (text[opening] == '"' and (before == "\\" or before.isalnum())):  # a quote inside a string
            start = opening + 1
    return start if start >= 0 else None


def _yaml_phrase(text: str, start: int, name: str) -> Finding | None:
    """An unquoted multi-word value of a secret-named YAML key: a passphrase, or prose. A suggestion,
    sure only where its words are a passphrase's under a password's name (`passphrase_words`)."""
    if not _PHRASE_NAME.search(name):
        return None
    m = _PHRASE_REST.match(text, start)
    if m is None:
        return None
    value = m.group(0).rstrip()
    if is_reference(value) or is_placeholder(value):
        return None
    kind = kinds.PASSWORD if re.search(r"(?i)pass|pwd", name) else kinds.SECRET
    tier = AUTO if _PASSWORD_NAME.search(name) and passphrase_words(value) else SUGGESTED
    return Finding(start, start + len(value), kind, tier, "rule:assignment")


# A PIN or a one-time code under its name (`ADMIN_PIN=482913`, `"otp": "305718"`, `pin_code: 771204`):
# six to eight digits, not counting. Fewer digits under `pin` are a board's pin number (`pin: 13`). The
# word may end a camel-case name (`adminPin`, `simPIN`), never a lower-case word (`spin`, `hairpin`).
_PIN = re.compile(
    r"(?i)(?:(?<![a-z0-9])(?:pin|otp)|(?-i:(?<=[a-z])(?:Pin|PIN|Otp|OTP)))(?:[_\-]?code)?(?![a-z0-9])"
    r"(?:\\?[\"'])?[ \t]*(?:=>|[:=])[ \t]*(?:\\?[\"'])?(\d{6,8})(?![\w.])"
)
_ANY_PIN = Words(
    "pin=", "pin:", "pin\"", "pin'", "pin =", "otp=", "otp:", "otp\"", "otp'", "otp =", "pin_code",
    "pin-code", "otp_code", "otp-code", "pincode", "otpcode",
)


def pin_findings(text: str, lowered: str) -> Iterator[Finding]:
    """A PIN or one-time code of six to eight digits under its name."""
    if not _ANY_PIN.any_in(in_lowered(lowered)):
        return
    for m in _PIN.finditer(text):
        value = m.group(1)
        if len(set(value)) >= 3 and value not in _COUNTING:
            yield Finding(m.start(1), m.end(1), kinds.PASSWORD, AUTO, "rule:pin")
