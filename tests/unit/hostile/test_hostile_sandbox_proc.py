"""What a stranger's check can read through the sandbox's own /proc. bubblewrap, with its pid
namespace, keeps a reaper of its own as pid 1 inside the sandbox, and that process holds the
environment bwrap was started with: tracetui's, so the user's whole environment (API keys, tokens,
the ssh-agent's socket). `--clearenv` cleared only the check's: `cat /proc/1/environ` printed every
secret into the check's output, which `replay --json` hands on whole. Found 2026-11-28 by running
`tracetui replay` with such a check, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
CANARY = "tracetui-canary-4f1d9c0b7e"
# The capsule's code, run by the user's check: every process's environment it can see, printed.
READ_ENVIRONS = "for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\"; done; exit 1"


@needs_sandbox
def test_the_check_reads_no_secret_of_the_users_environment(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x05" * 32)
    env = {**os.environ, "AWS_SECRET_ACCESS_KEY": CANARY, "SSH_AUTH_SOCK": f"/tmp/{CANARY}/agent.sock"}
    argv = [sys.executable, "-m", "tracetui", "replay", str(tmp_path / "ep.capsule"), "--repo", str(repo),
            "--check", READ_ENVIRONS, "--json"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    assert '"base_check"' in done.stdout, done.stderr
    assert "PATH=" in done.stdout  # the check ran and read what it may: the variables it was given
    assert CANARY not in done.stdout + done.stderr
