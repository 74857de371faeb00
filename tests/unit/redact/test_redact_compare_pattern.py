"""detect-secrets' comparison pattern (`'value' == password`) in one pass (`compare_pattern`): the same
matches as the pattern's own `finditer` on random lines of its quotes, signs and words, and on shapes
that cost the pattern the line's length at every quote. Values are made up."""

from __future__ import annotations

import random
import time

import pytest
from detect_secrets.plugins.keyword import QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP

from tracetui.redact import compare_pattern, semicolon_pattern

PATTERNS = list(QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
[COMPARING] = [p for p in PATTERNS if compare_pattern.comparing(p)]
PIECES = ["`", "'", '"', "=", "!", " ", "\t", "é", "b", "1", ",", "\v", "\n", "password", "api_key", "_", "x",
          "==", "!=", "===", "`k`", "'v'", "secret", "Zx9Qw7Lm2Rt5Yp"]


def _theirs(line: str) -> list[tuple[str, int]]:
    return [(m.group(2), m.start(2)) for m in COMPARING.finditer(line)]


@pytest.mark.parametrize("seed", range(8))
def test_random_lines_match_as_the_pattern_matches(seed):
    rnd = random.Random(seed)
    lines = ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 80))) for _ in range(2500)]
    assert [list(compare_pattern.matches(COMPARING, x)) for x in lines] == [_theirs(x) for x in lines]
    assert sum(bool(_theirs(x)) for x in lines) > 20  # the lines do compare: a test that could fail


@pytest.mark.parametrize("line", [
    'if "Zx9Qw7Lm2Rt5Yp" == password:',
    "`Zx9Qw7Lm2Rt5Yp` `q` !== api_key and `w` == secret",
    "'a' == 'b' == password",
    "`é1` == password, `x,` == password",
])
def test_hand_made_comparisons(line):
    assert list(compare_pattern.matches(COMPARING, line)) == _theirs(line) != []


def test_only_the_comparison_pattern_is_read_in_one_pass():
    assert [compare_pattern.comparing(p) for p in PATTERNS].count(True) == 1


def test_a_window_of_backticks_and_comparisons_is_one_pass():
    line = ("`a` == `b` password " * 300)[:4200]
    start = time.process_time()
    for _ in range(20):
        found = list(compare_pattern.matches(COMPARING, line))
    assert found == _theirs(line)
    assert time.process_time() - start < 0.5  # the pattern itself: 60 ms a window, 1.2 s for these


@pytest.mark.parametrize("seed", range(4))
def test_the_semicolon_pattern_is_skipped_only_where_it_cannot_match(seed):
    [closing] = [p for p in PATTERNS if semicolon_pattern.closes_with_semicolon(p)]
    rnd = random.Random(seed)
    pieces = [*PIECES, ";", "`;", "';", '";', " = ", ":"]
    lines = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 80))) for _ in range(2500)]
    found = [x for x in lines if any(closing.finditer(x))]
    assert len(found) > 20
    assert all(semicolon_pattern.quote_then_semicolon(x) for x in found)
