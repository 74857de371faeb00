"""Hard negatives by class, second round: the kinds of negative gitleaks' own allowlists rule out
(names that say what a value is, masked values, stand-in words, fill-in slots, empty key blocks),
tested on values made up here. Beside each negative, a real-shaped value of the same kind is still
found; and the bench's README scoring is checked on made-up rows.
"""

from __future__ import annotations

import base64
import random
import string
import time

import pytest

from tracetui.redact import AUTO, scan_text
from support.evaluate import Row, score_row
from tracetui.redact.finding import Finding


def _r(n: int, alphabet: str = string.ascii_letters + string.digits, seed: int = 11) -> str:
    rng = random.Random(seed * 1000 + n)
    return "".join(rng.choice(alphabet) for _ in range(n))


def touching(text: str, value: str) -> list[Finding]:
    i = text.index(value)
    return [f for f in scan_text(text) if f.start < i + len(value) and i < f.end]


def tiers(text: str, value: str) -> set[str]:
    i = text.index(value)
    return {f.tier for f in scan_text(text) if f.start <= i and i + len(value) <= f.end}


# --- a name that says what the value is, and it is not the credential ----------------------------

VALUE = "Wq8" + _r(29)


@pytest.mark.parametrize(
    "name",
    [
        "TOKEN_URL",
        "key_name",
        "LLM_SECRET_NAME",
        "password_length",
        "public_key",
        "primaryKey",
        "foreign_key",
        "csrf_token",
        "authenticity_token",
        "TokenFile",
        "secretPath",
        "auth_endpoint",
        "key_down_event",
    ],
)
def test_a_name_that_says_the_value_is_not_the_credential(name):
    for text in (f'{name} = "{VALUE}"', f"{name}: {VALUE}", f'"{name}": "{VALUE}"'):
        assert touching(text, VALUE) == [], text


@pytest.mark.parametrize(
    "name", ["API_TOKEN", "client_secret", "secretKey", "private_key", "authToken", "db_password"]
)
def test_a_credential_name_still_finds_the_value(name):
    assert tiers(f'{name} = "{VALUE}"', VALUE) == {AUTO}


def test_an_id_name_with_a_uuid_is_which_credential_whatever_its_case():
    uuid = "5d0c6a1e-8f3b-4c2d-9e7a-1b2c3d4e5f60"
    assert touching(f"jobCredentialsId: '{uuid}'", uuid) == []
    assert touching(f'userSecretsId = "{uuid}"', uuid) == []
    assert tiers(f"apiToken: '{uuid}'", uuid)  # a UUID under a token's name is still a credential


# --- masked values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ('password: "Pa55####w0rd"', "Pa55####w0rd"),
        ('API_SECRET="ab12########cd34"', "ab12########cd34"),
        ('secret = "9f3cX7e2••••••••a1b2"', "9f3cX7e2••••••••a1b2"),
        ('"token": "xoxp-482910375612-903847561203-118273645509-####################"', "xoxp-482910375612"),
    ],
)
def test_a_masked_value_is_not_raised(text, value):
    assert touching(text, value) == []


def test_an_unmasked_value_with_a_symbol_is_still_found():
    assert tiers('password: "Pa55#w0rd!x"', "Pa55#w0rd!x") == {AUTO}


# --- stand-in words after a vendor's prefix -----------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "sha256~XXXXXXXX_PASTE_YOUR_TOKEN_HERE_XXXXXXXXXXXX",
        "xoxb-1-MyBotTokenGoesHere",
        "xoxe.xoxp-1-ACCESSTOKENHERE",
    ],
)
def test_a_vendor_prefix_on_stand_in_words_is_not_raised(value):
    assert touching(f"oc login --token={value}", value) == []


def test_a_generated_body_after_the_same_prefix_is_found():
    value = "sha256~" + _r(43)
    assert tiers(f"oc login --token={value}", value) == {AUTO}


def test_a_word_like_here_inside_a_passphrase_is_not_a_stand_in():
    assert tiers('password = "nowhere-to-hide-42"', "nowhere-to-hide-42")


# --- slots a program fills in -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        (
            'curl -H "Authorization: Basic {base64(user:password)}" https://api.test',
            "{base64(user:password)}",
        ),
        ('password = "%(db_password)s"', "%(db_password)s"),
        ('"Authorization": "Bearer {token_for(service_user)}"', "{token_for(service_user)}"),
        ('password = "${{ secrets.DEPLOY_TOKEN }}"', "${{ secrets.DEPLOY_TOKEN }}"),
        ("API_TOKEN=@DB_PASSWORD@", "@DB_PASSWORD@"),
    ],
)
def test_a_fill_in_slot_is_not_a_value(text, value):
    assert touching(text, value) == []


def test_a_real_basic_credential_is_still_found():
    value = "dXNlcjo" + _r(20)
    assert tiers(f'curl -H "Authorization: Basic {value}" https://api.test', value) == {AUTO}


# --- key blocks with no key inside --------------------------------------------------------------


@pytest.mark.parametrize("body", ["\nanything\n", "", "\n...\n", "\n<your key here>\n", "\\nREDACTED\\n"])
def test_a_private_key_block_without_key_material_is_not_raised(body):
    text = f"-----BEGIN PRIVATE KEY-----{body}-----END PRIVATE KEY-----"
    assert scan_text(text) == []


def test_a_private_key_block_with_a_body_is_found_whole():
    text = (
        "-----BEGIN PRIVATE KEY-----\n" + _r(64, string.ascii_letters + "+/") + "\n-----END PRIVATE KEY-----"
    )
    assert tiers(text, text) == {AUTO}


# --- entropy under a name that says what it holds -----------------------------------------------


def test_a_random_value_assigned_to_a_name_without_a_credential_word_is_not_suggested():
    value = _r(64)
    assert touching(f"sumOfExposures = {value};", value) == []
    assert touching(f'"checksumWindow": "{value}"', value) == []


def test_a_random_value_under_a_credential_name_or_with_no_name_is_still_raised():
    value = _r(64)
    assert tiers(f"apiSecret = {value};", value) == {AUTO}
    assert touching(f"the server answered {value} then closed", value)


# --- the bench's README scoring ------------------------------------------------------------------

ADMIN_KEY = "sk-ant-admin01-" + _r(93, string.ascii_letters + string.digits + "-_") + "AA"


def test_a_valid_credential_of_another_kind_is_scored_as_such():
    s = score_row("x", Row("gitleaks", "anthropic-api-key", ADMIN_KEY, False, None))
    assert s.flagged == 1 and s.other_kind == 1 and s.flagged_readme == 0


def test_the_same_kind_stays_a_false_positive_in_both_figures():
    s = score_row("x", Row("gitleaks", "anthropic-admin-api-key", ADMIN_KEY, False, None))
    assert s.flagged == 1 and s.other_kind == 0 and s.flagged_readme == 1


def test_a_generic_finding_counts_as_another_kind_only_when_the_keyword_plugin_agrees():
    value = "Zr4" + _r(37)
    quoted = score_row(
        "x", Row("detect-secrets", "IbmCosHmacDetector", f'"secret_access_key": "{value}"', False, None)
    )
    assert quoted.flagged == 1 and quoted.other_kind == 1
    # The keyword plugin ignores an unquoted `name=value`: no referee, so it stays a false positive.
    bare = score_row(
        "x", Row("detect-secrets", "IbmCosHmacDetector", f"secret_access_key={value}", False, None)
    )
    assert bare.flagged == 1 and bare.other_kind == 0
    # A generic row's own kind is never "another kind".
    same = score_row(
        "x", Row("detect-secrets", "KeywordDetector", f'"secret_access_key": "{value}"', False, None)
    )
    assert same.flagged == 1 and same.other_kind == 0


# --- linear on hostile input --------------------------------------------------------------------

MB = 1_000_000


@pytest.mark.parametrize(
    "text",
    [
        "xoxb-1-" + "#" * MB,
        " ".join(["xoxb-12345-####"] * (MB // 16)),
        "{" * MB,
        "Authorization: Basic {" + "(ab" * (MB // 3),
        "-----BEGIN PRIVATE KEY-----\n" + "!" * MB,
        "-----BEGIN PRIVATE KEY-----\n" * (MB // 28),
        "sha256~" + "ABCHERE_" * (MB // 8),
        "a = " * (MB // 4) + _r(64),
        " ".join(["sumOf = " + _r(40)] * (MB // 50)),
    ],
    ids=[
        "mask-run",
        "masked-tokens",
        "braces",
        "open-slot",
        "pem-junk",
        "pem-headers",
        "stand-in",
        "names",
        "assigned",
    ],
)
def test_a_1mb_adversarial_line_scans_in_linear_time(text):
    t0 = time.process_time()
    scan_text(text)
    assert time.process_time() - t0 < 10.0


# --- filler after a long literal prefix; a format's near-miss; a request's signature -----------


def test_filler_after_a_long_vendor_prefix_is_not_raised():
    value = "GR1348941" + "Z" * 20
    assert touching(f"runner_token: {value}", value) == []
    real = "GR1348941" + _r(20)
    assert tiers(f"runner_token: {real}", real) == {AUTO}


def test_a_token_with_a_vendors_prefix_is_judged_by_that_format_alone():
    value = "AIza" + _r(44) + "x"  # longer than any Google API key: the format rule turns it down
    assert touching(f"found {value} in the bundle", value) == []
    real = "AIza" + _r(35)
    assert tiers(f"found {real} in the bundle", real) == {AUTO}


def test_a_sentry_near_miss_is_judged_by_the_sentry_format_alone():
    value = "sntrys_" + _r(34)  # too short for a Sentry token: not re-raised by the entropy check
    assert touching(f"found {value} here", value) == []
    # An organisation token as Sentry makes one: base64 of its JSON claims, `_`, a 43-character key.
    claims = base64.b64encode(b'{"iat":1700000000,"url":"https://s.acme.test","org":"acme"}').decode()
    real = "sntrys_" + claims + "_" + _r(43)
    assert tiers(f"found {real} here", real) == {AUTO}


def test_a_value_named_as_a_signature_is_not_a_credential():
    value = "Xk3" + _r(40)
    assert touching(f'signature = "{value}"', value) == []
    assert touching(f"X-Request-Sig: {value}", value) == []
    assert tiers(f'signing_key = "{value}"', value) == {AUTO}


# --- round 3: a short unit typed over and over is filler -----------------------------------------


@pytest.mark.parametrize(
    "text,value",
    [
        ("runner_token: GR1348941" + "456" * 7, "GR1348941" + "456" * 7),
        ("GITHUB_TOKEN=ghp_" + "a1b2" * 9, "ghp_" + "a1b2" * 9),
        ("DB_PASSWORD=" + "4f7a" * 5, "4f7a" * 5),
        ("AKIA" + "Z9Y8" * 4, "AKIA" + "Z9Y8" * 4),
        ("sk_live_" + "Ab12" * 6, "sk_live_" + "Ab12" * 6),
    ],
)
def test_a_short_unit_repeated_is_filler(text, value):
    assert touching(text, value) == []


def test_a_generated_value_with_a_repeat_inside_is_still_found():
    real = "GR1348941" + _r(14) + "454545"  # a short repeat inside a random body: not a filler
    assert tiers(f"runner_token: {real}", real) == {AUTO}
    value = _r(24)
    assert tiers(f'api_key = "{value}"', value) == {AUTO}


def test_a_long_repeated_line_scans_in_linear_time():
    t0 = time.process_time()
    scan_text("api_key = " + "ab1" * (MB // 3) + "\npassword: " + "x1y2" * (MB // 4))
    assert time.process_time() - t0 < 10.0
