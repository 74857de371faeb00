"""Hard negatives by class: what makes a placeholder, an id or a near-miss differ from a credential.

Each class is a rule that generalises (filler bodies, stand-in words, the vendor's own shape, a
format's checks), tested on values made up here; beside each negative, a real-shaped value of the
same kind is still found, so no rule buys precision by dropping a true class.
"""

from __future__ import annotations

import base64
import json
import random
import string

import pytest
from support.scan_time import scan_seconds

from tracetui.redact import AUTO, SUGGESTED, scan_text


def _r(n: int, alphabet: str = string.ascii_letters + string.digits, seed: int = 7) -> str:
    rng = random.Random(seed * 1000 + n)
    return "".join(rng.choice(alphabet) for _ in range(n))


def covering(text: str, value: str) -> set[str]:
    i = text.index(value)
    return {f.tier for f in scan_text(text) if f.start <= i and i + len(value) <= f.end}


def touching(text: str, value: str) -> list:
    i = text.index(value)
    return [f for f in scan_text(text) if f.start < i + len(value) and i < f.end]


# --- filler bodies: one character, or runs of one character --------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "xoxp-" + "0" * 11 + "-" + "9" * 11 + "-" + "z" * 30,  # runs of different characters
        "glpat-" + "Y" * 12 + "-" + "Y" * 8,
        "A3-" + "-".join("Q" * n for n in (6, 11, 5, 5, 5)),  # 1Password secret key shape
        "k" * 14 + ".atlasv1." + "k" * 66,  # Terraform Cloud token shape
        "hf_" + "z" * 34,
    ],
)
def test_filler_in_a_vendor_shape_is_not_raised(value):
    assert touching(f"example: {value}\n", value) == []


def test_generated_bodies_of_the_same_shapes_stay_sure():
    for value in (
        "xoxp-" + "40517283946-" + "72819304615-" + _r(30),
        "glpat-" + _r(20, seed=3),
        "hf_" + _r(34, string.ascii_letters),
    ):
        assert covering(f"example: {value}\n", value) == {AUTO}, value


# --- values made of stand-in words -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ('STRIPE_API_KEY: "put-your-key-here"', "put-your-key-here"),
        ("db_password = 'replace_with_real_password'", "replace_with_real_password"),
        ('apiToken: "SampleTokenValue"', "SampleTokenValue"),
        ('"client_secret": "a-fake-client-secret"', "a-fake-client-secret"),
        ("token: value2", "value2"),
        ('secret_key = "foobar"', "foobar"),
    ],
)
def test_stand_in_words_are_not_raised(text, value):
    assert touching(text, value) == []


def test_a_word_inside_a_generated_value_does_not_make_it_a_placeholder():
    value = "Zq3" + "fake" + _r(24, seed=11)
    assert covering(f'api_key = "{value}"', value) == {AUTO}


def test_a_setting_name_where_the_value_goes_is_not_raised():
    # `password: "login_token"`: names around a credential's name, put in the value's place.
    assert touching('password: "login_token"', "login_token") == []
    assert covering('password: "l0gin_t0ken_9QzX"', "l0gin_t0ken_9QzX") != set()


# --- the vendor's own shape under a vendor-named key ------------------------------------------------


def test_telegram_named_key_needs_a_telegram_shaped_token():
    good = "7310592846:A" + _r(34, string.ascii_letters + string.digits + "_-")
    assert covering(f'telegram_bot_token = "{good}"', good) == {AUTO}
    for bad in ("123:A" + _r(34), "7310592846:A" + _r(40), "98765432109876543210:A" + _r(34)):
        assert touching(f'telegram_bot_token = "{bad}"', bad) == [], bad


def test_sumo_named_key_needs_a_sumo_shaped_value():
    key = _r(64)
    assert covering(f"SUMO_ACCESS_KEY={key}", key) == {AUTO}
    assert touching("SUMO_ACCESS_KEY: Qw3rTy9", "Qw3rTy9") == []


# --- near-misses of exact formats, and the entropy fallback -----------------------------------------


def test_anthropic_api_key_of_another_length_is_not_raised():
    good = "sk-ant-api03-" + _r(93, string.ascii_letters + string.digits + "_-") + "AA"
    assert covering(f"key {good}", good) == {AUTO}
    short = "sk-ant-api03-" + _r(60, seed=2) + "AA"
    assert touching(f"key {short}", short) == []
    other = "sk-ant-sid01-" + _r(80, seed=4)  # another credential type keeps its suggestion
    assert covering(f"key {other}", other) == {SUGGESTED}
    oauth = "sk-ant-oat01-" + _r(80, seed=4)  # Claude's OAuth token, a format of its own since round 10
    assert covering(f"key {oauth}", oauth) == {AUTO}


def test_pypi_token_head_without_its_signature_is_not_raised():
    head = "pypi-AgEIcHlwaS5vcmc" + _r(60, seed=5)
    assert touching(f"uploaded with {head} ok", head) == []
    full = "pypi-AgEIcHlwaS5vcmc" + _r(160, seed=6)
    assert covering(f"uploaded with {full} ok", full) == {AUTO}


def test_a_format_prefix_owns_the_dotted_word_it_starts():
    # `SG.<id>..<secret>` is no SendGrid key; its last part is not raised as a bare random string.
    bad = "SG." + _r(22, seed=8) + ".." + _r(43, seed=9)
    assert scan_text(f"sendgrid {bad} end") == []


def test_jwt_without_a_json_header_is_not_raised():
    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    assert scan_text("see eyJQQQQ.eyJRRRR.eyJSSSS here") == []
    typed = "eyJ" + _r(40, seed=12) + "." + b64({"sub": "1"}) + "." + _r(43, seed=13)
    assert scan_text(f"bearer-ish {typed} end") == []


# --- code after a credential's name, ciphertext, identifiers ---------------------------------------


def test_unquoted_expression_in_a_c_statement_is_not_raised():
    assert scan_text("secret_key = k]9{x)Q#2!v(zz;") == []
    # the same symbols as a config value (no statement end) stay a question
    assert covering("secret_key = k]9{x)Q#2!v(zz", "k]9{x)Q#2!v(zz") == {SUGGESTED}


def test_sops_encrypted_values_are_not_raised():
    rng = random.Random(14)

    def b64(n: int) -> str:
        return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(n))).decode()

    for _ in range(5):
        enc = f"ENC[AES256_GCM,data:{b64(12)},iv:{b64(32)},tag:{b64(16)},type:str]"
        assert scan_text(f"stringData:\n    password: {enc}\n") == [], enc


def test_identifier_made_of_words_is_not_a_random_string():
    ident = "mobile-nav_QuickViewJumpBoxDXZSortableKPIGridHeaderV2FlexWrapper"
    assert scan_text(f'<div data-role="{ident}">') == []
    assert scan_text(f"register {ident} now") == []
    token = _r(48, seed=17)
    assert scan_text(f"register {token} now") != []


# --- personal data inside whole-blob encodings ------------------------------------------------------


def _card() -> str:
    body = "5" + "".join(str((i * 7 + 3) % 10) for i in range(14))
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


@pytest.mark.parametrize("encode", ["base64", "hex"])
def test_personal_data_is_found_inside_an_encoded_blob(encode):
    line = f"order 8812 paid with card {_card()} on friday"
    raw = line.encode()
    blob = base64.b64encode(raw).decode() if encode == "base64" else raw.hex()
    text = f"payload: {blob}\n"
    found = touching(text, blob)
    assert [f.kind for f in found] == ["card-number"]
    assert found[0].tier == SUGGESTED and found[0].start <= text.index(blob)
    # a blob of plain words holds no personal data
    calm = b"order 8812 was paid on friday, thanks"
    blob = base64.b64encode(calm).decode() if encode == "base64" else calm.hex()
    assert all(f.kind != "card-number" for f in scan_text(f"payload: {blob}\n"))


# --- ids and URLs ---------------------------------------------------------------------------------


def test_api_ids_written_with_a_hyphen_are_structure():
    for value in ("chatcmpl-" + _r(29, seed=18), "file-" + _r(24, seed=19)):
        assert scan_text(f'{{"id": "{value}", "object": "chat.completion"}}') == [], value


def test_webhook_url_ending_in_filler_is_not_raised():
    filler = "https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24
    assert scan_text(f"SLACK_WEBHOOK={filler}") == []
    real = "https://hooks.slack.com/services/T04QK8M2R/B05HZ3L7N/" + _r(24, seed=20)
    assert covering(f"SLACK_WEBHOOK={real}", real[8:]) != set()


def test_a_vendor_name_counts_only_as_a_word_of_its_own():
    # `sumOfTokens` is no Sumo Logic name: a value of another shape under it is judged as usual.
    value = "Qv7" + _r(21, seed=21)
    assert covering(f'sumOfTokens = "{value}"', value) == {AUTO}


# --- the new judgements stay linear on hostile input ----------------------------------------------

MB = 1_000_000


@pytest.mark.parametrize(
    "text",
    [
        "ENC[AES256_GCM,data:" * (MB // 20),
        "ENC[AES256_GCM,data:" + "A" * MB,
        'password = "' + "insert_your_key_here_" * (MB // 21) + '"',
        "ghp_" + "x" * MB,
        " ".join(["ghp_" + "x" * 36] * (MB // 41)),
        " ".join(["SortableRemoteGridHeader2Xq"] * (MB // 28)),
        "SG." + ".".join(["Ab3"] * (MB // 4)),
        "x = m{x)Q#2!v(z;\n" * (MB // 18),
    ],
    ids=["sops-open", "sops-long", "stand-in", "filler", "fillers", "worded", "dotted", "c-statements"],
)
def test_a_1mb_adversarial_line_scans_in_linear_time(text):
    assert scan_seconds(text) < 10.0  # 0.2-0.6 s on an idle core
