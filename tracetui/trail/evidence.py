"""Evidence: how much of a patch a given version of its file still holds, decided from content.

A patch is looked for by its *evidence lines*: the lines it added (or, for a pure deletion, the
lines it removed) that carry something (a letter or digit); lines that are only punctuation or
blank (`}`, `)`) are everywhere and prove nothing, so they count only when a patch has nothing
else. Lines are matched as a multiset, minus the copies the file already had before the step, so
a line the step added next to an identical older one is not taken for the older one.

Whitespace: a line whose only difference is whitespace (re-indented, spaces around an operator)
counts as *kept*. docs/design.md defines `transformed` as "changed beyond whitespace", so a patch whose
lines were only re-indented or reformatted later is still `alive`.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from tracetui.trail.patches import Patch

CLOSE_MATCH = 0.6  # difflib ratio above which a new line counts as an edit of a missing one


_WHITESPACE = {ord(c): None for c in " \t\r\n\f\v\u00a0"}
_WHITESPACE_BUT_NEWLINE = {k: v for k, v in _WHITESPACE.items() if k != ord("\n")}


def norm(line: str) -> str:
    """A line with its whitespace removed: equal norms differ only in whitespace."""
    return line.translate(_WHITESPACE)


def _evidence(lines: list[str]) -> list[str]:
    strong = [x for x in lines if any(c.isalnum() for c in x)]
    return strong or [x for x in lines if x.strip()]


@dataclass(slots=True)
class Probe:
    """What to look for in a file to tell whether a patch is there."""

    deletion: bool  # a pure deletion: looked for by the absence of its removed lines
    lines: list[str]
    want: Counter  # evidence line -> how many the patch added (or removed)
    floor: dict[str, int]  # exact line -> copies expected without the patch
    want_n: Counter  # the same by norm (whitespace removed)
    floor_n: dict[str, int]
    exact_only: bool = False  # the patch only changed whitespace: match exact lines only

    @property
    def size(self) -> int:
        return len(self.lines)


def probe(patch: Patch) -> Probe | None:
    """The probe for a patch; None when the patch holds no line worth looking for."""
    added = _evidence(patch.added)
    deletion = not added
    lines = _evidence(patch.removed) if deletion else added
    if not lines:
        return None
    before = patch.before_counts
    removed = Counter(patch.removed)
    want = Counter(lines)
    floor: dict[str, int] = {}
    for line in want:
        # Copies expected without the patch. Unknown prior state: none (for a deletion, this
        # assumes a deleted line existed exactly as often as it was deleted).
        floor[line] = 0 if before is None else max(before.get(line, 0) - removed[line], 0)
    want_n = Counter(norm(x) for x in lines)
    removed_n = Counter(norm(x) for x in patch.removed)
    before_n: Counter = Counter()
    for line, n in (before or {}).items():
        before_n[norm(line)] += n
    floor_n = {k: (0 if before is None else max(before_n[k] - removed_n[k], 0)) for k in want_n}
    # A patch that only re-indents or re-spaces lines is invisible to whitespace-blind matching:
    # look for it by exact lines only.
    exact_only = not deletion and want_n == Counter(norm(x) for x in _evidence(patch.removed))
    return Probe(deletion, lines, want, floor, want_n, floor_n, exact_only)


@dataclass(slots=True)
class FileLines:
    """A file version, counted once and shared by every probe that looks at it."""

    exact: Counter
    normal: Counter

    @classmethod
    def of(cls, text: str | None, wanted: frozenset[str] | None = None) -> FileLines:
        """Count a file's lines; with `wanted` (exact lines and norms), keep only those counts."""
        if not text:
            return EMPTY
        # Whole-text operations run in C; a Python call per line would dominate a long history.
        exact = Counter(text.splitlines())
        normal = Counter(text.translate(_WHITESPACE_BUT_NEWLINE).split("\n"))
        if wanted is not None:
            exact = Counter(_only(exact, wanted))
            normal = Counter(_only(normal, wanted))
        return cls(exact, normal)


def _only(counts: Counter, wanted: frozenset[str]) -> dict[str, int]:
    if len(wanted) < len(counts):
        return {k: counts[k] for k in wanted if k in counts}
    return {k: n for k, n in counts.items() if k in wanted}


EMPTY = FileLines(Counter(), Counter())


def wanted_keys(probes: list[Probe]) -> frozenset[str]:
    """Every exact line and norm that some probe looks for (to count only those)."""
    keys: set[str] = set()
    for p in probes:
        keys.update(p.want)
        keys.update(p.want_n)
    return frozenset(keys)


def _present(want: Counter, floor: dict[str, int], have: Counter) -> int:
    # Called for every (patch, file version) pair of a history walk: a plain loop, no generators.
    total = 0
    get = have.get
    for k, n in want.items():
        extra = get(k, 0) - floor[k]
        if extra > 0:
            total += n if extra > n else extra
    return total


def kept(p: Probe, f: FileLines) -> int:
    """How many evidence lines are in place (whitespace-only differences allowed).

    For a deletion, "in place" means still deleted.
    """
    if p.deletion:
        return p.size - _present(p.want_n, p.floor_n, f.normal)
    exact = _present(p.want, p.floor, f.exact)
    if p.exact_only or exact == p.size:
        return exact
    return max(exact, _present(p.want_n, p.floor_n, f.normal))


def kept_exact(p: Probe, f: FileLines) -> int:
    if p.deletion:
        return kept(p, f)
    return _present(p.want, p.floor, f.exact)


def reached(p: Probe, f: FileLines) -> bool:
    """Whether a file version holds the patch: at least half of its evidence, in place."""
    return 2 * kept(p, f) >= p.size


def changed(p: Probe, f: FileLines, accepted: FileLines | None) -> int:
    """Of the evidence lines missing from `f`, how many were replaced by a similar new line.

    "New" means not in the version that accepted the patch: a revert brings back only old lines,
    so a revert shows no changed lines, while an edit shows lines close to the ones it replaced.
    """
    if p.deletion:
        return 0
    missing: list[str] = []
    for k, n in p.want_n.items():
        have = min(max(f.normal.get(k, 0) - p.floor_n[k], 0), n)
        missing.extend([k] * (n - have))
    if not missing:
        return 0
    fresh = [k for k in f.normal if k and (accepted is None or k not in accepted.normal)]
    if not fresh:
        return 0
    return sum(1 for k in missing if difflib.get_close_matches(k, fresh, n=1, cutoff=CLOSE_MATCH))
