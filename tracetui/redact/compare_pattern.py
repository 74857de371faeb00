"""detect-secrets' comparison pattern (`'value' == password`) matched in one pass over a line.

Its value group runs greedily to the window's end from every quote and backs off to a closing one:
in a line of backticks that costs the line's length at each of them, and a megabyte of "`a` == `b`
password" took 21 s of CPU. Here each quote's tail (the closing quote, the comparison and the word)
is tried once, and a start takes the farthest tail its value may reach, which is the match the
pattern's backtracking finds. The pattern's own text is checked against the form this reads; any
other form runs the pattern itself. The pattern whose value closes with a quote and `;` backtracks
the same way from each of its words: it is run only where a quote and `;` stand together.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

# The pattern's opening quote and value, as detect-secrets writes it, then its tail.
_HEAD = "([\\'\"`])((?=[^\\v\\'\\\"]*)(?=\\w+)[^\\v\\'\\\"]*[^\\v,\\'\\\"`])(\\1)"
_QUOTES = "'\"`"
_STOPS = "\v'\""  # what a value never holds: the first of these after an opening quote ends its reach
_NOT_LAST = frozenset("\v,'\"`")  # what a value never ends with
_WORD = re.compile(r"\w")


def comparing(pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` is the comparison pattern in the form `matches` reads."""
    return pattern.pattern.startswith(_HEAD) and "\\1" not in pattern.pattern[len(_HEAD):]


def matches(pattern: re.Pattern[str], line: str) -> Iterator[tuple[str, int]]:
    """(value, its start) of each match `pattern.finditer(line)` finds, in order."""
    if not comparing(pattern):
        yield from ((m.group(2), m.start(2)) for m in pattern.finditer(line))
        return
    tail = _tail(pattern)
    ends: dict[int, int] = {}  # a closing quote's place -> where the match ends
    for q in (i for i, ch in enumerate(line) if ch in _QUOTES):
        if q and line[q - 1] not in _NOT_LAST and (m := tail.match(line, q)) is not None:
            ends[q] = m.end()
    if not ends:
        return
    backticks = sorted(t for t in ends if line[t] == "`")
    stop = len(line)
    reach = [0] * (len(line) + 1)  # reach[i]: the first stop at or after i
    reach[stop] = stop
    for i in range(len(line) - 1, -1, -1):
        stop = i if line[i] in _STOPS else stop
        reach[i] = stop
    at = 0
    for s in (i for i, ch in enumerate(line) if ch in _QUOTES):
        if s < at or not _WORD.match(line, s + 1):
            continue
        limit = reach[s + 1]
        if line[s] == "`":
            k = bisect_left(backticks, limit) - 1  # the farthest closing backtick before the stop
            t = backticks[k] if k >= 0 else -1
        else:
            t = limit if limit < len(line) and line[limit] == line[s] and limit in ends else -1
        if t >= s + 2:
            yield line[s + 1 : t], s + 1
            at = ends[t]


def closes_with_semicolon(pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` is the one whose value's closing quote is followed by `;` (`password "x";`)."""
    return pattern.pattern.endswith("[^\\v,\\'\\\"`])(\\2);")


def quote_then_semicolon(line: str) -> bool:
    """Whether a quote is followed by `;` in `line`: that pattern's match holds one."""
    return "`;" in line or "';" in line or '";' in line


def _tail(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile("[" + _QUOTES + "]" + pattern.pattern[len(_HEAD):], pattern.flags)
