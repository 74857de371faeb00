"""The host's sockets from inside the sandbox. A socket bound on the file system is out of reach
because the sandbox's file system holds none of the host's; an abstract unix socket (no path: D-Bus,
X11's, many agents') and a loopback listener are out of reach only because the sandbox's network
namespace is its own (bwrap's --unshare-net). Checked 2026-11-28 by the seventh red team: both
refused, the check's namespace differs from tracetui's. A guard, so that no change to the sandbox's
options shares the host's network again."""

from __future__ import annotations

import os
import secrets
import socket
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")

CHECK = """python3 -c '
import os, socket, sys
for family, address in ((socket.AF_UNIX, "\\0" + sys.argv[1]),
                        (socket.AF_INET, ("127.0.0.1", int(sys.argv[2])))):
    try:
        socket.socket(family, socket.SOCK_STREAM).connect(address)
        print("REACHED", family)
    except OSError as e:
        print("REFUSED", e.errno)
print("NET", os.readlink("/proc/self/ns/net"))
' {name} {port}; exit 1"""


@needs_sandbox
def test_the_check_reaches_no_abstract_socket_nor_loopback_of_the_host(tmp_path):
    name = f"tracetui-test-{secrets.token_hex(6)}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as abstract, socket.socket() as loopback:
        abstract.bind("\0" + name)
        abstract.listen(4)
        loopback.bind(("127.0.0.1", 0))
        loopback.listen(4)
        # Each reachable from here: a refusal in the sandbox is the sandbox's doing.
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect("\0" + name)
        repo, _ = kit.make_repo(tmp_path)
        session = kit.make_session(repo)
        seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x52" * 32)
        check = CHECK.format(name=name, port=loopback.getsockname()[1])
        run = replay(tmp_path / "ep.capsule", repo, check=check).base_check
    assert run is not None and run.sandbox == "bubblewrap" and run.failure is None, run
    said = run.output.splitlines()
    assert "REACHED" not in run.output and said.count("REFUSED 111") == 2, run.output
    assert f"NET {os.readlink('/proc/self/ns/net')}" not in said, run.output
