"""Every real Claude Code log in the corpus, checked against a plain recount of its raw JSON.

The recount is deliberately naive (json.loads per line, no tree, no grouping logic of its own beyond
the files `group` put together), so that it does not share the reader's mistakes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from shared_data import CORPUS, corpus_files, requires_corpus

from tracetui.cost import session_cost
from tracetui.model import Session, StepKind
from tracetui.sources import SessionFiles, read_session
from tracetui.sources.claude import reader as claude_code

pytestmark = requires_corpus

EDIT_TOOLS = {"Edit", "MultiEdit", "Write", "NotebookEdit"}


def _groups() -> list[SessionFiles]:
    return claude_code.group(corpus_files("claude", "*"))


GROUPS = _groups() if CORPUS.is_dir() else []


def _records(path: Path) -> tuple[list[dict], list[int]]:
    records, bad = [], []
    for number, line in enumerate(path.read_bytes().split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            bad.append(number)
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            bad.append(number)
    return records, bad


def _blocks(record: dict) -> list[dict]:
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


class Recount:
    """What a plain pass over the group's raw JSON says the session must contain."""

    def __init__(self, files: SessionFiles) -> None:
        self.calls: dict[str, str | None] = {}  # tool_use id -> name, first occurrence
        self.call_order: dict[Path, list[str]] = {}
        self.results: set[str | None] = set()
        self.agent_ids: set[str] = set()
        self.inline_roots = 0
        self.bad_lines: set[tuple[str, int]] = set()
        self.edit_calls: set[str] = set()
        self.tokens: dict[tuple, dict[str, int]] = {}
        # Per response: whether a line said how it stopped, and its lines' content lengths.
        self.stopped: dict[tuple, bool] = {}
        self.sizes: dict[tuple, list[int]] = {}
        for path in files.all:
            name = path.name
            if name.endswith(".meta.json"):
                self.agent_ids.add(name.rsplit("agent-", 1)[1][: -len(".meta.json")])
                continue
            records, bad = _records(path)
            self.bad_lines.update((str(path), n) for n in bad)
            order = self.call_order.setdefault(path, [])
            for rec in records:
                if isinstance(rec.get("agentId"), str) and rec.get("type") != "progress":
                    self.agent_ids.add(rec["agentId"])
                if (
                    rec.get("isSidechain") is True
                    and rec.get("parentUuid") is None
                    and "agentId" not in rec
                    and rec.get("type") == "user"
                    and path == files.main
                ):
                    self.inline_roots += 1
                tur = rec.get("toolUseResult")
                if isinstance(tur, dict) and isinstance(tur.get("agentId"), str):
                    self.agent_ids.add(tur["agentId"])
                for block in _blocks(rec):
                    if block.get("type") == "tool_use" and block.get("id") not in self.calls:
                        self.calls[block["id"]] = block.get("name")
                        order.append(block["id"])
                        given = block.get("input")
                        inp = given if isinstance(given, dict) else {}
                        if block.get("name") in EDIT_TOOLS and (
                            inp.get("file_path") or inp.get("notebook_path")
                        ):
                            self.edit_calls.add(block["id"])
                    elif block.get("type") == "tool_result":
                        self.results.add(block.get("tool_use_id"))
                message = rec.get("message")
                # a fork's copy of its parent's response (`forkedFrom`): the parent spent its tokens
                copy = path == files.main and isinstance(rec.get("forkedFrom"), dict)
                if (
                    rec.get("type") == "assistant"
                    and isinstance(message, dict)
                    and isinstance(message.get("usage"), dict)
                    and not copy
                ):
                    key = (message.get("id"), rec.get("requestId"))
                    seen = self.tokens.setdefault(key, {})
                    for field in (
                        "input_tokens",
                        "output_tokens",
                        "cache_read_input_tokens",
                        "cache_creation_input_tokens",
                    ):
                        value = message["usage"].get(field) or 0
                        seen[field] = max(seen.get(field, 0), value)
                    if message.get("model") != "<synthetic>":
                        stopped = message.get("stop_reason") is not None
                        self.stopped[key] = self.stopped.get(key, False) or stopped
                        self.sizes.setdefault(key, []).append(_content_size(message.get("content")))

    def mid_stream(self) -> bool:
        """Whether some response kept only the count its stream began with: no stop reason on any of
        its lines, at most 3 output tokens, and a line with more content than 64 characters a token."""
        for key, sizes in self.sizes.items():
            out = self.tokens[key].get("output_tokens", 0)
            if not self.stopped[key] and out <= 3 and max(sizes) > 64 * max(out, 1):
                return True
        return False


def _content_size(content) -> int:
    if isinstance(content, str):
        return len(content)
    size = 0
    for block in content if isinstance(content, list) else []:
        if isinstance(block, dict) and block.get("type") in ("text", "thinking"):
            size += len(block.get(block["type"]) or "")
        elif isinstance(block, dict) and block.get("type") == "tool_use":
            size += len(json.dumps(block.get("input"), separators=(",", ":"), ensure_ascii=False).encode())
    return size


@pytest.fixture(scope="module", params=GROUPS, ids=lambda g: g.main.name[-60:])
def case(request) -> tuple[SessionFiles, Session, Recount]:
    files = request.param
    return files, read_session(files), Recount(files)


def test_corpus_is_grouped_completely():
    # every .jsonl file of the corpus is in exactly one session
    grouped = [p for g in GROUPS for p in g.all if p.name.endswith(".jsonl")]
    assert sorted(grouped) == sorted(corpus_files("claude"))
    assert len(grouped) == len(set(grouped))
    # a subagent transcript is a session of its own only when its parent transcript is absent
    mains = {g.main.name.rsplit("__", 1)[-1].removesuffix(".jsonl") for g in GROUPS}
    for g in GROUPS:
        if claude_code.claude_files.is_agent_file(g.main):
            first = next((r for r in _records(g.main)[0] if isinstance(r.get("sessionId"), str)), {})
            assert first.get("sessionId") not in mains


def test_tool_calls_match_the_raw_log(case):
    files, s, count = case
    steps = [st for st in s.steps if st.kind == StepKind.TOOL_CALL]
    assert len(steps) == len(count.calls)
    assert {st.tool_call_id for st in steps} == set(count.calls)
    assert all(st.tool == count.calls[st.tool_call_id] for st in steps)
    # in file order: the main conversation, and each subagent transcript
    main_ids = [st.tool_call_id for st in steps if st.subagent is None]
    assert main_ids == [i for i in count.call_order[files.main] if i in set(main_ids)]
    sources = {a.id: a.source for a in s.subagents}
    for path in files.all:
        if path == files.main or not path.name.endswith(".jsonl"):
            continue
        ids = [st.tool_call_id for st in steps if st.subagent and sources.get(st.subagent) == str(path)]
        assert ids == [i for i in count.call_order[path] if i in set(ids)]


def test_tool_results_match_the_raw_log(case):
    _, s, count = case
    results = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert {st.tool_call_id for st in results} == count.results
    assert len(results) == len(count.results)


def test_edits_match_the_raw_log(case):
    _, s, count = case
    assert {st.tool_call_id for st in s.steps if st.edits} == count.edit_calls
    assert s.edit_calls == len(count.edit_calls)
    for st in s.steps:
        for edit in st.edits:
            assert edit.path and edit.op in ("create", "update", "write")


def test_subagents_match_the_raw_log(case):
    _, s, count = case
    named = {a.id for a in s.subagents if not a.id.startswith("sidechain-")}
    assert named == count.agent_ids
    assert len(s.subagents) == len(count.agent_ids) + count.inline_roots
    starts = [st.subagent for st in s.steps if st.kind == StepKind.SUBAGENT_START]
    ends = [st.subagent for st in s.steps if st.kind == StepKind.SUBAGENT_END]
    # a subagent read as its own session is listed but not nested in itself
    assert starts == ends == [a.id for a in s.subagents if a.source != s.source]


def test_tokens_match_the_raw_log(case):
    _, s, count = case
    expected = [
        sum(t.get(f, 0) for t in count.tokens.values())
        for f in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    ]
    assert [s.tokens.input, s.tokens.output, s.tokens.cache_read, s.tokens.cache_write] == expected


def test_a_response_counted_as_its_stream_began_makes_the_price_a_lower_bound(case):
    _, s, count = case
    assert session_cost(s).partial is count.mid_stream()


def test_the_corpus_holds_responses_counted_as_their_stream_began_and_sessions_without():
    # 1.0.17, 1.0.98, 2.0.65 and 2.1.9x wrote some; 2.1.90's transcript none.
    marks = [Recount(files).mid_stream() for files in GROUPS]
    assert any(marks) and not all(marks)


def test_bad_lines_are_reported_with_path_and_line(case):
    _, s, count = case
    assert {(e.path, e.line) for e in s.errors if e.path and e.line} >= count.bad_lines


def test_tree_is_well_formed(case):
    _, s, _ = case
    ids = [st.id for st in s.steps]
    assert len(ids) == len(set(ids))
    assert [st.index for st in s.steps] == list(range(len(s.steps)))
    known = set(ids)
    assert all(st.parent is None or st.parent in known for st in s.steps)
    # Steps keep file order, and a real log can write a line before its parent, so only check
    # that every walk up the tree ends (no cycles).
    parent = {st.id: st.parent for st in s.steps}
    for st in s.steps:
        seen, node = set(), st.id
        while node is not None:
            assert node not in seen
            seen.add(node)
            node = parent[node]


def test_reading_is_fast(case):
    files, _, _ = case
    size = sum(p.stat().st_size for p in files.all)
    began = time.perf_counter()
    read_session(files)
    elapsed = time.perf_counter() - began
    # A loose ceiling (the real budget is measured in the benchmark): ~2 MB must read well under a second.
    assert elapsed < 0.25 + size / 4_000_000
