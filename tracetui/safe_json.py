"""JSON whose characters that act are written as escapes (docs/design.md, "Safety rules").

JSON escapes only U+0000-U+001F. The rest pass through raw and still act where the document is shown:
on a terminal (C1 controls such as CSI 0x9B), in an editor or a web page (bidi overrides reorder the
text around them, zero-width and other format characters hide it). `plain_json` writes each of them
as a `\\u` escape, so the document parses back to the very same strings and shows them for what they are.
"""

from __future__ import annotations

import re
import unicodedata

from tracetui.safe_text import IGNORABLE


# Every format character (Unicode's category Cf) acts, whatever the list of the day: a list written
# by hand let the Arabic number signs (U+0600-0605, which join the text after them) and the musical
# beam and phrase controls (U+1D173-1D17A) through raw. So do the characters `safe_text` shows because
# no renderer draws them (IGNORABLE: variation selectors, Hangul fillers, the tag block).
def acts(ch: str) -> bool:
    cp = ord(ch)
    if 0x7F <= cp <= 0x9F or cp in IGNORABLE or ch in "\u2028\u2029":
        return True
    return unicodedata.category(ch) == "Cf"


# The bytes of UTF-8 that are whole ASCII characters below DEL: none of them acts (JSON has escaped
# the controls among them), and every other character is spelled with bytes past them.
_PLAIN_ASCII = bytes(range(0x7F))


def _acting(data: bytes) -> list[str]:
    """The distinct characters of the UTF-8 `data` that act. Only its bytes past ASCII are decoded and
    asked: a 2.9 MB document of mostly ASCII holds 17 KB of them, and the set of all its characters
    took 45 ms to make."""
    return [ch for ch in set(data.translate(None, _PLAIN_ASCII).decode("utf-8")) if acts(ch)]


def _escape(match: re.Match[str]) -> str:
    cp = ord(match.group(0))
    if cp > 0xFFFF:  # as a UTF-16 surrogate pair, the only way JSON spells it
        cp -= 0x10000
        return f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}"
    return f"\\u{cp:04x}"


def plain_json(data: bytes) -> bytes:
    """The UTF-8 JSON `data` with every character that acts written as an escape. A class of the
    characters found alone is matched, as a class of every Cf character took 0.04 s to build, and
    0.14 s to run over 665 KB of JSON. Every such character is a string's: JSON's own syntax is ASCII."""
    if data.isascii() and b"\x7f" not in data:
        return data
    acting = _acting(data)
    if not acting:
        return data
    pattern = re.compile("[" + "".join(map(re.escape, acting)) + "]")
    return pattern.sub(_escape, data.decode("utf-8")).encode("utf-8")
