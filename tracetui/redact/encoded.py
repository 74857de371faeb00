"""Secrets hidden by an encoding: base64 blobs and URL-encoded text are decoded and scanned again.

Agent logs carry secrets in encoded form more often than one would think: `kubectl get secret -o
yaml` prints base64 values, `~/.docker/config.json` keeps `user:token` in base64, a `curl` command
line or a callback URL holds a JSON body or a password percent-encoded. No format rule matches
those bytes as they stand, so a candidate is decoded and the decoded text is scanned with every
detector. What is found there is mapped back:
- base64 has no character-level correspondence, so the whole encoded run becomes the finding;
- percent-encoding does, so the finding covers exactly the encoded characters of the secret.

The work is bounded: only so many candidates per text are decoded, each only up to a length, and
decoded text is itself decoded only once more (a base64 `.dockerconfigjson` holds base64 `auth`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator

from tracetui.redact.finding import AUTO, Finding

# Detectors whose findings in decoded text say nothing: any decoded run is "high entropy" in its
# encoded form already, and addresses or phone numbers are not worth scrubbing a whole blob for.
_IGNORED = (
    "detect-secrets:Base64HighEntropyString",
    "detect-secrets:HexHighEntropyString",
    "entropy:",
    "pii:",
)

# At least 16 characters: a shorter run decodes to 12 bytes or fewer, too little to hold a
# credential any detector recognises. Standard and URL-safe alphabets.
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/_=-])")
# Percent-encoded runs are found from their escapes outwards, to the next space or quote on each
# side (one regex for the whole run would retry from every character of a long line: quadratic).
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_RUN_ENDS = frozenset(" \t\n\r\f\v\"'`<>")

MAX_CANDIDATES = 200  # per text and kind of encoding
MAX_LENGTH = 16_384  # longer runs are images and binaries, not credentials
MAX_DEPTH = 2


def encoded_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    """Findings in the decoded forms of `text`'s encoded runs, placed in `text`.

    `scan(decoded, depth)` is the full scan; `depth` is how many decodings deep `text` already is.
    """
    if depth >= MAX_DEPTH:
        return
    yield from _base64_findings(text, scan, depth)
    yield from _percent_findings(text, scan, depth)


def _base64_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    tried = 0
    for m in _BASE64.finditer(text):
        run = m.group(0)
        if len(run) > MAX_LENGTH or not _mixed(run):
            continue
        tried += 1
        if tried > MAX_CANDIDATES:
            return
        decoded = _b64_text(run)
        if decoded is None:
            continue
        inner = [f for f in scan(decoded, depth + 1) if not f.detector.startswith(_IGNORED)]
        if inner:
            best = min(inner, key=lambda f: f.tier != AUTO)
            yield Finding(m.start(), m.end(), best.kind, best.tier, f"decoded:base64:{best.detector}")


def _mixed(run: str) -> bool:
    # Base64 of text mixes cases and digits; a long identifier or a path segment rarely does all three.
    return any(c.isdigit() for c in run) + any(c.islower() for c in run) + any(c.isupper() for c in run) >= 2


def _b64_text(run: str) -> str | None:
    """The run decoded, when it is base64 of printable UTF-8 text; else None."""
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        decoded = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    printable = sum(1 for c in decoded if c.isprintable() or c in "\n\r\t")
    return decoded if len(decoded) >= 8 and printable >= 0.95 * len(decoded) else None


def _percent_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    tried = 0
    for at, end in _percent_runs(text):
        if end - at > MAX_LENGTH:
            continue
        tried += 1
        if tried > MAX_CANDIDATES:
            return
        decoded, starts, ends = _unquote_mapped(text[at:end])
        for f in scan(decoded, depth + 1):
            if f.detector.startswith(_IGNORED) or f.end <= f.start:
                continue
            first, last = at + starts[f.start], at + ends[f.end - 1]
            yield Finding(first, last, f.kind, f.tier, f"decoded:url:{f.detector}")


def _percent_runs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of text holding a %XX escape, bounded by spaces and quotes."""
    covered = -1
    n = len(text)
    for m in _ESCAPE.finditer(text):
        if m.start() < covered:
            continue
        start, end = m.start(), m.end()
        floor, ceiling = max(0, start - MAX_LENGTH), min(n, end + MAX_LENGTH)
        while start > floor and text[start - 1] not in _RUN_ENDS:
            start -= 1
        while end < ceiling and text[end] not in _RUN_ENDS:
            end += 1
        covered = end
        yield start, end


def _unquote_mapped(run: str) -> tuple[str, list[int], list[int]]:
    """`run` percent-decoded (and '+' as space), with each decoded character's span in `run`.

    Consecutive escapes are decoded together, as one UTF-8 sequence may span several; a character
    made of several escapes maps to all of them.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(run)
    while i < n:
        if run[i] == "%" and _is_hex(run[i + 1 : i + 3]):
            j = i
            raw = bytearray()
            while j < n and run[j] == "%" and _is_hex(run[j + 1 : j + 3]):
                raw.append(int(run[j + 1 : j + 3], 16))
                j += 3
            _decode_escapes(bytes(raw), i, out, starts, ends)
            i = j
            continue
        out.append(" " if run[i] == "+" else run[i])
        starts.append(i)
        ends.append(i + 1)
        i += 1
    return "".join(out), starts, ends


def _decode_escapes(raw: bytes, at: int, out: list[str], starts: list[int], ends: list[int]) -> None:
    # Walk the bytes as UTF-8, one character at a time, so each keeps the span of its own escapes.
    k = 0
    while k < len(raw):
        width = _utf8_width(raw[k])
        piece = raw[k : k + width]
        try:
            chars = piece.decode("utf-8")
        except UnicodeDecodeError:
            chars, width = "\ufffd", 1
        for c in chars:
            out.append(c)
            starts.append(at + 3 * k)
            ends.append(at + 3 * (k + width))
        k += width


def _utf8_width(lead: int) -> int:
    if lead < 0x80:
        return 1
    if lead >> 5 == 0b110:
        return 2
    if lead >> 4 == 0b1110:
        return 3
    if lead >> 3 == 0b11110:
        return 4
    return 1


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)
