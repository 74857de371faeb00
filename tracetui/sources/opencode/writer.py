"""A new OpenCode session holding a session's history up to one step, as a document `opencode import`
reads (the form `opencode export` writes: `{info, messages: [{info, parts}]}`).

OpenCode 1.x keeps sessions in its SQLite database; tracetui never writes that database. It writes
the document, and the printed command has OpenCode's own `import` put it there before `opencode
--session NEW` continues it. `fork` copies the source's own objects (messages and parts, up to the
chosen step's part, reverted ones left out) under new ids; `from_items` rebuilds another agent's
history. Copies spend nothing (their tokens and cost are zero: the parent spent them). More in
docs/formats/opencode.md, `sources/opencode/writer.py`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import LineErrors, Session, Step, StepKind
from tracetui.sources import RawLog
from tracetui.sources.common.carried import Item
from tracetui.sources.common.coerce import as_dict, epoch_ms, opt_str
from tracetui.sources.common.jsonl import loads_within_depth
from tracetui.sources.opencode.ids import Ids
from tracetui.sources.opencode.objects import Objects, load_objects

FOLDER = "tracetui-resume"  # in OpenCode's data folder: where the documents to import go
_NO_TOKENS = {"input": 0, "output": 0, "reasoning": 0, "cache": {"read": 0, "write": 0}}
# What a fork's info keeps. Never `permission`: OpenCode merges a session's rules after the agent's and
# the user's, so a log's `[{"permission": "*", "pattern": "*", "action": "allow"}]` ran every tool unasked.
_INFO_KEYS = ("slug", "title", "version", "agent", "model")
# Nor a `patch` part: OpenCode's undo takes each one after the message it reverts to and, for every
# file it names, checks the file out of the part's snapshot or, where its own snapshots hold no such
# file, deletes it. A log's patch naming `~/.ssh/authorized_keys` under a hash this machine never made
# had the first /undo of the resumed session delete it. What the copied history changed, it changed
# on the source's disk: an undo in the new session undoes only what that session did.
_UNDONE = "patch"
# Nor a `subtask` part as it is: OpenCode runs every one no finished answer follows (by `time.created`)
# as a task the user ordered, its prompt, agent and model the part's, before the prompt it was given
# (1.18.33, checked: a log's subtask ran as a subagent's first prompt, unasked). The model is sent this
# text in its place, so a copy holds it, marked as OpenCode marks what it writes itself.
_ORDER = "subtask"
_ORDER_SENT = "The following tool was executed by the user"
# The parts whose text OpenCode never sends: a subtask's (`_ORDER_SENT` in its place), an `@agent`'s.
_UNSENT_PARTS = (_ORDER, "agent")
_COMPACTION_SENT = "What did we do so far?"  # what a compaction part is sent as (`_no_pending_orders`)
# A file the history holds by any URL but a `data:` one is fetched afresh for every request: OpenCode
# sends a user's file part of a type the model reads, and a tool's attachment, as a URL its AI SDK
# downloads (1.18.33, checked: a log's `https://` image was fetched from the user's machine, and where
# that failed every prompt of the resumed session failed). OpenCode stores what it read as `data:`; a
# part it sends by a URL is written as the text OpenCode sends for media it strips, an attachment
# left out. The types it never sends (a text file or a folder, read into text parts) stay as they are.
_UNSENT_TYPES = ("text/plain", "application/x-directory")
# Nor what OpenCode sends or acts on in place of what a part shows (1.18.33's bundle, read): a part's own
# `metadata` is the provider's, sent back with each assistant part (an OpenAI `itemId` sends a stored
# item in the text's place, an Anthropic `redactedData` a thinking block no one is shown); an errored
# call whose state's metadata says `interrupted` is sent its `output` for a result, not the error shown;
# a read's `loaded` names instruction files it held, which OpenCode then never adds; and its terminal UI
# shows a finished shell call's metadata `output`, the model being sent the state's (`_as_shown`).
_UNSHOWN_STATE = {"error": ("interrupted", "output"), "completed": ("loaded",)}
# What a fork's message keeps of the source's: what OpenCode needs to show and send the history. Never
# a user message's `system`, `tools` or `format`: for the user message a turn answers, OpenCode appends
# its `system` to the system prompt (never shown), drops the tools its `tools` turns off, and answers in
# its `format`; an automatic compaction copies all three onto the message it replays.
_MESSAGE_KEYS = {
    "user": ("id", "sessionID", "role", "time", "agent", "model", "summary"),
    "assistant": ("id", "sessionID", "role", "time", "parentID", "modelID", "providerID", "mode", "agent",
                  "path", "cost", "tokens", "finish", "summary", "error"),
}


# The agent OpenCode's terminal UI continues a session as, and the model variant (a reasoning effort),
# are the last user message's (1.18.33's bundle, read: where no `--agent` is given and the user has an
# agent of that name): a log's `yolo`, an agent of the user's that asks for nothing, was the resumed
# session's. A copy names OpenCode's own two primary agents alone, and no variant; the model is said.
_OWN_AGENTS = ("build", "plan")


def _chosen_by_opencode(info: dict[str, Any]) -> dict[str, Any]:
    """`info` (a session's or a user message's) naming no agent but OpenCode's own and no variant."""
    if "agent" in info and info["agent"] not in _OWN_AGENTS:
        info["agent"] = "build"
    if isinstance(info.get("model"), dict):
        info["model"] = {k: v for k, v in info["model"].items() if k != "variant"}
    return info


# OpenCode 1.18.33 (its bundle, read) names a session's plan file `<plans>/<time.created>-<slug>.md` by a
# path join, makes its folder and tells the plan agent to write it there: a slug `x/../../../AGENTS`
# names the project's AGENTS.md. A slug is kept only in the shape OpenCode makes (`calm-cart`).
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SLUG_LIMIT = 100


def file_name(new_id: str) -> str:
    return f"{new_id}.json"


def _info(new_id: str, cwd: str, now_ms: int, source: dict[str, Any]) -> dict[str, Any]:
    """The session's info: ours (id, folder, times, nothing spent), the source's title and settings."""
    info = _chosen_by_opencode({k: source[k] for k in _INFO_KEYS if k in source})
    slug = info.get("slug")
    if not (isinstance(slug, str) and len(slug) <= _SLUG_LIMIT and _SLUG.fullmatch(slug)):
        info["slug"] = "resumed-session"
    info.setdefault("title", "Resumed session")
    info.setdefault("version", "1.0.0")
    info.update({"id": new_id, "projectID": "global", "directory": cwd, "path": "", "cost": 0,
                 "tokens": _NO_TOKENS, "time": {"created": now_ms, "updated": now_ms}})
    return info


def model_of(document: bytes) -> str | None:
    """`provider/model` of the last user message of a written document: what `opencode --session`
    continues on (1.18.33, checked: not the user's default `model`), unless `-m` names another."""
    doc = loads_within_depth(document)
    users = [m["info"] for m in doc["messages"] if m["info"].get("role") == "user"]
    model = as_dict(users[-1].get("model")) if users else {}
    provider, name = model.get("providerID"), model.get("modelID")
    return f"{provider}/{name}" if isinstance(provider, str) and isinstance(name, str) else None


def _document(info: dict[str, Any], messages: list[dict[str, Any]]) -> bytes:
    if not messages:
        raise TracetuiError("nothing up to that step is a prompt, an answer or a tool call to carry")
    _in_order(messages, info["time"]["created"])
    return orjson.dumps({"info": info, "messages": messages}, option=orjson.OPT_INDENT_2) + b"\n"


def _in_order(messages: list[dict[str, Any]], now_ms: int) -> None:
    """Each message's times made no later than the writing and its `created` no earlier than the one
    before it. OpenCode orders a session's messages, and picks the user message a turn answers, by
    `time.created`: a log's message dated 2100 stayed the latest, so the resumed session answered its
    prompt, after the user's, on its agent and model (1.18.33, checked: `--agent` and `-m` lost)."""
    floor: float = 0
    for message in messages:
        when = message["info"].get("time")
        if not isinstance(when, dict):
            continue
        for key, value in when.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > now_ms:
                when[key] = now_ms
        created = when.get("created")
        if isinstance(created, (int, float)) and not isinstance(created, bool):
            when["created"] = floor = max(created, floor)


# -- the same agent: its own objects -------------------------------------------------------------

def _key(step: Step) -> str:
    """The object a step was read from: a part (`prt_…`, `prt_…:result`) or a message (`msg_…:error`,
    `msg_…:summary`)."""
    return step.id.split(":", 1)[0]


def _spent_nothing(value: dict[str, Any]) -> dict[str, Any]:
    out = dict(value)
    if "tokens" in out:
        out["tokens"] = _NO_TOKENS
    if "cost" in out:
        out["cost"] = 0
    return out


def fork(main: bytes, session: Session, upto: list[Step], new_id: str, cwd: str, now_ms: int,
         unsent: set[str] | None = None) -> bytes:
    """The document of `new_id` holding the source's messages and parts up to `upto[-1]`'s, under new
    ids in the same order. A call chosen without its result is written as OpenCode leaves a call it
    never ran (`pending`); the parts after the chosen one are left out. `unsent` gains the ids of the
    parts carried whose text the model is not sent (`_UNSENT_PARTS`)."""
    objects = Objects()
    problems: LineErrors = LineErrors()
    load_objects(RawLog(session.source, main), objects, problems)
    root = session.id
    active = {_key(s) for s in session.steps if s.active}
    off = {_key(s) for s in session.steps if not s.active} - active
    chosen = upto[-1]
    end = _key(chosen)
    end_mid = end if end in objects.messages else opt_str(as_dict(objects.parts.get(end)).get("messageID"))
    end, unran = _cut(session, chosen, end, end_mid, objects)
    if end_mid is None or end_mid not in objects.messages:
        raise TracetuiError("that step comes from no message of the session: continue it with another --agent")
    parts_of: dict[str, list[str]] = {}
    for pid in sorted(objects.parts):
        mid = opt_str(objects.parts[pid].get("messageID"))
        if mid and pid not in objects.gone:
            parts_of.setdefault(mid, []).append(pid)
    own = [mid for mid in sorted(objects.messages) if objects.messages[mid].get("sessionID") == root]
    after = next((mid for mid in own if mid > end_mid), None)
    if chosen.kind == StepKind.COMPACTION and after is not None and objects.messages[after].get("summary") is True:
        last_mid = after  # a compaction's text is the summary the next message wrote: carried with it
    else:
        last_mid = end_mid
    ids = Ids(now_ms)
    renamed: dict[str, str] = {}
    messages: list[dict[str, Any]] = []
    for mid in own:
        info = objects.messages[mid]
        if mid > last_mid:
            break
        if mid in objects.gone or mid in off or any(pid in off for pid in parts_of.get(mid, ())):
            continue  # reverted
        keys = _MESSAGE_KEYS.get(str(info.get("role")))
        if keys is None:
            continue  # no message OpenCode shows or sends
        renamed[mid] = ids.next("msg")
        copy = _spent_nothing({k: v for k, v in info.items() if k in keys})
        if copy.get("role") == "user":
            copy = _chosen_by_opencode(copy)
        copy.update({"id": renamed[mid], "sessionID": new_id})
        if mid == end_mid and end != end_mid:
            copy.pop("error", None)  # cut inside the message: its error came after the chosen part
        elif isinstance(copy.get("error"), dict):
            copy["error"] = _error(copy["error"])
        if isinstance(copy.get("parentID"), str):
            copy["parentID"] = renamed.get(copy["parentID"], copy["parentID"])
        parts = []
        for pid in parts_of.get(mid, ()):
            if mid == end_mid and end != end_mid and pid > end:
                break
            if objects.parts[pid].get("type") == _UNDONE:
                continue  # an undo's orders (`_UNDONE`): the changes were the source's, on its disk
            if unsent is not None and objects.parts[pid].get("type") in _UNSENT_PARTS:
                unsent.add(pid)
            if objects.parts[pid].get("type") == _ORDER:
                parts.append({"id": ids.next("prt"), "messageID": renamed[mid], "sessionID": new_id,
                              "type": "text", "text": _ORDER_SENT, "synthetic": True})
                continue
            part = _spent_nothing(objects.parts[pid]) if objects.parts[pid].get("type") == "step-finish" \
                else dict(objects.parts[pid])
            part = _as_shown(_unfetched(part))
            part.update({"id": ids.next("prt"), "messageID": renamed[mid], "sessionID": new_id})
            if part.get("type") == "compaction" and "tail_start_id" in part:
                # The first message the compaction kept, by its new id (as OpenCode's own fork does): an
                # id the copy lacks would have OpenCode send the whole history before it.
                kept = renamed.get(part["tail_start_id"]) if isinstance(part["tail_start_id"], str) else None
                if kept is None:
                    del part["tail_start_id"]
                else:
                    part["tail_start_id"] = kept
            if pid in unran and isinstance(part.get("state"), dict):
                part["state"] = {"status": "pending", "input": part["state"].get("input", {}), "raw": ""}
            parts.append(part)
        messages.append({"info": copy, "parts": parts})
    _no_pending_orders(messages)
    return _document(_info(new_id, cwd, now_ms, as_dict(objects.sessions.get(root))), messages)


def _cut(session: Session, chosen: Step, end: str, end_mid: str | None,
         objects: Objects) -> tuple[str, set[str]]:
    """The last part carried of the chosen step's message, and the tool parts carried whose results
    come after the chosen step (written as calls OpenCode never ran). A model step's calls all read
    before their results, so a cut after the second call of two holds the first without its result,
    and a cut at the first result holds the second call (docs/formats/opencode.md)."""
    if chosen.subagent is not None or end_mid is None or end == end_mid:  # end_mid: a message's own step
        return end, {end} if chosen.kind == StepKind.TOOL_CALL else set()
    first: dict[str, int] = {}
    for step in session.steps:
        if step.subagent is None and step.index <= chosen.index:
            first.setdefault(_key(step), step.index)
    mine = [key for key in first if as_dict(objects.parts.get(key)).get("messageID") == end_mid]
    last = max(mine, default=end)
    unran = {_key(s) for s in session.steps if s.kind == StepKind.TOOL_RESULT and s.subagent is None
             and s.index > chosen.index and _key(s) in first}
    return max(last, end), unran


def _no_pending_orders(messages: list[dict[str, Any]]) -> None:
    """A compaction no finished answer follows (the source stopped before its summary) is one OpenCode
    runs before the user's next prompt; an automatic one then ends the history on "Continue if you have
    next steps", so the model went on with the log's work, not the user's prompt (1.18.33, checked; one
    marked not automatic swallowed the prompt). The source never made it: the copy holds the text the
    model is sent for a compaction part, as it holds a subtask's."""
    for message in reversed(messages):
        if message["info"].get("role") == "assistant" and message["info"].get("finish"):
            return
        message["parts"] = [{"id": part["id"], "messageID": part["messageID"], "sessionID": part["sessionID"],
                             "type": "text", "text": _COMPACTION_SENT, "synthetic": True}
                            if part.get("type") == "compaction" else part for part in message["parts"]]


def _as_shown(part: dict[str, Any]) -> dict[str, Any]:
    """`part` holding nothing OpenCode sends or acts on in place of what it shows (`_UNSHOWN_STATE`)."""
    part.pop("metadata", None)
    state = part.get("state")
    if part.get("type") == "tool" and isinstance(state, dict) and isinstance(state.get("metadata"), dict):
        gone = _UNSHOWN_STATE.get(str(state.get("status")), ())
        metadata = {k: v for k, v in state["metadata"].items() if k not in gone}
        if isinstance(metadata.get("output"), str) and isinstance(state.get("output"), str):
            metadata["output"] = state["output"]
        part["state"] = {**state, "metadata": metadata}
    return part


def _fetched(file: Any) -> bool:
    """Whether OpenCode fetches `file` (a file part or an attachment) to send it (`_UNSENT_TYPES`)."""
    if not isinstance(file, dict) or file.get("mime") in _UNSENT_TYPES:
        return False
    url = file.get("url")
    return not (isinstance(url, str) and url[:5].lower() == "data:")


def _unfetched(part: dict[str, Any]) -> dict[str, Any]:
    """`part` holding nothing OpenCode fetches by a URL: a file part so held, the text OpenCode sends in
    its place; a tool's attachments so held, left out."""
    if part.get("type") == "file" and _fetched(part):
        mime = part.get("mime") if isinstance(part.get("mime"), str) else "file"
        name = part.get("filename") if isinstance(part.get("filename"), str) else "file"
        return {"type": "text", "text": f"[Attached {mime}: {name}]", "synthetic": True}
    state = part.get("state")
    if part.get("type") == "tool" and isinstance(state, dict) and isinstance(state.get("attachments"), list):
        kept = [a for a in state["attachments"] if not _fetched(a)]
        if len(kept) < len(state["attachments"]):
            return {**part, "state": {**state, "attachments": kept}}
    return part


# The errors 1.x's import decodes, and the fields each must have beside `message` (older builds
# wrote an APIError without `isRetryable`: the import refused the whole document).
_ERRORS: dict[str, dict[str, Any]] = {
    "APIError": {"isRetryable": False}, "ProviderAuthError": {"providerID": ""}, "UnknownError": {},
    "MessageAbortedError": {}, "MessageOutputLengthError": {},
}


def _error(error: dict[str, Any]) -> dict[str, Any]:
    """A message's error in a shape the import takes: its own where it names a known error (missing
    fields filled), else an UnknownError with its message."""
    data = as_dict(error.get("data"))
    message = data.get("message") if isinstance(data.get("message"), str) else str(error.get("name") or "error")
    name = error.get("name")
    if isinstance(name, str) and name in _ERRORS:
        return {**error, "data": {**_ERRORS[name], **data, "message": message}}
    return {"name": "UnknownError", "data": {"message": message}}


# -- another agent: rebuilt from steps -----------------------------------------------------------

def provider_of(model: str | None) -> tuple[str, str]:
    """The provider and model a rebuilt session names: the model's maker where its name says it
    (OpenCode asks for the provider on the first prompt where it is not set up)."""
    name = model or "unknown"
    for prefix, provider in (("claude", "anthropic"), ("gpt", "openai"), ("o1", "openai"), ("o3", "openai"),
                             ("o4", "openai"), ("codex", "openai"), ("gemini", "google")):
        if name.startswith(prefix):
            return provider, name
    return "opencode", name


def from_items(items: list[Item], source_id: str, cwd: str, new_id: str, now_ms: int) -> bytes:
    """The document of `new_id` holding another agent's history (`sources/common/carried.py`): a user
    message per prompt; an assistant message per model response (a step-start, its texts and calls,
    each call holding its result, a step-finish). A shell call becomes `bash`. Text or a call after
    a result opens the next response, as OpenCode writes one message per request."""
    ids = Ids(now_ms)
    provider, model = provider_of(next((i.model for i in items if i.model), None))
    messages: list[dict[str, Any]] = []
    turn: dict[str, Any] | None = None
    calls: dict[str, dict[str, Any]] = {}
    last_user = ""
    answered = False

    def close() -> None:
        nonlocal turn, answered
        if turn is not None:
            finish = "tool-calls" if any(p["type"] == "tool" for p in turn["parts"]) else "stop"
            turn["info"]["finish"] = finish
            turn["parts"].append({"id": ids.next("prt"), "sessionID": new_id, "messageID": turn["info"]["id"],
                                  "type": "step-finish", "reason": finish, "cost": 0, "tokens": _NO_TOKENS})
        turn, answered = None, False

    for item in items:
        at = epoch_ms(item.timestamp, now_ms)
        if item.kind == "user":
            close()
            last_user = ids.next("msg")
            messages.append({"info": {"id": last_user, "sessionID": new_id, "role": "user", "time": {"created": at},
                                      "agent": "build", "model": {"providerID": provider, "modelID": model}},
                             "parts": [{"id": ids.next("prt"), "sessionID": new_id, "messageID": last_user,
                                        "type": "text", "text": item.text}]})
        elif item.kind in ("assistant", "call"):
            if turn is None or answered:
                close()
                mid = ids.next("msg")
                turn = {"info": {"id": mid, "sessionID": new_id, "role": "assistant", "time": {"created": at,
                                                                                             "completed": at},
                                 "parentID": last_user, "modelID": model, "providerID": provider, "mode": "build",
                                 "agent": "build", "path": {"cwd": cwd, "root": cwd}, "cost": 0,
                                 "tokens": _NO_TOKENS},
                        "parts": [{"id": ids.next("prt"), "sessionID": new_id, "messageID": mid,
                                   "type": "step-start"}]}
                messages.append(turn)
            base = {"id": ids.next("prt"), "sessionID": new_id, "messageID": turn["info"]["id"]}
            if item.kind == "assistant":
                turn["parts"].append({**base, "type": "text", "text": item.text, "time": {"start": at, "end": at}})
                continue
            name, args = ("bash", {"command": item.shell}) if item.shell is not None else (
                item.tool, item.args if isinstance(item.args, dict) else {"input": item.args})
            part = {**base, "type": "tool", "callID": item.call_id, "tool": name,
                    "state": {"status": "pending", "input": args, "raw": ""}}
            turn["parts"].append(part)
            calls[item.call_id] = part
        elif item.call_id in calls:  # a result: into its call's part
            part = calls[item.call_id]
            args = part["state"]["input"]
            when = {"start": at, "end": at}
            part["state"] = ({"status": "error", "input": args, "error": item.text, "time": when} if item.is_error
                             else {"status": "completed", "input": args, "output": item.text, "title": "",
                                   "metadata": {}, "time": when})
            answered = True
    close()
    return _document(_info(new_id, cwd, now_ms, {"title": f"Resumed from {source_id}"}), messages)
