"""A check runs the capsule's code, which may print without end: what tracetui keeps of the output is
its tail, and what it holds while the check runs is bounded too (the whole output was buffered, then
cut: 800 MB printed within the time limit were 800 MB and more of tracetui's memory)."""

from __future__ import annotations

import resource
import sys
from shared_data import FIXTURES

from tracetui.capsule import REPRODUCES, replay, seal

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402


def test_a_check_that_prints_800_mb_costs_its_tail_not_its_size(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x05" * 32)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    check = "head -c 800000000 /dev/zero | tr '\\0' x; echo; echo the-last-line; exit 3"
    result = replay(tmp_path / "ep.capsule", repo, check=check, timeout=120, trust=True, sandbox=None)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 200_000, f"{grown} KB held for the check's output"  # KB
    assert result.verdict == REPRODUCES  # it fails at the base and at HEAD alike
    assert result.base_check is not None and result.base_check.exit_code == 3
    assert result.base_check.output.endswith("the-last-line\n") and len(result.base_check.output) <= 4000


def test_a_check_that_closes_its_output_and_keeps_running_is_stopped_at_its_time_limit(tmp_path):
    import time

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x05" * 32)
    started = time.monotonic()
    result = replay(tmp_path / "ep.capsule", repo, check="exec >&- 2>&-; sleep 30", timeout=0.5, trust=True,
                    sandbox=None)  # fmt: skip
    assert time.monotonic() - started < 10
    assert result.base_check is not None and result.base_check.exit_code == -1
