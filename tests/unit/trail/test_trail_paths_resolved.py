"""A session's patches resolve each path against the file system once (`paths_resolved_once`); outside
a call, every resolution asks the file system again, since the app lives long and a link may change."""

from __future__ import annotations

import os
import threading

from tracetui.model import FileEdit, Session, Step, StepKind
from tracetui.trail import paths, session_patches
from tracetui.trail.paths import paths_resolved_once, relative_path


def _counting(monkeypatch) -> list[str]:
    asked: list[str] = []
    real = os.path.realpath

    def realpath(path, *args, **kwargs):
        asked.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(paths.os.path, "realpath", realpath)
    return asked


def test_within_a_call_each_path_is_resolved_once(monkeypatch, tmp_path):
    asked = _counting(monkeypatch)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with paths_resolved_once():
        for _ in range(3):
            assert relative_path(f"{tmp_path}/link/a.py", str(tmp_path / "real")) == ("a.py", True)
        with paths_resolved_once():  # nested: the same memo
            relative_path(f"{tmp_path}/link/a.py", str(tmp_path / "real"))
    assert sorted(asked) == sorted({f"{tmp_path}/link/a.py", str(tmp_path / "real")})
    asked.clear()
    relative_path(f"{tmp_path}/link/a.py", str(tmp_path / "real"))
    relative_path(f"{tmp_path}/link/a.py", str(tmp_path / "real"))
    assert len(asked) == 4  # outside: asked every time


def test_a_link_changed_between_two_calls_is_seen(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "one")
    with paths_resolved_once():
        assert relative_path(f"{link}/a.py", str(tmp_path / "one"))[1]
    link.unlink()
    link.symlink_to(tmp_path / "two")
    with paths_resolved_once():
        assert not relative_path(f"{link}/a.py", str(tmp_path / "one"))[1]
        assert relative_path(f"{link}/a.py", str(tmp_path / "two"))[1]


def test_another_thread_keeps_its_own_memo(monkeypatch, tmp_path):
    asked = _counting(monkeypatch)
    seen: list[int] = []

    def other() -> None:
        relative_path(f"{tmp_path}/b.py", str(tmp_path))
        seen.append(len(asked))

    with paths_resolved_once():
        relative_path(f"{tmp_path}/b.py", str(tmp_path))
        before = len(asked)
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == [before + 2]  # the other thread asked the file system for both paths


def test_a_session_s_patches_resolve_its_root_and_files_once(monkeypatch, tmp_path):
    asked = _counting(monkeypatch)
    steps = [
        Step(id=f"s{i}", index=i, kind=StepKind.TOOL_CALL, role="assistant", tool="Write",
             edits=[FileEdit(f"{tmp_path}/f.py", "write", content=f"x = {i}\n")])
        for i in range(20)
    ]  # fmt: skip
    patches = session_patches(Session(id="s", agent="claude", source="x", cwd=str(tmp_path), steps=steps))
    assert len(patches) == 20 and {p.path for p in patches} == {"f.py"}
    assert len(asked) == len(set(asked)) <= 3
