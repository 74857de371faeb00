"""Classes of secrets the detectors used to miss, and known non-secrets they must leave alone.

Every value is made up here (random-looking strings typed for these tests), none taken from the
labelled sets; each test names the class, not one string.
"""

from __future__ import annotations

import base64
import json

import pytest

from tracetui.redact import AUTO, SUGGESTED, scan_text
from support.placed import evaluate_placed
from support.scan_time import scan_seconds


def covered(text: str, value: str, tiers: tuple[str, ...] = (AUTO, SUGGESTED)) -> bool:
    """Every character of `value` (first occurrence) lies in some finding of one of `tiers`."""
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


PW = "Xq7#mTz2!pLw9vR"


@pytest.mark.parametrize(
    "line",
    [
        f"curl -u admin:{PW} https://api.acme.test/v1",
        f"curl -sS --user 'ci:{PW}' https://x.acme.test",
        f'curl --user="ops:{PW}" https://x.acme.test',
        f"curl -uops:{PW} https://x.acme.test",
        f"curl -X POST \\\n  -U proxy:{PW} https://x.acme.test",
        f"wget --user=bob --password={PW} https://dl.acme.test/f",
        f"wget --http-password '{PW}' https://dl.acme.test/f",
        f"http -a ops:{PW} GET https://api.acme.test/me",
        f"xh --auth ops:{PW} https://api.acme.test/me",
        f"sshpass -p '{PW}' ssh pi@10.0.0.2",  # password flags of other tools, quoted
        f'docker login -u bob -p "{PW}" registry.acme.test',
        f"mysql -u root -p'{PW}' shop",
    ],
)
def test_http_client_credentials_are_sure(line):
    assert covered(line, PW, (AUTO,))


def test_http_client_credentials_inside_a_json_string():
    text = json.dumps({"output": f"ok\ncurl -u admin:{PW} https://api.acme.test\n"})
    assert covered(text, PW, (AUTO,))


@pytest.mark.parametrize(
    "line",
    ["curl -u admin https://x.acme.test", "curl -u $USER:$PASS https://x", "curl -a -T f ftp://x/f"],
)
def test_http_client_without_a_password_gives_none(line):
    assert not [f for f in scan_text(line) if f.detector == "rule:http-client-credentials"]


@pytest.mark.parametrize(
    "template",
    [
        'export ADMIN_PASSWORD="{v}"',
        "export ADMIN_PASSWORD={v}",
        "DEPLOY_SECRET={v}",
        "  api_token: {v}",
        '{{"SIGNING_KEY": "{v}"}}',
        'client_secret = "{v}"',
    ],
)
def test_secret_named_assignments_in_every_syntax_and_json_escaped(template):
    value = "k3Jd9sL2qP8xZ5vN7mB4"
    line = template.format(v=value)
    assert covered(line, value, (AUTO,))
    escaped = json.dumps({"content": "$ cat .env\n" + line + "\n"})
    assert covered(escaped, value, (AUTO,))


@pytest.mark.parametrize(
    "text",
    [
        '{"env": [{"name": "DB_PASSWORD", "value": "k3Jd9sL2qP8xZ5vN"}]}',
        "env:\n  - name: DB_PASSWORD\n    value: k3Jd9sL2qP8xZ5vN\n",
        '{"Name": "/prod/api_key", "Value": "k3Jd9sL2qP8xZ5vN"}',
    ],
)
def test_name_and_value_in_sibling_fields(text):
    assert covered(text, "k3Jd9sL2qP8xZ5vN")


VENDOR_VALUES = {
    "dynatrace": "dt0c01.ABCDEFGH2JKLMN3PQRST4VWX.ABCDEFGH1JKLMNOP2RSTUVWX3ZABCDEF4HIJKLMN5PQRSTUV6XYZABCD7FGHIJKL",
    "teams": "https://contoso.webhook.office.com/webhookb2/1a2b3c4d-1a2b-3c4d-5e6f-1a2b3c4d5e6f@9f8e7d6c-9f8e-"
    "7d6c-5b4a-9f8e7d6c5b4a/IncomingWebhook/0a1b2c3d4e5f60718293a4b5c6d7e8f9/1a2b3c4d-1a2b-3c4d-5e6f-7a8b9c0d1e2f",
    "flyio": "FlyV1 fm2_lJPECAAAAAAAAMOBxBBQk9k3R2xPz8aLm3QYxKw7Jv2Ld5bXn1Qm8Gt4Hc6Rp0Ws3Ye9Tf2Ua7Vg1Ih5Kj8Lk0Mn4Oq6"
    "Pr2Ss9Tt3Uu7Vv1Ww5Xx8Yy0Zz4Aa6Bb2Cc9Dd3Ee7Ff1Gg5Hh8Ii0Jj4Kk6Ll2Mm9Nn3Oo7Pp1Qq5Rr8Ss0Tt4Uu6Vv2Ww9Xx3=",
    "bedrock": "ABSK" + "QmVkcm9ja0FQSUtleS1hYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODlBQkNERUZHSElKS0xN"
    "Tk9QUVJTVFVWV1hZWjAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbg",
    "onepassword": "ops_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSIsInVzZXJBdXRoIjp7Im1ldGhvZCI6IlNSUGctNDA5"
    "NiIsImFsZyI6IlBCRVMyZy1IUzI1NiIsIml0ZXJhdGlvbnMiOjY1MDAwMCwic2FsdCI6InF3ZXJ0eXVpb3Bhc2RmZ2hqa2x6eGN2Ym5t"
    "In0sImVtYWlsIjoiYWJjZGVmZ2hpamtsbW5vcEAxcGFzc3dvcmRzZXJ2aWNlYWNjb3VudHMuY29tIiwic3JwWCI6IjEyMzQ1Njc4OTBh"
    "YmNkZWYiLCJtdWsiOnsiYWxnIjoiQTI1NkdDTSJ9fQ",
    "rubygems": "rubygems_0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071",
    "clickhouse": "4b1dXq7mTz2pLw9vR3kJd8sN5bF6hG1cY4aE0uI9o2",
    # Formats whose bodies the vendors (or their test keys) write in either case or without structure.
    "twilio-mixed-case": "SK7c2A9fEd3b79B21a4C82c0E79cef8D3e",
    "flutterwave-encryption": "FLWSECK_TEST-3a9f0c2d7b1e",
    "slack-legacy": "xoxs-41275-8833129-5550218-7fd3a90c",
    "slack-workspace": "xoxr-2-Lq7mTz2pW9vR3kJd",
    "maxmind": "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",
    "cloudflare-origin-ca": "v1.0-" + "3f9a0c2d7b1e4a5c6d8e9f01" + "-" + ("7b1e4a5c6d8e9f013f9a0c2d" * 7)[:146],
    "harness": "pat.Kq2Lm7Np4Rt8Vw1Yz5AbXq.Q7mTz2pLw9vR3kJd8sN5bF6h.G1cY4aE0uI9o2Lq7mTz2",
    "sendgrid-unstructured": "SG.kq2lm7np4rt8vw1yz5abxq7mtz2plw9vr3kjd8sn5bf6hg1cy4ae0ui9o2lq7mtz2p",
}


@pytest.mark.parametrize("name", sorted(VENDOR_VALUES))
def test_vendor_formats_bare_and_inside_a_json_string(name):
    value = VENDOR_VALUES[name]
    assert covered(f"got {value} from the vault", value, (AUTO,))
    escaped = json.dumps({"env": {"TOKEN_X": value}})
    assert covered(escaped, value, (AUTO,))


@pytest.mark.parametrize(
    "text, value",
    [
        # Sixteen random digits have an entropy of letters well under the usual floor.
        ('asana_api_token = "5830129946127705"', "5830129946127705"),
        ("{\n  \"acme_token\": \"8601081889938102\"\n}", "8601081889938102"),
        # Base64 of one case holds `/` like a path, and `+` and `=` like no file name.
        ("krakenToken=q/7xzyj2awgo3xfsvc1c/ft1dm2elqus00duxptp/mwk+yvolkh8+q-u8_dfl9xfi+k/tj_yuw+ms6a3=w",
         "q/7xzyj2awgo3xfsvc1c/ft1dm2elqus00duxptp/mwk+yvolkh8+q-u8_dfl9xfi+k/tj_yuw+ms6a3=w"),
        # A property list's entry: the name in `<key>`, the value in the `<string>` after it.
        ("<dict>\n\t<key>API_TOKEN</key>\n\t<string>a8Fk2LmQz91XcVb7</string>\n</dict>", "a8Fk2LmQz91XcVb7"),
    ],
)
def test_named_values_of_other_shapes(text, value):
    assert covered(text, value, (AUTO,))


@pytest.mark.parametrize(
    "text, value",
    [
        ('api_token = "1234567890123456"', "1234567890123456"),  # counting up, typed by hand
        ("token_path=src/lib/node_modules/foo+bar/baz1/qux2/abc3/defghijkl", "src/lib/node_modules/foo+bar/baz1"),
    ],
)
def test_counting_digits_and_paths_are_not_sure(text, value):
    a = text.index(value)
    assert not any(f.tier == AUTO and f.start < a + len(value) and a < f.end for f in scan_text(text))


def test_sumologic_and_sidekiq_credentials_by_their_names():
    text = "sumo_access_id: suAbC1dEf2GhI3\nBUNDLE_ENTERPRISE__CONTRIBSYS__COM: 1a2b3c4d:9f8e7d6c\n"
    assert covered(text, "suAbC1dEf2GhI3", (AUTO,))
    assert covered(text, "1a2b3c4d:9f8e7d6c", (AUTO,))


@pytest.mark.parametrize(
    "text, value",
    [
        ("The staging db password is Tr0ub4dor&3x, keep it safe", "Tr0ub4dor&3x"),
        ("my api key for the weather service: 3f2a9c1b7d4e5f60718293a4b5c6d7e8", "3f2a9c1b7d4e5f60718293a4b5c6d7e8"),
        ("the root password was changed to Qz8!wpLm2x yesterday", "Qz8!wpLm2x"),
        ("here is the api key 3f2a9c1b7d4e5f60718293a4b5c6d7e8 for the forecasts", "3f2a9c1b7d4e5f60718293a4b5c6d7e8"),
        ("use token k3Jd9sL2qP8xZ5vN7mB4 for the bot", "k3Jd9sL2qP8xZ5vN7mB4"),
        # The value on the next line: JSON's escaping wrote it on one (`is\\nZq8…`), which the export's
        # gate of a record read and an ATIF or raw export's, decoded, did not (found 2026-11-28).
        ("my password is\nZq8vR2mK9tLwP4x", "Zq8vR2mK9tLwP4x"),
        ("The staging db password is:\r\n    Tr0ub4dor&3x", "Tr0ub4dor&3x"),
    ],
)
def test_a_value_named_in_plain_words(text, value):
    assert covered(text, value)


@pytest.mark.parametrize(
    "text",
    [
        "The password is required for login.",
        "If the token is None we retry",
        "the key is missing from the map",
        "send the password reset_token_for_user_12 mail",
        "the access token GITHUB_TOKEN_2024 is read from the env",
        "The password is\nrequired for login.",
        "the token is\n\nk3Jd9sL2qP8xZ5vN7mB4",  # a blank line between: another paragraph
    ],
)
def test_plain_words_leave_prose_alone(text):
    assert not [f for f in scan_text(text) if f.detector == "rule:plain-words"]


def test_a_token_wrapped_at_a_line_break_is_scrubbed_whole():
    token = "ghp_aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2zA4"
    text = f"remote: {token[:20]}\n{token[20:]}\nexit 0"
    assert covered(text, token[:20], (AUTO,)) and covered(text, token[20:], (AUTO,))
    assert untouched(text, "exit 0")


def test_a_token_built_from_two_literals_is_scrubbed_whole():
    token = "sk_live_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6"
    text = f'const k = "{token[:14]}" +\n  "{token[14:]}";'
    assert covered(text, token[:14], (AUTO,)) and covered(text, token[14:], (AUTO,))


def test_the_next_assignment_is_not_taken_for_a_continuation():
    text = "API_TOKEN=k3Jd9sL2qP8xZ5vN7mB4\nDEBUG=1\n"
    assert untouched(text, "DEBUG=1")
    # Not even when its value is a placeholder (a sealed capsule's second gate reads such text).
    text = "AWS_ACCESS_KEY_ID=AKIAQ3EGVP7XJ5RTNW2K\nAWS_SECRET_ACCESS_KEY=<AWS_SECRET_1>\n"
    assert not [f for f in scan_text(text) if f.detector.startswith("joined:")]


def test_hex_and_hexdump_encodings_are_decoded():
    token = "ghp_aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2zA4"
    raw = f"GITHUB_TOKEN={token}\nDEBUG=1\n".encode()
    hexed = raw.hex()
    text = "$ xxd -p .env\n" + "\n".join(hexed[i:i + 60] for i in range(0, len(hexed), 60))
    assert covered(text, hexed[:60], (AUTO,))
    assert covered(f"echo {token.encode().hex()}", token.encode().hex(), (AUTO,))
    # xxd: both the hex column and the character column spell the token.
    rows = []
    for off in range(0, len(raw), 16):
        chunk = raw[off:off + 16]
        hex_col = " ".join(chunk[i:i + 2].hex() for i in range(0, len(chunk), 2)).ljust(39)
        rows.append(f"{off:08x}: {hex_col}  " + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk))
    dump = "\n".join(rows)
    assert covered(dump, "_aB3dE5fG7hJ9kL1", (AUTO,))  # the second line's character column
    assert covered(dump, "5f61 4233", (AUTO,))  # and its hex column
    assert untouched(dump, "DEBUG=1")


def test_hashes_in_hex_are_not_decoded_into_findings():
    text = "commit 3f2a9c1b7d4e5f60718293a4b5c6d7e8f9012345\nsha256 " + "9c" * 32
    assert scan_text(text) == []


@pytest.mark.parametrize(
    "text, value, kind",
    [
        ("card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111", "card-number"),
        ("SSN 219-09-9999 on file", "219-09-9999", "national-id"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "GB82 WEST 1234 5698 7654 32", "iban"),
        ("ship to 742 Evergreen Terrace, Springfield", "742 Evergreen Terrace, Springfield", "street-address"),
        ("server at 203.0.113.77 and ip:198.51.100.4", "203.0.113.77", "ip-address"),
    ],
)
def test_personal_data_is_suggested(text, value, kind):
    found = [f for f in scan_text(text) if text[f.start:f.end] == value]
    assert [(f.kind, f.tier) for f in found] == [(kind, SUGGESTED)]


@pytest.mark.parametrize(
    "text", ["order 4111111111111112 shipped", "IBAN GB00 WEST 1234 5698 7654 32", "ts 1732291200000", "v 000-12-3456"]
)
def test_personal_data_needs_its_checksum(text):
    assert [f for f in scan_text(text) if f.detector.startswith("pii:")] == []


def test_email_allow_list_matches_on_a_dot_boundary():
    text = "cc jane.doe@corp-example.com, bob@example.com, ann@mail.example.org"
    assert covered(text, "jane.doe@corp-example.com")
    assert untouched(text, "bob@example.com") and untouched(text, "ann@mail.example.org")


@pytest.mark.parametrize(
    "text, value",
    [
        ('{"type": "thinking", "thinking": "hm", "signature": "EqQBCkgIARABGAIiQH7Vx2k9Lm3Qp8Rz"}',
         "EqQBCkgIARABGAIiQH7Vx2k9Lm3Qp8Rz"),
        (json.dumps(json.dumps({"signature": "ErUBCkYIBRgCKkB3x9Kq2Lm7Np4Rt8Vw1Yz5Ab"})), "ErUBCkYIBRgCKkB3x9Kq2Lm7Np4Rt8Vw1Yz5Ab"),
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("curl 'https://api.nasa.gov/planetary/apod?api_key=DEMO_KEY'", "DEMO_KEY"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3Jd9sL2qP8xZ5vN7mB4aQ1wE6rT0yU ci@host",
         "AAAAC3NzaC1lZDI1NTE5AAAAIHk3Jd9sL2qP8xZ5vN7mB4aQ1wE6rT0yU"),
        ("github.com/a/b v1.0.0 h1:Kq2Lm7Np4Rt8Vw1Yz5AbXq7mTz2pLw9vR3kJd8sN5bF=", "Kq2Lm7Np4Rt8Vw1Yz5AbXq7mTz2pLw9vR3kJd8sN5bF="),
        # One of the sample API keys Firebase's open-source SDKs publish in their tests.
        ('<string name="google_api_key">AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs</string>',
         "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs"),
        # The sample password of Microsoft's nuget.config reference page.
        ('<add key="ClearTextPassword" value="hal+9ooo_da!sY" />', "hal+9ooo_da!sY"),
        # A property list: `<key>` holds a setting's name, whatever words it has.
        ("<dict>\n\t<key>CFBundleDisplayName</key>\n\t<string>Calc</string>\n\t<key>GADApplicationIdentifier</key>",
         "GADApplicationIdentifier"),
        # grep's output: file, line, text. The file is named auth.rs, not the value after it.
        ("src/onboarding/auth.rs:53:impl Onboarding {\ntests/auth.rs:31:base_url = x", "53:impl"),
        ("SecretNamespace: \"kube-system\"", "kube-system"),
        ('npm config set _auth "username:password"', "username:password"),
        # A Freenet key with `4~q8Q~` inside is not an Azure secret: its body runs on past 34.
        ('Identity="USK@u2vn3Lh6,4~q8Q~3wIHjX9DT0yCNfQmr9oxmYrDZoQVLOdNg~yk0,AQACAAE/Web/2"', "4~q8Q~3wIHjX9DT0yCNfQ"),
    ],
)
def test_known_non_secrets_are_never_raised(text, value):
    assert untouched(text, value)


def test_media_base64_is_never_raised_but_a_key_beside_it_is():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3).decode()
    text = json.dumps({"source": {"type": "base64", "media_type": "image/png", "data": png}, "api_key": "k3Jd9sL2qP8xZ5vN7mB4"})
    assert untouched(text, png)
    assert covered(text, "k3Jd9sL2qP8xZ5vN7mB4", (AUTO,))
    uri = f'<img src="data:image/png;base64,{png}">'
    assert untouched(uri, png)


def test_placed_set_thresholds():
    """Made-up secrets in agent-log contexts: >= 99.5% found, <= 3% of hard negatives flagged at any tier."""
    table = evaluate_placed()
    pos, neg = table[(True, "*")], table[(False, "*")]
    assert pos.caught / pos.cases >= 0.995, table[(True, "*")].failures
    assert neg.caught / neg.cases <= 0.03


MB = 1_000_000


@pytest.mark.parametrize(
    "text",
    [
        "\\" * MB,
        '"signature": "' * (MB // 14),
        "curl -u " * (MB // 8),
        "ab" * (MB // 2) + "Z",
        "00000000: " + "ab " * (MB // 3),
        "4111 " * (MB // 5),
        "password is " * (MB // 12),
        '"name": "API_TOKEN", ' * (MB // 21),
        "A1b2C3d4E5f6G7h8\n" * (MB // 17),
        '"A1b2C3d4E5f6G7h8" + "' * (MB // 22),
        "1 Oak " * (MB // 6),
    ],
    ids=["backslashes", "signature", "curl", "hex", "xxd", "cards", "prose", "name-value", "wraps", "concat", "street"],
)
def test_a_1mb_adversarial_line_scans_in_linear_time(text):
    assert scan_seconds(text) < 10.0  # ~1 s on an idle core; quadratic would take minutes


@pytest.mark.parametrize(
    "line, value",
    [
        ('curl -u "d2LkV78zLx!t7:" https://localhost:9200', "d2LkV78zLx!t7"),  # a key as the user name
        ("curl --user kevin:'pRf7vG2h1L8nQkW9' -iX PATCH https://x", "pRf7vG2h1L8nQkW9"),
        ('curl --user "{1a2b3c4d-1a2b}":"{ZqL5kVrX1n8tA2}" https://x', "{ZqL5kVrX1n8tA2}"),
    ],
)
def test_http_client_credentials_split_or_quoted_apart(line, value):
    assert covered(line, value, (AUTO,))


def test_http_client_templates_give_nothing():
    assert scan_text('curl -u "{user}:{password}" https://x') == []


@pytest.mark.parametrize(
    "text",
    [
        "sumObj = suGyI5imvADdvU",  # Sumo Logic's name is case-sensitive: `sumObj` is not it
        "http://cdn.example.net/video_box.ico-7a388b69018576d24b59331fd60aab0c.png",  # not an Infracost key
        "curl -u <user:password> https://test.example/endpoint",
        "curl http://127.0.0.1:5000/file --user user:pass --digest",
        "credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'",  # which credential, not the credential
    ],
)
def test_look_alikes_of_the_new_rules_are_left_alone(text):
    assert [f for f in scan_text(text) if f.tier == AUTO] == []


def test_an_unnamed_random_run_is_suggested_only_while_key_sized():
    key = "Zq7mTz2pLw9vR3kJd8sN5bF6hG1cY4aE0uI9"  # 36 characters, no name, no format: a question
    assert any(f.tier == SUGGESTED for f in scan_text(f"got {key} back"))
    blob = "".join(key[(i * 7) % len(key)] + key[(i * 11) % len(key)] for i in range(80))  # 160: data
    assert untouched(f"payload {blob} end", blob)
    # A signed URL's signature: URL-safe base64 whose `=` are written `~`; its pieces are one run.
    signature = "~".join([key, key[::-1], key[3:] + key[:3]])
    assert untouched(f"CloudFront-Signature: {signature}, , , false", signature)


def test_a_password_beside_a_published_sample_is_still_found():
    text = '<add key="ClearTextPassword" value="hal+9ooo_da!sY" />\n<add key="ClearTextPassword" value="r7!Kq_2mZp+w" />'
    assert untouched(text, "hal+9ooo_da!sY")
    assert covered(text, "r7!Kq_2mZp+w")


@pytest.mark.parametrize(
    "text",
    [
        '{"email": "ops@example.org", "app_password": "qzvt ksrn pwhd fjyc"}',  # Google shows it in fours
        "EMAIL_HOST_PASSWORD=qzvtksrnpwhdfjyc",  # and a .env takes it unspaced, unquoted
        "SMTP_PASS=qzvt-ksrn-pwhd-fjyc",  # Apple's app-specific passwords are hyphenated
        'mail_password: "qzvt ksrn pwhd fjyc"',
    ],
)
def test_an_app_password_of_random_letters_is_a_sure_finding(text):
    """Letters that spell nothing under a password's name: no digit in it, so it once read as a
    variable name (unquoted) or a phrase (spaced) and was at best a suggestion."""
    value = next(v for v in ("qzvt ksrn pwhd fjyc", "qzvt-ksrn-pwhd-fjyc", "qzvtksrnpwhdfjyc") if v in text)
    assert covered(text, value, (AUTO,)), scan_text(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("password=user_password", "user_password"),  # code: a variable
        ("DB_PASSWORD=postgrespassword", "postgrespassword"),  # words run together, as names are
        ("APP_PASSWORD=abcd-efgh-ijkl-mnop", "abcd-efgh-ijkl-mnop"),  # the alphabet, typed for the shape
        ("PASSWORD_FIELD=passwordinput", "passwordinput"),
    ],
)
def test_letters_that_spell_words_or_the_alphabet_are_no_app_password(text, value):
    assert untouched(text, value), scan_text(text)


@pytest.mark.parametrize("name", ["SMTP_PASS", "db_pass", "MAIL_PASS", "redis-pass"])
def test_pass_as_a_word_of_a_name_names_a_password(name):
    """`DB_PASS=…` is as common in .env files as `DB_PASSWORD`; `pass` inside a word (`bypass`,
    `passport`) and the verb before a quoted word are not names."""
    text = f"{name}=hunter2hunter2"
    assert covered(text, "hunter2hunter2", (AUTO,)), scan_text(text)


@pytest.mark.parametrize(
    "text",
    ["tip: to pass '--prompt' as a value, use '-- --prompt'", 'bypass = "routing"', "passport: 'AB1234567'"],
)
def test_pass_inside_a_word_or_as_a_verb_names_nothing(text):
    assert not [f for f in scan_text(text) if f.detector.startswith("rule:")], scan_text(text)
