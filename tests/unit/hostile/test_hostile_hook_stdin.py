"""`tracetui snapshot` reads the JSON an agent's hook sends on stdin, which carries the tool's input
as the model wrote it. A value in it nested past 1,024 levels (or a NaN) made orjson refuse the
whole document, and the snapshot was refused with it ("not the JSON an agent hook sends") though
the hook's session and folder were there (found 2026-11-28). It is read as the readers read a log
now (`jsonl.load_document`): the deep value is cut and the snapshot taken. What is no JSON at all,
however deep, is still one line and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from support.param_ids import short
from shared_data import ROOT

DEEP = "[" * 2000 + "]" * 2000


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@b"}  # fmt: skip
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    (repo / "a.txt").write_text("a\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "a"], check=True, env=env)
    return repo


def _snapshot(tmp_path: Path, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tracetui", "--bucket", str(tmp_path / "b"), "snapshot", "--json"],
        input=stdin, capture_output=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path / "home")},
    )  # fmt: skip


@pytest.mark.parametrize("deep", [DEEP, '{"x": NaN}'], ids=["nested-2000", "nan"])
def test_a_hook_whose_tool_input_is_too_deep_still_gets_its_snapshot(tmp_path, deep):
    repo = _repo(tmp_path)
    hook = f'{{"session_id": "s1", "cwd": {orjson.dumps(str(repo)).decode()}, "tool_use_id": "t1", '
    hook += f'"tool_name": "Edit", "tool_input": {deep}}}'
    done = _snapshot(tmp_path, hook.encode())
    assert done.returncode == 0, done.stderr.decode()
    assert orjson.loads(done.stdout)["session"] == "s1"


@pytest.mark.parametrize("stdin", [b"[" * 100_000, b'{"session_id": "s1", "a": ' + b"[" * 5000], ids=short)
def test_what_is_no_json_however_deep_is_one_line(tmp_path, stdin):
    done = _snapshot(tmp_path, stdin)
    err = done.stderr.decode()
    assert done.returncode != 0 and "Traceback" not in err
    assert "not the JSON an agent hook sends" in err and len(err.strip().splitlines()) == 1


def test_a_hook_whose_tool_response_is_large_still_gets_its_snapshot(tmp_path):
    # A PostToolUse hook carries the tool's whole answer (a file read, a long build log): 3 MB here.
    # Only the first megabyte was read, so the document was cut and refused as no hook's JSON.
    repo = _repo(tmp_path)
    hook = {"session_id": "s1", "cwd": str(repo), "tool_name": "Read", "tool_response": "x" * (3 << 20),
            "tool_use_id": "t1"}  # fmt: skip
    done = _snapshot(tmp_path, orjson.dumps(hook))
    assert done.returncode == 0, done.stderr.decode()
    assert orjson.loads(done.stdout)["session"] == "s1"


def test_a_hook_input_past_the_bound_is_one_line(tmp_path, monkeypatch):
    from tracetui.cli import trail as cli_trail

    monkeypatch.setattr(cli_trail, "HOOK_MOST", 1000)
    monkeypatch.setattr(cli_trail, "_ready", lambda stream, timeout: True)
    monkeypatch.setattr(sys, "stdin", _Stdin(b'{"session_id": "s1", "x": "' + b"y" * 5000 + b'"}'))
    with pytest.raises(Exception) as caught:
        cli_trail._hook_input()
    assert "past" in str(caught.value) and "\n" not in str(caught.value)


class _Stdin:
    def __init__(self, data: bytes) -> None:
        import io

        self.buffer = io.BytesIO(data)

    def isatty(self) -> bool:
        return False
