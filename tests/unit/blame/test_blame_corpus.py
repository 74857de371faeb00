"""Blame on real data: the slopometry session in ../shared/corpus and its public repository.

The session's work was committed in 732155f (see truth_slopometry). The repository is cloned
from its fetched mirror into a folder named like the logged one (`slopometry`), which is how blame
recognises a log written in another folder of the same repository. Checked by hand in the log (the
Edit/Write inputs) and with `git show 732155f`:

- .gitignore `.slopometry/` was added by step 9978e7d4 (the plan file's earlier mention is outside
  the repository);
- models.py's `blind_spots` field, written by step 6663f74d over two lines, was joined into one by
  the formatter before the commit;
- formatters.py's `console.print(f"\\nTasks: ...")` of step e5199aee was split over three lines;
- formatters.py's `impl_percentage = 100 - ...` was added by step c2d27a8e; three later edits carry
  it unchanged in both their old and new strings (context, not theirs);
- tests/test_cli_calculator.py's `from conftest import make_test_metrics` is in no edit of the
  session (human), and complexity_analyzer.py's `delta.type_hint_coverage_change = ...` only ever
  appears as unchanged context (human: it was in the work tree before the session);
- context_coverage_analyzer.py (new, 329 lines) is step 69d9f8cc's Write, but for an `if` condition
  the formatter wrapped in brackets over five lines (lines 127-131);
- coverage.xml (1,789 added lines, a generated report) was written by no step.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from shared_data import CORPUS, mirror

from tracetui.blame import blame_commit, blame_file
from tracetui.library import MemoryLibrary
from tracetui.sources import group, read_session

pytestmark = pytest.mark.corpus

LOG = CORPUS / "claude" / "TensorTemplar__slopometry__tests__fixtures__transcript.jsonl"
ACCEPTED = "732155f2a7e409991d571558ca8f86b50787848a"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[MemoryLibrary, Path]:
    source = mirror("TensorTemplar", "slopometry")
    if not LOG.is_file():
        pytest.skip(f"the corpus log is not at {LOG}")
    if source is None:
        pytest.skip("TensorTemplar/slopometry was not fetched (fetch github:TensorTemplar/slopometry)")
    clone = tmp_path_factory.mktemp("blame") / "slopometry"
    subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True, capture_output=True)
    known = subprocess.run(
        ["git", "-C", str(clone), "cat-file", "-e", ACCEPTED + "^{commit}"], capture_output=True
    )
    if known.returncode != 0:
        pytest.skip(f"the mirror of TensorTemplar/slopometry lacks {ACCEPTED[:7]}")
    [files] = group("claude", [LOG])
    return MemoryLibrary([read_session(files)]), clone


def _step(lib, clone, path: str, first: int, last: int) -> list[tuple[str, str | None, str]]:
    result = blame_file(lib, path, repo=clone, ref=ACCEPTED, lines=(first, last), states=False)
    return [(x.kind, x.writer.step[:8] if x.writer else None, (x.commit or "")[:7]) for x in result.lines]


def test_hand_checked_lines_go_to_their_steps(world):
    lib, clone = world
    assert _step(lib, clone, ".gitignore", 46, 46) == [("agent", "9978e7d4", "732155f")]
    assert _step(lib, clone, "src/slopometry/core/models.py", 695, 695) == [("agent", "6663f74d", "732155f")]
    assert _step(lib, clone, "src/slopometry/display/formatters.py", 332, 335) == [
        ("agent", "e5199aee", "732155f"),
        ("agent", "e5199aee", "732155f"),
        ("agent", "e5199aee", "732155f"),  # the split call's closing bracket
        ("agent", "c2d27a8e", "732155f"),
    ]
    assert _step(lib, clone, "tests/test_cli_calculator.py", 3, 3) == [("human", None, "732155f")]
    assert _step(lib, clone, "src/slopometry/core/complexity_analyzer.py", 215, 215) == [
        ("human", None, "732155f")
    ]


def test_the_commit_that_took_the_sessions_work(world):
    lib, clone = world
    result = blame_commit(lib, ACCEPTED, repo=clone)
    unexplained = [u for u in result.unexplained if u["path"] != "coverage.xml"]
    report = [u for u in result.unexplained if u["path"] == "coverage.xml"]
    assert len(report) == 1789  # the generated report: no step wrote it
    source_lines = result.added - len(report)
    assert result.explained >= 870 and len(unexplained) <= 40, (result.explained, source_lines)
    top = result.steps[0]
    assert top.step[:8] == "69d9f8cc" and top.lines >= 295  # the new context_coverage_analyzer.py (329 lines)
    # its `if (...)` block: the formatter wrapped the step's one-line condition in brackets, which
    # changes the text beyond whitespace, so no step explains it
    ctx = [u["line"] for u in unexplained if u["path"].endswith("context_coverage_analyzer.py")]
    assert {127, 128, 129, 130, 131} <= set(ctx) and len(ctx) <= 10
    assert {s["session"] for s in result.sessions()} == {top.session}


# -- a Codex session of pinouchon/rtchess (see truth_rtchess): it built the game, committed
# first in dc0d1f0; its step L2211 wrote export_development_history.py, which was moved into
# dev_history/ before its first commit (b8d8edf).

RTCHESS_LOG = (
    CORPUS / "codex" / "pinouchon__rtchess__dev_history__019aad50-a7e6-7422-b7a8-0b384290624f_rtchess_1.jsonl"
)
FIRST = "dc0d1f0da10890e741ef98cd05c4337c569b7fbe"
MOVED = "b8d8edfa27b5f325c8e37ea6a27799488d135413"


@pytest.fixture(scope="module")
def rtchess(tmp_path_factory) -> tuple[MemoryLibrary, Path]:
    source = mirror("pinouchon", "rtchess")
    if not RTCHESS_LOG.is_file():
        pytest.skip(f"the corpus log is not at {RTCHESS_LOG}")
    if source is None:
        pytest.skip("pinouchon/rtchess was not fetched (fetch github:pinouchon/rtchess)")
    clone = tmp_path_factory.mktemp("blame") / "rtchess"
    subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True, capture_output=True)
    known = subprocess.run(
        ["git", "-C", str(clone), "cat-file", "-e", MOVED + "^{commit}"], capture_output=True
    )
    if known.returncode != 0:
        pytest.skip(f"the mirror of pinouchon/rtchess lacks {MOVED[:7]}")
    [files] = group("codex", [RTCHESS_LOG])
    return MemoryLibrary([read_session(files)]), clone


def test_a_codex_session_s_commits(rtchess):
    lib, clone = rtchess
    first = blame_commit(lib, FIRST, repo=clone)
    assert first.added == 1664 and first.explained >= 1550  # the game, nearly all of it the session's
    moved = blame_commit(lib, MOVED, repo=clone)
    script = [s for s in moved.steps if s.step == "L2211"]
    assert script and script[0].lines >= 95  # found under its new folder
    unexplained = {u["path"] for u in moved.unexplained}
    assert "dev_history/exported-session.jsonl" in unexplained  # an export no step wrote
