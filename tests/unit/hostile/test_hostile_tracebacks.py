"""Every failure the CLI expects is one safe line (`cli.error`). A failure it does not expect (a bug
a hostile log finds) ends in Python's traceback, whose last line is the exception's message, and
such messages quote the input they failed on (a key, a value, a path from a log or a capsule): the
default hook wrote them to the terminal raw, ESC, OSC 52 and bidi overrides included. The CLI's
hook writes the same traceback with every control made visible."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from shared_data import ROOT

HOSTILE = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m\u202eevil\u202c\x1b]8;;https://evil.example/\x07x"
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c")

_CHILD = """
import sys, threading
import tracetui.cli.browse as browse
def fail():
    raise {kind}(sys.argv[1])
def boom(args):
    if {in_thread}:
        worker = threading.Thread(target=fail)
        worker.start()
        worker.join()
        return 1
    fail()
browse.run_ls = boom
from tracetui.cli import main
sys.exit(main(["--bucket", sys.argv[2], "ls"]))
"""


@pytest.mark.parametrize("in_thread", [False, True])
@pytest.mark.parametrize("kind", ["RuntimeError", "KeyError", "ValueError"])
def test_an_unexpected_failure_s_traceback_reaches_the_terminal_inert(tmp_path, kind, in_thread):
    code = _CHILD.format(kind=kind, in_thread=in_thread)
    out = subprocess.run([sys.executable, "-c", code, HOSTILE, str(tmp_path / "b")],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.returncode == 1 and "Traceback" in out.stderr and kind in out.stderr, out.stderr[-400:]
    assert "evil" in out.stderr  # the message is still said
    for ch in FORBIDDEN:
        assert ch not in out.stderr + out.stdout, f"{ch!r} reached the terminal"


# The app is Textual's: a failure in it is caught there and, as the app ends, printed by Rich as a
# traceback with each frame's locals, past the CLI's hook. Message and locals wrote their controls raw.
_APP_CHILD = """
import sys
from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
def boom(self):
    from_a_log = sys.argv[1]
    raise RuntimeError(from_a_log)
TraceApp.on_mount = boom
app = TraceApp(Bucket.open(sys.argv[2]))
app.run(headless=True)
sys.exit(app.return_code or 0)
"""


def test_the_app_s_crash_reaches_the_terminal_inert(tmp_path):
    out = subprocess.run([sys.executable, "-c", _APP_CHILD, HOSTILE, str(tmp_path / "b")],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.returncode == 1 and "RuntimeError" in out.stderr and "locals" in out.stderr, out.stderr[-400:]
    assert "evil" in out.stderr  # the message is still said
    for ch in FORBIDDEN:
        assert ch not in out.stderr + out.stdout, f"{ch!r} reached the terminal"
