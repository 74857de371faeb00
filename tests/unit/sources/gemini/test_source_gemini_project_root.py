"""Gemini CLI's short project folders (2026-02 on: `~/.gemini/tmp/<slug>/`) hold a `.project_root`
with the project's root path. A session whose log names no path under that root (a question, shell
commands only) still ran there: its cwd comes from that file (hand-made, tests/fixtures/gemini-root),
unless the session's projectHash says it belongs to another root (the slug reused after a move).
Found in AnthonyontheHub/TP-Tutor, whose home-folder sessions showed no project."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from shared_data import FIXTURES, mirror

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter, StepKind
from tracetui.sources import read_session
from tracetui.sources.gemini import reader as gemini

TMP = FIXTURES / "gemini-root" / "tmp"
GARDEN = TMP / "garden-notes"
MOVED = TMP / "moved"


def _sessions(folder: Path):
    found = [p for p in folder.rglob("*") if p.is_file()]
    return [read_session(files) for files in gemini.group(found)]


def test_the_project_root_file_gives_the_cwd_of_a_session_that_names_no_path():
    [files] = gemini.group([p for p in GARDEN.rglob("*") if p.is_file()])
    assert sorted(Path(c).name for c in files.companions) == [".project_root", "logs.json"]
    [session] = _sessions(GARDEN)
    assert session.cwd == "/home/ines/garden-notes"
    assert [s.text for s in session.steps if s.role == "user"] == ["what is my localhost address?"]
    assert session.errors == [] and session.skipped == {}


def test_a_root_the_project_hash_disowns_is_not_taken():
    [session] = _sessions(MOVED)
    assert session.cwd is None


def test_a_sync_lists_the_session_under_its_project(tmp_path):
    src = tmp_path / "gemini"
    shutil.copytree(TMP, src / "tmp")
    with Bucket.open(tmp_path / "b") as b:
        b.sync({"gemini": [src]})
        rows = {r.id: r for r in b.list_sessions(SessionFilter(include_hidden=True))}
        assert rows["7c1d2e3f-6666-4f4f-8a8a-998877665544"].cwd == "/home/ines/garden-notes"
        assert rows["8d2e3f40-7777-4a4a-9b9b-112233445566"].cwd is None


TP_TUTOR = mirror("AnthonyontheHub", "TP-Tutor")


@pytest.mark.skipif(TP_TUTOR is None, reason="AnthonyontheHub/TP-Tutor was not fetched into /work/.mirror")
def test_tp_tutor_home_sessions_have_their_cwd(tmp_path):
    assert TP_TUTOR is not None
    slug = ".gemini/tmp/anthonyguera"
    names = ["chats/session-2026-04-24T23-49-895dfa7b.jsonl", ".project_root"]
    for name in names:
        blob = subprocess.run(
            ["git", "--git-dir", str(TP_TUTOR), "show", f"HEAD:{slug}/{name}"],
            capture_output=True,
            check=True,
        ).stdout
        target = tmp_path / slug / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
    [session] = _sessions(tmp_path / slug)
    assert session.cwd == "/home/anthonyguera"
    assert sum(1 for s in session.steps if s.role == "user") == 6
    assert sum(1 for s in session.steps if s.kind == StepKind.TOOL_CALL) == 33


def test_a_session_only_logs_json_remembers_gets_the_root_too(tmp_path):
    src = tmp_path / "gemini"
    shutil.copytree(TMP, src / "tmp")
    with Bucket.open(tmp_path / "b") as b:
        b.sync({"gemini": [src]})
        rows = {r.id: r for r in b.list_sessions(SessionFilter(include_hidden=True))}
        assert rows["9e3f4051-8888-4b4b-8c8c-223344556677"].cwd == "/home/ines/garden-notes"
        assert rows["9e3f4051-8888-4b4b-8c8c-223344556677"].title == "the app crashes on start, fix it"
