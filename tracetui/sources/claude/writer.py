"""A new Claude Code transcript holding a session's history up to one step: a fork, as Claude Code writes one.

The lines come from the source transcript itself (nothing is rebuilt from steps, so what the model
saw, thinking blocks and their signatures included, is carried as logged): the lines of the active
path's steps up to the chosen one, with every line they hang from (attachments, hook and system
lines, a compaction's boundary through its logical parent), in file order. Each gets a new uuid, the
new `sessionId`, its parent re-chained and `forkedFrom: {sessionId, messageUuid}` naming the line it
copies, which is `--fork-session`'s own shape: Claude Code resumes it, and tracetui reads it as a
fork whose steps its parent spent. More in docs/formats/claude.md, `sources/claude/writer.py`.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import Session, Step
from tracetui.sources.claude.files import project_folder
from tracetui.sources.common.carried import Item
from tracetui.sources.common.jsonl import loads_within_depth

# Claude Code cuts a longer project folder name and appends a hash of the cwd we do not reproduce.
FOLDER_NAME_LIMIT = 200


def folder_name(cwd: str) -> str:
    """The `projects/` folder Claude Code looks in for a session run in `cwd` (absolute): refused where
    Claude Code would name it by a hash, so the transcript never lands where `--resume` cannot see it."""
    name = project_folder(cwd)
    if not name or len(name) > FOLDER_NAME_LIMIT or "/" in name or name in (".", ".."):
        raise TracetuiError(f"the working folder's name is too long for Claude Code's project folders "
                            f"({len(name)} characters, at most {FOLDER_NAME_LIMIT})")
    return name


# The fields that name another line by its uuid (besides `compactMetadata`'s segment and messages).
_LINKS = ("parentUuid", "logicalParentUuid", "sourceToolAssistantUUID")
# The keys a conversation line of the fork keeps, by type: what makes the chain, shows and sends the
# history, and what tracetui reads back. Anything else a log put on a line stays behind, for Claude Code
# acts on keys of a resumed line: `permissionMode` (passed to --permission-mode on `claude --resume`),
# `planContent` (the plan it restores), `wireToolInputs` (tool inputs it merges over the shown ones),
# `teamName`/`sessionKind` (the session's kind), `origin` (who typed it), `mcpMeta`, ...
# A record of another type than these is left out whole (`permission-mode`, `agent-setting`, ...):
# Claude Code keys such records by the session id a fork writes on every line it copies.
_COMMON_KEYS = frozenset({"type", "uuid", "parentUuid", "isSidechain", "sessionId", "timestamp", "version",
                          "cwd", "gitBranch", "slug"})  # fmt: skip
_KEYS = {
    "user": _COMMON_KEYS | {"message", "toolUseResult", "sourceToolAssistantUUID", "sourceToolUseID",
                            "isMeta", "isCompactSummary", "isVisibleInTranscriptOnly"},
    "assistant": _COMMON_KEYS | {"message", "requestId", "error", "isApiErrorMessage", "apiBlockIndex",
                                 "joinedApiReply"},
    "system": _COMMON_KEYS | {"subtype", "content", "level", "logicalParentUuid", "compactMetadata", "isMeta",
                              "toolUseID", "hookCount", "hookInfos", "hookErrors", "hasOutput",
                              "preventedContinuation", "stopReason", "cause", "error", "retryInMs",
                              "retryAttempt", "maxRetries", "durationMs", "messageCount"},
    "attachment": _COMMON_KEYS | {"attachment", "rendered", "renderedRole", "renderedBesideToolResult"},
    "progress": _COMMON_KEYS | {"data", "toolUseID", "parentToolUseID"},
}
# What the model never sees, a fork keeps only the shape of. A progress line (a hook or a command
# running, a subagent's messages as they came) is shown while it runs and sent to no model: its `data`
# keeps its kind alone (the line stays: the chain runs through it). An attachment keeps the keys Claude
# Code (the corpus' up to 2.1.97, and 2.1.332 in the agent tests) writes for its kind, below: what is
# sent or shown. An attachment of another kind becomes a system line saying it was left out: 2.1.332
# reads some as the session's state (`command_permissions`: the tools a command allowed;
# `session_cron_carry`: the scheduled prompts it carries over; `invoked_skills`, `plan_mode`, ...), and
# the last `prompt_snapshot`'s `systemPrompt` is the resumed session's system prompt (checked on loopback:
# a log's ran the user's session unseen, as Codex's `base_instructions` did): left out (`_SETTINGS`).
_ATTACHMENT_KEYS: dict[str, frozenset[str]] = {kind: frozenset({"type", *keys}) for kind, keys in {
    "agent_listing_delta": ("addedTypes", "addedLines", "builtInTypes", "builtInPluginTypes", "removedTypes",
                            "isInitial", "showConcurrencyNote"),
    "auto_mode": ("reminderType", "autoModeConsentFlow", "finishExposedWork", "bashFirst", "bashFirstSteer",
                  "steerOnly", "bypass"),
    "auto_mode_exit": (),
    "companion_intro": ("name", "species"),
    "critical_system_reminder": ("content",),
    "date": ("date",),
    "deferred_tools_delta": ("addedNames", "addedLines", "removedNames", "wireHiddenNames", "readdedNames",
                             "pendingMcpServers", "needsAuthMcpServers", "failedMcpServers"),
    "edited_text_file": ("filename", "snippet"),
    "environment": ("snapshot", "changes"),
    "file": ("filename", "content", "displayPath", "savedCopyFraming"),
    "hook_additional_context": ("content", "hookName", "toolUseID", "hookEvent"),
    "hook_non_blocking_error": ("hookName", "toolUseID", "hookEvent", "stderr", "stdout", "exitCode", "command"),
    "model": ("identity", "text"),
    "nested_memory": ("path", "content", "displayPath"),
    "queued_command": ("prompt", "commandMode"),
    "remote_session_change": ("url", "commit", "pr", "sendUserFileHint", "managedCommit", "managedPr"),
    "session_context": ("context",),
    "skill_listing": ("content", "skillCount", "isInitial", "names", "digests"),
    "task_reminder": ("content", "itemCount"),
    "todo_reminder": ("content", "itemCount"),
    "total_tokens_reminder": ("text",),
}.items()}


# The lists of names an attachment announced to the model. On resume 2.1.332 diffs those of the agent
# listing and the deferred tools against its own, and tells the model, in a reminder the log never held,
# that each name it no longer has is gone, as written (checked on loopback): a log's name of many words
# was an instruction there. A name is kept only in the shape a tool name or an agent type takes.
_NAMES = {"agent_listing_delta": ("addedTypes", "builtInTypes", "builtInPluginTypes", "removedTypes"),
          "deferred_tools_delta": ("addedNames", "removedNames", "wireHiddenNames", "readdedNames",
                                   "pendingMcpServers", "needsAuthMcpServers", "failedMcpServers"),
          "skill_listing": ("names",)}
_NAME = re.compile(r"[A-Za-z0-9_.:@/-]{1,128}")


def _named(att: dict[str, Any]) -> dict[str, Any]:
    """A carried attachment with each of its lists of names (`_NAMES`) cut to the names of `_NAME`'s shape."""
    out = dict(att)
    for key in _NAMES.get(att["type"], ()):
        if isinstance(out.get(key), list):
            out[key] = [n for n in out[key] if isinstance(n, str) and _NAME.fullmatch(n)]
    return out


# Attachments that are the session's settings, not its history: left out with no line in their place
# (the line naming one as its parent hangs from its parent). `prompt_snapshot` (above) is the system prompt.
_SETTINGS = frozenset({"prompt_snapshot"})


def _setting(rec: dict[str, Any]) -> bool:
    att = rec.get("attachment")
    return rec.get("type") == "attachment" and isinstance(att, dict) and isinstance(att.get("type"), str) \
        and att["type"] in _SETTINGS


def _carried_attachment(rec: dict[str, Any]) -> bool:
    att = rec.get("attachment")
    return isinstance(att, dict) and isinstance(att.get("type"), str) and att["type"] in _ATTACHMENT_KEYS


def _shaped(copy: dict[str, Any]) -> dict[str, Any]:
    """A copied progress or attachment line cut to its kind's shape (`_ATTACHMENT_KEYS`); an attachment
    of a kind not carried, a system line saying so."""
    if copy["type"] == "progress":
        kind = copy["data"].get("type") if isinstance(copy.get("data"), dict) else None
        return {**copy, "data": {"type": kind} if isinstance(kind, str) else {}}
    if copy["type"] != "attachment":
        return copy
    if _carried_attachment(copy):
        att = copy["attachment"]
        return {**copy, "attachment": _named({k: v for k, v in att.items() if k in _ATTACHMENT_KEYS[att["type"]]})}
    out = {k: v for k, v in copy.items() if k in _COMMON_KEYS}
    out.update({"type": "system", "subtype": "informational", "level": "info", "isMeta": False,
                "content": f"tracetui left out an attachment of a kind a fork does not carry ({LEFT_OUT})"})
    return out


# What the system line standing for an attachment left out says of it.
LEFT_OUT = "the session's state, not its history"


# Claude Code names the plan file `<plans folder>/<slug>.md` from the first `slug` a resumed transcript
# holds, unchecked, and plan mode writes that file unasked: `../../.claude/CLAUDE` was the user's own
# CLAUDE.md. A slug is kept only in the shape Claude Code makes (`swift-doodling-scone`).
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SLUG_LIMIT = 100


def _own_slug(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= _SLUG_LIMIT and _SLUG.fullmatch(value) is not None


# An image or a document a message holds by reference (`source.type` `url` or `file`) is fetched by the
# API for every request of the resumed session (2.1.332 sends the block as it is: checked on loopback), so
# a log's URL told its author each time the user went on, and could give the model other content than the
# log showed; one the API cannot fetch failed every prompt. A copy holds only what the block carries
# itself (`base64`, a document's `text` or `content`); a block by reference becomes a line saying so.
_HELD_SOURCES = ("base64", "text", "content")
_BY_REFERENCE = "[{kind} the log held by reference (a URL or a stored file): not carried by tracetui]"


def _held(content: Any) -> Any:
    """A message's (or a tool result's) `content` with each image or document held by reference made a
    text block saying so (`_HELD_SOURCES`); content holding none is returned as it was."""
    if not isinstance(content, list):
        return content
    out: list[Any] = []
    for block in content:
        if isinstance(block, dict) and block.get("type") in ("image", "document"):
            source = block.get("source")
            if not (isinstance(source, dict) and source.get("type") in _HELD_SOURCES):
                block = {"type": "text", "text": _BY_REFERENCE.format(kind=str(block["type"]).capitalize())}
        elif isinstance(block, dict) and block.get("type") == "tool_result":
            block = {**block, "content": _held(block.get("content"))} if "content" in block else block
        out.append(block)
    return out if out != content else content


def _renamed(value: Any, renamed: dict[str, str]) -> Any:
    """`value` with every string that is a renamed line's uuid renamed (a compaction's metadata)."""
    if isinstance(value, str):
        return renamed.get(value, value)
    if isinstance(value, list):
        return [_renamed(v, renamed) for v in value]
    if isinstance(value, dict):
        return {k: _renamed(v, renamed) for k, v in value.items()}
    return value


def _moved(line_cwd: Any, was: str | None, cwd: str) -> str:
    """A copied line's cwd in the fork run in `cwd`: Claude Code takes the first line's as the session's
    project path (and tracetui as its folder), so the log's own put the new session under a folder the
    user never named. A folder below the session's (the shell's after a `cd`) moves with it."""
    base = (was or "").rstrip("/")
    if was and isinstance(line_cwd, str) and (line_cwd == was or line_cwd.startswith(base + "/")):
        return (cwd.rstrip("/") + line_cwd[len(base):]).rstrip("/") or "/"  # the agent's cwd ends in no `/`
    return cwd


def line_of(step: Step) -> tuple[str, int] | None:
    """The uuid of the transcript line a main-conversation step was read from, and the step's block
    on it (0 for the first); None for steps no line of its own holds (queued prompts, subagent
    markers, a model change, a subagent's lines)."""
    sid = step.id
    if step.subagent is not None or sid.startswith(("queued@", "subagent:")) or "/" in sid:
        return None
    base, _, block = sid.partition(":")
    base = base.rstrip("+")
    if block == "":
        return base, 0
    if block.isdigit():
        return base, int(block)
    return None  # `<uuid>:model`


# A result line's `toolUseResult` is the tool's structured output, not what the model saw (the line's
# `message`), and 2.1.332 rebuilds the session's background work from it on resume: a result naming an
# agent (`status: async_launched`, `description`, `outputFile`) or a shell (`backgroundTaskId`) became a
# "SYSTEM NOTIFICATION" to the model to check the log's path (checked on loopback). A fork keeps what a
# result says a tool printed and did to files (what tracetui and Claude Code's screen read); no id of a
# task, agent or schedule, and no path to follow. docs/formats/claude.md, "Resume".
RESULT_KEYS = frozenset({
    "type", "file", "filePath", "content", "structuredPatch", "originalFile", "originalFileContents",
    "userModified", "oldString", "newString", "replaceAll", "edits", "stdout", "stderr", "interrupted",
    "isImage", "noOutputExpected", "returnCodeInterpretation", "exitCode", "stdoutLines", "stderrLines",
    "filenames", "numFiles", "numLines", "truncated", "appliedLimit", "mode", "durationMs", "durationSeconds",
    "totalDurationMs", "totalTokens", "totalToolUseCount", "usage", "prompt", "agentType", "bytes", "code",
    "codeText", "result", "url", "query", "matches", "results", "cell_number", "new_source", "cell_type",
    "language", "edit_mode",
})  # fmt: skip


def _result_facts(result: Any) -> Any:
    """A copied `toolUseResult` cut to `RESULT_KEYS` (an agent's `status` only when `completed`), its
    images held by reference left out as in a message; one that is no object is kept as it was."""
    if not isinstance(result, dict):
        return _held(result)
    out = {k: v for k, v in result.items() if k in RESULT_KEYS}
    if result.get("status") == "completed":
        out["status"] = "completed"
    if "content" in out:
        out["content"] = _held(out["content"])
    return out if out != result else result


# A transcript's lines that name themselves (a `uuid`), decoded, in file order: what `fork` and `notes`
# read, decoded once for both.
Lines = list[dict[str, Any]]


def lines_of(main: bytes) -> Lines:
    """Every line of `main` that decodes to a record with a string `uuid`, in file order (each line
    decoded: a key may be spelled with escapes, `"is\\u004deta"`, which no byte search finds)."""
    out: Lines = []
    for raw in main.splitlines():
        try:
            rec = loads_within_depth(raw)
        except orjson.JSONDecodeError:
            continue  # a torn or bad line: the reader reported it and gave it no step
        if isinstance(rec, dict) and isinstance(rec.get("uuid"), str):
            out.append(rec)
    return out


def notes(lines: Lines, upto: list[Step]) -> tuple[list[Step], list[Step]]:
    """What to tell of a fork of `upto` (`lines`: the transcript's, `lines_of`): the steps read from a line
    marked `isMeta` (Claude Code sends such a line to the model and shows it nowhere: its skills, command
    expansions, caveats; a log's could say anything), and the steps left out: those of attachments of a
    kind a fork does not carry."""
    hidden: set[str] = set()
    left: set[str] = set()
    for rec in lines:
        if rec.get("isMeta") is True:
            hidden.add(rec["uuid"])
        if rec.get("type") == "attachment" and not _carried_attachment(rec):
            left.add(rec["uuid"])
    placed = [(s, where[0]) for s in upto if (where := line_of(s)) is not None]
    return [s for s, uuid in placed if uuid in hidden], [s for s, uuid in placed if uuid in left]


def fork(lines: Lines, session: Session, upto: list[Step], new_id: str, cwd: str, now: str,
         new_uuid: Callable[[], str] = lambda: str(uuidlib.uuid4())) -> bytes:
    """The transcript of `new_id` holding the lines (`lines_of` the source's) of `upto` (the active steps
    to carry, in order), each saying it ran in `cwd`, the folder the printed command runs in."""
    records = [rec for rec in lines if rec.get("isSidechain") is not True]
    by_uuid: dict[str, dict[str, Any]] = {}
    for rec in records:
        by_uuid.setdefault(rec["uuid"], rec)
    blocks: dict[str, int] = {}  # line uuid -> how many of its blocks to keep
    for step in upto:
        where = line_of(step)
        if where is not None and where[0] in by_uuid:
            blocks[where[0]] = max(blocks.get(where[0], 0), where[1] + 1)
    if not blocks:
        raise TracetuiError("none of the steps up to there comes from a main-conversation line of the "
                            "transcript (a subagent's transcript read alone cannot be resumed)")
    keep: set[str] = set()
    for start in blocks:
        at: str | None = start
        while at is not None and at in by_uuid and at not in keep:
            keep.add(at)
            rec = by_uuid[at]
            up = rec.get("parentUuid") or rec.get("logicalParentUuid")
            at = up if isinstance(up, str) else None
    last = upto[-1]
    last_line = line_of(last)
    # New uuids first: a line may name a later one (a compaction's anchor is the summary after it).
    renamed: dict[str, str] = {}
    for rec in records:
        if rec["uuid"] in keep and rec["uuid"] not in renamed:
            renamed[rec["uuid"]] = new_uuid()
    # A line that is no conversation's is left out, and a line hanging from it hangs from its parent.
    spliced = {uuid: rec.get("parentUuid") for uuid, rec in by_uuid.items()
               if uuid in keep and (rec.get("type") not in _KEYS or _setting(rec))}  # fmt: skip

    def link(uuid: Any) -> str | None:
        for _ in range(len(spliced) + 1):
            if not isinstance(uuid, str) or uuid not in spliced:
                break
            uuid = spliced[uuid]
        return renamed.get(uuid) if isinstance(uuid, str) and uuid not in spliced else None

    out: list[bytes] = []
    done: set[str] = set()
    for rec in records:
        old = rec["uuid"]
        if old not in keep or old in done or old in spliced:
            continue
        done.add(old)
        copy = {k: v for k, v in rec.items() if k in _KEYS[rec["type"]]}
        copy = _shaped(copy)
        if rec.get("userType") == "external":  # Claude Code's own word for a user; anything else is left out
            copy["userType"] = "external"
        if "slug" in copy and not _own_slug(copy["slug"]):
            del copy["slug"]
        copy["uuid"] = renamed[old]
        for key in _LINKS:
            if key in copy:
                copy[key] = link(copy[key])
        if isinstance(copy.get("compactMetadata"), dict):
            copy["compactMetadata"] = _renamed(copy["compactMetadata"], renamed)
        copy["sessionId"] = new_id
        copy["cwd"] = _moved(rec.get("cwd"), session.cwd, cwd)
        copy["forkedFrom"] = {"sessionId": session.id, "messageUuid": old}
        if "toolUseResult" in copy:
            copy["toolUseResult"] = _result_facts(copy["toolUseResult"])
        message = copy.get("message")
        if isinstance(message, dict) and isinstance(message.get("content"), list):
            copy["message"] = message = {**message, "content": _held(message["content"])}
        cut = blocks.get(old)
        if (last_line is not None and old == last_line[0] and cut is not None and isinstance(message, dict)
                and isinstance(message.get("content"), list) and len(message["content"]) > cut):
            copy["message"] = {**message, "content": message["content"][:cut]}
        out.append(orjson.dumps(copy))
    return b"\n".join(out) + b"\n"


def from_items(items: list[Item], source_id: str, cwd: str, new_id: str, now: str,
               new_uuid: Callable[[], str] = lambda: str(uuidlib.uuid4())) -> bytes:
    """A transcript of `new_id` holding another agent's history (`sources/common/carried.py`): a user
    line per prompt and per tool result, an assistant line per text and per call (the lines of one
    response share its message id, as Claude Code writes them), each marked as copied from the
    source's step. A shell call becomes Bash, so the model can go on calling it."""
    out: list[bytes] = []
    parent: str | None = None
    message_id = ""
    for n, item in enumerate(items):
        if item.kind in ("user", "result"):
            message_id = ""
            if item.kind == "user":
                message: dict[str, Any] = {"role": "user", "content": item.text}
            else:
                message = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": item.call_id,
                                                         "content": item.text, "is_error": item.is_error}]}
            kind = "user"
        else:
            if not message_id:
                message_id = f"msg_tracetui_{new_id.replace('-', '')[:12]}_{n}"
            if item.kind == "assistant":
                block: dict[str, Any] = {"type": "text", "text": item.text}
            elif item.shell is not None:
                block = {"type": "tool_use", "id": item.call_id, "name": "Bash", "input": {"command": item.shell}}
            else:
                args = item.args if isinstance(item.args, dict) else {"input": item.args}
                block = {"type": "tool_use", "id": item.call_id, "name": item.tool, "input": args}
            message = {"id": message_id, "type": "message", "role": "assistant", "model": item.model or "unknown",
                       "content": [block], "stop_reason": None, "stop_sequence": None,
                       "usage": {"input_tokens": 0, "output_tokens": 0}}
            kind = "assistant"
        uuid = new_uuid()
        out.append(orjson.dumps({
            "parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": cwd,
            "sessionId": new_id, "type": kind, "message": message, "uuid": uuid,
            "timestamp": item.timestamp or now,
            "forkedFrom": {"sessionId": source_id, "messageUuid": item.source_id},
        }))
        parent = uuid
    if not out:
        raise TracetuiError("nothing up to that step is a prompt, an answer or a tool call to carry")
    return b"\n".join(out) + b"\n"
