"""What a stranger's check can reach: nothing of the user's but its own clone.

Issue 32's attack: with the whole file system bound read-only, the check connected to the user's
ssh-agent socket and to a listener outside the sandbox (a read-only mount does not stop a connect),
and read the user's untracked `.env` by following the clone's `objects/info/alternates` back into
the user's repository. The places used here are outside /tmp on purpose: the old sandbox hid /tmp
and home, and nothing else."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, REPRODUCES, replay, seal
from tracetui.capsule.sandbox import Sandbox, _probe, find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
SECRET = b"\x05" * 32
# The user's world lives on disk outside /tmp and $HOME: a devcontainer's /workspaces, /var/tmp, /srv.
OUTSIDE = Path("/var/tmp")


@pytest.fixture
def world(monkeypatch):
    top = Path(tempfile.mkdtemp(prefix="tracetui-reach-", dir=OUTSIDE))
    try:
        repo, _ = kit.make_repo(top)
        (repo / ".env").write_text("API_TOKEN=untracked-and-private\n")
        session = kit.make_session(repo)
        seal(session, kit.empty_plan(session), repo=repo, out=top / "ep.capsule", secret=SECRET)
        runtime = top / "run-user"
        runtime.mkdir(mode=0o700)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        yield top, repo, runtime
    finally:
        shutil.rmtree(top, ignore_errors=True)


class Listener:
    """A Unix socket bound on the file system that records whatever connects to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.heard: list[bytes] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        os.chmod(path, 0o777)
        self.sock.listen()
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.heard.append(conn.recv(1024) or b"(connected)")
                except OSError:
                    self.heard.append(b"(connected)")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


CONNECT = (
    "python3 -c 'import socket,sys\n"
    "for p in sys.argv[1:]:\n"
    "    s=socket.socket(socket.AF_UNIX)\n"
    "    try:\n"
    "        s.connect(p); s.sendall(b\"stolen\"); print(\"REACHED\", p)\n"
    "    except OSError as e:\n"
    "        print(\"REFUSED\", p, e.errno)\n"
    "' {paths}; exit 1"
)


@needs_sandbox
def test_no_unix_socket_outside_the_clone_is_reachable(world):
    top, repo, runtime = world
    agent = Listener(runtime / "ssh-agent.sock")
    elsewhere = Listener(top / "listener.sock")
    try:
        check = CONNECT.format(paths=f"{agent.path} {elsewhere.path}")
        result = replay(top / "ep.capsule", repo, check=check)
    finally:
        agent.close()
        elsewhere.close()
    assert result.base_check is not None and result.base_check.failure is None
    assert "REACHED" not in result.base_check.output and result.base_check.output.count("REFUSED") == 2
    assert agent.heard == [] and elsewhere.heard == []


@needs_sandbox
def test_the_users_untracked_files_and_work_tree_are_not_visible(world):
    top, repo, _ = world
    check = (
        'for p in "$(cat .git/objects/info/alternates)/../../.env" ' + f'"{repo}/.env" "{repo}/calc.py"; do '
        'if cat "$p" >/dev/null 2>&1; then echo "READ $p"; else echo "UNSEEN $p"; fi; done; '
        'git log --format=%s | tr "\\n" " "; exit 1'
    )
    result = replay(top / "ep.capsule", repo, check=check)
    out = result.base_check.output if result.base_check else ""
    assert "READ" not in out and out.count("UNSEEN") == 3, out
    # The clone still works as a repository: its own commit is there, borrowed from a store of it alone.
    assert "base" in out and result.verdict == REPRODUCES


@needs_sandbox
def test_the_check_sees_the_toolchain_and_private_empty_places(world):
    top, repo, runtime = world
    (runtime / "bus").write_text("a socket would be here")
    (OUTSIDE / top.name / "left-by-another-program").write_text("x")
    check = (
        f'echo "RUNTIME=$(ls -A "{runtime}" | wc -l) SHM=$(ls -A /dev/shm | wc -l)"; '
        f'test -e "{top}/left-by-another-program" && echo OTHERS; '
        "test -e /etc/shadow && echo SHADOW; test -e /etc/ssh && echo SSHKEYS; "
        "test -e /etc/pip.conf && echo PIPCONF; sh -c 'echo toolchain ok'; exit 1"
    )
    result = replay(top / "ep.capsule", repo, check=check)
    out = result.base_check.output if result.base_check else ""
    assert "toolchain ok" in out and "RUNTIME=0 SHM=0" in out, out
    assert not {"OTHERS", "SHADOW", "SSHKEYS", "PIPCONF"} & set(out.split())


def _failing_bwrap(tmp_path: Path, on: str) -> str:
    """A bwrap that refuses one option, as a container that forbids mounting /proc does."""
    real = shutil.which("bwrap") or "/usr/bin/bwrap"
    fake = tmp_path / f"bwrap{on}"  # one file per option: the probe's answer is kept per program
    fake.write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do if [ "$a" = "{on}" ]; then\n'
        '  echo "bwrap: Can\'t mount proc on /newroot/proc: Operation not permitted" >&2; exit 1\n'
        "fi; done\n"
        f'exec {real} "$@"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return str(fake)


@needs_sandbox
def test_a_sandbox_that_cannot_start_is_inconclusive_not_a_verdict(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=SECRET)
    broken = Sandbox("bubblewrap", _failing_bwrap(tmp_path, "--proc"))
    result = replay(tmp_path / "ep.capsule", repo, check="exit 1", sandbox=broken)
    assert result.verdict == INCONCLUSIVE
    assert result.reason.startswith("the sandbox could not start") and "mount proc" in result.reason
    assert result.base_check is not None and result.base_check.failure is not None


@needs_sandbox
def test_the_probe_runs_the_options_the_check_gets(tmp_path):
    assert _probe(_failing_bwrap(tmp_path, "--proc")) is None
    assert _probe(_failing_bwrap(tmp_path, "--size")) is None
    assert _probe(_failing_bwrap(tmp_path, "--no-such-option-at-all")) is not None
