"""A real Claude Code 2.1.2 cache warm-up that ran away, read from the fetched mirror of
deder01/config_files (a home folder kept on GitHub; the file is never committed here).

The session's folder holds only its runs (`<session>/subagents/agent-*.jsonl`), its main transcript
was not kept. Run a21d36a was sent "Warmup"; the model called Glob, was answered "Warmup", and called
it again, 916 times over 50 minutes, until the account's usage ran out ("You're out of extra usage").
Read alone it is hidden as a warm-up, like its quiet siblings, but every call and result is kept and
its tokens (74.6M read from the cache) are counted, so `ls` can say what the hidden sessions cost.
"""

from __future__ import annotations

import subprocess

import pytest
from shared_data import mirror

from tracetui.model import StepKind
from tracetui.sources import group, read_session
from tracetui.sources.common import titles

OWNER, NAME = "deder01", "config_files"
AT = "20624dfb9e17592bb2aa2bcbe4d7e484aa334fe5"
RUN = (
    ".claude/projects/-home-deder-repos-personal-finance-llm/"
    "2fc63785-c14f-4f06-9172-fd4b0deb56a0/subagents/agent-a21d36a.jsonl"
)


def test_a_runaway_warm_up_is_hidden_but_keeps_every_call_and_its_tokens(tmp_path):
    source = mirror(OWNER, NAME)
    if source is None:
        pytest.skip(f"{OWNER}/{NAME} was not fetched (fetch github:{OWNER}/{NAME})")
    argv = ["git", "-C", str(source), "show", f"{AT}:{RUN}"]
    shown = subprocess.run(argv, capture_output=True, check=False)
    if shown.returncode != 0:
        pytest.skip(f"the mirror of {OWNER}/{NAME} lacks {AT[:7]}:{RUN}")
    log = tmp_path / RUN.split("/", 1)[1]
    log.parent.mkdir(parents=True)
    log.write_bytes(shown.stdout)
    [files] = group("claude", [log])
    session = read_session(files)
    assert (session.id, session.version, session.hidden, session.title) == (
        "2fc63785-c14f-4f06-9172-fd4b0deb56a0-agent-a21d36a", "2.1.2", titles.HIDDEN_WARMUP, "Warmup"
    )
    calls = [s for s in session.steps if s.kind == StepKind.TOOL_CALL]
    results = [s for s in session.steps if s.kind == StepKind.TOOL_RESULT]
    assert (len(calls), len(results), {s.tool for s in calls}) == (916, 916, {"Glob"})
    assert {s.text for s in results} == {"Warmup"}
    assert session.tokens.cache_read == 74_638_314 and (session.skipped, session.errors) == ({}, [])
    assert session.steps[-1].text == "You're out of extra usage · resets 2pm (America/New_York)"
