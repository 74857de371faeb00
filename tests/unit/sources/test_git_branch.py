"""A log's branch field that names no branch: Claude Code 2.1.332 logs `gitBranch: "HEAD"` in a folder
outside git and on a detached HEAD, Copilot CLI 1.0.102 `detached@<short hash>` (both seen by running
them). The session has no branch (and no git facts where nothing else is known). Hand-made records of
the real shapes."""

from __future__ import annotations

import orjson
import pytest
from support.copilot_events import read_events

from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code

SID = "6e1d2c3b-4a59-4687-8796-a5b4c3d2e1f0"
HEAD = "4760e8e83c094d40c02877bc55d4dfb4b46ece9b"


def _claude(*branches: str):
    lines = []
    parent = None
    for n, branch in enumerate(branches):
        kind = "user" if n % 2 == 0 else "assistant"
        message = {"role": kind, "content": f"said {n}"}
        if kind == "assistant":
            message |= {"id": f"m{n}", "model": "claude-x"}
        lines.append(orjson.dumps({"type": kind, "uuid": f"u{n}", "parentUuid": parent, "sessionId": SID,
                                   "cwd": "/w/shop", "gitBranch": branch, "version": "2.1.332",
                                   "timestamp": f"2026-11-30T06:12:2{n}.000Z", "message": message}))
        parent = f"u{n}"
    return claude_code.read(RawLog(f"/h/.claude/projects/-w-shop/{SID}.jsonl", b"\n".join(lines) + b"\n"), [])


@pytest.mark.parametrize("branches, git", [
    (("HEAD", "HEAD"), None),  # outside git, or detached the whole time
    (("main", "HEAD"), {"branch": "main", "commit": None, "remote": None}),  # went detached: the branch stays
    (("HEAD", "main"), {"branch": "main", "commit": None, "remote": None}),
    (("", "feature/x"), {"branch": "feature/x", "commit": None, "remote": None}),
])
def test_claude_code_s_head_is_no_branch(branches, git):
    s = _claude(*branches)
    assert (s.git.to_dict() if s.git else None) == git


@pytest.mark.parametrize("branch, git", [
    ("detached@4760e8e", {"branch": None, "commit": HEAD, "remote": None}),
    ("master", {"branch": "master", "commit": HEAD, "remote": None}),
])
def test_copilot_s_detached_head_is_no_branch(branch, git):
    sid = "0d0d0d0d-1111-4222-8333-444455556666"
    start = ("session.start", {"sessionId": sid, "copilotVersion": "1.0.102",
                               "context": {"cwd": "/w/shop", "gitRoot": "/w/shop", "branch": branch, "headCommit": HEAD}})
    s = read_events(f"/h/.copilot/session-state/{sid}/events.jsonl", [start, ("user.message", {"content": "hi"})],
                    hour="2026-11-30T06")
    assert s.git is not None and s.git.to_dict() == git
