"""A check runs the capsule's code, which may print without end: what tracetui keeps of the output is
its tail, and what it holds while the check runs is bounded too (the whole output was buffered, then
cut: 800 MB printed within the time limit were 800 MB and more of tracetui's memory)."""

from __future__ import annotations

import json
import sys

from shared_data import FIXTURES
from support.peak_memory import run_measured

from tracetui.capsule import REPRODUCES, replay, seal

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

# The replay in a new Python, so its memory is its own (support.peak_memory).
_REPLAY = """
import json, sys
from pathlib import Path
from tracetui.capsule import replay
mark()
result = replay(Path(sys.argv[1]), Path(sys.argv[2]), check=sys.argv[3], timeout=120, trust=True, sandbox=None)
base = result.base_check
print(json.dumps([result.verdict, base and base.exit_code, base and base.output]))
"""


def test_a_check_that_prints_800_mb_costs_its_tail_not_its_size(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x05" * 32)
    check = "head -c 800000000 /dev/zero | tr '\\0' x; echo; echo the-last-line; exit 3"
    done = run_measured(_REPLAY, str(tmp_path / "ep.capsule"), str(repo), check, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert 0 < done.grown_kb < 200_000, f"{done.grown_kb} KB held for the check's output"
    verdict, exit_code, output = json.loads(done.stdout)
    assert verdict == REPRODUCES  # it fails at the base and at HEAD alike
    assert exit_code == 3
    assert output.endswith("the-last-line\n") and len(output) <= 4000


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
