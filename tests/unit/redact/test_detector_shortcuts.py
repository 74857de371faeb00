"""The detectors' faster forms of a pattern match what the pattern they replace matched: each old pattern
is kept here, and both are run over generated texts built to hold what it looks for, runs one character
short of and past its bounds, line breaks, characters past Latin-1 and matches at a text's two ends.
Each comparison also shows that a near miss of the new form is told apart on the same texts.

Every value here is generated or made up for these tests.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from functools import partial

import pytest
from support.glued import glued
from support.regex_samples import matches

from tracetui.redact import ds, encoded, identity, pii, prose, shapes, spelled, views
from tracetui.redact.detect import _lower_aligned
from tracetui.redact.rules import assignments, commands, headers

_B64 = string.ascii_letters + string.digits + "+/_-"
# Characters past Latin-1 (a shape reads each as `?`), Latin-1 ones past ASCII, a lone surrogate as a
# decoded log can hold, an Arabic-Indic and a fullwidth digit, the Kelvin sign, an emoji.
_ODD = ["\u212a", "\u0130", "\ud800", "\U0001f600", "\u0663", "\uff13", "é", "ÿ", "\x85", "\xa0", "?"]
_GLUE = ["=", "==", "===", "~", " ", "\t", "\n", "\r\n", "\\n", '"', "'", ".", ",", ":", "%", "\\", *_ODD]


def _texts(seed: int, count: int, alphabet: str, lengths: tuple[int, ...]) -> list[str]:
    """Runs of `alphabet` of the given lengths (and random ones) glued with separators and odd characters."""
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rnd.randrange(0, 7)):
            n = rnd.choice(lengths) if rnd.random() < 0.7 else rnd.randrange(1, 40)
            parts.append("".join(rnd.choice(alphabet) for _ in range(n)))
            parts.append("".join(rnd.choice(_GLUE) for _ in range(rnd.randrange(0, 3))))
        out.append("".join(parts))
    return out


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _shape_spans(pattern: re.Pattern[bytes], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(shapes.shape(text, shapes.BASE64))]


def _agree(texts: list[str], old: Callable[[str], object], new: Callable[[str], object]) -> int:
    """Asserts both give the same answer on every text; returns on how many the answer was not empty."""
    hits = 0
    for text in texts:
        want = old(text)
        assert new(text) == want, text
        hits += bool(want)
    return hits


def _told_apart(texts: list[str], old: Callable[[str], object], near: Callable[[str], object]) -> bool:
    return any(old(t) != near(t) for t in texts)


_OLD_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/_=-])")
_OLD_BARE_TOKEN = re.compile(r"(?<![A-Za-z0-9+/=_\-~])[A-Za-z0-9+/_\-]{24,512}={0,2}(?![A-Za-z0-9+/=_\-~])")


def test_base64_runs_found_in_the_shape_are_the_patterns_runs():
    texts = _texts(1, 4000, _B64, (14, 15, 16, 17, 31, 32))
    old = partial(_spans, _OLD_BASE64)
    assert _agree(texts, old, partial(_shape_spans, encoded._BASE64)) > 1000
    near = re.compile(b"x" * 15 + rb"(?<!x{16})x*={0,2}(?![x=])")  # one letter short
    assert _told_apart(texts, old, partial(_shape_spans, near))


def test_bare_tokens_found_in_the_shape_are_the_patterns_tokens():
    texts = _texts(2, 3000, _B64, (23, 24, 25, 100, 511, 512, 513))
    old = partial(_spans, _OLD_BARE_TOKEN)
    assert _agree(texts, old, partial(_shape_spans, ds._BARE_TOKEN)) > 1000
    for near in (
        re.compile(b"x" * 24 + rb"(?<![x=~]x{24})x{0,489}={0,2}(?![x=~])"),  # 513 long
        re.compile(b"x" * 24 + rb"(?<![x=]x{24})x{0,488}={0,2}(?![x=~])"),  # `~` before
    ):
        assert _told_apart(texts, old, partial(_shape_spans, near))


def test_runs_at_the_texts_ends_and_around_odd_characters():
    run = "Ab3+/_-z" * 2  # 16
    for text in (run, run + "==", "=" + run, run + "=" * 3, "é" + run + "\u212a", "\ud800" + run, run + "~",
                 "~" + run, run + "?" + run, run + "\u0663" + run, run[:-1] + "\U0001f600" + run):
        assert _shape_spans(encoded._BASE64, text) == _spans(_OLD_BASE64, text), text
        token = text.replace(run, run + run[:9])  # 25
        assert _shape_spans(ds._BARE_TOKEN, token) == _spans(_OLD_BARE_TOKEN, token), token
    assert _shape_spans(encoded._BASE64, run) == [(0, 16)]


def test_sixteen_hex_digits_found_in_the_shape_as_the_pattern_finds_them():
    texts = _texts(3, 4000, string.hexdigits, (15, 16, 17))
    pattern = re.compile(r"[0-9a-fA-F]{16}")

    def old(t: str) -> bool:
        return pattern.search(t) is not None

    hits = _agree(texts, old, lambda t: encoded._HEX16 in shapes.shape(t, shapes.HEX))
    assert 500 < hits < 3500
    assert _told_apart(texts, old, lambda t: b"x" * 15 in shapes.shape(t, shapes.HEX))


def test_a_shape_keeps_one_byte_a_character_and_refuses_an_ambiguous_class():
    text = "a\ud800\U0001f600é=~?x"
    assert shapes.shape(text, shapes.BASE64) == b"x   =~ x"
    assert len(shapes.shape("\u212a" * 5, shapes.HEX)) == 5
    with pytest.raises(ValueError):
        shapes.table({"a?": b"x"})  # `?` also stands for every character past Latin-1
    with pytest.raises(ValueError):
        shapes.table({"\u212a": b"k"})


_OLD_BODY_LINE = re.compile(r"[A-Za-z0-9+/]{64}[ \t]*\r?\n")


def _has_body_line(text: str) -> bool:
    return spelled._BODY_LINE_REVERSED.search(text[::-1]) is not None


def test_a_pem_body_line_is_found_in_the_reversed_text_where_the_pattern_finds_one():
    rnd = random.Random(4)
    alphabet = string.ascii_letters + string.digits + "+/"
    texts = []
    for _ in range(3000):
        parts = []
        for _ in range(rnd.randrange(1, 5)):
            parts.append("".join(rnd.choice(alphabet) for _ in range(rnd.choice((1, 30, 63, 64, 65, 130)))))
            # What may stand between a line's characters and its break, and what may not (`\r` alone,
            # `\r\r\n`, an escaped `\n`, a character past Latin-1, `=` padding).
            parts.append(rnd.choice(["\n", "\r\n", " \n", "\t \r\n", "\r", "\r\r\n", "\\n", " ", "=\n",
                                     "\u212a\n", "\n\n", " \t \n", "\ud800\n", ""]))
        texts.append("".join(parts))
    hits = _agree(texts, lambda t: _OLD_BODY_LINE.search(t) is not None, _has_body_line)
    assert 300 < hits < 2700
    near = re.compile(r"\n\r?[A-Za-z0-9+/]{64}")  # no spaces before the break
    assert _told_apart(texts, lambda t: _OLD_BODY_LINE.search(t) is not None,
                       lambda t: near.search(t[::-1]) is not None)
    line = "A" * 64
    for text, held in ((line + "\n", True), ("\n" + line, False), (line + " \t\r\n", True),
                       (line[1:] + "\n", False), ("é" + line + "\r\n", True), (line + "\r", False),
                       (line + "\r \n", False)):
        assert _has_body_line(text) is held is (_OLD_BODY_LINE.search(text) is not None), text


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


_WORDY = [" ", "\n", "\\n", "\\t", ".", "/", "-", "_", "x", "9", "é", "\u212a", "\u017f", "\u0130", "\ud800",
          ":", "=", '"', "'", "\t", "\r\n"]
_OLD_PROSE_NAME = re.compile(
    r"\b(password|passwd|passphrase|passcode|pass ?word|pin code|secret|token|api[ _\-]?key|access[ _\-]?key|"
    r"secret[ _\-]?key|private[ _\-]?key|license[ _\-]?key|key|credentials?)\b"
)
_OLD_HTTP_CLIENT = re.compile(r"(?:(?<![\w./\-])|(?<=\\[nrt]))(curl|wget|https?|xh|xhs|httpie)(?=[ \t])")
_NAME_VALUE_TAIL = (
    r"(?<![\w\-])(?:name|key|parameterkey|parameter_key)(\\?[\"']?)[ \t]*[:=][ \t]*(\\?[\"']?)"
    r"([A-Za-z_/][\w.\-/:]{1,120})\2[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?[\\\"']{0,2}"
    r"(?:value|parametervalue|parameter_value)[\\\"']{0,2}[ \t]*[:=][ \t]*"
)
_OLD_NAME_VALUE = re.compile("(?i)" + _NAME_VALUE_TAIL)


@pytest.mark.parametrize(
    ("old", "new", "near", "pieces", "lower"),
    [
        (_OLD_PROSE_NAME, prose._NAME, r"(?=[aklpst])" + _OLD_PROSE_NAME.pattern,
         ["password", "pass word", "pin code", "secret key", "secret_key", "api-key", "access key",
          "private key", "license key", "key", "credentials", "token", "keyboard", "passport"], True),
        (_OLD_HTTP_CLIENT, commands._HTTP_CLIENT, r"(?=[chw])" + _OLD_HTTP_CLIENT.pattern,
         ["curl ", "wget\t", "http ", "https ", "xh ", "xhs ", "httpie ", "curly ", "\\ncurl ", "./curl "],
         False),
        # The Kelvin sign folds to `k` under `(?i)`, in the names as in the lookahead's class.
        (_OLD_NAME_VALUE, assignments._NAME_VALUE, "(?i)(?=[kn])" + _NAME_VALUE_TAIL,
         ["name: API_TOKEN\n  value: ", '{"Name": "db_password", "Value": "', "\u212aey=SECRET_KEY value=",
          "ParameterKey: DbPass\r\n ParameterValue: ", "parameter_key='x_key' ,parameter_value:", "KEY: "],
         False),
    ],
    ids=["prose-name", "http-client", "name-value"],
)
def test_a_lookahead_on_the_first_letters_changes_no_match(old, new, near, pieces, lower):
    texts = glued(5, 4000, pieces, _WORDY)
    if lower:
        texts = [t.lower() for t in texts]
    assert _agree(texts, partial(_matches, old), partial(_matches, new)) > 300
    assert _told_apart(texts, partial(_matches, old), partial(_matches, re.compile(near)))


_OLD_IBAN = re.compile(r"[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])")
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,24}"
_OLD_EMAIL_PIECE = re.compile(r"(?<=[A-Za-z0-9._%+\-])@" + _DOMAIN)


def test_an_iban_and_an_address_led_by_what_re_skips_to_match_as_before():
    # Digits past ASCII (Arabic-Indic, fullwidth) are `\d` too.
    pieces = ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "AB12", "\u0663\u0664",
              "FR14 2004 1010 0505 0001 3M02 606", "X\uff13"]
    ibans = glued(6, 4000, pieces, [" ", "", "a", "Z", "7", "\n", "-"])
    assert _agree(ibans, partial(_matches, _OLD_IBAN), partial(_matches, pii._IBAN)) > 1000
    assert _told_apart(ibans, partial(_matches, _OLD_IBAN), partial(_matches, re.compile(r"[A-Z][A-Z]\d\d")))
    pieces = ["jo.doe@mail.example.org", "@host.io", "a@b.cd", "x%y+z@sub-1.a.b.museum", "@-bad.com",
              "%@b.io"]
    mails = glued(7, 4000, pieces, [" ", "", "<", "é", "\u212a", ".", "_", "@", "\n", "-"])
    assert _agree(mails, partial(_matches, _OLD_EMAIL_PIECE), partial(_matches, pii._EMAIL_PIECE)) > 1000
    near = re.compile(r"@(?<=[A-Za-z0-9._%+]@)" + _DOMAIN)  # no `-` before the `@`
    assert _told_apart(mails, partial(_matches, _OLD_EMAIL_PIECE), partial(_matches, near))


_INVISIBLE = (
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


@pytest.mark.parametrize(
    ("old", "new", "chars"),
    [
        ("[\x00-\x07\x0e-\x1a\x1c-\x1f\x7f-\x9f]+", views._CONTROL,
         "\x00\x07\x08\x0e\x1a\x1b\x1f\x7f\x9f\xa0"),
        ("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+", views._MARKS,
         "\u0300\u0332\u036f\u0370\u1ab0\u1dff\u20d0\ufe2f\ufe30"),
        (_INVISIBLE + "+", views._INVISIBLE, "\u00ad\u200b\u200f\u2060\ufeff\U000e0001\U000e1000\u3164"),
    ],
    ids=["control", "marks", "invisible"],
)
def test_a_run_led_by_its_class_matches_as_the_repeat_did(old, new, chars):
    texts = glued(8, 3000, list(chars), ["a", " ", "\n", "é", "", "\U0001f600"])
    assert _agree(texts, partial(_matches, re.compile(old)), partial(_matches, new)) > 1000
    assert _told_apart(texts, partial(_matches, re.compile(old)), partial(_matches, re.compile(old[:-1])))


def _gated(gate: Callable[[str], bool], pattern: re.Pattern[str], text: str) -> list:
    return _matches(pattern, text) if gate(text) else []


def test_base32_runs_are_looked_for_only_where_16_of_its_characters_stand_in_a_row():
    texts = _texts(9, 4000, string.ascii_uppercase + "234567", (14, 15, 16, 17, 24))
    texts = [t + rnd for t, rnd in zip(texts, ["", "a", "=" * 6, "1", "\u212a"] * 800)]
    gate = encoded._may_hold_base32
    assert _agree(texts, partial(_matches, encoded._BASE32), partial(_gated, gate, encoded._BASE32)) > 1000
    assert not all(map(gate, texts))


def test_discords_pattern_is_run_only_where_its_dotted_piece_stands():
    (pattern,) = next(p for n, p in ds._plugins()[0] if n == "DiscordBotTokenDetector").denylist
    assert pattern.pattern == r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}"
    piece = ds._PIECES["DiscordBotTokenDetector"]
    rnd = random.Random(10)
    alphabet = string.ascii_letters + string.digits + "_-" + "\u0663\uff13"  # `\d` holds digits past ASCII
    texts = []
    for _ in range(3000):
        # A token's three parts, each at its length or one off, led by a capital or not.
        lengths = [n + rnd.choice((-1, 0, 0, 0, 1)) for n in (24, 6, 27)]
        parts = ["".join(rnd.choice(alphabet) for _ in range(n)) for n in lengths]
        token = rnd.choice("MNOx") + ".".join(parts)
        texts.append(rnd.choice(["", " ", "a", ".", "é"]) + token + rnd.choice(["", " ", "b", ".", "-"]))

    def gate(t: str) -> bool:
        return piece.search(t) is not None

    assert _agree(texts, partial(_matches, pattern), partial(_gated, gate, pattern)) > 100
    assert not all(map(gate, texts))


def test_every_name_the_assignments_rule_reads_holds_a_stem_its_gate_looks_for():
    from tracetui.redact.rules.judge import _KEYWORD

    for branch in _KEYWORD.pattern.split("|"):
        assert any(stem in branch.replace("\\", "") for stem in assignments._STEMS), branch
    rnd = random.Random(21)
    samples = [m for _ in range(200) for m in matches(_KEYWORD, rnd, 3)]
    assert samples and all(any(stem in m for stem in assignments._STEMS) for m in samples)
    assert assignments._ANY_STEM.lowered is not None  # each stem is a gate word: one set test


def test_every_keyword_of_the_plugin_holds_a_stem_the_substring_tests_look_for():
    from detect_secrets.plugins.keyword import DENYLIST

    for word in DENYLIST:
        spellings = {word.replace("_?", "_"), word.replace("_?", "")}
        assert all(any(stem in w for stem in ds._KEYWORD_STEMS) for w in spellings), word
    pattern = ds.keyword_words()
    words = [*DENYLIST, "api_key", "db_pass", "contraseña", "ke", "pas"]
    texts = [t.lower() for t in glued(11, 3000, words, [" ", "_", "x", "\n", "?"])]

    def gate(t: str) -> bool:
        return any(map(t.__contains__, ds._KEYWORD_STEMS))

    assert _agree(texts, partial(_matches, pattern), partial(_gated, gate, pattern)) > 1000
    assert not all(map(gate, texts))


def _old_literals_pattern(literals: list[str], folded: bool) -> re.Pattern[str]:
    literals = sorted(literals, key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(v) for v in literals) + r")(?![A-Za-z0-9])",
                      re.IGNORECASE if folded else 0)


def test_an_identity_literal_led_by_its_first_character_matches_as_before():
    # Characters that case-fold oddly under `re.I` (`ſ` is an `s`, the Kelvin sign a `k`, final sigma a
    # sigma, `İ` lowers to `i`), and ones a class must escape.
    odd = "ſs\u212akKσςΣİiıßẞ-]^\\[&~|. éÉ"
    rnd = random.Random(12)
    for _ in range(300):
        literals = ["".join(rnd.choice(odd + "abc") for _ in range(rnd.randrange(3, 6))) for _ in range(3)]
        pieces = literals + [v.upper() for v in literals]
        texts = glued(rnd.randrange(10**6), 20, pieces, list(odd) + ["a", "1"])
        for folded in (True, False):
            old, new = _old_literals_pattern(literals, folded), identity._literals_pattern(literals, folded)
            for text in texts:
                assert _matches(new, text) == _matches(old, text), (literals, folded, text)


def _plugin_tokens(rnd: random.Random) -> list[str]:
    """Made-up values in the shapes of the plugins whose needles the format rules' pass answers for."""
    upper, hexd = string.ascii_uppercase + "234567", "0123456789abcdef"
    body = string.ascii_letters + string.digits

    def r(alphabet: str, n: int) -> str:
        return "".join(rnd.choice(alphabet) for _ in range(n))

    return [
        "AKIA" + r(upper, 16), "ASIA" + r(upper, 16), "AC" + r(hexd, 32), "SK" + r(hexd, 32),
        "glpat-" + r(body, 20), "SG." + r(body, 22) + "." + r(body, 43),
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0." + r(body, 43), "sk-" + r(body, 20) + "T3BlbkFJ" + r(body, 20),
        'aws_secret_access_key = "' + r(body, 40) + '"', "AKC" + r(body, 10), "AP" + r(body, 10),
    ]


def test_plugins_turned_away_by_the_rules_needles_find_nothing_there():
    from tracetui.redact.detect import _lower_aligned

    rnd = random.Random(13)
    texts = glued(14, 1500, _plugin_tokens(rnd), [" ", "\n", "=", '"', "İ", "\u212a", "x", "_"])
    found = 0
    for text in texts:
        lowered = _lower_aligned(text)
        alone = list(ds.regex_plugin_findings(text))
        assert list(ds.regex_plugin_findings(text, lowered)) == alone, text
        found += bool(alone)
    assert found > 500
    assert len(ds._LOWERED_NEEDLES) >= 5
    # Asked of the text as written, the rules' lower-case needles miss `AKIA…`: the texts tell that apart.
    assert any(list(ds.regex_plugin_findings(t, t)) != list(ds.regex_plugin_findings(t)) for t in texts)


def test_the_needles_last_answer_is_given_again_only_for_the_same_text():
    from tracetui.redact.needles import Needles

    mine = Needles(["ab", "cd"])
    text = "xx ab " * 3
    assert mine.present(text) == {"ab"}
    assert mine.present(text) is mine.present(text)
    assert mine.present("".join(["xx cd "] * 3)) == {"cd"}
    assert mine.present(text[:]) == {"ab"} and mine.present("x" + text[1:]) == {"ab"}


def test_the_control_characters_shape_holds_exactly_the_patterns_class():
    old = re.compile("[\x00-\x07\x0e-\x1a\x1c-\x1f\x7f-\x9f]+")
    assert all((views._CONTROL_SHAPE[i] == ord("c")) is bool(old.fullmatch(chr(i))) for i in range(256))
    texts = glued(15, 3000, [chr(i) for i in range(0x100)] + ["\u212a", "\ud800", "\u2028", "\x85?"],
                   ["a", " ", "\n", "\t", "\x1b", "\x08", "é", ""])
    hits = _agree(texts, lambda t: old.search(t) is not None, views._has_control)
    assert 100 < hits < 2900


def test_an_iban_is_looked_for_only_where_two_capitals_and_two_digits_stand():
    # `\d` matches a digit past ASCII; none of Latin-1's but ASCII's, so a shape gives `?` the digit's letter.
    assert [c for c in map(chr, range(256)) if re.fullmatch(r"\d", c)] == list(string.digits)
    pieces = ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "AB\u0663\u0664 1234 5678 9012",
              "FR\uff11\uff14 2004 1010 0505 0001", "GB8", "B82W", "ab12", "?", "\U0001d7e2"]
    texts = glued(16, 3000, pieces, [" ", "", "Z", "7", "\n", "-", "é"])

    assert _agree(texts, partial(_matches, pii._IBAN), partial(_gated, pii._may_hold_iban, pii._IBAN)) > 500
    assert not all(map(pii._may_hold_iban, texts))
    # Without a digit's letter for characters past Latin-1, the gate would turn away `AB٣٤…`.
    narrow = shapes.table({string.ascii_uppercase: b"A", string.digits: b"9"})

    def narrow_gate(text: str) -> bool:
        return b"AA99" in shapes.shape(text, narrow)

    assert _told_apart(texts, partial(_matches, pii._IBAN), partial(_gated, narrow_gate, pii._IBAN))


def test_a_card_number_is_looked_for_only_where_13_digits_stand_grouped():
    pieces = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "4111111111111",
              "411111111111", "\u0664\u0661\u0661\u0661 1111 1111 1111", "4111\uff11111 1111 1111",
              "1.5", "12--34", "?"]
    texts = glued(17, 3000, pieces, [" ", "", "-", ".", "x", "\n", "?"])
    assert _agree(texts, partial(_matches, pii._CARD), partial(_gated, pii._may_hold_card, pii._CARD)) > 500
    assert not all(map(pii._may_hold_card, texts))
    narrow = shapes.table({string.digits: b"9", " ": b" ", "-": b"-"})  # `?` for a digit past Latin-1

    def narrow_gate(text: str) -> bool:
        return pii._CARD_START.search(shapes.shape(text, narrow)) is not None

    assert _told_apart(texts, partial(_matches, pii._CARD), partial(_gated, narrow_gate, pii._CARD))


def _templated(seed: int, count: int, slots: list[list[str]], odd: list[str]) -> list[str]:
    """Texts of the slots' pieces in order (a slot's first piece more often than the others), each slot's
    piece left out, doubled or made odd now and then, two to a text with what stands between them."""
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rnd.randrange(1, 3)):
            for slot in slots:
                roll = rnd.random()
                piece = rnd.choice(slot[:1] * len(slot) + slot)
                piece = piece if roll < 0.94 else "" if roll < 0.97 else rnd.choice(odd)
                parts.append(piece * (2 if rnd.random() < 0.05 else 1))
            parts.append(rnd.choice([" ", "\n", "", "x", "'"]))
        out.append("".join(parts))
    return out


def test_a_url_password_is_looked_for_only_where_a_user_and_password_follow_a_scheme():
    # A scheme of up to 21 characters, a user of up to 128, a password of up to 256: at and past each bound.
    slots = [[" ", "", "(", "x"], ["https", "postgres", "redis+tls", "s3.x", "a" * 22, "é"],
             ["://", ":/", "//"], ["user", "u.se-r", "", "a" * 128, "a" * 129, "\u212a"], [":", "", "/"],
             ["p4ss", "s3cr3t!", "b" * 256, "b" * 257, "\u017f", '"'], ["@", "", "@@"],
             ["host", "", "/", " ", "<"]]
    texts = _templated(11, 4000, slots, _ODD)

    def gate(t: str) -> bool:
        return "://" in t and headers._URL_USERINFO.search(t) is not None

    hits = _agree(texts, partial(_matches, headers._URL_PASSWORD),
                  partial(_gated, gate, headers._URL_PASSWORD))
    assert 300 < hits < 3500
    assert not all(map(gate, texts))
    near = re.compile(r"://[^\s:/@\"'<>]{1,128}:[^\s@/\"'<>]{1,256}@")  # a user's name required

    def near_gate(t: str) -> bool:
        return near.search(t) is not None

    assert _told_apart(texts, partial(_matches, headers._URL_PASSWORD),
                       partial(_gated, near_gate, headers._URL_PASSWORD))


def test_a_name_and_value_pair_is_looked_for_only_where_a_value_is_set():
    # The Kelvin sign is a `k` to `(?i)`, the long s an `s`: the lowered text keeps each one's place.
    slots = [[" ", "", "{", "-"],
             ["name", "Name", "key", "\u212aey", "ParameterKey", "parameter_key", "names"],
             ['"', "\\\"", "", "'"], [":", "=", " : ", ""], ['"', "", "'"],
             ["API_TOKEN", "db/pass", "x", "/a.b"], ['"', "", "'"], [",", "", " , "],
             ["\n", "\r\n", "", "\n  "], ['"', "\\\"", ""],
             ["value", "VALUE", "Value", "ParameterValue", "parameter_value", "valu", "\u017fecret"],
             ['"', "", "'\""], [":", "=", "", " ="], [" ", "", '"']]
    texts = _templated(12, 4000, slots, _ODD)

    def gate(t: str) -> bool:
        return assignments._VALUE_SET.search(_lower_aligned(t)) is not None

    hits = _agree(texts, partial(_matches, assignments._NAME_VALUE),
                  partial(_gated, gate, assignments._NAME_VALUE))
    assert 300 < hits < 3500
    assert not all(map(gate, texts))
    near = re.compile(r"value[ \t]*[:=]")  # no closing quote after the word

    def near_gate(t: str) -> bool:
        return near.search(_lower_aligned(t)) is not None

    assert _told_apart(texts, partial(_matches, assignments._NAME_VALUE),
                       partial(_gated, near_gate, assignments._NAME_VALUE))


def test_an_http_client_is_looked_for_only_where_its_word_and_a_blank_stand():
    slots = [[" ", "", "\\n", "x", "/", "\\t", "-"],
             ["curl", "wget", "http", "https", "xh", "xhs", "httpie", "Curl", "htt", "httpi"],
             [" ", "\t", "", ":", "s "], ["-u user:pass https://h.example", "", "x"]]
    texts = _templated(13, 4000, slots, _ODD)

    def gate(t: str) -> bool:
        return commands._CLIENT_WORD.search(t) is not None

    hits = _agree(texts, partial(_matches, commands._HTTP_CLIENT),
                  partial(_gated, gate, commands._HTTP_CLIENT))
    assert 500 < hits < 3500
    assert not all(map(gate, texts))
    near = re.compile(r"(?:curl|wget|https?|xhs?|httpie) ")  # a tab not counted

    def near_gate(t: str) -> bool:
        return near.search(t) is not None

    assert _told_apart(texts, partial(_matches, commands._HTTP_CLIENT),
                       partial(_gated, near_gate, commands._HTTP_CLIENT))
