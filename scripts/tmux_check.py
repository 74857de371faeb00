"""Drive `tracetui demo` in a real terminal (tmux) at 80x24, 120x40 and 160x48 and check what a user
sees: the sessions list and its headers, a session open with the timeline, the redaction editor, the
seal dialog, the footer's keys, no line wider than the terminal, and a clean quit.

    .venv/bin/python scripts/tmux_check.py            # all three sizes
    .venv/bin/python scripts/tmux_check.py 120x40     # one

Exits 1 when a check fails, printing the screen it failed on. Needs tmux.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tmux_driver import ScreenTimeout, Tmux, installed

ROOT = Path(__file__).resolve().parent.parent
TRACETUI = ROOT / ".venv" / "bin" / "tracetui"
SIZES = [(80, 24), (120, 40), (160, 48)]
TMUX = Tmux("tracetui-check")


def screen() -> list[str]:
    return TMUX.screen().splitlines()


def wait_for(what: str, test: Callable[[list[str]], bool], seconds: float = 20) -> list[str]:
    try:
        return TMUX.wait_for(lambda text: test(text.splitlines()), seconds, poll=0.2).splitlines()
    except ScreenTimeout:
        raise AssertionError(f"{what}: not seen within {seconds} s") from None


def keys(*names: str) -> None:
    for name in names:
        TMUX.key(name)
        # A terminal reads Escape and a key right after it as Alt+key: leave Escape alone a moment.
        time.sleep(0.6 if name == "Escape" else 0.15)


def check_size(width: int, height: int) -> list[str]:
    """The failures at one size (empty: all well)."""
    failures: list[str] = []
    TMUX.start(f"{TRACETUI} demo; echo EXITED $?; sleep 60", width, height)  # the pane stays to be read

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
    # The header shows as the cursor previews the session; the timeline has the keys once it is open
    # (its footer offers the branches). A key sent before then went to the list (CI, twice under load).
    check("a session open in the timeline",
          lambda ls: any(" steps · " in line for line in ls[:4]) and "b Branches" in ls[-1])  # fmt: skip
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
    TMUX.kill()
    return failures


def main(argv: list[str]) -> int:
    if not installed():
        print("tmux is not installed", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(description="Drive `tracetui demo` in tmux at each size and check the screens.")
    parser.add_argument("sizes", nargs="*", metavar="WxH", help="sizes to check (default: 80x24 120x40 160x48)")
    args = parser.parse_args(argv)
    wrong = [s for s in args.sizes if not re.fullmatch(r"\d+x\d+", s)]
    if wrong:
        parser.error(f"a size is WIDTHxHEIGHT, like 120x40: not {wrong[0]!r}")
    sizes = [tuple(int(n) for n in arg.split("x")) for arg in args.sizes] or SIZES
    failures: list[str] = []
    for width, height in sizes:
        found = check_size(width, height)
        print(f"{width}x{height}: {'ok' if not found else 'FAILED'}")
        failures += found
    for failure in failures:
        print(failure, file=sys.stderr)
    TMUX.kill_server()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
