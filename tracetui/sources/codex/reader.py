"""Reader for OpenAI Codex CLI rollouts (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`).

The format and this reader's choices: docs/formats/codex.md.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from tracetui.model import GitInfo, LineError, Session, StepKind, Tokens
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.codex import zst as codex_zst
from tracetui.sources.codex.events import _Events
from tracetui.sources.codex.items import _Items
from tracetui.sources.codex.parts import (
    NAME, _ASSISTANT_SIDE, _BURST, _IGNORED_RECORDS, _NOT_SESSIONS, _own_prompt_out_of_copy, _render_history,
    _title_run,
)
from tracetui.sources.codex.snapshot import _Snapshot
from tracetui.sources.common import resumable, titles
from tracetui.sources.common.coerce import as_dict, as_moment, opt_str
from tracetui.sources.common.jsonl import document_note, guarded, iter_entries, load_document
from tracetui.sources.common.resumable import ResumeState
from tracetui.sources.registry import Agent


def group(paths: list[Path]) -> list[SessionFiles]:
    """One session per rollout file (`*.jsonl`, and the legacy single-document `*.json`)."""
    out: list[SessionFiles] = []
    for path in paths:
        if path.name in _NOT_SESSIONS:
            continue
        # A legacy single-document rollout is named rollout-*.json; other .json files are not logs.
        if path.suffix == ".jsonl" or (path.suffix == ".json" and "rollout-" in path.name):
            out.append(SessionFiles(NAME, path))
    return out


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one rollout. Never raises on bad data (see the module docstring)."""
    reader = _Reader(main.path)
    if main.path.endswith(".json"):
        reader.read_document(main.data)
    else:
        reader.read_lines(main.data)
    session = reader.finish()
    session.files = [main.path] + [c.path for c in companions]
    return session


# What a snapshot of this reader holds (bump on any change to `_Reader.state`).
# 2: the reader's state holds plan_at and goal; 3: and the system prompt's digest; 4: a fork's copy;
# 6: the unified-exec processes still running (`running`); 7: the calls an `item_completed` said failed
# before their output came (`failed_items`)
LAYOUT = 7


def resume(
    previous: ResumeState | None, main: RawLog, companions: list[RawLog]
) -> tuple[Session, ResumeState | None]:
    """`read`, starting from `previous` (a state an earlier call returned) when it fits these bytes,
    and the state to read on from next time (see `resumable`). A legacy single-document rollout
    is rewritten whole, so it is read whole."""
    if main.path.endswith(".json"):
        return read(main, companions), None
    expected = resumable.stamp(NAME, LAYOUT)
    data = main.data
    reader: _Reader | None = None
    start = lines = 0
    if previous is not None and resumable.usable(previous, expected, [(main.path, data)]):
        try:
            spans = resumable.Spans(data, previous.marks[0].consumed)
            reader = _Reader.restore(orjson.loads(previous.body), main.path, spans)
            start, lines = previous.marks[0].consumed, previous.marks[0].lines
        except Exception:  # a damaged snapshot: read the whole log
            reader = None
    if reader is None:
        reader, start, lines = _Reader(main.path), 0, 0
    # Snapshot at the last newline: a last line without one is read now and again next time.
    consumed = resumable.cut(data)
    reader.read_lines(data[start:consumed], lines + 1)
    lines += data.count(b"\n", start, consumed)
    state = None
    if start and previous is not None and not resumable.worth_a_new_snapshot(previous, consumed):
        state = previous
    elif consumed:
        marks = [resumable.Mark(main.path, consumed, lines, resumable.tail_hash(data, consumed))]
        spans = resumable.Spans(data, consumed)
        state = resumable.snapshot(lambda: reader.state(spans), expected, marks)
    if consumed < len(data):
        reader.read_lines(data[consumed:], lines + 1)
    session = reader.finish()
    session.files = [main.path] + [c.path for c in companions]
    return session, state


class _Reader(_Items, _Events, _Snapshot):
    """One rollout, any layout, into a `Session` (the concerns are in items, events, snapshot and state)."""

    # ---- input layouts ---------------------------------------------------------------------

    def read_lines(self, data: bytes, first_line: int = 1) -> None:
        records = iter_entries(self.path, data, self.session.errors, first_line=first_line)
        line = first_line
        # One guard for the whole loop, not one per record: a record the code fails on is reported and
        # skipped, and the loop resumes the same generator at the next record.
        while True:
            with guarded(self.session.errors, self.path, lambda: line):  # noqa: B023 (the failing line)
                for line, _position, rec in records:
                    self.record(line, rec, self.first)
                    self.first = False
                break
            self.first = False  # the record that failed was the first all the same

    def record(self, line: int, rec: dict[str, Any], first: bool) -> None:
        key = str(line)
        kind = rec.get("type")
        payload = rec.get("payload")
        if isinstance(kind, str) and isinstance(payload, dict):
            timestamp = rec.get("timestamp")
            if not isinstance(timestamp, str):
                timestamp = None
            if timestamp:
                self.session.ended = timestamp
                self.first_ts = self.first_ts or timestamp
            if self.fork is not None:
                self.follow_copy(kind, payload, timestamp)
            self.envelope(kind, payload, key, timestamp)
        elif rec.get("record_type") is not None:
            pass  # pre-0.30 state markers carry nothing for the spine
        elif first and kind is None and "id" in rec:
            self.session_meta(rec, key)
        elif isinstance(kind, str):
            self.response_item(rec, key, None)
        elif isinstance(rec.get("role"), str):
            self.chat_item(rec, key)
        else:
            self.skip("unknown record")

    def read_document(self, data: bytes) -> None:
        self.prefix = "I"
        try:
            doc, note = load_document(data)
        except orjson.JSONDecodeError as exc:
            self.session.errors.append(LineError(self.path, 1, f"not valid JSON: {str(exc)[:120]}"))
            return
        if note:
            self.session.errors.append(document_note(self.path, note))
        if not isinstance(doc, dict):
            self.session.errors.append(LineError(self.path, 1, "expected a JSON object"))
            return
        meta = doc.get("session")
        if isinstance(meta, dict):
            self.session_meta(meta, "meta")
        items = doc.get("items")
        if not isinstance(items, list):
            self.session.errors.append(LineError(self.path, 1, "no items list"))
            return
        for index, item in enumerate(items):
            key = str(index)
            # The document is one line, so the error names the item.
            with guarded(self.session.errors, self.path, 1, f"item {index}"):
                if not isinstance(item, dict):
                    self.skip("non-object item")
                elif isinstance(item.get("type"), str) and item.get("type") != "function":
                    self.response_item(item, key, None)
                elif isinstance(item.get("role"), str):
                    self.chat_item(item, key)
                else:
                    self.skip("unknown item")

    # ---- record kinds ----------------------------------------------------------------------

    def envelope(self, kind: str, payload: dict[str, Any], key: str, ts: str | None) -> None:
        if kind == "response_item":
            self.response_item(payload, key, ts)
        elif kind == "event_msg":
            self.event(payload, key, ts)
        elif kind == "turn_context":
            self.turn_context(payload, key, ts)
        elif kind == "session_meta":
            self.session_meta(payload, key, ts)
        elif kind == "compacted":
            self.compacted(payload, key, ts)
        elif kind == "inter_agent_communication":
            self.agent_message(payload, key, ts)
        elif kind in _IGNORED_RECORDS:
            pass
        else:
            self.skip(kind)

    def session_meta(self, meta: dict[str, Any], key: str, ts: str | None = None) -> None:
        self.base_instructions(meta, key, ts)
        if self.meta_seen:  # a resumed or forked rollout repeats it; the first one names the session
            return
        self.meta_seen = True
        s = self.session
        if isinstance(meta.get("id"), str) and meta["id"]:
            s.id = meta["id"]
        if isinstance(meta.get("timestamp"), str):
            s.started = meta["timestamp"]
        parent = meta.get("forked_from_id")
        if isinstance(parent, str) and parent:
            s.forked_from = parent
            s.forked_at = s.started or self.first_ts
        if self.first and self.prefix == "L":  # the first record: a copy may follow it
            self.fork = "head"
        if isinstance(meta.get("cwd"), str) and meta["cwd"]:
            s.cwd = meta["cwd"]
        if isinstance(meta.get("cli_version"), str):
            s.version = meta["cli_version"]
        git = meta.get("git")
        if isinstance(git, dict):
            s.git = GitInfo(
                opt_str(git.get("branch")), opt_str(git.get("commit_hash")), opt_str(git.get("repository_url"))
            )
        self.subagent_source(meta, key, ts)

    def subagent_source(self, meta: dict[str, Any], key: str, ts: str | None) -> None:
        """A subagent's own rollout (`source: {"subagent": ...}`): a SYSTEM step says what ran it, and
        for a spawned thread (multi-agent runs) which thread spawned it (meta spawned_by), the link
        back to the parent, whose spawning call names this thread (`spawned`)."""
        source = as_dict(meta.get("source"))
        if "subagent" not in source:
            return
        sub = source["subagent"]
        spawn = as_dict(sub.get("thread_spawn")) if isinstance(sub, dict) else {}
        found: dict[str, Any] = {}
        for name, out in (
            ("parent_thread_id", "spawned_by"),
            ("agent_nickname", "agent_nickname"),
            ("agent_role", "agent_role"),
            ("agent_path", "agent_path"),
        ):
            # Newer builds also put the nickname and role at the top of the meta.
            value = opt_str(spawn.get(name)) or (None if out == "spawned_by" else opt_str(meta.get(name)))
            if value:
                found[out] = value
        depth = spawn.get("depth")
        if isinstance(depth, int) and not isinstance(depth, bool):
            found["agent_depth"] = depth
        if "spawned_by" in found:
            text = f"subagent of thread {found['spawned_by']}"
        elif isinstance(sub, str) and sub:
            text = f"subagent ({sub})"
        elif isinstance(sub, dict) and sub:
            text = f"subagent ({next(iter(sub))})"
        else:
            text = "subagent"
        name = " ".join(f"{found[n]}" for n in ("agent_nickname", "agent_role") if n in found)
        step = self.add(key, StepKind.SYSTEM, "system", text + (f": {name}" if name else ""), ts)
        step.meta["event"] = "subagent"
        step.meta.update(found)

    def base_instructions(self, record: dict[str, Any], key: str, ts: str | None) -> None:
        """The system prompt the model is sent with every request, where it is new or changed."""
        base = record.get("base_instructions")
        text = base.get("text") if isinstance(base, dict) else base
        if not isinstance(text, str) or not text.strip():
            return
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        if digest == self.instructions:  # a repeated session_meta, or each turn_context saying it again
            return
        self.instructions = digest
        step = self.add(key, StepKind.CONTEXT, "system", text, ts)
        # `system_prompt`: what ctx keeps across a compaction (the agent sends it with every request).
        step.meta.update({"from": "base_instructions", "system_prompt": True})

    def follow_copy(self, kind: str, payload: dict[str, Any], ts: str | None) -> None:
        """Whether this line is still the fork's copy of its parent (module docstring)."""
        moment = as_moment(ts)
        if self.fork == "head":
            parent = payload.get("id") if kind == "session_meta" else None
            if isinstance(parent, str) and parent and parent != self.session.id and moment is not None:
                self.fork, self.copy_last = "copy", moment
                s = self.session
                if s.forked_from is None:
                    s.forked_from, s.forked_at = parent, s.started or self.first_ts
            elif kind != "session_meta":
                self.fork = None  # its own lines from the start: no copy
        elif self.copy_last is not None and moment is not None and moment - self.copy_last <= _BURST:
            self.copy_last = moment
        else:
            self.fork = self.copy_last = None

    def turn_context(self, payload: dict[str, Any], key: str, ts: str | None) -> None:
        self.base_instructions(payload, key, ts)
        cwd = payload.get("cwd")
        if isinstance(cwd, str) and cwd:
            self.turn_cwd = cwd
            if self.session.cwd is None:
                self.session.cwd = cwd
        model = payload.get("model")
        if not isinstance(model, str) or not model:
            return
        if model not in self.session.models:
            self.session.models.append(model)
        if self.model is not None and model != self.model:
            step = self.add(key, StepKind.MODEL_CHANGE, "system", f"model: {self.model} -> {model}", ts)
            step.model = model
            step.meta.update({"from": self.model, "to": model})
        self.model = model

    def compacted(self, payload: dict[str, Any], key: str, ts: str | None) -> None:
        message = payload.get("message")
        history = payload.get("replacement_history")
        text = message if isinstance(message, str) and message.strip() else ""
        if not text and isinstance(history, list):
            text = _render_history(history)
        last = self.slots[-1] if self.slots else None
        after_item = last is not None and last.kind == StepKind.COMPACTION and not last.text
        if last is not None and after_item and last.meta.get("encrypted"):
            # The remote compaction's own item came just before: one boundary, not two.
            step = last
            step.text = text
        else:
            step = self.add(key, StepKind.COMPACTION, "system", text, ts)
        if isinstance(history, list):
            step.meta["replacement_count"] = len(history)
        # Nothing before a compaction can pair with what comes after it.
        self.clear_assistant_pending()
        self.pending["user"].clear()

    def finish(self) -> Session:
        session = self.session
        assistant_positions: list[int] = []
        for position, step in enumerate(self.slots):
            if step is not None and step.kind in _ASSISTANT_SIDE:
                assistant_positions.append(position)
        for at, tokens, ahead in self.token_marks:
            if not assistant_positions:
                break
            # The step of the response the usage is of: the first assistant-side step after the event
            # where usage comes ahead of its items, else the last one before it; either, where there
            # is none the other way.
            i = bisect.bisect_left(assistant_positions, at)
            if not ahead or i == len(assistant_positions):
                i -= 1
            target = self.slots[assistant_positions[max(i, 0)]]
            assert target is not None
            if target.tokens is None:
                target.tokens = Tokens()
            target.tokens.add(tokens)
        session.steps = [s for s in self.slots if s is not None]
        for index, step in enumerate(session.steps):
            step.index = index
        if session.forked_from is not None:
            _own_prompt_out_of_copy(session.steps)
        # The parent is named by the subagent step of the first session_meta (a resume reads it from
        # the snapshot's steps, so nothing else needs keeping).
        session.subagent_of = next(
            (st.meta["spawned_by"] for st in session.steps
             if st.meta.get("event") == "subagent" and isinstance(st.meta.get("spawned_by"), str)),
            None,
        )  # fmt: skip
        session.title = titles.session_title((self.thread_name,), session.steps)
        session.hidden = titles.why_hidden(session.steps, session.tokens)
        if session.hidden is None and _title_run(session.steps):
            session.hidden = titles.HIDDEN_OWN_RUN
        if session.started is None:
            session.started = self.first_ts
        if session.ended is None:
            session.ended = session.started
        return session


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    codex = Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home / ".codex"
    return [codex / "sessions", codex / "archived_sessions"]


AGENT = Agent(
    name=NAME,
    label="Codex CLI",
    # Legacy single-file rollouts are matched on any prefix, so a flattened copy of a sessions tree
    # (owner__repo__...__rollout-X.json) is found too.
    patterns=("*.jsonl", "*rollout-*.json", codex_zst.PATTERN),
    folders=_folders,
    group=group,
    read=read,
    env=("CODEX_HOME",),
    stage=codex_zst.stage,  # a compressed rollout is synced from its decompressed copy
    passes=codex_zst.passes,  # a new plain rollout (a session, a subagent's thread) needs no stage
    resume=resume,
)
