"""Which of many literal needles a text holds, found in one search over it.

A rule runs its pattern only on a text that holds one of its needles. Asked one `needle in text` at a
time, a text of 50,000 characters is read again for each of the format rules' 185 needles: over the
corpus's fields those tests, and the loop asking them, were 1.9 s of a 12.8 s scan. One pattern of
every needle, written as a trie (`_trie`), reads the text once: `re` skips to a character some needle
starts with and follows the one branch the next characters take.

More in docs/internals/redact.md, `redact/needles.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _trie(words: Iterable[str]) -> str:
    """One pattern matching any of `words`, the longest where several start at one place: shared heads
    are written once (`gh(?:o_|p_|…)`), so `re` follows one branch instead of trying every word."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for c in word:
            node = node.setdefault(c, {})
        node[""] = {}  # a word ends here

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A word ends here and longer ones go on: the greedy `?` tries the longer first.
        return f"(?:{body})?" if "" in node else body

    return emit(root)


class Needles:
    """A fixed set of non-empty literals, looked for together (case as given: lower-case needles are
    looked for in a lower-cased text)."""

    __slots__ = ("needles", "_pattern", "_prefixes")

    def __init__(self, needles: Iterable[str]) -> None:
        self.needles = tuple(sorted(set(needles)))
        if any(not n for n in self.needles):
            raise ValueError("an empty needle is in every text")
        self._pattern = re.compile(_trie(self.needles)) if self.needles else None
        # The needles a match stands for: itself and those of its prefixes that are needles.
        self._prefixes = {n: frozenset(p for p in self.needles if n.startswith(p)) for n in self.needles}

    def present(self, text: str) -> set[str]:
        """Every needle that occurs in `text`. One step of Python per occurrence of a needle (the
        corpus's long texts hold `ac`, `ap`, `pat` often: 68,000 of its 83,000), not per character."""
        found: set[str] = set()
        if self._pattern is None:
            return found
        search, prefixes = self._pattern.search, self._prefixes
        m = search(text)
        while m is not None:
            found |= prefixes[m.group()]
            m = search(text, m.start() + 1)
        return found
