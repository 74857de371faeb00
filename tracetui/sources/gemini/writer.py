"""A new Gemini CLI session holding a session's history up to one step, as the CLI writes a session.

The CLI (0.5x-0.6x) keeps a session as JSONL: a metadata record (`sessionId`, `projectHash`,
`startTime`, `lastUpdated`, `kind`), then message records (`user` with parts, `gemini` with text,
thoughts, tokens and `toolCalls` that carry their own results), `{"$set": ...}` updates and
`{"$rewindTo": id}`; `--resume` replays them (the last copy of a message wins) and sends the
`gemini` messages' calls and results as model and user turns. `fork` copies the source's own message
records (last copies, rewound ones left out, a compaction's `$set` of the history as logged) up to
the chosen step's message, cut inside it at the step; `from_items` rebuilds another agent's history.
Copies carry no `tokens`: their parent spent them. More in docs/formats/gemini.md,
`sources/gemini/writer.py`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import Session, Step, StepKind
from tracetui.sources.common.carried import Item
from tracetui.sources.common.coerce import as_list, as_str
from tracetui.sources.common.jsonl import loads_within_depth
from tracetui.sources.gemini.split import Conversations, is_metadata, is_record

FORKED_FROM = "forkedFrom"


def file_name(new_id: str, now: str) -> str:
    """`session-<YYYY-MM-DDTHH-MM>-<id's first 8>.jsonl`, as the CLI names a main session's file, at the
    minute before `now`: started with `--resume`, the CLI first opens a file of its own named by the
    current minute and the session's id, and a resume within the minute we wrote would write its
    start into ours (0.61 did: a second metadata record and a history reset)."""
    when = datetime.fromisoformat(now.replace("Z", "+00:00")) - timedelta(minutes=1)
    return f"session-{when.strftime('%Y-%m-%dT%H-%M')}-{new_id[:8]}.jsonl"


def metadata(new_id: str, source_id: str, cwd: str, now: str) -> bytes:
    """The session's first record. projectHash: the sha256 of the project root, as the CLI's
    `getProjectHash`; `forkedFrom` (no field of the CLI's: it keeps it and reads past it) names the
    source, so tracetui reads the new session as its fork."""
    return orjson.dumps({"sessionId": new_id, "projectHash": hashlib.sha256(cwd.encode()).hexdigest(),
                         "startTime": now, "lastUpdated": now, "kind": "main", FORKED_FROM: source_id})


def _message_id(step: Step) -> str | None:
    """The message record a step was read from (ids `<id>`, `<id>:reasoning`, `<id>:call:<c>`,
    `<id>:result:<c>`), or None for a compaction (`compaction@L<line>`) and the reader's own steps."""
    if step.id.startswith("compaction@L") or step.subagent is not None:
        return None
    return step.id.split(":", 1)[0]


def _cut(record: dict[str, Any], step: Step) -> dict[str, Any]:
    """The chosen step's message as it stood at that step: its calls up to it, a call chosen
    without its result."""
    sid = step.id
    out = {k: v for k, v in record.items() if k != "tokens"}
    if ":result:" in sid and record.get("type") == "user" and isinstance(record.get("content"), list):
        call = sid.split(":result:", 1)[1]
        parts, kept = record["content"], []
        for part in parts:
            kept.append(part)
            if isinstance(part, dict) and isinstance(part.get("functionResponse"), dict) and \
                    part["functionResponse"].get("id") == call:
                break
        out["content"] = kept
        return out
    if step.kind == StepKind.REASONING:
        out["content"] = ""
    if step.kind not in (StepKind.TOOL_CALL, StepKind.TOOL_RESULT):
        out.pop("toolCalls", None)
        return _calls_in_content(out, set())
    call_id = sid.split(":call:" if ":call:" in sid else ":result:", 1)[-1]
    kept_calls: list[dict[str, Any]] = []
    for n, c in enumerate(as_list(record.get("toolCalls"))):
        if not isinstance(c, dict):
            continue
        this = (as_str(c.get("id")) or f"#{n}") == call_id  # the reader's id for a call with none
        if this and step.kind == StepKind.TOOL_CALL:
            kept_calls.append({k: v for k, v in c.items() if k not in ("result", "resultDisplay")})
            break
        kept_calls.append(c)
        if this:
            break
    out["toolCalls"] = kept_calls
    return _calls_in_content(out, {c.get("id") for c in kept_calls})


def _calls_in_content(record: dict[str, Any], kept: set[Any]) -> dict[str, Any]:
    """Some builds write a response's `functionCall` parts in its content too: those of the calls
    cut off go with them."""
    content = record.get("content")
    if isinstance(content, list) and record.get("type") != "user":
        record["content"] = [p for p in content if not _cut_call(p, kept)]
    return record


def _cut_call(part: Any, kept: set[Any]) -> bool:
    return isinstance(part, dict) and isinstance(part.get("functionCall"), dict) and \
        part["functionCall"].get("id") not in kept


def _plain(message: Any) -> Any:
    """A message as copied: without its `tokens` (the parent spent them)."""
    return {k: v for k, v in message.items() if k != "tokens"} if isinstance(message, dict) else message


# What a copied `$set` may set: the history and what is shown of it. The CLI reads the rest as the
# session's settings and identity: on --resume it adds the `directories` a `$set` names to the folders
# its file tools may write (`/dir add`'s record: a log's `["/"]` opened the disk), and a `sessionId`,
# `kind` or `projectHash` would have it read the copy as another session. Those are the fork's own. Nor
# the memory scratchpad 0.61 derives from the messages: its auto-memory agent, which writes files, takes
# each session's `workflowSummary` as a hint, and the log's would be one tracetui shows nowhere.
_SET_KEYS = ("messages", "summary", "lastUpdated")


def _settled(record: dict[str, Any]) -> dict[str, Any] | None:
    """`record` with its `$set` cut to `_SET_KEYS`; None for a `$set` left with nothing to set."""
    update = record.get("$set")
    if not isinstance(update, dict):
        return record
    kept = {k: v for k, v in update.items() if k in _SET_KEYS}
    if not kept and set(record) == {"$set"}:
        return None
    return {**record, "$set": kept} if kept else {k: v for k, v in record.items() if k != "$set"}


def _lines(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The records of the file's first conversation (`split`) and their lines, in file order; a v1
    document's messages as one record each."""
    try:  # v1: one document (a JSONL file of more than one record is no JSON document)
        doc = loads_within_depth(data)
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("messages"), list):
        return [(1, m) for m in doc["messages"] if isinstance(m, dict)]
    out: list[tuple[int, dict[str, Any]]] = []
    conversations = Conversations()
    for no, raw in enumerate(data.splitlines(), 1):
        try:
            rec = loads_within_depth(raw)
        except orjson.JSONDecodeError:
            continue  # a torn or bad line: the reader reported it and gave it no step
        if isinstance(rec, dict) and is_record(rec) and conversations.place(rec) == 0 and not is_metadata(rec):
            settled = _settled(rec)
            if settled is not None:
                out.append((no, settled))
    return out


def _history(rec: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The messages a `$set` of the whole history sets, or None for another record."""
    update = rec.get("$set")
    if isinstance(update, dict) and isinstance(update.get("messages"), list):
        return [m for m in update["messages"] if isinstance(m, dict)]
    return None


def _ids(rec: dict[str, Any]) -> list[str]:
    """The message ids a record writes: its own, or those of the history a `$set` sets."""
    history = _history(rec)
    if history is not None:
        return [m["id"] for m in history if isinstance(m.get("id"), str)]
    return [rec["id"]] if isinstance(rec.get("id"), str) else []


def _left_out(session: Session, records: list[tuple[int, dict[str, Any]]]) -> set[str]:
    """The messages a fork leaves out: those every step of which is off the active path (a rewind
    dropped them), and those no step came from: the `user` records 0.6x writes after a response
    repeating the results its calls hold (resumed, 0.61 sends both; the live session sent one)."""
    active = {s.id.split(":", 1)[0] for s in session.steps if s.active}
    stepped = {s.id.split(":", 1)[0] for s in session.steps}
    own = {rec["id"] for _no, rec in records if isinstance(rec.get("id"), str)}
    return (stepped - active) | {mid for mid in own if mid not in stepped}


def fork(main: bytes, session: Session, upto: list[Step], new_id: str, cwd: str, now: str) -> bytes:
    """The session `new_id` holding the source's records, as logged, up to the message of `upto[-1]`
    (its last copy before a later message was first written), cut inside it at that step. What a
    rewind dropped is left out (and the rewind); a compaction's `$set` of the history is carried,
    so the CLI sends what it sent then."""
    chosen = upto[-1]
    end = _message_id(chosen)
    compaction = chosen.id[len("compaction@L"):] if chosen.kind == StepKind.COMPACTION else ""
    lines = _lines(main)
    dropped = _left_out(session, lines)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    last = -1  # the record holding the last copy of the chosen message before the next new one
    for no, rec in lines:
        if isinstance(rec.get("$rewindTo"), str):
            continue
        history = _history(rec)
        if history is not None:
            rec = {**rec, "$set": {**rec["$set"], "messages": [m for m in history if m.get("id") not in dropped]}}
        elif rec.get("id") in dropped:
            continue
        ids = _ids(rec)
        if last >= 0 and any(i not in seen for i in ids):
            break
        seen.update(ids)
        records.append(rec)
        if (end is not None and end in ids) or (compaction and str(no) == compaction and history is not None):
            last = len(records) - 1
    if last < 0:
        raise TracetuiError("that step comes from no message record of the session file: "
                            "continue it with another --agent")
    out = [metadata(new_id, session.id, cwd, now)]
    for n, rec in enumerate(records[: last + 1]):
        history = _history(rec)
        if history is not None:
            history = [_plain(m) for m in history]
            if n == last and end is not None:  # the chosen message's history: up to it, cut at the step
                at = next(i for i, m in enumerate(history) if m.get("id") == end)
                history = [*history[:at], _cut(history[at], chosen)]
            rec = {**rec, "$set": {**rec["$set"], "messages": history}}
        else:
            rec = _cut(rec, chosen) if n == last else _plain(rec)
        out.append(orjson.dumps(rec))
    return b"\n".join(out) + b"\n"


def from_items(items: list[Item], source_id: str, cwd: str, new_id: str, now: str) -> bytes:
    """The session `new_id` holding another agent's history (`sources/common/carried.py`): a `user`
    record per prompt, a `gemini` record per response (its text, then its calls, each carrying its
    result as the CLI records one). A shell call becomes `run_shell_command`, so the model can go on
    calling it. Text after a call opens a new response: the CLI sends a response's text first."""
    out = [metadata(new_id, source_id, cwd, now)]
    turn: dict[str, Any] | None = None
    calls: dict[str, dict[str, Any]] = {}
    answered = False  # a result came back to the open response: the next text or call is a new one

    def close() -> None:
        nonlocal turn, answered
        if turn is not None:
            out.append(orjson.dumps(turn))
        turn, answered = None, False

    for n, item in enumerate(items):
        stamp = item.timestamp or now
        if item.kind == "user":
            close()
            out.append(orjson.dumps({"id": f"{new_id}-{n}", "timestamp": stamp, "type": "user",
                                     "content": [{"text": item.text}]}))
        elif item.kind in ("assistant", "call"):
            if turn is None or answered or (item.kind == "assistant" and turn.get("toolCalls")):
                close()
                turn = {"id": f"{new_id}-{n}", "timestamp": stamp, "type": "gemini", "content": "",
                        "thoughts": [], "model": item.model or "unknown"}
            if item.kind == "assistant":
                turn["content"] = f"{turn['content']}\n\n{item.text}" if turn["content"] else item.text
                continue
            name, args = ("run_shell_command", {"command": item.shell}) if item.shell is not None else (
                item.tool, item.args if isinstance(item.args, dict) else {"input": item.args})
            made: dict[str, Any] = {"id": item.call_id, "name": name, "args": args, "status": "success",
                                    "timestamp": stamp}
            turn.setdefault("toolCalls", []).append(made)
            calls[item.call_id] = made
        else:
            call = calls.get(item.call_id)
            if call is None:  # `carried` keeps only results whose call it carries
                continue
            call["result"] = [{"functionResponse": {"id": item.call_id, "name": call["name"],
                                                    "response": {"output": item.text}}}]
            call["status"] = "error" if item.is_error else "success"
            answered = True
    close()
    if len(out) == 1:
        raise TracetuiError("nothing up to that step is a prompt, an answer or a tool call to carry")
    return b"\n".join(out) + b"\n"
