"""Evidence: how much of a patch a given version of its file still holds, decided from content.

A patch is looked for by its *evidence lines*: the lines it added (or, for a pure deletion, the
lines it removed) that carry something (a letter or digit); lines that are only punctuation or
blank (`}`, `)`) are everywhere and prove nothing, so they count only when a patch has nothing
else. Lines are matched as a multiset, minus the copies the file already had before the step, so
a line the step added next to an identical older one is not taken for the older one.

More in docs/internals/trail.md, `trail/evidence.py`.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tracetui.trail.bare import carries_nothing
from tracetui.trail.line_identity import (
    SPLIT_MIN,
    SPLIT_SPAN,
    join_keys,
    norm,
    norms_of,
    split_counts,
    split_prefixes,
)
from tracetui.trail.patch import Patch

CLOSE_MATCH = 0.6  # difflib ratio above which a new line counts as an edit of a missing one
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _evidence(lines: list[str]) -> list[str]:
    strong = [x for x in lines if any(c.isalnum() for c in x)]
    return strong or [x for x in lines if x.strip()]


class Floor(dict[str, int]):
    """Floors where most keys have none: a key not in it has a floor of 0."""

    def __missing__(self, key: str) -> int:
        return 0


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
    looks_for: frozenset[str] | None = None  # every key its answers depend on (`same_for`)
    # Lines no longer the patch's: a later step of the session replaced them before any commit
    # (`without`). A commit can take only the rest as the patch's own.
    gone: int = 0
    # The probe without its lines that carry nothing of their own (bare.carries_nothing), made on first
    # use; `self` when it has none or nothing else. Those alone never show a version holds the patch.
    substance: Probe | None = None
    bare: frozenset[str] | None = None  # its norms that carry nothing of their own (the same for every floor)

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
    taken_out = patch.removed
    back = Counter(norm(x) for x in _evidence(taken_out)) & Counter(norm(x) for x in added)
    if back and sum(back.values()) < len(added):
        # Lines the step took out and wrote back changed only in whitespace (moved into a new block,
        # re-indented) are the same lines: not its own while it wrote others. A version of the file
        # from before the step holds them, and must not read as holding the patch.
        added, taken_out = _without_norms(added, back), _without_norms(taken_out, back)
    deletion = not added
    lines = _evidence(taken_out) if deletion else added
    if not lines:
        return None
    before = patch.before_counts
    known = before is not None
    removed = Counter(taken_out)
    want = Counter(lines)
    floor: dict[str, int] = {}
    for line in want:
        # Copies expected without the patch. Unknown prior state: none (for a deletion, this
        # assumes a deleted line existed exactly as often as it was deleted).
        floor[line] = max((before or {}).get(line, 0) - removed[line], 0)
    want_n = Counter(norm(x) for x in lines)
    removed_n = Counter(norm(x) for x in taken_out)
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
    exact_only = not deletion and want_n == Counter(norm(x) for x in _evidence(taken_out))
    joins: list[tuple[str, Counter, int]] = []
    split_floor: dict[str, int] = {}
    if not deletion and not exact_only:
        strong = set(want_n)
        norms: dict[str, str] = {}

        def norm_of(line: str) -> str:
            found = norms.get(line)
            if found is None:
                found = norms[line] = norm(line)
            return found

        last: tuple[list[str], Counter] | None = None
        for joined, mine in join_keys(patch):
            if joined in strong:
                continue
            if last is not None and last[0] is mine:
                inside = last[1]  # the same added lines as the shorter run (it took in a context line)
            else:
                inside = Counter(k for k in map(norm_of, mine) if k in strong)
                last = (mine, inside)
            if inside:
                joins.append((joined, inside, max(before_n.get(joined, 0) - removed_n[joined], 0)))
        joins.sort(key=lambda t: -sum(t[1].values()))
        split_floor = dict(patch.before_splits or {}) if known else {}
    return Probe(deletion, lines, want, floor, want_n, floor_n, exact_only, joins, split_floor)


def _without_norms(lines: list[str], drop: Counter) -> list[str]:
    """`lines` without `drop[k]` of the lines whose norm is k (the first ones)."""
    left = Counter(drop)
    out: list[str] = []
    for x in lines:
        k = norm(x)
        if left[k] > 0:
            left[k] -= 1
        else:
            out.append(x)
    return out


NEVER = 1 << 40  # a floor no count of copies reaches


def without(p: Probe, taken: dict[str, int], likely: dict[str, int] | None = None) -> Probe:
    """`p` with copies of some lines (by norm) no longer the patch's: a line none of whose copies is
    the patch's any more is never found (the copies a later version has are other code), one with
    some left needs that many more copies in a version to count as kept. `likely`: lines replaced
    probably before the commit (within the clocks' slack): not the patch's own when weighing whether
    a commit took it (`gone`), still looked for."""
    likely = likely or {}
    if p.deletion or not any(k in p.want_n for k in (*taken, *likely)):
        return p
    hits = {k: (n if n < p.want_n[k] else NEVER) for k, n in taken.items() if k in p.want_n}
    floor_n = {k: n + hits.get(k, 0) for k, n in p.floor_n.items()}
    floor = {x: n + hits.get(norm(x), 0) for x, n in p.floor.items()}
    gone = sum(min(taken.get(k, 0) + likely.get(k, 0), n) for k, n in p.want_n.items())
    gone = min(p.gone + gone, p.size)
    return replace(
        p, floor=floor, floor_n=floor_n, memo={}, memo_exact={}, shifted={}, gone=gone, substance=None
    )


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
    # Counted from another version (`after`): that version's uid, and every key whose count (exact,
    # by norm or split) may differ from it. A probe holding none of them finds the same in both.
    since: tuple[int, frozenset[str]] | None = None

    def grams(self) -> tuple[list[str], dict[str, list[int]]]:
        """Its non-empty norms in order, and 4-gram -> their positions (built once per version, for
        every Fresh that looks for edited lines in it)."""
        if self._grams is None:
            lines = [k for k in self.normal if k]
            index: dict[str, list[int]] = {}
            g = Fresh.GRAM
            for i, k in enumerate(lines):
                # A set is enough: only the positions' order matters (the index is looked up, never walked).
                for piece in {k[j : j + g] for j in range(max(1, len(k) - g + 1))}:
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

    @classmethod
    def after(
        cls,
        prior: FileLines,
        prior_text: str,
        text: str,
        wanted: frozenset[str],
        split_keys: frozenset[str] = frozenset(),
        source: Callable[[], str] | None = None,
    ) -> FileLines:
        """`of(text, wanted, split_keys)`, counted from another version of the same file (counted with
        the same keys): only the stretch of lines where the two texts differ is counted.

        Consecutive versions of a long file (a CHANGELOG, a lock file) differ by a few lines, and a
        long history counts hundreds of them: splitting and counting every line of each was most of a
        trail's cost.
        """
        if not text or not prior_text or (split_keys and prior._splits is None):
            return cls.of(text, wanted, split_keys, source)
        stretches = _stretches(prior_text, text)
        if sum(a1 - a0 + b1 - b0 for a0, a1, b0, b1 in stretches) > len(text) // 2:
            return cls.of(text, wanted, split_keys, source)  # mostly new: counting it whole is cheaper
        # Stretches end at line starts (or the text's end, the last one): joined, their lines are theirs.
        gone = "".join(prior_text[a0:a1] for a0, a1, _, _ in stretches)
        come = "".join(text[b0:b1] for _, _, b0, b1 in stretches)
        touched: set[str] = set()
        exact = _recount(prior.exact, gone.splitlines(), come.splitlines(), wanted, touched)
        normal = _recount(prior.normal, norms_of(gone), norms_of(come), wanted, touched)
        splits = None
        if split_keys:
            splits = dict(prior._splits or {})
            for a0, a1, b0, b1 in stretches:
                # A split key starts at most SPLIT_SPAN - 1 lines before a stretch and runs at most as
                # far past it: those starts are counted again, in both texts, with the lines they can
                # run into (the same lines in both: stretches are that far apart, or at the text's ends).
                was = _splits_near(prior_text, a0, a1, split_keys)
                now = _splits_near(text, b0, b1, split_keys)
                touched.update(was)
                touched.update(now)
                for k, n in was.items():
                    left = splits.get(k, 0) - n
                    if left > 0:
                        splits[k] = left
                    else:
                        splits.pop(k, None)
                for k, n in now.items():
                    splits[k] = splits.get(k, 0) + n
        # dict's equality, in C (Counter's is a Python loop); neither holds a count of 0.
        if dict.__eq__(exact, prior.exact) and dict.__eq__(normal, prior.normal) and splits == prior._splits:
            # No wanted line came or went: the same counts, so the same version to every probe, whose
            # memos (by uid) then answer for it. (The text is only read for splits, counted by now.)
            return prior
        if source is None:
            source = (lambda: text) if split_keys else None
        found = cls(exact, normal, source, split_keys, splits)
        found.since = (prior.uid, frozenset(touched))
        return found

    def keys(self) -> frozenset[str]:
        """The norms this version holds, as a set (counted once, for set intersections in C)."""
        if self._keys is None:
            self._keys = frozenset(self.normal)
        return self._keys

    def splits(self) -> dict[str, int]:
        if self._splits is None:
            self._splits = split_counts(norms_of(self.text()), self.split_keys) if self.text and self.split_keys else {}
        return self._splits


ANCHOR = 200  # characters of unchanged lines that split a changed stretch in two


def _stretches(a: str, b: str, depth: int = 6) -> list[tuple[int, int, int, int]]:
    """(start in a, end in a, start in b, end in b) of the stretches of whole lines where a and b differ;
    between and around them the texts are the same, so counting the stretches' lines is enough.

    One stretch from the first difference to the last; then, while a stretch is long, a run of its
    lines from its middle (at least ANCHOR characters and SPLIT_SPAN lines) is looked for in the other
    text, and where found the stretch becomes the two on either side (two edits far apart in a long
    file are two short stretches). Any place the run is found gives a true split: it holds whole
    lines, the same in both.
    """
    start, end_a, end_b = _changed_lines(a, b)
    out: list[tuple[int, int, int, int]] = []
    todo = [(start, end_a, start, end_b, depth)]
    while todo:
        a0, a1, b0, b1, left = todo.pop()
        if a0 == a1 and b0 == b1:
            continue
        cut = _anchor(a, a0, a1) if left and a1 - a0 >= 4 * ANCHOR and b1 - b0 >= 2 * ANCHOR else None
        at = b.find(a[cut[0] : cut[1]], b0, b1) if cut is not None else -1
        if cut is None or at < 0 or (at > 0 and b[at - 1] != "\n"):
            out.append((a0, a1, b0, b1))
            continue
        p, q = cut
        after = at + q - p
        # The right side first onto the stack: stretches come out in text order.
        for x0, x1, y0, y1 in ((q, a1, after, b1), (a0, p, b0, at)):
            s, e, f = _changed_lines(a[x0:x1], b[y0:y1])
            todo.append((x0 + s, x0 + e, y0 + s, y0 + f, left - 1))
    return out


def _anchor(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """Whole lines from the middle of text[lo:hi]: at least ANCHOR characters and SPLIT_SPAN lines."""
    nl = text.find("\n", (lo + hi) // 2, hi)
    if nl < 0:
        return None
    p = q = nl + 1
    lines = 0
    while q - p < ANCHOR or lines < SPLIT_SPAN:
        nl = text.find("\n", q, hi)
        if nl < 0:
            return None
        q, lines = nl + 1, lines + 1
    return p, q


def _splits_near(text: str, lo: int, hi: int, keys: frozenset[str]) -> dict[str, int]:
    """Split keys starting in text[lo:hi] or in the SPLIT_SPAN - 1 lines before it."""
    start = lo
    for _ in range(SPLIT_SPAN - 1):
        if start > 0:
            start = text.rfind("\n", 0, start - 1) + 1
    starts = text.count("\n", start, lo) + len(norms_of(text[lo:hi]))
    return split_counts(norms_of(text[start : _lines_on(text, hi)]), keys, starts)


def _changed_lines(a: str, b: str) -> tuple[int, int, int]:
    """(start, end in a, end in b): the stretch of whole lines where two texts differ.

    a[:start] == b[:start] and a[end_a:] == b[end_b:], each cut at a line start (after a newline, or
    the text's end), so counting lines by stretches gives what counting the whole text gives.
    """
    n = min(len(a), len(b))
    same = _common_prefix(a, b, n)
    start = a.rfind("\n", 0, same) + 1
    tail = _common_suffix(a, b, n - start)
    end_a, end_b = len(a) - tail, len(b) - tail
    if not (end_a == start or a[end_a - 1] == "\n") or not (end_b == start or b[end_b - 1] == "\n"):
        # The common tail starts inside a line: it begins at the next line (same offset in both).
        nl = a.find("\n", end_a)
        if nl < 0:
            end_a, end_b = len(a), len(b)
        else:
            end_a, end_b = nl + 1, end_b + nl + 1 - end_a
    return start, end_a, end_b


def _common_prefix(a: str, b: str, n: int) -> int:
    """The length of the longest common prefix (at most n): halving slices, each compared in C."""
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # a[:lo] == b[:lo] and a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _common_suffix(a: str, b: str, n: int) -> int:
    """The length of the longest common suffix, at most n."""
    la, lb = len(a), len(b)
    if a[la - n :] == b[lb - n :]:
        return n
    lo, hi = 0, n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid
    return lo


def _lines_on(text: str, at: int, lines: int = SPLIT_SPAN - 1) -> int:
    """The offset `lines` whole lines after `at` (a line start), or the text's end."""
    for _ in range(lines):
        if at >= len(text):
            break
        nl = text.find("\n", at)
        at = len(text) if nl < 0 else nl + 1
    return at


def _recount(
    counts: Counter, gone: list[str], come: list[str], wanted: frozenset[str], touched: set[str]
) -> Counter:
    """Counts of the wanted keys after `gone` left and `come` arrived (the keys they hold go to `touched`)."""
    out = Counter(counts)
    if gone:
        less = Counter(gone)
        common = _common(less, wanted)
        touched.update(common)
        for k in common:
            left = out.get(k, 0) - less[k]
            if left > 0:
                out[k] = left
            else:
                out.pop(k, None)
    if come:
        more = Counter(come)
        common = _common(more, wanted)
        touched.update(common)
        for k in common:
            out[k] = out.get(k, 0) + more[k]
    return out


def _only(counts: Counter, wanted: frozenset[str]) -> dict[str, int]:
    return {k: counts[k] for k in _common(counts, wanted)}


def _common(counts: Counter, wanted: frozenset[str]) -> frozenset[str]:
    """The keys of `counts` that are in `wanted`, found in C by walking the smaller of the two.

    (`dict.keys() & frozenset` always walks the frozenset: the thousands of joined runs a long patch
    wants, for every version counted.)
    """
    if len(counts) < len(wanted):
        return wanted.intersection(counts)
    return wanted & counts.keys()


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


def same_for(p: Probe, before: FileLines, now: FileLines) -> bool:
    """Whether `now`, counted from `before`, is known to give `p` the same answers (kept, kept_exact):
    none of the keys whose counts may differ is one the probe looks at (its lines, their norms, its
    joined runs; split counts are kept by norm)."""
    since = now.since
    if since is None or since[0] != before.uid:
        return False
    if p.looks_for is None:
        p.looks_for = frozenset(p.want).union(p.want_n, p.join_keys())
    if not p.looks_for.isdisjoint(since[1]):
        return False
    # The same answers: what one version's are known is the other's (a long run of versions then
    # counts once per probe).
    for memo in (p.memo, p.memo_exact):
        a, b = memo.get(before.uid), memo.get(now.uid)
        if a is not None and b is None:
            memo[now.uid] = a
        elif b is not None and a is None:
            memo[before.uid] = b
    return True


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
    undone; a line that had no twin, or a block that is mostly back, is. But a long block of which
    under a tenth is back stays deleted: a new `themes {` block where a deleted one stood, or a
    boilerplate line new functions repeat, is not the old block coming back.
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
    if 10 * back < p.size:
        return 0
    return back


def _missing(p: Probe, f: FileLines) -> Counter:
    """Evidence norms not found as whole lines: how many copies of each are missing."""
    # Every norm is missing in full, but those the version holds (same key order as want_n).
    missing: Counter = Counter(p.want_n)
    get = f.normal.get
    floor = p.floor_n
    for k in _both(p.want_n, f.normal):
        extra = get(k, 0) - floor[k]
        if extra > 0:
            n = missing[k]
            if extra < n:
                missing[k] = n - extra
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
    """Whether a file version holds the patch: at least half of its evidence, in place; or, where later
    steps replaced some of its lines before any commit, at least half of the lines left its own (one
    at least). A patch whose table rows the next step rewrote reached the commit that holds its
    heading, table header and notes; one all of whose lines were replaced has none left to reach one
    with. A line a later step's edit carried over unchanged stays this patch's (blame names it), so
    one value left of three the next step rewrote is the patch committed, transformed. Either way a
    line of its own that carries something must be among them: a shebang and a `fi` that a rewrite
    carried over are in every version of any script, not the patch reaching one."""
    k = kept(p, f)
    if k == 0:
        return False
    own = p.size - p.gone
    if 2 * k < p.size and not (p.gone > 0 and 2 * k >= own):
        return False
    sub = substance(p)
    return sub is p or kept(sub, f) > 0


def substance(p: Probe) -> Probe:
    """`p` without its lines that carry nothing of their own (bare.carries_nothing); `p` itself where it
    has none of those, or nothing else (then they are all the evidence there is)."""
    if p.substance is None:
        if p.bare is None:
            p.bare = frozenset(k for k in p.want_n if carries_nothing(k))
        bare = p.bare
        if not bare or len(bare) == len(p.want_n):
            p.substance = p
        else:
            lines = [x for x in p.lines if norm(x) not in bare]
            want_n = Counter({k: n for k, n in p.want_n.items() if k not in bare})
            want = Counter({x: n for x, n in p.want.items() if norm(x) not in bare})
            joins = []
            for joined, inside, floor in p.joins:
                mine = Counter({k: n for k, n in inside.items() if k not in bare})
                if mine:
                    joins.append((joined, mine, floor))
            p.substance = Probe(
                p.deletion, lines, want, p.floor, want_n, p.floor_n, p.exact_only, joins, p.split_floor
            )
    return p.substance


class Fresh:
    """The lines of a file version that are new since the accepting version, to find edited lines in.

    Built once per pair of versions and shared by every patch judged there; answers are memoized
    (a fuzzy match against every new line is the costliest step of a trail).
    """

    __slots__ = ("lines", "words", "memo", "grams", "source", "ratios", "accepted", "names")

    GRAM = 4
    TRIES = 12  # candidates (those sharing the most 4-grams) given the exact similarity test

    def __init__(
        self,
        f: FileLines,
        accepted: FileLines | None,
        ratios: dict[tuple[str, str], bool] | None = None,
        names: dict[str, set[str]] | None = None,
    ) -> None:
        self.lines = [k for k in f.normal if k and (accepted is None or k not in accepted.normal)]
        self.accepted = accepted
        self.words: list[set[str]] | None = None  # made on first use (most lines are decided by _close)
        self.memo: dict[str, bool] = {}
        self.grams: dict[str, list[int]] | None = None
        self.source = f
        # (candidate, key) -> the similarity test's answer: a pure function of the two lines, shared by
        # every Fresh of a trail (the same new lines are tried for the same missing ones again and again).
        self.ratios = {} if ratios is None else ratios
        # line -> the names in it, shared like `ratios`: the Fresh lines of one file's versions are
        # mostly the same lines.
        self.names = {} if names is None else names

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
        masks: dict[str, int] = {}
        ratios = self.ratios
        for i, _ in shared.most_common(self.TRIES):
            line = self.lines[i]
            close = ratios.get((line, key))
            if close is None:
                if matcher is None:
                    matcher = difflib.SequenceMatcher(None, "", key, autojunk=False)
                    masks = _char_masks(key)
                matcher.set_seq1(line)
                # The common subsequence bounds the ratio from above (difflib's matching blocks are one),
                # and rules out most candidates for a fraction of difflib's own cost.
                close = ratios[(line, key)] = (
                    matcher.real_quick_ratio() >= CLOSE_MATCH
                    # the same expression as difflib's ratio, with the subsequence's length for its matches
                    and 2.0 * _lcs(masks, len(key), line) / (len(line) + len(key)) >= CLOSE_MATCH
                    and matcher.ratio() >= CLOSE_MATCH
                )
            if close:
                return True
        return False

    def similar(self, line: str) -> bool:
        hit = self.memo.get(line)
        if hit is None:
            hit = self._close(norm(line)) or _names_kept(line, self._words)
            self.memo[line] = hit
        return hit

    def _words(self) -> list[set[str]]:
        """The names in each new line. Names come from the lines as written: a norm has lost the
        spaces between words."""
        if self.words is None:
            accepted = self.accepted
            names = self.names
            words: list[set[str]] = []
            for x in self.source.exact:
                if x.strip() and (accepted is None or x not in accepted.exact):
                    found = names.get(x)
                    if found is None:
                        found = names[x] = set(_WORD.findall(x))
                    words.append(found)
            self.words = words
        return self.words


def _char_masks(key: str) -> dict[str, int]:
    """Character -> the bit set of its positions in `key` (for _lcs)."""
    masks: dict[str, int] = {}
    for i, c in enumerate(key):
        masks[c] = masks.get(c, 0) | (1 << i)
    return masks


def _lcs(masks: dict[str, int], size: int, text: str) -> int:
    """The length of the longest common subsequence of `text` and the key of `masks` (`size` long):
    the bit-parallel algorithm (Allison-Dix, Hyyro), a few integer operations per character."""
    full = (1 << size) - 1
    row = full
    get = masks.get
    for c in text:
        hit = row & get(c, 0)
        if hit:
            row = ((row + hit) | (row - hit)) & full
    return size - row.bit_count()


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


def _names_kept(line: str, words: Callable[[], list[set[str]]]) -> bool:
    names = _WORD.findall(line)
    if not 1 <= len(names) <= 3 or sum(len(n) for n in names) < 6:
        return False
    wanted = set(names)
    return any(wanted <= w for w in words())
