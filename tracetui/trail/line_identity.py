"""Line identity, once for the whole trail: a line is known by its text with every whitespace
character removed (`norm`); a formatter's joined or split lines are found by `join_keys` and
`split_counts`. More in docs/internals/trail.md, `trail/patches.py`.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable

from tracetui.trail.hunks import split_lines
from tracetui.trail.patch import Patch


# -- line identity -------------------------------------------------------------------------------

# Whitespace as the trail knows it. Removed with str.replace, one character at a time and only
# where present: it runs at memory speed in C (a regex or a deleting str.translate table is ten
# times slower, and counting every version of a file on a long history is most of a trail's cost).
_SPACES = (" ", "\t", "\r", "\f", "\v", "\u00a0")


def _strip_spaces(text: str) -> str:
    for c in _SPACES:
        if c in text:
            text = text.replace(c, "")
    return text


JOIN_SPAN = 6  # at most this many wrapped lines are looked for joined into one
SPLIT_SPAN = 4  # a line is looked for split over at most this many
# Formatters split only long lines; shorter ones are not looked for split (a split search reads the
# whole file version, which on a long history is most of a trail's cost).
SPLIT_MIN = 48
# A moved block: lines found moved together are a move, not common text met by chance, when they hold
# this many alphanumerics between them (git's `blame -C` default score; the trail's `moves._block_at`)
# or, where a face counts lines moved as a whole (blame's), are at least this many lines.
MOVED_BLOCK_ALNUM = 40
MOVED_BLOCK_LINES = 3


def alnum(line: str) -> int:
    """A line's alphanumeric characters: what a moved block's weight is counted in (MOVED_BLOCK_ALNUM)."""
    return sum(c.isalnum() for c in line)


def is_moved_block(texts: Iterable[str]) -> bool:
    """Whether lines moved together are a block: MOVED_BLOCK_LINES of them, or fewer holding
    MOVED_BLOCK_ALNUM alphanumerics between them."""
    n = weight = 0
    for text in texts:
        n, weight = n + 1, weight + alnum(text)
        if n >= MOVED_BLOCK_LINES or weight >= MOVED_BLOCK_ALNUM:
            return True
    return False


def written(patch: Patch) -> int:
    """The lines a patch wrote of its own, what a label counts as added: its added lines less those it
    took out and wrote back changed only in whitespace (re-indented, moved within the step), of lines
    with a letter or digit, as its evidence leaves them out (`evidence.probe`). docs/internals/evals.md."""
    if not patch.removed:
        return len(patch.added)
    back = _meaningful_norms(patch.removed) & _meaningful_norms(patch.added)
    return len(patch.added) - sum(back.values())


def _meaningful_norms(lines: list[str]) -> Counter:
    # A blank line or a lone `}` moved says nothing of whose it is; it counts as written, as before.
    return Counter(norm(x) for x in lines if any(c.isalnum() for c in x))


def norm(line: str) -> str:
    """A line's identity: its text with whitespace removed (equal norms differ only in whitespace)."""
    return _strip_spaces(line).replace("\n", "")


def _writes_back(deleted: Patch, written: Patch) -> bool:
    """Whether a file written where the session had deleted one brings the deleted text back (a file
    deleted by mistake and written again), not a new file in its place (a template's placeholder text
    deleted and a document of the project written under its name, sharing two headings of 37 lines:
    the deletion stands). As for a deletion's lines coming back, a tenth of them is the file back; an
    agent rewriting its own file keeps more (rtchess: 77 of 174 lines)."""
    gone = {norm(x) for x in deleted.removed} - {""}
    if not gone:
        return True  # nothing known of what was deleted: the file is back
    back = gone & {norm(x) for x in written.added}
    return 10 * len(back) >= len(gone)


def norm_set(lines: Iterable[str]) -> set[str]:
    """`{norm(x) for x in lines}`, the lines joined and stripped in one pass in C (a call per line was
    most of a long patch's count of what its file held before it) where no line holds a newline."""
    lines = list(lines)
    joined = "\n".join(lines)
    if not lines or joined.count("\n") != len(lines) - 1:
        return {norm(x) for x in lines}
    return set(_strip_spaces(joined).split("\n"))


def norms_of(text: str) -> list[str]:
    """The norms of a text's lines, in order (one C-level pass, not a call per line)."""
    if not text:
        return []
    out = _strip_spaces(text).split("\n")
    if text.endswith("\n"):
        out.pop()
    return out


_ASCII_SPACES = "".join(c for c in _SPACES if c.isascii()).encode()
_NBSP = "\u00a0".encode()


def byte_norms(data: bytes) -> list[bytes] | None:
    """`norms_of` the text of `data` (UTF-8), encoded, found on the bytes; None when that cannot be.

    For valid UTF-8 holding no non-breaking space the only whitespace the trail removes is ASCII,
    whose bytes never occur inside a longer character, and the lines end at b"\n": deleting those
    bytes (one pass in C) and splitting leaves the norms' encodings, with nothing decoded.
    """
    if not data:
        return []
    if not _plain(data):
        return None
    out = data.translate(None, _ASCII_SPACES).split(b"\n")
    if data.endswith(b"\n"):
        out.pop()
    return out


def framed_norms(data: bytes) -> bytes | None:
    """`byte_norms` each between a newline and a carriage return (no norm holds either), so that one
    `count` of b"\n" + norm + b"\r" counts the lines of that norm, blank and repeated ones too, in one
    pass in C with no line made into an object; None where `byte_norms` is."""
    if not data:
        return b""
    if not _plain(data):
        return None
    framed = b"\n" + data.translate(None, _ASCII_SPACES).replace(b"\n", b"\r\n") + b"\r"
    return framed[:-2] if data.endswith(b"\n") else framed


def _plain(data: bytes) -> bool:
    """Valid UTF-8 holding no non-breaking space: the text's whitespace is ASCII bytes alone."""
    if data.isascii():
        return True
    if _NBSP in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False  # decoded with replacement characters, which removing bytes could change
    return True


def loose_byte_norms(data: bytes) -> list[bytes]:
    """`byte_norms` of any bytes, whitespace bytes (a non-breaking space's too) deleted as they are,
    valid UTF-8 or not. Equal to the norms' encodings for each line that is valid UTF-8; a line that
    is not may come out as a valid one (an ASCII space inside a broken character)."""
    out = data.translate(None, _ASCII_SPACES).replace(_NBSP, b"").split(b"\n")
    if data.endswith(b"\n"):
        out.pop()
    return out


def _new_sides(patch: Patch) -> list[list[tuple[str, bool]]]:
    """Each hunk's new side that holds an added line, as (line, added) pairs; the added lines alone
    where the patch has no hunks."""
    sides: list[list[tuple[str, bool]]] = []
    for h in patch.hunks:
        side = [(x[1:], x[:1] == "+") for x in h.lines if x[:1] in (" ", "+")]
        if any(added for _, added in side):
            sides.append(side)
    if not sides and patch.added:
        sides = [[(x, True) for x in patch.added]]
    return sides


def join_keys(patch: Patch) -> list[tuple[str, list[str]]]:
    """(norm of a run of lines joined, the added lines in the run) for runs of 2..JOIN_SPAN
    consecutive non-blank lines of each hunk's new side that hold at least one added line.

    A formatter that joins wrapped lines leaves exactly this norm: whitespace is all that differs.
    The run may take in context lines (a closing bracket the step did not write).
    """
    out: list[tuple[str, list[str]]] = []
    for side in _new_sides(patch):
        ns = [norm(x) for x, _ in side]
        for i in range(len(ns)):
            if not ns[i]:
                continue
            joined = ns[i]
            # The run's added lines, grown with the run (a 1,000-line Write has thousands of runs): a run
            # that takes in a context line shares its shorter run's list, which nobody changes.
            mine = [side[i][0]] if side[i][1] else []
            for j in range(i + 1, min(i + JOIN_SPAN, len(ns))):
                if not ns[j]:
                    break
                joined += ns[j]
                if side[j][1]:
                    mine = [*mine, side[j][0]]
                if mine:
                    out.append((joined, mine))
    return out


def join_norms(patch: Patch) -> set[str]:
    """The joined norms of `join_keys` alone, without the added lines of each run (a long Write has
    thousands of runs, and counting what a file held before the step needs only their norms)."""
    out: set[str] = set()
    for side in _new_sides(patch):
        ns = [norm(x) for x, _ in side]
        for i in range(len(ns)):
            if not ns[i]:
                continue
            joined, any_added = ns[i], side[i][1]
            for j in range(i + 1, min(i + JOIN_SPAN, len(ns))):
                if not ns[j]:
                    break
                joined += ns[j]
                any_added = any_added or side[j][1]
                if any_added:
                    out.add(joined)
    return out


def split_counts(
    seq: list[str], keys: set[str] | frozenset[str], starts: int | None = None
) -> dict[str, int]:
    """How often each key is the join of 2..SPLIT_SPAN consecutive entries of `seq` (norms).

    With `starts`, only joins that begin among the first `starts` entries count (the rest of `seq` is
    what they may run into: how a changed stretch of a file is counted with its neighbours).
    """
    if not keys:
        return {}
    # A join can only start with an entry a key starts with: tried by the key's first characters
    # (every proper prefix of every key was once made here, quadratic in a long key's length).
    heads, longest = _split_heads(frozenset(keys))
    found: dict[str, int] = {}
    last = len(seq)
    for i, first in enumerate(seq if starts is None else seq[:starts]):
        if not first or len(first) >= longest or first[:_HEAD] not in heads:
            continue
        joined = first
        for j in range(i + 1, min(i + SPLIT_SPAN, last)):
            part = seq[j]
            if not part:
                break
            joined += part
            if joined in keys:
                found[joined] = found.get(joined, 0) + 1
                break
            if len(joined) >= longest:
                break  # a longer join is no key
    return found


_HEAD = 8  # characters of a key's start that a join's first entry is tried by


@functools.lru_cache(maxsize=64)
def _split_heads(keys: frozenset[str]) -> tuple[frozenset[str], int]:
    """The keys' starts a join's first entry can be (each key's first _HEAD characters, and its shorter
    prefixes), and the longest key's length."""
    heads = frozenset(k[:n] for k in keys for n in range(1, min(len(k), _HEAD + 1)))
    return heads, max(map(len, keys))


@functools.lru_cache(maxsize=64)
def split_prefixes(keys: frozenset[str]) -> frozenset[str]:
    """Every proper prefix of the keys: the lines a split key can start with."""
    # The same keys are looked for in every version of a file: their prefixes are built once.
    return frozenset(k[:n] for k in keys for n in range(1, len(k)))


def count_before(patch: Patch, before: str | None) -> None:
    """Record how often the patch's lines (exact, by identity, joined, split) were in `before`."""
    if before is None:
        patch.before_counts = patch.before_norms = patch.before_splits = None
        return
    lines = split_lines(before)
    wanted = set(patch.added) | set(patch.removed)
    patch.before_counts = dict(Counter(filter(wanted.__contains__, lines)))
    keys = norm_set(wanted)
    keys.update(join_norms(patch))
    seq = norms_of(before)
    patch.before_norms = dict(Counter(filter(keys.__contains__, seq)))
    patch.before_splits = split_counts(seq, {k for k in (norm(x) for x in patch.added) if len(k) >= SPLIT_MIN})
