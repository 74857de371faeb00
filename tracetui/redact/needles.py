"""Which of many literal needles a text holds, found in one search over it.

A rule runs its pattern only on a text that holds one of its needles. Asked one `needle in text` at a
time, a text of 50,000 characters is read again for each of the format rules' 185 needles. An
Aho-Corasick automaton (pyahocorasick, in C) reads the text once and names every needle where it ends.

More in docs/internals/redact.md, `redact/needles.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick


class Needles:
    """A fixed set of non-empty literals, looked for together (case as given: lower-case needles are
    looked for in a lower-cased text)."""

    __slots__ = ("_automaton", "_last", "needles")

    def __init__(self, needles: Iterable[str]) -> None:
        self.needles = tuple(sorted(set(needles)))
        if any(not n for n in self.needles):
            raise ValueError("an empty needle is in every text")
        self._automaton: ahocorasick.Automaton | None = None
        # The last text asked and its answer: the format rules and detect-secrets' plugins ask of the same
        # lowered text, one after the other (one tuple, so a thread reads a whole pair).
        self._last: tuple[str, frozenset[str]] = ("", frozenset())
        if self.needles:
            automaton = ahocorasick.Automaton()
            for n in self.needles:
                automaton.add_word(n, n)
            automaton.make_automaton()
            self._automaton = automaton

    def present(self, text: str) -> frozenset[str]:
        """Every needle that occurs in `text`: one pass in C, a step of Python per occurrence (the
        corpus's long texts hold `ac`, `ap`, `pat` often: 42,000 of its 51,000)."""
        if self._automaton is None or not text:
            return frozenset()
        last_text, last_present = self._last
        if last_text is text:
            return last_present
        present = frozenset(n for _end, n in self._automaton.iter(text))
        self._last = (text, present)
        return present
