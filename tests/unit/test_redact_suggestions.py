"""Suggestions real sessions raised that are neither secrets nor personal data, by class: digests
under a key's name, and a variable's name where a value goes. Beside each class, the real thing of
the same shape is still raised. Every value is made up here.
"""

from __future__ import annotations

import time

import pytest

from tracetui.redact import SUGGESTED, scan_text


def raised(text: str, value: str) -> list[tuple[str, str]]:
    """(detector, tier) of the findings that touch the first `value` in `text`."""
    i = text.index(value)
    return [(f.detector, f.tier) for f in scan_text(text) if f.start < i + len(value) and i < f.end]


# --- digests and variables where a credential's value goes ---------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ('cache sync.Map // key: "chartName@sha256:xxx" -> value', "chartName@sha256:xxx"),
        ('key = "acme/app@sha256:' + "4f9c0e1d" * 8 + '"', "acme/app@sha256:"),
        ('cache_key: "sha512:' + "a1b2c3d4e5f6" * 4 + '"', "sha512:"),
        ('auth_key = "md5:0c9e175b9c0f1b6a831c399e26977266"', "md5:0c9e"),
    ],
)
def test_a_digest_under_a_keys_name_is_not_a_credential(text, value):
    assert raised(text, value) == []


def test_a_random_value_under_a_keys_name_is_still_found():
    text = 'key: "Wq8Zx9Kq2Lm7Np4Rt8Vw1Yz5Ab"'
    assert raised(text, "Wq8Zx9Kq2Lm7Np4Rt8Vw1Yz5Ab") != []


GO = (
    '   41→\tif dbPass2 := os.Getenv("DB_PASSWORD"); dbPass2 != "" {\n'
    "   42→\t\tcfg.DB.Password = dbPass2\n"
    "   43→\t}\n"
)


def test_a_variable_the_text_assigns_is_not_a_value():
    assert raised(GO, "cfg.DB.Password = dbPass2") == []


@pytest.mark.parametrize(
    "text",
    [
        "cfg.DB.Password = dbPass2\n",  # nothing says dbPass2 is a variable
        "DB_PASSWORD = dbPass2\nlogin with dbPass2 then",  # the same word, never assigned
        "password = Xk7pLm2Qz9\nif Xk7pLm2Qz9Old == x {",  # another, longer name is assigned
    ],
)
def test_a_value_no_code_assigns_is_still_raised(text):
    value = text.split("= ", 1)[1].split("\n", 1)[0]
    assert raised(text, value) != []


@pytest.mark.parametrize(
    "text",
    [
        "".join(f"password = v{i:06d}Ab\n" for i in range(50_000)),  # a variable-like value on every line
        "vAb1 := x\n" + "password = vAb1\n" * 60_000,
    ],
    ids=["variables", "one-variable-assigned"],
)
def test_the_new_judgements_scan_a_megabyte_in_linear_time(text):
    start = time.process_time()
    scan_text(text)
    assert time.process_time() - start < 6.0
