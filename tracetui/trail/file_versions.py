"""A file's versions along the history (`FileVersions`): its blobs at each commit, its lines as the
evidence counts them, followed through renames; read once and kept for every patch.
"""

from __future__ import annotations

import difflib
import itertools
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TypeVar

import pygit2
from pygit2.enums import DeltaStatus, DiffFind

from tracetui.trail import file_lines as fl
from tracetui.trail.blob_facts import BlobFacts
from tracetui.trail.blob_pipe import BlobPipe
from tracetui.trail.commit_paths import CommitPaths
from tracetui.trail.git_read import _blob
from tracetui.trail.history import History, renamed_in_diff
from tracetui.trail.line_identity import byte_norms, loose_byte_norms, norm, norms_of

# -- judging -------------------------------------------------------------------------------------


# the lines a file gained between two versions, their norms, and (made on first use) their 4-grams
_Gained = tuple[list[str], set[str], Callable[[], dict[str, list[int]]]]
_Pair = tuple[fl.FileLines, fl.FileLines]  # a path at a commit's first parent, and at the commit


class FileVersions:
    """Counted file versions by blob id: each blob is read and counted once per trail.

    Per path only the lines some patch of that path looks for are counted; `full` counts all
    (needed only to find edited lines at the judged revision).
    """

    def __init__(
        self, repo: pygit2.Repository, wanted: dict[str, frozenset[str]], splits: dict[str, frozenset[str]] | None = None
    ) -> None:
        self.repo = repo
        self.wanted = wanted
        self.splits = splits or {}
        self.cache: dict[tuple[str, str | None], fl.FileLines] = {}
        # Versions' texts, and the bytes of those `get` counted (decoded if read whole), under one budget.
        self.kept = _Kept(self.TEXT_KEEP)
        self.changed: dict[str, list[str]] = {}
        self.session_paths: set[str] = set()  # files the session itself edited
        self.fresh: dict[tuple[str | None, str | None], fl.Fresh] = {}
        self.norms: dict[str, list[str]] = {}
        # Every exact line and norm any probe of the trail looks for (of any path): a file the move
        # searches look at is counted for these only.
        self.every: frozenset[str] = frozenset()
        self.every_bytes: frozenset[bytes] = frozenset()  # the same, encoded
        self.keys_replaced = False  # whether a key holds U+FFFD, as a text decoded with replacement may
        self.hits: dict[str, Counter] = {}  # blob -> counts of its norms that are in `every`
        # Those counts as trails of the same keys made them before (`blob_facts`; set by the caller).
        self.facts = BlobFacts(None)
        self.ratios: dict[tuple[str, str], bool] = {}  # (new line, line looked for) -> close enough
        self.names: dict[str, set[str]] = {}  # line -> the names in it (Fresh._words)
        self.renames: dict[tuple[str, str], dict[str, str]] = {}
        # (start, judged, name) -> `followed`'s answer: a function of the history and the repository,
        # which a trail does not change; every patch whose lines one commit moved asks it again.
        self.follows: dict[tuple[str, str, str], str | None] = {}
        self.windows: dict[tuple[str, str], list[_Candidate]] = {}  # moves._changed_in_window's
        self.stepwise_pairs: dict[tuple[str | None, str], tuple[Counter, Counter]] = {}  # _step_lines'
        self.merge_gains: dict[tuple[str, str | None], _Gained] = {}  # _merged_into's candidates
        # path -> the bytes and counts of its last counted version (the next is counted from it)
        self.last: dict[str, tuple[bytes, fl.FileLines]] = {}
        # path -> its changes' order indices and commits (history order), and (commit -> versions) met
        self.path_steps: dict[str, tuple[list[int], list[str], dict[str, _Pair]]] = {}
        self.pipe: BlobPipe | None = None  # blobs read ahead by git, where the caller set one up
        self.sizes: dict[str, int] = {}  # blob -> its size (`_small_blob`'s)
        self.listed: CommitPaths | None = None  # `touched`'s answers listed by git (set by the caller)

    def look_for(self, keys: frozenset[str]) -> None:
        """The exact lines and norms the trail's probes look for (`every`), with their encodings."""
        self.every = keys
        self.every_bytes = _encoded(keys)
        self.keys_replaced = any("\ufffd" in k for k in keys)

    TEXT_KEEP = 8_000_000  # characters of texts kept for reuse (a version is read for counts, then whole)

    def _text(self, blob: str) -> str:
        found = self.kept.text(blob)
        if found is None:
            found = self.kept.keep(blob, str(self._bytes(blob), "utf-8", "replace"))
        return found

    def _bytes(self, blob: str) -> bytes | memoryview:
        """A blob's bytes: read ahead by git where it was asked for, else from the blob's own buffer
        (`.data` makes a copy first: twice the time)."""
        found = self.kept.raw(blob)
        if found is None and self.pipe is not None:
            found = self.pipe.take(blob)
        return found if found is not None else memoryview(_blob(self.repo, blob))

    def ask(self, blobs: list[str | None], counted: bool = False) -> None:
        """Blobs the trail will read soon, for git to read ahead (those not read yet). `counted`: their
        key counts are read first (`holds_any`), so one counted already is not asked again: git sent a
        move window's versions again for every window that named them, and most were read from its pipe
        and thrown away (a fifth of pi-mono's before-compaction's answers); the few read whole next
        are read directly."""
        if self.pipe is not None:
            hits = self.hits if counted else {}
            facts = self.facts if counted else None
            self.pipe.ask(
                b for b in blobs
                if b is not None and self.kept.text(b) is None and ("", b) not in self.cache and b not in hits
                and (facts is None or not facts.knows(b))
            )  # fmt: skip

    def get(self, blob: str | None, path: str) -> fl.FileLines:
        if blob is None:
            return fl.EMPTY
        key = (path, blob)
        found = self.cache.get(key)
        if found is None:
            data = self.kept.keep(blob, bytes(self._bytes(blob)))
            wanted, splits = self.wanted.get(path, frozenset()), self.splits.get(path, frozenset())
            prior = self.last.get(path)
            if prior is None:
                text = self.kept.text(blob) or self.kept.keep(blob, str(data, "utf-8", "replace"))
                found = fl.FileLines.of(text, wanted, splits, lambda: self._text(blob))
            else:
                # Versions of a path are asked for mostly in history order: the one counted last is
                # usually a few lines away from this one. Counted on their bytes: the text is decoded
                # where the two differ (most versions are never read whole).
                found = fl.FileLines.after(prior[1], prior[0], data, wanted, splits, lambda: self._text(blob))
            self.last[path] = (data, found)
            self.cache[key] = found
        return found

    def touched(self, commit: str) -> list[str]:
        """Files a commit adds or changes against its first parent (cached: moves look at the same few)."""
        found = self.changed.get(commit)
        if found is None and self.listed is not None:
            found = self.listed.get(commit)
            if found is not None:
                self.changed[commit] = found
        if found is None:
            c = self.repo[commit].peel(pygit2.Commit)
            old = c.parents[0].tree if c.parents else None
            diff = old.diff_to_tree(c.tree) if old is not None else c.tree.diff_to_tree(swap=True)
            # status_char: the status as a letter, without making an enum member per delta.
            found = [d.new_file.path for d in diff.deltas if d.status_char() != "D"]
            self.changed[commit] = found
        return found

    def fresh_lines(self, final: str | None, since: str | None) -> fl.Fresh:
        found = self.fresh.get((final, since))
        if found is None:
            found = fl.Fresh(self.full(final), self.full(since), self.ratios, self.names)
            self.fresh[(final, since)] = found
        return found

    def seq(self, blob: str | None) -> list[str]:
        """A version's non-blank line norms in order (for the block test of moved lines)."""
        if blob is None:
            return []
        found = self.norms.get(blob)
        if found is None:
            if len(self.norms) > 64:
                self.norms.clear()
            found = self.norms[blob] = [x for x in norms_of(self._text(blob)) if x]
        return found

    def holds_any(self, blob: str | None, keys: frozenset[str]) -> bool:
        """Whether a version has a line whose norm is one of `keys` (keys some probe of the trail looks for).

        The move searches ask this of every file near a commit, and most hold none: only the norms some
        probe looks for are counted (a filter in C, no count of every line), and those counts are kept
        for `some`.
        """
        if blob is None:
            return False
        return not self.key_counts(blob).keys().isdisjoint(keys)  # walks the smaller side

    def key_counts(self, blob: str) -> Counter:
        """A version's counts of the norms some probe looks for (`holds_any`'s), read once per blob."""
        counted = self.cache.get(("", blob)) or self.cache.get(("*", blob))
        return counted.normal if counted is not None else self._hits(blob)

    def _hits(self, blob: str, keep: bool = False) -> Counter:
        """`blob`'s counts of the norms in `every`; with `keep`, its text is kept too (read whole next)."""
        found = self.hits.get(blob)
        if found is None:
            found = self.facts.get(blob)  # counted by a trail before, for the same keys
            if found is not None:
                self.hits[blob] = found
                return found
            data = bytes(self._bytes(blob)) if self.kept.text(blob) is None else None
            norms = byte_norms(data) if data is not None else None
            if norms is None and data is not None and not keep and self._holds_none(data):
                found = Counter()  # nothing to decode: no line of it can be a key
            elif norms is not None and data is not None:
                # Most versions are found on their bytes (the keys encoded), and not decoded: most hold
                # no key; those that hold none are settled by a set test in C, before any count.
                every = self.every_bytes
                hits = Counter() if every.isdisjoint(norms) else Counter(filter(every.__contains__, norms))
                found = Counter({k.decode("utf-8"): n for k, n in hits.items()})
                if found or keep:
                    # A version holding a key is read whole next (`some`): decode the bytes at hand
                    # rather than read the blob again.
                    self.kept.keep(blob, str(data, "utf-8", "replace"))
            else:
                # Not to be found on its bytes (or already decoded): decode the bytes at hand, if read.
                if data is not None:
                    text = self.kept.keep(blob, str(data, "utf-8", "replace"))
                else:
                    text = self._text(blob)
                found = Counter(filter(self.every.__contains__, norms_of(text)))
            self.hits[blob] = found
            self.facts.add(blob, found)
        return found

    def _holds_none(self, data: bytes) -> bool:
        """Whether bytes that `byte_norms` cannot read (not UTF-8, or holding a non-breaking space) surely
        hold no key, settled without decoding them. A line that is not UTF-8 decodes with a replacement
        character, which no key holds (checked); a line that is has the norm its bytes have once every
        whitespace byte is deleted. So where no line's bytes, so deleted, are a key's, none is (the
        reverse may fail, and then the text is decoded)."""
        if self.keys_replaced:
            return False
        return self.every_bytes.isdisjoint(loose_byte_norms(data))

    def some(self, blob: str | None) -> fl.FileLines:
        """A version counted for the lines and norms some probe of the trail looks for: the same answers
        as `full` for every probe (a probe asks only for its own keys, joined runs included), without
        counting the lines none asks for. For the move searches' candidates: most are read once."""
        if blob is None:
            return fl.EMPTY
        found = self.cache.get(("", blob)) or self.cache.get(("*", blob))
        if found is None:
            # The norms first: found on the bytes where they can be, which keeps the decoded text.
            normal = self._hits(blob, keep=True)
            lines = self._text(blob).splitlines()
            every = self.every
            exact = Counter() if every.isdisjoint(lines) else Counter(filter(every.__contains__, lines))
            found = self.cache[("*", blob)] = fl.FileLines(exact, normal)
        return found

    def followed(self, history: History, start: str, judged: str, name: str) -> str | None:
        """The name the file `name` of commit `start` has at `judged`, followed commit by commit (as
        `git log --follow`, forwards): through a commit whose own diff git reads as renaming it, to
        None where one deletes it. Each commit's diff holds a few files, not the hundreds between
        `start` and `judged`, so git's rename detection costs little."""
        key = (start, judged, name)
        if key not in self.follows:
            self.follows[key] = self._follow(history, start, judged, name)
        return self.follows[key]

    def _follow(self, history: History, start: str, judged: str, name: str) -> str | None:
        line = history.ancestry(judged)
        repo = self.repo
        current = name
        for cid in history.order[history.position[start] + 1 :]:
            if cid not in line:
                continue
            parents = history.parents.get(cid) or []
            if not parents:
                continue
            commit = repo[cid].peel(pygit2.Commit)
            if _small_blob(repo, commit.tree, current, self.sizes) is not None:
                continue
            parent_tree = repo[parents[0]].peel(pygit2.Commit).tree
            if _small_blob(repo, parent_tree, current, self.sizes) is None:
                continue  # gone on another branch first: this commit merged it in
            renamed = self.renamed_in(parent_tree, commit.tree, current)
            if renamed is None:
                return None
            current = renamed
        return current

    def renamed_in(self, old_tree: pygit2.Tree, new_tree: pygit2.Tree, name: str) -> str | None:
        """The name `name` has in `new_tree` when git sees a rename between the two trees (one diff per pair)."""
        key = (str(old_tree.id), str(new_tree.id))
        found = self.renames.get(key)
        if found is None:
            found = self.renames[key] = _renames(self.repo, old_tree, new_tree)
        return found.get(name)

    def steps(
        self, history: History, path: str, after: int, line: set[str]
    ) -> Iterator[tuple[str, fl.FileLines, fl.FileLines]]:
        """(commit, the path at its first parent, the path there) of each commit of `line` that changed
        the path, in history order, from index `after` + 1 in `history.order` on.

        The versions of a path are counted once per trail and shared; the move search and the
        later-commits scan walk them for every patch of the path (a CHANGELOG has a thousand), so the
        pairs are kept, and a version whose counts equal its parent's is that very object.
        """
        found = self.path_steps.get(path)
        if found is None:
            changes = history.changes.get(path, [])
            found = self.path_steps[path] = ([c[1] for c in changes], [c[2] for c in changes], {})
            # Every version of the path after the first step's: the walks below read them in order.
            self.ask([history.blob_at(c[2], path) for c in changes[bisect_right(found[0], after) :]])
        indices, commits, pairs = found
        for i in range(bisect_right(indices, after), len(indices)):
            cid = commits[i]
            if cid not in line:
                continue
            pair = pairs.get(cid)
            if pair is None:
                parents = history.parents.get(cid) or []
                before = self.get(history.blob_at(parents[0], path), path) if parents else fl.EMPTY
                pair = pairs[cid] = (before, self.get(history.blob_at(cid, path), path))
            yield cid, pair[0], pair[1]

    def clear(self) -> None:
        """Let go of every version counted: they refer back to this (to read a text again), a cycle that
        reference counting alone would not free once the trail is done."""
        for kept in (self.cache, self.fresh, self.last, self.path_steps, self.windows):
            kept.clear()
        if self.pipe is not None:
            self.pipe.close()
        if self.listed is not None:
            self.listed.close()

    def full(self, blob: str | None) -> fl.FileLines:
        if blob is None:
            return fl.EMPTY
        key = ("", blob)
        found = self.cache.get(key)
        if found is None:
            found = fl.FileLines.of(self._text(blob))
            self.cache[key] = found
        return found


_KeptT = TypeVar("_KeptT", str, bytes)


class _Kept:
    """File versions kept for reuse, as text or as bytes, the oldest let go first once their characters
    and bytes together pass the budget: a version is asked for again soon after (its counts, then all its
    lines for a move, its lines in order for the block test), rarely much later. The one kept last stays,
    whatever its size."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._kept: dict[tuple[str, bool], str | bytes] = {}  # (blob, as text) -> its text or bytes

    def text(self, blob: str) -> str | None:
        found = self._kept.get((blob, True))
        return found if isinstance(found, str) else None

    def raw(self, blob: str) -> bytes | None:
        found = self._kept.get((blob, False))
        return found if isinstance(found, bytes) else None

    def keep(self, blob: str, value: _KeptT) -> _KeptT:
        key = (blob, isinstance(value, str))
        old = self._kept.pop(key, None)
        self.size += len(value) - (len(old) if old is not None else 0)
        while self.size > self.budget and self._kept:
            self.size -= len(self._kept.pop(next(iter(self._kept))))
        self._kept[key] = value
        return value


def _gained(files: FileVersions, blob: str, old_blob: str | None) -> _Gained:
    """The non-blank lines a file gained from `old_blob` to `blob`, their norms, and (made on first
    use) their 4-grams' positions; once per pair: every patch of a deleted file asks the same files."""
    key = (blob, old_blob)
    found = files.merge_gains.get(key)
    if found is None:
        now, was = files.full(blob).exact, files.full(old_blob).exact
        new = [x for x, n in now.items() if n > was.get(x, 0) and x.strip()]
        made: list[dict[str, list[int]]] = []

        def grams() -> dict[str, list[int]]:
            if not made:
                index: dict[str, list[int]] = {}
                for i, x in enumerate(new):
                    for piece in {x[j : j + 4] for j in range(max(1, len(x) - 3))}:
                        index.setdefault(piece, []).append(i)
                made.append(index)
            return made[0]

        found = files.merge_gains[key] = (new, {norm(x) for x in new}, grams)
    return found


def _likely(form: str, lines: list[str], grams: dict[str, list[int]], tries: int = 12) -> list[str]:
    """The lines sharing the most 4-grams with `form` (a line sharing none is not close to it)."""
    pieces = dict.fromkeys(form[j : j + 4] for j in range(max(1, len(form) - 3)))
    shared = Counter(itertools.chain.from_iterable(map(grams.get, pieces, itertools.repeat(()))))  # in C
    return [lines[i] for i, _ in shared.most_common(tries)]


def _closest(form: str, lines: list[str]) -> str | None:
    """The line of `lines` closest to `form` with a difflib ratio of at least CLOSE_MATCH, else None.

    The common subsequence bounds the ratio from above and rules out most lines for a fraction of
    difflib's cost (the lines of a rewritten README all pass difflib's own quick bounds).
    """
    best, at_least = None, fl.CLOSE_MATCH
    matcher: difflib.SequenceMatcher | None = None  # made where a line passes the bound (it indexes `form`)
    for x in lines:
        if fl.ratio_bound(form, x) < at_least:
            continue
        if matcher is None:
            matcher = difflib.SequenceMatcher(None, "", form, autojunk=False)
        matcher.set_seq1(x)
        r = matcher.ratio()
        if r >= at_least:
            best, at_least = x, r
    return best


def _step_lines(files: FileVersions, old: str | None, new: str) -> tuple[Counter, Counter]:
    """The lines one version of a file dropped and the (non-blank) lines it brought, against the one
    before (once per pair: every short patch of a file walks the same versions)."""
    found = files.stepwise_pairs.get((old, new))
    if found is None:
        a, b = (files._text(old) if old is not None else ""), files._text(new)
        stretches = fl._stretches(a, b)
        gone = Counter(x for a0, a1, _, _ in stretches for x in a[a0:a1].splitlines())
        came = Counter(x for _, _, b0, b1 in stretches for x in b[b0:b1].splitlines() if x.strip())
        found = files.stepwise_pairs[(old, new)] = (gone, came)
    return found


MOVE_BLOB_LIMIT = 2_000_000  # larger files are not searched for moved lines


def _encoded(keys: frozenset[str]) -> frozenset[bytes]:
    """The keys in UTF-8; a key that has none (a lone surrogate from a log) is in no decoded text either."""
    out: set[bytes] = set()
    for k in keys:
        try:
            out.add(k.encode("utf-8"))
        except UnicodeEncodeError:
            pass
    return frozenset(out)


_Candidate = tuple[str, str | None, str | None]  # a file's name, its blob at a commit, and at an earlier one


def _small_blob(
    repo: pygit2.Repository, tree: pygit2.Tree, name: str, sizes: dict[str, int] | None = None
) -> str | None:
    """The blob id of `name` in `tree`, None where it is absent, not a file or too large to search.
    `sizes` remembers each blob's size: reading a packed object's header costs about 0.2 ms, and the
    move searches ask for the same blobs from window after window."""
    try:
        entry = tree[name]
    except (KeyError, ValueError):
        return None
    if entry.type_str != "blob":
        return None
    return _sized(repo, entry.id, sizes)


_GITLINK = 0o160000  # a submodule's commit, not a file


def _small_file(repo: pygit2.Repository, side: pygit2.DiffFile, sizes: dict[str, int] | None = None) -> str | None:
    """`_small_blob` for one side of a diff's delta: None where the side has no file (added or deleted)."""
    if not side.flags & pygit2.enums.DiffFlag.EXISTS or side.mode == _GITLINK:
        return None
    return _sized(repo, side.id, sizes)


def _sized(repo: pygit2.Repository, blob: pygit2.Oid, sizes: dict[str, int] | None) -> str | None:
    oid = str(blob)
    size = sizes.get(oid) if sizes is not None else None
    if size is None:
        try:
            header = repo.odb.read_header(blob) if hasattr(repo.odb, "read_header") else None
            size = header[1] if header is not None else 0
        except KeyError:  # pygit2.NotFoundError
            # Not in the object store (a partial clone, a copy without its largest files): nothing
            # to look in, as a file too large.
            size = MOVE_BLOB_LIMIT + 1
        if sizes is not None:
            sizes[oid] = size
    return None if size > MOVE_BLOB_LIMIT else oid


def _renames(repo: pygit2.Repository, old_tree: pygit2.Tree, new_tree: pygit2.Tree) -> dict[str, str]:
    """Old name -> new name of every rename git finds between two trees (the first, where two claim one name)."""
    diff = old_tree.diff_to_tree(new_tree)
    try:
        diff.find_similar()
    except (pygit2.GitError, KeyError):
        # A blob to compare is missing (a partial clone): the renames found without reading any.
        diff = old_tree.diff_to_tree(new_tree)
        try:
            diff.find_similar(flags=DiffFind.FIND_RENAMES | DiffFind.FIND_EXACT_MATCH_ONLY)
        except (pygit2.GitError, KeyError):
            return {}
    found: dict[str, str] = {}
    for delta in diff.deltas:
        if delta.status == DeltaStatus.RENAMED and delta.old_file.path not in found:
            new = renamed_in_diff(repo, diff, delta.old_file.path)
            if new is not None:
                found[delta.old_file.path] = new
    return found
