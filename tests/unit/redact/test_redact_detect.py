"""Detectors on in-memory text: exact spans, tiers, structure left alone, hostile input bounded."""

from __future__ import annotations

import sys

import pytest
from shared_data import FIXTURES
from support.param_ids import short
from support.scan_time import scan_seconds

from tracetui.redact import AUTO, SUGGESTED, Identity, scan_text

sys.path.insert(0, str(FIXTURES / "redact"))
import redact_samples as S  # noqa: E402


def rnd(n, seed, alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"):
    """A fixed random-looking string (fake key material)."""
    import random

    r = random.Random(seed)
    return "".join(r.choice(alphabet) for _ in range(n))


ANTHROPIC = "sk-ant-api03-" + rnd(93, 1) + "AA"
GOOGLE = "AIza" + rnd(35, 2)


def spans(text, **kw):
    return [(text[f.start : f.end], f.kind, f.tier) for f in scan_text(text, **kw)]


def covered(text, secret, tier=AUTO):
    """The whole secret lies inside one finding of the tier."""
    i = text.index(secret)
    return any(f.start <= i and i + len(secret) <= f.end and f.tier == tier for f in scan_text(text))


@pytest.mark.parametrize(
    "text, secret, kind",
    [
        (f"export OPENAI_API_KEY={S.OPENAI}", S.OPENAI, "openai-key"),
        (f"token: {S.GITHUB}", S.GITHUB, "github-token"),
        ("pat github_pat_11" + rnd(80, 3), "github_pat_11" + rnd(80, 3), "github-token"),
        (f"key {ANTHROPIC} end", ANTHROPIC, "anthropic-key"),
        ("HF hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi", "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", "huggingface-token"),
        (f"maps {GOOGLE}", GOOGLE, "google-api-key"),
        (f"id {S.AWS_ID}", S.AWS_ID, "aws-key"),
        (
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "jwt",  # the header rule and the JWT rule agree on the span; the specific name wins
        ),
        ("DATABASE_URL=postgres://app:Pr0dPassw0rd@db.internal:5432/app", "Pr0dPassw0rd", "db-password"),
        ("Cookie: session=9f8e7d6c5b4a39281706aZ; theme=dark", "session=9f8e7d6c5b4a39281706aZ; theme=dark", "cookie"),
    ],
)
def test_formats_caught_with_full_span(text, secret, kind):
    assert covered(text, secret)
    assert any(k == kind for v, k, t in spans(text) if secret in v or v in secret)


def test_jwt_span_includes_signature():
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    found = spans(f"token={jwt};")
    assert (jwt, "jwt", AUTO) in found


def test_pem_block_is_scrubbed_whole_in_both_newline_forms():
    body = "MIIEpAIBAAKCAQEA7" + "QkF3" * 30
    for nl in ("\n", "\\n"):
        pem = f"-----BEGIN RSA PRIVATE KEY-----{nl}{body}{nl}{body}{nl}-----END RSA PRIVATE KEY-----"
        text = f'{{"private_key": "{pem}{nl}", "x": 1}}'
        assert (pem, "private-key", AUTO) in spans(text)


def test_env_lines_from_a_dotenv_read():
    text = "DB_PASSWORD=hunter2\nAPI_TOKEN=abc123def456ghi\nDEBUG=true\nPORT=3000\n"
    found = {v: (k, t) for v, k, t in spans(text)}
    assert found["hunter2"] == ("password", AUTO)
    assert found["abc123def456ghi"][1] == AUTO
    assert "true" not in found and "3000" not in found


def test_allowlist_pragma_in_the_data_is_not_honoured():
    text = f"AWS_ACCESS_KEY_ID={S.AWS_ID}  # pragma: allowlist secret"
    assert covered(text, S.AWS_ID)


def test_github_token_is_one_whole_span_each():
    other = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
    text = f"{S.GITHUB} and {other}"
    found = [v for v, k, _ in spans(text) if k == "github-token"]
    assert found == [S.GITHUB, other]


def test_structural_ids_are_not_findings():
    text = (
        f"uuid {S.UUID} msg {S.MSG_ID} tool {S.TOOLU_ID} call {S.CALL_ID} commit {S.SHA} "
        f"sha256:{'ab' * 32} signature \"{S.SIGNATURE}\" integrity sha512-{'Qm' * 40}=="
    )
    assert spans(text) == [(S.SIGNATURE, "high-entropy", SUGGESTED)] or spans(text) == []


def test_structural_ids_without_signature_give_nothing():
    text = f"uuid {S.UUID} msg {S.MSG_ID} tool {S.TOOLU_ID} call {S.CALL_ID} commit {S.SHA} at 2026-11-21T19:36:11.123+00:00"
    assert spans(text) == []


def test_pii_is_suggested_and_avoids_ids_and_timestamps():
    text = (
        f"mail {S.EMAIL}, call +1 415 555 0100 or (415) 555-0100; git@github.com:o/r.git icon@2x.png "
        f"noreply@anthropic.com a@example.com; server 8.8.4.4, lan 192.168.1.20, v1.2.3.4, "
        f"id {S.UUID} at 2026-11-21 19:36:11, epoch 1732217771000"
    )
    found = spans(text)
    assert found == [
        (S.EMAIL, "email", SUGGESTED),
        ("+1 415 555 0100", "phone", SUGGESTED),
        ("(415) 555-0100", "phone", SUGGESTED),
        ("8.8.4.4", "ip-address", SUGGESTED),
    ]


def test_home_paths_in_every_form():
    ident = Identity(user_names={"jdoe"})
    text = (
        "/Users/jdoe/work /home/jdoe/x C:\\Users\\jdoe\\proj C:\\\\Users\\\\jdoe\\\\p "
        "~/.claude/projects/-Users-jdoe-work-proj/a.jsonl /Users/Shared/x /var/home/jdoe/y /srv/home/z"
    )
    found = [(v, k) for v, k, t in spans(text, identity=ident) if t == AUTO]
    assert found == [
        ("/Users/jdoe", "home-path"),
        ("/home/jdoe", "home-path"),
        ("C:\\Users\\jdoe", "home-path"),
        ("C:\\\\Users\\\\jdoe", "home-path"),
        ("-Users-jdoe", "home-path"),
        ("/var/home/jdoe", "home-path"),  # Fedora's Atomic desktops (Silverblue, Kinoite)
    ]


def test_own_identity_host_email_and_env_values():
    ident = Identity(user_names={"jdoe-dev"}, host_names={"jdoes-mbp"}, emails={"jdoe@corp.example.net"},
                     values={"s3cr3t-v4lue"})
    text = "ssh jdoes-mbp as jdoe-dev (jdoe@corp.example.net) with s3cr3t-v4lue"
    assert spans(text, identity=ident) == [
        ("jdoes-mbp", "host-name", AUTO),
        ("jdoe-dev", "user-name", AUTO),
        ("jdoe@corp.example.net", "email", AUTO),
        ("s3cr3t-v4lue", "env-value", AUTO),
    ]


def test_placeholders_and_code_are_not_secrets():
    text = (
        'password = "${DB_PASSWORD}"\napi_key = os.environ["API_KEY"]\ntoken = get_token()\n'
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nsecret: <your-secret-here>\nkeyboard = qwerty\n"
        "nodePublishSecretRef: &corev1.SecretReference{\nkey: controller-revision-hash\n"
    )
    assert [f for f in scan_text(text) if f.tier == AUTO] == []


def test_bytes_are_scanned_too():
    data = f"key={S.GITHUB}\n".encode()
    found = scan_text(data)
    assert [(data.decode()[f.start : f.end], f.kind) for f in found] == [(S.GITHUB, "github-token")]


@pytest.mark.parametrize(
    "text",
    [
        "password" + " " * 20_000 + "x",
        "api_key" + " " * 50_000 + "=",
        "cloudant_password" + " " * 20_000 + ":" + " " * 5000,
        "A" * 24_000,
        ("QUJD" * 6000)[:24_000],  # one 24,000-character base64 line
        "token=" + "a-" * 30_000,
        "-----BEGIN PRIVATE KEY-----" * 2000,
        "x@" * 30_000,
        "1.2.3." * 20_000,
    ],
    ids=short,
)
def test_hostile_lines_finish_quickly(text):
    assert scan_seconds(text) < 2.0


def test_core_import_keeps_detect_secrets_lazy():
    import subprocess

    code = "import sys, tracetui.redact; print('detect_secrets' in sys.modules, 'textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
