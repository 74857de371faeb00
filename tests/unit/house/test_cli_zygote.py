"""The forked CLI of tests/support/cli_zygote.py gives what a new Python gives: the exit code, both
streams, the environment and folder asked for, and a run past its timeout killed and raised."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.cli_zygote import forked_cli

from tracetui import __version__


def test_a_forked_run_gives_the_code_and_the_streams_of_a_new_python(tmp_path):
    bucket = ["--bucket", str(tmp_path / "b")]
    for argv in (["--version"], ["nosuch"], [*bucket, "ls", "--json"], [*bucket, "show", "zzzz"]):
        new = subprocess.run([sys.executable, "-m", "tracetui", *argv], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=60, cwd=tmp_path)  # fmt: skip
        forked = forked_cli(*argv, cwd=tmp_path)
        assert (forked.returncode, forked.stdout, forked.stderr) == (new.returncode, new.stdout, new.stderr)
    assert __version__ in forked_cli("--version").stdout


def test_a_forked_run_has_the_environment_and_folder_asked_for(tmp_path):
    (tmp_path / "here").mkdir()
    env = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "data")}
    done = forked_cli("--bucket", "rel", "sync", "--json", env=env, cwd=tmp_path / "here")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "here" / "rel").is_dir()  # the relative bucket made in the folder asked for
    assert forked_cli("sync", "--json", env=env).returncode == 0
    assert (tmp_path / "data" / "tracetui" / "index.sqlite").is_file()  # the default bucket, by its XDG_DATA_HOME


def test_a_forked_run_past_its_timeout_is_killed(tmp_path):
    try:
        (tmp_path / "logs").mkdir()
        done = forked_cli("--bucket", str(tmp_path / "b"), "watch", "--source", f"claude={tmp_path / 'logs'}",
                          timeout=1.5)  # fmt: skip
    except subprocess.TimeoutExpired:
        pass
    else:
        pytest.fail(f"`watch` ended by itself: {done.returncode}, {done.stdout[-300:]!r}, {done.stderr[-300:]!r}")
    assert forked_cli("--version").returncode == 0  # the helper lives on
