"""A trusted check where no pid namespace may be made (the fence's seccomp filter and a Landlock domain,
no mount namespace to hide a socket in) reached what its own namespaces hide from it elsewhere: the
user's service manager (`$XDG_RUNTIME_DIR/systemd/private`), the session bus (`$XDG_RUNTIME_DIR/bus`),
the system bus (logind's TerminateSession of the user's session), any abstract socket (an old setup's
session bus, an X server's), and it stopped or killed any other program of its user's, its runner too.
Left open by atk20, found again 2026-11-30 (atk21): Landlock's file rules do not govern connect(2).

The fence now refuses the creation of a unix socket and of a datagram pair (one end of which sent to
the manager's notification socket; a stream pair stays: a pipe between a check's own processes) and
io_uring, whose own socket and connect operations no seccomp filter sees; where the
kernel's Landlock has scopes (ABI 6, Linux 6.12), the domain refuses a signal to, and a connect to an
abstract socket of, any process outside it. The runner is standard library only, so a driver as small
(`DRIVER`) stands for tracetui, and runs the runner as replay does where there is no pid namespace."""

from __future__ import annotations

import os
import platform
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tracetui.capsule import landlock, reaper

REAPER = Path(reaper.__file__).resolve()
pytestmark = pytest.mark.skipif(platform.machine() not in reaper._FENCE_CALLS,
                                reason="no fence for this machine")

DRIVER = """
import os, subprocess, sys
path, *rest = sys.argv[1:]
runner = subprocess.Popen([sys.executable, "-I", path, str(os.getpid()), 'exec /bin/sh -c "$1"', "check",
                           *rest], start_new_session=True)
print("runner", runner.wait(), flush=True)
"""

# What the check tries, each said in a word: the sockets by path and by abstract name, another program
# of the user's (killed) and its own runner (SIGCONT: harmless where it lands), and what it keeps.
CHECK = r"""
import os, signal, socket, sys
runtime, abstract, victim = sys.argv[1:]
for name in ("bus", "systemd/private", "system_bus_socket"):
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(os.path.join(runtime, name))
        print("reached-" + name)
    except OSError:
        print("refused-" + name)
try:
    with socket.socket(socket.AF_UNIX) as s:
        s.connect("\0" + abstract)
    print("reached-abstract")
except OSError:
    print("refused-abstract")
for word, pid, signum in (("victim", int(victim), signal.SIGKILL), ("runner", os.getppid(), signal.SIGCONT)):
    try:
        os.kill(pid, signum)
        print("signalled-" + word)
    except OSError:
        print("refused-" + word)
try:
    a, _ = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.sendto(b"READY=1", os.path.join(runtime, "systemd/notify"))
    print("reached-notify")
except OSError:
    print("refused-notify")
a, b = socket.socketpair()
a.sendall(b"kept")
print("socketpair-" + b.recv(4).decode())
"""


def _listen(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(address)
    sock.listen(4)
    return sock


def test_a_fenced_check_reaches_no_socket_of_the_user_s_nor_signals_outside_itself(tmp_path):
    if not landlock.abi() >= landlock.SCOPED_ABI:
        pytest.skip("this kernel's Landlock has no scopes: the trust box says what such a check can do")
    runtime = tmp_path / "runtime"
    (runtime / "systemd").mkdir(parents=True)
    abstract = f"tracetui-test-bus-{os.getpid()}-{random.randrange(10**6)}"
    listeners = [_listen(str(runtime / name)) for name in ("bus", "systemd/private", "system_bus_socket")]
    listeners.append(_listen("\0" + abstract))
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # the manager's notifications: a datagram's
    notify.bind(str(runtime / "systemd/notify"))
    listeners.append(notify)
    victim = subprocess.Popen(["sleep", "60"])
    try:
        check = f"exec {sys.executable} -I -c '{CHECK}' {runtime} {abstract} {victim.pid}"
        done = subprocess.run([sys.executable, "-c", DRIVER, str(REAPER), check], cwd=tmp_path, text=True,
                              capture_output=True, timeout=60)  # fmt: skip
        alive = victim.poll() is None
    finally:
        victim.kill()
        victim.wait()
        for sock in listeners:
            sock.close()
    assert done.returncode == 0, done
    assert done.stdout.split() == ["refused-bus", "refused-systemd/private", "refused-system_bus_socket",
                                   "refused-abstract", "refused-victim", "refused-runner", "refused-notify",
                                   "socketpair-kept",
                                   "runner", "0"], done  # fmt: skip
    assert alive, "the check killed another program of its user's"


ABSTRACT = r"""
import socket, sys
try:
    with socket.socket(socket.AF_UNIX) as s:
        s.connect("\0" + sys.argv[1])
    print("reached-abstract")
except OSError:
    print("refused-abstract")
"""


def test_a_check_in_its_own_namespaces_reaches_no_abstract_socket_outside_it(tmp_path):
    """Its own pid and mount namespaces, not a network namespace of its own (a check may need the
    network): an abstract socket (an X server's, whose XTEST types into the user's terminal; an old
    setup's session bus) was reached. Found 2026-11-30 (atk21); the domain's scope refuses it."""
    if not reaper.own_pids():
        pytest.skip("no pid namespace may be made here")
    if landlock.abi() < landlock.SCOPED_ABI:
        pytest.skip("this kernel's Landlock has no scopes: an abstract socket stays reachable")
    abstract = f"tracetui-test-x11-{os.getpid()}-{random.randrange(10**6)}"
    listener = _listen("\0" + abstract)
    try:
        check = f"exec {sys.executable} -I -c '{ABSTRACT}' {abstract}"
        own = DRIVER.replace('[sys.executable, "-I", path,', '[sys.executable, "-I", path, "--own-pids",')
        done = subprocess.run([sys.executable, "-c", own, str(REAPER), check], cwd=tmp_path, text=True,
                              capture_output=True, timeout=60)  # fmt: skip
    finally:
        listener.close()
    assert done.returncode == 0, done
    assert done.stdout.split() == ["refused-abstract", "runner", "0"], done
