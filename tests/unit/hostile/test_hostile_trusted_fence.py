"""A trusted check where no pid namespace may be made (a container that forbids user namespaces,
AppArmor's rule on them: `reaper.own_pids` says no) is the user's own process beside tracetui: it
stopped tracetui or killed it, or its process group (the user's shell's job: `tracetui replay | less`
and all), and the user's work with it (docs/design.md listed it as not covered). Found again
2026-11-30 by the nineteenth red team. The runner now fences tracetui off before the check's shell
starts (`reaper.fence`, a seccomp filter every process of the check inherits): kill, tgkill, the
sigqueue calls, ptrace, process_vm_readv/writev and pidfd_open of tracetui's pid, kill of its group
or of every process (-1) are refused (EPERM), tkill and the pidfd calls on a descriptor always.
A check's own processes it signals as before.

The runner is standard library only, so a driver as small (`DRIVER`) stands for tracetui, and runs the
runner as replay does where there is no pid namespace (no `--own-pids`)."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tracetui.capsule import reaper

REAPER = Path(reaper.__file__).resolve()
pytestmark = pytest.mark.skipif(platform.machine() not in reaper._FENCE_CALLS, reason="no fence for this machine")

# tracetui's part in a trusted replay without a pid namespace: the runner with no `--own-pids`.
DRIVER = """
import os, subprocess, sys
path, command = sys.argv[1:]
runner = subprocess.Popen([sys.executable, "-I", path, str(os.getpid()), 'exec /bin/sh -c "$1"', "check",
                           command], start_new_session=True)
print("runner", runner.wait(), flush=True)
"""

# What the check tries, each said in a line: tracetui (its runner's parent), its group, then its own child.
CHECK = """
read -r _ _ _ t _ < /proc/$PPID/stat
read -r _ _ _ _ g _ < /proc/$t/stat
kill -STOP $t 2>/dev/null && echo stopped-tracetui || echo refused
kill -KILL -$g 2>/dev/null && echo killed-its-group || echo refused
kill -KILL $t 2>/dev/null && echo killed-tracetui || echo refused
sleep 30 & kill -KILL $! && echo own-child-killed
"""


def test_a_check_cannot_signal_tracetui_nor_its_group_and_signals_its_own(tmp_path):
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(REAPER), CHECK], cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = driver.communicate(timeout=30)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)  # the test's own group: the driver stopped, say
            driver.wait()
    assert driver.returncode == 0, (driver.returncode, out, err)
    assert out.split() == ["refused", "refused", "refused", "own-child-killed", "runner", "0"], (out, err)


def test_the_filter_refuses_each_way_to_tracetui_and_no_other():
    """The filter's verdicts, read by a small interpreter of its three instructions' kinds, on every
    architecture it knows: the kernel's part (the test above) runs on this machine's alone."""
    import struct

    for name, calls in reaper._FENCE_CALLS.items():
        arch, named, ptrace, refused, x32, sock = calls
        targets = (1234, -77 & 0xFFFFFFFF, 0xFFFFFFFF)
        program = reaper._filter(*calls, targets)

        def verdict(nr: int, *args: int, on: int = arch) -> str:
            data = struct.pack("<iIQ6Q", nr, on, 0, *args, *[0] * (6 - len(args)))
            pc = a = 0
            while True:
                op, jt, jf, k = program[pc]
                if op == 0x06:
                    return "allow" if k == 0x7FFF0000 else "deny"
                if op == 0x20:
                    a, pc = struct.unpack_from("<I", data, k)[0], pc + 1
                else:
                    pc += 1 + (jt if (a == k if op == 0x15 else a >= k) else jf)

        for nr in named:
            assert verdict(nr, 1234, 9) == verdict(nr, -77 & (2**64 - 1)) == "deny", name
            assert verdict(nr, 1 << 32 | 1234) == "deny", name  # the kernel reads a pid's low half
            assert verdict(nr, 1235, 9) == "allow", name
        assert verdict(named[0], 2**64 - 1) == "deny", name  # kill(-1)
        assert verdict(ptrace, 16, 1234) == "deny" and verdict(ptrace, 16, 1235) == "allow", name
        assert all(verdict(nr, 5) == "deny" for nr in refused), name
        assert all(nr in refused for nr in (425, 426, 427)), name  # io_uring: its socket and connect unseen
        # A unix socket, by its family's low half, refused; an inet one made. A stream or seqpacket pair
        # made, a datagram one (SOCK_RAW is a unix datagram) refused, with or without its flags.
        socket_nr, pair = sock
        assert (socket_nr, pair) == {"x86_64": (41, 53), "aarch64": (198, 199)}[name]
        assert verdict(socket_nr, 1, 1) == verdict(socket_nr, 1 << 32 | 1, 1) == "deny", name
        assert verdict(socket_nr, 2, 1) == verdict(socket_nr, 10, 1) == "allow", name
        assert all(verdict(pair, 1, kind) == "allow" for kind in (1, 5, 1 | 0x80000, 5 | 0x800)), name
        assert all(verdict(pair, 1, kind | flags) == "deny" for kind in (2, 3)
                   for flags in (0, 0x800, 0x80000, 0x80800)), name
        assert verdict(0, 1234) == verdict(1, 1234) == "allow", name
        assert verdict(named[0], 5, on=0x40000003) == "deny", name  # i386's calls, other numbers
        if x32:
            assert verdict(0x40000000 | named[0], 5) == "deny", name
