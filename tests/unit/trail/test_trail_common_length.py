"""What the trail measures of two texts in C (rapidfuzz's): the longest common subsequence that bounds
difflib's ratio in the close-line searches (`common_length`), and the common prefix and suffix that
cut two versions of a file down to the lines where they differ. Each must be its definition exactly,
for any text a log or a file holds."""

from __future__ import annotations

import difflib
import random

from tracetui.trail.file_lines import (
    _changed_lines, _common_prefix, _common_suffix, common_length, ratio_bound,
)  # fmt: skip


def _by_definition(a: str, b: str) -> int:
    """The longest common subsequence's length, by the textbook table."""
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal = 0
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], diagonal + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def _pairs(seed: int, alphabet: str, longest: int, count: int = 2000) -> list[tuple[str, str]]:
    """Random pairs of strings over `alphabet`, each at most `longest` long (the same draws as before)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))
        out.append((a, b))
    return out


def test_common_length_is_the_longest_common_subsequence():
    # ASCII, Latin and CJK letters, a tab, an emoji beyond the BMP and a lone surrogate (a log's
    # undecodable bytes): code points are compared one by one.
    for a, b in _pairs(5, "ab (x_.)\t\u00e9\u4e2d\U0001f600\ud800", 40):
        assert common_length(a, b) == _by_definition(a, b), (a, b)


def test_long_lines_past_a_machine_word():
    a = "const x = compute(alpha, beta, gamma) + other(delta) * 2;" * 3
    b = a.replace("alpha", "ALPHA").replace("2;", "3;")
    assert common_length(a, b) == _by_definition(a, b) == len(a) - 3 * 6


def _prefix(a: str, b: str, n: int) -> int:
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _suffix(a: str, b: str, n: int) -> int:
    i = 0
    while i < n and a[-1 - i] == b[-1 - i]:
        i += 1
    return i


def test_common_prefix_and_suffix_by_definition_within_their_bound():
    # Versions of one text a few edits apart, in every string kind (Latin-1, BMP, astral, a lone
    # surrogate), compared with a bound below, at and past where they differ.
    rng = random.Random(11)
    alphabet = ["a", "b", "\n", "\u00e9", "\u00ff", "\u0100", "\u2192", "\U0001f600", "\ud800", "\x00"]
    for _ in range(3000):
        a = [rng.choice(alphabet) for _ in range(rng.randint(0, 40))]
        b = list(a)
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(0, len(b))
            if rng.random() < 0.5 or not b:
                b.insert(at, rng.choice(alphabet))
            else:
                b[min(at, len(b) - 1)] = rng.choice(alphabet)
        x, y = "".join(a), "".join(b)
        n = rng.randint(0, min(len(x), len(y)))
        assert _common_prefix(x, y, n) == _prefix(x, y, n), (x, y, n)
        assert _common_suffix(x, y, n) == _suffix(x, y, n), (x, y, n)


def test_changed_lines_cut_at_line_starts():
    a = "one\ntwo\nthree\nfour\n"
    b = "one\ntwo\nTHREE\nfour\n"
    start, end_a, end_b = _changed_lines(a, b)
    assert (a[:start], a[start:end_a], b[start:end_b], a[end_a:]) == ("one\ntwo\n", "three\n", "THREE\n", "four\n")
    # A common tail that starts inside a line starts at the next line.
    start, end_a, end_b = _changed_lines("ab\nxyz\n", "ab\nqyz\n")
    assert (start, end_a, end_b) == (3, 7, 7)


def test_ratio_bound_is_never_below_difflibs_ratio():
    for a, b in _pairs(3, "ab (x_.)\t\u00e9\u4e2d\U0001f600", 30):
        ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
        assert ratio_bound(a, b) >= ratio - 1e-12, (a, b)
    assert ratio_bound("", "") == difflib.SequenceMatcher(None, "", "").ratio() == 1.0
