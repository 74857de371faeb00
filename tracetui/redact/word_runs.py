"""detect-secrets' keyword patterns that open with their words and the word's run of letters (`(words)\\w*`),
matched from the run's end once a run, with the matches their own `finditer` finds (docs/internals/redact.md).

`re` tries such a pattern at every word of a run of letters, runs to the run's end and backs off through
it, though only the run's end can lead on: a window of `pwd` repeated cost 0.3-0.5 s a pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

# The opening: a group of words, none of them a group or an escape, then the run `\w*` as it is.
_OPENING = re.compile(r"\(([^()\\]*)\)\\w\*(?![+?*{])")
_BACKREF = re.compile(r"\\([1-9])")
_RUN = re.compile(r"\w*")
# A group of words as `run_pattern` takes them: letters, digits and `_`, a letter made optional by `?`.
_PLAIN_WORDS = re.compile(r"(?:\w\??)+(?:\|(?:\w\??)+)*")


@lru_cache(maxsize=16)
def words_pattern(words: str, flags: int) -> re.Pattern[str]:
    """`words` compiled with `flags`, matching as that does, behind a look at the first letter where every
    word opens with one (`(?=[acdkps])(?:api_?key|…)`). Case-blind, `re` finds no first letter to skip to
    and tries each word at each place: a line's search past its last word cost 8 us, 2 with the look."""
    alternatives = words.split("|")
    if not _PLAIN_WORDS.fullmatch(words) or any(not w[0].isalpha() or w[1:2] == "?" for w in alternatives):
        return re.compile(words, flags)
    return re.compile(f"(?=[{''.join(sorted({w[0] for w in alternatives}))}])(?:{words})", flags)


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
    return RunPattern(words_pattern(opening.group(1), pattern.flags), cut, group - 1)
