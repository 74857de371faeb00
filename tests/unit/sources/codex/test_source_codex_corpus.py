"""The Codex reader against every real rollout, checked by a separate, deliberately plain recount.

The recount below walks the raw JSON with the standard library and none of the reader's logic:
it just collects call ids, counts file headers inside patches, and takes the last cumulative
token total. Where reader and recount disagree, one of them is wrong.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from shared_data import corpus_files, requires_corpus

from tracetui.model import StepKind, Tokens
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

FILES = corpus_files("codex", "*.jsonl") + corpus_files("codex", "*.json")
FILE_HEADER = re.compile(r"^\*\*\* (?:Add|Update|Delete) File: ", re.MULTILINE)
CALL_TYPES = ("function_call", "custom_tool_call", "local_shell_call")


def raw_items(path: Path) -> tuple[list[dict], int, list[dict]]:
    """(items in file order, number of lines that are not JSON objects, event payloads)."""
    data = path.read_bytes()
    if path.suffix == ".json":
        doc = json.loads(data)
        items = []
        for item in doc["items"]:
            if "type" in item:
                items.append(item)
                continue
            for call in item.get("tool_calls") or []:
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call["id"],
                        "arguments": call["function"]["arguments"],
                    }
                )
            if item.get("role") == "tool":
                items.append({"type": "function_call_output", "call_id": item["tool_call_id"]})
        return items, 0, []
    items, events, bad = [], [], 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if not isinstance(record, dict):
            bad += 1
        elif record.get("type") == "response_item":
            items.append(record["payload"])
        elif record.get("type") == "event_msg":
            events.append(record["payload"])
        elif "type" in record and "payload" not in record:
            items.append(record)  # pre-0.30 bare item
    return items, bad, events


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    return []


def patch_file_headers(item: dict) -> int:
    if item["type"] == "custom_tool_call":
        texts = [item.get("input") or ""] if item.get("name") == "apply_patch" else []
    elif "apply_patch" in (item.get("arguments") or ""):
        # A shell call counts only if it names apply_patch: a patch piped to plain bash is no edit.
        try:
            texts = strings_in(json.loads(item.get("arguments") or "null"))
        except ValueError:
            texts = []
    else:
        texts = []
    return sum(_files_of(t) for t in texts if "*** Begin Patch" in t)


def _files_of(patch_text: str) -> int:
    """File sections, a file deleted then added again in the same patch counting once (a rewrite)."""
    headers = [(m.group(1), m.group(2).strip()) for m in _SECTION.finditer(patch_text.replace("\r\n", "\n"))]
    rewrites = sum(
        1
        for i, (kind, path) in enumerate(headers)
        if kind == "Delete" and next((k for k, p in headers[i + 1 :] if p == path), "") == "Add"
    )
    assert len(headers) == len(FILE_HEADER.findall(patch_text))
    return len(headers) - rewrites


_SECTION = re.compile(r"^\*\*\* (Add|Update|Delete) File: (.*)$", re.MULTILINE)


def last_total(events: list[dict]) -> Tokens:
    last = None
    for event in events:
        if event.get("type") == "token_count" and event.get("info"):
            last = event["info"]["total_token_usage"]
    if last is None:
        return Tokens()
    cached = last["cached_input_tokens"]
    return Tokens(input=last["input_tokens"] - cached, output=last["output_tokens"], cache_read=cached)


def read(path: Path):
    return codex.read(RawLog(str(path), path.read_bytes()), [])


@requires_corpus
def test_corpus_has_both_legacy_layouts():
    names = [p.name for p in FILES]
    assert any(n.endswith(".json") for n in names)
    assert len(FILES) >= 15


@requires_corpus
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:60])
def test_every_corpus_file_matches_a_plain_recount(path: Path):
    items, bad_lines, events = raw_items(path)
    session = read(path)

    # no file-level failure: only genuinely broken lines are reported, and the session has a body
    assert len(session.errors) == bad_lines
    assert session.steps and session.id and session.started

    # tool calls: one step per distinct call id (web searches carry none), in file order
    call_ids = [i.get("call_id") for i in items if i.get("type") in CALL_TYPES + ("web_search_call",)]
    distinct = {c for c in call_ids if c}
    searches = sum(1 for i in items if i.get("type") == "web_search_call")
    steps = [s for s in session.steps if s.kind == StepKind.TOOL_CALL]
    assert session.tool_calls == len(distinct) + searches
    assert [s.tool_call_id for s in steps] == call_ids
    outputs = [i["call_id"] for i in items if i.get("type", "").endswith("_output")]
    assert [s.tool_call_id for s in session.steps if s.kind == StepKind.TOOL_RESULT] == outputs

    # apply_patch edits: one FileEdit per file header inside a patch
    expected_edits = sum(patch_file_headers(i) for i in items if i.get("type") in CALL_TYPES)
    assert sum(len(s.edits) for s in session.steps) == expected_edits

    # tokens: the sum of per-step deltas is the last cumulative total
    expected = last_total(events)
    assert session.tokens == expected
    attached = Tokens()
    for s in session.steps:
        if s.tokens:
            attached.add(s.tokens)
    assert attached == expected

    # prompts: where Codex wrote user_message events, there is exactly one USER step per event
    prompts = sum(1 for e in events if e.get("type") == "user_message")
    if prompts:
        assert sum(1 for s in session.steps if s.kind == StepKind.USER) == prompts

    # exit codes: where Codex wrote exec_command_end, the result carries that exit code
    ended = {e["call_id"]: e["exit_code"] for e in events if e.get("type") == "exec_command_end"}
    codes = {s.tool_call_id: s.meta.get("exit_code") for s in session.steps if s.kind == StepKind.TOOL_RESULT}
    assert {call_id: codes.get(call_id) for call_id in ended} == ended

    # ids are unique and indexes are positions
    assert len({s.id for s in session.steps}) == len(session.steps)
    assert [s.index for s in session.steps] == list(range(len(session.steps)))


@requires_corpus
def test_largest_file_parses_fast():
    largest = max(FILES, key=lambda p: p.stat().st_size)
    data = largest.read_bytes()
    best = min(_timed(largest, data) for _ in range(3))
    # The budget is 0.2 s; a slow CI runner gets head-room, a regression to seconds still fails.
    assert best < 1.0, f"{largest.name}: {best:.3f}s for {len(data)} bytes"


def _timed(path: Path, data: bytes) -> float:
    start = time.perf_counter()
    codex.read(RawLog(str(path), data), [])
    return time.perf_counter() - start
