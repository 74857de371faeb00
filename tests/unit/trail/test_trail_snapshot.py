"""Work-tree snapshots: recorded outside branches and the index, and used for exact step diffs."""

from __future__ import annotations

import io
import sys

import orjson
import pygit2
import pytest
from support.trail_kit import Repo, iso, session_of

from tracetui.cli import main
from tracetui.errors import TracetuiError
from tracetui.model import FileEdit
from tracetui.trail import snapshots, take_snapshot, trail


def _state(repo: Repo) -> tuple[str, str, str, str]:
    """Everything a snapshot must leave alone: HEAD, the index, the status, the branches."""
    return (repo.head(), repo.git("ls-files", "--stage"), repo.git("status", "--porcelain"), repo.git("branch", "--list"))


def test_snapshot_records_the_work_tree_without_touching_anything(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write(".gitignore", "build/\n*.log\n")
    repo.write("src/a.py", "a = 1\n")
    repo.commit("init", iso(9))
    repo.write("src/a.py", "a = 2\n")
    repo.write("src/new.py", "n = 1\n")  # untracked but not ignored: recorded
    repo.write("build/out.bin", "x")
    repo.write("debug.log", "noise")
    before = _state(repo)
    index = repo.path / ".git" / "index"
    stamp = (index.stat().st_mtime_ns, index.read_bytes())
    snap = take_snapshot(repo.path / "src", "sess/1 weird id", tool_use_id="toolu_1", tool="Edit", now=1_700_000_000)
    assert (index.stat().st_mtime_ns, index.read_bytes()) == stamp  # the index is not even rewritten
    assert _state(repo) == before
    assert snap.ref == "refs/tracetui/sess_1_weird_id/1"
    assert repo.git("cat-file", "-t", snap.ref) == "tree"  # a tree object, not a commit
    assert repo.git("rev-parse", snap.ref) == snap.tree
    assert repo.git("ls-tree", "-r", "--name-only", snap.tree).split() == [".gitignore", "src/a.py", "src/new.py"]
    assert repo.git("show", f"{snap.tree}:src/a.py") == "a = 2"
    second = take_snapshot(repo.path, "sess/1 weird id")
    assert second.ref.endswith("/2")
    r = pygit2.Repository(str(repo.path))
    found = snapshots(r, "sess/1 weird id")
    assert [(s.number, s.tool_use_id, s.tool) for s in found] == [(1, "toolu_1", "Edit"), (2, None, None)]
    assert found[0].time == 1_700_000_000


def test_no_repository_is_one_clear_error(tmp_path):
    with pytest.raises(TracetuiError, match="no git repository at"):
        take_snapshot(tmp_path, "s")


def test_snapshots_give_exact_diffs_and_never_count_as_commits(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "x = 1\ny = 2\nz = 3\n")
    repo.commit("init", iso(9))
    take_snapshot(repo.path, "sess-1", now=1)  # before the session's first edit
    # The log holds only a fragment ("2" -> "20"): without snapshots its lines are guesses.
    repo.write("a.py", "x = 1\ny = 20\nz = 3\n")
    take_snapshot(repo.path, "sess-1", tool_use_id="toolu_0", now=2)
    session = session_of(repo.path, [(iso(10), FileEdit(path="a.py", op="update", old_string="2", new_string="20"))])
    result = trail(session)
    patch = result.fates[0].patch
    assert (patch.added, patch.removed) == (["y = 20"], ["y = 2"])
    assert [(h.old_start, h.new_start) for h in patch.hunks] == [(1, 1)]
    # Uncommitted, although the snapshot commit holds the line: snapshots are not history.
    assert result.fates[0].state == "uncommitted"


def _run_hook(monkeypatch, capsys, payload: dict, *args: str) -> tuple[int, str, str]:
    data = orjson.dumps(payload)

    class Stdin(io.TextIOWrapper):
        def isatty(self) -> bool:
            return False

    monkeypatch.setattr(sys, "stdin", Stdin(io.BytesIO(data)))
    code = main(["snapshot", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_snapshot_command_from_a_claude_code_hook(tmp_path, monkeypatch, capsys):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "x = 1\n")
    repo.commit("init", iso(9))
    hook = {"session_id": "abc-123", "cwd": str(repo.path), "hook_event_name": "PostToolUse", "tool_name": "Edit",
            "tool_use_id": "toolu_9", "tool_input": {"file_path": str(repo.path / "a.py")}}  # fmt: skip
    code, out, err = _run_hook(monkeypatch, capsys, hook)
    assert (code, out, err) == (0, "", "")
    assert repo.git("for-each-ref", "--format=%(refname)", "refs/tracetui/") == "refs/tracetui/abc-123/1"
    # outside any repository a hook call records nothing and stays quiet
    outside = tmp_path / "plain"
    outside.mkdir()
    code, out, err = _run_hook(monkeypatch, capsys, {**hook, "cwd": str(outside)})
    assert (code, out, err) == (0, "", "")
    # by hand, the same situation is one clear error line
    monkeypatch.setattr(sys, "stdin", None)
    assert main(["snapshot", "--repo", str(outside), "--session", "s"]) == 1
    assert capsys.readouterr().err == f"tracetui: no git repository at {outside}\n"
    assert main(["snapshot", "--repo", str(repo.path)]) == 2
    assert "no session id" in capsys.readouterr().err


def test_a_hook_payload_of_the_wrong_types_is_never_used(tmp_path, monkeypatch, capsys):
    """The hook's JSON is the agent's, not ours: a cwd or an id of another type is taken as absent
    (no crash, no path made of a number), and the snapshot falls back to --repo and --session."""
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "x = 1\n")
    repo.commit("init", iso(9))
    hostile = {"session_id": ["x"], "cwd": 5, "tool_use_id": {"a": 1}, "tool_name": 7}
    code, out, err = _run_hook(monkeypatch, capsys, hostile, "--repo", str(repo.path), "--session", "s-1")
    assert (code, out, err) == (0, "", "")
    assert repo.git("for-each-ref", "--format=%(refname)", "refs/tracetui/") == "refs/tracetui/s-1/1"
    code, out, err = _run_hook(monkeypatch, capsys, hostile, "--repo", str(repo.path))
    assert code == 2 and "no session id" in err
    monkeypatch.chdir(repo.path)  # a cwd that is not a string: the current directory, as with none
    code, out, err = _run_hook(monkeypatch, capsys, {**hostile, "session_id": "s-2"})
    assert (code, out, err) == (0, "", "")
    assert "refs/tracetui/s-2/1" in repo.git("for-each-ref", "--format=%(refname)", "refs/tracetui/")


def test_a_same_size_change_right_after_a_snapshot_is_seen(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "x = 1\n")
    repo.commit("init", iso(9))
    first = take_snapshot(repo.path, "s")
    repo.write("a.py", "x = 2\n")  # same size, same second: the stat cache must not be trusted
    second = take_snapshot(repo.path, "s")
    third = take_snapshot(repo.path, "s")
    assert repo.git("show", f"{first.tree}:a.py") == "x = 1"
    assert repo.git("show", f"{second.tree}:a.py") == "x = 2"
    assert third.tree == second.tree


def test_changes_only_the_snapshots_show_become_patches_of_that_call(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "x = 1\n")
    repo.write("gen.txt", "old output\n")
    repo.commit("init", iso(9))
    take_snapshot(repo.path, "sess-1", now=1)
    repo.write("a.py", "x = 1\ny = 2\n")  # the logged edit
    repo.write("gen.txt", "new output\n")  # a formatter or a shell command: not in the log
    repo.write("made.txt", "made by a script\n")
    take_snapshot(repo.path, "sess-1", tool_use_id="toolu_0", now=2)
    repo.commit("both", iso(11), "gen.txt")
    edit = FileEdit(path="a.py", op="update", old_string="x = 1\n", new_string="x = 1\ny = 2\n")
    result = trail(session_of(repo.path, [(iso(10), edit)]))
    rows = [(f.patch.step_id, f.patch.path, f.patch.op, f.patch.origin, f.patch.added, f.state) for f in result.fates]
    assert rows == [
        ("s0", "a.py", "update", "log", ["y = 2"], "uncommitted"),
        ("s0", "gen.txt", "update", "snapshot", ["new output"], "alive"),
        ("s0", "made.txt", "create", "snapshot", ["made by a script"], "uncommitted"),
    ]
    assert [p.index for p in result.patches] == [0, 1, 2]


def test_snapshot_as_a_real_hook_process(tmp_path):
    import subprocess

    repo = Repo(tmp_path / "r")
    repo.write("a.py", "x = 1\n")
    repo.commit("init", iso(9))
    hook = orjson.dumps({"session_id": "proc-1", "cwd": str(repo.path), "tool_name": "Write", "tool_use_id": "toolu_7"})
    done = subprocess.run([sys.executable, "-m", "tracetui", "snapshot"], input=hook, capture_output=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    found = snapshots(pygit2.Repository(str(repo.path)), "proc-1")
    assert [(s.number, s.tool_use_id, s.tool) for s in found] == [(1, "toolu_7", "Write")]
