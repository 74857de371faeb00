"""detect-secrets' keyword pattern whose value closes with a quote and `;` (`password "x";`), in one pass
(`semicolon_pattern`), and its other keyword patterns read from the end of each run of letters (`word_runs`):
the same matches as the patterns' own `finditer` on random lines of their pieces, and a window with an
early `";` and many of their words after it read in milliseconds. Values are made up."""

from __future__ import annotations

import random
import time

import pytest
from detect_secrets.plugins.keyword import QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, REGEX_BY_FILETYPE
from detect_secrets.util.filetype import FileType

from tracetui.redact import ds, semicolon_pattern, word_runs

PATTERNS = list(QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
[SEMICOLON] = [p for p in PATTERNS if semicolon_pattern.closes_with_semicolon(p)]
GROUP = QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP[SEMICOLON]
# Its quotes, `;`, spaces (a no-break one too), the characters a value never holds or ends with, letters
# (some the words match only ignoring case: `ſ`, the Kelvin sign), its words, and a run of letters long
# enough to take a word past its 50 characters.
PIECES = ["`", "'", '"', ";", "`;", "';", '";', "=", " ", "\t", "\n", "\v", ",", "é", "ñ", "b", "1", "_", "x",
          "pwd", "PWD", "password", "api_key", "apikey", "secret", "contraseña", "ſecret", "\u212a", "\u00a0",
          "Zx9Qw7", "x" * 20, " = ", ":", "[", "]", "@", "!=", "=>"]
# A window of 4,000 characters, an early `";` in it, then one of these again and again: each cost the
# pattern 0.4-7.4 s of CPU (its word's run, then 50 places, then each quote's value to the window's end).
# A word's assignment, its pieces picked at random: a name, a sign, a quote, a value, a closing quote.
WORDS = ["pwd", "password", "SECRET", "api_key", "db_pass", "ſecret"]
SIGNS = [" = ", ":", "=", "==", "!=", "=>", "[0]", "[0] = ", "@", "]", " ", "", ": ", '"]:', "'="]
QUOTES = ['"', "'", "`"]
VALUE = ["Zx9Qw7", "x", " ", ",", "\v", "é", "_", ";", "`", "'", "=", "1"]
FLOODS = ["pwd", "secret", "pwd`", "secret`", "pwd``", "pwd`a", "password `a", "api_key=`x` "]


def _theirs(line: str) -> list[tuple[str, int]]:
    return [(m.group(GROUP), m.start(GROUP)) for m in SEMICOLON.finditer(line)]


def _lines(seed: int, n: int = 1500) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 70))) for _ in range(n)]


@pytest.mark.parametrize("seed", range(8))
def test_random_lines_match_as_the_pattern_matches(seed):
    lines = _lines(seed) + _assignments(50 + seed)
    assert [list(semicolon_pattern.matches(SEMICOLON, x)) for x in lines] == [_theirs(x) for x in lines]
    assert sum(bool(_theirs(x)) for x in lines) > 100  # the lines do match: a test that could fail


@pytest.mark.parametrize("line", [
    'password "Zx9Qw7Lm2Rt5Yp";',
    "api_key = `Zx9`Qw7Lm2`;Rt5Yp`; then secret `b`;",
    "PWD" + "x" * 44 + " \t `Zx9Qw7`;",  # spaces after the 50 characters' last place
    "pwd" + "x" * 47 + "`Zx9Qw7`;",  # a quote at the 50 characters' last place
    "pwd" + "x" * 48 + "`Zx9Qw7`;",  # and one past it
    "pwdpwd" + "x" * 40 + '"a,";"Zx9";',  # a value that ends with a comma is none
    "ſecret: `é1`;`; KEY_PASS 'x\v';",
], ids=["plain", "backticks", "spaces-at-50", "quote-at-50", "quote-past-50", "comma", "case-and-stops"])
def test_hand_made_lines(line):
    assert list(semicolon_pattern.matches(SEMICOLON, line)) == _theirs(line)


def test_the_pattern_is_read_in_one_pass_and_any_other_form_runs_itself():
    assert [semicolon_pattern.closing(p) for p in PATTERNS] == [p is SEMICOLON for p in PATTERNS]
    other = ds.re.compile(SEMICOLON.pattern.replace("{0,50}", "{0,5}"), SEMICOLON.flags)
    line = "pwd" + "-" * 20 + "`Zx9Qw7`;"
    assert not semicolon_pattern.closing(other)
    assert list(semicolon_pattern.matches(other, line)) == [] != _theirs(line)


def _assignments(seed: int, n: int = 1500) -> list[str]:
    rnd = random.Random(seed)

    def one() -> str:
        q = rnd.choice(QUOTES)
        name = rnd.choice(WORDS) + rnd.choice(["", "x", "_key", "x" * 10]) + rnd.choice(SIGNS)
        value = "".join(rnd.choice(VALUE) for _ in range(rnd.randint(0, 5)))
        closing = rnd.choice([q, q, *QUOTES]) + rnd.choice(["", ";", " ", ","])
        return name + rnd.choice(["", "@"]) + q + value + closing

    return ["".join(one() for _ in range(rnd.randint(1, 3))) for _ in range(n)]


@pytest.mark.parametrize("seed", range(4))
def test_the_patterns_read_from_their_runs_end_match_as_the_patterns_match(seed):
    tables = [QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, REGEX_BY_FILETYPE[FileType.C]]
    cut = [(p, g, word_runs.run_pattern(p, g)) for table in tables for p, g in table.items()
           if not semicolon_pattern.closes_with_semicolon(p)]  # fmt: skip
    assert sum(c is not None for _, _, c in cut) == 4  # all but the comparison and the semicolon patterns
    lines = _lines(100 + seed, 500) + _assignments(seed)
    for pattern, group, ours in ((p, g, c) for p, g, c in cut if c is not None):
        theirs = [[(m.group(group), m.start(group)) for m in pattern.finditer(x)] for x in lines]
        assert [list(ours.matches(x)) for x in lines] == theirs
        assert sum(map(bool, theirs)) > 20, pattern.pattern[-40:]


def test_a_window_with_an_early_semicolon_and_many_words_is_read_at_once():
    texts = [('x";' + unit * 2000)[:4000] for unit in FLOODS]
    for warm in ("password = 'warm'", 'x";pwd `a`;'):  # the detectors' imports and patterns, made once
        list(ds.keyword_findings(warm, warm.lower()))
    start = time.process_time()
    for text in texts:
        list(ds.keyword_findings(text, text.lower()))
    # The patterns themselves: 12 s for these; one `pwd` window 7.4 s, and 1.2 s more for the others.
    assert time.process_time() - start < 0.5


def test_a_long_line_of_such_windows_is_read_in_a_time_its_length_bounds():
    text = ('x";' + "pwd" * 1400 + 'x";' + "pwd`" * 1000) * 3  # 25 KB, a window at every 4,400 characters
    start = time.process_time()
    list(ds.keyword_findings(text, text.lower()))
    assert time.process_time() - start < 1.0  # 1.3 s to 9.7 s a window before
