"""A working folder no system can enter: a name in it past 255 bytes (NAME_MAX), or the whole path past
4,096 (PATH_MAX), up to a log's megabytes. A log (or a capsule) chooses the cwd a resume runs in.

Found 2026-11-29 by a red team: Claude Code, Pi and Gemini CLI refused such a folder (their store's
folder is named from it and the file system said no), but Codex, OpenCode and Copilot CLI wrote the
session, its record holding a cwd of up to megabytes, and printed `cd <that> && ...`, which no shell
can run (`cd` fails with ENAMETOOLONG): a session in the user's store that nothing can resume. Now
`checked_cwd` refuses it in one line, writing nothing, for every agent."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.errors import TracetuiError
from tracetui.resume import TARGETS, write_session
from tracetui.sources import group, read_session

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
CWDS = {
    "a name past 255 bytes": "/home/" + "a" * 256,
    "a name past 255 bytes, of fewer characters": "/home/" + "\u00e9" * 128,
    "a path past 4096 bytes": "/" + "/".join(["d" * 200] * 21),
    "a log's megabyte": "/" + "a/" * 500_000 + "b",
}


@pytest.mark.parametrize("agent", TARGETS)
@pytest.mark.parametrize("case", CWDS)
def test_a_working_folder_no_system_can_enter_is_refused_in_one_line(tmp_path, agent, case):
    session = read_session(group("codex", [FIXTURES / "codex" / "current.jsonl"])[0])
    last = max(s.index for s in session.steps if s.active and s.subagent is None and s.text)
    with pytest.raises(TracetuiError) as caught:
        write_session(session, None, last, agent=agent, cwd=CWDS[case], env={}, home=tmp_path, now=NOW)
    said = str(caught.value)
    assert "\n" not in said and len(said) < 300, said
    assert list(tmp_path.rglob("*")) == [], (case, agent)


def test_a_long_folder_a_system_can_enter_is_taken(tmp_path):
    session = read_session(group("codex", [FIXTURES / "codex" / "current.jsonl"])[0])
    last = max(s.index for s in session.steps if s.active and s.subagent is None and s.text)
    cwd = "/" + "/".join(["d" * 255] * 15)  # 3,840 bytes, every name at the bound
    done = write_session(session, None, last, agent="codex", cwd=cwd, env={}, home=tmp_path, now=NOW)
    assert done.cwd == cwd and Path(done.path).is_file()
