"""The Pi reader against every real Pi/OpenClaw log in the corpus.

Each file is also counted here by a separate, deliberately plain method (json.loads per line,
and a split at `}{"type":` for lines holding more than one entry), and the reader must agree
with it exactly. The logs are read at run time and never copied into the repository.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from shared_data import CORPUS, corpus_files, requires_corpus
from support.narrow import present

from tracetui.model import Session, StepKind, Tokens
from tracetui.sources import RawLog
from tracetui.sources.pi import reader as pi

pytestmark = [requires_corpus, pytest.mark.corpus]

FILES = corpus_files("pi") + corpus_files("pi", "*.jsonl.reset.*")


def _ids(paths: list[Path]) -> list[str]:
    return [p.name[:60] for p in paths]


def plain_entries(data: bytes) -> tuple[list[tuple[int, dict[str, Any]]], list[int]]:
    """(line, entry) for every entry a simple reader can find, and the lines that were not JSON."""
    entries: list[tuple[int, dict[str, Any]]] = []
    bad: list[int] = []
    for number, line in enumerate(data.decode("utf-8", "replace").split("\n"), 1):
        if not line.strip():
            continue
        try:
            entries.append((number, json.loads(line)))
            continue
        except ValueError:
            bad.append(number)
        pieces = re.split(r'\}(?=\{"type":)', line)
        for i, piece in enumerate(pieces):
            text = piece if i == len(pieces) - 1 else piece + "}"
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict):
                entries.append((number, value))
    return entries, bad


class Expected:
    """What the raw JSON says, counted without the reader's code."""

    def __init__(self, data: bytes) -> None:
        entries, self.bad_lines = plain_entries(data)
        self.header = entries[0][1] if entries and entries[0][1].get("type") == "session" else None
        body = entries[1:] if self.header else entries
        self.kinds: Counter[str] = Counter()
        self.call_ids: list[str] = []
        self.result_ids: list[str] = []
        self.edit_calls = 0
        self.bash_runs = 0
        self.compactions: list[tuple[int, dict[str, Any]]] = []
        self.tokens = Tokens()
        self.own_tokens = Tokens()  # without a fork's copies: the entries older than its header
        forked = bool(self.header and (self.header.get("parentSession") or self.header.get("branchedFrom")))
        copying = forked
        self.first_kept_lines: list[int] = []
        model_now: str | None = None
        for number, entry in body:
            if copying and entry.get("timestamp", "") >= present(self.header)["timestamp"]:
                copying = False
            kind = entry.get("type")
            if kind == "compaction":
                self.kinds[StepKind.COMPACTION] += 1
                self.compactions.append((number, entry))
                index = entry.get("firstKeptEntryIndex")
                if isinstance(index, int):
                    self.first_kept_lines.append(entries[index][0])
            elif kind == "model_change":
                self.kinds[StepKind.MODEL_CHANGE] += 1
                model_now = f"{entry.get('provider')}/{entry.get('modelId')}"
            elif kind == "thinking_level_change":
                self.kinds[StepKind.SYSTEM] += 1
            if kind != "message":
                continue
            message = entry["message"]
            role = message.get("role")
            if role == "user":
                self.kinds[StepKind.USER] += 1
            elif role == "toolResult":
                self.kinds[StepKind.TOOL_RESULT] += 1
                self.result_ids.append(message["toolCallId"])
            elif role == "bashExecution":
                self.bash_runs += 1
            elif role == "assistant" and message.get("provider") == "openclaw":
                # OpenClaw's own record (a delivered reply's mirror): one SYSTEM step, no model's
                self.kinds[StepKind.SYSTEM] += 1
            elif role == "assistant":
                # An answer of another model than the one in effect: a switch no entry names (`--model`
                # on a resume), one MODEL_CHANGE step more.
                answering = f"{message.get('provider')}/{message.get('model')}"
                if model_now is not None and answering != model_now and any(
                        b.get("type") in ("text", "thinking", "toolCall") for b in message.get("content") or []):
                    self.kinds[StepKind.MODEL_CHANGE] += 1
                model_now = answering
                usage = message.get("usage") or {}
                used = Tokens(
                    usage.get("input", 0),
                    usage.get("output", 0),
                    usage.get("cacheRead", 0),
                    usage.get("cacheWrite", 0),
                )
                self.tokens.add(used)
                if not copying:
                    self.own_tokens.add(used)
                if message.get("stopReason") in ("error", "aborted"):
                    self.kinds[StepKind.SYSTEM] += 1
                for block in message.get("content") or []:
                    if block["type"] == "toolCall":
                        self.kinds[StepKind.TOOL_CALL] += 1
                        self.call_ids.append(block["id"])
                        args = block.get("arguments") or {}
                        if (
                            block["name"].lower() in ("edit", "write")
                            and isinstance(args, dict)
                            and args.get("path")
                        ):
                            self.edit_calls += 1
                    elif block["type"] == "text":
                        self.kinds[StepKind.ASSISTANT] += 1
                    elif block["type"] == "thinking":
                        self.kinds[StepKind.REASONING] += 1


@pytest.fixture(scope="module", params=FILES, ids=_ids(FILES))
def case(request) -> tuple[Path, Session, Expected]:
    path: Path = request.param
    data = path.read_bytes()
    return path, pi.read(RawLog(str(path), data), []), Expected(data)


def test_the_corpus_has_pi_files():
    assert len(FILES) >= 5, f"expected the Pi logs under {CORPUS / 'pi'}"


def test_session_identity(case):
    path, session, expected = case
    assert expected.header is not None
    assert session.id == expected.header["id"]
    assert session.cwd == expected.header["cwd"]
    assert session.version == f"pi-v{expected.header.get('version', 1)}"
    assert session.source == str(path)
    assert session.steps, "no steps read"
    assert session.started and session.ended and session.started <= session.ended
    assert session.models
    assert session.title


def test_step_kinds_match_a_plain_count(case):
    _, session, expected = case
    got = Counter(s.kind for s in session.steps if not s.meta.get("user_run"))
    want = {kind: n for kind, n in expected.kinds.items() if n}
    assert dict(got) == want
    runs = [s for s in session.steps if s.meta.get("user_run")]
    assert len(runs) == 2 * expected.bash_runs
    assert session.skipped == {}


def test_tool_call_ids_are_the_raw_ids_in_file_order(case):
    _, session, expected = case
    calls = [s for s in session.steps if s.kind == StepKind.TOOL_CALL and not s.meta.get("user_run")]
    assert [s.tool_call_id for s in calls] == expected.call_ids
    results = [s for s in session.steps if s.kind == StepKind.TOOL_RESULT and not s.meta.get("user_run")]
    assert [s.tool_call_id for s in results] == expected.result_ids


def test_edit_and_write_calls(case):
    _, session, expected = case
    assert session.edit_calls == expected.edit_calls
    for step in session.steps:
        for edit in step.edits:
            assert edit.op in ("update", "write")
            assert step.tool.lower() in ("edit", "write")
            assert edit.path == step.tool_input["path"]


def test_tokens_are_the_sum_of_every_assistant_usage(case):
    _, session, expected = case
    # the session's own requests; a fork's copies keep their usage on their steps
    assert session.tokens == expected.own_tokens
    assert sum((s.tokens.total for s in session.steps if s.tokens), 0) == expected.tokens.total


def test_bad_lines_are_line_errors_with_their_numbers(case):
    path, session, expected = case
    assert [e.line for e in session.errors] == expected.bad_lines
    assert all(e.path == str(path) for e in session.errors)


def test_compactions(case):
    _, session, expected = case
    steps = [s for s in session.steps if s.kind == StepKind.COMPACTION]
    assert [s.text for s in steps] == [c["summary"] for _, c in expected.compactions]
    assert [s.meta.get("tokens_before") for s in steps] == [
        c.get("tokensBefore") for _, c in expected.compactions
    ]
    if expected.first_kept_lines:  # v1: an index into the file's entries, header = 0
        assert [s.meta["first_kept_entry_id"] for s in steps] == [f"L{n}" for n in expected.first_kept_lines]
    for step in steps:
        kept = session.step(step.meta["first_kept_entry_id"])
        assert kept is not None and kept.index < step.index
        assert kept.kind in (StepKind.USER, StepKind.ASSISTANT, StepKind.REASONING, StepKind.TOOL_CALL)


def test_steps_form_a_tree_whose_active_path_ends_at_the_last_entry(case):
    _, session, _ = case
    by_id = {s.id: s for s in session.steps}
    assert len(by_id) == len(session.steps), "step ids are not unique"
    assert [s.index for s in session.steps] == list(range(len(session.steps)))
    for step in session.steps:
        if step.parent is not None:
            assert by_id[step.parent].index < step.index
    last_active = max(s.index for s in session.steps if s.active)
    walked: set[str] = set()
    current = session.steps[last_active]
    while current is not None:
        walked.add(current.id)
        current = by_id.get(current.parent) if current.parent else None
    assert walked == {s.id for s in session.steps if s.active}


def test_numbered_diffs_become_hunks_whose_numbers_match_the_changed_lines(case):
    """Every `+`/`-` line of a result's details.diff sits at the line number the diff gives it."""
    _, session, _ = case
    checked = 0
    results = {s.tool_call_id: s for s in session.steps if s.kind == StepKind.TOOL_RESULT}
    raw_diffs = _raw_diffs(Path(session.source).read_bytes())
    for step in session.steps:
        if not step.edits or not step.edits[0].hunks:
            continue
        diff = raw_diffs.get(step.tool_call_id)
        if diff is None:
            continue
        numbered = [
            (line[0], int(line[1:].split(None, 1)[0]))
            for line in diff.split("\n")
            if line[:1] in "+-" and line[1:].strip()[:1].isdigit()
        ]
        placed = []
        for hunk in step.edits[0].hunks:
            old, new = hunk.old_start, hunk.new_start
            for line in hunk.lines:
                if line[0] == "-":
                    placed.append(("-", old))
                    old += 1
                elif line[0] == "+":
                    placed.append(("+", new))
                    new += 1
                else:
                    old += 1
                    new += 1
        assert placed == numbered
        assert results[step.tool_call_id].is_error is False
        checked += 1
    assert checked == sum(1 for s in session.steps if s.edits and s.edits[0].hunks)


def _raw_diffs(data: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for _, entry in plain_entries(data)[0]:
        message = entry.get("message") or {}
        details = message.get("details")
        if (
            message.get("role") == "toolResult"
            and isinstance(details, dict)
            and isinstance(details.get("diff"), str)
        ):
            out[message["toolCallId"]] = details["diff"]
    return out
