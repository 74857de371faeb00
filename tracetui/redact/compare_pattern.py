"""detect-secrets' comparison pattern (`'value' == password`) matched in one pass over a line.

Its value group runs greedily to the window's end from every quote and backs off to a closing one:
in a line of backticks that costs the line's length at each of them, and a megabyte of "`a` == `b`
password" took 21 s of CPU. Here each quote's tail (the closing quote, the comparison and the word)
is tried once, and a start takes the farthest tail its value may reach, which is the match the
pattern's backtracking finds. The pattern's own text is checked against the form this reads; any
other form runs the pattern itself. The pattern whose value closes with a quote and `;` is
`semicolon_pattern`'s.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

# The pattern's opening quote and value, as detect-secrets writes it, then its tail.
_HEAD = "([\\'\"`])((?=[^\\v\\'\\\"]*)(?=\\w+)[^\\v\\'\\\"]*[^\\v,\\'\\\"`])(\\1)"
_TAIL_START = "\\s*[!=]{2,3}"  # its closing quote's comparison, which `_SIGNS` and `_CLOSING` look for
_QUOTES = "'\"`"
_STOPS = "\v'\""  # what a value never holds: the first of these after an opening quote ends its reach
_NOT_LAST = frozenset("\v,'\"`")  # what a value never ends with
_SIGNS = re.compile("[!=]{2}")
_CLOSING = re.compile("[" + _QUOTES + "]\\s*[!=]{2}")  # where the tail may start: its quote, then signs
_OPENING = re.compile("[" + _QUOTES + "](?=\\w)")  # the value's lookahead: a word character first
_STOP = re.compile("[" + _STOPS + "]")


def comparing(pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` is the comparison pattern in the form `matches` reads."""
    tail = pattern.pattern[len(_HEAD):]
    return pattern.pattern.startswith(_HEAD) and tail.startswith(_TAIL_START) and "\\1" not in tail


def matches(pattern: re.Pattern[str], line: str) -> Iterator[tuple[str, int]]:
    """(value, its start) of each match `pattern.finditer(line)` finds, in order."""
    if not comparing(pattern):
        yield from ((m.group(2), m.start(2)) for m in pattern.finditer(line))
        return
    if _SIGNS.search(line) is None:  # the tail's `[!=]{2,3}`: most windows hold a word, not a comparison
        return
    tail = _tail(pattern)
    ends: dict[int, int] = {}  # a closing quote's place -> where the match ends
    for c in _CLOSING.finditer(line):
        q = c.start()
        if q and line[q - 1] not in _NOT_LAST and (m := tail.match(line, q)) is not None:
            ends[q] = m.end()
    if not ends:
        return
    backticks = sorted(t for t in ends if line[t] == "`")
    stops = [m.start() for m in _STOP.finditer(line)]
    at = 0
    for o in _OPENING.finditer(line):
        s = o.start()
        if s < at:
            continue
        k = bisect_left(stops, s + 1)
        limit = stops[k] if k < len(stops) else len(line)  # the first stop after the opening quote
        if line[s] == "`":
            k = bisect_left(backticks, limit) - 1  # the farthest closing backtick before the stop
            t = backticks[k] if k >= 0 else -1
        else:
            t = limit if limit < len(line) and line[limit] == line[s] and limit in ends else -1
        if t >= s + 2:
            yield line[s + 1 : t], s + 1
            at = ends[t]


def _tail(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile("[" + _QUOTES + "]" + pattern.pattern[len(_HEAD):], pattern.flags)
