"""Spellings a reader joins: a credential whose characters are set apart, or built by code from pieces.

More in docs/internals/redact.md, `redact/spelled.py`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.text_checks import LINE_NUMBER

_IGNORED = ("detect-secrets:Base64HighEntropyString", "detect-secrets:HexHighEntropyString", "entropy:", "pii:")
MIN_JOINED = 16  # characters: a shorter join holds no credential a format rule names
MAX_RUNS = 40  # joins tried per text

# One character, then the same separator before each of at least 15 more.
_CH = r"[A-Za-z0-9_\-+/=]"
# (The character before the run is checked after a match: a lookbehind first would be tried at every
# character of every text.)
_SPACED = re.compile(rf"({_CH})([ .,|:·])(?:{_CH}\2){{14,}}{_CH}(?![A-Za-z0-9_\-+/=])")
# Four single characters between five of one separator, each pattern led by its separator, a literal `re`
# skips to: most texts hold none, and then the run's own pattern (tried at every character) is not run.
_SPACED_HINTS = [re.compile(re.escape(sep) + ("[^\\s" + re.escape(sep) + "]" + re.escape(sep)) * 4) for sep in " .,|:·"]
_GLUED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/.,|·")
# A string literal of a few languages, without escapes or line breaks inside.
_LITERAL = r"(?:\"[^\"\\\n\s]{1,200}\"|'[^'\\\n\s]{1,200}'|`[^`\\\n\s$]{1,200}`)"
# What joins two: an operator, a comma in an array, or nothing but space (adjacent literals).
# A line break may carry a viewer's line number (`cat -n`, Claude's `12→`).
_BREAK = rf"\r?\n(?:{LINE_NUMBER})?[ \t]*"
_JOINER = rf"[ \t]*(?:\\?{_BREAK})?(?:\+|\.\.|\.|\|\||&|,)?[ \t]*(?:{_BREAK})?"
_PIECES = re.compile(rf"{_LITERAL}(?:{_JOINER}{_LITERAL}){{1,200}}")
_ONE_PIECE = re.compile(_LITERAL)
_COMMA_PIECE = 4  # pieces an array holds to spell a value out, at most this long each
# A PEM body: lines of 64 base64 characters (the last shorter), at least three.
_PEM_BODY = re.compile(
    rf"(?m)^(?:{LINE_NUMBER})?[ \t]*(?:[A-Za-z0-9+/]{{64}}[ \t]*\r?\n(?:{LINE_NUMBER})?[ \t]*){{2,}}"
    r"[A-Za-z0-9+/]{4,64}={0,2}[ \t]*$"
)
# A body's line, `[A-Za-z0-9+/]{64}[ \t]*\r?\n`, looked for before its block; only whether a text holds
# one counts, so it is looked for in the reversed text, from the line breaks `re` skips to (forwards, 64
# characters were tried at every character of every word).
_BODY_LINE_REVERSED = re.compile(r"\n\r?[ \t]*[A-Za-z0-9+/]{64}")
_NUMBERED = re.compile(rf"(?m)^{LINE_NUMBER}")
_OPENSSH = b"openssh-key-v1\x00"


def spelled_findings(text: str, scan: Callable[[str], list[Finding]]) -> Iterator[Finding]:
    """Findings in the joined spellings of `text`, placed on the whole spelling as it stands there."""
    runs = 0
    at = 0 if any(h.search(text) is not None for h in _SPACED_HINTS) else len(text)
    while runs <= MAX_RUNS and at < len(text):
        m = _SPACED.search(text, at)
        if m is None:
            break
        if m.start() > 0 and text[m.start() - 1] in _GLUED:
            at = m.start() + 2  # the run's first character is the end of a word: from the next one
            continue
        runs += 1
        at = m.end()
        yield from _scan_joined(text, m.start(), m.end(), m.group(0)[:: 2], scan)
    if "'" in text or '"' in text or "`" in text:
        for m in _PIECES.finditer(text):
            pieces = [p.group(0)[1:-1] for p in _ONE_PIECE.finditer(m.group(0))]
            between = _ONE_PIECE.sub("", m.group(0))
            if "," in between and any(len(p) > _COMMA_PIECE for p in pieces):
                continue  # a list of words or names, not a value spelled out
            runs += 1
            if runs > MAX_RUNS:
                break
            yield from _scan_joined(text, m.start(), m.end(), "".join(pieces), scan)
    if "\n" in text and _BODY_LINE_REVERSED.search(text[::-1]) is not None:
        yield from _headless_keys(text)


def _generated(joined: str) -> bool:
    """Digits among letters, or both cases: a key's characters, not words or a path (`"/usr/" + "bin"`)."""
    has_digit = any(c.isdigit() for c in joined)
    has_lower = any(c.islower() for c in joined)
    has_upper = any(c.isupper() for c in joined)
    return (has_digit and (has_lower or has_upper)) or (has_lower and has_upper)


def _scan_joined(
    text: str, start: int, end: int, joined: str, scan: Callable[[str], list[Finding]]
) -> Iterator[Finding]:
    if len(joined) < MIN_JOINED or not _generated(joined):
        return
    # The line before the spelling gives it its name (`token = "ghp_" + …`), read as an assignment of it.
    line_start = text.rfind("\n", max(0, start - 200), start) + 1
    head = text[line_start:start]
    quote = '"' if head.rstrip().endswith(("=", ":", "(", ",")) else ""
    window = head + quote + joined + quote
    at = len(head) + len(quote)
    for f in scan(window):
        if f.detector.startswith(_IGNORED) or f.end <= at or f.start >= at + len(joined):
            continue
        yield Finding(start, end, f.kind, f.tier, f"spelled:{f.detector}")


def _headless_keys(text: str) -> Iterator[Finding]:
    for m in _PEM_BODY.finditer(text):
        if m.start() > 0 and text[:m.start()].rstrip().endswith("-----"):
            continue  # under its header: the PEM rules read it whole
        body = "".join(_NUMBERED.sub("", m.group(0)).split())
        try:
            raw = base64.b64decode(body[:88] + "=" * (-len(body[:88]) % 4))
        except (binascii.Error, ValueError):
            continue
        if _private_key_start(raw):
            yield Finding(m.start(), m.end(), kinds.PRIVATE_KEY, AUTO, "spelled:headless-private-key")


def _private_key_start(raw: bytes) -> bool:
    """DER of a private key (PKCS#1, PKCS#8, SEC 1: a SEQUENCE whose first field is a version 0 or 1), or an
    OpenSSH private key; a certificate or a public key opens with a SEQUENCE inside the SEQUENCE instead."""
    if raw.startswith(_OPENSSH):
        return True
    if len(raw) < 8 or raw[0] != 0x30:
        return False
    size = raw[1]
    at = 2 if size < 0x80 else 2 + (size & 0x7F)
    return raw[at:at + 3] in (b"\x02\x01\x00", b"\x02\x01\x01")
