"""Reader for Google Gemini CLI sessions (`~/.gemini/tmp/<project>/chats/session-*.json[l]`).

The format and this reader's choices: docs/formats/gemini.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import COPIED, FileEdit, LineError, Session, Step, StepKind, Subagent, Tokens
from tracetui.regular_file import open_regular, outside
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.common import titles
from tracetui.sources.common.coerce import as_count, as_dict, as_int, as_list, as_str, opt_str
from tracetui.sources.common.jsonl import clean, document_note, guarded, iter_records, load_document
from tracetui.sources.common.staged_files import load_state, nameable, write_atomic, write_changed
from tracetui.sources.common.unified_diff import parse_unified_diff
from tracetui.sources.gemini import split as gemini_split
from tracetui.sources.gemini.split import UUID, Conversations, is_record, session_id
from tracetui.sources.registry import Agent

NAME = "gemini"
LOGS = "logs.json"
# Since the short project slugs (2026-02), `tmp/<slug>/.project_root` holds the project's root path:
# the cwd of every session under it, where no path in the log leads back to the projectHash.
PROJECT_ROOT = ".project_root"
MAX_PROJECT_ROOT = 64 << 10  # a path, not a document: a larger file is not read
# A session `logs.json` alone remembers (see `stage`): its prompts, written by the bucket.
PROMPTS_PREFIX = "gemini-prompts-"
PROMPTS_FORMAT = "gemini-prompts"
MAX_LOGS = 64 << 20  # a logs.json larger than this is not read (the bucket's line limit)

# Tools whose call runs a subagent (the parent's side of it).
SUBAGENT_TOOLS = frozenset({"delegate_to_agent", "codebase_investigator", "cli_help", "invoke_agent"})
# Edit tools by name, as Gemini CLI has named them over its releases.
WRITE_TOOLS = frozenset({"write_file", "writefile", "write"})
REPLACE_TOOLS = frozenset({"replace", "edit", "smart_edit", "edit_file"})
ASSISTANT_TYPES = frozenset({"gemini", "model", "bob-shell"})
SYSTEM_TYPES = frozenset({"info", "error", "warning"})

_WORKSPACE_NOTICE = re.compile(r"Current workspace directories:\s*\n-\s*(.+)")
# The `<session_context>` part mid-2026 builds open a session with: its first workspace directory.
_WORKSPACE_CONTEXT = re.compile(r"\*\*Workspace Directories:\*\*[ \t]*\r?\n[ \t]*-[ \t]+([^\r\n]+)")


# --------------------------------------------------------------------------------------------
# Grouping


def _is_logs(path: Path) -> bool:
    # `logs.json`, or a flattened copy of one (`owner__repo__.gemini__tmp__proj__logs.json`).
    return path.name == LOGS or path.name.endswith("__" + LOGS)


def _is_project_root(path: Path) -> bool:
    # `.project_root`, or a flattened copy of one (`owner__repo__.gemini__tmp__proj__.project_root`).
    return path.name == PROJECT_ROOT or path.name.endswith("__" + PROJECT_ROOT)


def _not_a_session(path: Path) -> bool:
    """`/chat save` checkpoints and `/restore` snapshots: JSON beside the sessions, no session."""
    name = path.name
    return (
        path.suffix not in (".json", ".jsonl")
        or name.startswith("checkpoint-")
        or "__checkpoint-" in name
        or "__checkpoints__" in name
        or path.parent.name in ("checkpoints", "tool-outputs")
    )


_TIMED_NAME = re.compile(r"session-\d{4}-\d\d-\d\dT\d\d-\d\d-(.+)\Z")


def _short_id(path: Path) -> str:
    """The first 8 characters of the session id that `session-<time>-<id8>.json[l]` ends with (after
    the time: an id of another shape than a UUID may hold a dash in them, `a2a-serv`)."""
    stem = path.stem
    timed = _TIMED_NAME.search(stem)
    if timed:
        return timed.group(1)
    return stem.rsplit("session-", 1)[-1].rsplit("-", 1)[-1] if "session-" in stem else stem


def group(paths: list[Path]) -> list[SessionFiles]:
    """One session per session file, with its subagent files (`chats/<parent id>/*.json[l]`) and
    its project's `logs.json`. A v1 `.json` migrated to `.jsonl` on resume is a companion of the
    `.jsonl` (the same session). `logs.json` alone is no session.

    Flattened copies (`owner__repo__.gemini__tmp__proj__chats__session-….json`, as collections of
    logs name them) group the same way: a `…logs.json` goes with the sessions in its folder whose
    names start with what precedes `logs.json` in its own.
    """
    logs: dict[Path, list[Path]] = {}  # folder -> the logs.json files in it
    roots: dict[Path, list[Path]] = {}  # folder -> the .project_root files in it
    mains: list[Path] = []
    nested: dict[Path, list[Path]] = {}  # chats/<dir> -> files in it
    for path in sorted(set(paths)):
        if _is_logs(path):
            logs.setdefault(path.parent, []).append(path)
        elif _is_project_root(path):
            roots.setdefault(path.parent, []).append(path)
        elif _not_a_session(path):
            continue
        elif path.parent.parent.name == "chats" and not path.name.startswith("session-"):
            nested.setdefault(path.parent, []).append(path)
        else:
            mains.append(path)
    names = set(mains)
    # Sessions that share an id's first characters in one folder (a fixed id such as the a2a server's,
    # in every file): which of them a subagent folder named by that id belongs to is not known, so
    # none takes it and its files are sessions of their own.
    read_alone = [p for p in mains if not (p.suffix == ".json" and p.with_suffix(".jsonl") in names)]
    shared = Counter((p.parent, _short_id(p)) for p in read_alone)
    # A conversation the stage cut out of a shared file (`gemini_split`) reads with that file's
    # logs.json and .project_root: it is its project's as much as the file's first conversation.
    origins = {gemini_split.part_key(p): p for p in mains if not gemini_split.is_part(p)}
    out: list[SessionFiles] = []
    claimed: set[Path] = set()
    for path in mains:
        if path.suffix == ".json" and path.with_suffix(".jsonl") in names:
            continue  # read as the companion of its migrated .jsonl
        companions: list[Path] = []
        legacy = path.with_suffix(".json")
        if path.suffix == ".jsonl" and legacy in names:
            companions.append(legacy)
        place = origins.get(path.parent.name, path) if gemini_split.is_part(path) else path
        if place.parent.name == "chats":
            short = _short_id(path)
            alone = place is path and shared[(path.parent, short)] == 1  # a part claims no subagent
            for folder, files in nested.items() if alone else ():
                if folder.parent == path.parent and short and folder.name.startswith(short):
                    companions.extend(files)
                    claimed.add(folder)
            companions.extend(logs.get(place.parent.parent, [])[:1])
            companions.extend(roots.get(place.parent.parent, [])[:1])
        companions.extend(
            [
                log
                for log in logs.get(place.parent, [])
                if log.name == LOGS or place.name.startswith(log.name[: -len(LOGS)])
            ][:1]
        )
        companions.extend(
            [
                root
                for root in roots.get(place.parent, [])
                if root.name != PROJECT_ROOT and place.name.startswith(root.name[: -len(PROJECT_ROOT)])
            ][:1]
        )
        out.append(SessionFiles(NAME, path, companions))
    for folder, files in nested.items():
        if folder not in claimed:  # a subagent whose parent's file is gone: a session of its own
            out.extend(SessionFiles(NAME, f) for f in files)
    return out


# --------------------------------------------------------------------------------------------
# Replaying a file's records into its conversation


@dataclass(slots=True)
class _Compaction:
    line: int
    summary: str
    folded: int  # messages folded into the summary
    after: str | None  # the live message before it, when it happened
    timestamp: str | None
    first_kept: str | None  # the first message the compaction kept as it was (what the model still sees)


@dataclass(slots=True)
class _Conversation:
    """A session file replayed: metadata, and every message with its last copy."""

    meta: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> last copy
    live: dict[str, None] = field(default_factory=dict)  # ids of the conversation as it ends
    events: list[str | _Compaction] = field(default_factory=list)  # message ids as first written
    # id -> what it followed when first written: the live message before it, or the compaction
    # that came between them (the conversation goes on from the summary)
    parent: dict[str, str | _Compaction | None] = field(default_factory=dict)
    pending: _Compaction | None = None  # a compaction no message has followed yet
    rewound: set[str] = field(default_factory=set)
    folded: dict[str, _Compaction] = field(default_factory=dict)  # ids folded into a compaction
    lines: dict[str, int] = field(default_factory=dict)  # id -> line first written
    version: str = "gemini-v2"

    def last_live(self) -> str | None:
        return next(reversed(self.live), None) if self.live else None

    def write(self, record: dict[str, Any], line: int) -> None:
        """A message record written (again): the last copy wins, the first place stays."""
        mid = record["id"]
        if mid not in self.records:
            self.events.append(mid)
            self.parent[mid] = self.pending or self.last_live()
            self.pending = None
            self.lines[mid] = line
        elif mid in self.rewound and mid not in self.live:
            self.rewound.discard(mid)  # written again after a rewind: it is back
        self.records[mid] = record
        self.live[mid] = None

    def rewind(self, target: str) -> None:
        ids = list(self.live)
        cut = ids.index(target) if target in self.live else 0  # unknown id: the agent clears all
        for mid in ids[cut:]:
            del self.live[mid]
            self.rewound.add(mid)

    def replace(self, messages: list[dict[str, Any]], line: int, stamp: str | None) -> None:
        if not self.records:
            # Late-2026 builds open every session with its history set whole (the session context
            # alone): nothing was there to replace, so these are the first messages, not a summary.
            for m in messages:
                self.write(m, line)
            return
        fresh = [m for m in messages if m["id"] not in self.records]
        if not fresh:  # the same messages with new copies (masked tool output synced back)
            for m in messages:
                self.records[m["id"]] = m
            self.live = dict.fromkeys(m["id"] for m in messages)
            return
        head: list[dict[str, Any]] = []
        for m in messages:
            if m["id"] in self.records:
                break
            head.append(m)
        texts = [_parts_text(m.get("content")) for m in head if m.get("type") == "user"]
        summary = "\n\n".join(t for t in texts if t.strip()) or "\n\n".join(
            t for t in (_parts_text(m.get("content")) for m in head) if t.strip()
        )
        when = next((m["timestamp"] for m in head if isinstance(m.get("timestamp"), str)), stamp)
        kept = next((m["id"] for m in messages[len(head) :]), None)
        compaction = _Compaction(line, summary, len(head), self.last_live(), when, kept)
        self.events.append(compaction)
        self.live = {}
        for m in messages:
            mid = m["id"]
            if any(m is h for h in head):
                self.records[mid] = m
                self.folded[mid] = compaction
                self.live[mid] = None
            else:
                self.write(m, line)
        self.pending = compaction


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])


def _replay_document(doc: dict[str, Any]) -> _Conversation:
    conv = _Conversation(version="gemini-v1")
    conv.meta = {k: v for k, v in doc.items() if k != "messages"}
    for record in as_list(doc.get("messages")):
        if _is_message(record):
            conv.write(record, 1)
    return conv


def _replay_lines(path: str, data: bytes, errors: list[LineError], skipped: dict[str, int]) -> _Conversation:
    """The file's first conversation: the records of any other written into it (see `gemini_split`)
    are passed over here, with what is wrong with their lines, and read from its own staged log."""
    conv = _Conversation()
    conversations = Conversations()
    records = iter_records(path, data, errors, is_record)
    while True:
        # The lines before the next record were in the conversation current until then.
        before, noted = conversations.current, len(errors)
        line, record = next(records, (0, None))
        if before != 0:
            del errors[noted:]
        if record is None:
            break
        if conversations.place(record) != 0:
            continue
        with guarded(errors, path, line):
            if isinstance(record.get("$rewindTo"), str):
                conv.rewind(record["$rewindTo"])
            elif isinstance(record.get("$set"), dict):
                update = record["$set"]
                if isinstance(update.get("messages"), list):
                    messages = [m for m in update["messages"] if _is_message(m)]
                    conv.replace(messages, line, opt_str(update.get("lastUpdated")))
                conv.meta.update({k: v for k, v in update.items() if k != "messages"})
            elif _is_message(record):
                conv.write(record, line)
            elif isinstance(record.get("sessionId"), str):
                conv.meta.update({k: v for k, v in record.items() if k != "messages"})
                for m in as_list(record.get("messages")):  # a whole legacy record on one line
                    if _is_message(m):
                        conv.write(m, line)
            else:
                skipped["(unknown record)"] = skipped.get("(unknown record)", 0) + 1
    return conv


def _replay(log: RawLog, errors: list[LineError], skipped: dict[str, int]) -> _Conversation:
    data = log.data[3:] if log.data.startswith(b"\xef\xbb\xbf") else log.data
    if not log.path.endswith(".jsonl"):
        # v1 (and /export-session): one document, written whole.
        try:
            doc, note = load_document(data)
        except orjson.JSONDecodeError as exc:
            if data.lstrip().startswith(b"{") and b"\n{" in data and b'"$set"' in data:
                return _replay_lines(log.path, data, errors, skipped)  # JSONL under a .json name
            errors.append(LineError(log.path, 1, f"not a valid JSON document: {str(exc)[:120]}"))
            return _Conversation(version="gemini-v1")
        if note:
            errors.append(document_note(log.path, note))
        if isinstance(doc, dict):
            return _replay_document(clean(doc))
        errors.append(LineError(log.path, 1, f"expected a JSON object, got {type(doc).__name__}"))
        return _Conversation(version="gemini-v1")
    return _replay_lines(log.path, data, errors, skipped)


# --------------------------------------------------------------------------------------------
# Reading a session


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one Gemini CLI session (main file, subagent files, the project's logs.json)."""
    if Path(main.path.replace("\\", "/")).name.startswith(PROMPTS_PREFIX):
        return _read_prompts(main)
    errors: list[LineError] = []
    skipped: dict[str, int] = {}
    conv = _replay(main, errors, skipped)
    logs = next((c for c in companions if _is_logs(Path(c.path))), None)
    roots = [c for c in companions if _is_project_root(Path(c.path))]
    legacy = [c for c in companions if c.path == main.path[:-1]]  # the v1 file a resume migrated
    if not conv.records and legacy:
        # The .jsonl a resume started has nothing yet: the migrated v1 file still holds the session.
        conv = _replay(legacy[0], errors, skipped)
    session = Session(
        id=_session_id(conv.meta, main.path),
        agent=NAME,
        source=main.path,
        files=[main.path, *(c.path for c in companions)],
        errors=errors,
        skipped=skipped,
        version=conv.version,
    )
    reader = _Reader(session)
    reader.conversation(conv, None)
    for log in companions:
        if log is logs or log in legacy or log in roots:
            continue
        sub_errors: list[LineError] = []
        sub = _replay(log, sub_errors, skipped)
        errors.extend(sub_errors)
        sid = as_str(sub.meta.get("sessionId")) or Path(log.path).stem
        reader.subagent_transcript(sid, sub, log.path)
    reader.finish(conv, _project_root(roots[0]) if roots else None)
    _fork(session, conv.meta)
    own_id = as_str(conv.meta.get("sessionId")) or session.id
    if session.title is None and logs is not None and (UUID.match(own_id) or own_id.isdigit()):
        # A fixed id (`a2a-server`) is every session's of its server: their prompts are not this one's.
        session.title = _title_from_logs(logs, own_id, errors)
    session.hidden = titles.why_hidden(session.steps, session.tokens)
    return session


def _fork(session: Session, meta: dict[str, Any]) -> None:
    """A session `tracetui resume` wrote names its source (`forkedFrom`, a field of tracetui's the CLI
    keeps): the steps older than its start are the copies its parent spent."""
    parent = opt_str(meta.get("forkedFrom"))
    start = opt_str(meta.get("startTime"))
    if parent is None or start is None:
        return
    session.forked_from, session.forked_at = parent, start
    for step in session.steps:
        if step.timestamp is not None and step.timestamp < start:
            step.meta[COPIED] = True


def _session_id(meta: dict[str, Any], path: str) -> str:
    """The session's id (`gemini_split.session_id`; the file's name says it where no record does)."""
    return session_id(meta, _short_id(Path(path.replace("\\", "/"))))


@dataclass(slots=True)
class _Agent:
    id: str
    call: Step | None = None
    steps: list[Step] = field(default_factory=list)
    name: str | None = None
    description: str | None = None
    source: str | None = None
    has_transcript: bool = False


class _Reader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.steps: list[Step] = []
        self.ids: set[str] = set()
        self.models: dict[str, None] = {}
        self.times: list[str] = []
        self.calls: dict[str, Step] = {}  # call id -> call step
        self.results: set[str] = set()  # call ids that have a result step
        self.agents: dict[str, _Agent] = {}
        self.paths: list[tuple[str, str]] = []  # (path argument, absolute filePath) for the cwd
        self.notice_cwd: str | None = None  # from a "Current workspace directories" notice
        self.context_cwd: str | None = None  # from the workspace directories a <session_context> lists
        self.line = 0  # the line the message being read was first written on

    # -- one conversation --------------------------------------------------------------------

    def conversation(self, conv: _Conversation, agent: str | None) -> list[Step]:
        out: list[Step] = []
        last_step: dict[str, str | None] = {}  # message id -> its last step (or its parent's)
        compaction_steps: dict[int, Step] = {}
        for event in conv.events:
            if isinstance(event, _Compaction):
                parent = last_step.get(event.after) if event.after else None
                step = self.add(
                    out,
                    f"compaction@L{event.line}",
                    StepKind.COMPACTION,
                    "system",
                    event.summary,
                    event.timestamp,
                    parent=parent,
                    subagent=agent,
                    meta={"folded_messages": event.folded},
                )
                if event.first_kept:  # what the context pane shows after it, as for Pi
                    step.meta["first_kept_entry_id"] = event.first_kept
                compaction_steps[id(event)] = step
                continue
            record = conv.records[event]
            before = conv.parent.get(event)
            if isinstance(before, _Compaction):
                parent = compaction_steps[id(before)].id
            elif before in conv.folded:
                parent = compaction_steps[id(conv.folded[before])].id
            else:
                parent = last_step.get(before) if before else None
            if event in conv.folded:
                last_step[event] = compaction_steps[id(conv.folded[event])].id
                continue
            first = len(out)
            self.line = conv.lines.get(event, 0)
            with guarded(self.session.errors, self.session.source, self.line):
                self.message(out, record, agent)
            made = out[first:]
            if made:
                made[0].parent = parent
                for a, b in zip(made, made[1:]):
                    b.parent = a.id
                if event in conv.rewound:
                    for step in made:
                        step.active = False
            last_step[event] = made[-1].id if made else parent
        return out

    def message(self, out: list[Step], record: dict[str, Any], agent: str | None) -> None:
        mid = record["id"]
        kind = as_str(record.get("type"))
        stamp = opt_str(record.get("timestamp"))
        if stamp:
            self.times.append(stamp)
        if kind == "user":
            self.user(out, mid, record, stamp, agent)
        elif kind in ASSISTANT_TYPES:
            self.assistant(out, mid, record, stamp, agent)
        elif kind in SYSTEM_TYPES:
            text = _parts_text(record.get("content"))
            found = _WORKSPACE_NOTICE.search(text) if kind == "info" and self.notice_cwd is None else None
            if found:
                self.notice_cwd = found.group(1).strip()
            meta = {"level": kind}
            error = kind == "error"
            self.add(out, mid, StepKind.SYSTEM, "system", text, stamp, subagent=agent, is_error=error,
                     meta=meta)  # fmt: skip
        else:
            # A type this reader does not know: its text is kept as a SYSTEM step, not dropped.
            text = _parts_text(record.get("content"))
            if not text.strip():
                self.skip(f"message/{kind}" if kind else "message/(no type)")
                return
            meta = {"type": kind} if kind else {}
            self.add(out, mid, StepKind.SYSTEM, "system", text, stamp, subagent=agent, meta=meta)

    def user(
        self, out: list[Step], mid: str, record: dict[str, Any], stamp: str | None, agent: str | None
    ) -> None:
        content = record.get("content")
        parts = as_list(content)
        responses = [p for p in parts if isinstance(p, dict) and "functionResponse" in p]
        if responses:
            # Tool results sent back in a user turn (late-2026 files): only those no call record
            # already carries, so no result shows twice. Text beside them is still the user's.
            content = [p for p in parts if not (isinstance(p, dict) and "functionResponse" in p)]
        for n, part in enumerate(responses):
            response = as_dict(part.get("functionResponse"))
            call_id = as_str(response.get("id"))
            if call_id and call_id in self.results:
                continue
            text, failed = _response_text([part])
            self.add(
                out,
                f"{mid}:result:{call_id or n}",
                StepKind.TOOL_RESULT,
                "tool",
                text,
                stamp,
                tool=opt_str(response.get("name")),
                tool_call_id=call_id or None,
                is_error=failed,
                subagent=agent,
            )
            if call_id:
                self.results.add(call_id)
                if call_id in self.calls:
                    self.calls[call_id].meta.pop("no_result", None)
        shown = record.get("displayContent")
        text = _parts_text(shown if shown is not None and not responses else content)
        if responses and not text.strip():
            return
        kind = StepKind.CONTEXT if text.lstrip().startswith("<session_context>") else StepKind.USER
        if kind == StepKind.CONTEXT and self.context_cwd is None:
            found = _WORKSPACE_CONTEXT.search(text)
            self.context_cwd = found.group(1).strip() if found else None
        self.add(out, mid, kind, "user", text, stamp, subagent=agent)

    def assistant(
        self, out: list[Step], mid: str, record: dict[str, Any], stamp: str | None, agent: str | None
    ) -> None:
        model = opt_str(record.get("model")) or None
        if model:
            self.models[model] = None
        first = len(out)
        thoughts = [t for t in as_list(record.get("thoughts")) if isinstance(t, dict)]
        if thoughts:
            text = "\n\n".join(
                "\n".join(
                    x for x in (as_str(t.get("subject")).strip(), as_str(t.get("description")).strip()) if x
                )
                for t in thoughts
            )
            self.add(
                out,
                f"{mid}:reasoning",
                StepKind.REASONING,
                "assistant",
                text,
                opt_str(thoughts[0].get("timestamp")) or stamp,
                model=model,
                subagent=agent,
            )
        calls = [c for c in as_list(record.get("toolCalls")) if isinstance(c, dict)]
        text = _parts_text(_without_calls(record.get("content"), calls))
        if text.strip() or not (thoughts or calls):
            self.add(out, mid, StepKind.ASSISTANT, "assistant", text, stamp, model=model, subagent=agent)
        for n, call in enumerate(calls):
            # A message can hold many calls: a mistake on one costs that call, not its neighbours.
            with guarded(self.session.errors, self.session.source, self.line):
                self.tool_call(out, mid, n, call, stamp, model, agent)
        tokens = _tokens(record.get("tokens"))
        if tokens is not None:
            self.session.tokens.add(tokens)
            if len(out) > first:
                out[first].tokens = tokens

    def tool_call(
        self,
        out: list[Step],
        mid: str,
        n: int,
        call: dict[str, Any],
        stamp: str | None,
        model: str | None,
        agent: str | None,
    ) -> None:
        call_id = as_str(call.get("id")) or f"#{n}"
        name = opt_str(call.get("name"))
        args = call.get("args")
        if isinstance(args, str) and args.lstrip().startswith("{"):  # arguments written as a JSON string
            try:
                args = orjson.loads(args)
            except orjson.JSONDecodeError:
                pass
        when = opt_str(call.get("timestamp")) or stamp
        status = as_str(call.get("status"))
        display = call.get("resultDisplay")
        step = self.add(
            out,
            f"{mid}:call:{call_id}",
            StepKind.TOOL_CALL,
            "assistant",
            "",
            when,
            tool=name,
            tool_call_id=call_id,
            tool_input=args,
            model=model,
            subagent=agent,
        )
        if status:
            step.meta["status"] = status
        if isinstance(call.get("description"), str) and call["description"]:
            step.meta["description"] = call["description"]
        step.edits = _edits(name, as_dict(args), display, status)
        for edit in step.edits:
            relative = as_str(as_dict(args).get("file_path"))
            if relative and edit.path != relative:
                self.paths.append((relative, edit.path))
        for edit in step.edits:
            self.paths.append((edit.path, edit.path))
        self.calls[call_id] = step
        sub_id = opt_str(call.get("agentId"))
        if sub_id or (name or "").lower() in SUBAGENT_TOOLS:
            key = sub_id or f"call:{call_id}"
            found = self.agents.setdefault(key, _Agent(key))
            found.call = step
            a = as_dict(args)
            found.name = found.name or opt_str(a.get("agent_name")) or name
            found.description = (
                found.description
                or opt_str(a.get("question"))
                or opt_str(a.get("objective"))
                or opt_str(a.get("prompt"))  # invoke_agent, the newer single subagent tool
            )
        result = call.get("result")
        if result is None:
            # Not answered in this record: a later user turn may carry it, or the session ended.
            step.meta["no_result"] = True
            return
        text, failed = _response_text(_own_responses(result, call_id))
        if not text and isinstance(display, str):
            text = display
        failed = failed or status not in ("", "success")
        self.add(
            out,
            f"{mid}:result:{call_id}",
            StepKind.TOOL_RESULT,
            "tool",
            text,
            when,
            tool=name,
            tool_call_id=call_id,
            is_error=failed,
            subagent=agent,
            meta={"status": status} if status and status != "success" else {},
        )
        self.results.add(call_id)

    def subagent_transcript(self, sid: str, conv: _Conversation, path: str) -> None:
        found = self.agents.setdefault(sid, _Agent(sid))
        found.has_transcript = True
        found.source = path
        found.steps = self.conversation(conv, sid)
        if not found.name and isinstance(conv.meta.get("kind"), str):
            found.name = conv.meta["kind"]

    # -- the whole session ---------------------------------------------------------------------

    def finish(self, conv: _Conversation, project_root: str | None = None) -> None:
        session = self.session
        main = [s for s in self.steps if s.subagent is None]
        placed: dict[str, list[_Agent]] = {}
        loose: list[_Agent] = []
        for agent in self.agents.values():
            if agent.call is not None and agent.call.subagent is None:
                placed.setdefault(agent.call.id, []).append(agent)
            else:
                loose.append(agent)
        ordered: list[Step] = []
        for step in main:
            ordered.append(step)
            if step.kind == StepKind.TOOL_RESULT and step.tool_call_id:
                call = self.calls.get(step.tool_call_id)
                for agent in placed.pop(call.id, []) if call is not None else []:
                    ordered.extend(self._run(agent))
        for agents in placed.values():
            loose.extend(agents)
        for agent in loose:
            ordered.extend(self._run(agent))
        for i, step in enumerate(ordered):
            step.index = i
        session.steps = ordered
        session.subagents = [
            Subagent(a.id, a.name, a.description, a.call.id if a.call else None, a.source)
            for a in self.agents.values()
        ]
        session.models = list(self.models)
        meta = conv.meta
        for key in ("startTime", "lastUpdated"):
            if isinstance(meta.get(key), str):
                self.times.append(meta[key])
        if self.times:
            session.started = min(self.times)
            session.ended = max(self.times)
        project_hash = as_str(meta.get("projectHash"))
        session.cwd = (
            _cwd(project_hash, self.paths)
            or _first(meta.get("directories"))
            or self.context_cwd
            or self.notice_cwd
            or _own_root(project_root, project_hash)
        )
        summary = " ".join(as_str(meta.get("summary")).split())
        session.title = titles.session_title((summary,), ordered)

    def _run(self, agent: _Agent) -> list[Step]:
        meta: dict[str, Any] = {}
        if agent.name:
            meta["agent_type"] = agent.name
        if not agent.has_transcript:
            meta["transcript"] = "missing"
        when = agent.steps[0].timestamp if agent.steps else agent.call.timestamp if agent.call else None
        start = Step(
            f"subagent:{agent.id}:start",
            0,
            StepKind.SUBAGENT_START,
            "system",
            agent.description or "",
            timestamp=when,
            parent=agent.call.id if agent.call else None,
            subagent=agent.id,
            meta=meta,
        )
        if agent.steps and agent.steps[0].parent is None:
            agent.steps[0].parent = start.id
        end = Step(
            f"subagent:{agent.id}:end",
            0,
            StepKind.SUBAGENT_END,
            "system",
            "",
            timestamp=agent.steps[-1].timestamp if agent.steps else when,
            parent=agent.steps[-1].id if agent.steps else start.id,
            subagent=agent.id,
        )
        return [start, *agent.steps, end]

    # -- steps ---------------------------------------------------------------------------------

    def add(
        self, out: list[Step], sid: str, kind: str, role: str, text: str, stamp: str | None, **fields: Any
    ) -> Step:
        if sid in self.ids:  # a repeated id (a hostile or damaged log) must not merge two steps
            n = 2
            while f"{sid}#{n}" in self.ids:
                n += 1
            sid = f"{sid}#{n}"
        self.ids.add(sid)
        step = Step(sid, len(self.steps), kind, role, text, stamp, **fields)
        self.steps.append(step)
        out.append(step)
        return step

    def skip(self, what: str) -> None:
        self.session.skipped[what] = self.session.skipped.get(what, 0) + 1


# --------------------------------------------------------------------------------------------
# Field helpers


def _parts_text(content: Any) -> str:
    """A PartListUnion as text: a string, a part, or a list of parts (text; other parts named)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    parts: list[str] = []
    for part in as_list(content):
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict):
            if isinstance(part.get("text"), str):
                if not part.get("thought"):
                    parts.append(part["text"])
            elif "inlineData" in part or "fileData" in part:
                data = as_dict(part.get("inlineData") or part.get("fileData"))
                parts.append(f"[{as_str(data.get('mimeType')) or 'file'}]")
            elif "functionResponse" in part:
                parts.append(_response_text([part])[0])
            elif isinstance(part.get("functionCall"), dict):
                call = part["functionCall"]
                args = orjson.dumps(call.get("args"), default=str).decode() if call.get("args") else ""
                parts.append(f"[call] {as_str(call.get('name'))} {args}".rstrip())
            elif isinstance(part.get("executableCode"), dict):
                parts.append(as_str(part["executableCode"].get("code")))  # Gemini's own code execution
            elif isinstance(part.get("codeExecutionResult"), dict):
                parts.append(as_str(part["codeExecutionResult"].get("output")))
    return "\n".join(parts)


def _without_calls(content: Any, calls: list[dict[str, Any]]) -> Any:
    """A message's content without the `functionCall` parts its own `toolCalls` records hold (by id):
    mid-2026 builds write each call twice, and the record is its TOOL_CALL step, not text."""
    held = {as_str(c.get("id")) for c in calls} - {""}
    if not held or not isinstance(content, list):
        return content
    return [p for p in content if as_str(as_dict(as_dict(p).get("functionCall")).get("id")) not in held]


def _own_responses(result: Any, call_id: str) -> Any:
    """The parts of a call's `result` that answer it. Builds of mid-2026 write the `result` list of a
    whole parallel batch into each of its calls (every call's `functionResponse`, by its id): one
    call's result is then the responses with its id, else every other call's output (and error)
    would be read as its own. A list with no response of that id is left whole (older builds)."""
    if not isinstance(result, list):
        return result

    def answers(part: Any) -> str | None:
        return as_str(as_dict(as_dict(part).get("functionResponse")).get("id")) or None

    if not any(answers(part) == call_id for part in result):
        return result
    return [part for part in result if answers(part) in (None, call_id)]


def _response_text(result: Any) -> tuple[str, bool]:
    """A tool result's text (the functionResponse output, or its error) and whether it failed."""
    texts: list[str] = []
    failed = False
    if isinstance(result, (str, dict)):
        result = [result]
    for part in as_list(result):
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        response = as_dict(part.get("functionResponse"))
        if response:
            body = response.get("response")
            if isinstance(body, dict):
                if isinstance(body.get("output"), str):
                    texts.append(body["output"])
                elif isinstance(body.get("error"), str):
                    texts.append(body["error"])
                    failed = True
                elif body:
                    texts.append(orjson.dumps(body).decode())
            elif isinstance(body, str):
                texts.append(body)
        elif isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif "inlineData" in part:
            texts.append(f"[{as_str(as_dict(part['inlineData']).get('mimeType')) or 'data'}]")
    return "\n".join(texts), failed


def _tokens(value: Any) -> Tokens | None:
    if not isinstance(value, dict):
        return None
    prompt = as_count(value.get("input")) + as_count(value.get("tool"))
    cached = as_count(value.get("cached"))
    return Tokens(
        input=max(prompt - cached, 0),
        output=as_count(value.get("output")) + as_count(value.get("thoughts")),
        cache_read=cached,
    )


def _edits(name: str | None, args: dict[str, Any], display: Any, status: str) -> list[FileEdit]:
    tool = (name or "").lower()
    if tool not in WRITE_TOOLS and tool not in REPLACE_TOOLS:
        return []
    shown = as_dict(display)
    path = (
        opt_str(shown.get("filePath"))
        or opt_str(args.get("file_path"))
        or opt_str(args.get("absolute_path"))
        or opt_str(args.get("path"))
    )
    if not path:
        return []
    edit = FileEdit(path=path, op="write" if tool in WRITE_TOOLS else "update")
    if tool in WRITE_TOOLS:
        edit.content = opt_str(args.get("content"))
    else:
        edit.old_string = opt_str(args.get("old_string"))
        edit.new_string = opt_str(args.get("new_string"))
        many = args.get("allow_multiple") is True or as_int(args.get("expected_replacements")) > 1
        edit.replace_all = many
    if shown:
        if shown.get("isNewFile") is True:
            edit.op = "create"
        elif shown.get("isNewFile") is False:
            edit.op = "update"
        original = opt_str(shown.get("originalContent"))
        if original is not None and edit.op != "create":
            edit.original = original
        new = opt_str(shown.get("newContent"))
        if new is not None:
            edit.content = new
        diff = opt_str(shown.get("fileDiff"))
        if diff:
            edit.hunks = parse_unified_diff(diff)
    if edit.op == "create" and edit.content is None:
        edit.content = opt_str(args.get("content"))
    edit.applied = status in ("", "success")
    return [edit]


_SEPARATORS = re.compile(r"[\\/]")


def _cwd(project_hash: str, paths: list[tuple[str, str]]) -> str | None:
    """The project root: an ancestor of a path in the log whose sha256 is `projectHash`, else the
    prefix a relative path argument leaves on its absolute `filePath`."""
    seen: set[str] = set()
    if project_hash:
        for _, absolute in paths:
            cut = len(absolute)
            while True:
                cut = max(absolute.rfind("/", 0, cut), absolute.rfind("\\", 0, cut))
                if cut <= 0:
                    break
                candidate = absolute[:cut]
                if candidate in seen:
                    break
                seen.add(candidate)
                if hashlib.sha256(candidate.encode("utf-8", "surrogatepass")).hexdigest() == project_hash:
                    return candidate
    for relative, absolute in paths:
        if relative == absolute or _is_absolute(relative):
            continue
        tail = _SEPARATORS.sub("/", relative).lstrip("./")
        flat = _SEPARATORS.sub("/", absolute)
        if tail and flat.endswith("/" + tail):
            return absolute[: len(absolute) - len(tail) - 1]
    return None


def _project_root(log: RawLog) -> str | None:
    return _root_text(log.data)


def _root_text(data: bytes) -> str | None:
    """The path a `.project_root` holds (one line), or None where it holds no absolute path."""
    if len(data) > MAX_PROJECT_ROOT:
        return None
    text = data.decode("utf-8", "replace").strip()
    return text if text and "\n" not in text and "\0" not in text and _is_absolute(text) else None


def _root_beside(logs: Path) -> str | None:
    """The project root of a `tmp/<slug>/logs.json`: what `.project_root` beside it says."""
    marker = logs.parent / PROJECT_ROOT
    if logs.name != LOGS or not marker.is_file() or outside(marker, logs.parent) is not None:
        return None  # a link out of the folder names no file of Gemini's (discovery refuses it too)
    try:
        with open_regular(marker) as fh:
            return _root_text(fh.read(MAX_PROJECT_ROOT + 1))
    except (OSError, TracetuiError):  # none (older layouts) or unreadable: the prompts say no cwd
        return None


def _own_root(root: str | None, project_hash: str) -> str | None:
    """The project root file's path, unless the session's projectHash says it is another folder's
    (a slug folder reused for a moved project keeps sessions of the old root)."""
    if root is None:
        return None
    if project_hash and len(project_hash) == 64:
        own = hashlib.sha256(root.encode("utf-8", "surrogatepass")).hexdigest() == project_hash
        return root if own else None
    return root


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:[\\/]", path))


def _first(value: Any) -> str | None:
    items = [v for v in as_list(value) if isinstance(v, str) and v]
    return items[0] if items else None


def _title_from_logs(log: RawLog, session_id: str, errors: list[LineError]) -> str | None:
    """The first prompt `logs.json` has for this session (slash commands only if nothing else)."""
    try:
        entries, _ = load_document(log.data)
    except orjson.JSONDecodeError:
        errors.append(LineError(log.path, 1, "not a valid JSON document; no title taken from it"))
        return None
    prompts = [
        titles.prompt_text(as_str(e.get("message")))
        for e in as_list(entries)
        if isinstance(e, dict) and str(e.get("sessionId")) == session_id
    ]
    prompts = [p for p in prompts if p]
    typed = [p for p in prompts if not titles.is_weak(p)]
    picks = typed or prompts
    return titles.clip(picks[0]) if picks else None


# --------------------------------------------------------------------------------------------
# Sessions only logs.json remembers


def stage(found: list[Path], folder: Path) -> tuple[list[Path], list[LineError]]:
    """The files to sync: those found, plus a log of its own for each conversation after the first of
    a file several share (`gemini_split`), plus one prompt log per session that a `logs.json` names and
    no session file holds. The first builds (June 2025, `<project>/.gemini/logs.json`, numeric
    session ids) kept nothing else, and a chat file may be gone since; their prompts are then the
    session. Each prompt log (`<folder>/<key>/gemini-prompts-<session id>.json`) is rewritten only
    when its prompts change, so the bucket copies it again only then.

    `state.json` in `folder` keeps each `logs.json`'s size and mtime with the session ids it names,
    and each session file's with the id its head holds: a sync reads a `logs.json` again only when
    it changed (or a prompt log it should have is missing), and a session file's head only when the
    file changed. A prompt log that no longer stands for anything (its session got a chat file, its
    `logs.json` no longer names it or was deleted) is removed: the bucket keeps its own copy, so
    the session stays listed from it. A `logs.json` not found this time but still on disk (a sync
    of other folders) keeps its prompt logs."""
    problems: list[LineError] = []
    state = _stage_state(folder / STAGE_STATE)
    sessions = [p for p in found if not _is_logs(p) and not _not_a_session(p)]
    held = {_short_id(p)[:8] for p in sessions}
    # The id a file's name ends with is the agent's habit, not a promise: the id the file holds counts
    # too, or a session whose name says otherwise would be staged again from logs.json, and the
    # prompt log (one step a prompt) could stand in for the whole session under the same id.
    heads: dict[str, list[Any]] = {}
    for path in sessions:
        heads[str(path)] = _head(path, state["heads"].get(str(path)))
    held_ids = {h[2] for h in heads.values() if h[2]}

    def unheld(sid: str) -> bool:
        return not (sid[:8] in held or sid in held_ids or not sid.strip())

    out = list(found)
    # The conversations after the first of a file several share, each a log of its own.
    splittable = [p for p in sessions if nameable(p)]
    parts, split_state = gemini_split.split(splittable, folder, state["split"], problems)
    out.extend(parts)
    logs_state: dict[str, dict[str, Any]] = {}
    for logs in (p for p in found if _is_logs(p)):
        if not nameable(logs):
            continue  # the sync says the path is not UTF-8 and leaves the file alone
        entry, targets = _stage_logs(logs, folder, unheld, state["logs"].get(str(logs)), problems)
        if entry is not None:
            logs_state[str(logs)] = entry
        out.extend(targets)
    for known, entry in state["logs"].items():
        if known in logs_state:
            continue
        if os.path.lexists(known):
            logs_state[known] = entry  # not among this sync's folders: left as it is
        else:
            _remove_prompt_logs(_prompt_logs_in(folder / _logs_key(Path(known))))
    body = {
        "v": STAGE_VERSION,
        "logs": logs_state,
        "heads": {p: h for p, h in heads.items() if nameable(p)},
        "split": split_state,
    }
    try:
        if body != state["loaded"]:  # a sync with nothing new writes nothing
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / STAGE_STATE, orjson.dumps(body))
    except OSError as exc:  # the next sync reads the logs.json files again: slower, nothing lost
        problems.append(LineError(str(folder / STAGE_STATE), 0, f"cannot write: {exc}"))
    return out, problems


STAGE_STATE = "state.json"
STAGE_VERSION = 3  # 2: prompt logs carry the project root (staged again once); 3: shared files cut apart


def _stage_state(path: Path) -> dict[str, dict[str, Any]]:
    """The stage's state as the last sync left it (`loaded`), and its records (`logs`, `heads`),
    each checked: a damaged one is dropped, and its file read again."""
    state = load_state(path)
    if state.get("v") != STAGE_VERSION:
        return {"logs": {}, "heads": {}, "split": {}, "loaded": state}
    logs = {
        p: e
        for p, e in as_dict(state.get("logs")).items()
        if isinstance(e, dict)
        and _is_stamp(e.get("stat"))
        and isinstance(e.get("whole"), bool)
        and isinstance(e.get("sessions"), list)
        and all(isinstance(sid, str) for sid in e["sessions"])
    }
    heads = {
        p: h
        for p, h in as_dict(state.get("heads")).items()
        if isinstance(h, list)
        and len(h) == 3
        and _is_stamp(h[:2])
        and (h[2] is None or isinstance(h[2], str))
    }
    # (each file's record of the split is checked where it is used, `gemini_split.split`)
    return {"logs": logs, "heads": heads, "split": as_dict(state.get("split")), "loaded": state}


def _is_stamp(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    )


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns]


def _head(path: Path, known: list[Any] | None) -> list[Any]:
    """[size, mtime_ns, the id the file's head holds]: read again only when the file changed."""
    try:
        stamp = _stamp(os.stat(path))
    except OSError:
        return [-1, -1, None]
    if known is not None and known[:2] == stamp:
        return known
    return [*stamp, _held_id(path)]


def _logs_key(logs: Path) -> str:
    return hashlib.sha1(str(logs).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _stage_logs(
    logs: Path,
    folder: Path,
    unheld: Callable[[str], bool],
    old: dict[str, Any] | None,
    problems: list[LineError],
) -> tuple[dict[str, Any] | None, list[Path]]:
    """One `logs.json`'s prompt logs: its state record to keep (None: none) and the prompt logs
    that stand for a session now. The others in its folder go, unless it could not be read whole."""
    key = _logs_key(logs)
    staged = folder / key

    def target(sid: str) -> Path:
        return staged / f"{PROMPTS_PREFIX}{_safe_name(sid)}.json"

    try:
        stamp = _stamp(os.stat(logs))
    except OSError as exc:
        problems.append(LineError(str(logs), 0, f"cannot read: {exc.strerror or exc}"))
        return old, []
    if old is not None and old["stat"] == stamp:
        wanted = [target(sid) for sid in old["sessions"] if unheld(sid)]
        present = _prompt_logs_in(staged)  # one listing, not a stat a session
        if not old["whole"]:  # damaged when last read: what it staged before stays as it is
            return old, [t for t in wanted if t in present]
        if present.issuperset(wanted):
            _remove_prompt_logs(present.difference(wanted))
            return old, wanted
        # A session it names lost its chat file since (or its prompt log went): read it again.
    if stamp[0] > MAX_LOGS:
        problems.append(LineError(str(logs), 0, "too large to read; its prompts are not staged"))
        return old, []
    try:
        with open_regular(logs) as fh:
            stamp = _stamp(os.fstat(fh.fileno()))  # the file as read: a write since is seen next time
            data = fh.read(MAX_LOGS + 1)
    except (OSError, TracetuiError) as exc:
        problems.append(LineError(str(logs), 0, f"cannot read: {exc}"))
        return old, []
    if len(data) > MAX_LOGS:
        problems.append(LineError(str(logs), 0, "too large to read; its prompts are not staged"))
        return old, []
    try:
        entries = orjson.loads(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    except orjson.JSONDecodeError:
        # read() of its sessions reports it. Torn by a write, perhaps: nothing is staged from it,
        # and nothing it staged before goes.
        kept = old["sessions"] if old is not None else []
        return {"stat": stamp, "whole": False, "sessions": kept}, [
            t for t in (target(sid) for sid in kept if unheld(sid)) if t.is_file()
        ]
    by_session: dict[str, list[dict[str, Any]]] = {}
    for entry in as_list(entries):
        if isinstance(entry, dict) and isinstance(entry.get("sessionId"), (str, int)):
            by_session.setdefault(str(entry["sessionId"]), []).append(entry)
    out: list[Path] = []
    failed: list[Path] = []  # not written this time: an older copy stays
    root = _root_beside(logs)
    for sid, mine in by_session.items():
        if not unheld(sid):
            continue
        path = target(sid)
        doc: dict[str, Any] = {"format": PROMPTS_FORMAT, "v": 1, "source": str(logs), "sessionId": sid}
        if root is not None:
            doc["root"] = root
        doc["entries"] = mine
        body = orjson.dumps(doc)
        try:
            write_changed(path, body)
        except OSError as exc:
            problems.append(LineError(str(logs), 0, f"cannot stage its session {sid}: {exc}"))
            failed.append(path)
            continue
        out.append(path)
    _remove_prompt_logs(_prompt_logs_in(staged).difference(out, failed))
    # A prompt log not written is not recorded as done: the next sync reads logs.json again.
    return ({"stat": stamp, "whole": True, "sessions": list(by_session)} if not failed else old), out


def _prompt_logs_in(staged: Path) -> set[Path]:
    try:
        return {p for p in staged.iterdir() if p.name.startswith(PROMPTS_PREFIX) and p.suffix == ".json"}
    except OSError:  # not made yet
        return set()


def _remove_prompt_logs(paths: Iterable[Path]) -> None:
    """Prompt logs that stand for no session any more (the bucket keeps its copies)."""
    folders = set()
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
        folders.add(path.parent)
    for folder in folders:
        with contextlib.suppress(OSError):  # kept while it holds anything
            folder.rmdir()


_HELD_ID = re.compile(rb'"sessionId"\s*:\s*("(?:[^"\\]|\\.)*")')


def _held_id(path: Path) -> str | None:
    """The session id a session file holds, from its head (the first key of v1's document and of
    v2's first line); None when it cannot be read there."""
    try:
        with open_regular(path) as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    found = _HELD_ID.search(head)
    if found is None:
        return None
    try:
        value = orjson.loads(found.group(1))
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, str) else None


def _safe_name(sid: str) -> str:
    """A file name part for a session id: the id itself where it is made of safe characters and short,
    else its safe characters' start and a hash after a `~` (which no id kept as it is holds): ids
    that read alike once made safe (`a/b`, `a:b`, `a_b`, two long ones sharing their first 100
    characters) each kept one prompt log, the last written, and lost the others' sessions."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", sid)
    if safe == sid and len(sid) <= 100:
        return sid
    return f"{safe[:60]}~{hashlib.sha256(sid.encode('utf-8', 'surrogatepass')).hexdigest()[:20]}"


def _read_prompts(main: RawLog) -> Session:
    """A session known only from `logs.json`: its prompts, in order, as USER steps."""
    errors: list[LineError] = []
    session = Session(id="", agent=NAME, source=main.path, files=[main.path], errors=errors)
    session.version = "gemini-logs"
    try:
        doc = orjson.loads(main.data)
    except orjson.JSONDecodeError as exc:
        errors.append(LineError(main.path, 1, f"not a valid JSON document: {str(exc)[:120]}"))
        return session
    doc = as_dict(doc)
    session.id = as_str(doc.get("sessionId")) or Path(main.path).stem[len(PROMPTS_PREFIX) :]
    source = Path(as_str(doc.get("source")).replace("\\", "/"))
    if source.parent.name == ".gemini":  # the first builds wrote <project>/.gemini/logs.json
        session.cwd = str(source.parent.parent)
    else:  # a short-slug folder's `.project_root`, as staged
        session.cwd = _root_text(as_str(doc.get("root")).encode("utf-8", "surrogatepass"))
    steps: list[Step] = []
    seen: set[str] = set()
    for n, entry in enumerate(e for e in as_list(doc.get("entries")) if isinstance(e, dict)):
        number = entry.get("messageId")
        counted = isinstance(number, int) and not isinstance(number, bool)
        sid = f"prompt:{number}" if counted else f"prompt#{n}"
        while sid in seen:
            sid += "+"
        seen.add(sid)
        text = as_str(entry.get("message"))
        steps.append(Step(sid, len(steps), StepKind.USER, "user", text, opt_str(entry.get("timestamp"))))
    for prev, step in zip(steps, steps[1:], strict=False):
        step.parent = prev.id
    session.steps = steps
    stamps = sorted(s.timestamp for s in steps if s.timestamp)
    session.started, session.ended = (stamps[0], stamps[-1]) if stamps else (None, None)
    session.title = titles.session_title((), steps)
    session.hidden = titles.why_hidden(session.steps, session.tokens)
    if session.hidden is None and steps and all(s.text.lstrip().startswith("/") for s in steps):
        # A prompt log of slash commands only (/mcp list, /quit): the CLI was opened and closed, no
        # model was asked anything. Listed with --all, as an empty session is.
        session.hidden = titles.HIDDEN_COMMANDS
    return session


_UUID_TAIL = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[0-9a-fA-F]{8}")


def restage(path: Path, folder: Path) -> bool:
    """Whether a changed session file the bucket already holds must go through the stage again: one
    the stage cut apart, or one whose name ends with a fixed id (`a2a-serv`), which the sessions its
    writer starts within a minute share, so its new lines may open another. A name ending with a
    UUID's start (or a subagent's whole UUID) is one session's."""
    if (folder / gemini_split.SPLIT / gemini_split.part_key(path)).is_dir():
        return True
    if _is_logs(path) or _is_project_root(path) or _not_a_session(path) or gemini_split.is_part(path):
        return False
    return _UUID_TAIL.fullmatch(_short_id(path)) is None


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    # Gemini CLI puts `.gemini` under GEMINI_CLI_HOME when set, instead of the home folder.
    base = Path(env["GEMINI_CLI_HOME"]) if env.get("GEMINI_CLI_HOME") else home
    return [base / ".gemini" / "tmp"]


AGENT = Agent(
    name=NAME,
    label="Gemini CLI",
    # Subagents write `chats/<parent id>/<agent uuid>.jsonl` (and `.json` before v2). The patterns
    # with a leading `*` also find flattened copies (owner__repo__.gemini__…__session-….json) and
    # renamed examples (…gemini-cli-….json); `/restore` snapshots and `/chat save` checkpoints
    # (checkpoint*.json) are left alone: they are not sessions and can be large.
    patterns=(
        "*session-*.json",
        "*session-*.jsonl",
        "*logs.json",
        "*.project_root",
        "chats/*/*.json",
        "chats/*/*.jsonl",
        "*gemini*.json",
        "*gemini*.jsonl",
    ),
    folders=_folders,
    group=group,
    read=read,
    env=("GEMINI_CLI_HOME",),
    stage=stage,
    restage=restage,
)
