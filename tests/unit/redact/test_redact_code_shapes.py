"""Classes found by rebuilding the examples of the gitleaks rules absent from ../shared/secrets
(bench/bench_gitleaks_half.py): a credential's name and value written in the shapes of more languages,
vendor formats read to their exact length, and the near misses those exact formats turn down.

Every value is made up here from a seeded generator; none is taken from gitleaks or the labelled sets.
"""

from __future__ import annotations

import base64
import json
import random
import string
import time

import pytest

from tracetui.redact import AUTO, SUGGESTED, scan_text

RNG = random.Random(1402)


def draw(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


LOWER_DIGITS = string.ascii_lowercase + string.digits
TOKEN = draw(string.ascii_letters + string.digits, 30)
HEX = "0123456789abcdef"


def covered(text: str, value: str, tiers: tuple[str, ...] = (AUTO, SUGGESTED)) -> bool:
    a = text.index(value)
    marks = [False] * len(value)
    for f in scan_text(text):
        if f.tier in tiers:
            for k in range(max(a, f.start), min(a + len(value), f.end)):
                marks[k - a] = True
    return all(marks)


def untouched(text: str, value: str) -> bool:
    a = text.index(value)
    b = a + len(value)
    return not any(f.start < b and a < f.end for f in scan_text(text))


@pytest.mark.parametrize(
    "template",
    [
        '  "shopApiToken" => "{v}"',  # Logstash, a Ruby or Perl hash
        "$config['apiToken'] => '{v}',",
        '$shopApiToken .= "{v}";',  # PHP's concatenating assignment
        '$shopApiToken ??= "{v}";',
        'var shopApiToken string = "{v}"',  # Go, a declared type
        'val shopApiToken: String = "{v}"',  # Kotlin
        'let shop_api_token: &str = "{v}";',
        "<shopApiToken>\n    {v}\n</shopApiToken>",  # an XML element with its value on a line of its own
        "<shopApiToken>{v}</shopApiToken>",
    ],
)
def test_a_named_value_in_more_languages(template):
    line = template.format(v=TOKEN)
    assert covered(line, TOKEN, (AUTO,))


@pytest.mark.parametrize(
    "line",
    [
        "password => m{{h}o)p${e]nob(ody[finds>-_$#thisone}}",  # a hash entry's bare right side: code
        "apiToken => $request->input('token')",
        "$apiToken .= $suffix;",
        "token: string",  # a type, no value
        "var apiToken string",
    ],
)
def test_code_around_a_credential_name_is_not_a_value(line):
    assert scan_text(line) == []


def test_a_typed_declaration_reads_long_runs_of_spaces_quickly():
    texts = ("password" + " " * 20_000 + "x", "token:" + " " * 20_000 + "String", "token " + "ab " * 10_000)
    for text in texts:
        t0 = time.process_time()
        scan_text(text)
        assert time.process_time() - t0 < 2.0


def test_random_digits_as_a_named_argument():
    digits = "".join(RNG.choice(string.digits) for _ in range(16))
    assert covered(f'System.setProperty("SHOP_CLIENT_TOKEN", "{digits}")', digits, (AUTO,))
    # counting up is typed, not drawn
    assert untouched('System.setProperty("SHOP_CLIENT_TOKEN", "1234567890123456")', "1234567890123456")


def test_one_case_base64_with_slashes_and_inner_padding_is_a_value_not_a_path():
    # A one-case value of base64's alphabet: `/` in it, and `=` before its end, which no path holds.
    body = draw(LOWER_DIGITS, 20) + "/" + draw(LOWER_DIGITS, 12) + "=" + draw(LOWER_DIGITS, 18) + "/" + \
        draw(LOWER_DIGITS, 15) + "+" + draw(LOWER_DIGITS, 10)
    body = body.replace("+", "=")
    for line in (f"exchangeToken={body}", f'exchange_token: "{body}"'):
        assert covered(line, body, (AUTO,)), line
    # Paths and a partitioned dataset's path stay what they are.
    for line in ("secret_path=dt=2024-01-01/hour=12/region=eu-west-1",
                 "token_file=/var/run/secrets/kube/token"):
        assert scan_text(line) == [], line


def _sentry_org_token(tail: int = 43, with_json: bool = True) -> str:
    claims = {"iat": 1700000000.5, "url": "https://sentry.acme.test", "region_url": "https://eu.acme.test",
              "org": "acme"}
    head = base64.b64encode(json.dumps(claims).encode()).decode() if with_json else \
        draw(string.ascii_letters + string.digits, 90)
    return "sntrys_" + head + "_" + draw(string.ascii_letters + string.digits + "+/", tail)


def test_sentry_tokens_in_their_exact_shapes():
    user = "sntryu_" + draw(HEX, 64)
    org = _sentry_org_token()
    for token in (user, org):
        for line in (token, f"SENTRY_AUTH_TOKEN={token}", f'{{"auth": "{token}"}}'):
            assert covered(line, token, (AUTO,)), line


@pytest.mark.parametrize(
    "near_miss",
    [
        "sntryu_" + draw(HEX, 63),  # one digit short
        "sntryu_" + draw(HEX, 65),  # one too many
        _sentry_org_token(tail=42),
        _sentry_org_token(tail=44),
        _sentry_org_token(with_json=False),  # no claims inside
    ],
)
def test_sentry_near_misses_are_not_sentry_tokens(near_miss):
    assert not any(f.kind == "sentry-token" for f in scan_text(near_miss))
    assert not any(f.tier == AUTO for f in scan_text(near_miss))


def test_a_key_named_only_for_its_service_is_asked_about():
    key = draw(string.ascii_letters + string.digits, 40)
    hex_key = draw(HEX, 37)
    for line, value in ((f'cloudflare: "{key}"', key), (f"SOURCEGRAPH={key}", key),
                        (f"heroku: {hex_key}", hex_key)):
        at = line.index(value)
        found = [f for f in scan_text(line) if f.start <= at and at + len(value) <= f.end]
        assert found and all(f.tier == SUGGESTED for f in found), line


@pytest.mark.parametrize(
    "line",
    [
        '"cloudflare": "^3.2.0"',  # a package's version
        "datadog: datadog/agent:7.45.0",  # an image
        "heroku: heroku-22-stack-build",  # a name in words
        'cloudflare = "cloudflare/cloudflare"',  # a provider's source
        "mailgun: 1234567890123456789012",  # digits only
        "sendgrid: your-sendgrid-api-key-goes-here",
    ],
)
def test_what_a_service_name_holds_besides_its_key(line):
    assert not any(f.detector == "rule:service-key" for f in scan_text(line))


# --- the same formats where a session holds them -----------------------------------------------------


def _in_json_string(line: str) -> str:
    return json.dumps({"type": "tool_result", "content": "ok\n" + line + "\n"})


def test_a_token_right_after_a_json_escaped_line_break():
    # `\nsgp_…`: the `n` is the escape of a line break, not a letter the token runs on from.
    for token in ("sgp_" + draw(HEX, 40), "sk_live_" + draw(string.ascii_letters + string.digits, 40),
                  "sntryu_" + draw(HEX, 64)):
        text = _in_json_string(token)
        assert covered(text, token, (AUTO,)), token
    # a letter that really runs on is still a longer word
    assert not any(f.kind == "sentry-token" for f in scan_text("xsntryu_" + draw(HEX, 64)))
    # an escaped backslash then `n` is a backslash and a letter
    word = "C:\\\\nsgp_" + draw(HEX, 40)
    assert not any(f.detector == "rule:sourcegraph-token" for f in scan_text(word))


def test_a_named_vendor_value_inside_a_json_string():
    # Drawn here, not from the module's draws: which of those a test gets hangs on which tests ran
    # before it in its process. One in eight Sumo Logic ids has no digit; one has, one has not.
    rng = random.Random("named vendor value")
    base62 = string.ascii_letters + string.digits
    sumo = "su" + "".join(rng.choice(base62) for _ in range(11)) + rng.choice(string.digits)
    bare = "su" + "".join(rng.choice(string.ascii_letters) for _ in range(12))
    vault = "s." + "".join(rng.choice(string.ascii_letters) for _ in range(24))  # one in seventy
    pair = draw(HEX, 8) + ":" + draw(HEX, 8)
    for line, value in ((f'sumologic_access_id = "{sumo}"', sumo),
                        (f'SUMO_ACCESS_ID: "{bare}"', bare),
                        (f'vault: {vault}', vault),
                        (f'export BUNDLE_GEMS__CONTRIBSYS__COM="{pair}"', pair),
                        (f'cloudflare: "{TOKEN}"', TOKEN)):
        text = _in_json_string(line)
        assert covered(text, value), line


def _wrapped(value: str) -> tuple[str, str, str]:
    cut = len(value) // 2
    return f"output:\n{value[:cut]}\n{value[cut:]}\nexit 0", value[:cut], value[cut:]


def test_a_wrapped_secret_holding_a_tilde_or_inner_padding_is_joined():
    alnum = string.ascii_letters + string.digits
    azure = draw(alnum, 3) + "8Q~" + draw(alnum + "~.-_", 34)
    org = _sentry_org_token()
    for value, line in ((azure, f'client_secret = "{azure}"'), (org, org)):
        cut = len(value) // 2
        at = line.index(value)
        text = "output:\n" + line[: at + cut] + "\n" + line[at + cut:] + "\nexit 0"
        assert covered(text, value[:cut]) and covered(text, value[cut:]), value


def test_a_name_after_inner_padding_still_starts_a_line_of_its_own():
    # `NAME=value` on the next line is not a token's tail, padding or not
    text = "output:\n" + draw(string.ascii_letters + string.digits, 30) + "\nSTAGE=prod_eu\nexit 0"
    assert not any(f.detector.startswith("joined:") for f in scan_text(text))


def test_an_unnamed_token_after_an_escaped_break_or_a_diff_marker_starts_at_its_own_first_letter():
    token = "Xk3Lm9Qp2Rt7Vw1Yz4Bc6Df8Gh0Jk5Nn"  # typed for this test: random enough for the net
    near_miss = "AIza" + draw(string.ascii_letters + string.digits, 43)  # too long for a Google key
    assert [f.detector for f in scan_text(f"$ cat .env\n{token}\n")] == ["entropy:bare-token"]
    for text in (_in_json_string(token), f"--- a/.env\n+++ b/.env\n+{token}\n"):
        spans = [(f.start, f.end) for f in scan_text(text) if f.detector == "entropy:bare-token"]
        at = text.index(token)
        assert spans == [(at, at + len(token))], text
    # and the format that owns the word still judges it there, as it does on a line of its own
    assert scan_text(f"$ cat .env\n{near_miss}\n") == []
    for text in (_in_json_string(near_miss), f"--- a/.env\n+++ b/.env\n+{near_miss}\n"):
        assert untouched(text, near_miss), text
