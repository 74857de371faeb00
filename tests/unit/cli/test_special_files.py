"""Special files are refused by every command that opens a file someone named: none hangs."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest
from shared_data import ROOT



def _tracetui(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    code = "import sys; from tracetui.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)  # fmt: skip


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "bug.capsule"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", [["capsule", "verify"], ["open"], ["replay", "--repo", "."]])
def test_a_fifo_capsule_is_refused_at_once(fifo, tmp_path, command):
    args = [*command[:1], *command[1:2], str(fifo), *command[2:]] if command[0] == "capsule" else [command[0], str(fifo), *command[1:]]
    out = _tracetui("--bucket", str(tmp_path / "b"), *args)
    assert out.returncode != 0
    assert "not a regular file" in out.stderr and out.stderr.count("\n") == 1


def test_a_fifo_capsule_is_refused_with_json_too(fifo, tmp_path):
    out = _tracetui("--bucket", str(tmp_path / "b"), "capsule", "verify", str(fifo), "--json")
    assert out.returncode != 0 and "not a regular file" in orjson.loads(out.stdout)["error"]


def test_a_fifo_among_the_logs_does_not_hang_sync(tmp_path):
    logs = tmp_path / "projects" / "-home-u-p"
    logs.mkdir(parents=True)
    os.mkfifo(logs / "11111111-1111-4111-8111-111111111111.jsonl")
    out = _tracetui("--bucket", str(tmp_path / "b"), "sync", "--source", f"claude={tmp_path / 'projects'}", "--json")
    assert out.returncode == 0, out.stderr
    assert orjson.loads(out.stdout)["sessions"] == 0


def test_a_fifo_given_as_a_source_is_refused(fifo, tmp_path):
    out = _tracetui("--bucket", str(tmp_path / "b"), "sync", "--source", f"claude={fifo}")
    assert out.returncode == 1 and "neither a folder nor a regular file" in out.stderr


def test_open_regular_refuses_a_fifo_swapped_in_after_the_stat(tmp_path):
    from tracetui.regular_file import NotRegularFile, open_regular

    path = tmp_path / "x.jsonl"
    os.mkfifo(path)
    with pytest.raises(NotRegularFile, match="a FIFO"):
        open_regular(path)
    with pytest.raises(NotRegularFile, match="a folder"):
        open_regular(tmp_path)


@pytest.mark.parametrize("size", [0, 1, 4095, 65_536 + 3, 3_000_001])
def test_read_regular_reads_every_byte_and_holds_to_its_limit(tmp_path, size):
    from tracetui.regular_file import FileTooLarge, read_regular

    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path = tmp_path / "f.json"
    path.write_bytes(data)
    assert read_regular(path) == data
    assert read_regular(path, limit=size) == data  # exactly the limit is taken
    if size:
        with pytest.raises(FileTooLarge):
            read_regular(path, limit=size - 1)


def test_read_regular_refuses_what_is_not_a_regular_file(tmp_path):
    from tracetui.regular_file import NotRegularFile, read_regular

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    for name in ("pipe", "folder"):
        with pytest.raises(NotRegularFile):
            read_regular(tmp_path / name)
