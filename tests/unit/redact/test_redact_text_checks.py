"""The small judgements of `redact.text_checks` give the same answers by their shortcuts and caches as
by their definitions, and a text of many named values scans in linear time.

Every value here is generated or made up for these tests.
"""

from __future__ import annotations

import random
import re
import string
from collections import Counter

import pytest

from tracetui.redact import text_checks
from tracetui.redact.rules import id_of_a_credential, prefix_on_counting, wrong_vendor_length

_FILLER_RUN = re.compile(r"([a-z0-9])\1{3,}")
_SHORT_PERIOD = re.compile(r"([a-z0-9]{2,4}?)\1{3,}")
_MASK_RUN = re.compile(r"[*#•●]{4,}")


def filler_by_definition(value: str) -> bool:
    """`is_filler` as its docstring defines it, with no shortcut."""
    if _MASK_RUN.search(value):
        return True
    chars = "".join(c for c in value.lower() if c.isalnum())
    if len(chars) < 8:
        return False
    n = len(chars)
    if Counter(chars).most_common(1)[0][1] >= 0.7 * n:
        return True
    if sum(len(m.group(0)) for m in _FILLER_RUN.finditer(chars)) >= 0.7 * n:
        return True
    return sum(len(m.group(0)) for m in _SHORT_PERIOD.finditer(chars)) >= 0.7 * n


def _values(seed: int, count: int) -> list[str]:
    """Random values, and values built to sit at the edges of each filler test: runs, short units
    repeated, one character most of the way, with noise around them, in mixed case and with symbols."""
    rnd = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_.:/+="
    out = []
    for _ in range(count):
        shape = rnd.randrange(5)
        if shape == 0:
            v = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(4, 60)))
        elif shape == 1:
            v = "".join(rnd.choice("ab1") for _ in range(rnd.randrange(6, 40)))
        elif shape == 2:
            unit = "".join(rnd.choice(string.ascii_lowercase + string.digits) for _ in range(rnd.randint(1, 4)))
            noise = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 12)))
            v = rnd.choice(["ghp_", "AKIA", "", "xoxb-"]) + unit * rnd.randint(2, 12) + noise
        elif shape == 3:
            pieces = [rnd.choice(string.ascii_letters) * rnd.randint(1, 6) for _ in range(rnd.randint(2, 8))]
            v = rnd.choice(["", "-", "_"]).join(pieces)
        else:
            v = "".join(rnd.choice("Xx0-") for _ in range(rnd.randrange(6, 30)))
        out.append(v)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_is_filler_agrees_with_its_definition(seed):
    values = _values(seed, 4000)
    fillers = [v for v in values if filler_by_definition(v)]
    assert len(fillers) > 400 and len(values) - len(fillers) > 400  # both answers are tried, often
    for v in values:
        assert text_checks.is_filler(v) == filler_by_definition(v), v


def test_cached_entropy_is_the_entropy():
    rnd = random.Random(7)
    for _ in range(3000):
        v = "".join(rnd.choice("abcdef0123") for _ in range(rnd.randrange(0, 40)))
        n = len(v)
        expected = -sum(c / n * __import__("math").log2(c / n) for c in Counter(v).values()) if v else 0.0
        assert text_checks.entropy(v) == expected


@pytest.mark.parametrize(
    "name, value, vendor, credential_id, counting",
    [
        ("IBM_CLOUD_API_KEY", "x" * 44, False, False, False),
        ("IBM_CLOUD_API_KEY", "x" * 40, True, False, False),
        ("telegram_token", "123456:A" + "b" * 34, False, False, False),
        ("telegram_token", "12345", True, False, False),
        ("jobCredentialsId", "0f8fad5b-d9cb-469f-a165-70867728950e", False, True, False),
        ("jobCredentials", "0f8fad5b-d9cb-469f-a165-70867728950e", False, False, False),
        ("slack_token", "xoxp-1234567890", False, False, True),
        ("db_password", "xoxp-1234567890", False, False, False),
    ],
)
def test_name_answers_cached_per_name_still_judge_each_value(name, value, vendor, credential_id, counting):
    # The same name asked twice, with another value between: the cache holds the name's answer only.
    for _ in range(2):
        assert wrong_vendor_length(name, value) is vendor
        assert id_of_a_credential(name, value) is credential_id
        assert prefix_on_counting(name, value) is counting
        wrong_vendor_length(name, "y" * 44 if vendor else "z")


# --- the user's own names, found whatever case or script, after a substring test ----------------------


def _identity_spans(text, **groups):
    from tracetui.redact.detect import _lower_aligned
    from tracetui.redact.identity import Identity, identity_findings

    ident = Identity(**{k: set(v) for k, v in groups.items()})
    return [(text[f.start:f.end], f.kind) for f in identity_findings(text, _lower_aligned(text), ident)]


def test_a_host_name_is_found_in_any_case():
    assert _identity_spans("ssh JDOE-LAPTOP.local", host_names={"jdoe-laptop"}) == [("JDOE-LAPTOP", "host-name")]


def test_an_email_with_a_letter_that_folds_to_ascii_is_still_found_in_ascii_text():
    # `re.I` matches `İ` (U+0130) with `i`, though `'İ'.lower()` is two characters: no substring test
    # may rule such a literal out.
    assert _identity_spans("mail ilker@corp.io now", emails={"İlker@corp.io"}) == [("ilker@corp.io", "email")]
    assert _identity_spans("kelvin@corp.io", emails={"\u212aelvin@corp.io"}) == [("kelvin@corp.io", "email")]


def test_user_names_and_env_values_are_found_only_as_written():
    spans = _identity_spans("home of jdoe, key Zq8vN2 and zq8vn2", user_names={"jdoe"}, values={"Zq8vN2"})
    assert spans == [("jdoe", "user-name"), ("Zq8vN2", "env-value")]


def test_literals_the_text_lacks_find_nothing_and_the_rest_still_do():
    spans = _identity_spans(
        "deploy by mallory@evil.example from box7",
        user_names={"alice"},
        host_names={"box7", "otherbox"},
        emails={"alice@corp.io", "MALLORY@evil.example"},
        values={"s3cr3tvalue"},
    )
    assert sorted(spans) == [("box7", "host-name"), ("mallory@evil.example", "email")]
