"""Evidence: how much of a patch a given version of its file still holds, decided from content.

A patch is looked for by its *evidence lines*: the lines it added (or, for a pure deletion, the
lines it removed) that carry something (a letter or digit); lines that are only punctuation or
blank (`}`, `)`) are everywhere and prove nothing, so they count only when a patch has nothing
else. Lines are matched as a multiset, minus the copies the file already had before the step, so
a line the step added next to an identical older one is not taken for the older one.

More in docs/internals/trail.md, `trail/evidence.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from tracetui.trail.bare import carries_nothing
from tracetui.trail.file_lines import FileLines, Fresh
from tracetui.trail.line_identity import join_keys, norm, SPLIT_MIN
from tracetui.trail.patch import Patch


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
    line_norms: list[str] | None = None  # the norm of each of `lines`, in order (`norms`)

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

    def norms(self) -> list[str]:
        """`[norm(x) for x in lines]`, made once: the move search asks it at every commit that drops
        some of a long patch's lines."""
        if self.line_norms is None:
            self.line_norms = [norm(x) for x in self.lines]
        return self.line_norms

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


def held_when_taken(p: Probe, accepted: FileLines) -> Probe:
    """`p` without the lines whose text its accepting version lacks (rewritten before the commit), where
    the file had no copy of them before the step either: a later copy of such a line is new code, not
    the patch's line kept. `p` itself where the version holds some of its lines joined or split (which
    are absent is then unclear). A line with twins is left: floors are counts, not places, and a rewrite
    that moved the twins may leave the version a copy short (docs/internals/trail.md)."""
    if p.deletion or p.exact_only:
        return p
    missing = _missing(p, accepted)
    held = accepted.normal
    absent = {k for k, n in missing.items() if n > 0 and p.floor_n.get(k, 0) == 0 and k not in held}
    if not absent or kept(p, accepted) != p.size - sum(missing.values()):
        return p
    want = Counter({x: n for x, n in p.want.items() if norm(x) not in absent})
    want_n = Counter({k: n for k, n in p.want_n.items() if k not in absent})
    return replace(
        p, want=want, want_n=want_n, memo={}, memo_exact={}, shifted={}, want_set=None, copy_weights=None,
        looks_for=None, substance=None, bare=None,
    )


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


def present_norms(p: Probe, f: FileLines) -> int:
    """How many of the evidence norms are in place as whole lines (no exact lines, joins nor splits)."""
    return _present(p.want_n, p.floor_n, f.normal)


def present_change(p: Probe, before: FileLines, now: FileLines, keys: frozenset[str]) -> int:
    """`present_norms(p, now) - present_norms(p, before)`, where only `keys` may count differently in
    the two (`now.since`): a long patch's norms are looked up only where a step changed them."""
    total = 0
    want, floor, was, has = p.want_n, p.floor_n, before.normal.get, now.normal.get
    for k in want.keys() & keys:
        n, f = want[k], floor.get(k, 0)  # a floor holds no key of 0 (`Floor`)
        x, y = has(k, 0) - f, was(k, 0) - f
        total += (n if x > n else x if x > 0 else 0) - (n if y > n else y if y > 0 else 0)
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


def changed(
    p: Probe, f: FileLines, accepted: FileLines | None, kept_now: int | None = None,
    fresh: Fresh | None = None, coarse: bool = False,
) -> int:
    """Of the evidence lines missing from `f`, how many were replaced by a similar new line.

    "New" means not in the version that accepted the patch: a revert brings back only old lines,
    so a revert shows no changed lines, while an edit shows lines close to the ones it replaced.
    Similar: close as text, or (for a short line such as one name in an import list) every name of
    the line is in one new line, which is how a consolidated import block keeps its names.
    `coarse`: the count only as exact as a state needs (`_coarse`).
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
    similar = (fresh.similar(originals.get(k, k)) for k in missing)
    if coarse:
        return _coarse(similar, len(missing), found)
    return min(sum(similar), found)


def _coarse(similar: Iterator[bool], missing: int, found: int) -> int:
    """`min(sum(similar), found)` where only three answers matter: none, all `found`, or some between
    (a state asks no more: a blame's judgement, `judge`'s `counts=False`). Any count strictly between
    stands for "some", and the tests stop once the answer is settled: a big rewrite's close-line tests
    (each a 4-gram search and up to 12 ratios) were a third of its judgement."""
    hits = misses = 0
    for close in similar:
        if close:
            hits += 1
            if hits >= found:
                return found
        else:
            misses += 1
        if hits and missing - misses < found:
            return hits  # at least one, and too few tests left to reach `found`
    return min(hits, found)
