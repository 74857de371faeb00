"""A credential keyed by the host or the name of the registry it is for, with no credential word beside it:
RubyGems' `~/.gem/credentials` (`:acme: <key>`, `https://gems.acme.io: <key>`, `…: Bearer <token>`) and
Composer's `auth.json` (`"github-oauth": {"github.com": "<token>"}`, `"bearer": {"repo.acme.io": "…"}`).
More in docs/internals/redact.md ("Places sec22's…")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.gate_words import Words, in_lowered
from tracetui.redact.rules.assignments import _DIRECTIVE_LINE, _line_start
from tracetui.redact.rules.judge import _base64_like
from tracetui.redact.text_checks import (
    has_letter_and_digit,
    is_filler,
    is_placeholder,
    is_reference,
    is_secret_reference,
    random_enough,
)

# One token to the line's end (a JSON string's too) after a YAML key: a Ruby symbol (`:acme:`) or a URL
# (`https://gems.acme.io/path:`), a `Bearer ` scheme at most between. Each opens with a literal `re` skips
# to, and every part after the key takes characters the next part does not, so a match is read once.
_VALUE = r"[ \t]+(?:Bearer[ \t]+)?([A-Za-z0-9_\-.~+/=]{16,400}+)[ \t]*(?=\r?\n|\\[nr]|\\?\"|$)"
_SYMBOL_KEY = re.compile(r":([a-z_][a-z0-9_\-]{0,40}+):" + _VALUE)
_URL_KEY = re.compile(r"https?://[\w\-]++(?:\.[\w\-]++)*+(?::\d{1,5})?(?:/[\w.\-/]*+)?:" + _VALUE)
# A symbol that names structure: a digest, an id, a version, not a registry.
_STRUCTURE_NAME = re.compile(
    r"(?:^|_)(?:id|sha\d*|hash|digest|checksum|commit|etag|version|uuid|guid|fingerprint|revision|rev|ref|"
    r"nonce|md5|integrity|signature|path|url|uri|file|dir|name)(?:$|_)"
)
# A JSON pair whose key is a host name and whose value is a string, inside an object named for a
# credential (`"github-oauth": {`, `"gitlab-token": {`, `"bearer": {`); quotes may be JSON-escaped.
_HOST_PAIR = re.compile(
    r"(\\?\")((?:[a-z0-9\-]{1,63}+\.)++[a-z]{2,24}(?::\d{1,5})?)\1[ \t]*:[ \t]*\1([^\"\s\\]{8,400}+)\1"
)
# An object's opening after a key (`"github-oauth": {`), found by its literal quote; the key's end, read in
# the lowered text, names a credential.
_OBJECT_OPENING = re.compile(r"\"[ \t]*:[ \t]*\{")
_CREDENTIAL_KEY_END = re.compile(
    r"(?:oauth|token|bearer|secret|credential|password|api[_\-]?key)[\w\-]{0,20}\\?$"
)
# What stands before a key that opens its line: a line break, a viewer's tab or `+`, grep's `12:`, a
# JSON string's escaped line break, or its opening quote (`"content": ":acme: …"`).
_LINE_COLONS = Words("://", "\n:", "\t:", "+:", "::", "\\n:", "\": \":", "\":\":")
_PAIR_WORDS = Words(
    "auth", "token", "bearer", "secret", "credential", "passw", "api_key", "apikey", "api-key"
)
# How far after the object's opening its pairs are read (up to its first `}`): a few hosts' pairs.
_OBJECT_REACH = 2000


def host_key_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if ":" in text[:1] or _LINE_COLONS.any_in(has):
        for pattern in (_SYMBOL_KEY, _URL_KEY):
            for m in pattern.finditer(text):
                if pattern is _SYMBOL_KEY and _STRUCTURE_NAME.search(m.group(1)):
                    continue
                line = _line_start(text, m.start())
                if line is None or not _DIRECTIVE_LINE.fullmatch(text, line, m.start()):
                    continue  # a key opens its line, after a viewer's prefix at most
                value = m.lastindex or 0  # the value is the last group: after the symbol's name, or alone
                if _generated(m.group(value)):
                    yield Finding(m.start(value), m.end(value), kinds.SECRET, AUTO, "rule:host-key")
    if "{" in text and _PAIR_WORDS.any_in(has):
        yield from _host_pairs(text, lowered)


def _host_pairs(text: str, lowered: str) -> Iterator[Finding]:
    if len(lowered) != len(text):
        lowered = text.lower()  # `İ` lowered is two characters: read each key's end by itself
        aligned = False
    else:
        aligned = True
    for opening in _OBJECT_OPENING.finditer(text):
        key = opening.start()
        window = lowered[max(0, key - 40):key] if aligned else text[max(0, key - 40):key].lower()
        if _CREDENTIAL_KEY_END.search(window) is None:
            continue
        at = opening.end()
        # the object's pairs end at its `}`, or at a `{` (an object inside, or the next such opening)
        reach = min(len(text), at + _OBJECT_REACH)
        ends = [e for e in (text.find("}", at, reach), text.find("{", at, reach)) if e >= 0]
        end = min(ends) if ends else reach
        for m in _HOST_PAIR.finditer(text, at, end):
            if _generated(m.group(3)):
                yield Finding(m.start(3), m.end(3), kinds.SECRET, AUTO, "rule:host-key")


def _generated(value: str) -> bool:
    """A generated key or token, not a word, a path, a template or a stand-in."""
    if is_placeholder(value) or is_filler(value) or is_reference(value) or is_secret_reference(value):
        return False
    if value.count("/") >= 2 and not _base64_like(value):
        return False
    if not has_letter_and_digit(value):
        mixed = value.isalpha() and not value.islower() and not value.isupper()
        return mixed and random_enough(value, 16, 3.5)
    return random_enough(value, 16, 3.0)
