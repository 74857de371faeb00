"""Issue 35: spellings a reader joins. A token's letters set apart by single separators, string literals a
compiler joins (`+`, adjacent literals, a character array's `.join('')`), a secret split across two
consecutive steps, a private key's body without its header lines, and credential files' lines (`.pgpass`
written by `echo` or inside a JSON string, `.netrc`, `.pypirc`, `.npmrc`, AWS `credentials` holding a
passphrase). Every value is made up here; each class has look-alikes that must stay clean."""

from __future__ import annotations

import sys

import pytest
from support.carriers import (
    AWS_SECRET,
    CERT_BODY,
    CREDENTIAL_LINES,
    KEY_BODY,
    PASSPHRASE,
    PUBLIC_BODY,
    SPELLED,
    SPELLED_LOOK_ALIKES,
    TOKEN,
)
from shared_data import TESTS

from tracetui.capsule import seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.cli import main
from tracetui.redact import AUTO, build_plan, iter_fields, scan_session, scan_text

sys.path.insert(0, str(TESTS))
import agent_logs as al  # noqa: E402


def _covers(text: str, value: str, tier: str | None = None) -> bool:
    at = text.index(value)
    return any(
        f.start <= at and at + len(value) <= f.end and (tier is None or f.tier == tier) for f in scan_text(text)
    )


@pytest.mark.parametrize("name", sorted(SPELLED))
def test_a_spelling_a_reader_joins_is_a_sure_finding_over_all_of_it(name):
    text = SPELLED[name]
    sure = [f for f in scan_text(text) if f.tier == AUTO]
    if name == "pem-body":
        assert [f.kind for f in sure] == ["private-key"]
        assert sure[0].start <= text.index(KEY_BODY) and sure[0].end >= text.index(KEY_BODY) + len(KEY_BODY)
        return
    assert [f.kind for f in sure] == ["github-token"], sure
    first = text.index(TOKEN[0] if name not in ("plus", "implicit", "lua") else '"ghp_"')
    last = text.rindex(TOKEN[-1]) + 1
    assert sure[0].start <= first and sure[0].end >= last


@pytest.mark.parametrize("name", sorted(CREDENTIAL_LINES))
def test_a_credential_file_s_passphrase_is_found(name):
    assert _covers(CREDENTIAL_LINES[name], PASSPHRASE), name


@pytest.mark.parametrize("text", SPELLED_LOOK_ALIKES)
def test_look_alikes_stay_clean(text):
    assert scan_text(text) == []


@pytest.mark.parametrize("body", [PUBLIC_BODY, CERT_BODY], ids=["public-key", "certificate"])
def test_a_public_key_or_certificate_body_is_no_private_key(body):
    assert "private-key" not in {f.kind for f in scan_text("pub:\n" + body + "\n")}


def test_a_secret_split_across_two_consecutive_steps_is_found_on_both_halves(tmp_path):
    turns = [al.Prompt(f"here: aws_secret_access_key = {AWS_SECRET[:20]}"), al.Prompt(f"{AWS_SECRET[20:]} (the rest)")]
    session = al.session_of("claude", turns, tmp_path)
    texts = {(f.step, f.name): f.text for f in iter_fields(session)}
    found = {texts[(f.step, f.field)][f.start : f.end] for f in scan_session(session, workers=0) if f.tier == AUTO}
    assert AWS_SECRET[:20] in found and AWS_SECRET[20:] in found


def test_a_split_of_words_across_steps_stays_clean(tmp_path):
    turns = [al.Prompt("please refactor the implementation"), al.Prompt("configuration afterwards")]
    session = al.session_of("claude", turns, tmp_path)
    assert [f for f in scan_session(session, workers=0) if f.step is not None] == []


def test_no_spelling_leaves_in_a_capsule_or_an_export(tmp_path, capsys):
    shown = "\n".join([*SPELLED.values(), *CREDENTIAL_LINES.values()])
    turns: list[al.Turn] = [
        al.Prompt("look at these"),
        al.Read("notes/keys.txt", shown),
        al.Prompt(f"and aws_secret_access_key = {AWS_SECRET[:20]}"),
        al.Prompt(f"{AWS_SECRET[20:]} is the rest"),
    ]
    src = tmp_path / "src"
    session = al.session_of("claude", turns, src)
    plan = build_plan(session, scan_session(session, workers=0))
    outputs = {"capsule": b"\n".join(read_archive(seal(session, plan, accept_suggested=True).data, ALLOWED).values())}
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"claude={src / 'claude' / 'projects'}", "--json"]) == 0
    for fmt in ("raw", "atif", "md"):
        dest = tmp_path / fmt
        pick = ["--sessions", session.id] if fmt == "md" else []
        capsys.readouterr()
        assert main([*bucket, "export", str(dest), "--format", fmt, *pick, "--accept-suggested", "--json"]) == 0
        outputs[fmt] = b"\n".join(p.read_bytes() for p in dest.rglob("*") if p.is_file())
    needles = [
        TOKEN[4:18], TOKEN[22:], " ".join(TOKEN[4:20]), ".".join(TOKEN[4:20]), "','".join(TOKEN[4:12]),
        KEY_BODY.splitlines()[1], PASSPHRASE, AWS_SECRET[:20], AWS_SECRET[20:],
    ]
    for where, blob in outputs.items():
        for needle in needles:
            assert needle.encode() not in blob, f"{needle[:6]}… left in the {where}"
