"""Tiers at the edges of a format: an exact vendor format is sure; a string the vendor never issues
(filler body, wrong length, altered marker, a JWT without a JSON header, a name that says "fake") is
nothing, and so is a reference; a token cut short after a good start is a suggestion.

Every value here is made up for these tests; none is taken from the labelled sets.
"""

from __future__ import annotations

import base64
import json

import pytest
from support.param_ids import short
from support.scan_time import scan_seconds

from tracetui.redact import AUTO, SUGGESTED, scan_text


def tiers(text: str, value: str) -> set[str]:
    """Tiers of the findings that cover all of `value` (exact span or wider)."""
    i = text.index(value)
    return {f.tier for f in scan_text(text) if f.start <= i and i + len(value) <= f.end}


def b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


# --- vendor formats with filler bodies: placeholders, not raised -----------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "AKIA" + "Q" * 16,  # AWS access key id, one letter repeated
        "ASIA" + "0" * 16,
        "ghp_" + "x" * 36,
        "glpat-" + "X" * 20,
        "npm_" + "0" * 36,
        "AKC" + "y" * 12,  # Artifactory API key
        "AP7" + "x" * 12,  # Artifactory password
        "xoxb-" + "1" * 10 + "-" + "2" * 12 + "-" + "a" * 24,
    ],
)
def test_vendor_format_with_filler_body_is_not_raised(value):
    text = f"config: {value}\n"
    assert scan_text(text) == []


@pytest.mark.parametrize(
    "text",
    [
        'GITHUB_TOKEN="${GITHUB_TOKEN}"',
        "token: {{ secrets.NPM_TOKEN }}",
        "//registry.example.org/:_authToken=${NPM_AUTH}",
        'password = os.environ["DB_PASSWORD"]',
    ],
)
def test_references_give_nothing(text):
    assert scan_text(text) == []


def test_real_looking_vendor_formats_stay_sure():
    for value in ("AKIA" + "Q7NE24RDXQRG4R4S", "AP6" + "kR3mQ9vX2bN7pL4sT8wZ5cF1hJ6dG0y", "AKC" + "p8Wq2Lr5Tz9Xv3Nb"):
        assert tiers(f"key {value} end", value) == {AUTO}, value


# --- exact lengths and markers -----------------------------------------------------------------


def test_gitlab_prefix_with_its_own_length_is_sure_other_lengths_not_raised():
    good = "glptt-" + "3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a"  # 40 characters
    assert tiers(f"t={good}", good) == {AUTO}
    short = "glptt-" + "3f9a1c7e5b2d8f4a6c0e1b3"  # 23 characters: not that format
    assert scan_text(f"t={short}") == []
    routable = "glrt-t2_" + "Kq8vN3xL5mR7pT9wZ2cB4dF6h.01.1a2b3c4d5"
    assert tiers(f"t={routable}", routable) == {AUTO}


def test_openai_key_with_an_altered_marker_is_not_raised():
    real = "sk-proj-Rv7kQ2mN9xL4pT8wZ3cB6hT3BlbkFJ5dG1yS7uE2oI9aK4fJ"
    assert tiers(f"k {real}", real) == {AUTO}
    edited = real.replace("T3BlbkFJ", "T5BlbkFJ")
    assert scan_text(f"k {edited}") == []  # nor by the generic entropy check: the format rule decided


def test_jwt_is_sure_only_when_header_and_payload_are_json():
    sig = "Hq7vN2kL9mR4pT8wZ3cB6dF1gJ5sX0yU"
    good = ".".join([b64({"alg": "HS256"}), b64({"sub": "42", "iat": 1700000000}), sig])
    assert tiers(f"auth {good} end", good) == {AUTO}
    header = b64({"alg": "HS256"})
    broken = ".".join([header[:-3], b64({"sub": "42", "iat": 1700000000}), sig])  # header cut short
    assert scan_text(f"auth {broken} end") == []
    cut = ".".join([header, b64({"sub": "42", "iat": 1700000000})[:-6], sig])  # payload cut short
    assert tiers(f"auth {cut} end", cut) == {SUGGESTED}


def test_vendor_named_key_of_the_wrong_length_is_not_raised():
    key44 = "Zk3mQ9vX2bN7pL4sT8wZ5cF1hJ6dG0yRa2Ue4Wi6Oo8P"
    assert len(key44) == 44
    assert tiers(f'ibm_cloud_api_key = "{key44}"', key44) == {AUTO}
    key50 = key44 + "Xy7_Q9"
    assert scan_text(f'ibm_cloud_api_key = "{key50}"') == []


# --- names that say the value is a test fixture ---------------------------------------------------


@pytest.mark.parametrize("name", ["invalidApiToken", "FAKE_SECRET", "mock_password", "nonMatchingKey_token"])
def test_fixture_names_say_the_value_is_not_live(name):
    value = "q8Zr2mX7pL4kW9tB"
    assert scan_text(f'{name} := "{value}"') == []
    assert tiers(f'apiToken := "{value}"', value) == {AUTO}


# --- unquoted passwords made of symbols, and YAML passphrases -------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("db_password: k]9{x)Q#2!v(zz", "k]9{x)Q#2!v(zz"),
        ("secret = Z,.;:-@*?!~&", "Z,.;:-@*?!~&"),
        ("admin_pass := 7(r]x{Q}w)Lp,", "7(r]x{Q}w)Lp"),
    ],
)
def test_symbol_heavy_unquoted_passwords_are_suggested_whole(text, value):
    assert SUGGESTED in tiers(text, value)


@pytest.mark.parametrize(
    "text",
    [
        "password = hashlib.sha256(pw.encode()).hexdigest()",
        "token = Config{AccessToken: x}",
        "    Ok(Some(key)) => Some(Auth::from_api_key(&key)),",
        "secret = {'a': 1, 'b': [2, 3]}",
    ],
)
def test_code_after_a_credential_name_is_not_a_finding(text):
    assert scan_text(text) == []


def test_yaml_secret_phrase_is_suggested():
    text = "storage:\n  client_secret: correct horse battery staple\n"
    assert tiers(text, "correct horse battery staple") == {SUGGESTED}


def test_weak_name_long_quoted_value_is_suggested_but_labels_are_not():
    assert tiers('couch_key = "qWmZkTrVbNpLxCsD"', "qWmZkTrVbNpLxCsD") == {SUGGESTED}
    assert scan_text('cache // key: "chartName:chartVersion" -> value') == []
    assert scan_text('GroupKey = "volcano.sh/nodegroup-name"') == []


def test_url_with_a_literal_password_is_suggested():
    text = "git clone https://someone:password@git.acme-corp.io/repo.git"
    assert tiers(text, "password") == {SUGGESTED}


def test_url_with_a_literal_password_on_a_documentation_host_is_nothing():
    # `example.org` is reserved for documentation: the pair there shows a URL's shape (sec17).
    text = "git clone https://someone:password@git.example.org/repo.git"
    assert scan_text(text) == []


def _r(n: int, alphabet: str = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", seed: int = 5) -> str:
    import random

    rng = random.Random(seed * 1000 + n)
    return "".join(rng.choice(alphabet) for _ in range(n))


_HEX = "0123456789abcdef"


@pytest.mark.parametrize(
    "value, kind",
    [
        ("pul-" + _r(40, _HEX), "pulumi-token"),
        ("sgp_" + _r(40, _HEX), "sourcegraph-token"),
        ("PMAK-" + _r(24, _HEX) + "-" + _r(34, _HEX), "postman-key"),
        ("xapp-1-A" + _r(10, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") + "-" + _r(13, "0123456789") + "-" + _r(64, _HEX),
         "slack-token"),
        ("pplx-" + _r(48), "perplexity-key"),
        ("dckr_pat_" + _r(27), "docker-token"),
        ("sha256~" + _r(43), "openshift-token"),
        ("gsk_" + _r(52), "groq-key"),
        ("sk-or-v1-" + _r(64, _HEX), "openrouter-key"),
        ("tskey-auth-k" + _r(10) + "-" + _r(30), "tailscale-key"),
        ("sbp_" + _r(40, _HEX), "supabase-token"),
        ("ya29." + _r(120), "google-oauth-token"),
        (_r(3) + "8Q~" + _r(32), "azure-secret"),
    ],
)
def test_more_vendor_formats_are_sure_when_bare(value, kind):
    text = f"here it is: {value} (done)"
    i = text.index(value)
    found = [f for f in scan_text(text) if f.start <= i and i + len(value) <= f.end]
    assert [(f.kind, f.tier) for f in found] == [(kind, AUTO)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("mysql -h db -uroot -pQ7vN2kL9mR4p appdb", "Q7vN2kL9mR4p"),
        ("mysqldump --single-transaction -u app -pZx8Yw7Vu6Ts5 shop > dump.sql", "Zx8Yw7Vu6Ts5"),
        ("docker login -u ci -p Hq7vN2kL9mR4pT8w registry.example.org", "Hq7vN2kL9mR4pT8w"),
        ("sshpass -p 'x' ssh a; sshpass -p Kq8vN3xL5m ssh deploy@host", "Kq8vN3xL5m"),
        ("redis-cli -h cache -a Rv7kQ2mN9xL4 ping", "Rv7kQ2mN9xL4"),
        ("<server>\n  <id>repo</id>\n  <password>Wq3nB8vL2xK7</password>\n</server>", "Wq3nB8vL2xK7"),
    ],
)
def test_passwords_given_as_command_flags_or_xml_elements(text, value):
    assert tiers(text, value) == {AUTO}


@pytest.mark.parametrize(
    "text",
    [
        "mysql -u root -p\n",
        "mysql -uroot -p$MYSQL_PWD db",
        "docker login -u me --password-stdin registry.example.org",
        "docker run -p 8080:80 nginx",
        "<passwordPolicy>strict</passwordPolicy>",
        "<token>${env.DEPLOY_TOKEN}</token>",
    ],
)
def test_flag_and_element_lookalikes_give_nothing(text):
    assert scan_text(text) == []


def test_a_bare_non_in_a_name_is_not_a_fixture():
    value = "q8Zr2mX7pL4kW9tB"
    assert tiers(f'NON_PROD_API_TOKEN="{value}"', value) == {AUTO}


@pytest.mark.parametrize(
    "text",
    [
        "mysql " * 20_000 + " -p",
        "<a>" * 20_000 + "</a>",
        "password: " + "ab " * 20_000,
        "secret = " + "{)" * 20_000,
        "client_secret: " + "x" * 30_000 + " y\n",
        "db_pass := " + "(" * 15_000 + "]" * 15_000,
        "fake_api_key = '" + "Zq9" * 10_000 + "'",
    ],
    ids=short,
)
def test_new_context_paths_stay_linear_on_hostile_lines(text):
    assert scan_seconds(text) < 2.0
