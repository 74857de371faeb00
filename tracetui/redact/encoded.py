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
import string
import zlib
from collections.abc import Callable, Iterator

from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.shapes import BASE32, BASE64, HEX, shape

# Detectors whose findings in decoded text say nothing: any decoded run is "high entropy" in its
# encoded form already. Personal data counts (a card number, an IBAN, an address or an e-mail
# base64-encoded in a payload is as readable as in clear), but for phone numbers, whose pattern
# fits many digit runs, a whole blob is not worth a question.
_ENTROPY = (
    "detect-secrets:Base64HighEntropyString",
    "detect-secrets:HexHighEntropyString",
    "entropy:",
)
_IGNORED = (*_ENTROPY, "pii:phone")

# At least 16 characters: a shorter run decodes to 12 bytes or fewer, too little to hold a
# credential any detector recognises. Standard and URL-safe alphabets, padded or not. A run may follow
# an `=` (`state=eyJ0b2tlbiI6…`, a cookie's value, a query's): a run's own padding ends it, so an `=`
# before one is an assignment's. Found in the text's shape (`shapes.BASE64`, the alphabet as `x`): led by
# 16 literal letters `re` skips to, where `(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}` over the text was
# tried at each character.
_BASE64 = re.compile(b"x" * 16 + rb"(?<!x{17})x*={0,2}(?![x=])")
# Base32 (RFC 4648: upper-case letters and 2-7, padded with `=` to eight): TOTP seeds' alphabet, and an
# encoding an attacker picks because no base64 check reads it.
# A run is matched from its first character only: the lookbehind after that character refuses a start
# inside a run (a match tried at each character of a run that fails at its end took quadratic time: a
# line of 100,000 capitals and a lower-case letter took 223 s), and a first character before it would
# be tried at every character. The character before a run is checked after a match.
_BASE32 = re.compile(r"[A-Z2-7](?<![A-Z2-7]{2})[A-Z2-7]{15,}+={0,6}(?![A-Za-z0-9+/_=-])")
_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
# Quoted-printable (mail bodies, MIME parts, `quopri`): `=XX` escapes and `=` at a line's end joining it to
# the next. Read only where it shows: an escaped `=` (`=3D`) or a soft break after a long line.
# `=3D` (an escaped `=`), or two escapes with a hex letter (`=0A`, `=C3=A9`): `width=20` in code is no sign.
_QP_SIGN = re.compile(r"=3D|=(?:[0-9][A-F]|[A-F][0-9A-F])[^=]{0,80}=(?:[0-9][A-F]|[A-F][0-9A-F])")
_QP_WIDTH = 60  # a soft break follows a line at least this long (encoders wrap at 76)
_QP_REACH = 200  # characters read on each side of a decoded escape (with the lines they are in)
_QP_ESCAPE = re.compile(r"=(?:([0-9A-F]{2})|\r?\n)")
# Percent-encoded runs are found from their escapes outwards, to the next space or quote on each
# side (one regex for the whole run would retry from every character of a long line: quadratic).
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_RUN_ENDS = frozenset(" \t\n\r\f\v\"'`<>")

MAX_CANDIDATES = 200  # per text and kind of encoding
MAX_LENGTH = 16_384  # longer runs are images and binaries, not credentials
MAX_DEPTH = 2
MAX_INFLATED = 4 * MAX_LENGTH  # bytes of one gzip'd run read


def encoded_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    """Findings in the decoded forms of `text`'s encoded runs, placed in `text`.

    `scan(decoded, depth)` is the full scan; `depth` is how many decodings deep `text` already is.
    """
    if depth >= MAX_DEPTH:
        return
    yield from _base64_findings(text, scan, depth)
    yield from _base32_findings(text, scan, depth)
    yield from _percent_findings(text, scan, depth)
    yield from _qp_findings(text, scan, depth)
    yield from _hex_findings(text, scan, depth)
    yield from _hexdump_findings(text, scan, depth)


def _base64_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    tried = 0
    for m in _BASE64.finditer(shape(text, BASE64)):
        run = text[m.start():m.end()]
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


def _may_hold_base32(text: str) -> bool:
    """16 characters of base32's alphabet in a row, which every `_BASE32` run starts with: one pass in C,
    where the pattern is tried at each capital."""
    return b"x" * 16 in shape(text, BASE32)


def _base32_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    if not _may_hold_base32(text):
        return
    tried = 0
    for m in _BASE32.finditer(text):
        if m.start() > 0 and text[m.start() - 1] in _B64_CHARS:
            continue  # the tail of a longer run (base64's, an identifier's)
        run = m.group(0)
        if len(run) > MAX_LENGTH:
            continue
        body = run.rstrip("=")
        if len(body) % 8 in (1, 3, 6):  # no byte count ends there
            continue
        tried += 1
        if tried > MAX_CANDIDATES:
            return
        try:
            raw = base64.b32decode(body + "=" * (-len(body) % 8))
        except (binascii.Error, ValueError):
            continue
        decoded = _printable(raw)
        if decoded is None:
            continue
        inner = [f for f in scan(decoded, depth + 1) if not f.detector.startswith(_IGNORED)]
        if inner:
            best = min(inner, key=lambda f: f.tier != AUTO)
            yield Finding(m.start(), m.end(), best.kind, best.tier, f"decoded:base32:{best.detector}")


def _soft_break(text: str) -> bool:
    """An `=` ending a line of at least _QP_WIDTH characters (found with str.find: a line-length pattern
    would be tried at every character)."""
    at = text.find("=\n")
    while at >= 0:
        line_start = text.rfind("\n", 0, at) + 1
        if at - line_start >= _QP_WIDTH:
            return True
        at = text.find("=\n", at + 2)
    return False


def _qp_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    """Quoted-printable text decoded whole, each finding mapped onto the characters that spell it."""
    if "=" not in text or len(text) > 4 * MAX_LENGTH or (not _soft_break(text) and _QP_SIGN.search(text) is None):
        return
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    joins: list[int] = []  # where in the decoded text an escape or a soft break was read
    pos = 0
    for m in _QP_ESCAPE.finditer(text):
        # The text between escapes is copied as a piece, its map as ranges: no step per character.
        out.append(text[pos:m.start()])
        starts.extend(range(pos, m.start()))
        ends.extend(range(pos + 1, m.start() + 1))
        joins.append(len(starts))
        if m.group(1) is not None:
            out.append(chr(int(m.group(1), 16)))  # a byte, read as Latin-1: one character, one escape
            starts.append(m.start())
            ends.append(m.end())
        pos = m.end()
    if pos == 0:
        return
    out.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    decoded = "".join(out)
    # Only the lines around what was decoded are scanned again (the rest reads as it did), a window each,
    # windows that touch merged.
    windows: list[list[int]] = []
    for j in joins:
        lo = decoded.rfind("\n", 0, max(0, j - _QP_REACH)) + 1
        hi = decoded.find("\n", min(len(decoded), j + _QP_REACH))
        hi = len(decoded) if hi < 0 else hi
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    for lo, hi in windows:
        for f in scan(decoded[lo:hi], depth + 1):
            if f.detector.startswith(_ENTROPY) or f.end <= f.start:
                continue
            yield Finding(starts[lo + f.start], ends[lo + f.end - 1], f.kind, f.tier, f"decoded:qp:{f.detector}")


_DIGITS, _LOWER, _UPPER = frozenset(string.digits), frozenset(string.ascii_lowercase), frozenset(string.ascii_uppercase)


def _mixed(run: str) -> bool:
    # Base64 of text mixes cases and digits; a long identifier or a path segment rarely does all three.
    # A run is ASCII (`_BASE64`), so its set of characters says it at C speed.
    chars = set(run)
    return (not chars.isdisjoint(_DIGITS)) + (not chars.isdisjoint(_LOWER)) + (not chars.isdisjoint(_UPPER)) >= 2


def _b64_text(run: str) -> str | None:
    """The run decoded, when it is base64 of printable UTF-8 text (or of gzip'd text); else None."""
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        if raw[:3] == b"\x1f\x8b\x08":
            raw = _gunzipped(raw)
        decoded = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError, zlib.error, EOFError):
        return None
    printable = sum(1 for c in decoded if c.isprintable() or c in "\n\r\t")
    return decoded if len(decoded) >= 8 and printable >= 0.95 * len(decoded) else None


def _gunzipped(raw: bytes) -> bytes:
    """gzip'd bytes inflated, at most MAX_INFLATED of them: a Helm release in a Kubernetes secret
    (`kubectl get secret sh.helm.release…`) is base64 of gzip'd JSON holding the chart's values, and so is
    many a config blob. A bomb stops at the bound; what was inflated until then is read."""
    stream = zlib.decompressobj(wbits=31)
    out = stream.decompress(raw, MAX_INFLATED)
    if stream.unconsumed_tail:  # cut at the bound: not inside a character
        end = len(out)
        while end and out[end - 1] & 0xC0 == 0x80:
            end -= 1
        out = out[: end - 1] if end and out[end - 1] >= 0xC0 else out[:end]
    return out


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
            if f.detector.startswith(_ENTROPY) or f.end <= f.start:
                continue  # personal data is kept: the mapping is exact, only its own characters go
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


# Hex: `xxd -p` (60 digits a line), `od`/`printf '%x'`, `\x67\x68` escapes. Consecutive lines of bare
# hex are one run, since `xxd -p` wraps them. A run decodes to text, or it is a hash (skipped).
_HEX_RUN = re.compile(r"(?<![0-9A-Za-z])(?:(?:\\x)?[0-9a-fA-F]{2}){8,}(?:\r?\n(?:(?:\\x)?[0-9a-fA-F]{2}){1,})*(?![0-9A-Za-z])")


_HEX16 = b"x" * 16  # 16 hex digits in a row, looked for in the text's shape (`shapes.HEX`)


def _hex_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    if "\\x" not in text and _HEX16 not in shape(text, HEX):
        return
    tried = 0
    for m in _HEX_RUN.finditer(text):
        run = m.group(0)
        if len(run) > MAX_LENGTH:
            continue
        digits = run.replace("\\x", "").replace("\r", "").replace("\n", "")
        if len(digits) % 2 or len(digits) < 16:
            continue
        tried += 1
        if tried > MAX_CANDIDATES:
            return
        decoded = _printable(bytes.fromhex(digits))
        if decoded is None:
            continue
        inner = [f for f in scan(decoded, depth + 1) if not f.detector.startswith(_IGNORED)]
        if inner:
            best = min(inner, key=lambda f: f.tier != AUTO)
            yield Finding(m.start(), m.end(), best.kind, best.tier, f"decoded:hex:{best.detector}")


def _printable(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for c in decoded if c.isprintable() or c in "\n\r\t")
    return decoded if len(decoded) >= 8 and printable >= 0.95 * len(decoded) else None


# A hexdump line: offset, hex bytes (in groups of 1 or 2 bytes), then the same bytes as characters:
# `xxd` (`00000010: 6768 705f ...  ghp_...`) and `hexdump -C` (`00000010  67 68 70 5f ... |ghp_...|`).
_DUMP_LINE = re.compile(
    r"(?m)^[ \t]*[0-9a-fA-F]{6,16}:?[ \t]+((?:(?:[0-9a-fA-F]{2}){1,2}[ \t]{1,2}){0,15}(?:[0-9a-fA-F]{2}){1,2})(?![0-9a-fA-F])[^\n]*"
)
_HEX_GROUP = re.compile(r"(?:[0-9a-fA-F]{2}){1,2}(?![0-9a-fA-F])")
_MAX_DUMP = 4096  # bytes of one dump decoded at a time


def _hexdump_findings(text: str, scan: Callable[[str, int], list[Finding]], depth: int) -> Iterator[Finding]:
    """Dumps decoded from their hex columns; a secret found there is marked in both columns of every
    line it crosses (the character column spells it as well)."""
    if "0000" not in text:
        return
    block: list[tuple[int, int]] = []  # per byte: where its two hex digits start, where its character is (-1: none)
    last_end = -2
    for m in _DUMP_LINE.finditer(text):
        if (m.start() > last_end + 1 and block) or len(block) > _MAX_DUMP:
            yield from _scan_dump(text, block, scan, depth)
            block = []
        last_end = m.end()
        starts = [k for g in _HEX_GROUP.finditer(text, m.start(1), m.end(1)) for k in range(g.start(), g.end(), 2)]
        block.extend(_dump_line(text, m.end(), starts))
    if block:
        yield from _scan_dump(text, block, scan, depth)


def _dump_line(text: str, line_end: int, starts: list[int]) -> list[tuple[int, int]]:
    """(hex start, character position) per byte of one dump line. The character column is found from
    the line's end (`|...|` or the last characters), and the byte count is checked against it: a
    character column that itself looks like hex (`cafe`) cannot pass for more bytes."""
    while line_end > 0 and text[line_end - 1] in " \t\r":
        line_end -= 1
    if text[line_end - 1: line_end] == "|":
        line_end -= 1
    for cut in range(len(starts), 0, -1):
        rendered = "".join(chr(b) if 32 <= b < 127 else "." for b in (int(text[h:h + 2], 16) for h in starts[:cut]))
        if text[line_end - cut: line_end] == rendered:
            return [(h, line_end - cut + i) for i, h in enumerate(starts[:cut])]
    return [(h, -1) for h in starts]


def _scan_dump(
    text: str, block: list[tuple[int, int]], scan: Callable[[str, int], list[Finding]], depth: int
) -> Iterator[Finding]:
    raw = bytes(int(text[h:h + 2], 16) for h, _ in block)
    decoded = raw.decode("latin-1")  # one character per byte, so offsets map straight back
    if sum(1 for c in decoded if c.isprintable() or c in "\n\r\t") < 0.9 * len(decoded):
        return
    for f in scan(decoded, depth + 1):
        if f.detector.startswith(_ENTROPY):
            continue
        detector = f"decoded:hexdump:{f.detector}"
        part = block[f.start:f.end]
        # One finding per dump line and column: runs of consecutive bytes on the same line.
        run_start = 0
        for i in range(1, len(part) + 1):
            if i == len(part) or part[i][0] != part[i - 1][0] + 2 and part[i][0] != part[i - 1][0] + 3:
                first, last = part[run_start], part[i - 1]
                yield Finding(first[0], last[0] + 2, f.kind, f.tier, detector)
                if first[1] >= 0 and last[1] >= 0:
                    yield Finding(first[1], last[1] + 1, f.kind, f.tier, detector)
                run_start = i
