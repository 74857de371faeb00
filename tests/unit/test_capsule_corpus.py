"""Sealing real sessions from the corpus: every agent's format seals, verifies and opens."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tracetui import sources
from tracetui.capsule import open_capsule, seal, verify
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.redact import build_plan, scan_session
from tracetui.trail import session_patches

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "capsule"))
from capsule_kit import shared  # noqa: E402

pytestmark = [shared.requires_corpus, pytest.mark.corpus]


def _small_session_with_edits(agent: str):
    """The smallest corpus session of this agent that edits files (kept small for speed)."""
    files = shared.corpus_files(agent, "*")
    groups = sorted(sources.group(agent, files), key=lambda g: sum(p.stat().st_size for p in g.all))
    for group in groups:
        session = sources.read_session(group)
        if len(session.steps) >= 5 and session_patches(session):
            return session
    pytest.skip(f"no {agent} session with edits in the corpus")


@pytest.mark.parametrize("agent", ["claude", "codex", "pi", "gemini", "copilot", "opencode"])
def test_corpus_session_seals_verifies_and_opens(tmp_path, agent):
    session = _small_session_with_edits(agent)
    plan = build_plan(session, scan_session(session, workers=0))
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
