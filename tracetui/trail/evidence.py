"""Evidence: how much of a patch a given version of its file still holds, decided from content.

A patch is looked for by its *evidence lines*: the lines it added (or, for a pure deletion, the
lines it removed) that carry something (a letter or digit); lines that are only punctuation or
blank (`}`, `)`) are everywhere and prove nothing, so they count only when a patch has nothing
else. Lines are matched as a multiset, minus the copies the file already had before the step, so
a line the step added next to an identical older one is not taken for the older one.

Identity: a line is known by its norm (patches.norm: whitespace removed), and the copies the file
had before the step are counted by the same norm, so a differently indented twin elsewhere in the
file is in the floor and never taken for the patch's line. docs/design.md defines `transformed` as
"changed beyond whitespace", so a patch whose lines were only re-indented, reformatted, joined
into one line or split over several later is still `alive`.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tracetui.trail.patches import SPLIT_MIN, Patch, join_keys, norm, norms_of, split_counts, split_prefixes

CLOSE_MATCH = 0.6  # difflib ratio above which a new line counts as an edit of a missing one
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
    # Runs of added lines a formatter may join into one: (joined norm, evidence norms of the run,
    # copies of the joined norm expected without the patch), longest runs first.
    joins: list[tuple[str, Counter, int]] = field(default_factory=list)
    split_floor: dict[str, int] = field(default_factory=dict)  # norm -> split copies before the step
    # Answers per file version (FileLines.uid): a trail asks the same (patch, version) pair from the
    # accepting-commit search, the move search and the later-commits scan.
    memo: dict[int, int] = field(default_factory=dict)
    memo_exact: dict[int, int] = field(default_factory=dict)
    shifted: dict[int, Probe] = field(default_factory=dict)  # this probe applied to another file (survival._shifted)
    # The joined norms as a set, and where each sits in `joins`: a version is searched only for the
    # joins it holds (a long patch has thousands of runs, a version rarely any).
    join_set: frozenset[str] | None = None
    join_at: dict[str, list[int]] | None = None
    want_set: frozenset[str] | None = None
    joins0: list[tuple[str, Counter, int]] | None = None
    copy_weights: tuple[dict[str, int], dict[str, int]] | None = None  # survival._copied's, made once

    def unfloored(self) -> list[tuple[str, Counter, int]]:
        """`joins` with every floor 0 (what another file's floors start from)."""
        if self.joins0 is None:
            self.joins0 = [(j, inside, 0) for j, inside, _ in self.joins]
        return self.joins0

    @property
    def size(self) -> int:
        return len(self.lines)

    def join_keys(self) -> frozenset[str]:
        if self.join_set is None:
            at: dict[str, list[int]] = {}
            for i, (joined, _, _) in enumerate(self.joins):
                at.setdefault(joined, []).append(i)
            self.join_set, self.join_at = frozenset(at), at
        return self.join_set

    def want_keys(self) -> frozenset[str]:
        if self.want_set is None:
            self.want_set = frozenset(self.want_n)
        return self.want_set

    def joins_in(self, keys: frozenset[str]) -> list[tuple[str, Counter, int]]:
        """The joins whose joined norm is one of `keys`, in their order in `joins`."""
        hits = self.join_keys() & keys
        if not hits:
            return []
        at = self.join_at or {}
        return [self.joins[i] for i in sorted(i for k in hits for i in at[k])]


def probe(patch: Patch) -> Probe | None:
    """The probe for a patch; None when the patch holds no line worth looking for."""
    added = _evidence(patch.added)
    deletion = not added
    lines = _evidence(patch.removed) if deletion else added
    if not lines:
        return None
    before = patch.before_counts
    known = before is not None
    removed = Counter(patch.removed)
    want = Counter(lines)
    floor: dict[str, int] = {}
    for line in want:
        # Copies expected without the patch. Unknown prior state: none (for a deletion, this
        # assumes a deleted line existed exactly as often as it was deleted).
        floor[line] = max((before or {}).get(line, 0) - removed[line], 0)
    want_n = Counter(norm(x) for x in lines)
    removed_n = Counter(norm(x) for x in patch.removed)
    before_n = patch.before_norms or {}
    floor_n = {k: max(before_n.get(k, 0) - removed_n[k], 0) for k in want_n}
    if not deletion and patch.others_after is not None:
        # Older copies that later steps of the session deleted are no longer there to be taken for
        # this step's lines.
        cap = patch.others_after
        floor_n = {k: min(n, cap.get(k, n)) for k, n in floor_n.items()}
        floor = {x: min(n, cap.get(norm(x), n)) for x, n in floor.items()}
    # A patch that only re-indents or re-spaces lines is invisible to whitespace-blind matching:
    # look for it by exact lines only.
    exact_only = not deletion and want_n == Counter(norm(x) for x in _evidence(patch.removed))
    joins: list[tuple[str, Counter, int]] = []
    split_floor: dict[str, int] = {}
    if not deletion and not exact_only:
        strong = set(want_n)
        for joined, mine in join_keys(patch):
            inside = Counter(k for k in (norm(x) for x in mine) if k in strong)
            if inside and joined not in strong:
                joins.append((joined, inside, max(before_n.get(joined, 0) - removed_n[joined], 0)))
        joins.sort(key=lambda t: -sum(t[1].values()))
        split_floor = dict(patch.before_splits or {}) if known else {}
    return Probe(deletion, lines, want, floor, want_n, floor_n, exact_only, joins, split_floor)


_UIDS: itertools.count[int] = itertools.count()


@dataclass(slots=True)
class FileLines:
    """A file version, counted once and shared by every probe that looks at it.

    `text` gives the whole text back when a probe needs lines split over several (counted on
    first use, for `split_keys`, then kept).
    """

    exact: Counter
    normal: Counter
    text: Callable[[], str] | None = None
    split_keys: frozenset[str] = frozenset()
    _splits: dict[str, int] | None = None
    uid: int = field(default_factory=lambda: next(_UIDS))  # names this version in the probes' memos
    _keys: frozenset[str] | None = None
    _grams: tuple[list[str], dict[str, list[int]]] | None = None

    def grams(self) -> tuple[list[str], dict[str, list[int]]]:
        """Its non-empty norms in order, and 4-gram -> their positions (built once per version, for
        every Fresh that looks for edited lines in it)."""
        if self._grams is None:
            lines = [k for k in self.normal if k]
            index: dict[str, list[int]] = {}
            g = Fresh.GRAM
            for i, k in enumerate(lines):
                for piece in dict.fromkeys(k[j : j + g] for j in range(max(1, len(k) - g + 1))):
                    index.setdefault(piece, []).append(i)
            self._grams = (lines, index)
        return self._grams

    @classmethod
    def of(
        cls,
        text: str | None,
        wanted: frozenset[str] | None = None,
        split_keys: frozenset[str] = frozenset(),
        source: Callable[[], str] | None = None,
    ) -> FileLines:
        """Count a file's lines; with `wanted` (exact lines and norms), keep only those counts."""
        if not text:
            return EMPTY
        # Whole-text operations run in C; a Python call per line would dominate a long history.
        exact = Counter(text.splitlines())
        norms = norms_of(text)
        normal = Counter(norms)
        splits = None
        if split_keys:
            # A key split over lines starts with a line that is one of its prefixes: where no line is,
            # there is none; where one is, they are counted now, from the norms at hand (later would
            # read the text again).
            splits = {} if split_prefixes(split_keys).isdisjoint(normal) else split_counts(norms, split_keys)
        if wanted is not None:
            exact = Counter(_only(exact, wanted))
            normal = Counter(_only(normal, wanted))
        if source is None:
            source = (lambda: text) if split_keys else None
        return cls(exact, normal, source, split_keys, splits)

    def keys(self) -> frozenset[str]:
        """The norms this version holds, as a set (counted once, for set intersections in C)."""
        if self._keys is None:
            self._keys = frozenset(self.normal)
        return self._keys

    def splits(self) -> dict[str, int]:
        if self._splits is None:
            self._splits = split_counts(norms_of(self.text()), self.split_keys) if self.text and self.split_keys else {}
        return self._splits


def _only(counts: Counter, wanted: frozenset[str]) -> dict[str, int]:
    # The intersection runs in C over the smaller side (thousands of joined runs are wanted, few held).
    return {k: counts[k] for k in counts.keys() & wanted}


EMPTY = FileLines(Counter(), Counter())


def wanted_keys(probes: list[Probe]) -> frozenset[str]:
    """Every exact line and norm (joined runs included) that some probe looks for (to count only those)."""
    keys: set[str] = set()
    for p in probes:
        keys.update(p.want)
        keys.update(p.want_n)
        keys.update(j for j, _, _ in p.joins)
    return frozenset(keys)


def split_keys(probes: list[Probe]) -> frozenset[str]:
    """The norms some probe may find split over several lines."""
    keys: set[str] = set()
    for p in probes:
        if not p.deletion and not p.exact_only:
            keys.update(k for k in p.want_n if len(k) >= SPLIT_MIN)
    return frozenset(keys)


def _both(want: Counter, have: Counter):
    """The keys of `want` that `have` holds (a key it lacks adds nothing over a floor of 0 or more).

    The intersection runs in C over the smaller side: a long patch against a version that kept little
    of it, or a short one against a long file, loops in Python only over what both hold.
    """
    return want.keys() & have.keys() if len(want) > 8 else want


def _present(want: Counter, floor: dict[str, int], have: Counter) -> int:
    # Called for every (patch, file version) pair of a history walk: a plain loop, no generators.
    total = 0
    get = have.get
    for k in _both(want, have):
        n = want[k]
        extra = get(k, 0) - floor[k]
        if extra > 0:
            total += n if extra > n else extra
    return total


def kept(p: Probe, f: FileLines) -> int:
    """How many evidence lines are in place (whitespace-only differences allowed, joins and splits too).

    For a deletion, "in place" means still deleted.
    """
    found = p.memo.get(f.uid)
    if found is None:
        found = p.memo[f.uid] = _kept(p, f)
    return found


def _kept(p: Probe, f: FileLines) -> int:
    if p.deletion:
        return p.size - _back(p, f)
    exact = _present(p.want, p.floor, f.exact)
    if p.exact_only or exact == p.size:
        return exact
    normal = _present(p.want_n, p.floor_n, f.normal)
    if normal < p.size and (p.joins or f.split_keys):
        normal += _rewrapped(p, f)
    return max(exact, normal)


def _back(p: Probe, f: FileLines) -> int:
    """How many of a deletion's lines are back.

    A line that had other copies in the file (`self.visit(node)`, `return None`) and comes back
    alone, without most of its block, is new code that happens to repeat it, not the deletion
    undone; a line that had no twin, or a block that is mostly back, is.
    """
    back = 0
    common = 0
    get = f.normal.get
    for k in _both(p.want_n, f.normal):
        n = p.want_n[k]
        extra = get(k, 0) - p.floor_n[k]
        if extra > 0:
            got = n if extra > n else extra
            back += got
            if p.floor_n[k] > 0:
                common += got
    if common and 2 * back < p.size:
        back -= common
    return back


def _missing(p: Probe, f: FileLines) -> Counter:
    """Evidence norms not found as whole lines: how many copies of each are missing."""
    # Every norm is missing in full, but those the version holds (same key order as want_n).
    missing: Counter = Counter(p.want_n)
    get = f.normal.get
    for k in _both(p.want_n, f.normal):
        n = p.want_n[k]
        have = min(max(get(k, 0) - p.floor_n[k], 0), n)
        if have < n:
            missing[k] = n - have
        else:
            missing.pop(k)  # dict's own: Counter's __delitem__ is a Python call
    return missing


def _rewrapped(p: Probe, f: FileLines) -> int:
    """Missing evidence lines that are there joined with their neighbours, or split over several lines."""
    joins = p.joins_in(f.keys()) if p.joins else []
    splittable = bool(f.split_keys) and not f.split_keys.isdisjoint(p.want_keys())
    if not joins and not splittable:
        return 0  # nothing joined or split can be there: the common case, decided without counting
    missing = _missing(p, f)
    found = 0
    for joined, inside, floor in joins:
        spare = f.normal.get(joined, 0) - floor
        while spare > 0 and all(missing[k] >= n for k, n in inside.items()):
            for k, n in inside.items():
                missing[k] -= n
            found += sum(inside.values())
            spare -= 1
    if f.split_keys and any(n > 0 and k in f.split_keys for k, n in missing.items()):
        splits = f.splits()
        for k, n in (+missing).items():
            extra = splits.get(k, 0) - p.split_floor.get(k, 0)
            if extra > 0:
                found += min(n, extra)
    return found


def kept_exact(p: Probe, f: FileLines) -> int:
    if p.deletion:
        return kept(p, f)
    found = p.memo_exact.get(f.uid)
    if found is None:
        found = p.memo_exact[f.uid] = _present(p.want, p.floor, f.exact)
    return found


def reached(p: Probe, f: FileLines) -> bool:
    """Whether a file version holds the patch: at least half of its evidence, in place."""
    return 2 * kept(p, f) >= p.size


class Fresh:
    """The lines of a file version that are new since the accepting version, to find edited lines in.

    Built once per pair of versions and shared by every patch judged there; answers are memoized
    (a fuzzy match against every new line is the costliest step of a trail).
    """

    __slots__ = ("lines", "words", "memo", "grams", "source", "ratios")

    GRAM = 4
    TRIES = 12  # candidates (those sharing the most 4-grams) given the exact similarity test

    def __init__(self, f: FileLines, accepted: FileLines | None, ratios: dict[tuple[str, str], bool] | None = None) -> None:
        self.lines = [k for k in f.normal if k and (accepted is None or k not in accepted.normal)]
        # Names come from the lines as written: a norm has lost the spaces between words.
        self.words = [set(_WORD.findall(x)) for x in f.exact if x.strip() and (accepted is None or x not in accepted.exact)]
        self.memo: dict[str, bool] = {}
        self.grams: dict[str, list[int]] | None = None
        self.source = f
        # (candidate, key) -> the similarity test's answer: a pure function of the two lines, shared by
        # every Fresh of a trail (the same new lines are tried for the same missing ones again and again).
        self.ratios = {} if ratios is None else ratios

    def _index(self) -> dict[str, list[int]]:
        """4-gram -> positions in `lines`: the version's own index, kept to the new lines.

        A list of positions per gram, increasing, as if built from `lines` alone; filtered on first
        use of each gram (most are never asked for).
        """
        if self.grams is None:
            every, index = self.source.grams()
            if len(every) == len(self.lines):
                self.grams = index  # every line is new: the version's index is this one
            else:
                at: dict[int, int] = {}
                fresh = set(self.lines)
                for i, k in enumerate(every):
                    if k in fresh:
                        at[i] = len(at)
                self.grams = _Kept(index, at)
        return self.grams

    def _close(self, key: str) -> bool:
        """Whether a new line is close to `key` (difflib ratio); only lines sharing its 4-grams are tried,
        most shared first: a line that shares none cannot be that close."""
        if len(self.lines) <= self.TRIES:
            return bool(difflib.get_close_matches(key, self.lines, n=1, cutoff=CLOSE_MATCH))
        index = self._index()
        g = self.GRAM
        # One count over every gram's positions, the grams in their order in the line (not a set's:
        # ties in most_common go to the first counted, so a hash-seeded order would pick the candidates).
        grams = dict.fromkeys(key[j : j + g] for j in range(max(1, len(key) - g + 1)))
        shared = Counter(itertools.chain.from_iterable(index.get(piece, ()) for piece in grams))
        matcher: difflib.SequenceMatcher | None = None
        ratios = self.ratios
        for i, _ in shared.most_common(self.TRIES):
            line = self.lines[i]
            close = ratios.get((line, key))
            if close is None:
                if matcher is None:
                    matcher = difflib.SequenceMatcher(None, "", key, autojunk=False)
                matcher.set_seq1(line)
                close = ratios[(line, key)] = (
                    matcher.real_quick_ratio() >= CLOSE_MATCH and matcher.quick_ratio() >= CLOSE_MATCH and matcher.ratio() >= CLOSE_MATCH
                )
            if close:
                return True
        return False

    def similar(self, line: str) -> bool:
        hit = self.memo.get(line)
        if hit is None:
            hit = self._close(norm(line)) or _names_kept(line, self.words)
            self.memo[line] = hit
        return hit


class _Kept(dict[str, list[int]]):
    """A version's gram index seen through a map of its positions to those of the new lines."""

    def __init__(self, index: dict[str, list[int]], at: dict[int, int]) -> None:
        super().__init__()
        self.index, self.at = index, at

    def __missing__(self, piece: str) -> list[int]:
        at = self.at
        found = self[piece] = [at[i] for i in self.index.get(piece, ()) if i in at]
        return found

    def get(self, piece: str, default: object = None) -> list[int]:
        return self[piece]


def changed(
    p: Probe, f: FileLines, accepted: FileLines | None, kept_now: int | None = None, fresh: Fresh | None = None
) -> int:
    """Of the evidence lines missing from `f`, how many were replaced by a similar new line.

    "New" means not in the version that accepted the patch: a revert brings back only old lines,
    so a revert shows no changed lines, while an edit shows lines close to the ones it replaced.
    Similar: close as text, or (for a short line such as one name in an import list) every name of
    the line is in one new line, which is how a consolidated import block keeps its names.
    """
    if p.deletion:
        return 0
    missing = list((+_missing(p, f)).elements())
    if not missing:
        return 0
    found = len(missing) if kept_now is None else p.size - kept_now  # joined or split lines are not missing
    if found <= 0:
        return 0
    fresh = fresh or Fresh(f, accepted)
    if not fresh.lines:
        return 0
    originals = {norm(x): x for x in p.lines}
    return min(sum(1 for k in missing if fresh.similar(originals.get(k, k))), found)


def _names_kept(line: str, words: list[set[str]]) -> bool:
    names = _WORD.findall(line)
    if not 1 <= len(names) <= 3 or sum(len(n) for n in names) < 6:
        return False
    wanted = set(names)
    return any(wanted <= w for w in words)
