"""Reader for OpenCode sessions (sst/opencode, now anomalyco/opencode).

The format and this reader's choices: docs/formats/opencode.md.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracetui.model import (
    COPIED, FileEdit, LineError, LineErrors, Session, Step, StepKind, Subagent, Tokens, count_skipped, usd,
)
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.common import titles
from tracetui.sources.common.apply_patch import parse_patch
from tracetui.sources.common.coerce import MAX_COUNT, as_count, as_dict, as_list, as_str, opt_str
from tracetui.sources.common.jsonl import guarded
from tracetui.sources.common.model_switch import with_switches
from tracetui.sources.common.unified_diff import parse_unified_diff
from tracetui.sources.opencode import stage as opencode_stage
from tracetui.sources.opencode.objects import MAX_HELD, Objects, load_objects
from tracetui.sources.registry import Agent

NAME = "opencode"

# OpenCode's placeholder title until it has named the session.
_DEFAULT_TITLE = re.compile(r"(New session|Child session) - \d{4}-\d\d-\d\dT")
# The child's id in a task call's output: `task_id: ses_…` (earlier builds), `<task id="ses_…"` (1.18).
_TASK_ID = re.compile(r'(?:(?:task_id|session_id):\s*|<task id=")(ses_[A-Za-z0-9]+)')


def group(paths: list[Path]) -> list[SessionFiles]:
    """One session per file: staged logs and export documents. Loose storage files are gathered into
    staged logs before a sync groups anything (`opencode_stage`), so they reach here only when a
    caller passes them directly; each then stands alone."""
    return [SessionFiles(NAME, p) for p in dict.fromkeys(paths) if p.suffix in (".json", ".jsonl")]


# --------------------------------------------------------------------------------------------
# Reading a session


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one OpenCode session (with its subagent sessions). Never raises on bad data."""
    errors: LineErrors = LineErrors()
    objects = Objects(skim=True)
    for log in (main, *companions):
        load_objects(log, objects, errors)
    root = _root(objects)
    session = Session(id=root or "", agent=NAME, source=main.path, errors=errors)
    session.files = [main.path, *(c.path for c in companions)]
    if root is None:
        if not any(e.path == main.path for e in errors):
            errors.append(LineError(main.path, 0, "no OpenCode session in this file"))
        _count_dropped(session, objects)
        return session
    origin = objects.origin.get(root)
    if objects.staged and origin:
        session.source = origin  # where OpenCode keeps it, not the bucket's staged log
        session.files.append(origin)
    _Reader(session, objects).run(root)
    _count_dropped(session, objects)
    return session


def _count_dropped(session: Session, objects: Objects) -> None:
    """The parts of kinds the reader makes nothing of past MAX_HELD (`Objects.part`): counted after those
    held, and said once."""
    for kind, count in objects.dropped.items():
        count_skipped(session.skipped, kind, count)
    if objects.dropped_parts:
        session.errors.append(LineError(session.source, 0, (
            f"past {MAX_HELD:,} parts of kinds this reader makes nothing of, {objects.dropped_parts:,} more "
            "were counted as they were read and not kept: none may stand in for its missing message"
        ), True))  # fmt: skip


def _root(objects: Objects) -> str | None:
    if objects.root:
        return objects.root
    for sid, info in objects.sessions.items():
        parent = opt_str(info.get("parentID"))
        if not parent or parent not in objects.sessions:
            return sid
    for info in (*objects.messages.values(), *objects.parts.values()):
        owner = opt_str(info.get("sessionID"))
        if owner:
            return owner
    return None


class _Reader:
    def __init__(self, session: Session, objects: Objects) -> None:
        self.session = session
        self.o = objects
        self.steps: list[Step] = []
        self.models: dict[str, None] = {}
        self.times: list[str] = []
        self.by_session: dict[str, list[dict[str, Any]]] = {}  # session id -> messages in order
        self.parts_of: dict[str, list[dict[str, Any]]] = {}  # message id -> parts in order
        self.children: dict[str, list[str]] = {}
        self.subagents: list[Subagent] = []
        for pid in sorted(objects.parts):
            part = objects.parts[pid]
            mid = opt_str(part.get("messageID"))
            if mid:
                self.parts_of.setdefault(mid, []).append(part)
        # Parts whose message file is missing (a partial copy of a storage tree) still show, under a
        # stand-in message.
        for mid, parts in self.parts_of.items():
            sid = next((opt_str(p.get("sessionID")) for p in parts if p.get("sessionID")), None)
            if mid not in objects.messages and sid:
                objects.messages[mid] = {"id": mid, "sessionID": sid, "role": "assistant"}
                count_skipped(session.skipped, "message (missing; its parts shown)")
        for mid in sorted(objects.messages):
            info = objects.messages[mid]
            sid = opt_str(info.get("sessionID"))
            if sid:
                self.by_session.setdefault(sid, []).append(info)
        for sid in sorted(objects.sessions):
            parent = opt_str(objects.sessions[sid].get("parentID"))
            if parent and parent != sid:
                self.children.setdefault(parent, []).append(sid)

    def run(self, root: str) -> None:
        session = self.session
        info = self.o.sessions.get(root, {})
        session.cwd = opt_str(info.get("directory")) or None
        session.version = opt_str(info.get("version"))
        time = as_dict(info.get("time"))
        for key in ("created", "updated"):
            stamp = _iso(time.get(key))
            if stamp:
                self.times.append(stamp)
        placed: set[str] = {root}
        steps = self.session_steps(root, None, placed)
        # Children no task call names (an export of the parent only, a call that failed): after the rest.
        for sid in self.descendants(root):
            if sid not in placed:
                placed.add(sid)
                steps.extend(self.subagent_steps(sid, None, placed, steps[-1].id if steps else None))
        for i, step in enumerate(steps):
            step.index = i
        session.steps = steps
        session.subagents = self.subagents
        session.models = list(self.models)
        if session.cwd is None:
            session.cwd = next((s.cwd for s in steps if s.cwd), None)
            for step in steps:
                if step.cwd == session.cwd:
                    step.cwd = None
        if self.times:
            session.started, session.ended = min(self.times), max(self.times)
        title = opt_str(info.get("title"))
        named = None if not title or _DEFAULT_TITLE.match(title) else title
        session.title = titles.session_title((named,), steps, fallback=title)
        session.hidden = titles.why_hidden(steps, session.tokens)
        if info.get("parentID"):
            session.skipped["session/parentID (a subagent read alone)"] = 1

    def descendants(self, sid: str) -> list[str]:
        # A dict for `out` and a deque for `todo`: with a list of each, a session's 100,000 children
        # (a hostile storage tree) cost 10^10 comparisons.
        out: dict[str, None] = {}
        todo = collections.deque(self.children.get(sid, ()))
        while todo:
            child = todo.popleft()
            if child in out or child == sid:
                continue
            out[child] = None
            todo.extend(self.children.get(child, ()))
        return list(out)

    # -- one (sub)session ---------------------------------------------------------------------

    def session_steps(self, sid: str, subagent: str | None, placed: set[str]) -> list[Step]:
        info = self.o.sessions.get(sid, {})
        revert = as_dict(info.get("revert"))
        reverted_from = opt_str(revert.get("messageID"))
        out: list[Step] = []
        compaction: Step | None = None
        firsts: list[tuple[str, str | None]] = []  # each message's id and its first own step's
        for message in self.by_session.get(sid, ()):
            mid = as_str(message.get("id"))
            active = mid not in self.o.gone and not (reverted_from and mid >= reverted_from)
            made, compaction = self.message_steps(message, subagent, compaction, placed)
            for step in made:
                if not active or step.id.split(":", 1)[0] in self.o.gone:
                    step.active = False
            out.extend(made)
            firsts.append((mid, next((s.id for s in made if s.subagent == subagent), None)))
        _keep_tails(out, firsts)
        out = with_switches(out)  # OpenCode logs no change of model (`--model`, or one per agent)
        # One line of steps: each follows the one before it in this (sub)session, a result its call,
        # so a step with two children in one scope is a real branch point, never a tool call.
        previous: str | None = None
        for step in out:
            if step.parent is None:
                step.parent = previous
            if step.subagent == subagent:
                previous = step.id
        return out

    def subagent_steps(self, sid: str, call: Step | None, placed: set[str], after: str | None) -> list[Step]:
        info = self.o.sessions.get(sid, {})
        title = opt_str(info.get("title"))
        kind = None
        found = re.search(r"\(@([^)\s]+) subagent\)\s*\Z", title or "")
        if found:
            kind = found.group(1)
        if call is not None and isinstance(call.tool_input, dict):
            kind = kind or opt_str(call.tool_input.get("subagent_type"))
            title = opt_str(call.tool_input.get("description")) or title
        inner = self.session_steps(sid, sid, placed)
        if kind is None:
            kind = next(
                (opt_str(m.get("agent")) for m in self.by_session.get(sid, ()) if m.get("agent")), None
            )
        spawned_by = call.id if call is not None else None
        self.subagents.append(Subagent(sid, kind, title, spawned_by, self.o.origin.get(sid)))
        when = inner[0].timestamp if inner else _iso(as_dict(info.get("time")).get("created"))
        start = Step(
            f"subagent:{sid}:start",
            0,
            StepKind.SUBAGENT_START,
            "system",
            title or "",
            timestamp=when,
            parent=spawned_by or after,
            subagent=sid,
            meta={"agent_type": kind} if kind else {},
        )
        if inner and inner[0].parent is None:
            inner[0].parent = start.id
        end = Step(
            f"subagent:{sid}:end",
            0,
            StepKind.SUBAGENT_END,
            "system",
            "",
            timestamp=inner[-1].timestamp if inner else when,
            parent=inner[-1].id if inner else start.id,
            subagent=sid,
        )
        if call is not None and not call.active:
            for step in (start, *inner, end):
                step.active = False
        return [start, *inner, end]

    def message_steps(
        self, message: dict[str, Any], subagent: str | None, compaction: Step | None, placed: set[str]
    ) -> tuple[list[Step], Step | None]:
        role = as_str(message.get("role"))
        mid = as_str(message.get("id"))
        parts = self.parts_of.get(mid, [])
        created = _iso(as_dict(message.get("time")).get("created"))
        if created:
            self.times.append(created)
        model = _model_name(message.get("providerID"), message.get("modelID"))
        if role == "assistant" and model:
            self.models[model] = None
        cwd = opt_str(as_dict(message.get("path")).get("cwd"))
        cwd = cwd if cwd and cwd != self.session.cwd else None
        out: list[Step] = []
        ctx = _Message(self, out, subagent, role, model, created, cwd, placed)
        ctx.copied = _copied(mid, as_dict(message.get("time")).get("created"))
        # Builds that mark each model step (step-start) hold back a step's results until its calls end.
        ctx.steps_marked = any(p.get("type") == "step-start" for p in parts)

        if role == "assistant" and message.get("summary") is True:
            text = "\n".join(as_str(p.get("text")) for p in parts if p.get("type") == "text").strip()
            if compaction is not None and not compaction.text:
                compaction.text = text
                ctx.out.append(compaction)  # its tokens land on it; it is already in place
            else:
                ctx.add(f"{mid}:summary", StepKind.COMPACTION, text, created, meta={"summary_message": True})
            for part in parts:
                if part.get("type") == "step-finish":
                    ctx.step_finish(part)
            ctx.settle_tokens(message)
            if out and out[0] is compaction:
                out.pop(0)
            _mark_copied(out, ctx.copied)
            return out, None

        for part in parts:
            with guarded(self.session.errors, self.session.source, 0, f"part {as_str(part.get('id'))[:40]}"):
                if part.get("type") != "tool":
                    ctx.flush_results()
                made = ctx.part(part)
                if made is not None and made.kind == StepKind.COMPACTION:
                    compaction = made
        ctx.flush_results()
        if role == "assistant":
            ctx.settle_tokens(message)
            error = message.get("error")
            if isinstance(error, dict):
                name = as_str(error.get("name"))
                data = as_dict(error.get("data"))
                text = as_str(data.get("message")) or name or "the turn failed"
                aborted = name == "MessageAbortedError"
                ended = _iso(as_dict(message.get("time")).get("completed"))
                ended = ended or next((s.timestamp for s in reversed(out) if s.timestamp), created)
                ctx.add(
                    f"{mid}:error",
                    StepKind.SYSTEM,
                    text,
                    ended,
                    is_error=not aborted,
                    meta={"error": name} if name else {},
                )
        _mark_copied(out, ctx.copied)
        return out, compaction


@dataclass(slots=True)
class _Message:
    """Turns one message's parts into steps."""

    reader: _Reader
    out: list[Step]
    subagent: str | None
    role: str
    model: str | None
    created: str | None
    cwd: str | None
    placed: set[str]
    step_first: int = 0  # where the current model step's steps begin in `out`
    finished: bool = False  # some step-finish gave tokens
    copied: bool = False  # a fork's copy of its source's message (`_copied`): its tokens are the source's
    # Results of the tool parts in a row so far: they follow the last of those calls, as the model is
    # sent them (a part holds both call and result, and parallel calls are parts side by side).
    results: list[Step] = field(default_factory=list)
    steps_marked: bool = False

    def add(self, sid: str, kind: str, text: str, stamp: str | None, **fields: Any) -> Step:
        role = fields.pop("role", None) or ("user" if self.role == "user" else "assistant")
        if kind in (StepKind.SYSTEM, StepKind.COMPACTION):
            role = "system"
        if "model" not in fields and role == "assistant":
            fields["model"] = self.model
        step = Step(sid, 0, kind, role, text, stamp, subagent=self.subagent, cwd=self.cwd, **fields)
        if stamp:
            self.reader.times.append(stamp)
        self.out.append(step)
        return step

    def part(self, part: dict[str, Any]) -> Step | None:
        kind = part.get("type")
        pid = as_str(part.get("id"))
        time = as_dict(part.get("time"))
        stamp = _iso(time.get("start")) or self.created
        session = self.reader.session
        if kind == "text":
            text = as_str(part.get("text"))
            if not text.strip():
                return None
            if self.role == "user":
                step_kind = (
                    StepKind.CONTEXT if part.get("synthetic") or part.get("ignored") else StepKind.USER
                )
            else:
                step_kind = StepKind.ASSISTANT
            return self.add(pid, step_kind, text, stamp)
        if kind == "reasoning":
            text = as_str(part.get("text"))
            return self.add(pid, StepKind.REASONING, text, stamp) if text.strip() else None
        if kind == "tool":
            return self.tool(part, pid)
        if kind == "step-start":
            self.step_first = len(self.out)
            return None
        if kind == "step-finish":
            self.step_finish(part)
            return None
        if kind == "patch":  # written when the model step ends: it follows what came before it
            stamp = next((s.timestamp for s in reversed(self.out) if s.timestamp), stamp)
            files = [f for f in as_list(part.get("files")) if isinstance(f, str)]
            text = f"changed {len(files)} file{'s' if len(files) != 1 else ''}: " + ", ".join(files)
            return self.add(
                pid, StepKind.SYSTEM, text, stamp, meta={"snapshot": part.get("hash"), "files": files}
            )
        if kind == "compaction":
            meta: dict[str, Any] = {"auto": bool(part.get("auto"))}
            if isinstance(part.get("tail_start_id"), str):
                meta["tail_start_id"] = part["tail_start_id"]  # the first message it kept (1.18)
            return self.add(pid, StepKind.COMPACTION, "", stamp, meta=meta)
        if kind == "subtask":
            meta = {k: part[k] for k in ("agent", "description", "command") if isinstance(part.get(k), str)}
            return self.add(pid, StepKind.CONTEXT, as_str(part.get("prompt")), stamp, role="user", meta=meta)
        if kind == "agent":
            name = as_str(part.get("name"))
            return self.add(pid, StepKind.CONTEXT, f"@{name}", stamp, role="user", meta={"agent": name})
        if kind == "file":
            name = (
                as_str(part.get("filename"))
                or as_str(as_dict(part.get("source")).get("path"))
                or as_str(part.get("url"))[:200]
            )
            meta = {
                k: part[k] for k in ("mime", "url") if isinstance(part.get(k), str) and len(part[k]) < 2000
            }
            step_kind = StepKind.CONTEXT if self.role == "user" else StepKind.ASSISTANT
            return self.add(pid, step_kind, f"[file] {name}", stamp, meta=meta)
        if kind == "retry":
            error = as_dict(part.get("error"))
            text = (
                as_str(as_dict(error.get("data")).get("message")) or as_str(error.get("name")) or "retrying"
            )
            attempt = {"attempt": part["attempt"]} if isinstance(part.get("attempt"), int) else {}
            return self.add(
                pid, StepKind.SYSTEM, text, _iso(time.get("created")) or stamp, is_error=True, meta=attempt
            )
        if kind == "snapshot":
            return None
        count_skipped(session.skipped, f"part/{kind}" if isinstance(kind, str) else "part/(no type)")
        return None

    def tool(self, part: dict[str, Any], pid: str) -> Step:
        name = opt_str(part.get("tool"))
        state = as_dict(part.get("state"))
        status = as_str(state.get("status"))
        time = as_dict(state.get("time"))
        tool_input = state.get("input")
        if tool_input is None and isinstance(state.get("raw"), str):
            tool_input = state["raw"]
        metadata = as_dict(state.get("metadata"))
        stamp = _iso(time.get("start")) or self.created
        call = self.add(
            pid,
            StepKind.TOOL_CALL,
            "",
            stamp,
            tool=name,
            tool_call_id=opt_str(part.get("callID")),
            tool_input=tool_input,
        )
        title = opt_str(state.get("title"))
        if title:
            call.meta["title"] = title
        call.edits = _edits(name, tool_input, metadata, self.reader.session.cwd)
        if status not in ("completed", "error"):
            call.meta["no_result"] = True
            if status:
                call.meta["status"] = status
        if status == "error":
            for edit in call.edits:
                edit.applied = False
        # A subagent's steps come right after the call that spawned it.
        if (name or "").lower() == "task":
            child = opt_str(metadata.get("sessionId")) or _task_id(state.get("output"))
            if child and child in self.reader.o.sessions and child not in self.placed:
                self.placed.add(child)
                self.out.extend(self.reader.subagent_steps(child, call, self.placed, call.id))
        if status in ("completed", "error"):
            text = as_str(state.get("error") if status == "error" else state.get("output"))
            # `invalid` is OpenCode's stand-in for a call it could not run (a tool not offered, or
            # arguments its schema refused): "completed", with the reason as its output.
            is_error = status == "error" or name == "invalid"
            meta: dict[str, Any] = {}
            if isinstance(metadata.get("exit"), int):
                meta["exit_code"] = metadata["exit"]
            if metadata.get("truncated") is True:
                meta["truncated"] = True
            start, end = time.get("start"), time.get("end")
            span = end - start if isinstance(start, (int, float)) and isinstance(end, (int, float)) else None
            if span is not None and 0 <= span <= MAX_COUNT:  # a forged time makes no number a writer refuses
                meta["duration_ms"] = int(span)
            if time.get("compacted"):
                meta["compacted"] = True  # OpenCode cleared it from the model's context later
            result = Step(
                f"{pid}:result",
                0,
                StepKind.TOOL_RESULT,
                "tool",
                text,
                _iso(end) or stamp,
                tool=name,
                tool_call_id=call.tool_call_id,
                subagent=self.subagent,
                is_error=is_error,
                cwd=self.cwd,
                meta=meta,
            )
            self.results.append(result)
            if not self.steps_marked:
                self.flush_results()
        return call

    def flush_results(self) -> None:
        """The results held back (`results`) after their calls, in the calls' order: one line of steps."""
        self.out.extend(self.results)
        self.results.clear()

    def step_finish(self, part: dict[str, Any]) -> None:
        tokens = _tokens(part.get("tokens"))
        if tokens is None:
            return
        self.finished = True
        if not self.copied:
            self.reader.session.tokens.add(tokens)
        target = next(
            (s for s in self.out[self.step_first :] if s.tokens is None and s.subagent == self.subagent), None
        )
        if target is None:
            target = next(
                (s for s in reversed(self.out) if s.tokens is None and s.subagent == self.subagent), None
            )
        if target is not None:
            tokens.logged_usd = usd(part.get("cost"))
            target.tokens = tokens
            cost = part.get("cost")
            if isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost:
                target.meta["cost"] = cost
        self.step_first = len(self.out)

    def settle_tokens(self, message: dict[str, Any]) -> None:
        """A message whose steps gave no tokens (older builds, or no step-finish yet) gives its own."""
        if self.finished:
            return
        tokens = _tokens(message.get("tokens"))
        if tokens is None or not tokens.total:
            return
        if not self.copied:
            self.reader.session.tokens.add(tokens)
        target = next((s for s in self.out if s.subagent == self.subagent and s.tokens is None), None)
        if target is not None:
            tokens.logged_usd = usd(message.get("cost"))
            target.tokens = tokens


# How much later than its `time.created` a message's id may have been made and the message still be
# the session's own: OpenCode makes both at once; its fork makes new ids for copies of old messages.
_COPY_GAP_MS = 60_000
_ID_TIME = re.compile(r"msg_([0-9a-f]{12})")


def _copied(mid: str, created: Any) -> bool:
    """Whether an OpenCode message is a fork's copy: its id (`ids.py`: the low 48 bits of ms × 4096 +
    a counter) was made well after the `time.created` it kept."""
    found = _ID_TIME.match(mid)
    if not found or not isinstance(created, int) or isinstance(created, bool):
        return False
    period = 1 << 36  # the milliseconds the id's 48 bits hold, about 795 days
    gap = ((int(found.group(1), 16) >> 12) - created) % period
    return _COPY_GAP_MS < gap < period // 2


def _mark_copied(steps: list[Step], copied: bool) -> None:
    if copied:
        for step in steps:
            step.meta[COPIED] = True


def _keep_tails(steps: list[Step], firsts: list[tuple[str, str | None]]) -> None:
    """A compaction that kept its last turns whole (`tail_start_id`, a message) names the first step
    it kept, as Pi's does (`first_kept_entry_id`): the model is sent the summary, then those turns."""
    for step in steps:
        tail = step.meta.get("tail_start_id") if step.kind == StepKind.COMPACTION else None
        if not isinstance(tail, str):
            continue
        at = next((i for i, (mid, _first) in enumerate(firsts) if mid == tail), None)
        kept = next((first for _mid, first in firsts[at:] if first is not None), None) if at is not None else None
        if kept is not None and kept != step.id:
            step.meta["first_kept_entry_id"] = kept


# --------------------------------------------------------------------------------------------
# Edits


def _edits(tool: str | None, arguments: Any, metadata: dict[str, Any], cwd: str | None) -> list[FileEdit]:
    if not tool or not isinstance(arguments, dict):
        return []
    name = tool.lower()
    if name in ("patch", "apply_patch"):
        body = next(
            (arguments[k] for k in ("patchText", "patch", "input") if isinstance(arguments.get(k), str)), None
        )
        return list(parse_patch(body)) if body is not None else []
    path = (
        opt_str(arguments.get("filePath"))
        or opt_str(arguments.get("file_path"))
        or opt_str(arguments.get("path"))
    )
    if not path:
        return []
    if name == "write":
        content = opt_str(arguments.get("content"))
        exists = metadata.get("exists")
        op = "update" if exists is True else "create" if exists is False else "write"
        return [FileEdit(path=path, op=op, content=content)]
    if name == "edit":
        return [_one_edit(path, arguments, metadata)]
    if name == "multiedit":
        out: list[FileEdit] = []
        for item in as_list(arguments.get("edits")):
            if isinstance(item, dict):
                out.append(_one_edit(opt_str(item.get("filePath")) or path, item, {}))
        return out
    return []


def _one_edit(path: str, arguments: dict[str, Any], metadata: dict[str, Any]) -> FileEdit:
    old = opt_str(arguments.get("oldString"))
    new = opt_str(arguments.get("newString"))
    if old == "" and new is not None:  # OpenCode's edit with an empty oldString writes the whole file
        return FileEdit(path=path, op="write", content=new)
    edit = FileEdit(
        path=path,
        op="update",
        old_string=old,
        new_string=new,
        replace_all=arguments.get("replaceAll") is True,
    )
    filediff = as_dict(metadata.get("filediff"))
    before, after = filediff.get("before"), filediff.get("after")
    if isinstance(before, str) and isinstance(after, str):
        edit.original, edit.content = before, after
        edit.old_string = edit.new_string = None
        return edit
    diff = opt_str(filediff.get("patch")) or opt_str(metadata.get("diff"))
    if diff:
        hunks = parse_unified_diff(diff)
        if hunks:
            edit.hunks = hunks
    return edit


# --------------------------------------------------------------------------------------------
# Field helpers


def _task_id(output: Any) -> str | None:
    found = _TASK_ID.search(output) if isinstance(output, str) else None
    return found.group(1) if found else None


def _model_name(provider: Any, model: Any) -> str | None:
    if not isinstance(model, str) or not model:
        return None
    return f"{provider}/{model}" if isinstance(provider, str) and provider else model


def _count(value: Any) -> int:
    return as_count(value)


def _tokens(value: Any) -> Tokens | None:
    if not isinstance(value, dict):
        return None
    cache = as_dict(value.get("cache"))
    return Tokens(
        _count(value.get("input")),
        _count(value.get("output")) + _count(value.get("reasoning")),
        _count(cache.get("read")),
        _count(cache.get("write")),
    )


def _iso(value: Any) -> str | None:
    """Epoch milliseconds (OpenCode's times) as ISO-8601 UTC."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        return None
    try:
        moment = datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"  # "+00:00" off: a third quicker than strftime


# --------------------------------------------------------------------------------------------
# Where OpenCode keeps its data


def data_dir(env: Mapping[str, str], home: Path) -> Path:
    """OpenCode's data folder: `$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode` (on every
    platform: OpenCode uses the XDG layout on macOS and Windows too)."""
    base = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local" / "share"
    return base / "opencode"


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    data = data_dir(env, home)
    # Builds up to 0.5.x kept each project's storage in `project/<project>/storage/` (later builds
    # copy it into `storage/` once and leave it; the same objects read twice are one session).
    folders = [data / "storage", data / "opencode.db", data / "project"]
    db = env.get("OPENCODE_DB")
    if db and db != ":memory:":  # OpenCode's own override: absolute, or relative to its data folder
        folders.append(Path(db) if Path(db).is_absolute() else data / db)
    # Databases of other release channels (`opencode-<channel>.db`) sit beside the main one.
    if data.is_dir():
        folders.extend(sorted(p for p in data.glob("opencode-*.db") if p.is_file()))
    return folders


def _stage(found: list[Path], folder: Path) -> tuple[list[Path], LineErrors]:
    return opencode_stage.stage(found, folder)


AGENT = Agent(
    name=NAME,
    label="OpenCode",
    patterns=("*.json", "*.jsonl", "opencode.db", "opencode-*.db"),
    folders=_folders,
    group=group,
    read=read,
    env=("XDG_DATA_HOME", "OPENCODE_DB"),
    stage=_stage,
)
