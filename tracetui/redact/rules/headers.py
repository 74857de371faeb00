"""Headers, cookies and URLs that carry a credential: `Authorization`, key headers, a bearer
token, a cookie, a password in a URL or a query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.gate_words import Words, in_lowered
from tracetui.redact.text_checks import (
    STAND_IN_PASSWORDS,
    UUID_RE,
    has_letter_and_digit,
    is_filler,
    is_placeholder,
    is_reference,
    is_secret_reference,
    is_stand_in_pair,
    looks_like_identifier,
    random_case,
    random_enough,
)

# --- Headers, cookies, URLs with passwords -------------------------------------------------------

# The quotes may be escaped, as in a JSON string that holds code (`\\"Authorization\\": \\"Basic …\\"`).
# A web server's directive sets it after a space, the scheme quoted (nginx's `proxy_set_header
# Authorization "Basic …";`, Apache's `RequestHeader set Authorization "Bearer …"`). JavaScript may write
# the value as a template literal (`Authorization: \`Bearer …\``).
_AUTH_HEADER = re.compile(
    r"(?i)\b(?:proxy-)?authorization(?:\\{0,3}[\"'])?"
    r"(?:[ \t]*[:=]|[ \t]+(?=\\{0,3}[\"'](?:bearer|basic|token|digest)[ \t]))[ \t]*(?:\\{0,3}[\"'`])?"
    r"(?:(?:bearer|basic|token|digest|bot|negotiate|apikey|key)[ \t]+)?"
    r"([^\s\"',;`]{6,})"
)
_ESCAPED_BREAK = re.compile(r"\\[rnt]")
# A header whose name says it carries a key or a token: the value is the credential however short
# (`X-Api-Key: abc123xyz`); vendors' names without `X-` too (`Private-Token`, `Ocp-Apim-Subscription-Key`).
# Set as code sets it (`["X-Api-Key"] = "…"`, `Set("X-Api-Key", "…")`: `=` or `,` after a quoted name only,
# not a list of names nor `result.apiKey = args[i]`), or as a server's directive (`proxy_set_header
# X-Api-Key …;`): after a blank, its value closed by a quote, `;` or the line.
# Read in the lowered text, each alternative led by its own letter (a lookbehind or `(?i)` first had it
# tried at every character); what comes before the name is asked after (`_KEY_HEADER_START`).
_KEY_HEADER = re.compile(
    r"(?:x-(?:api-?key|api-?token|auth-token|auth-key|access-token|amz-security-token|goog-api-key|"
    r"csrf-token|xsrf-token|session-token|vault-token|token|rapidapi-key|figma-token|"
    r"shopify-access-token|postmark-server-token|[a-z]{1,20}-api-key)|api-key|apikey|private-token|"
    r"circle-token|ocp-apim-subscription-key|dd-api-key|dd-application-key)"
    r"(?:(?:\\{0,3}[\"']\]?[ \t]*[:=,]|[ \t]*:)[ \t]*(?:\\{0,3}[\"'])?([^\s\"',;]{6,})"
    r"|[ \t]+(?:\\{0,3}[\"'])?([^\s\"',;]{6,})(?=\\{0,3}[\"']|;|[ \t]*(?:\r?\n|$|\\[nr])))"
)
_KEY_HEADER_ANY_CASE = re.compile("(?i)" + _KEY_HEADER.pattern)
# A name opens where no word or dash goes on before it, or after a JSON string's escaped line break.
_KEY_HEADER_START = re.compile(r"(?<![\w\-])|(?<=\\[nrt])")
# The names `_KEY_HEADER` opens with, one of which a text must hold for it to be tried.
_KEY_HEADER_WORDS = Words("x-", "api-key", "apikey", "private-token", "circle-token", "ocp-apim", "dd-api",
                          "dd-application")
_BEARER = re.compile(r"(?i)\bbearer[ \t]+([A-Za-z0-9_\-.=:+/~]{16,})")
_COOKIE = re.compile(r"(?im)\b(?:set-)?cookie[\"']?[ \t]*[:=][ \t]*[\"']?([^\r\n\"']{4,})")
_URL_PASSWORD = re.compile(
    r"\b([a-z][a-z0-9+.\-]{1,20})://([^\s:/@\"'<>]{0,128}):([^\s@/\"'<>]{1,256})@(?=[^\s/\"'<>]+)", re.I
)
# What every `_URL_PASSWORD` match holds from its `://` on, led by that literal, which `re` skips to: a
# text of URLs without a password is passed over at C speed, where the whole pattern (led by `\b` and a
# letter) was tried at every word (context_findings over the corpus: 0.15 s, 0.09 s with this first).
_URL_USERINFO = re.compile(r"://[^\s:/@\"'<>]{0,128}:[^\s@/\"'<>]{1,256}@")
# A URL whose user is a token and which has no password (`https://<token>@github.com/…`, as git and CI
# write one): a user's name is short or made of words; a token holds a long random run.
_URL_TOKEN_USER = re.compile(r"://([A-Za-z0-9_\-.~%]{20,256})@(?=[A-Za-z0-9\[])")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9]{16,}")
# A Sentry DSN's key is public (a browser's code holds it): `https://<32 hex>@o123.ingest.sentry.io/…`.
_DSN_HOST = re.compile(r"(?i)[A-Za-z0-9.\-]*(?:sentry|\.ingest\.)")
# A vendor's or a service's name before the credential's (`&stripe_api_key=`, `?github_token=`); not a
# page's or a form's token (`?next_page_token=`, `&csrf_token=`), which opens nothing.
_QUERY_SECRET = re.compile(
    r"(?i)[?&;](?:(?!(?:next_?page|page|next|continuation|sync|cursor|csrf|xsrf|state|resume)[_\-]token=)"
    r"(?:[a-z0-9]{1,30}[_\-]){1,3}(?:password|passwd|pwd|secret|token)"
    r"|(?:[a-z0-9]{1,30}[_\-]){0,3}"
    r"(?:signing|private|master|license|encryption|secret|access|client|app|auth|api)[_\-]?key"
    r"|password|passwd|pwd|token|access_token|refresh_token|id_token|secret|client_secret|api_key|"
    r"apikey|key|sig|signature|auth|session|sessionid|code)=((?:[^&;\s\"'#<>\\]|\\(?![nrt\"'\\])){6,})"
)  # a value stops at a JSON string's escape (`\"`, `\n`): the escape is the string's, not the value's; and at
# `;`, which ends a pair in a connection string (`Password=…;Encrypt=True;`) as `&` does in a query
# A server's default pair (`postgres:postgres`, RabbitMQ's `guest:guest`) is an image's documented
# default: public knowledge. It tells a reader something only where the host is one the internet reaches
# (that host takes it); on this machine, a compose service (`@postgres:5432`), a private or reserved name
# or address (`.internal`, `10.…`, `db.example.com`) it is shown for review, not taken as sure.
_HOST = re.compile(r"\[[0-9a-fA-F:.]{2,45}\]|[A-Za-z0-9.\-]{1,253}")
_PRIVATE_ADDRESS = re.compile(r"(?:10|127)\.\d{1,3}\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3}"
                              r"|172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[::1?\]")
_PRIVATE_SUFFIXES = (
    ".localhost", ".local", ".internal", ".lan", ".home.arpa", ".test", ".example", ".invalid",
    ".example.com", ".example.net", ".example.org", ".svc", ".cluster.local",
)
_RESERVED_NAMES = frozenset({"localhost", "example.com", "example.net", "example.org"})
_DB_SCHEMES = frozenset(
    "postgres postgresql mysql mariadb mongodb mongodb+srv redis rediss amqp amqps mssql sqlserver oracle "
    "jdbc clickhouse cockroachdb couchdb neo4j cassandra".split()
)


# Cookies that count visits for analytics and remember consent (Google Analytics and Ads, Meta's pixel,
# Hotjar, Microsoft Clarity, Matomo, Segment's anonymous id): a visitor's tracking id, which opens no
# session; and the attributes a Set-Cookie line puts after its one cookie.
_ANALYTICS_COOKIE = re.compile(
    r"(?i)_ga(?:_\w+)?|_gid|_gat\w*|_gcl_\w+|_fbp|_fbc|__utm\w|_hj\w+|_clck|_clsk|_pk_(?:id|ses)[\w.]*"
    r"|ajs_anonymous_id|optanonconsent|optanonalertboxclosed|cookieconsent_status"
)
_COOKIE_ATTRIBUTES = frozenset(
    "path domain expires max-age secure httponly samesite partitioned priority".split()
)


def _analytics_only(cookies: str) -> bool:
    """Whether every cookie in a Cookie or Set-Cookie value is an analytics or consent cookie."""
    names = [pair.split("=", 1)[0].strip() for pair in cookies.split(";")]
    names = [n for n in names if n and n.lower() not in _COOKIE_ATTRIBUTES]
    return bool(names) and all(_ANALYTICS_COOKIE.fullmatch(n) for n in names)


def _stand_in_cookies(cookies: str) -> bool:
    """Whether every cookie's value in a Cookie or Set-Cookie value is a stand-in (`session=<token>`,
    `sessionid=${SESSION}`, `sid=changeme`): the header's shape, written out."""
    values = [pair.partition("=")[2].strip() for pair in cookies.split(";")
              if pair.partition("=")[0].strip().lower() not in _COOKIE_ATTRIBUTES and "=" in pair]
    return bool(values) and all(
        is_placeholder(v) or is_reference(v) or (v.isalpha() and not random_enough(v)) for v in values)


# Authorization schemes that sign each request (AWS SigV4, HTTP Message Signatures): the header holds a
# key id and a signature good for that one request; the key that made it never leaves the client.
_SIGNING_SCHEMES = frozenset({"aws4-hmac-sha256", "aws4-ecdsa-p256-sha256", "signature"})


# A header's scheme with nothing after it but punctuation (`` `Authorization: Bearer`) ``).
_SCHEME_ALONE = re.compile(r"(?i)(?:bearer|basic|token|digest|bot|negotiate|apikey)[^\w]*")
_BASIC_BEFORE = re.compile(r"(?i)basic[ \t]+$")


def private_host(text: str, at: int) -> bool:
    """Whether the host at `text[at:]` (after a URL's `@`) is one the internet does not reach: loopback,
    a name of one label (a compose service), a private address, a reserved or private-use domain."""
    m = _HOST.match(text, at)
    if m is None:
        return False
    host = m.group(0).lower().rstrip(".")
    if _PRIVATE_ADDRESS.fullmatch(host) or host in _RESERVED_NAMES or host.endswith(_PRIVATE_SUFFIXES):
        return True
    return "." not in host and not host.startswith("[") and any(c.isalpha() for c in host)


# Pairs an image or a product documents as its default where the password is not the user's name.
_DOCUMENTED_PAIRS = frozenset({("root", "example"), ("postgres", "example"), ("elastic", "changeme"),
                               ("admin", "harbor12345")})


def local_default_pair(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]`, a URL's password, is a documented default with its user (the user's name
    again, or a pair of `_DOCUMENTED_PAIRS`) on a host the internet does not reach (`private_host`)."""
    if text[start - 1:start] != ":" or not text.startswith("@", end):
        return False
    lead = text.rfind("://", max(0, start - 260), start)
    if lead < 0:
        return False
    user, password = text[lead + 3:start - 1], text[start:end]
    documented = user == password or (user.lower(), password.lower()) in _DOCUMENTED_PAIRS
    if len(user) < 2 or any(c in user for c in "/@ ") or not documented:
        return False
    return private_host(text, end + 1)


def stand_in_url_pair(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]`, a URL's password, is written to show the URL's shape (`user:password@`,
    `myuser:mypassword@`, `root:changeme@`) on a host the internet does not reach: nothing to review.
    On another host it stays a suggestion (`https://username:password@api.acme.io` may be a real pair)."""
    if text[start - 1:start] != ":" or not text.startswith("@", end) or not private_host(text, end + 1):
        return False
    password = text[start:end].lower()
    bare = password.removeprefix("my").removeprefix("your").removeprefix("db_").removeprefix("db")
    return is_placeholder(password) or password in STAND_IN_PASSWORDS or bare in STAND_IN_PASSWORDS


def _header_value(value: str) -> bool:
    """A header's value may be short (six characters) where it mixes letters and digits. Letters alone are a
    key only in random case (`gPqbEZvY`, `jftyNdksX`); a word (`required`, `string`, a schema's) or a header's name in a
    list of them (`["X-Api-Key", "Authorization"]`, `Content-Type`) is not."""
    if len(value) < 8 and not has_letter_and_digit(value) or any(c in _CODE_BRACKETS for c in value):
        return False
    if value.isalpha():
        return random_case(value) or _few_vowels(value)
    return not looks_like_identifier(value)


_CODE_BRACKETS = frozenset("()[]{}")
_VOWELS = frozenset("aeiouAEIOU")


def _few_vowels(value: str) -> bool:
    """Eight letters or more, under a fifth of them vowels: a generator's letters hold about as many as
    the alphabet does (`jftyNdksX`: none), a word or a name of code some two in five (`required`,
    `ContentType`)."""
    return len(value) >= 8 and 5 * sum(c in _VOWELS for c in value) < len(value)


def _auth_value(value: str) -> bool:
    """An `Authorization` value may be short (six or seven characters) where it mixes letters and digits."""
    return len(value) >= 8 or has_letter_and_digit(value)


def context_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if "authoriz" in has:
        for m in _AUTH_HEADER.finditer(text):
            value = m.group(1).rstrip("\\")  # a trailing `\` escapes the closing quote of a JSON string
            value = _ESCAPED_BREAK.split(value, 1)[0]  # `…\r\n> Host:` in a JSON string: the line ended
            if _SCHEME_ALONE.fullmatch(value):
                continue  # `Authorization: Bearer` in prose, its code span closed after the scheme
            if value.lower() in _SIGNING_SCHEMES:
                continue  # `AWS4-HMAC-SHA256 Credential=…, Signature=…`: a request's signature, not its key
            if _BASIC_BEFORE.search(text, max(0, m.start(1) - 12), m.start(1)) and is_stand_in_pair(value):
                continue  # `Basic dXNlcm5hbWU6cGFzc3dvcmQ=`: base64 of `username:password`, as a URL's would be
            if value and not is_placeholder(value) and not is_filler(value) and _auth_value(value) \
                    and not is_secret_reference(value):  # `Bearer npm_SAMPLESAMPLE…`, `Bearer op://…`
                end = m.start(1) + len(value)
                yield Finding(m.start(1), end, kinds.AUTH_HEADER, AUTO, "rule:authorization-header")
    if _KEY_HEADER_WORDS.any_in(has):
        # offsets in the lowered text are the text's where it is as long (`_lower_aligned`)
        aligned = len(lowered) == len(text)
        for m in (_KEY_HEADER.finditer(lowered) if aligned else _KEY_HEADER_ANY_CASE.finditer(text)):
            if not _KEY_HEADER_START.match(text, m.start()):
                continue
            if text.endswith("://", 0, m.start()):
                continue  # `https://x-access-token:<token>@host`: a URL's user; the URL rule takes the pair
            at = 1 if m.start(1) >= 0 else 2
            value = _ESCAPED_BREAK.split(text[m.start(at):m.end(at)], 1)[0].rstrip("\\")  # a JSON line's end
            if at == 2 and ("-" not in text[m.start():m.start(2)]
                            or not (has_letter_and_digit(value) or random_case(value))):
                continue  # after a blank, a header's dashed name and a made value (not `apiKey instead.`)
            if value and not is_placeholder(value) and not is_filler(value) and _header_value(value) \
                    and not is_reference(value):
                end = m.start(at) + len(value)
                yield Finding(m.start(at), end, kinds.AUTH_HEADER, AUTO, "rule:key-header")
    if "bearer" in has:
        for m in _BEARER.finditer(text):
            v = m.group(1)
            if not is_placeholder(v) and random_enough(v) and not is_filler(v) and not is_secret_reference(v):
                yield Finding(m.start(1), m.end(1), kinds.AUTH_HEADER, AUTO, "rule:bearer")
    if "cookie" in has:
        for m in _COOKIE.finditer(text):
            v = m.group(1).rstrip()
            if not is_placeholder(v) and "=" in v and random_enough(v) and not _analytics_only(v) \
                    and not _stand_in_cookies(v):
                yield Finding(m.start(1), m.start(1) + len(v), kinds.COOKIE, AUTO, "rule:cookie")
    if "://" in text and _URL_USERINFO.search(text) is not None:
        for m in _URL_PASSWORD.finditer(text):
            scheme, password = m.group(1).lower(), m.group(3)
            said = unquote(password) if "%" in password else password  # `%7Bpassword%7D` is `{password}`
            if is_placeholder(said) or said.lower() in STAND_IN_PASSWORDS or is_filler(password):
                continue
            if stand_in_url_pair(text, m.start(3), m.end(3)):
                continue
            kind = kinds.DB_PASSWORD if scheme.split(":")[0] in _DB_SCHEMES else kinds.URL_PASSWORD
            tier = SUGGESTED if local_default_pair(text, m.start(3), m.end(3)) else AUTO
            # The whole `user:password`, as for an HTTP client's `-u`: the pair is the credential.
            yield Finding(m.start(2), m.end(3), kind, tier, "rule:url-password")
    if "://" in text and "@" in text:
        for m in _URL_TOKEN_USER.finditer(text):
            if _token_user(m.group(1)) and not _DSN_HOST.match(text, m.end()):
                yield Finding(m.start(1), m.end(1), kinds.URL_PASSWORD, AUTO, "rule:url-token")
    if "=" in text and ("?" in text or "&" in text or ";" in text):
        for m in _QUERY_SECRET.finditer(text):
            v = m.group(1)
            said = unquote(v) if "%" in v else v  # a form's or a query's encoding: judged as it was written
            if not is_placeholder(said) and not is_secret_reference(said) and random_enough(v, min_len=8):
                yield Finding(m.start(1), m.end(1), kinds.URL_SECRET, AUTO, "rule:query-parameter")


def _token_user(user: str) -> bool:
    """Whether a URL's user (no password after it) is a token: a run of 16 letters and digits or more,
    mixing both, as random as generated ones, or a random UUID (Heroku's API key as git's user); not a
    stand-in. Read percent-decoded, base64's `/` and `+` (written `%2F`, `%2B`) taken out of the runs."""
    if "%" in user:
        user = unquote(user)
        runs = _TOKEN_RUN.findall(user.replace("/", "").replace("+", ""))
    else:
        runs = _TOKEN_RUN.findall(user)
    if is_placeholder(user) or is_filler(user):
        return False
    if UUID_RE.fullmatch(user) and user[14:15] == "4":
        return True
    return any(has_letter_and_digit(run) and random_enough(run, 16, 3.5) for run in runs)
