"""A home outside the known prefixes is learnt from the log's own evidence (the folder holding the
agent's store, `redact/identity.py`'s `homes_in`). A log is hostile: what it names must not make a
system folder, the root or a path with `..` a home (every path under it would read `<HOME>`), nor
list homes without end, nor make the scan slow."""

from __future__ import annotations

import time

import pytest

from tracetui.model import Session, Step
from tracetui.redact import identity_from_session
from tracetui.redact.identity import MAX_HOMES, homes_in


def _session(*texts: str) -> Session:
    steps = [Step(id=f"s{n}", index=n, kind="tool_result", role="tool", text=t)
             for n, t in enumerate(texts)]
    return Session(id="h1", agent="codex", source="/logs/x.jsonl", cwd="/w", steps=steps)


@pytest.mark.parametrize("evidence", [
    "/.claude/projects/x", "/srv/.claude/projects/x", "/usr/.codex/sessions/x", "/opt/.pi/agent/x",
    "/mnt/data/.gemini/tmp/x", "/a/../.claude/projects/x", "/a/./.copilot/session-state/x",
    "/srv/.../.claude/projects/x", "/srv/ci/.local/share/opencode/x", "/x/y\n/.claude/projects",
    "~/quillon/.claude/projects/x", "C:/srv/quillon/.claude/projects", "http://h/srv/quillon/.claude/projects",
])
def test_a_log_cannot_make_a_system_folder_a_home(evidence):
    assert identity_from_session(_session(f"see {evidence}")).home_paths == set()


def test_a_log_listing_many_homes_gives_a_bounded_few():
    text = " ".join(f"/srv/person{n:04d}/.claude/projects/x" for n in range(5000))
    assert len(identity_from_session(_session(text)).home_paths) == MAX_HOMES


def test_long_runs_of_path_characters_are_read_in_linear_time():
    texts = ["/" + "a/" * 200_000 + ".claude/projects", ("/abcdefgh" * 9 + " ") * 40_000 + "/.claude/",
             "x/" * 300_000 + "/.codex/sessions"]
    started = time.perf_counter()
    assert homes_in(texts) == set()
    assert time.perf_counter() - started < 5
