"""The Codex reader's state as a resume snapshot (`sources.common.resumable`), and back."""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any, Self

from tracetui.model import GitInfo, LineErrors, Step
from tracetui.sources.codex.parts import _line_of
from tracetui.sources.codex.state import _State
from tracetui.sources.common import resumable


class _Snapshot(_State):
    """The read so far as a snapshot a later read starts from, and that start."""

    # ---- snapshots (resumable) -------------------------------------------------------------

    def state(self, spans: resumable.Spans | None) -> dict[str, Any]:
        """Everything the next records and `finish` read, as plain data; steps by position in a
        table (a step may be named from several places)."""
        s = self.session
        table: list[Step] = []
        where: dict[int, int] = {}

        def ref(step: Step | None) -> int | None:
            if step is None:
                return None
            at = where.get(id(step))
            if at is None:
                at = where[id(step)] = len(table)
                table.append(step)
            return at

        slots = [ref(x) for x in self.slots]
        calls = {k: ref(v) for k, v in self.calls.items()}
        results = {k: ref(v) for k, v in self.results.items()}
        git = s.git
        return {
            "session": [
                s.id,
                s.started,
                s.ended,
                s.cwd,
                s.version,
                None if git is None else [git.branch, git.commit, git.remote],
                s.models,
                resumable.tokens_row(s.tokens),
                s.skipped,
            ],
            "errors": [resumable.error_row(e) for e in s.errors],
            "steps": [resumable.step_row(x, spans, self.lines_of(x)) for x in table],
            "slots": slots,
            "calls": calls,
            "results": results,
            "reader": [
                self.prefix,
                self.last_key,
                self.sub,
                self.meta_seen,
                self.first_ts,
                self.model,
                self.turn_cwd,
                self.prev_total,
                self.prev_usage,
                self.thread_name,
                self.first,
                self.plan_at,
                self.goal,
                self.instructions,
                self.replied,
                self.usage_ahead,
            ],
            "exec_ends": self.exec_ends,
            "failed_items": sorted(self.failed_items),
            "running": self.running,
            "token_marks": [[at, resumable.tokens_row(t), ahead] for at, t, ahead in self.token_marks],
            "pending": {k: [list(x) for x in q] for k, q in self.pending.items()},
            "reason_events": [list(x) for x in self.reason_events],
            "reason_items": self.reason_items,
            "context_since_reply": self.context_since_reply,
            "fork": [
                s.forked_from,
                s.forked_at,
                self.fork,
                None if self.copy_last is None else self.copy_last.isoformat(),
            ],
        }

    def lines_of(self, step: Step) -> tuple[int, ...]:
        """The lines a step's values come from: its own (`L<line>[.<n>]`), and a call's result's.
        None for the first line's (the session_meta's system prompt): a resume never reads the
        session's head again, so the snapshot keeps that text itself."""
        if self.prefix != "L":
            return ()
        own = _line_of(step.id)
        if own == 1:
            return ()
        result = self.results.get(step.tool_call_id) if step.edits and step.tool_call_id else None
        return (own,) if result is None else (own, _line_of(result.id))

    @classmethod
    def restore(cls, body: dict[str, Any], path: str, spans: resumable.Spans) -> Self:
        reader = cls(path)
        s = reader.session
        sid, s.started, s.ended, s.cwd, s.version, git, models, tokens, skipped = body["session"]
        s.id = sid
        s.git = None if git is None else GitInfo(*git)
        s.models = list(models)
        s.tokens = resumable.tokens_of(tokens)
        s.skipped = dict(skipped)
        s.errors = LineErrors(resumable.error_of(r) for r in body["errors"])
        table = resumable.steps_of(body["steps"], spans)
        reader.slots = [None if i is None else table[i] for i in body["slots"]]
        reader.calls = {k: table[i] for k, i in body["calls"].items()}
        reader.results = {k: table[i] for k, i in body["results"].items()}
        (
            reader.prefix,
            reader.last_key,
            reader.sub,
            reader.meta_seen,
            reader.first_ts,
            reader.model,
            reader.turn_cwd,
            prev_total,
            reader.prev_usage,
            reader.thread_name,
            reader.first,
            reader.plan_at,
            reader.goal,
            reader.instructions,
            reader.replied,
            reader.usage_ahead,
        ) = body["reader"]
        reader.prev_total = None if prev_total is None else (prev_total[0], prev_total[1], prev_total[2])
        reader.exec_ends = dict(body["exec_ends"])
        reader.failed_items = set(body["failed_items"])
        reader.running = dict(body["running"])
        reader.token_marks = [(at, resumable.tokens_of(t), bool(ahead)) for at, t, ahead in body["token_marks"]]
        reader.pending = {k: deque((x[0], x[1]) for x in body["pending"][k]) for k in ("user", "assistant")}
        reader.reason_events = [(at, text) for at, text in body["reason_events"]]
        reader.reason_items = [list(x) for x in body["reason_items"]]
        reader.context_since_reply = list(body["context_since_reply"])
        s.forked_from, s.forked_at, reader.fork, copy_last = body["fork"]
        reader.copy_last = None if copy_last is None else datetime.fromisoformat(copy_last)
        return reader
