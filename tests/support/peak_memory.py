"""A child process's own peak resident memory, for the tests that bound what a command holds.

The child reads VmHWM from /proc/self/status as it exits. ru_maxrss cannot say it: Linux carries a
process's peak across exec, so a child forked from a pytest worker the suite had grown to 1.4 GB
reported 1.4 GB whatever it took (RUSAGE_CHILDREN likewise keeps the largest child ever waited for),
and a difference of the worker's own ru_maxrss is 0 once the worker grew past the test's peak."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Mapping

_TAG = "#peak-memory-kb"
# Put before the measured code: `mark()` takes the peak and the CPU so far as the floor (the interpreter
# and the imports), and the report is the last line of stderr, written however the code exits but by a
# signal. A child's own children are forked from this small process, so RUSAGE_CHILDREN tells theirs.
PRELUDE = f"""
import atexit as _atexit, resource as _resource, sys as _sys, time as _time
def _hwm_kb():
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
_floor = [0, 0.0]
def mark():
    _floor[:] = [_hwm_kb(), _time.process_time()]
_atexit.register(lambda: print("\\n{_TAG}", _floor[0], _hwm_kb(), _time.process_time() - _floor[1],
                               _resource.getrusage(_resource.RUSAGE_CHILDREN).ru_maxrss, file=_sys.stderr))
"""
# The CLI, its imports counted in the floor.
CLI = "import sys\nfrom tracetui.cli import main\nmark()\nsys.exit(main(sys.argv[1:]))\n"


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str  # without the report's line
    floor_kb: int  # VmHWM when the code called mark(); 0 if it did not
    peak_kb: int  # -1 if the child died before it could report
    cpu_s: float  # this process's CPU after mark()
    children_peak_kb: int  # the largest of its own children's

    @property
    def peak_mb(self) -> int:
        return self.peak_kb >> 10

    @property
    def grown_kb(self) -> int:
        """What the code after mark() took beyond the peak before it."""
        return self.peak_kb - self.floor_kb


def run_measured(code: str, *args: str, timeout: float = 120, env: Mapping[str, str] | None = None,
                 preexec_fn=None) -> Measured:  # fmt: skip
    """Runs `code` (which may call `mark()`) in a new Python with `args`, stdin closed."""
    done = subprocess.run([sys.executable, "-c", PRELUDE + code, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL, check=False,
                          preexec_fn=preexec_fn)  # fmt: skip
    head, tag, tail = done.stderr.rpartition(f"\n{_TAG} ")
    floor, peak, cpu, children = tail.split() if tag else ("0", "-1", "-1", "-1")
    return Measured(done.returncode, done.stdout, head if tag else done.stderr, int(floor), int(peak),
                    float(cpu), int(children))  # fmt: skip


def run_cli_measured(*args: str, **how) -> Measured:
    """`tracetui ARGS` in a new Python, the floor taken once tracetui's CLI is imported."""
    return run_measured(CLI, *args, **how)
