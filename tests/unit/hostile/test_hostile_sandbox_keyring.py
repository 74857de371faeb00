"""The user's session keyring, from inside the sandbox. A process inherits its parent's session
keyring, and possessing it lets it search and read the keys in it: a sandboxed check read a key
the test put in tracetui's session keyring (a Kerberos ticket, a mounted share's password or a
token a tool keeps there would be read the same way), though the sandbox otherwise holds nothing
that authenticates. Found 2026-11-28 by a red team. bwrap now starts in a new, empty session
keyring of its own."""

from __future__ import annotations

import ctypes
import platform
import secrets
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
# add_key and keyctl, where this test knows their numbers.
NUMBERS = {"x86_64": (248, 250), "aarch64": (217, 219)}
SESSION = -3  # KEY_SPEC_SESSION_KEYRING
JOIN, INVALIDATE = 1, 21

CHECK = """python3 -c '
import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
keyctl = {"x86_64": 250, "aarch64": 219}[platform.machine()]
found = libc.syscall(keyctl, 10, -3, b"user", b"tracetui-test", 0)  # KEYCTL_SEARCH
buf = ctypes.create_string_buffer(64)
if found > 0 and libc.syscall(keyctl, 11, found, buf, 64) > 0:  # KEYCTL_READ
    print("READ", buf.value.decode())
print("DONE")
'; exit 1"""


@needs_sandbox
@pytest.mark.skipif(platform.machine() not in NUMBERS, reason="the keyring calls' numbers are not known here")
def test_the_check_cannot_read_tracetui_s_session_keyring(tmp_path):
    add_key, keyctl = NUMBERS[platform.machine()]
    libc = ctypes.CDLL(None, use_errno=True)
    # A session keyring of this test process's own first: the key is seen by no other program.
    if libc.syscall(keyctl, JOIN, None) < 0:
        pytest.skip("no keyrings here (a seccomp filter or a kernel without them)")
    token = secrets.token_hex(8).encode()
    key = libc.syscall(add_key, b"user", b"tracetui-test", token, len(token), SESSION)
    assert key > 0, ctypes.get_errno()
    try:
        repo, _ = kit.make_repo(tmp_path)
        session = kit.make_session(repo)
        seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x0e" * 32)
        run = replay(tmp_path / "ep.capsule", repo, check=CHECK).base_check
    finally:
        libc.syscall(keyctl, INVALIDATE, key)
    assert run is not None and run.sandbox == "bubblewrap", run
    assert "DONE" in run.output and token.decode() not in run.output, run.output
