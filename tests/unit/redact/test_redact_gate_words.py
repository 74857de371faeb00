"""The detectors' tests for a literal answered from the scan's one search (`gate_words`) are the tests they
replace: `Holds` against `in` on generated texts, and whole scans with the search's answers against the
same scans reading every text, on texts planted with the shapes of every pattern the detectors hold, the
gate words themselves, and the labelled secrets where they are present.

Every value here is generated or made up for these tests.
"""

from __future__ import annotations

import random
import re
import string
import sys

import pytest
from shared_data import SECRETS, requires_secrets
from support.evaluate import load_rows
from support.glued import glued
from support.regex_samples import matches

import tracetui.redact.detectors  # noqa: F401 - every detector's module, for their patterns
from tracetui.redact import ds, encoded, gate_words, pii, shapes, views
from tracetui.redact.detect import _lower_aligned, scan_text
from tracetui.redact.gate_words import GATE_WORDS, Holds, Words
from tracetui.redact.rules import TOKEN_NEEDLES, TOKEN_RULES
from tracetui.redact.syntax import CODE, CODE_C, SECRET_FILE, UNKNOWN

# Letters that case-fold oddly (the Kelvin sign lowers to `k`, `İ` to two characters), a lone surrogate,
# an emoji, the arrow a Read tool puts after a line number.
_ODD = ["\u212a", "\u0130", "\u017f", "\ud800", "\U0001f600", "é", "ß", "Σ", "\u2192"]
_OTHER_WORDS = ["_", "|", "@@", "kind", "xox", "AKIA", "-----BEGIN ", "Bearer"]  # not gate words: read


def _gate_texts(seed: int, count: int) -> list[str]:
    pieces = [*GATE_WORDS, *(w.upper() for w in GATE_WORDS), *_OTHER_WORDS]
    return glued(seed, count, pieces, string.ascii_letters + " \n:=-_\\", most=10, odd=_ODD)


def test_every_gate_word_is_found_by_the_one_search():
    assert all(w.lower() in TOKEN_NEEDLES.needles for w in GATE_WORDS)


def test_holds_answers_what_in_answers():
    words = [*GATE_WORDS, *_OTHER_WORDS, *(w.upper() for w in GATE_WORDS)]
    for text in _gate_texts(1, 4000):
        lowered = _lower_aligned(text)
        present = TOKEN_NEEDLES.present(lowered)
        as_logged = Holds(text, present)
        searched = Holds(lowered, present, searched=True)
        plain_lowered = text.lower()  # another caller's lowering, of another length where `İ` is in it
        elsewhere = Holds(text, TOKEN_NEEDLES.present(plain_lowered))
        for w in words:
            assert (w in as_logged) == (w in text), (w, text)
            assert (w in elsewhere) == (w in text), (w, text)
            assert (w in searched) == (w in lowered), (w, text)


def test_words_asked_together_answer_what_each_in_answers():
    groups = [Words(*GATE_WORDS[i : i + 5]) for i in range(0, len(GATE_WORDS), 5)]
    groups += [Words("key", "AccountKey=", "pass"), Words("token", "kind"), Words(*_OTHER_WORDS), Words()]
    assert sum(g.lowered is not None for g in groups) > 10  # most groups are answered by the set test
    for text in _gate_texts(4, 2000):
        lowered = _lower_aligned(text)
        present = TOKEN_NEEDLES.present(lowered)
        for has, read in ((Holds(text, present), text), (Holds(lowered, present, searched=True), lowered),
                          (text, text)):
            for g in groups:
                assert g.any_in(has) == any(w in read for w in g.words), (g.words, text)


def test_the_last_answer_of_a_lowered_text_is_given_again_only_for_that_text():
    a, b = "token here", "".join(["token", " here"])  # equal, not the same string
    first = gate_words.in_lowered(a)
    assert gate_words.in_lowered(a) is first
    assert gate_words.in_lowered(b) is not first and "token" in gate_words.in_lowered(b)
    assert "token" not in gate_words.in_lowered("nothing")


def test_a_shape_is_the_same_whoever_asked_before():
    texts = _gate_texts(2, 300) + ["", "\u212a" * 5, "ab"]
    rnd = random.Random(3)
    for _ in range(3000):
        text, mapping = rnd.choice(texts), rnd.choice([shapes.BASE64, shapes.HEX, shapes.BASE32])
        assert shapes.shape(text, mapping) == text.encode("latin-1", "replace").translate(mapping)


def _patterns() -> list[re.Pattern[str]]:
    """Every pattern the detectors hold at module level, detect-secrets' plugins' and the format rules'."""
    found: dict[int, re.Pattern[str]] = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("tracetui.redact"):
            for value in vars(module).values():
                if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                    found.setdefault(id(value), value)
    for _name, plugin in ds._plugins()[0]:
        for p in plugin.denylist:
            found.setdefault(id(p), p)
    for rule in TOKEN_RULES:
        found.setdefault(id(rule.pattern), rule.pattern)
    return sorted(found.values(), key=lambda p: p.pattern)


def _planted(seed: int, count: int, extra: list[str]) -> list[str]:
    rnd = random.Random(seed)
    samples = [s for p in _patterns() for s in matches(p, rnd, 6)]
    lines = ["password = ", "Authorization: Bearer ", "curl -u admin:", "export API_KEY=", "\"token\": \"",
             "mysql -u root -p", "machine h login u password ", "kind: Secret\ndata:\n  k: ", "x-api-key: "]
    pieces = samples + lines + extra + list(GATE_WORDS)
    return glued(seed, count, pieces, " \n\t=:\"'\\n,;|", most=12, odd=_ODD)


def _unfiltered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every gate word looked for in the text itself, and every shape made afresh: the scan as it read
    before the one search answered for them."""
    monkeypatch.setattr(gate_words, "_LOWERED", {})
    monkeypatch.setattr(gate_words.Words, "any_in", lambda self, has: any(w in has for w in self.words))

    def fresh(text: str, mapping: bytes) -> bytes:
        return text.encode("latin-1", "replace").translate(mapping)

    for module in (shapes, ds, encoded, pii, views):
        monkeypatch.setattr(module, "shape", fresh)


def _compare(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    syntaxes = [UNKNOWN, UNKNOWN, CODE, CODE_C, SECRET_FILE]
    runs = []
    for i, text in enumerate(texts):
        syntax = syntaxes[i % len(syntaxes)]
        plain: list[list] = []
        runs.append((text, syntax, scan_text(text, syntax=syntax, as_text=plain if syntax != UNKNOWN else None),
                     plain))
    with monkeypatch.context() as m:
        _unfiltered(m)
        for text, syntax, found, plain in runs:
            again: list[list] = []
            assert scan_text(text, syntax=syntax, as_text=again if syntax != UNKNOWN else None) == found, text
            assert again == plain, text
    return sum(len(found) for _t, _s, found, _p in runs)


def test_a_scan_with_the_gate_words_finds_what_reading_every_text_finds(monkeypatch):
    assert _compare(_planted(4, 700, []), monkeypatch) > 300  # the texts do hold findings


@requires_secrets
def test_the_labelled_secrets_planted_anywhere_are_found_as_before(monkeypatch):
    rows = [row.text for _id, row in load_rows(SECRETS) if row.text and len(row.text) < 2000]
    assert _compare(_planted(5, 500, rows), monkeypatch) > 300
