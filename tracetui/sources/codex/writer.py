"""A new Codex rollout holding a session's history up to one step: a fork, as codex-rs writes one.

codex-rs writes a fork as its own `session_meta` (its id, `forked_from_id`), then the parent's
rollout lines as they were, all stamped with the time they were written. So does this writer, with
the source rollout's own lines up to the one that gave the chosen step (`L<line>` step ids): what
the model saw, encrypted reasoning and compactions included, is carried as logged, and `codex
resume` rebuilds its history from them. tracetui reads the result as a fork (the copy is one burst),
so the copy's tokens stay the parent's. More in docs/formats/codex.md, `sources/codex/writer.py`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import Session, Step
from tracetui.sources.common.carried import Item
from tracetui.sources.common.jsonl import loads_within_depth

_LINE_ID = re.compile(r"L([0-9]{1,9})(?:\.[0-9]+)?")
# What a fork's session_meta lines keep of the source's: who made the session, where, with what. codex-rs
# reads more from a resumed rollout's session_meta as the session's own settings: its base instructions
# (the system prompt, over the model's own, never shown) and dynamic tools, from the first that holds
# them (a log's instructions ran the user's resumed session unseen), and 0.171 writes others as it goes
# (`runtime_workspace_roots`, `selected_capability_roots`, `memory_mode`, `history_base`): none is
# carried, nor any key a later Codex adds. Codex's own, for this run, decide.
_META_KEYS = ("id", "session_id", "timestamp", "cwd", "originator", "cli_version", "source", "thread_source",
              "model_provider", "git", "forked_from_id", "account_scoped", "history_mode")
# Records that set the thread's settings. Codex 0.171's app-server (the TUI's `codex resume`) restores a
# resumed rollout's last `thread_settings_applied`, and where there is none its last turn_context, as the
# thread's approval policy, permission profile, model and collaboration mode (developer instructions and
# all) over the user's config: a log's `never` and `danger-full-access` ran the resumed session unasked and
# unsandboxed. A fork carries no such event (nor any holding `thread_settings`), and its turn_context
# lines keep only what tracetui reads back (`_TURN_KEYS`: the turn's folder and model, whose changes are
# steps): Codex finds no settings there to take, and the user's config decides.
_SETTINGS_EVENTS = frozenset({"thread_settings_applied"})
_TURN_KEYS = ("turn_id", "cwd", "model")


def line_of(step: Step) -> int | None:
    """The 1-based line of the rollout that gave `step`, or None (the TypeScript CLI's one-document
    layout, `I<n>`, has no lines to cut at)."""
    match = _LINE_ID.fullmatch(step.id)
    return int(match.group(1)) if match else None


def file_name(new_id: str, now: str) -> str:
    """`rollout-YYYY-MM-DDTHH-MM-SS-<id>.jsonl` for a fork made at `now` (ISO-8601 UTC)."""
    stamp = now[:19].replace(":", "-")
    return f"rollout-{stamp}-{new_id}.jsonl"


def fork(main: bytes, session: Session, upto: list[Step], new_id: str, cwd: str, now: str) -> bytes:
    """The rollout of `new_id`, run in `cwd`, holding the source's lines up to the one of `upto[-1]`."""
    last = line_of(upto[-1])
    if last is None:
        raise TracetuiError("this Codex log is not line-oriented (the TypeScript CLI's JSON document): "
                            "it cannot be cut at a step; continue it in Codex with another --agent")
    lines = main.splitlines()[:last]
    meta: dict[str, Any] | None = None
    copied: list[bytes] = []
    for raw in lines:
        try:
            rec = loads_within_depth(raw)
        except orjson.JSONDecodeError:
            continue  # a torn or bad line: the reader reported it and gave it no step
        if not isinstance(rec, dict) or "payload" not in rec:
            raise TracetuiError("this Codex log predates the `{timestamp, type, payload}` lines (before "
                                "0.30): it cannot be cut at a step; continue it with another --agent")
        if _sets_settings(rec):
            continue
        if rec.get("type") == "turn_context" and isinstance(rec.get("payload"), dict):
            rec = {**rec, "payload": {k: v for k, v in rec["payload"].items() if k in _TURN_KEYS}}
        if rec.get("type") == "session_meta" and isinstance(rec.get("payload"), dict):
            rec = {**rec, "payload": {k: v for k, v in rec["payload"].items() if k in _META_KEYS}}
            meta = rec["payload"] if meta is None else meta
        copied.append(orjson.dumps({**rec, "timestamp": now}))
    if meta is None:
        raise TracetuiError("the rollout has no session_meta line before that step")
    own = {key: value for key, value in meta.items() if key != "forked_from_id"}
    # The folder the printed command runs in (`--cwd`, else the log's, checked), not the log's word: the
    # first session_meta's cwd is where Codex's picker lists the session and what tracetui reads back.
    own.update({"id": new_id, "timestamp": now, "cwd": cwd, "forked_from_id": session.id})
    if "session_id" in own:
        own["session_id"] = new_id
    head = orjson.dumps({"timestamp": now, "type": "session_meta", "payload": own})
    return b"\n".join([head, *copied]) + b"\n"


def _sets_settings(rec: dict[str, Any]) -> bool:
    """Whether `rec` is an event that sets the thread's settings (`_SETTINGS_EVENTS`)."""
    payload = rec.get("payload")
    if rec.get("type") != "event_msg" or not isinstance(payload, dict):
        return False
    return payload.get("type") in _SETTINGS_EVENTS or "thread_settings" in payload


def from_items(items: list[Item], source_id: str, cwd: str, new_id: str, now: str) -> bytes:
    """A rollout of `new_id` holding another agent's history (`sources/common/carried.py`) as response
    items: messages, function calls and their outputs, under a session_meta naming the source as the
    session it was forked from. A shell call becomes exec_command, so the model can go on calling it.
    The provider is `openai`: Codex resumes a session only under the provider it was made with."""
    meta = {"id": new_id, "timestamp": now, "cwd": cwd, "originator": "tracetui", "cli_version": "0.0.0",
            "source": "exec", "model_provider": "openai", "forked_from_id": source_id}
    out = [orjson.dumps({"timestamp": now, "type": "session_meta", "payload": meta})]
    for item in items:
        if item.kind in ("user", "assistant"):
            part = "input_text" if item.kind == "user" else "output_text"
            payload: dict[str, Any] = {"type": "message", "role": item.kind,
                                       "content": [{"type": part, "text": item.text}]}
        elif item.kind == "call":
            if item.shell is not None:
                name, args = "exec_command", {"cmd": item.shell}
            else:
                name, args = item.tool, item.args if isinstance(item.args, dict) else {"input": item.args}
            payload = {"type": "function_call", "name": name, "arguments": orjson.dumps(args).decode(),
                       "call_id": item.call_id}
        else:
            payload = {"type": "function_call_output", "call_id": item.call_id, "output": item.text}
        out.append(orjson.dumps({"timestamp": item.timestamp or now, "type": "response_item", "payload": payload}))
    if len(out) == 1:
        raise TracetuiError("nothing up to that step is a prompt, an answer or a tool call to carry")
    return b"\n".join(out) + b"\n"
