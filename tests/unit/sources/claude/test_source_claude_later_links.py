"""A line of a type a later Claude Code build writes, in the `parentUuid` chain between two lines
this reader knows: no step, but a link. Before, the line after it lost its parent (a new root in the
main conversation; in a sidechain, a spurious inline subagent). Every real log of the corpus with such
a line planted in its middle, and a hand-made conversation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import CORPUS, corpus_files, requires_corpus

from tracetui.sources import SessionFiles, read_session
from tracetui.sources.claude import reader as claude_code

LATER = "later-kind"


def _shape(session) -> list[tuple]:
    """Each step's place; a queued prompt's id names its line (`queued@L<n>`), which the plant moves."""
    def place(step_id: str | None) -> str | None:
        return _LINE_NO.sub("@L", step_id) if step_id else step_id

    return [(place(s.id), s.kind, place(s.parent), s.active, s.subagent, s.text) for s in session.steps]


_LINE_NO = re.compile(r"@L[0-9]+")


def _planted(data: bytes) -> bytes:
    """`data` with a LATER line between the middle pair of lines where one is the next one's parent."""
    lines = data.split(b"\n")
    records: list[Any] = []
    for raw in lines:
        try:
            records.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            records.append(None)
    pairs = [
        i for i in range(len(records) - 1)
        if isinstance(a := records[i], dict) and isinstance(b := records[i + 1], dict)
        and isinstance(a.get("uuid"), str) and b.get("parentUuid") == a["uuid"]
    ]  # fmt: skip
    if not pairs:
        return data
    i = pairs[len(pairs) // 2]
    parent, child = records[i], records[i + 1]
    later = {k: parent[k] for k in ("sessionId", "isSidechain", "agentId", "cwd", "version") if k in parent}
    later |= {"type": LATER, "uuid": parent["uuid"] + "-later", "parentUuid": parent["uuid"],
              "timestamp": child.get("timestamp")}  # fmt: skip
    child["parentUuid"] = later["uuid"]
    lines[i + 1] = orjson.dumps(child)
    lines.insert(i + 1, orjson.dumps(later))
    return b"\n".join(lines)


GROUPS = claude_code.group(corpus_files("claude", "*")) if CORPUS.is_dir() else []


@requires_corpus
@pytest.mark.parametrize("files", GROUPS, ids=[g.main.name[:60] for g in GROUPS])
def test_a_later_line_in_a_real_chain_keeps_every_step_in_its_place(files: SessionFiles):
    plain = read_session(files)
    planted_in: list[Path] = []

    def load(path: Path) -> bytes:
        data = path.read_bytes()
        if path.suffix != ".jsonl":
            return data
        out = _planted(data)
        if out != data:
            planted_in.append(path)
        return out

    planted = read_session(files, load)
    if not planted_in:
        pytest.skip("no line of this log is the next line's parent")
    assert _shape(planted) == _shape(plain)
    assert planted.skipped == plain.skipped | {LATER: plain.skipped.get(LATER, 0) + len(planted_in)}


def _line(uuid: str, parent: str | None, n: int, **fields: Any) -> dict[str, Any]:
    return {"sessionId": "5b5b5b5b-0000-4000-8000-0000000000bb", "cwd": "/w/app", "version": "2.9.0",
            "isSidechain": False, "uuid": uuid, "parentUuid": parent,
            "timestamp": f"2026-06-01T09:00:{n:02d}.000Z"} | fields  # fmt: skip


def _say(uuid: str, parent: str | None, n: int, role: str, text: str, **fields: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role, "content": [{"type": "text", "text": text}]}
    if role == "assistant":
        message |= {"id": f"msg_{uuid}", "model": "claude-opus-4-6", "usage": {"input_tokens": 1}}
    return _line(uuid, parent, n, type=role, message=message, **fields)


@pytest.mark.parametrize("sidechain", [False, True])
def test_a_later_line_between_two_known_ones_is_a_link(sidechain: bool):
    later = _line("x1", "a1", 3, type=LATER, isSidechain=sidechain)
    rows = [
        _say("u1", None, 1, "user", "tidy the notes", isSidechain=sidechain),
        _say("a1", "u1", 2, "assistant", "Tidying.", isSidechain=sidechain),
        later,
        _say("u2", "x1", 4, "user", "and now?", isSidechain=sidechain),
        _say("a2", "u2", 5, "assistant", "Done.", isSidechain=sidechain),
    ]
    path = "/h/.claude/projects/-w-app/5b5b5b5b-0000-4000-8000-0000000000bb.jsonl"
    data = b"\n".join(orjson.dumps(r) for r in rows) + b"\n"
    session = claude_code.read(claude_code.RawLog(path, data), [])
    by_id = {s.id: s for s in session.steps}
    said = [s.id for s in session.steps if s.kind in ("user", "assistant")]
    assert said == ["u1", "a1", "u2", "a2"]
    assert by_id["u2"].parent == "a1" and by_id["u2"].subagent == by_id["u1"].subagent
    assert len(session.subagents) == (1 if sidechain else 0)
    assert session.skipped == {LATER: 1}
