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

from tracetui.redact.finding import Finding
from tracetui.redact.gate_words import Holds
from tracetui.redact.text_checks import LINE_NUMBER

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
                continue  # checked at C speed first: most line breaks follow prose or code, not a token
            left_start = _run_start(text, m.start(), _RUN)
            right_end = _run_end(text, m.end(), _RUN)
            if not _worth_joining(text, m.start(), m.end(), left_start, right_end, pattern is _WRAP):
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
    if cut - left_start < MIN_LEFT or right_end - resume < 4:
        return False
    if wrap and (_starts_anew(text, resume, right_end) or _word_then_more(text, resume, right_end)
                 or _NUMBERED.match(text, resume)):
        return False  # the next line is a new `name=`/`offset:` of its own, not the rest of a token
    if _DIGIT.search(text, left_start, right_end) is not None:
        return True
    # Two words broken by a line have no digits; nor has every password (`yqDVtkqPECriaLRi`): it mixes cases.
    return cued and _MIXED_CASE.search(text, left_start, right_end) is not None


_MIXED_CASE = re.compile(r"[a-z][A-Z]")


def _rejoined(
    text: str, cut_at: int, resume: int, left_start: int, right_end: int, scan: Callable[[str], list[Finding]]
) -> Iterator[Finding]:
    """Scan the two halves as one line; a finding across the join is placed back on both halves."""
    line_start = _line_start(text, left_start)
    while line_start >= 2 and text[line_start - 2 : line_start] == "\\\n" and line_start > cut_at - _WINDOW:
        line_start = _line_start(text, line_start - 2)  # a shell command continued (`curl … \`)
    line_start = max(line_start, cut_at - _WINDOW)
    left = text[line_start:cut_at]
    tail_end = text.find("\n", right_end, right_end + 100)
    window = left + text[resume:tail_end if tail_end >= 0 else min(len(text), right_end + 100)]
    cut = len(left)
    # Up to the end of the next line's word: a token's run may stop at a symbol the finding goes past.
    right_len = max(right_end, _run_end(text, resume, _RUN_ANY)) - resume
    for f in scan(window):
        if f.detector.startswith(_IGNORED) or not (f.start < cut < f.end):
            continue
        detector = f"joined:{f.detector}"
        yield Finding(line_start + f.start, cut_at, f.kind, f.tier, detector)
        yield Finding(resume, resume + min(f.end - cut, right_len), f.kind, f.tier, detector)


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
