"""`tracetui ARGV` in a child process without paying for a new Python each time: a helper process per
test worker imports the CLI (and what its commands import) once, and forks a child for each run. The
child is what a new `python -c` would be after those imports: its own environment, folder, limits,
standard streams and exit code; a run past its timeout is killed as `subprocess.run` kills one.

Tests that check what a command imports, reads on stdin or leaves running keep a new Python
(tests/unit/cli/test_cli_lean.py and the like): a fork shares the helper's imports."""

from __future__ import annotations

import atexit
import os
import select
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import orjson
from shared_data import ROOT

# What the commands the hostile tests run import between them; the helper's start (about a second of
# CPU) is paid once per worker instead of in every child. The second line is what scans (detect-secrets'
# plugins, 0.15 s) and costs (genai-prices, 0.25 s) import lazily: most children imported them anew.
# Not pygit2 (libgit2 reads HOME for its global config as it starts: a child's HOME must be its own),
# huggingface_hub (its constants read the environment at import), nor pyarrow or pandas (native threads
# at import, and 400 MB of address space against a child's 1 GB limit).
PRELOAD = (
    "tracetui.cli", "tracetui.bucket", "tracetui.bucket.sync", "tracetui.sources.registry",
    "tracetui.redact.detectors", "tracetui.export", "tracetui.capsule", "sqlite3", "zstandard",
    "detect_secrets.core.plugins.util", "detect_secrets.plugins.high_entropy_strings",
    "genai_prices.data_snapshot",
)  # fmt: skip

# The helper: imports, then for each request line forks a child that runs `main` under the request's
# limits and streams, waits for it, and answers its exit status. Only the child sets anything up.
_HELPER = r"""
import importlib, io, json, os, resource, select, signal, sys, threading, traceback
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
from tracetui.cli import main

def _stream(fd, mode, errors, line):
    raw = io.FileIO(fd, mode, closefd=False)
    buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    return io.TextIOWrapper(buffered, encoding="utf-8", errors=errors, line_buffering=line)

def _child(req):
    if req["limit_as"]:
        resource.setrlimit(resource.RLIMIT_AS, (req["limit_as"], req["limit_as"]))
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    new = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, req["out"], new), (2, req["err"], new)):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = sys.__stdin__ = _stream(0, "r", "strict", False)
    sys.stdout = sys.__stdout__ = _stream(1, "w", "strict", False)
    sys.stderr = sys.__stderr__ = _stream(2, "w", "backslashreplace", True)
    sys.argv = [req["argv0"], *req["argv"]]
    try:
        code = main(req["argv"])
    except SystemExit as stop:
        code = stop.code
    except BaseException:
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    threading._shutdown()
    import atexit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code & 0xFF)

answers = os.fdopen(int(os.environ["CLI_ZYGOTE_ANSWERS"]), "w", buffering=1)
for line in sys.stdin.buffer:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            _child(req)
        finally:
            os._exit(70)
    # Killed past its timeout, as `subprocess.run` kills its child.
    ended = os.pidfd_open(pid)
    late = not select.select([ended], [], [], req["timeout"])[0]
    if late:
        os.kill(pid, signal.SIGKILL)
    os.close(ended)
    _, status = os.waitpid(pid, 0)
    answers.write(json.dumps({"code": os.waitstatus_to_exitcode(status), "late": late}) + "\n")
"""


class _Helper:
    def __init__(self) -> None:
        read, write = os.pipe()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CLI_ZYGOTE_ANSWERS": str(write)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _HELPER, *PRELOAD], stdin=subprocess.PIPE, env=env, pass_fds=(write,),
            stdout=subprocess.DEVNULL, cwd=ROOT,
        )  # fmt: skip
        os.close(write)
        self.answers = os.fdopen(read, "rb")
        self.folder = Path(tempfile.mkdtemp(prefix="cli-zygote-"))
        self.runs = 0

    def run(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float,
            limit_as: int | None, argv0: str) -> tuple[int, bool, str, str]:  # fmt: skip
        # New files each run: a file emptied and written again waits for the disk (tests/support/rewritten.py).
        self.runs += 1
        out, err = self.folder / f"{self.runs}.out", self.folder / f"{self.runs}.err"
        request = {"argv": list(argv), "env": dict(env), "cwd": str(cwd), "timeout": timeout,
                   "limit_as": limit_as, "out": str(out), "err": str(err), "argv0": argv0}  # fmt: skip
        assert self.proc.stdin is not None
        self.proc.stdin.write(orjson.dumps(request) + b"\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.answers], [], [], timeout + 60)
        assert ready, "the CLI helper never answered"
        answer = orjson.loads(self.answers.readline())
        texts = [_taken(out), _taken(err)]
        return answer["code"], answer["late"], texts[0], texts[1]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)  # its files go run by run; the folder was left


def _taken(path: Path) -> str:
    # As `text=True` reads a pipe: universal newlines. Absent if the child died before opening it.
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""
    finally:
        path.unlink(missing_ok=True)


_helper: _Helper | None = None


def _the_helper() -> _Helper:
    global _helper
    if _helper is None or _helper.proc.poll() is not None:
        _helper = _Helper()
        atexit.register(_helper.close)
    return _helper


def forked_cli(*argv: str, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 60,
               limit_as: int | None = None, argv0: str = "-c") -> subprocess.CompletedProcess[str]:  # fmt: skip
    """`tracetui ARGV` as a child forked from the helper: its return code and text output, as
    `subprocess.run(..., capture_output=True, text=True, stdin=DEVNULL)` gives them. Past `timeout`
    the child is killed and this raises `subprocess.TimeoutExpired`."""
    code, late, out, err = _the_helper().run(argv, os.environ if env is None else env, cwd or Path.cwd(), timeout,
                                       limit_as, argv0)  # fmt: skip
    args = [sys.executable, "-m", "tracetui", *argv]
    if late:
        raise subprocess.TimeoutExpired(args, timeout, out, err)
    return subprocess.CompletedProcess(args, code, out, err)
