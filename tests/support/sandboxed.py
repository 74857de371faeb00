"""Tests that run a capsule's check confined: they need a bubblewrap that can start on this machine.

Replay refuses to run a stranger's check unconfined unless told to trust it, so on a machine without
bubblewrap these tests skip, saying why; the refusal and the trusted path have tests of their own
(`--trust` in test_capsule_cli, `test_without_a_sandbox_the_check_runs_only_when_trusted`).
`.ci/run` installs bubblewrap, so CI runs them."""

from __future__ import annotations

import pytest

from tracetui.capsule.sandbox import find_sandbox

requires_sandbox = pytest.mark.skipif(
    find_sandbox() is None,
    reason="bubblewrap cannot run on this machine, and replay runs a capsule's check only confined"
    " (install bubblewrap)",
)
