"""Resumable readers (issue 19): reading a log's prefix, then resuming with the whole log, gives
exactly what one full read gives (the same Session, errors and all), at every kind of cut."""

from __future__ import annotations

import fnmatch
import hashlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import CORPUS, FIXTURES

from tracetui.model import Session
from tracetui.sources import RawLog, SessionFiles, registry
from tracetui.sources.claude import steps as claude_steps
from tracetui.sources.codex import reader as codex_reader
from tracetui.sources.common import jsonl
from tracetui.sources.common.resumable import ResumeState
from tracetui.sources.pi import reader as pi

CORPUS_FOLDER = {"claude": "claude", "codex": "codex", "pi": "pi"}
RESUMABLE = [a.name for a in registry.agents() if a.resume is not None]


def digest(session: Session) -> str:
    # What the bucket keeps beside the session's dict too: the titles it links across transcripts.
    links = session.title_links.to_dict() if session.title_links is not None else None
    return hashlib.sha256(orjson.dumps({**session.to_dict(), "title_links": links}, option=orjson.OPT_SORT_KEYS)).hexdigest()


def sessions_of(agent: registry.Agent) -> list[SessionFiles]:
    found: list[SessionFiles] = []
    for folder in (CORPUS / CORPUS_FOLDER.get(agent.name, agent.name), FIXTURES / agent.name):
        if not folder.is_dir():
            continue
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and any(fnmatch.fnmatch(p.name, g) for g in agent.patterns)
        )
        found.extend(agent.group(files))
    return found


def made_sessions(agent: registry.Agent, folder: Path) -> list[SessionFiles]:
    """Logs the test writes for an agent whose fixtures hold no long resumable log (Pi's largest is an
    OpenClaw trajectory, read whole and never resumed): without the corpus, the tests that take the
    largest log need one that keeps a state."""
    if agent.name != "pi":
        return []
    path = folder / "2026-03-01T09-00-00-000Z_55555555-aaaa-4bbb-8ccc-000000000005.jsonl"
    path.write_bytes(pi_linear_log(40))
    return agent.group([path])


def pi_linear_log(turns: int) -> bytes:
    """A Pi v3 session of `turns` prompts, each answered by a tool call, its result and a reply."""
    def entry(n: int, message: dict[str, Any]) -> dict[str, Any]:
        parent = f"e{n - 1:07d}" if n > 1 else None
        stamp = f"2026-03-01T09:{n // 60 % 60:02d}:{n % 60:02d}.000Z"
        return {"type": "message", "id": f"e{n:07d}", "parentId": parent, "timestamp": stamp, "message": message}

    usage = {"input": 10, "output": 5, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 15}
    said = {"api": "anthropic-messages", "provider": "anthropic", "model": "claude-opus-4-5", "usage": usage}
    records: list[dict[str, Any]] = [
        {"type": "session", "version": 3, "id": "55555555-aaaa-4bbb-8ccc-000000000005",
         "timestamp": "2026-03-01T09:00:00.000Z", "cwd": "/work/made"}
    ]  # fmt: skip
    n = 0
    for turn in range(turns):
        call = f"toolu_made_{turn}"
        for message in (
            {"role": "user", "content": [{"type": "text", "text": f"step {turn}: read notes/{turn}.md"}]},
            {"role": "assistant", "content": [{"type": "toolCall", "id": call, "name": "read",
                                               "arguments": {"path": f"notes/{turn}.md"}}],
             "stopReason": "toolUse", **said},
            {"role": "toolResult", "toolCallId": call, "toolName": "read",
             "content": [{"type": "text", "text": f"note {turn}: " + "lorem ipsum " * 8}], "isError": False},
            {"role": "assistant", "content": [{"type": "text", "text": f"Read note {turn}."}],
             "stopReason": "stop", **said},
        ):  # fmt: skip
            n += 1
            records.append(entry(n, {**message, "timestamp": 0}))
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def largest(agent: registry.Agent, folder: Path) -> SessionFiles:
    return max([*sessions_of(agent), *made_sessions(agent, folder)], key=lambda g: g.main.stat().st_size)


def cuts(data: bytes, spread: int = 16) -> list[int]:
    """Every line end of a small log (a few spread over a large one), the middle of a line, the first
    line torn, and the whole."""
    pos, ends = 0, []
    while (pos := data.find(b"\n", pos) + 1) > 0:
        ends.append(pos)
    picked = {len(data)}
    if ends:
        picked.update(ends if len(ends) <= 200 else ends[:: len(ends) // spread])
        middle = ends[len(ends) // 2]
        picked.add(max(0, middle - 7))  # inside a line: left for later
        picked.add(max(0, ends[0] - 1))  # the first line torn
    return sorted(picked)


class ParsedBytes:
    """Counts the bytes handed to the JSONL line parser (every resumable reader goes through it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = jsonl.iter_entries

        def counting(path: str, data: bytes, *args: Any, **kwargs: Any) -> Iterator[Any]:
            asked = inspect.signature(real).bind(path, data, *args, **kwargs).arguments
            start, end = asked.get("start", 0), asked.get("end")  # a reader may hand a part of `data`
            self.count += (len(data) if end is None else min(end, len(data))) - start
            return real(path, data, *args, **kwargs)

        # Every module that calls it by its own name: the readers that take it straight from jsonl.
        for module in (jsonl, pi, claude_steps, codex_reader):
            monkeypatch.setattr(module, "iter_entries", counting)


@pytest.mark.parametrize("name", RESUMABLE)
def test_resume_equals_full_read_at_every_cut(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each session's main log grows cut by cut (line ends spread over it, the middle of a line,
    the first line torn, the whole): every resume from the previous one's state equals a full read
    of the same bytes and parses only the bytes past the state, and so does a resume from a state
    taken by a full read."""
    agent = registry.get(name)
    assert agent.resume is not None
    parsed = ParsedBytes(monkeypatch)
    groups = [g for g in sessions_of(agent) if not str(g.main).endswith(".json")]
    assert groups, f"no {name} sessions found"
    resumed = 0
    for files in groups:
        data = files.main.read_bytes()
        companions = [RawLog(str(p), p.read_bytes()) for p in files.companions]
        companion_bytes = sum(len(c.data) for c in companions if c.path.endswith(".jsonl"))
        state: ResumeState | None = None
        for at in cuts(data):
            log = RawLog(str(files.main), data[:at])
            full = digest(agent.read(log, companions))
            parsed.count = 0
            session, new_state = agent.resume(state, log, companions)
            assert digest(session) == full, f"{files.main.name} cut at {at}: the resumed read differs"
            if state is not None:
                assert parsed.count <= at - state.marks[0].consumed + companion_bytes, "read again"
                resumed += 1
            again, _ = agent.resume(new_state, log, companions)
            assert digest(again) == full
            state = new_state
    assert resumed > len(groups)


@pytest.mark.parametrize("name", RESUMABLE)
def test_a_state_is_used_not_read_again(name: str, tmp_path: Path) -> None:
    """The resume reads only the new bytes: a state that claims the prefix read is believed (the
    caller vouches for the prefix), so swapping a prefix line's text under an intact tail hash shows
    the old text: proof the prefix was not parsed again."""
    agent = registry.get(name)
    assert agent.resume is not None
    files = largest(agent, tmp_path)
    data = files.main.read_bytes()
    companions = [RawLog(str(p), p.read_bytes()) for p in files.companions]
    half = data.find(b"\n", len(data) // 2) + 1
    _, state = agent.resume(None, RawLog(str(files.main), data[:half]), companions)
    assert state is not None
    # Garbage in the first line (under the tail hash only the last 256 bytes are checked).
    first_end = data.find(b"\n") + 1
    assert first_end < half - 512
    damaged = b" " * (first_end - 1) + b"\n" + data[first_end:]
    resumed, _ = agent.resume(state, RawLog(str(files.main), damaged), companions)
    assert digest(resumed) == digest(agent.read(RawLog(str(files.main), data), companions))


@pytest.mark.parametrize("name", RESUMABLE)
def test_a_state_that_does_not_fit_means_a_full_read(name: str, tmp_path: Path) -> None:
    agent = registry.get(name)
    assert agent.resume is not None
    files = largest(agent, tmp_path)
    data = files.main.read_bytes()
    companions = [RawLog(str(p), p.read_bytes()) for p in files.companions]
    half = data.find(b"\n", len(data) // 2) + 1
    _, state = agent.resume(None, RawLog(str(files.main), data[:half]), companions)
    assert state is not None
    other = data[: half - 2] + b"}\n" + data[half:]  # the bytes before the cut changed
    expected = digest(agent.read(RawLog(str(files.main), other), companions))
    assert digest(agent.resume(state, RawLog(str(files.main), other), companions)[0]) == expected
    # A damaged body, a foreign stamp, a state of another log: all a full read, never an error.
    whole = RawLog(str(files.main), data)
    full = digest(agent.read(whole, companions))
    for bad in (
        ResumeState(state.stamp, state.marks, state.body[: len(state.body) // 2]),
        ResumeState(state.stamp, state.marks, b'{"steps": 3}'),
        ResumeState("other/1/0", state.marks, state.body),
        ResumeState.from_bytes(state.to_bytes().replace(b'"v":1', b'"v":9')),
    ):
        assert digest(agent.resume(bad, whole, companions)[0]) == full
    assert digest(agent.resume(state, RawLog("/elsewhere.jsonl", data), companions)[0]) == digest(
        agent.read(RawLog("/elsewhere.jsonl", data), companions)
    )


def test_state_bytes_round_trip_and_refuse_damage() -> None:
    state = ResumeState("pi/1/0.1.0", [], b'{"a": 1}')
    again = ResumeState.from_bytes(state.to_bytes())
    assert again == state
    for bad in (
        b"",
        b"nonsense",
        b'{"v": 1}\n',
        b"[1]\n{}",
        b'{"v":1,"stamp":"x","marks":[["p",-1,0,"h"]]}\n',
    ):
        assert ResumeState.from_bytes(bad) is None


# -- hand-made logs: what later lines change about earlier ones, at every cut ----------------------


def _lines(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _claude_log() -> bytes:
    sid = "cccccccc-1111-4222-8333-444444444444"
    n = iter(range(1, 1000))

    def rec(kind: str, uuid: str, parent: str | None, **extra: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "uuid": uuid,
            "parentUuid": parent,
            "sessionId": sid,
            "cwd": "/w",
            "version": "2.1.0",
            "timestamp": f"2026-01-01T00:00:{next(n):02d}Z",
            **extra,
        }

    def asst(uuid: str, parent: str, mid: str, content: list[Any], out: int) -> dict[str, Any]:
        usage = {"input_tokens": 10, "output_tokens": out, "cache_read_input_tokens": 5}
        message = {"id": mid, "model": "claude-x", "role": "assistant", "content": content, "usage": usage}
        return rec("assistant", uuid, parent, message=message, requestId=f"req-{mid}")

    edit = {"file_path": "/w/a.py", "old_string": "x = 1", "new_string": "x = 2"}
    patch = [{"oldStart": 1, "oldLines": 1, "newStart": 1, "newLines": 1, "lines": ["-x = 1", "+x = 2"]}]
    return _lines(
        [
            {"type": "summary", "summary": "An earlier session", "leafUuid": "elsewhere"},
            rec("user", "u1", None, message={"role": "user", "content": "fix a.py"}),
            # One response streamed over two lines: usage counted once, its largest value kept.
            asst("a1", "u1", "m1", [{"type": "thinking", "thinking": "look"}], 1),
            asst("a2", "a1", "m1", [{"type": "tool_use", "id": "t1", "name": "Edit", "input": edit}], 7),
            rec("progress", "p1", "a2", data={"type": "hook_progress"}),
            # The result arrives lines after its call and refines the call's edit.
            rec(
                "user",
                "r1",
                "a2",
                message={
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}],
                },
                toolUseResult={"structuredPatch": patch, "originalFile": "x = 1\n"},
            ),
            asst("a3", "r1", "m2", [{"type": "text", "text": "done"}], 3),
            rec(
                "system",
                "s1",
                None,
                subtype="compact_boundary",
                content="Conversation compacted",
                logicalParentUuid="a3",
                compactMetadata={"trigger": "auto", "preTokens": 999},
            ),
            rec(
                "user",
                "c1",
                "s1",
                isCompactSummary=True,
                message={"role": "user", "content": "summary of it all"},
            ),
            rec("user", "u2", "c1", message={"role": "user", "content": "now b.py"}),
            asst("a4", "u2", "m3", [{"type": "text", "text": "on it"}], 2),
            {"type": "ai-title", "aiTitle": "Fixing a.py", "sessionId": sid},
            # A rewind: a new prompt under u2's parent abandons u2's branch.
            rec("user", "u3", "c1", message={"role": "user", "content": "no, c.py instead"}),
            asst("a5", "u3", "m4", [{"type": "text", "text": "c.py then"}], 4),
            {"type": "custom-title", "customTitle": "renamed by the user", "sessionId": sid},
            asst("a6", "a5", "m4", [{"type": "text", "text": "and more"}], 9),
        ]
    )


def _codex_log() -> bytes:
    n = iter(range(1, 1000))

    def line(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"timestamp": f"2026-01-01T00:00:{next(n):02d}Z", "type": kind, "payload": payload}

    def item(**payload: Any) -> dict[str, Any]:
        return line("response_item", payload)

    def event(**payload: Any) -> dict[str, Any]:
        return line("event_msg", payload)

    def total(i: int, c: int, o: int) -> dict[str, Any]:
        usage = {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o}
        return event(type="token_count", info={"total_token_usage": usage})

    def message(role: str, text: str) -> dict[str, Any]:
        return item(type="message", role=role, content=[{"type": "input_text", "text": text}])

    add = "*** Begin Patch\n*** Add File: n.txt\n+hello\n*** End Patch\n"
    return _lines(
        [
            line(
                "session_meta",
                {"id": "0199bbbb-1111-7222-8333-444455556666", "cwd": "/w", "cli_version": "0.9"},
            ),
            line("turn_context", {"cwd": "/w", "model": "gpt-a"}),
            # A prompt that reads as injected context, proved typed by the event after it.
            message("user", "<note>typed by a person</note>"),
            event(type="user_message", message="<note>typed by a person</note>"),
            # Reasoning item first, its events after: the item claims them.
            item(
                type="reasoning",
                summary=[
                    {"type": "summary_text", "text": "**A**"},
                    {"type": "summary_text", "text": "**B**"},
                ],
            ),
            event(type="agent_reasoning", text="**A**"),
            event(type="agent_reasoning", text="**B**"),
            item(type="function_call", name="exec_command", arguments='{"cmd": "make"}', call_id="c1"),
            total(100, 10, 5),
            total(100, 10, 5),
            event(type="exec_command_end", call_id="c2", exit_code=2, duration={"secs": 1, "nanos": 0}),
            item(type="function_call_output", call_id="c1", output="Process running with session ID 7"),
            event(type="exec_command_end", call_id="c1", exit_code=1, duration={"secs": 3, "nanos": 5}),
            item(type="function_call", name="exec_command", arguments='{"cmd": "ls"}', call_id="c2"),
            item(type="function_call_output", call_id="c2", output="a b"),
            item(type="custom_tool_call", name="apply_patch", input=add, call_id="c3"),
            item(type="custom_tool_call_output", call_id="c3", output="apply_patch verification failed: no"),
            event(type="agent_message", message="said first"),
            item(type="message", role="assistant", content=[{"type": "output_text", "text": "said first"}]),
            item(type="message", role="assistant", content=[{"type": "output_text", "text": "item first"}]),
            event(type="agent_message", message="item first"),
            total(300, 20, 40),
            line("turn_context", {"cwd": "/w/sub", "model": "gpt-b"}),
            line(
                "compacted",
                {
                    "message": "",
                    "replacement_history": [
                        {
                            "type": "message",
                            "role": "user",
                            "content": [{"type": "input_text", "text": "kept"}],
                        }
                    ],
                },
            ),
            event(type="thread_name_updated", thread_name="named late"),
            message("user", "next prompt"),
            total(50, 0, 5),
            event(type="user_message", message="next prompt"),
        ]
    )


def _pi_log() -> bytes:
    n = iter(range(1, 1000))

    def entry(kind: str, eid: str, parent: str | None, **extra: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "id": eid,
            "parentId": parent,
            "timestamp": f"2026-01-01T00:00:{next(n):02d}Z",
            **extra,
        }

    def msg(eid: str, parent: str | None, **message: Any) -> dict[str, Any]:
        return entry("message", eid, parent, message=message)

    usage = {"input": 10, "output": 3, "cacheRead": 1, "cacheWrite": 0}
    call = {
        "type": "toolCall",
        "id": "k1",
        "name": "edit",
        "arguments": {"path": "a.py", "oldText": "x = 1", "newText": "x = 2"},
    }
    return _lines(
        [
            {
                "type": "session",
                "version": 3,
                "id": "pi-session-1",
                "timestamp": "2026-01-01T00:00:00Z",
                "cwd": "/w",
            },
            entry("model_change", "e1", None, provider="p", modelId="m1"),
            msg("e2", "e1", role="user", content=[{"type": "text", "text": "edit a.py"}]),
            msg(
                "e3",
                "e2",
                role="assistant",
                content=[call],
                provider="p",
                model="m1",
                usage=usage,
                stopReason="toolUse",
            ),
            msg(
                "e4",
                "e3",
                role="toolResult",
                toolCallId="k1",
                toolName="edit",
                content=[{"type": "text", "text": "ok"}],
                details={"diff": "-1 x = 1\n+1 x = 2"},
                isError=False,
            ),
            msg(
                "e5",
                "e4",
                role="assistant",
                content=[{"type": "toolCall", "id": "k2", "name": "bash", "arguments": {"command": "ls"}}],
                provider="p",
                model="m1",
                usage=usage,
                stopReason="toolUse",
            ),
            entry("compaction", "e6", "e5", summary="all so far", firstKeptEntryId="e4", tokensBefore=500),
            entry("session_info", "e7", "e6", name="  named   late "),
            # A branch: a new prompt under e2 abandons e3..e7.
            msg("e8", "e2", role="user", content=[{"type": "text", "text": "no, b.py"}]),
            msg(
                "e9",
                "e8",
                role="assistant",
                content=[{"type": "text", "text": "b then"}],
                provider="p",
                model="m2",
                usage=usage,
                stopReason="aborted",
            ),
            entry("label", "e10", "e9", label="x"),
        ]
    )


SCENARIOS = {"claude": _claude_log, "codex": _codex_log, "pi": _pi_log}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_what_later_lines_change_survives_every_cut(name: str, tmp_path: Path) -> None:
    """Results after their calls, exit codes after their results, a rewind or branch that makes
    earlier steps inactive, compaction, streamed usage and token totals, titles set late: a resume
    at every line end (and inside every line) equals a full read."""
    agent = registry.get(name)
    assert agent.resume is not None
    data = SCENARIOS[name]()
    main = tmp_path / ("s.jsonl" if name != "claude" else "cccccccc-1111-4222-8333-444444444444.jsonl")
    full = agent.read(RawLog(str(main), data), [])
    assert len(full.steps) >= 8 and not full.errors
    points = sorted(
        {i for i in range(len(data) + 1) if i == len(data) or data[i - 1 : i] == b"\n"}
        | {e - 5 for e in range(6, len(data)) if data[e - 1 : e] == b"\n"}
    )
    for first in points:
        _, state = agent.resume(None, RawLog(str(main), data[:first]), [])
        for then in (p for p in points if p > first):
            log = RawLog(str(main), data[:then])
            assert digest(agent.resume(state, log, [])[0]) == digest(agent.read(log, [])), (first, then)


def test_a_pi_log_whose_new_entries_make_it_a_tree_is_read_whole(tmp_path: Path) -> None:
    """A v1 log (no entry ids) keys its entries by line; an entry with an id after the snapshot
    turns the whole file into a tree, which the snapshot took as settled: the resume reads whole."""
    agent = registry.get("pi")
    assert agent.resume is not None
    data = (FIXTURES / "pi" / "v1_linear.jsonl").read_bytes()
    added = {
        "type": "message",
        "id": "late-id",
        "parentId": None,
        "timestamp": "2025-06-01T11:00:00.000Z",
        "message": {"role": "user", "content": [{"type": "text", "text": "one more"}]},
    }
    grown = data + orjson.dumps(added) + b"\n"
    path = str(tmp_path / "v1.jsonl")
    _, state = agent.resume(None, RawLog(path, data), [])
    assert state is not None
    resumed, _ = agent.resume(state, RawLog(path, grown), [])
    full = agent.read(RawLog(path, grown), [])
    assert digest(resumed) == digest(full)
    assert full.version == "pi-v1" and full.steps[-1].id == "late-id"
