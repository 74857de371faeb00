"""Issue 14, round 8, by class on values made up here: a vendor's prefix on a counted body, a time-based
UUID after a token's name, the whole `user:password` pair of an HTTP client's flags and of a URL, and
wrapped or concatenated halves of tokens whose alphabet holds `=`, `_`, `-`, `~`. Beside each negative,
a real-shaped value of the same kind is still found.
"""

from __future__ import annotations

import random
import string
import uuid

import pytest

from tracetui.redact import scan_text
from tracetui.redact.finding import Finding
from tracetui.redact.text_checks import is_counting_filler, is_time_uuid


def _r(n: int, alphabet: str = string.ascii_letters + string.digits, seed: int = 8) -> str:
    rng = random.Random(seed * 1000 + n)
    return "".join(rng.choice(alphabet) for _ in range(n))


def touching(text: str, value: str) -> list[Finding]:
    i = text.index(value)
    return [f for f in scan_text(text) if f.start < i + len(value) and i < f.end]


def covered(text: str, value: str) -> bool:
    """Every character of `value` is inside some finding (a partial span is a leak)."""
    i = text.index(value)
    spans = [(f.start, f.end) for f in scan_text(text)]
    return all(any(a <= k < b for a, b in spans) for k in range(i, i + len(value)))


HEX = "0123456789abcdef"


# --- 1. a vendor's prefix on a body typed by counting ---------------------------------------------

@pytest.mark.parametrize(
    "text, value",
    [
        ("SNOWFLAKE_TOKEN=snow12345678901234567890ab3cd", "snow12345678901234567890ab3cd"),
        ('"token": "xoxb-1234-1234-1234-{hex}"', "xoxb-1234-1234-1234-{hex}"),
        ("api_key: acme_0123456789abcdef0123456789", "acme_0123456789abcdef0123456789"),
        ('secret = "zz-5678-5678-qqqr9Xk2mPw7Lq4Zt8Nv3Bd"', "zz-5678-5678-qqqr9Xk2mPw7Lq4Zt8Nv3Bd"),
    ],
)
def test_a_vendor_prefix_on_a_counted_body_is_not_raised(text, value):
    h = _r(32, HEX)
    text, value = text.replace("{hex}", h), value.replace("{hex}", h)
    assert is_counting_filler(value)
    assert touching(text, value) == []


@pytest.mark.parametrize("seed", range(5))
def test_a_generated_body_after_the_same_prefixes_is_found(seed):
    snow = "snow" + _r(26, seed=seed)
    slack = f"xoxb-{_r(11, string.digits, seed)}-{_r(12, string.digits, seed + 1)}-{_r(24, seed=seed)}"
    for text, value in ((f"SNOWFLAKE_TOKEN={snow}", snow), (f'"token": "{slack}"', slack)):
        assert not is_counting_filler(value)
        assert covered(text, value), text


def test_a_bare_count_and_a_password_with_a_count_are_left_to_the_rules():
    # Labelled as keys where the vendor's shape fits (`1234567890abcdef…` as 48 hex): no prefix, no class.
    assert not is_counting_filler("1234567890abcdef1234567890abcdef1234567890abcdef")
    assert not is_counting_filler("abcdefghijabcdefghijabcd")  # the "prefix" is the count's own start
    assert not is_counting_filler("12345678-ABCD-ABCD-ABCD-1234567890AB")
    # A person's weak password may count: under a password's name it is still raised.
    assert touching("DB_PASSWORD=admin12345678901234567", "admin12345678901234567")


def test_counting_runs_are_rare_in_random_bodies():
    rng = random.Random(14)
    for alphabet in (HEX, string.ascii_lowercase + string.digits, string.ascii_letters + string.digits):
        for _ in range(2000):
            body = "".join(rng.choice(alphabet) for _ in range(rng.choice((20, 32, 40, 64))))
            assert not is_counting_filler("tok_" + body)
            assert not is_counting_filler(f"xoxp-{body[:4]}-{body[4:8]}-{body[8:]}")


# --- 2. a time-based (version 1) UUID is no token ------------------------------------------------

def _v1(seed: int) -> str:
    return str(uuid.uuid1(node=random.Random(seed).getrandbits(48), clock_seq=seed))


@pytest.mark.parametrize(
    "template",
    ["//registry.example.org:_authToken={u}", "_authToken={u}", 'npm_token: "{u}"', "AUTH_TOKEN={u}"],
)
def test_a_version_1_uuid_under_a_token_name_is_not_raised(template):
    for seed in range(3):
        u = _v1(seed)
        assert is_time_uuid(u)
        assert touching(template.format(u=u), u) == []


@pytest.mark.parametrize(
    "template",
    ["//registry.example.org/:_authToken={u}", "_authToken={u}", 'npm_token: "{u}"', "HEROKU_API_KEY={u}",
     'heroku_api_key = "{u}"'],
)
def test_a_random_uuid_under_a_token_name_is_still_found(template):
    for seed in range(3):
        u = str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4))
        assert not is_time_uuid(u)
        assert covered(template.format(u=u), u)


def test_a_version_1_uuid_in_npm_s_own_registry_line_is_left_to_that_format():
    # detect-secrets labels `//host/:_authToken=<uuid>` a token whatever the UUID's version: the
    # format's exact shape decides there, as a vendor rule does for its own filler.
    u = _v1(1)
    assert covered(f"//registry.example.org/:_authToken={u}", u)


def test_a_version_1_shape_with_a_clock_out_of_range_or_a_wrong_variant_is_not_time_based():
    assert not is_time_uuid("743b294a-cd03-1fec-9d64-0242ac120002")  # the year 5000 and more
    assert not is_time_uuid("743b294a-cd03-11ec-7d64-0242ac120002")  # not RFC 4122's variant
    assert is_time_uuid("743b294a-cd03-11ec-9d64-0242ac120002")


# --- 3. an HTTP client's `user:password` is scrubbed as the pair -----------------------------------

PW = "Xq7#mTz2!pLw9vR"
KEY = "d2LkV78zLx" + _r(10)


def _spans(text: str) -> set[str]:
    return {text[f.start : f.end] for f in scan_text(text) if f.detector == "rule:http-client-credentials"}


@pytest.mark.parametrize(
    "line, pair",
    [
        (f"curl -u admin:{PW} https://api.acme.test/v1", f"admin:{PW}"),
        (f"curl -sS --user 'ci.bot:{PW}' https://x.acme.test", f"ci.bot:{PW}"),
        (f'curl --user="ops@acme.test:{PW}" https://x.acme.test', f"ops@acme.test:{PW}"),
        (f"curl -uops:{PW} https://x.acme.test", f"ops:{PW}"),
        (f"curl -X POST \\\n  -U proxy:{PW} https://x.acme.test", f"proxy:{PW}"),
        (f"http -a ops:{PW} GET https://api.acme.test/me", f"ops:{PW}"),
        (f"xh --auth ops:{PW} https://api.acme.test/me", f"ops:{PW}"),
        (f'curl -u ":{KEY}" https://localhost:9200', f":{KEY}"),  # no user, only the password
        (f'curl -u "{KEY}:" https://localhost:9200', f"{KEY}:"),  # a key as the user name, no password
        (f'curl --user "{{{KEY}}}":"{{{PW}}}" https://x', f'{{{KEY}}}":"{{{PW}}}'),  # quoted apart
        (f"curl --user kevin:'{PW}' -iX PATCH https://x", f"kevin:'{PW}"),
    ],
)
def test_an_http_client_s_user_and_password_are_scrubbed_as_one_pair(line, pair):
    assert pair in _spans(line)
    assert covered(line, pair)


def test_wget_s_user_is_scrubbed_with_its_password():
    line = f"wget --user=deploy --password={PW} https://dl.acme.test/f"
    assert _spans(line) == {"deploy", PW}
    line = f"wget --http-user deploy --http-password '{PW}' https://dl.acme.test/f"
    assert _spans(line) == {"deploy", PW}
    assert _spans("wget --user=deploy --ask-password https://dl.acme.test/f") == set()  # no password: no pair


@pytest.mark.parametrize(
    "line",
    ["curl -u admin https://x.acme.test", "curl -u $USER:$PASS https://x", "curl --user user:pass https://x",
     'curl -u "{user}:{password}" https://x'],
)
def test_an_http_client_without_a_password_still_gives_nothing(line):
    assert _spans(line) == set()


@pytest.mark.parametrize(
    "text, pair, kind",
    [
        (f"DATABASE_URL=postgres://app:{PW}@db.internal:5432/app", f"app:{PW}", "db-password"),
        (f"git remote add o https://deploy:{KEY}@git.acme.test/r.git", f"deploy:{KEY}", "url-password"),
        (f"proxy=http://:{KEY}@proxy.acme.test:3128", f":{KEY}", "url-password"),
        # a user name that is also a header's name: the URL's pair, not a header's value running on
        (f"git clone https://x-access-token:{KEY}@git.acme.test/o/r.git", f"x-access-token:{KEY}",
         "url-password"),
    ],
)
def test_a_url_s_userinfo_is_scrubbed_as_the_same_pair(text, pair, kind):
    i = text.index(pair)
    assert any(f.start == i and f.end == i + len(pair) and f.kind == kind for f in scan_text(text))
    host = text.split("@", 1)[1].split("/")[0].split(":")[0]
    assert touching(text, "@" + host) == []  # the host is no part of it


# --- 4. a token cut by a line break or built from two literals, whatever its alphabet ---------------

EXTENDED = string.ascii_lowercase + string.digits + "=_-"  # gitleaks' AlphaNumericExtended


def _extended(n: int, seed: int) -> str:
    """A body with `=` inside (not only as padding), as some vendors' alphabets allow. Where a wrap in
    its middle leaves a tail whose text before the first `=` reads as a name (`a-g5=…`), that tail is
    taken for a `NAME=` line of its own (a known limit): a digit after the cut keeps these apart."""
    body = list(_r(n, EXTENDED, seed))
    body[n // 2 - 3] = "="
    body[n // 2 + 4] = "="
    return "".join(body)


def _wrap(line: str, secret: str) -> tuple[str, str, str]:
    cut = len(secret) // 2
    if secret[cut].isalpha() and "=" in secret[cut:]:
        secret_digit = secret[:cut] + "7" + secret[cut + 1 :]
        line, secret = line.replace(secret, secret_digit), secret_digit
    at = line.index(secret)
    return "output:\n" + line[: at + cut] + "\n" + line[at + cut :] + "\nexit 0", secret[:cut], secret[cut:]


def _concat(secret: str) -> tuple[str, str, str]:
    cut = len(secret) // 2
    text = f'const secret = "{secret[:cut]}" +\n  "{secret[cut:]}";\nmodule.exports = secret;'
    return text, secret[:cut], secret[cut:]


def _tokens(seed: int) -> list[tuple[str, str]]:
    """(line, secret): vendors' prefixes on extended bodies, an Azure client secret (`~`, `.`)."""
    tokens = [f"pscale_oauth_{_extended(40, seed)}", f"duffel_live_{_extended(43, seed)}",
              f"tfp_{_extended(59, seed)}", f"live_{_extended(40, seed)}"]
    out = [(f"serviceToken={t}", t) for t in tokens]
    azure = f"{_r(3, seed=seed)}8Q~{_r(15, seed=seed + 1)}.{_r(8, seed=seed + 2)}.{_r(9, seed=seed + 3)}"
    out.append((f"-ClientId 'app' -ClientSecret '{azure}'", azure))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_a_wrapped_token_with_equals_dots_or_tildes_is_found_on_both_lines(seed):
    for line, secret in _tokens(seed):
        text, left, right = _wrap(line, secret)
        assert covered(text, left) and covered(text, right), text


@pytest.mark.parametrize("seed", range(4))
def test_a_token_built_from_two_literals_is_found_in_both(seed):
    for _, secret in _tokens(seed):
        text, left, right = _concat(secret)
        assert covered(text, left) and covered(text, right), text


def test_a_tail_that_opens_with_equals_is_joined():
    secret = "k" + _r(15, EXTENDED, 3) + "=" + _r(15, EXTENDED, 4)  # cut right before its `=`
    text = f'const secret = "{secret[:16]}" +\n  "{secret[16:]}";'
    assert covered(text, secret[:16]) and covered(text, secret[16:])
    text = f"output:\nfastlyToken={secret[:16]}\n{secret[16:]}\nexit 0"
    assert covered(text, secret[:16]) and covered(text, secret[16:])


def test_a_long_token_wrapped_in_its_middle_is_found_whole():
    # A 1Password service-account token is ~900 characters: each half is longer than the old window.
    claims = "eyJ" + _r(880, string.ascii_letters + string.digits + "+/", 5)
    text, left, right = _wrap(f"export OP_SERVICE_ACCOUNT_TOKEN=ops_{claims}", f"ops_{claims}")
    assert covered(text, left) and covered(text, right)


@pytest.mark.parametrize(
    "next_line",
    ["DB_HOST=db.internal", "spring.datasource.url=jdbc:x", "oauth2_client=web", "k8s.namespace=prod",
     "S3=on"],
)
def test_the_next_line_s_own_setting_is_not_joined_to_a_token(next_line):
    token = "Wq8" + _r(29)
    text = f"API_TOKEN={token}\n{next_line}\n"
    assert covered(text, token)
    name = next_line.split("=", 1)[0]
    assert not [f for f in scan_text(text) if f.detector.startswith("joined:")]
    assert touching(text, name) == []



# --- 4b. a credential written with symbols, cut on a line that passes or names it -------------------

SYMBOLIC = [
    ("curl --user ops.bot@acme.test:{pw} https://api.acme.test/v1 -v", "ops.bot@acme.test:{pw}"),
    ('curl -s --user "j.doe:{pw}" "https://api.acme.test/me"', "j.doe:{pw}"),
    ('curl -X POST --user "{{{u}}}":"{{{pw}}}" --header "Accept: application/json"', '{{{u}}}":"{{{pw}}}'),
    ('curl -L -H "Authorization: sha256~{pw}@=-.a+/{u}"', "sha256~{pw}@=-.a+/{u}"),
    ("$ curl https://api.acme.test/oauth2/token \\\n  --user {u}:{pw} --data grant_type=client_credentials",
     "{u}:{pw}"),
]


def _symbolic(seed: int) -> list[tuple[str, str]]:
    pw = _r(8, seed=seed) + "#" + _r(9, seed=seed + 1) + "!"  # 24 characters or more with its user
    u = _r(12, string.ascii_lowercase + string.digits, seed)
    return [(line.format(pw=pw, u=u), secret.format(pw=pw, u=u)) for line, secret in SYMBOLIC]


@pytest.mark.parametrize("seed", range(3))
def test_a_credential_with_symbols_cut_by_a_wrap_is_found_on_both_lines(seed):
    for line, secret in _symbolic(seed):
        text, left, right = _wrap(line, secret)
        assert covered(text, left) and covered(text, right), text


@pytest.mark.parametrize("seed", range(3))
def test_a_credential_with_symbols_built_from_two_literals_is_found_in_both(seed):
    for _, secret in _symbolic(seed):
        if '"' in secret:
            continue  # a literal cannot hold its own quote unescaped
        text, left, right = _concat(secret)
        assert covered(text, left) and covered(text, right), text


def test_a_password_without_digits_is_joined_after_a_client_flag():
    text = "curl -k https://cache.acme.test/rest \\\n  -d 'x' \\\n  -u developer:yqDVt\nkqPECriaLRi\nexit 0"
    assert covered(text, "developer:yqDVt") and covered(text, "kqPECriaLRi")


@pytest.mark.parametrize(
    "text",
    [
        "the token was refreshed at 2024-01-01T12:30:45Z\nNext: restart the worker (pid 4242)\n",
        "secret rotation: done (see ops/runbooks/2024.md)\nother-notes.md updated\n",
        "api_key lookup failed for /srv/app/config/prod-2.yaml\n/srv/app/config/prod-3.yaml\n",
    ],
)
def test_a_cued_line_of_prose_or_paths_is_not_joined_into_a_finding(text):
    assert not [f for f in scan_text(text) if f.detector.startswith("joined:")]


@pytest.mark.parametrize(
    "text",
    [
        "payments: STRIPE_SECRET_KEY={key}\norders: receipt sent to the customer\n",
        "payments: STRIPE_SECRET_KEY={key}\r\nWARN: retrying\r\n",
        '{{"output": "STRIPE_SECRET_KEY={key}\\norders: receipt sent\\n"}}',
        "export STRIPE_SECRET_KEY={key}\nerror:\n",
    ],
    ids=["label", "crlf-label", "json-escaped", "label-at-line-end"],
)
def test_the_next_lines_label_is_no_tail_of_a_token_on_a_cued_line(text):
    key = "sk_live_" + _r(24, seed=5)
    text = text.format(key=key)
    assert covered(text, key)
    assert not [f for f in scan_text(text) if f.detector.startswith("joined:")], text
