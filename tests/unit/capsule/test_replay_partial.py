"""A capsule whose patches do not all apply still gets a verdict: the check runs on what applied, the
verdict says it is partial and lists what did not apply and why; the user can skip named patches;
bisect searches over the patches that apply.

Issue 40: every capsule of a session whose agent made a file through a shell script (spec-kit) was
`inconclusive` with no check run, and `--bisect` gave up."""

from __future__ import annotations

import sys

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, REPRODUCES, CapsuleError, bisect, open_capsule, replay, seal
from tracetui.capsule import manifest as mf
from tracetui.capsule.archive import read_archive, write_archive
from tracetui.cli import main

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

SECRET = b"\x09" * 32


def _create(step: str, path: str, *lines: str) -> dict:
    return {"step": step, "path": path, "op": "create", "hunks": [{"lines": [f"+{ln}" for ln in lines]}]}


# A shell step made `spec.md`, which the log never showed: the agent's edit of it cannot apply.
RECORDS = [
    _create("c1", "notes.txt", "first"),
    {"step": "c2", "path": "spec.md", "op": "update", "old_start": 1,
     "hunks": [{"old_start": 1, "lines": ["-# Spec", "+# Spec, revised"]}]},  # fmt: skip
    _create("c3", "broken.flag", "the check fails once this exists"),
    _create("c4", "more.txt", "later"),
]
CHECK = "test ! -f broken.flag"


@pytest.fixture
def forged(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    for i, step in enumerate(session.steps):
        step.id = f"c{i}"
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ok.capsule", secret=SECRET)
    members = read_archive((tmp_path / "ok.capsule").read_bytes(), mf.ALLOWED)
    manifest = orjson.loads(members[mf.MANIFEST])
    members[mf.TRAIL] = mf.canonical_lines(RECORDS)
    payload = {k: v for k, v in members.items() if k in mf.PAYLOAD}
    manifest = {**manifest, "members": {k: mf.member_entry(v) for k, v in sorted(payload.items())}}
    out = tmp_path / "partial.capsule"
    out.write_bytes(write_archive({mf.MANIFEST: mf.canonical(manifest), **payload}))
    return repo, out


def test_the_check_runs_on_what_applied_and_the_verdict_says_partial(forged):
    repo, capsule = forged
    result = replay(open_capsule(capsule), repo, check=CHECK, trust=True)
    assert result.base_check is not None, result.reason  # the old replay ran no check at all
    assert result.verdict == REPRODUCES and result.partial
    assert (result.applied, result.failed) == (3, 1)
    assert "partial: patches not applied: 1 of 4 at the base commit" in result.reason
    [missed] = [p for p in result.patches if not p.ok]
    assert (missed.step, missed.path, missed.reason) == ("c2", "spec.md", "the file does not exist")


def test_a_skipped_patch_is_not_applied_and_said(forged):
    repo, capsule = forged
    opened = open_capsule(capsule)
    number = str(next(s.index for s in opened.steps if s.id == "c3"))
    result = replay(opened, repo, check=CHECK, trust=True, skip=[number])
    assert result.verdict == INCONCLUSIVE and "does not show" in result.reason  # without c3 the check passes
    assert any(p.step == "c3" and not p.ok and "skipped" in (p.reason or "") for p in result.patches)
    with pytest.raises(CapsuleError, match="no step 999"):
        replay(opened, repo, check=CHECK, trust=True, skip=["999"])


def test_bisect_searches_the_patches_that_apply(forged):
    repo, capsule = forged
    result = bisect(open_capsule(capsule), repo, CHECK, trust=True)
    assert result.verdict == REPRODUCES and result.first_step == "c3"
    assert [p["path"] for p in result.minimal_patches] == ["broken.flag"]
    assert [(p["step"], p["path"]) for p in result.not_applied] == [("c2", "spec.md")]


def test_the_cli_lists_what_did_not_apply_and_exits_by_the_verdict(forged, capsys):
    repo, capsule = forged
    code = main(["replay", str(capsule), "--repo", str(repo), "--check", CHECK, "--trust"])
    out = capsys.readouterr().out
    assert code == 1 and "partial" in out and "did not apply:" in out and "spec.md" in out
    assert main(["replay", str(capsule), "--repo", str(repo), "--check", CHECK, "--trust", "--skip", "nope"]) == 2
