"""A text read as the classes of its characters, one byte a character, for searches `re` makes fast.

`re` tries a pattern that opens with a lookbehind at every character, and one that opens with a class at
every character of the class: over base64's alphabet, most of a text. In a text's shape each character
is its class's letter (`str.encode("latin-1", "replace")` keeps a byte a character, a character past
Latin-1 becoming `?`, and `bytes.translate` maps each byte to its letter: two passes in C), so a run of
a class is a run of one letter, which `re` skips to as a literal and `bytes.find` finds. A match's
offsets in the shape are its offsets in the text.
"""

from __future__ import annotations

import string


def table(classes: dict[str, bytes], other: bytes = b" ", wide: bytes | None = None) -> bytes:
    """A `bytes.translate` table: each character of a key to its letter, every other byte to `other`.

    The characters are Latin-1 and not `?`, which stands for every character past Latin-1 and takes the
    letter `wide` (`other` by default: right for classes of Latin-1 characters). For a class that holds
    characters past Latin-1 (`\\d`, `\\s`), `wide` is the letter a match may need there: the shape then
    says yes where the pattern may say no, a test to ask before the pattern, never its answer."""
    out = bytearray(other * 256)
    for chars, letter in classes.items():
        for c in chars:
            if ord(c) > 0xFF or c == "?":
                raise ValueError(f"{c!r} is not one byte of a shape")
            out[ord(c)] = letter[0]
    if wide is not None:
        out[ord("?")] = wide[0]
    return bytes(out)


# The last text shaped and its Latin-1 bytes: a scan's detectors shape the same text in up to seven ways,
# one after the other, and the encoding is the dearer of the two passes (one tuple, so a thread reads a
# whole pair; the text is held, so no other can take its identity).
_last: tuple[str, bytes] = ("", b"")


def shape(text: str, mapping: bytes) -> bytes:
    """`text`'s characters as their classes' letters (`mapping`, from `table`), offsets kept."""
    global _last
    last_text, raw = _last
    if last_text is not text:
        raw = text.encode("latin-1", "replace")
        _last = (text, raw)
    return raw.translate(mapping)


# Base64's standard and URL-safe alphabets as `x`; `=` (padding) and `~` (which joins a URL-safe run in
# CloudFront's signatures) as themselves.
BASE64 = table({string.ascii_letters + string.digits + "+/_-": b"x", "=": b"=", "~": b"~"})
HEX = table({string.hexdigits: b"x"})
BASE32 = table({string.ascii_uppercase + "234567": b"x"})
