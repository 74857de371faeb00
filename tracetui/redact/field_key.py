"""The scan cache's key of a field: its text, and what kind of text the log says it is. The review
files what it found in a field under it (`scan.py`); the export's gate looks a text up by it
(`reviewed.py`), so both must make it the same way: here, once."""

from __future__ import annotations

import hashlib

from tracetui.redact.syntax import UNKNOWN, Syntax, read_as


def field_key(text: str, syntax: Syntax = UNKNOWN) -> str:
    h = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
    syntax = read_as(syntax)  # a kind the detectors read as any text: the same scan, the same key
    if syntax != UNKNOWN:
        h.update(b"\0" + syntax.encode())
    return h.hexdigest()
