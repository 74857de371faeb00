"""Every edit tool call in the real corpus yields patches; with no repository, states are unknown."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from shared_data import CORPUS, requires_corpus

from tracetui.model import StepKind
from tracetui.sources import group, read_session
from tracetui.trail import SHELL, trail, unified_diff

pytestmark = [requires_corpus, pytest.mark.corpus]


def _sessions(agent: str):
    files = sorted(p for p in (CORPUS / agent).rglob("*") if p.is_file())
    return [read_session(f) for f in group(agent, files)]


@pytest.mark.parametrize("agent", ["claude", "codex", "pi", "gemini", "copilot"])
def test_every_applied_edit_becomes_a_patch(agent):
    calls = patches = 0
    for session in _sessions(agent):
        result = trail(session)
        # A shell step's whole write of a text its words hold is its patch too (origin SHELL), not an edit's.
        per_step = Counter(f.patch.step_id for f in result.fates if f.patch.origin != SHELL)
        assert not any(f.patch.origin == SHELL and f.patch.op != "write" for f in result.fates)
        for step in session.steps:
            if step.kind != StepKind.TOOL_CALL:
                continue
            applied = [e for e in step.edits if e.applied]
            assert per_step[step.id] == len(applied), f"{session.source}: step {step.id}"
            calls += bool(applied)
        patches += len(result.fates)
        if session.cwd and os.path.isdir(session.cwd):
            continue  # a cwd that happens to exist here could be a repository; not the corpus's
        assert result.repo is None
        assert result.note and result.note.startswith("repository not found for ")
        assert {f.state for f in result.fates} <= {"unknown"}
        for fate in result.fates:
            p = fate.patch
            plus = sum(1 for h in p.hunks for x in h.lines if x.startswith("+"))
            minus = sum(1 for h in p.hunks for x in h.lines if x.startswith("-"))
            assert (len(p.added), len(p.removed)) == (plus, minus)
            text = unified_diff(p)
            assert text.count("\n@@ ") == len(p.hunks)
    assert calls > 0 and patches >= calls


_FLOORS = {"before_counts", "before_norms", "before_splits", "others_after", "taken_back", "written_again"}


@pytest.mark.parametrize("agent", ["claude", "codex", "pi", "gemini", "copilot"])
def test_patches_listed_without_counts_are_the_same_but_their_floors(agent):
    # Blame's line index replays every session without the floors (nearly half a replay's time):
    # every other field of every patch is the replay's with them.
    from dataclasses import fields

    from tracetui.trail import session_patches

    compared = 0
    for session in _sessions(agent):
        counted, bare = session_patches(session), session_patches(session, counts=False)
        assert len(bare) == len(counted)
        for a, b in zip(counted, bare):
            for f in fields(a):
                if f.name not in _FLOORS:
                    assert getattr(a, f.name) == getattr(b, f.name), f"{session.source}: {f.name}"
            assert all(getattr(b, name) is None for name in _FLOORS)
            compared += 1
    assert compared > 0
