"""The first Copilot CLI builds' `history-session-state` documents, as polusiti/sys committed six of them
(October 2025, Japanese prompts, a WSL user whose shell tool never started). They are read from the
fetched mirror at run time, never copied here; the test skips where the mirror is absent. Counted by
hand from the documents: 143 `tool_call_completed` entries, 27 of them of result type `failure`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from shared_data import mirror

from tracetui.model import StepKind
from tracetui.sources import group, read_session

AT = "8539f23f102fdcb59e7b852580d4a345582b4fe9"
FOLDER = ".copilot/history-session-state"
# session id prefix -> (steps, tool results, failed results), from the documents' timelines
WANT = {
    "076dfd18": (47, 9, 3),
    "683e6d77": (116, 49, 11),
    "c0feb47a": (95, 31, 2),
    "cadac335": (98, 37, 9),
    "e02997e2": (44, 17, 2),
    "ea20af27": (1, 0, 0),
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> list[Path]:
    source = mirror("polusiti", "sys")
    if source is None:
        pytest.skip("polusiti/sys was not fetched (fetch github:polusiti/sys)")
    check = ["git", "-C", str(source), "cat-file", "-e", AT + "^{commit}"]
    known = subprocess.run(check, capture_output=True)
    if known.returncode:
        pytest.skip(f"the mirror of polusiti/sys lacks {AT[:7]}")
    folder = tmp_path_factory.mktemp("copilot") / "history-session-state"
    folder.mkdir()
    listed = ["git", "-C", str(source), "ls-tree", "--name-only", AT, FOLDER + "/"]
    for name in subprocess.run(listed, capture_output=True, text=True, check=True).stdout.split():
        show = ["git", "-C", str(source), "show", f"{AT}:{name}"]
        (folder / Path(name).name).write_bytes(subprocess.run(show, capture_output=True, check=True).stdout)
    return sorted(folder.iterdir())


def test_every_document_reads_whole_with_its_failures_as_errors(documents):
    got = {}
    for files in group("copilot", documents):
        session = read_session(files)
        assert session.errors == [] and session.skipped == {}
        results = [s for s in session.steps if s.kind == StepKind.TOOL_RESULT]
        got[session.id[:8]] = (len(session.steps), len(results), sum(bool(r.is_error) for r in results))
    assert got == WANT
