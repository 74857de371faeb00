"""A file's lines as the evidence counts them (`FileLines`): norms, joins and splits counted
once per version; the changed stretches between two versions found without a full diff; and
`Fresh`, the lines a version holds changed rather than as written (a bounded longest common
subsequence).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import AnyStr

from rapidfuzz.distance.Indel import normalized_similarity as _indel_similarity
from rapidfuzz.distance.LCSseq import similarity as _lcs_similarity
from rapidfuzz.distance.Postfix import similarity as _postfix_similarity
from rapidfuzz.distance.Prefix import similarity as _prefix_similarity
from rapidfuzz.process import extractOne as _extract_one

from tracetui.trail.line_identity import norm, norms_of, split_counts, split_prefixes, SPLIT_SPAN

CLOSE_MATCH = 0.6  # difflib ratio above which a new line counts as an edit of a missing one
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
        prior_text: AnyStr,
        text: AnyStr,
        wanted: frozenset[str],
        split_keys: frozenset[str] = frozenset(),
        source: Callable[[], str] | None = None,
    ) -> FileLines:
        """`of(text, wanted, split_keys)`, counted from another version of the same file (counted with
        the same keys): only the stretch of lines where the two texts differ is counted.

        Consecutive versions of a long file (a CHANGELOG, a lock file) differ by a few lines, and a
        long history counts hundreds of them: splitting and counting every line of each was most of a
        trail's cost. The two may be given as their UTF-8 bytes: only the stretches are decoded then
        (a decode of each whole version was a sixth of this).
        """
        if not text or not prior_text or (split_keys and prior._splits is None):
            return cls.of(_decoded(text), wanted, split_keys, source)
        stretches = _stretches(prior_text, text)
        if sum(a1 - a0 + b1 - b0 for a0, a1, b0, b1 in stretches) > len(text) // 2:
            # mostly new: counting it whole is cheaper
            return cls.of(_decoded(text), wanted, split_keys, source)
        # Stretches end at line starts (or the text's end, the last one): joined, their lines are theirs;
        # decoded apart, they are what the whole text decoded holds there (a newline ends every
        # sequence a decoder with replacement reads).
        gone = _decoded(text[:0].join(prior_text[a0:a1] for a0, a1, _, _ in stretches))
        come = _decoded(text[:0].join(text[b0:b1] for _, _, b0, b1 in stretches))
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
            source = (lambda: _decoded(text)) if split_keys else None
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


ANCHOR = 200  # characters (or bytes) of unchanged lines that split a changed stretch in two


def _newline(text: AnyStr) -> AnyStr:
    return "\n" if isinstance(text, str) else b"\n"


def _decoded(text: str | bytes) -> str:
    """A text as the trail reads a blob: UTF-8, a malformed sequence replaced."""
    return text if isinstance(text, str) else text.decode("utf-8", "replace")


def _stretches(a: AnyStr, b: AnyStr, depth: int = 6) -> list[tuple[int, int, int, int]]:
    """(start in a, end in a, start in b, end in b) of the stretches of whole lines where a and b differ;
    between and around them the texts are the same, so counting the stretches' lines is enough.

    One stretch from the first difference to the last; then, while a stretch is long, a run of its
    lines from its middle (at least ANCHOR characters and SPLIT_SPAN lines; else from a quarter in) is
    looked for in the other text, and where found the stretch becomes the two on either side (two
    edits far apart in a long file are two short stretches). Any place the run is found gives a true split: it holds whole
    lines, the same in both. Offsets are of characters, or of bytes where both are bytes.
    """
    start, end_a, end_b = _changed_lines(a, b)
    out: list[tuple[int, int, int, int]] = []
    todo = [(start, end_a, start, end_b, depth)]
    while todo:
        a0, a1, b0, b1, left = todo.pop()
        if a0 == a1 and b0 == b1:
            continue
        cut, at = None, -1
        if left and a1 - a0 >= 4 * ANCHOR and b1 - b0 >= 2 * ANCHOR:
            # From the middle, else from a quarter in from either end: a run holding an edited line is
            # in the other text nowhere (scattered edits left a stretch of half the file uncut).
            for mid in ((a0 + a1) // 2, (3 * a0 + a1) // 4, (a0 + 3 * a1) // 4):
                cut = _anchor(a, mid, a1)
                at = b.find(a[cut[0] : cut[1]], b0, b1) if cut is not None else -1
                if at == 0 or (at > 0 and b[at - 1 : at] == _newline(b)):
                    break
        if cut is None or at < 0 or (at > 0 and b[at - 1 : at] != _newline(b)):
            out.append((a0, a1, b0, b1))
            continue
        p, q = cut
        after = at + q - p
        # The right side first onto the stack: stretches come out in text order.
        for x0, x1, y0, y1 in ((q, a1, after, b1), (a0, p, b0, at)):
            s, e, f = _changed_lines(a[x0:x1], b[y0:y1])
            todo.append((x0 + s, x0 + e, y0 + s, y0 + f, left - 1))
    return out


def _anchor(text: AnyStr, at: int, hi: int) -> tuple[int, int] | None:
    """Whole lines of text[:hi] from the first line start after `at`: at least ANCHOR characters and
    SPLIT_SPAN lines."""
    newline = _newline(text)
    nl = text.find(newline, at, hi)
    if nl < 0:
        return None
    p = q = nl + 1
    lines = 0
    while q - p < ANCHOR or lines < SPLIT_SPAN:
        nl = text.find(newline, q, hi)
        if nl < 0:
            return None
        q, lines = nl + 1, lines + 1
    return p, q


def _splits_near(text: AnyStr, lo: int, hi: int, keys: frozenset[str]) -> dict[str, int]:
    """Split keys starting in text[lo:hi] or in the SPLIT_SPAN - 1 lines before it."""
    newline = _newline(text)
    start = lo
    for _ in range(SPLIT_SPAN - 1):
        if start > 0:
            start = text.rfind(newline, 0, start - 1) + 1
    # The lines before the stretch and in it (`len(norms_of(text[lo:hi]))`, counted without making them).
    starts = text.count(newline, start, lo) + _lines_in(text, lo, hi)
    return split_counts(norms_of(_decoded(text[start : _lines_on(text, hi)])), keys, starts)


def _lines_in(text: AnyStr, lo: int, hi: int) -> int:
    """How many lines text[lo:hi] holds, a last one without its newline too."""
    hi = min(hi, len(text))
    if hi <= lo:
        return 0
    newline = _newline(text)
    return text.count(newline, lo, hi) + (text[hi - 1 : hi] != newline)


def _changed_lines(a: AnyStr, b: AnyStr) -> tuple[int, int, int]:
    """(start, end in a, end in b): the stretch of whole lines where two texts differ.

    a[:start] == b[:start] and a[end_a:] == b[end_b:], each cut at a line start (after a newline, or
    the text's end), so counting lines by stretches gives what counting the whole text gives.
    """
    newline = _newline(a)
    n = min(len(a), len(b))
    same = _common_prefix(a, b, n)
    start = a.rfind(newline, 0, same) + 1
    tail = _common_suffix(a, b, n - start)
    end_a, end_b = len(a) - tail, len(b) - tail
    if not (end_a == start or a[end_a - 1 : end_a] == newline) or not (
        end_b == start or b[end_b - 1 : end_b] == newline
    ):
        # The common tail starts inside a line: it begins at the next line (same offset in both).
        nl = a.find(newline, end_a)
        if nl < 0:
            end_a, end_b = len(a), len(b)
        else:
            end_a, end_b = nl + 1, end_b + nl + 1 - end_a
    return start, end_a, end_b


def _common_prefix(a: str | bytes, b: str | bytes, n: int) -> int:
    """The length of the longest common prefix, at most n: rapidfuzz's, read in place in C and
    stopping at the first difference (slices halved and compared copied each half again: 60 us a
    call on the pi-mono trails' versions, 2.5 us this way)."""
    return min(int(_prefix_similarity(a, b)), n)


def _common_suffix(a: str | bytes, b: str | bytes, n: int) -> int:
    """The length of the longest common suffix, at most n."""
    return min(int(_postfix_similarity(a, b)), n)


def _lines_on(text: AnyStr, at: int, lines: int = SPLIT_SPAN - 1) -> int:
    """The offset `lines` whole lines after `at` (a line start), or the text's end."""
    newline = _newline(text)
    for _ in range(lines):
        if at >= len(text):
            break
        nl = text.find(newline, at)
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
                # The version's position -> the new line's, or -1 where that line is not new.
                at: list[int] = []
                fresh = set(self.lines)
                n = 0
                for k in every:
                    if k in fresh:
                        at.append(n)
                        n += 1
                    else:
                        at.append(-1)
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
        # Each gram's positions looked up in C: `_Kept` fills a gram it lacks (`__missing__`), a plain
        # index answers () for it.
        found = map(index.__getitem__, grams) if type(index) is _Kept else map(index.get, grams, _NONE)
        shared = Counter(itertools.chain.from_iterable(found))
        if not shared:
            return False
        matcher: difflib.SequenceMatcher | None = None
        ratios = self.ratios
        for i in _most_shared(shared, self.TRIES):
            line = self.lines[i]
            close = ratios.get((line, key))
            if close is None:
                # difflib's own bounds first, then the common subsequence's: the matcher (which indexes
                # `key` when made) only where both pass, as most candidates do not.
                close = _quick_ratio(line, key) >= CLOSE_MATCH and ratio_bound(key, line) >= CLOSE_MATCH
                if close:
                    if matcher is None:
                        matcher = difflib.SequenceMatcher(None, "", key, autojunk=False)
                    matcher.set_seq1(line)
                    close = matcher.ratio() >= CLOSE_MATCH
                ratios[(line, key)] = close
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


def _quick_ratio(a: str, b: str) -> float:
    """difflib's `real_quick_ratio` of `a` and `b`, its very expression, without making a matcher."""
    total = len(a) + len(b)
    return 2.0 * min(len(a), len(b)) / total if total else 1.0


def common_length(a: str, b: str) -> int:
    """The length of the longest common subsequence of `a` and `b` (rapidfuzz's, in C: the bound the
    close-line searches try a line by before difflib's own ratio, 24 times the bit-parallel loop's
    speed in Python)."""
    return int(_lcs_similarity(a, b))


def ratio_bound(a: str, b: str) -> float:
    """An upper bound of difflib's ratio of `a` and `b`: its expression with the longest common
    subsequence for its matching blocks (which are one). It rules out most candidates of the close-line
    searches for a fraction of difflib's own cost."""
    total = len(a) + len(b)
    return 2.0 * common_length(a, b) / total if total else 1.0


NEAR_CUTOFF = CLOSE_MATCH - 1e-4  # `near`'s cutoff for `ratio_bound`


def near(form: str, lines: list[str]) -> bool:
    """Whether `ratio_bound` of `form` and some line of `lines` reaches CLOSE_MATCH; where none does,
    no line is close to `form`. Tested over every line in one call in C: most lines the close searches
    try are close to none, and counting their 4-grams to pick whom to try was most of the merge
    search's cost (against a version's new lines, `Fresh`, often thousands, it saved nothing measured)."""
    # The bound is 2 * common subsequence / total length, Indel's normalized similarity. rapidfuzz
    # rounds a cutoff to single precision (0.6 - 1e-9 ruled out a pair at exactly 0.6): it is set
    # well below, so that only lines the searches would not take are ruled out.
    return _extract_one(form, lines, scorer=_indel_similarity, score_cutoff=NEAR_CUTOFF) is not None


_NEW = (-1).__ne__  # a position `_Kept.at` gives a new line


# `map(index.get, grams, _NONE)`: () for a gram the index lacks, in C
_NONE: itertools.repeat[tuple[()]] = itertools.repeat(())


def _most_shared(shared: Counter, n: int) -> Iterator[int]:
    """`shared.most_common(n)`'s keys, in its order (the highest counts first, ties in the order
    counted), the first found in C: most searches stop at it, and the rest, a heap walked in Python
    over every line sharing a gram, was a sixth of their cost."""
    first = max(shared.items(), key=itemgetter(1))  # the first of the highest, as most_common's
    yield first[0]
    for i, _ in shared.most_common(n)[1:]:
        yield i


class _Kept(dict[str, list[int]]):
    """A version's gram index seen through a map of its positions to those of the new lines."""

    def __init__(self, index: dict[str, list[int]], at: list[int]) -> None:
        super().__init__()
        self.index, self.at = index, at

    def __missing__(self, piece: str) -> list[int]:
        # Mapped and filtered in C: a common gram's positions are hundreds.
        found = self[piece] = list(filter(_NEW, map(self.at.__getitem__, self.index.get(piece, ()))))
        return found


def _names_kept(line: str, words: Callable[[], list[set[str]]]) -> bool:
    names = _WORD.findall(line)
    if not 1 <= len(names) <= 3 or sum(len(n) for n in names) < 6:
        return False
    wanted = set(names)
    return any(wanted <= w for w in words())
