"""A secret cut in two: wrapped at a line break, or built from two string literals.

A terminal or a log wraps a long token at its width; code splits one over `"…" +\n "…"` (or
Python's adjacent literals, PHP's `.`). Neither half matches a format on its own, and the half that
does (an assignment's name and the first part) would leave the rest in the capsule. So each place
where a run of token characters continues after a break is rejoined, the rejoined piece (from the
start of its line) is scanned again, and a finding that crosses the join is placed back on both
halves, with the same kind and tier.

More in docs/internals/redact.md, `redact/joined.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from tracetui.redact.credential_words import names_a_credential
from tracetui.redact.finding import Finding
from tracetui.redact.gate_words import Holds
from tracetui.redact.text_checks import LINE_NUMBER, entropy

_TOKEN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-.~")
# A line break between two token characters (a wrap), real or JSON-escaped.
# The 12 token characters before the break are checked by a lookbehind placed after the break, so
# the pattern starts with a literal and `re` jumps from line break to line break.
# `~` too: an Azure client secret holds it (`…8Q~…`), as URL-safe signatures do.
_T = r"[A-Za-z0-9+/=_\-.~]{12}"
# The next line may open with any token character: a cut falls anywhere, before a `=` (an alphabet with
# `=` inside, or base64 padding), a `.` or a `~` (Azure's client secrets) as well as a letter.
_WRAP = re.compile(rf"(?:\n(?<={_T}\n)|\r\n(?<={_T}\r\n)|\\n(?<={_T}\\n))(?=[A-Za-z0-9+/=_\-.~])")
# Two string literals joined: `" +\n  "`, `' . '`, `" "` (adjacent literals), `"\n"`.
_CONCAT = re.compile(
    r"([\"'])[ \t]*(?:\+|\.|&|\|\|)?[ \t]*(?:\\?\r?\n[ \t]*)?(?:(?:\+|\.|&)[ \t]*)?\1"
    r"(?=[A-Za-z0-9+/=_\-.~])"
)
_IGNORED = ("detect-secrets:Base64HighEntropyString", "entropy:", "pii:")
_LEFT = re.compile(r"[A-Za-z0-9+/=_\-.~]{12}")
_DIGIT = re.compile(r"\d")
MIN_LEFT = 12  # a token shorter than this before a break is a word, not half a credential
MAX_JOINS = 40
# How far a run is followed on each side of a break: a 1Password service-account token is ~900
# characters, so a wrap in its middle leaves over 400 on each side; the format is only seen whole.
_WINDOW = 1024


def joined_findings(
    text: str, scan: Callable[[str], list[Finding]], present: frozenset[str] | None = None
) -> Iterator[Finding]:
    """`present`: the scan's needles in the text's lowered form (`gate_words`), which say which cues
    are absent without a search for each."""
    if "\n" not in text and "\\n" not in text and "'" not in text and '"' not in text:
        return
    joins = 0
    joined: set[int] = set()
    for pattern in (_WRAP, _CONCAT):
        for m in pattern.finditer(text):
            if m.start() < MIN_LEFT or not _LEFT.fullmatch(text, m.start() - MIN_LEFT, m.start()):
                # checked at C speed first: most line breaks follow prose or code, not a token
                if pattern is _WRAP or not _short_named(text, m.start()):
                    continue
            left_start = _run_start(text, m.start(), _RUN)
            right_end = _run_end(text, m.end(), _RUN)
            if not _worth_joining(text, m.start(), m.end(), left_start, right_end, pattern is _WRAP) and not (
                pattern is _CONCAT and right_end - m.end() >= 4 and _credential_head(text, left_start)
            ):
                continue
            joins += 1
            if joins > MAX_JOINS:
                return
            joined.add(m.start())
            yield from _rejoined(text, m.start(), m.end(), left_start, right_end, scan)
    # Symbols too, only at the end of a line that names a credential: found from the cue with `str.find`,
    # so the line breaks of prose and code without one cost nothing.
    for line_end in _cue_line_ends(text, present):
        # `"…" +⏎  "…"`: the closing quote just before the break, the next literal just after it
        breaks = list(_CONCAT_ANY.finditer(text, max(0, line_end - 12), min(len(text), line_end + 40)))
        wrap_at = line_end - 1 if line_end > 0 and text[line_end - 1] == "\r" else line_end
        wrap = _WRAP_ANY.match(text, wrap_at)
        if wrap is not None:
            breaks.append(wrap)
        for m in breaks:
            if m.start() in joined:
                continue  # a token's run, rejoined above
            left_start = _run_start(text, m.start(), _RUN_ANY)
            right_end = _run_end(text, m.end(), _RUN_ANY)
            if text.startswith("\\n", m.start()):
                # After a JSON-escaped line break, an unescaped quote closes the string: the tail ends there.
                quote = text.find('"', m.end(), right_end)
                right_end = quote if quote >= 0 else right_end
            is_wrap = m.re is _WRAP_ANY
            if not _worth_joining(text, m.start(), m.end(), left_start, right_end, is_wrap, cued=True):
                continue
            joined.add(m.start())
            joins += 1
            if joins > MAX_JOINS:
                return
            yield from _rejoined(text, m.start(), m.end(), left_start, right_end, scan)


def _cue_line_ends(text: str, present: frozenset[str] | None = None) -> list[int]:
    """Where each line that holds a cue ends (a line break, real or JSON-escaped, or the text's end)."""
    lowered = text.lower()
    # Of the same length, `lowered` is the very text the scan's needles were found in (`_lower_aligned`).
    has = lowered if present is None or len(lowered) != len(text) else Holds(lowered, present, searched=True)
    ends: set[int] = set()
    for needle in _CUES:
        if needle not in has:
            continue
        at = lowered.find(needle)
        while at >= 0:
            brk = _BREAK.search(text, at)
            if brk is None:
                ends.add(len(text))
                break
            ends.add(brk.start())
            at = lowered.find(needle, brk.end())
    return sorted(ends)


def _worth_joining(
    text: str, cut: int, resume: int, left_start: int, right_end: int, wrap: bool, cued: bool = False
) -> bool:
    if cut - left_start < MIN_LEFT or right_end == resume:
        return False
    if right_end - resume < 4 and not (wrap and _closes_value(text, right_end) and _full_row(text, cut)):
        return False  # a short tail only where a wrap leaves a value's last characters before it closes
    if wrap and (_starts_anew(text, resume, right_end) or _word_then_more(text, resume, right_end)
                 or _NUMBERED.match(text, resume)):
        return False  # the next line is a new `name=`/`offset:` of its own, not the rest of a token
    if _DIGIT.search(text, left_start, right_end) is not None:
        return True
    # Two words broken by a line have no digits; nor has every password (`yqDVtkqPECriaLRi`): it mixes cases,
    # nor every token (`hf_` and lower-case letters): its run after the name is as random as a key's.
    if not cued:
        return False
    mixed = _MIXED_CASE.search(text, left_start, right_end) is not None
    return mixed or _random_run(text, left_start, right_end)


def _closes_value(text: str, at: int) -> bool:
    """What follows a wrap's short tail closes the value on the same row: a quote or a separator. Not the
    row's end: a short row of its own after a value (`token: ghp_…⏎EOF`, `…⏎fi`) is not the value's tail,
    and a wrap that leaves a value's last characters alone on a row leaves at most three of them."""
    return at < len(text) and text[at] in _CLOSERS


_CLOSERS = frozenset("\"'`,;)]}")


def _full_row(text: str, cut: int) -> bool:
    """The row before a real line break is as wide as the text's widest (40 or more): a terminal's wrap
    at its width, not a line of its own that ends there (`_password=…⏎ok`)."""
    if text[cut] != "\n":
        return False
    row = cut - (text.rfind("\n", 0, cut) + 1)
    return row >= 40 and row >= _widest_row(text)


@lru_cache(maxsize=1)
def _widest_row(text: str) -> int:
    return max(map(len, text.split("\n")))


def _random_run(text: str, start: int, end: int) -> bool:
    """The run's last piece after `=` or `:` (the value) is 24 characters or more, as random as a key."""
    run = re.split(r"[=:]", text[start:end])[-1].strip("\"'")
    return len(run) >= 24 and entropy(run) >= 3.5


_MIXED_CASE = re.compile(r"[a-z][A-Z]")


def _rejoined(
    text: str, cut_at: int, resume: int, left_start: int, right_end: int, scan: Callable[[str], list[Finding]]
) -> Iterator[Finding]:
    """Scan the two halves as one line; a finding across the join is placed back on both halves (and on
    each further row a wrap cut the same run onto, where it runs to the next row's end)."""
    line_start = _line_start(text, left_start)
    while line_start >= 2 and text[line_start - 2 : line_start] == "\\\n" and line_start > cut_at - _WINDOW:
        line_start = _line_start(text, line_start - 2)  # a shell command continued (`curl … \`)
    line_start = max(line_start, cut_at - _WINDOW)
    head, origin = _name_line(text, line_start, left_start)
    left = head + text[origin:cut_at]
    cut = len(left)
    # Up to the end of the next line's word: a token's run may stop at a symbol the finding goes past.
    right_len = max(right_end, _run_end(text, resume, _RUN_ANY)) - resume
    rows = _more_pieces(text, resume, right_end)
    pieces = rows[:1]
    found = _crossing(scan(_window(text, left, pieces)), cut)
    if len(rows) > 1 and any(f.end >= cut + rows[0][1] - rows[0][0] for f in found):
        # The value runs to the next row's end: read it over every row the wrap cut it onto (only
        # then, since a wrapped blob's every break would otherwise scan a window of many rows).
        pieces, right_len = rows, rows[0][1] - resume
        found = _crossing(scan(_window(text, left, pieces)), cut)
    for f in found:
        detector = f"joined:{f.detector}"
        yield Finding(origin + max(0, f.start - len(head)), cut_at, f.kind, f.tier, detector)
        at = cut
        for i, (a, b) in enumerate(pieces):
            if f.end <= at:
                break
            yield Finding(a, a + min(f.end - at, right_len if i == 0 else b - a), f.kind, f.tier, detector)
            at += b - a


def _window(text: str, left: str, pieces: list[tuple[int, int]]) -> str:
    """The left half, the rows after the cut joined, and the rest of the last row's line."""
    last = pieces[-1][1]
    tail_end = text.find("\n", last, last + 100)
    rest = text[last : tail_end if tail_end >= 0 else min(len(text), last + 100)]
    return left + "".join(text[a:b] for a, b in pieces) + rest


def _crossing(found: list[Finding], cut: int) -> list[Finding]:
    return [f for f in found if not f.detector.startswith(_IGNORED) and f.start < cut < f.end]


# A line that opens a value written on the lines below it: `NAME = (`, `const key =`, `key:`.
# Up to four words may declare it first (`const`, `export const`, `private static final String`).
_OPENS_VALUE = re.compile(
    r"[ \t]*(?:[A-Za-z_][\w<>\[\]]*[ \t]+){0,4}[A-Za-z_][\w.\-\[\]'\"]*[ \t]*(?::=|=>|=|:)[ \t]*\(?[ \t]*\r?$"
)
# A line holding one string literal alone (and perhaps the `+` or `.` that joins it to the next).
_LITERAL_LINE = re.compile(r"[ \t]*([\"'])[^\"'\n]*\1[ \t]*[+.]?[ \t]*\r?$")


def _name_line(text: str, line_start: int, left_start: int) -> tuple[str, int]:
    """Where the left half is a string literal that opens its line (`    "…"` under `KEY = (`), the
    name that the literal is the value of, from the line that opened it (over literal lines between),
    and where the literal starts: the rejoined window then reads `KEY = "…"`. Else no name, the line."""
    quote = left_start - 1
    if quote < line_start or text[quote] not in "\"'" or text[line_start:quote].strip(" \t"):
        return "", line_start
    end = line_start - 1
    for _ in range(4):
        if end <= 0 or text[end] != "\n":
            break
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if _OPENS_VALUE.match(line) is not None:
            return line.rstrip("\r \t(") + " ", quote
        if _LITERAL_LINE.match(line) is None:
            break
        end = start - 1
    return "", line_start


def _short_named(text: str, cut: int) -> bool:
    """A literal of 8 to 11 token characters that opens its line under a credential's name: a key of 20
    characters split in halves over two lines (`AWS_ACCESS_KEY_ID = (⏎ "AKIA…"⏎ "…")`)."""
    left_start = _run_start(text, cut, _RUN)
    return cut - left_start >= MIN_NAMED_LEFT and _credential_head(text, left_start)


MIN_NAMED_LEFT = 8


def _credential_head(text: str, left_start: int) -> bool:
    """The literal opens its line under a name that says it holds a credential (`HF_TOKEN = (`): a
    value there need not mix digits in (`hf_` and lower-case letters) to be worth rejoining."""
    head, _ = _name_line(text, _line_start(text, left_start), left_start)
    return bool(head) and names_a_credential(head.split("=")[0].split(":")[0])


def _more_pieces(text: str, resume: int, right_end: int) -> list[tuple[int, int]]:
    """The tail's run, and the runs a fixed-width wrap cut the same token onto below it: each line the
    token fills whole (from its start to its break) goes on at the next line's start."""
    pieces = [(resume, right_end)]
    while len(pieces) < _MAX_PIECES and resume == _line_start(text, resume) and right_end - resume >= 12:
        # A line the token fills to its break (its run may hold a symbol the token's alphabet lacks: `%`).
        right_end = max(right_end, _run_end(text, resume, _RUN_ANY))
        pieces[-1] = (resume, right_end)
        wrap = _WRAP.match(text, right_end)
        if wrap is None:
            break
        end = _run_end(text, wrap.end(), _RUN)
        if _starts_anew(text, wrap.end(), end) or _word_then_more(text, wrap.end(), end):
            break
        resume, right_end = wrap.end(), end
        pieces.append((resume, right_end))
    return pieces


_MAX_PIECES = 16


# A credential given with its user or written with symbols (`--user j.smith:dB2y…`, `Authorization:
# sha256~…@=…`, `"user":"password"`) is cut as well, and its halves hold `@ : # ! $ "` that no token's
# alphabet has. Such a break is rejoined only on a line that names a credential or passes one, so the
# line breaks of prose, listings and code are not all tried.
_CUES = (
    " -u", " -a", "--user", "--auth", "--password", "--http-password", "authoriz", "passw", "secret", "token",
    "api_key", "apikey", "api-key", "credential",
)
_WRAP_ANY = re.compile(r"(?:\n(?<=[^\s\\]{12}\n)|\r\n(?<=[^\s\\]{12}\r\n)|\\n(?<=[^\s\\]{12}\\n))(?=[^\s\\])")
_CONCAT_ANY = re.compile(
    r"([\"'])[ \t]*(?:\+|\.|&|\|\|)?[ \t]*(?:\\?\r?\n[ \t]*)?(?:(?:\+|\.|&)[ \t]*)?\1(?=[^\s\\\"'])"
)
_RUN_ANY = re.compile(r"[^\s\\]*")
_BREAK = re.compile(r"\r?\n|\\n")


_RUN = re.compile(r"[A-Za-z0-9+/=_\-.~]*")


def _starts_anew(text: str, start: int, end: int) -> bool:
    """The run `text[start:end]` after a line break begins something of its own: `NAME=...` (a `=`
    that is not base64 padding at the token's very end), `offset:` or `name = …`."""
    if _NAME_THEN_SIGN.match(text, end):
        return True  # `offset:`, `api_key = …`, `token: …` (after a diff's `+`): a name, not a tail
    if _LABEL.match(text, start):
        return True  # `orders: …`, `WARN: …` (a run with symbols takes the colon in): a line's label
    run = text[start:end]
    if run[:1] in ("+", "-") and wrap_is_diff(text, start):
        run = run[1:]  # a diff's next added or removed line: its mark is not the tail's
    body = run.rstrip("=")
    inner = _PADDING_JOIN.sub("", body)
    if "=" in inner and _names_a_setting(inner.split("=", 1)[0]):
        return True  # `NAME=…`; base64 padding before a format's separator (`…fQ==_…`) is a middle
    return len(body) < len(run) and end < len(text) and text[end] not in _PADDING_END


# A name as `NAME=` lines begin with: an identifier, perhaps dotted or dashed (`spring.datasource.url`,
# `max-age`), each piece a word with digits only at its end (`DB2_HOST`, `oauth2`, `S3`), digits alone after
# the first, or a numeronym (`k8s`). What precedes a `=` in the tail of a token cut in two (`sfo8sr=`,
# `7rgwx5thua2cac=`, `vdquo1i-g90sk92o3cyryn=`, or nothing) mixes digits into its letters or starts with one.
_NUMERONYMS = r"k8s|k3s|i18n|l10n|a11y|g11n|m17n|e2e|p2p|b2b|b2c"
_SETTING_NAME = re.compile(
    rf"(?i:{_NUMERONYMS}|[A-Za-z_][A-Za-z_]*\d*)(?:[.\-_]+(?i:{_NUMERONYMS}|[A-Za-z]+\d*|\d+))*"
)


def wrap_is_diff(text: str, start: int) -> bool:
    """The line the run opens is a diff's (`+`/`-` then a line of the file): the text holds a hunk
    header or a patch's marker, which a token's wrap has not."""
    return "@@" in text or "*** Begin Patch" in text or "\n+++ " in text or "\\n+++ " in text


def _names_a_setting(name: str) -> bool:
    return _SETTING_NAME.fullmatch(name) is not None


def _word_then_more(text: str, start: int, end: int) -> bool:
    """The next line opens with a lower-case word and goes on after a space (`machine host login …`,
    `export NAME=…`): a record or a sentence of its own. A wrapped token's tail mixes cases and digits,
    and ends its line."""
    return text[start:end].isalpha() and text[start:end].islower() and text[end : end + 1] in (" ", "\t")


# The next line's number in a file viewer's output (`00002| `, `2.<tab>`): a new line of the file.
# Or grep's `path:12:`: the next match, a line of its own.
_NUMBERED = re.compile(rf"(?:{LINE_NUMBER}|[\w.\-]*[/.][\w./\-]*:\d{{1,7}}:)")
_NAME_THEN_SIGN = re.compile(r":|[ \t]+[=:][ \t]")
# A word, a colon, then a space or the line's end: a log line's label. A password cut inside its user
# (`j.smi` + `th:dB2y…`) has its colon between two runs of the credential.
_LABEL = re.compile(r"[A-Za-z][\w.\-]*:(?:[ \t]|\r?\n|\\[nr]|$)")


_PADDING_JOIN = re.compile(r"={1,2}(?=[_\-.])")
_PADDING_END = frozenset(" \t\r\n\"'`,;)]}\\")


def _run_start(text: str, at: int, run_chars: re.Pattern[str]) -> int:
    # Matched on the reversed window, so the run is measured at C speed, not a character at a time.
    lo = max(0, at - _WINDOW)
    run = run_chars.match(text[lo:at][::-1])
    return at - (run.end() if run else 0)


def _run_end(text: str, at: int, run_chars: re.Pattern[str]) -> int:
    run = run_chars.match(text, at, min(len(text), at + _WINDOW))
    return run.end() if run else at


def _line_start(text: str, at: int) -> int:
    nl = text.rfind("\n", 0, at)
    esc = text.rfind("\\n", 0, at)
    return max(nl + 1, esc + 2 if esc >= 0 else 0)
