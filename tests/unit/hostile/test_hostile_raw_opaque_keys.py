"""The raw format's gate leaves a signature's or a hash's blob out (base64 reads as a token to a
pattern), but only the blob: what a key of that name holds that is no blob is read.

The gate left out whatever a key named `signature`, `hash`, `sha`, `digest`, `etag`... held, at any
depth of any record: a whole object or list under it, and a sentence. A part of a record no reader
shows (Claude Code's `toolUseResult`, a field the readers do not know) is in no plan, so the gate is
all that reads it: a token there went out in the raw export, and `export --check` passed it. Found by
exporting a Claude log with a token under each such key. Tokens are made up.

A key of a known format as such a key's whole value, long and unbroken (`sk-proj-` and 156 more), was
taken for a blob too: only the format rules (`rules.holds_credential`) tell it from a signature, and
the signatures and encrypted reasoning here are random bytes in the agents' encodings.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest
from support.made_up import HEX, drawn
from support.made_up import github_token as _token

from tracetui.cli import main
from tracetui.export.raw import _BLOB, gate_view
from tracetui.redact import scan_text

SID = "7b7b7b7b-1111-4222-8333-444455556666"


# Where a token sits under a key the gate takes for a blob's.
HIDDEN = {
    "object": lambda t: {"digest": {"note": f"token {t}"}},
    "list": lambda t: {"sha": [f"x {t}"]},
    "sentence": lambda t: {"hash": f"see {t} here"},
    "bare-short": lambda t: {"etag": t},
    "top-level-object": lambda t: {"signature": {"k": t}},
}


def _log(folder: Path, hidden: dict[str, Any] | None = None) -> Path:
    base: dict[str, Any] = {"parentUuid": None, "sessionId": SID, "cwd": "/srv/app", "version": "2.0.30",
            "isSidechain": False, "userType": "external"}
    first = {"type": "user", "uuid": "u1", "timestamp": "2026-03-01T10:00:00.000Z",
             "message": {"role": "user", "content": "hello"}}
    records: list[dict[str, Any]] = [{**base, **first}]
    results = {name: hide(_token(name)) for name, hide in HIDDEN.items()} if hidden is None else hidden
    for n, (_, result) in enumerate(sorted(results.items()), 2):
        records.append({**base, "type": "user", "uuid": f"u{n}", "parentUuid": f"u{n - 1}",
                        "timestamp": f"2026-03-01T10:{n // 60:02d}:{n % 60:02d}.000Z",
                        "message": {"role": "user", "content": f"step {n}"},
                        "toolUseResult": result})
    path = folder / "claude" / "-srv-app" / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder / "claude"


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_the_gate_reads_what_a_blob_s_key_holds_that_is_no_blob(name):
    token = _token(name)
    assert token.encode() in gate_view(json.dumps(HIDDEN[name](token)).encode())


def test_a_blob_is_still_left_out():
    blob = "EpwXClsIDBgCKkC4lesOmuoVEHPl7Go4jVdu2XlSJOt5QkCOELkbkhEkRt2B" * 4
    for key in ("signature", "encrypted_content", "sha256", "etag"):
        assert blob.encode() not in gate_view(json.dumps({key: blob}).encode())
    assert b"5b82606728" not in gate_view(json.dumps({"hash": "sha256:5b82606728" + "ab" * 20}).encode())


def test_no_token_under_a_blob_s_key_leaves_in_a_raw_export(tmp_path, capsys):
    bucket = tmp_path / "bucket"
    source = f"claude={_log(tmp_path / 'logs')}"
    assert main(["--bucket", str(bucket), "sync", "--source", source, "--json"]) == 0
    dest = tmp_path / "raw"
    args = ["export", str(dest), "--format", "raw", "--accept-suggested", "--json"]
    code = main(["--bucket", str(bucket), *args])
    assert code == 0, capsys.readouterr()
    written = b"".join(p.read_bytes() for p in dest.rglob("*") if p.is_file())
    assert b"step 2" in written
    assert [n for n in sorted(HIDDEN) if _token(n)[4:30].encode() in written] == []


# Made-up keys of several providers' formats that are blob-shaped (an unbroken run of 64 or more, or a
# named hex digest's shape), so only the format rules tell them from a signature.
KEYS = {
    "openai-project": "sk-proj-" + drawn("openai", 156),
    "anthropic": "sk-ant-api03-" + drawn("anthropic", 93) + "AA",
    "github-fine-grained": "github_pat_" + drawn("github", 82),
    "stripe": "sk_live_" + drawn("stripe", 99),
    "xai": "xai-" + drawn("xai", 80),
    "digitalocean": "dop_v1_" + drawn("digitalocean", 64, HEX),
    "openrouter": "sk-or-v1-" + drawn("openrouter", 64, HEX),
    "bedrock": "ABSK" + drawn("bedrock", 120),
    "atlassian": "ATATT3" + drawn("atlassian", 180),
    "facebook": "EAAC" + drawn("facebook", 120),  # an `E`, as Claude's signatures start
    "pulumi": "pul-" + drawn("pulumi", 40, HEX),  # the shape of a named digest (`sha256-…`)
    "mailgun": "key-" + drawn("mailgun", 32, HEX),
    "assigned": "token=sk-proj-" + drawn("assigned", 156),
}
BLOB_KEYS = ("signature", "encrypted_content", "hash", "etag")


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_a_long_bare_token_under_a_blob_s_key_is_read(kind):
    token = KEYS[kind]
    assert _BLOB.fullmatch(token) and scan_text(token), "the case is a blob-shaped key the rules find"
    for key in BLOB_KEYS:
        assert token.encode() in gate_view(json.dumps({key: token}).encode()), key


def _claude_signature(rng: random.Random, size: int) -> str:
    """A thinking block's signature as Claude writes one: a protobuf message (field 2, a length) in
    standard base64, so `E` then one of `g`-`v`, and `+` and `/` among the rest."""
    head = bytes([0x12, rng.randrange(128, 256), rng.randrange(1, 128)])
    return base64.b64encode(head + rng.randbytes(size)).decode()


def _codex_encrypted(rng: random.Random, size: int) -> str:
    """Codex's encrypted reasoning: a Fernet token (version 0x80, a timestamp, an IV, the ciphertext, an
    HMAC) in URL-safe base64, so `gAAAAA` first."""
    head = b"\x80" + (1_760_000_000).to_bytes(8, "big") + rng.randbytes(16)
    return base64.urlsafe_b64encode(head + rng.randbytes(size) + rng.randbytes(32)).decode()


def test_real_signature_shaped_blobs_are_still_left_out():
    rng = random.Random(20261129)
    blobs = [make(rng, size) for make in (_claude_signature, _codex_encrypted)
             for size in (60, 200, 700, 2_000, 6_000) for _ in range(40)]
    # A loose rule's shape after a `/` inside a signature (Artifactory's `AP` and a hex digit), which the
    # rules find where a value starts: base64 puts such a run there by chance.
    blobs.append(_claude_signature(rng, 300)[:40] + "/APAwdeQsMD3js6N9KwQektA" + _claude_signature(rng, 300))
    view = gate_view(b"\n".join(json.dumps({key: blob}).encode() for blob in blobs for key in BLOB_KEYS))
    assert [blob[:12] for blob in blobs if blob.encode() in view] == []


def test_no_long_token_under_a_blob_s_key_leaves_in_a_raw_export(tmp_path, capsys):
    hidden = {f"{kind}-{key}": {key: token} for kind, token in KEYS.items() for key in BLOB_KEYS}
    bucket = tmp_path / "bucket"
    source = f"claude={_log(tmp_path / 'logs', hidden)}"
    assert main(["--bucket", str(bucket), "sync", "--source", source, "--json"]) == 0
    dest = tmp_path / "raw"
    args = ["export", str(dest), "--format", "raw", "--accept-suggested", "--json"]
    assert main(["--bucket", str(bucket), *args]) == 0, capsys.readouterr()
    written = b"".join(p.read_bytes() for p in dest.rglob("*") if p.is_file())
    assert b"step 2" in written
    assert [kind for kind, token in KEYS.items() if token[-24:].encode() in written] == []
