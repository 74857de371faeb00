"""Driving a program in a real terminal: a tmux server of the caller's own, one window of a given size,
keys sent to it, its screen read and waited for; and a control-mode client that times the pane's
output as tmux reads it. scripts/tmux_check.py and bench/bench_tmux.py both drive the app with it.

Needs tmux; `installed()` says whether it is there.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable


def installed() -> bool:
    return shutil.which("tmux") is not None


class ScreenTimeout(Exception):
    """The screen did not pass the test in time; `text` is the last screen read."""

    def __init__(self, seconds: float, text: str) -> None:
        super().__init__(f"not seen within {seconds:g} s")
        self.seconds = seconds
        self.text = text


class Tmux:
    """One tmux session, `name`, on a server of this process's own (socket `<name>-<pid>`), so two
    runs at once, or a user's own tmux, never share a window."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.socket = f"{name}-{os.getpid()}"

    def run(self, *args: str) -> str:
        """A tmux command on this server; its stdout (errors are left to the checks that follow)."""
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)
        return done.stdout

    def start(self, command: str, width: int, height: int) -> None:
        """`command` (a shell line) in a new window of `width` x `height`, in place of any earlier one.

        COLUMNS and LINES, where a caller exports them (a test runner does), would override the
        window's size for the program: it must read the terminal tmux gives it, so they are unset."""
        self.kill()
        # Killing the last session ends the server, and a new session asked while it is still going
        # can be lost with it (CI once saw an empty screen for a whole size): asked again until it is there.
        for _ in range(20):
            self.run("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                     f"env -u COLUMNS -u LINES {command}")  # fmt: skip
            if self.has_session():
                return
            time.sleep(0.25)

    def has_session(self) -> bool:
        command = ["tmux", "-L", self.socket, "has-session", "-t", self.name]
        done = subprocess.run(command, capture_output=True, check=False)
        return done.returncode == 0

    def pane_pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", self.name, "#{pane_pid}").strip())

    def screen(self) -> str:
        return self.run("capture-pane", "-t", self.name, "-p")

    def wait_for(self, test: Callable[[str], bool], seconds: float, poll: float) -> str:
        """The screen once `test` passes on it, reading it every `poll` seconds; ScreenTimeout after
        `seconds`."""
        deadline = time.monotonic() + seconds
        text = self.screen()
        while not test(text):
            if time.monotonic() > deadline:
                raise ScreenTimeout(seconds, text)
            time.sleep(poll)
            text = self.screen()
        return text

    def key(self, name: str) -> None:
        self.run("send-keys", "-t", self.name, name)

    def kill(self) -> None:
        self.run("kill-session", "-t", self.name)

    def kill_server(self) -> None:
        self.run("kill-server")

    def control(self) -> Control:
        return Control(self)


class Control:
    """A tmux control-mode client (`tmux -C`) attached to the session: sends commands, reads the
    pane's `%output` notifications with the time each was read, so a key's latency is the program's
    own, without the polling of `capture-pane`."""

    def __init__(self, tmux: Tmux) -> None:
        self.session = tmux.name
        self.proc = subprocess.Popen(["tmux", "-L", tmux.socket, "-C", "attach", "-t", tmux.name],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.out = self.proc.stdout
        self.buffer = b""
        os.set_blocking(self.out.fileno(), False)

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")

    def send_key(self, key: str) -> None:
        self.send(f"send-keys -t {self.session} {key}")

    def _read(self, left: float) -> tuple[float, list[bytes]] | None:
        """The whole lines tmux wrote within `left` seconds, with the time they were read."""
        ready, _, _ = select.select([self.out], [], [], left)
        if not ready:
            return None
        now = time.perf_counter()
        self.buffer += self.out.read(1 << 20) or b""
        *lines, self.buffer = self.buffer.split(b"\n")
        return now, lines

    def outputs(self, seconds: float) -> list[float]:
        """The times of the pane's output chunks over the next `seconds`."""
        end = time.perf_counter() + seconds
        times: list[float] = []
        while True:
            left = end - time.perf_counter()
            if left <= 0:
                return times
            read = self._read(left)
            if read is not None:
                now, lines = read
                times += [now for line in lines if line.startswith(b"%output ")]

    def first_output(self, timeout: float) -> float | None:
        """The time of the pane's next output chunk, None when none comes within `timeout`."""
        end = time.perf_counter() + timeout
        while True:
            left = end - time.perf_counter()
            if left <= 0:
                return None
            read = self._read(left)
            if read is not None and any(line.startswith(b"%output ") for line in read[1]):
                return read[0]

    def drain(self, quiet: float = 0.15, limit: float = 5.0) -> None:
        """Read until the pane has been quiet for `quiet` seconds."""
        end = time.perf_counter() + limit
        while time.perf_counter() < end and self.outputs(quiet):
            pass

    def close(self) -> None:
        try:
            self.send("detach-client")
        except OSError:
            pass
        self.proc.wait(5)
