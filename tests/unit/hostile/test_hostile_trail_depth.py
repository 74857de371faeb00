"""A log's edited paths thousands of folders deep, judged for whether the app's `--repo` is the session's
own clone (`trail.belongs`, each time the trail pane opens) and mapped onto it. Each path's candidate tops
were joined from its parts (quadratic in its depth) and each was resolved by realpath, a system call per
folder: 3 paths of 12,000 folders took over 15 s, 400 of 20,000 hours (found 2026-11-27)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tracetui.model import FileEdit, Session, Step, StepKind
from tracetui.trail import belongs


def _clone(top: Path) -> Path:
    top.mkdir(parents=True)
    (top / "README.md").write_text("hi\n")
    who = ["-c", "user.name=a", "-c", "user.email=a@b"]
    for args in (["init", "-q"], ["add", "."], [*who, "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=top, check=True, capture_output=True)
    return top


def test_paths_thousands_of_folders_deep_are_judged_in_time(tmp_path):
    clone = _clone(tmp_path / "proj")
    deep = "d/" * 12_000
    edits = [FileEdit(path=f"/q/proj/{deep}f{i}", op="edit") for i in range(3)]
    step = Step(id="s", index=0, kind=StepKind.TOOL_CALL, role="assistant", edits=edits)
    session = Session(id="x", agent="claude", source="f", cwd="/q/proj", steps=[step])
    began = time.monotonic()
    assert not belongs(session, clone)  # none of its files is in the clone
    assert time.monotonic() - began < 5
