"""detect-secrets' keyword pattern whose quoted value closes with `;` (`password "x";`), matched in one
pass over a line with the matches its own `finditer` finds (docs/internals/redact.md).

From each of its words the pattern backtracks through the word's run of letters, then up to 50 places
past it, and from each quote there through the value to a closing one: a window of `pwd` repeated cost
7 s of CPU. Here a word's run is read once (only its end can lead to a match), and each quote's closing
quote once. The pattern's own text is checked against the form this reads; any other form runs itself.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field

from tracetui.redact.word_runs import from_run_ends, words_pattern

# What follows the pattern's group of words, as detect-secrets writes it: the word's run of letters,
# at most 50 characters that are no space (lazily), spaces, the quote, the value, the same quote, `;`.
_REST = "\\w*[^\\s]{0,50}?\\s*([\\'\"`])((?=[^\\v\\'\\\"]*)(?=\\w+)[^\\v\\'\\\"]*[^\\v,\\'\\\"`])(\\2);"
_QUOTES = "'\"`"
_NOT_LAST = frozenset("\v,'\"`")  # what a value never ends with
_STOP = re.compile("[\v'\"]")  # what a value never holds
_CLOSING = re.compile("`;")
_QUOTE = re.compile("[`'\"]")  # a backtick that may close a value begun with one
_WORD = re.compile(r"\w")
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s*")
_REACH = 50  # the pattern's `[^\s]{0,50}?`


def closes_with_semicolon(pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` is the one whose value's closing quote is followed by `;` (`password "x";`)."""
    return pattern.pattern.endswith("[^\\v,\\'\\\"`])(\\2);")


def quote_then_semicolon(line: str) -> bool:
    """Whether a quote is followed by `;` in `line`: that pattern's match holds one."""
    return "`;" in line or "';" in line or '";' in line


def closing(pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` is the semicolon pattern in the form `matches` reads: a group of words
    (no group inside it) and the rest as detect-secrets writes it."""
    words = _words(pattern.pattern)
    return words is not None and pattern.pattern == f"({words}){_REST}"


def matches(pattern: re.Pattern[str], line: str) -> Iterator[tuple[str, int]]:
    """(value, its start) of each match `pattern.finditer(line)` finds, in order (the value is its
    group 3)."""
    words = _words(pattern.pattern)
    if words is None or pattern.pattern != f"({words}){_REST}":
        yield from ((m.group(3), m.start(3)) for m in pattern.finditer(line))
        return
    line_of = _Line(line)

    def at_end(end: int) -> tuple[str, int, int] | None:
        found = line_of.after_run(end)
        return None if found is None else (line[found[0] : found[1]], found[0], found[1] + 2)

    yield from from_run_ends(words_pattern(words, pattern.flags), at_end, line)


def _words(text: str) -> str | None:
    """The pattern's leading group of words, where it has no group inside it."""
    if not text.startswith("("):
        return None
    end = text.find(")")
    words = text[1:end]
    return words if end > 0 and "(" not in words and "\\" not in words else None


@dataclass(slots=True)
class _Line:
    """A line's stops, closing backticks and the quotes whose value closes, each found once."""

    line: str
    stops: list[int] = field(default_factory=list)
    backticks: list[int] = field(default_factory=list)
    closed: list[int] | None = None  # the quotes whose value closes, in order

    def after_run(self, end: int) -> tuple[int, int] | None:
        """The value (its start and end) of the match whose word's run of letters ends at `end`.

        Only the run's end matters: from a place inside the run the 50 characters reach less far, and
        no quote is a letter. The first place tried, lazily, that leads (past spaces) to a quote whose
        value closes is the match: the first such quote within 50 characters and before a space, else
        the quote after the spaces there."""
        line = self.line
        if self.closed is None:
            self.stops = [m.start() for m in _STOP.finditer(line)]
            # A value is at least a character after its quote: no closing quote is the line's first.
            closing = (m.start() for m in _CLOSING.finditer(line, 1))
            self.backticks = [t for t in closing if line[t - 1] not in _NOT_LAST]
            self.closed = [m.start() for m in _QUOTE.finditer(line) if self._value(m.start()) is not None]
        space = _SPACE.search(line, end, end + _REACH + 1)  # `[^\s]{0,50}?` stops at the first
        before = space.start() if space is not None else end + _REACH + 1
        k = bisect_left(self.closed, end)
        if k < len(self.closed) and self.closed[k] < before:
            return self._value(self.closed[k])
        if space is None:
            return None
        return self._value(_SPACES.match(line, before).end())  # type: ignore[union-attr]  # `\s*` matches

    def _value(self, r: int) -> tuple[int, int] | None:
        """The value opened by a quote at `r`: greedy, up to the farthest closing quote and `;` before
        the first stop (a quote or `\v`), where it ends with none of `_NOT_LAST`."""
        line = self.line
        if r + 1 >= len(line) or line[r] not in _QUOTES or not _WORD.match(line, r + 1):
            return None
        k = bisect_left(self.stops, r + 1)
        stop = self.stops[k] if k < len(self.stops) else len(line)
        if line[r] == "`":
            j = bisect_left(self.backticks, stop) - 1  # the farthest closing backtick before the stop
            t = self.backticks[j] if j >= 0 else -1
        else:
            t = stop if line.startswith(";", stop + 1) and line[stop] == line[r] else -1
        if t < r + 2 or line[t - 1] in _NOT_LAST:
            return None
        return r + 1, t
