"""The machine's kernel settings, from inside the sandbox. Where tracetui runs as root (a CI job, a
container), bwrap's user namespace maps the check to root of the machine: its capabilities are
dropped, but a sysctl is written by whoever owns it (root, 0644), and bwrap covers /proc/sys only
where it is not writable to itself. Measured with the real sandbox: a check wrote the machine's
vm.max_map_count (its own value back), and could as well have written kernel.core_pattern or
kernel.modprobe, a program the kernel runs as root outside any sandbox. Found 2026-11-28 by a red
team. /proc/sys is bound read-only over the sandbox's own /proc (each setting still reads the
sandbox's own namespaces: its host name, its network)."""

from __future__ import annotations

import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
SETTINGS = ("kernel/core_pattern", "kernel/modprobe", "vm/max_map_count", "fs/file-max", "kernel/hostname")


@needs_sandbox
def test_no_kernel_setting_is_writable_in_the_sandbox(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x0d" * 32)
    # access(W_OK) only: nothing is written, whatever the sandbox allows.
    probes = "; ".join(f'[ -w /proc/sys/{name} ] && echo "WRITABLE {name}"' for name in SETTINGS)
    check = f"{probes}; cat /proc/sys/kernel/hostname; echo DONE; exit 1"
    result = replay(tmp_path / "ep.capsule", repo, check=check)
    run = result.base_check
    assert run is not None and run.sandbox == "bubblewrap", run
    assert "DONE" in run.output and "WRITABLE" not in run.output, run.output
