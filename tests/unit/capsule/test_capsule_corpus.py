"""Sealing real sessions from the corpus: every agent's format seals, verifies and opens."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui import sources
from tracetui.capsule import open_capsule, seal, verify
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.model import Session
from tracetui.redact import Finding, PlanStore, build_plan, scan_session
from tracetui.trail import session_patches

sys.path.insert(0, str(FIXTURES / "capsule"))
from capsule_kit import shared  # noqa: E402

from support.built_once import PLANTED_GROUP, planted_corpus  # noqa: E402

pytestmark = [shared.requires_corpus, pytest.mark.corpus]


def _findings(session: Session, tmp_path: Path, factory: pytest.TempPathFactory) -> list[Finding]:
    """The session's findings, by a scan that starts from the run's one scan of the corpus (the
    planted corpus's scan caches, `support.built_once`): only what that scan did not see is scanned
    again. Scanning every field of every session here was half this module's CPU."""
    built = planted_corpus(factory) / "bucket"
    scanned = PlanStore(built / "plans", built / "cache" / "scan-cache").cache_path(session.id)
    cache = tmp_path / "scan.json"
    if scanned.is_file():
        shutil.copyfile(scanned, cache)  # a copy: what this scan adds is this test's
    return scan_session(session, workers=0, cache_path=cache)


def _small_session_with_edits(agent: str):
    """The smallest corpus session of this agent that edits files (kept small for speed)."""
    files = shared.corpus_files(agent, "*")
    groups = sorted(sources.group(agent, files), key=lambda g: sum(p.stat().st_size for p in g.all))
    for group in groups:
        session = sources.read_session(group)
        if len(session.steps) >= 5 and session_patches(session):
            return session
    pytest.skip(f"no {agent} session with edits in the corpus")


@PLANTED_GROUP
@pytest.mark.parametrize("agent", ["claude", "codex", "pi", "gemini", "copilot", "opencode"])
def test_corpus_session_seals_verifies_and_opens(tmp_path, tmp_path_factory, agent):
    session = _small_session_with_edits(agent)
    plan = build_plan(session, _findings(session, tmp_path, tmp_path_factory))
    out = tmp_path / "c.capsule"
    result = seal(session, plan, out=out, accept_suggested=True, secret=b"s" * 32)
    assert seal(session, plan, accept_suggested=True, secret=b"s" * 32).data == out.read_bytes()
    report = verify(out)
    assert report.ok and report.capsule_id == result.capsule_id and report.agent == agent
    opened = open_capsule(out)
    sealed = opened.session(session.id)
    assert [s.id for s in sealed.steps] == [s.id for s in session.steps]
    assert [s.kind for s in sealed.steps] == [s.kind for s in session.steps]
    assert len(opened.fates) == result.patches >= 1
    for row in opened.receipt:
        assert set(row) == {"placeholder", "kind", "tier", "count", "decided_by", "fingerprint"}
    # Every value the plan scrubbed is gone from every member.
    members = read_archive(out.read_bytes(), ALLOWED)
    blob = b"".join(members.values())
    from tracetui.capsule.scrub import entries

    for entry in entries(session, plan):
        if entry.value and len(entry.value) >= 8 and entry.decision != "rejected":
            assert entry.value.encode() not in blob, entry.kind
    # The log's own location on the author's disk is not in the capsule.
    assert session.source.encode() not in blob
    assert not re.search(rb'"source":"/', members["capsule.json"])


RTCHESS_LOG = "pinouchon__rtchess__dev_history__019aad50-a7e6-7422-b7a8-0b384290624f_rtchess_1.jsonl"


@pytest.mark.slow
def test_a_real_codex_episode_seals_with_its_clone_and_replays_on_a_fresh_one(tmp_path):
    """Codex logs name files by absolute paths under the author's home. Sealed with `--repo` on a
    clone anywhere, the patches become repo-relative, and every one applies on a fresh clone."""
    import subprocess

    from tracetui.cli import main

    from shared_data import CORPUS, mirror

    bare = mirror("pinouchon", "rtchess")
    log = CORPUS / "codex" / RTCHESS_LOG
    if bare is None or not log.is_file():
        pytest.skip("the rtchess mirror (fetch github:pinouchon/rtchess) or its corpus log is absent")
    for name in ("clone", "fresh"):
        subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / name)], check=True)
    src = tmp_path / "src"
    src.mkdir()
    (src / "rollout-2025-11-22T20-45-00-019aad50-a7e6-7422-b7a8-0b384290624f.jsonl").write_bytes(log.read_bytes())
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"codex={src}"]) == 0
    out = tmp_path / "episode.capsule"
    assert main([*bucket, "seal", "019aad50", "--steps", "312:433", "--repo", str(tmp_path / "clone"),
                 "--accept-suggested", "-o", str(out)]) == 0  # fmt: skip
    capsule = open_capsule(out)
    paths = {f["path"] for f in capsule.fates or []}
    assert paths and not any(p.startswith(("/", "<HOME>")) for p in paths)  # repo-relative, not scrubbed homes
    from tracetui.capsule import replay

    result = replay(capsule, tmp_path / "fresh")
    assert (result.applied, result.failed) == (21, 0)


def _every_session():
    if not shared.CORPUS.is_dir():
        return []
    return [
        pytest.param(agent, group, id=f"{agent}-{group.main.name[:60]}")
        for agent in ("claude", "codex", "pi", "gemini", "copilot", "opencode")
        for group in sources.group(agent, shared.corpus_files(agent, "*"))
    ]


@PLANTED_GROUP
@pytest.mark.parametrize(("agent", "group"), _every_session())
def test_every_corpus_session_seals_into_a_capsule_that_passes_its_own_check(tmp_path, tmp_path_factory, agent, group):
    """A big Gemini session read a .env of settings; scrubbing `update` by value made its patches'
    op a placeholder and the capsule failed `capsule verify`. Whatever a log holds, what the seal
    writes must open."""
    session = sources.read_session(group)
    if not session.steps:
        pytest.skip("a session without steps has nothing to seal")
    plan = build_plan(session, _findings(session, tmp_path, tmp_path_factory))
    out = tmp_path / "c.capsule"
    seal(session, plan, out=out, accept_suggested=True, secret=b"s" * 32)
    assert verify(out).ok
    sealed = open_capsule(out).session(session.id)
    assert [(s.kind, s.role) for s in sealed.steps] == [(s.kind, s.role) for s in session.steps]
