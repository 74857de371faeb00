"""detect-secrets' keyword patterns that open with their words and the word's run of letters (`(words)\\w*`),
matched from the run's end once a run, with the matches their own `finditer` finds (docs/internals/redact.md).

`re` tries such a pattern at every word of a run of letters, runs to the run's end and backs off through
it, though only the run's end can lead on: a window of `pwd` repeated cost 0.3-0.5 s a pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# The opening: a group of words, none of them a group or an escape, then the run `\w*` as it is.
_OPENING = re.compile(r"\(([^()\\]*)\)\\w\*(?![+?*{])")
_BACKREF = re.compile(r"\\([1-9])")
_RUN = re.compile(r"\w*")


def from_run_ends(
    words: re.Pattern[str], at_end: Callable[[int], tuple[str, int, int] | None], line: str
) -> Iterator[tuple[str, int]]:
    """(value, its start) of each match in `line`, in order, of a pattern that opens with `words`, then
    `\\w*`, then what `at_end(i)` matches from a run's end `i` (the value, its start, the match's end).

    Every word is letters, so from any of its starts in a run `\\w*` reaches the run's end; where what
    follows takes no letter, or reaches less far from inside the run, only that end leads on: a start that
    fails there fails for the whole run. `finditer` goes on from a match's end, as here."""
    pos = 0
    while (hit := words.search(line, pos)) is not None:
        end = _RUN.match(line, hit.start()).end()  # type: ignore[union-attr]  # `\w*` always matches
        found = at_end(end)
        if found is None:
            pos = end
            continue
        value, start, pos = found
        yield value, start


@dataclass(frozen=True, slots=True)
class RunPattern:
    """A keyword pattern cut after its run of letters: its words, and the rest, which never takes a
    letter first (a quote, `]`, `:`, a space, a sign, `[`), its value in `group`."""

    words: re.Pattern[str]
    rest: re.Pattern[str]
    group: int

    def matches(self, line: str) -> Iterator[tuple[str, int]]:
        def at_end(i: int) -> tuple[str, int, int] | None:
            m = self.rest.match(line, i)
            return None if m is None else (m.group(self.group), m.start(self.group), m.end())

        return from_run_ends(self.words, at_end, line)


def run_pattern(pattern: re.Pattern[str], group: int) -> RunPattern | None:
    """`pattern` cut after its run of letters, its groups after the words numbered one less; None where
    it has another form, or where what follows the run may take a letter first (the caller knows which
    of detect-secrets' patterns do: the comparison's and the semicolon one's)."""
    opening = _OPENING.match(pattern.pattern)
    rest = pattern.pattern[opening.end() :] if opening is not None else ""
    if opening is None or group < 2 or "\\\\" in rest or "(?P" in rest or "\\1" in rest:
        return None
    shifted = _BACKREF.sub(lambda m: f"\\{int(m.group(1)) - 1}", rest)
    try:
        cut = re.compile(shifted, pattern.flags)
    except re.error:
        return None
    if cut.groups != pattern.groups - 1:
        return None
    return RunPattern(re.compile(opening.group(1), pattern.flags), cut, group - 1)
