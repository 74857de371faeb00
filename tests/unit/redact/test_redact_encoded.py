"""Secrets under base64 or percent-encoding are found by decoding and scanning again."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from support.scan_time import scan_seconds

from tracetui.redact import scan_text
from tracetui.redact.encoded import _unquote_mapped
from tracetui.redact.finding import AUTO

# Made-up credentials of well-known shapes (no real key has these values).
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AWS_ID = "AKIA" + "Z7Q2X4V6B8N1M3K5"


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _covering(findings, start, end):
    return [f for f in findings if f.start <= start and end <= f.end]


def test_a_token_inside_base64_is_found_and_the_whole_run_scrubbed():
    blob = _b64(f"machine github.com login me password {GITHUB}\n")
    text = f"cat ~/.netrc.b64\n{blob}\ndone"
    found = _covering(scan_text(text), text.index(blob), text.index(blob) + len(blob))
    assert found and found[0].tier == AUTO
    assert found[0].detector.startswith("decoded:base64:")
    # Without decoding nothing recognises the run as a credential of this kind.
    assert found[0].kind != "high-entropy"


def test_docker_config_base64_inside_base64_is_found_two_levels_down():
    auth = _b64(f"octocat:{GITHUB}")
    config = json.dumps({"auths": {"ghcr.io": {"auth": auth}}})
    secret_yaml = f"data:\n  .dockerconfigjson: {_b64(config)}\n"
    blob = _b64(config)
    found = _covering(scan_text(secret_yaml), secret_yaml.index(blob), secret_yaml.index(blob) + len(blob))
    assert found and found[0].tier == AUTO


def test_an_aws_key_id_in_a_percent_encoded_json_body_is_mapped_to_its_own_characters():
    body = quote(json.dumps({"aws_access_key_id": AWS_ID, "region": "eu-west-1"}))
    text = f"curl -X POST 'https://example.test/hook?payload={body}'"
    findings = scan_text(text)
    at = text.index(AWS_ID)  # the key's characters are not escaped, so they appear as they are
    assert any(f.start <= at and at + len(AWS_ID) <= f.end for f in findings)


def test_a_password_behind_escaped_quotes_is_found_only_in_decoded_form():
    password = "Tr0ub4dor&3xyzzy"
    body = quote(json.dumps({"password": password}), safe="")
    text = f"POST /login body={body}"
    assert password not in text  # '&' is escaped
    decoded_hits = [f for f in scan_text(text) if f.detector.startswith("decoded:url:")]
    assert decoded_hits
    encoded_password = quote(password, safe="")
    at = text.index(encoded_password)
    hit = decoded_hits[0]
    # The span is exactly the password's escaped characters, not the whole URL.
    assert (hit.start, hit.end) == (at, at + len(encoded_password))


def test_ordinary_base64_and_urls_give_nothing():
    text = (
        "ok: " + _b64("just an ordinary sentence about shopping carts") + "\n"
        "see https://example.test/search?q=shopping%20cart%20discount&page=2\n"
        "const componentRegistryLoaderFactory = makeRegistry()\n"
    )
    assert [f for f in scan_text(text) if f.detector.startswith("decoded:")] == []


def test_percent_decoding_keeps_each_character_s_span():
    decoded, starts, ends = _unquote_mapped("a%C3%A9b+c%zz")
    assert decoded == "aéb c%zz"
    # 'é' is two escapes (six characters), '%zz' is not an escape and stays as it is.
    assert [(starts[i], ends[i]) for i in range(len(decoded))] == [
        (0, 1), (1, 7), (7, 8), (8, 9), (9, 10), (10, 11), (11, 12), (12, 13),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "A" * 1_000_000 + "a",  # a run of base32's alphabet that a letter outside it ends
        "7" * 1_000_000 + "1",
        "AB" * 500_000 + "-",
        ("A" * 40 + "a") * 24_000,
    ],
    ids=["capitals", "digits", "pairs", "many-runs"],
)
def test_a_megabyte_run_of_base32_letters_scans_in_linear_time(text):
    seconds = scan_seconds(text)
    # About 2 s on an idle core; tried from each of its characters, the first took hours.
    assert seconds < 10.0


def test_a_base32_run_after_other_characters_is_still_decoded():
    secret = base64.b32encode(f"password={GITHUB}".encode()).decode()
    for before in (" ", "\n", "=", "key: "):
        text = f"{before}{secret} done"
        found = _covering(scan_text(text), text.index(secret), text.index(secret) + len(secret))
        assert found and found[0].detector.startswith("decoded:base32:"), before
