"""Drive `tracetui demo` in a real terminal (tmux) at 80x24, 120x40 and 160x48 and check what a user
sees: the sessions list and its headers, a session open with the timeline, the redaction editor, the
seal dialog, the footer's keys, no line wider than the terminal, and a clean quit.

    .venv/bin/python scripts/tmux_check.py            # all three sizes
    .venv/bin/python scripts/tmux_check.py 120x40     # one

Exits 1 when a check fails, printing the screen it failed on. Needs tmux.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRACETUI = ROOT / ".venv" / "bin" / "tracetui"
SIZES = [(80, 24), (120, 40), (160, 48)]
SESSION = "tracetui-check"
# A tmux server of this run's own: two checks at once (or a user's own tmux) never share a window.
SOCKET = f"tracetui-check-{os.getpid()}"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False).stdout


def screen() -> list[str]:
    return tmux("capture-pane", "-t", SESSION, "-p").splitlines()


def wait_for(what: str, test: Callable[[list[str]], bool], seconds: float = 20) -> list[str]:
    deadline = time.monotonic() + seconds
    lines = screen()
    while not test(lines):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {seconds} s")
        time.sleep(0.2)
        lines = screen()
    return lines


def keys(*names: str) -> None:
    for name in names:
        tmux("send-keys", "-t", SESSION, name)
        # A terminal reads Escape and a key right after it as Alt+key: leave Escape alone a moment.
        time.sleep(0.6 if name == "Escape" else 0.15)


def check_size(width: int, height: int) -> list[str]:
    """The failures at one size (empty: all well)."""
    failures: list[str] = []
    tmux("kill-session", "-t", SESSION)
    # COLUMNS and LINES, where a caller exports them (a test runner does), would override the
    # window's size for the app: it reads the terminal tmux gives it.
    command = f"env -u COLUMNS -u LINES {TRACETUI} demo; echo EXITED $?; sleep 60"  # the pane stays to be read
    tmux("new-session", "-d", "-s", SESSION, "-x", str(width), "-y", str(height), command)

    def check(what: str, test: Callable[[list[str]], bool], seconds: float = 10) -> list[str]:
        try:
            lines = wait_for(what, test, seconds)
        except AssertionError as exc:
            lines = screen()
            failures.append(f"{width}x{height}: {exc}\n" + "\n".join(lines))
            return lines
        wide = [line for line in lines if len(line.rstrip()) > width]
        if wide:
            failures.append(f"{width}x{height}: {what}: a line is wider than the terminal: {wide[0]!r}")
        return lines

    def footer_keeps_help_and_quit(lines: list[str]) -> bool:
        last = lines[-1] if lines else ""
        return "q Quit" in last and "f1 Keys" in last

    check("the sessions list with its headers", lambda ls: any("when" in line and "agent" in line for line in ls), 30)
    check("the footer keeps f1 Keys and q Quit", footer_keeps_help_and_quit)
    keys("End", "Enter")
    check("a session open in the timeline", lambda ls: any(" steps · " in line for line in ls[:4]))
    check("the footer keeps f1 Keys and q Quit with a session open", footer_keeps_help_and_quit)
    def editor_open(lines: list[str]) -> bool:
        return any("highlighted: findings" in line for line in lines)

    def seal_open(lines: list[str]) -> bool:
        return any("ctrl+s seal" in line for line in lines)

    keys("r")
    check("the redaction editor, its way out in the footer",
          lambda ls: editor_open(ls) and "Close" in ls[-1] and "f1 Keys" in ls[-1])  # fmt: skip
    keys("Escape")
    check("back from the redaction editor", lambda ls: not editor_open(ls) and " steps · " in "".join(ls[:4]))
    keys("s")
    check("the seal dialog", seal_open)
    keys("Escape")
    check("back from the seal dialog", lambda ls: not seal_open(ls))
    keys("q")
    check("a clean quit", lambda ls: any("EXITED 0" in line for line in ls), 40)  # the demo removes its folder
    tmux("kill-session", "-t", SESSION)
    return failures


def main(argv: list[str]) -> int:
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    sizes = [tuple(int(n) for n in arg.split("x")) for arg in argv] or SIZES
    failures: list[str] = []
    for width, height in sizes:
        found = check_size(width, height)
        print(f"{width}x{height}: {'ok' if not found else 'FAILED'}")
        failures += found
    for failure in failures:
        print(failure, file=sys.stderr)
    tmux("kill-server")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
