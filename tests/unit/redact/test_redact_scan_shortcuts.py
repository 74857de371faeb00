"""The scan's shortcuts give the answers of what they replace: the format rules' needles found in one
pass, the prefilters before the personal-data patterns, the stand-in words looked for before a value
is split. Each is compared with its plain definition on many generated texts, built to hold what the
shortcut looks for, near-misses of it, overlaps and letters that case-fold oddly.

Every value here is generated or made up for these tests.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterable

import pytest
from support.glued import glued

from tracetui.redact import pii, rules, text_checks
from tracetui.redact.rules import tokens
from tracetui.redact.needles import Needles


def present_by_definition(needles: Iterable[str], text: str) -> set[str]:
    """The needles that occur in `text`: what `Needles.present` answers, one `in` at a time."""
    return {n for n in needles if n in text}

# Letters whose case folds oddly: the Kelvin sign lowers to `k`, `İ` to two characters, `ſ` folds to
# `s` under `re.I`; a lone surrogate can sit in a decoded log; an emoji is outside the BMP.
_ODD = ["\u212a", "\u0130", "\u017f", "\ud800", "\U0001f600", "é", "ß", "Σ"]


def _texts(seed: int, count: int, pieces: list[str], alphabet: str) -> list[str]:
    """Texts of pieces (whole, cut at either end, upper-cased, or an odd letter) glued with random
    characters."""
    return glued(seed, count, pieces, alphabet, most=12, glue_most=6, odd=_ODD)


def test_needles_found_in_one_pass_are_those_the_in_tests_find():
    # The rules' needles and the other detectors' gate words (`gate_words`), searched together.
    table = sorted(tokens.TOKEN_NEEDLES.needles)
    assert {n for r in rules.TOKEN_RULES for n in r.needles} <= set(table)
    texts = _texts(1, 6000, table, string.ascii_lowercase + string.digits + "-_.:/ ~\\\n")
    for text in texts:
        low = text.lower()
        assert tokens.TOKEN_NEEDLES.present(low) == present_by_definition(table, low), text


def test_overlapping_nested_and_escaped_needles_are_all_named():
    # Needles inside others, prefixes of others, a needle's tail another's head, `re`'s own symbols.
    mine = Needles(["a", "ab", "abc", "bc", "c", "cab", "\ud800b", "\u212a", ".*", "a.", "(?", "aaa"])
    pieces = ["abc", "cab", "bca", ".*", "a.b", "(?:", "aaaa"]
    for text in _texts(2, 4000, pieces, "abc.*(?\ud800\u212a"):
        assert mine.present(text) == present_by_definition(mine.needles, text), text
    assert mine.present("") == set() and Needles([]).present("abc") == set()
    assert mine.present("aaaa") == {"a", "aaa"}
    with pytest.raises(ValueError):
        Needles(["x", ""])


def test_the_rules_run_are_those_whose_needles_the_text_holds_in_table_order():
    table = sorted({n for r in rules.TOKEN_RULES for n in r.needles})
    for text in _texts(3, 3000, table, string.ascii_lowercase + "-_. "):
        low = text.lower()
        expected = [r for r in rules.TOKEN_RULES if not r.needles or any(n in low for n in r.needles)]
        assert tokens._token_rules(low) == expected, text


def test_token_findings_with_the_needles_found_one_at_a_time_are_the_same(monkeypatch):
    rnd = random.Random(4)
    body = string.ascii_letters + string.digits
    table = sorted({n for r in rules.TOKEN_RULES for n in r.needles})
    # Each needle with a random body of a token's length after it: many rules' formats match.
    lengths = (16, 20, 32, 36, 40, 64)
    pieces = [n + "".join(rnd.choice(body) for _ in range(rnd.choice(lengths))) for n in table]
    texts = _texts(5, 1500, pieces, " \n=:\"'")
    found = [list(rules.token_findings(t, t.lower())) for t in texts]
    assert sum(map(len, found)) > 150  # the texts do hold tokens

    class OneAtATime:
        def present(self, low: str) -> set[str]:
            return present_by_definition(table, low)

    monkeypatch.setattr(tokens, "TOKEN_NEEDLES", OneAtATime())
    assert [list(rules.token_findings(t, t.lower())) for t in texts] == found


_PII_PIECES = [
    "+1 415 555 0100", "+44 (20) 7946 0958", "+49-30-1234567", "(415) 555-0100", "(415)555.0100",
    "415.555.0100", "415-555-0100", "415-555.0100", "10.0.0.1", "203.0.113.5", "1.2.3.4.5", "999.1.1.1",
    "ana.ruiz@corp-mail.io", "x@y.co", "git@github.com", "a.b+c@d-e.f.gh", "@scope/pkg", "v1.2.3",
    "2026-11-23", "12:30:45.123", "+169.254.169.254",
]  # fmt: skip


def _pii_texts(seed: int, count: int) -> list[str]:
    return _texts(seed, count, _PII_PIECES, string.digits * 3 + "+().-@ \n:/abcXYZ")


def test_each_prefilter_holds_wherever_its_pattern_matches():
    for text in _pii_texts(6, 8000):
        if pii._PHONE.search(text):
            assert any(p.search(text) for p in pii._PHONE_PIECES), text
        if pii._IPV4.search(text):
            assert pii._IPV4_PIECE.search(text), text
        if pii._EMAIL.search(text):
            assert "@" in text and pii._EMAIL_PIECE.search(text), text


def test_personal_data_with_the_prefilters_is_what_it_was_without_them(monkeypatch):
    texts = _pii_texts(7, 4000)
    found = [list(pii.pii_findings(t, t.lower())) for t in texts]
    assert sum(map(len, found)) > 500
    always = re.compile("")
    monkeypatch.setattr(pii, "_PHONE_PIECES", (always,))
    monkeypatch.setattr(pii, "_IPV4_PIECE", always)
    monkeypatch.setattr(pii, "_EMAIL_PIECE", always)
    assert [list(pii.pii_findings(t, t.lower())) for t in texts] == found


_VALUE_PIECES = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^A-Za-z\d]+")
_STAND_IN_TAIL = re.compile(r"(?:[A-Z]{3}HERE|[a-z]Here)(?![A-Za-z0-9])")


def worded_placeholder_by_definition(value: str) -> bool:
    """`is_worded_placeholder` as it was, with no shortcut."""
    if _STAND_IN_TAIL.search(value):
        return True
    pieces = _VALUE_PIECES.findall(value)
    words = [p.lower() for p in pieces if p[0].isalpha()]
    if len(words) < 2 or any(p[0].isdigit() and len(p) > 2 for p in pieces):
        return False
    if any(not p[0].isalnum() and not set(p) <= text_checks._WORD_SEPARATORS for p in pieces):
        return False
    if sum(len(w) < 3 for w in words) > 1:
        return False
    return any(w in text_checks._STAND_IN_WORDS for w in words)


def test_worded_placeholders_are_judged_as_by_their_definition():
    words = sorted(text_checks._STAND_IN_WORDS) + ["key", "token", "api", "Here", "HERE", "secret", "ab"]
    cased = words + [w.upper() for w in words] + [w.capitalize() for w in words]
    values = _texts(8, 20000, cased, "-_. " + string.ascii_letters + string.digits)
    values += ["MOC\u212a_TOKEN", "\u0130NSERT-KEY", "your-api-key", "YOUR_TOKEN_HERE", "xFakeKey1"]
    matched = 0
    for value in values:
        expected = worded_placeholder_by_definition(value)
        assert text_checks.is_worded_placeholder(value) == expected, value
        matched += expected
    assert matched > 500
