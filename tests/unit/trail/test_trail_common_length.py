"""The close-line searches bound difflib's ratio by the longest common subsequence (`common_length`,
rapidfuzz's in C): it must be that length exactly, for any text a log or a file holds."""

from __future__ import annotations

import random

from tracetui.trail.file_lines import common_length


def _by_definition(a: str, b: str) -> int:
    """The longest common subsequence's length, by the textbook table."""
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal = 0
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], diagonal + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def test_common_length_is_the_longest_common_subsequence():
    # ASCII, Latin and CJK letters, a tab, an emoji beyond the BMP and a lone surrogate (a log's
    # undecodable bytes): code points are compared one by one.
    rng = random.Random(5)
    alphabet = "ab (x_.)\t\u00e9\u4e2d\U0001f600\ud800"
    for _ in range(2000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert common_length(a, b) == _by_definition(a, b), (a, b)


def test_long_lines_past_a_machine_word():
    a = "const x = compute(alpha, beta, gamma) + other(delta) * 2;" * 3
    b = a.replace("alpha", "ALPHA").replace("2;", "3;")
    assert common_length(a, b) == _by_definition(a, b) == len(a) - 3 * 6
