"""detect-secrets' keyword patterns over whole lines: every assignment of a line is found at its own
place, a long line (a minified bundle, a blob) is read all along and not only around its first word,
and the name before a value is read backwards in one attempt. Values are made up here."""

from __future__ import annotations

import random
import re

import pytest

from tracetui.redact import ds


def _found(text: str) -> list[str]:
    return [text[f.start : f.end] for f in ds.keyword_findings(text, text.lower())]


def test_every_word_of_a_long_line_is_read_with_its_value():
    # The plugin takes a pattern's first match on a line: on a long line, later words were never read.
    text = ("var a=1;" * 700 + 'const password = "Zx9Qw7Lm2Rt5Yp";' + "f(b);" * 2000
            + 'cfg.secret = "Qw8Er7Ty6Ui5Op3As";' + "g(c);" * 900)  # fmt: skip
    assert _found(text) == ["Zx9Qw7Lm2Rt5Yp", "Qw8Er7Ty6Ui5Op3As"]


def test_two_assignments_on_one_line_are_two_findings():
    text = 'db_password = "Zx9Qw7Lm2Rt5Yp"; api_secret = "Qw8Er7Ty6Ui5Op3As"\n'
    assert _found(text) == ["Zx9Qw7Lm2Rt5Yp", "Qw8Er7Ty6Ui5Op3As"]


def test_a_value_said_twice_is_found_in_both_places():
    text = 'password = "Zx9Qw7Lm2Rt5Yp", old_password = "Zx9Qw7Lm2Rt5Yp"\n'
    spans = [(f.start, f.end) for f in ds.keyword_findings(text, text.lower())]
    first = text.index("Zx9Q")
    assert spans == [(first, first + 14), (text.index("Zx9Q", first + 1), text.index("Zx9Q", first + 1) + 14)]


@pytest.mark.parametrize("before", ["x" * 3990, "x" * 4300, "y=1;" * 3000], ids=["x3990", "x4300", "statements"])
def test_a_word_where_two_windows_meet_is_found_once(before):
    # Windows of a long line overlap so that each word is read with what follows it; a value the two
    # windows both hold is one finding.
    text = before + ('password = "Zx9Qw7Lm2Rt5Yp"; ' * 400) + "z" * 5000
    found = [f.start for f in ds.keyword_findings(text, text.lower())]
    assert len(found) == len(set(found)) == 400


# The name before a value as it was read forwards: the pattern ends at the value and is tried at each
# of 80 starts. Read backwards it must name the same word.
_FORWARDS = re.compile(r"([\w.\-]+)(?:\\?[\"'\]])*[ \t]*(?:[:!=]=?=?|:=|=>)?[ \t]*(?:\\?[@\"'`])*$")


def _forwards(text: str, i: int) -> tuple[str, str] | None:
    match = _FORWARDS.search(text, max(0, i - 80), i)
    if match is None:
        return None
    name, at = match.group(1), match.start(1)
    if at > 0 and text[at - 1] == "\\" and name[:1] in ("n", "r", "t"):
        name = name[1:]
    return name, match.group(0).rstrip("\n")


def test_the_name_read_backwards_is_the_name_read_forwards():
    rng = random.Random(49)
    alphabet = list("ab_.-9 \t:=!>\"'`@]\\\nnr")
    for _ in range(20_000):
        text = "x" * rng.randint(0, 70) + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert ds.name_before(text, len(text)) == _forwards(text, len(text)), repr(text[-30:])


def _unfiltered(text: str) -> list[str]:
    # Every pattern on every window, the comparison's included whatever the window holds.
    found = []
    for lo, hi in ds._keyword_windows(text, text.lower(), ds.keyword_words()):
        for pattern, group, _ in ds._keyword_patterns(False):
            found += [m.group(group) for m in pattern.finditer(text[lo:hi])]
    return found


@pytest.mark.parametrize("text", [
    'if "Zx9Qw7Lm2Rt5Yp" == password:\n',
    "assert `Zx9Qw7Lm2Rt5Yp` !== api_key;\n",
    "if ('Zx9Qw7Lm2Rt5Yp' != secret) {}\n",
    "x = 1; " * 900 + 'if "Zx9Qw7Lm2Rt5Yp" === db_pass: pass',
    'if "Zx9Qw7Lm2Rt5Yp" = password:\n',
    "| `x` | `api_secret: some words here` |\n" * 50,
    'password "Zx9Qw7Lm2Rt5Yp";\n',
    "`a` == `b` password `Zx9Qw7Lm2Rt5Yp` " * 20,
], ids=["equal", "strict-unequal", "unequal", "long-line", "one-sign", "backtick-table", "semicolon",
        "no-semicolon"])
def test_the_comparison_pattern_in_one_pass_finds_what_the_pattern_finds(text):
    # `compare_pattern` in place of the pattern's own backtracking: the values found are the same.
    comparing = [p for p, _, c in ds._keyword_patterns(False) if c]
    assert len(comparing) == 1  # detect-secrets' `'value' == password` pattern is recognised
    assert sorted(_found(text)) == sorted(v for v in _unfiltered(text) if ds._keyword_value_kept(v, text, text.index(v)))
