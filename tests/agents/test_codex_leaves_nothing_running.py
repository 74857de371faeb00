"""The command `tracetui resume` prints for a Codex session, run as a user runs it (in a terminal, then
quit), leaves no process of Codex's running. `codex resume NEW` (0.171) started Codex's shared
app-server daemon, which outlived the session: `codex app-server ... --managed-daemon` and its
`pid-update-loop`, their parent pid 1. `--no-daemon` runs the TUI without it.

The TUI runs in a pseudo-terminal under bubblewrap with no network (its own pid namespace would end
the daemon with it, so it has none); the base URL is a closed port (quitting needs no model). What
is left is found by its command line naming the test's CODEX_HOME, and killed by its pid.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import struct
import time
from pathlib import Path

import pytest
from shared_data import FIXTURES
from support.agents import programs, recipes

from tracetui.resume import write_session
from tracetui.sources import RawLog, group, read_session

pytestmark = [pytest.mark.slow, pytest.mark.agents]

# What a terminal answers to the queries Codex's TUI sends at start (without answers it waits).
_ANSWERS = {b"\x1b[6n": b"\x1b[1;1R", b"\x1b[c": b"\x1b[?62c",
            b"\x1b]10;?": b"\x1b]10;rgb:ffff/ffff/ffff\x1b\\",
            b"\x1b]11;?": b"\x1b]11;rgb:0000/0000/0000\x1b\\",
            b"\x1b[?1007$p": b"\x1b[?1007;2$y", b"\x1b[?u": b"\x1b[?0u"}  # fmt: skip


def _pump(fd: int, seconds: float, seen: bytearray, until: bytes | None = None) -> bool:
    """Read the terminal for `seconds` (or until `until` shows), answering its queries; False once it
    closed."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if until is not None and until in seen:
            return True
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        seen += chunk
        for query, answer in _ANSWERS.items():
            if query in chunk:
                os.write(fd, answer)
    return True


def _run_and_quit(argv: list[str], env: dict[str, str]) -> bytes:
    """Run `argv` in a pseudo-terminal, let it start, quit it with Ctrl-C; what it drew."""
    import fcntl
    import pty
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: nothing of the test's runs here
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = bytearray()
    try:
        _pump(fd, 30, seen, until=b"Resuming session")
        _pump(fd, 5, seen)
        for _ in range(3):
            os.write(fd, b"\x03")
            if not _pump(fd, 2, seen):
                break
        for _ in range(50):
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return bytes(seen)


def _naming(text: str) -> list[int]:
    """The processes whose command line holds `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # it ended meanwhile
    return found


def test_the_printed_codex_command_leaves_no_process_running(tmp_path):
    reason = programs.unavailable("codex")
    if reason:
        pytest.skip(reason)
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    folder = recipes.codex_home(home)
    (folder / "config.toml").write_text('model = "gpt-5.2-codex"\nopenai_base_url = "http://127.0.0.1:9/v1"\n'
                                        "check_for_update_on_startup = false\n")  # fmt: skip
    log = FIXTURES / "codex" / "current.jsonl"
    [files] = group("codex", [log])
    session = read_session(files)
    last = max(s.index for s in session.steps if s.active and s.subagent is None)
    done = write_session(session, [RawLog(str(log), log.read_bytes())], last, cwd=str(work),
                         env={"CODEX_HOME": str(folder)}, home=home)  # fmt: skip
    assert done.argv[0] == "codex"
    node = Path(shutil.which("node") or "/usr/bin/node")
    env = {"PATH": f"{node.parent}:/usr/bin:/bin", "HOME": str(home), "CODEX_HOME": str(folder),
           "OPENAI_API_KEY": "sk-made-up-for-tests", "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    sandbox = ["bwrap", "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--chdir", str(work)]
    drawn = _run_and_quit([*sandbox, str(programs.executable("codex")), *done.argv[1:]], env)
    assert b"Resuming session" in drawn, drawn[-400:]
    time.sleep(2)  # a daemon outlives the TUI: give one that would end with it the time to
    left = _naming(str(folder))
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"{len(left)} processes of Codex's still ran after it quit"
