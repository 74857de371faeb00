"""Headers, cookies and URLs that carry a credential: `Authorization`, key headers, a bearer
token, a cookie, a password in a URL or a query."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.gate_words import in_lowered
from tracetui.redact.text_checks import (
    STAND_IN_PASSWORDS,
    is_filler,
    is_placeholder,
    is_stand_in_pair,
    random_enough,
)

# --- Headers, cookies, URLs with passwords -------------------------------------------------------

# The quotes may be escaped, as in a JSON string that holds code (`\\"Authorization\\": \\"Basic …\\"`).
_AUTH_HEADER = re.compile(
    r"(?i)\b(?:proxy-)?authorization(?:\\{0,3}[\"'])?[ \t]*[:=][ \t]*(?:\\{0,3}[\"'])?"
    r"(?:(?:bearer|basic|token|digest|bot|negotiate|apikey)[ \t]+)?"
    r"([^\s\"',;]{8,})"
)
_KEY_HEADER = re.compile(
    r"(?i)\bx-(?:api-key|auth-token|access-token|amz-security-token|goog-api-key|csrf-token|xsrf-token|"
    r"session-token|vault-token)[\"']?[ \t]*:[ \t]*[\"']?([^\s\"',;]{8,})"
)
_BEARER = re.compile(r"(?i)\bbearer[ \t]+([A-Za-z0-9_\-.=:+/~]{16,})")
_COOKIE = re.compile(r"(?im)\b(?:set-)?cookie[\"']?[ \t]*[:=][ \t]*[\"']?([^\r\n\"']{4,})")
_URL_PASSWORD = re.compile(
    r"\b([a-z][a-z0-9+.\-]{1,20})://([^\s:/@\"'<>]{0,128}):([^\s@/\"'<>]{1,256})@(?=[^\s/\"'<>]+)", re.I
)
# What every `_URL_PASSWORD` match holds from its `://` on, led by that literal, which `re` skips to: a
# text of URLs without a password is passed over at C speed, where the whole pattern (led by `\b` and a
# letter) was tried at every word (context_findings over the corpus: 0.15 s, 0.09 s with this first).
_URL_USERINFO = re.compile(r"://[^\s:/@\"'<>]{0,128}:[^\s@/\"'<>]{1,256}@")
_QUERY_SECRET = re.compile(
    r"(?i)[?&;](?:password|passwd|pwd|token|access_token|refresh_token|id_token|secret|client_secret|api_key|"
    r"apikey|key|sig|signature|auth|session|sessionid|code)=((?:[^&\s\"'#<>\\]|\\(?![nrt\"'\\])){6,})"
)  # a value stops at a JSON string's escape (`\"`, `\n`): the escape is the string's, not the value's
# A server's default pair on this machine (`postgres:postgres@localhost`, RabbitMQ's `guest:guest`): an
# image's documented default, reachable from here alone. Shown for review, not taken as sure.
_LOOPBACK = re.compile(r"(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?![\w.\-])", re.I)
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


# Authorization schemes that sign each request (AWS SigV4, HTTP Message Signatures): the header holds a
# key id and a signature good for that one request; the key that made it never leaves the client.
_SIGNING_SCHEMES = frozenset({"aws4-hmac-sha256", "aws4-ecdsa-p256-sha256", "signature"})


_BASIC_BEFORE = re.compile(r"(?i)basic[ \t]+$")


def local_default_pair(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]`, a URL's password, is its user's name too, on a loopback host
    (`postgres://postgres:postgres@localhost`): see `_LOOPBACK`."""
    user = start - 1 - (end - start)
    return (
        user >= 3 and text[start - 1] == ":" and text[user:start - 1] == text[start:end]
        and text.endswith("://", 0, user) and text.startswith("@", end) and _LOOPBACK.match(text, end + 1) is not None
    )


def context_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if "authoriz" in has:
        for m in _AUTH_HEADER.finditer(text):
            value = m.group(1).rstrip("\\")  # a trailing `\` escapes the closing quote of a JSON string
            if value.lower() in _SIGNING_SCHEMES:
                continue  # `AWS4-HMAC-SHA256 Credential=…, Signature=…`: a request's signature, not its key
            if _BASIC_BEFORE.search(text, max(0, m.start(1) - 12), m.start(1)) and is_stand_in_pair(value):
                continue  # `Basic dXNlcm5hbWU6cGFzc3dvcmQ=`: base64 of `username:password`, as a URL's would be
            if value and not is_placeholder(value) and not is_filler(value):  # `Bearer npm_SAMPLESAMPLE…`
                end = m.start(1) + len(value)
                yield Finding(m.start(1), end, kinds.AUTH_HEADER, AUTO, "rule:authorization-header")
    if "x-" in has:
        for m in _KEY_HEADER.finditer(text):
            if text.endswith("://", 0, m.start()):
                continue  # `https://x-access-token:<token>@host`: a URL's user; the URL rule takes the pair
            value = m.group(1).rstrip("\\")
            if value and not is_placeholder(value) and not is_filler(value):
                yield Finding(m.start(1), m.start(1) + len(value), kinds.AUTH_HEADER, AUTO, "rule:key-header")
    if "bearer" in has:
        for m in _BEARER.finditer(text):
            v = m.group(1)
            if not is_placeholder(v) and random_enough(v) and not is_filler(v):
                yield Finding(m.start(1), m.end(1), kinds.AUTH_HEADER, AUTO, "rule:bearer")
    if "cookie" in has:
        for m in _COOKIE.finditer(text):
            v = m.group(1).rstrip()
            if not is_placeholder(v) and "=" in v and random_enough(v) and not _analytics_only(v):
                yield Finding(m.start(1), m.start(1) + len(v), kinds.COOKIE, AUTO, "rule:cookie")
    if "://" in text and _URL_USERINFO.search(text) is not None:
        for m in _URL_PASSWORD.finditer(text):
            scheme, password = m.group(1).lower(), m.group(3)
            if is_placeholder(password) or password.lower() in STAND_IN_PASSWORDS:
                continue
            kind = kinds.DB_PASSWORD if scheme.split(":")[0] in _DB_SCHEMES else kinds.URL_PASSWORD
            tier = SUGGESTED if local_default_pair(text, m.start(3), m.end(3)) else AUTO
            # The whole `user:password`, as for an HTTP client's `-u`: the pair is the credential.
            yield Finding(m.start(2), m.end(3), kind, tier, "rule:url-password")
    if "=" in text and ("?" in text or "&" in text or ";" in text):
        for m in _QUERY_SECRET.finditer(text):
            v = m.group(1)
            if not is_placeholder(v) and random_enough(v, min_len=8):
                yield Finding(m.start(1), m.end(1), kinds.URL_SECRET, AUTO, "rule:query-parameter")
