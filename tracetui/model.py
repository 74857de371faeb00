"""The shared vocabulary: plain dataclasses every layer speaks.

Readers in `tracetui.sources` produce these; the bucket stores them; trail, ctx, redact, capsule,
the CLI and the UI consume them. Nothing here knows about files, SQLite or Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tracetui.line_errors import (  # the readers' collector, said here too: every layer speaks it
    MAX_LINE_ERRORS, MAX_SKIPPED_KINDS, NAME_MOST, OTHER_KINDS, LineError, LineErrors, count_skipped,
)

# The meta key a reader marks a fork's copy of its parent's step with (Step.copied).
COPIED = "copied"

class StepKind:
    """The kinds of step on a session's spine (docs/design.md, "Words")."""

    USER = "user"  # a prompt the user typed
    ASSISTANT = "assistant"  # visible assistant text
    REASONING = "reasoning"  # thinking / reasoning summaries
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    COMPACTION = "compaction"  # a compaction boundary; its text is the summary that replaced history
    SUBAGENT_START = "subagent_start"
    SUBAGENT_END = "subagent_end"
    MODEL_CHANGE = "model_change"
    CONTEXT = "context"  # injected, non-user-authored input: reminders, environment, instructions
    SYSTEM = "system"  # agent-side events: API errors, hook output, aborted turns

    ALL = (
        USER,
        ASSISTANT,
        REASONING,
        TOOL_CALL,
        TOOL_RESULT,
        COMPACTION,
        SUBAGENT_START,
        SUBAGENT_END,
        MODEL_CHANGE,
        CONTEXT,
        SYSTEM,
    )


@dataclass(slots=True)
class Tokens:
    """Token usage. Readers count each API response once (no double counting)."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    # What the agent itself says this one request cost, in USD, where its log records it (Pi's
    # `usage.cost.total`, OpenCode's `cost`): priced by the agent's own table, used only where ours
    # lacks the model. A figure of one request: sums (`add`) do not carry it.
    logged_usd: float | None = None
    # The part of `cache_write` written for an hour, not five minutes (Anthropic's
    # `usage.cache_creation.ephemeral_1h_input_tokens`): priced at its own, higher rate.
    cache_write_1h: int = 0
    # The log counted only part of this request's usage (Copilot CLI's output of a run no
    # `session.shutdown` totalled): a price of it is a lower bound (`cost.SessionCost.partial`). A
    # fact of one request, as `logged_usd`: sums do not carry it.
    partial: bool = False

    def add(self, other: Tokens) -> None:
        self.input += other.input
        self.output += other.output
        self.cache_read += other.cache_read
        self.cache_write += other.cache_write
        self.cache_write_1h += other.cache_write_1h

    @property
    def total(self) -> int:
        return self.input + self.output + self.cache_read + self.cache_write

    @property
    def input_recorded(self) -> bool:
        """False where the log counts output and no input at all: no request is made without input,
        so the log left it out (Copilot CLI writes only output counts until a session shuts down),
        and a price of these tokens is a lower bound."""
        return not (self.output and not (self.input or self.cache_read or self.cache_write))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
        }
        # Each absent otherwise: the stored JSON of the sessions without them is unchanged.
        if self.cache_write_1h:
            d["cache_write_1h"] = self.cache_write_1h
        if self.logged_usd is not None:
            d["logged_usd"] = self.logged_usd
        if self.partial:
            d["partial"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Tokens:
        d = d or {}
        return cls(
            int(d.get("input") or 0),
            int(d.get("output") or 0),
            int(d.get("cache_read") or 0),
            int(d.get("cache_write") or 0),
            cache_write_1h=int(d.get("cache_write_1h") or 0),
            logged_usd=usd(d.get("logged_usd")),
            partial=d.get("partial") is True,
        )


# More than any one request could cost: a logged figure past it is a forged or broken number.
MAX_REQUEST_USD = 10_000.0


def usd(value: Any) -> float | None:
    """`value` as a request's cost in USD: a finite number from 0 to MAX_REQUEST_USD, else None.
    A logged 0 is a price (a free model, a local one: what the agent's own table says), kept as 0.0
    and shown as the log's word; only a missing, negative or nonsense figure counts as absent."""
    if type(value) is int or type(value) is float:
        if 0 <= value <= MAX_REQUEST_USD:  # NaN fails both tests
            return float(value) + 0.0  # -0.0 reads as 0.0
    return None


@dataclass(slots=True)
class Hunk:
    """One hunk of a line diff, jsdiff/unified style.

    `lines` carry their prefix: ' ' context, '-' removed, '+' added. Line numbers are 1-based;
    0 means unknown (Codex apply_patch hunks are located by context, not by number).
    """

    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    lines: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_start": self.old_start,
            "old_lines": self.old_lines,
            "new_start": self.new_start,
            "new_lines": self.new_lines,
            "lines": self.lines,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hunk:
        return cls(d["old_start"], d["old_lines"], d["new_start"], d["new_lines"], list(d["lines"]))


@dataclass(slots=True)
class FileEdit:
    """What one edit tool call did to one file, as far as the log tells (the trail's raw material).

    Readers fill what their format has; the trail turns it into patches. `path` is as the log
    wrote it (absolute, or relative to the step's cwd).
    """

    path: str
    # "create" | "update" | "delete", or "write": whole new content where the log does not say
    # whether the file existed before (Pi's write tool).
    op: str
    hunks: list[Hunk] = field(default_factory=list)
    old_string: str | None = None  # exact-replacement edits (Claude Edit input, Pi edit)
    new_string: str | None = None
    content: str | None = None  # full new content (Write, apply_patch Add File)
    original: str | None = None  # full file before the edit, when the log kept it
    move_to: str | None = None  # apply_patch "Move to"
    replace_all: bool = False
    applied: bool = True  # False when the tool result reported a failure

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "op": self.op}
        if self.hunks:
            d["hunks"] = [h.to_dict() for h in self.hunks]
        for key in ("old_string", "new_string", "content", "original", "move_to"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        if self.replace_all:
            d["replace_all"] = True
        if not self.applied:
            d["applied"] = False
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FileEdit:
        return cls(
            path=d["path"],
            op=d["op"],
            hunks=[Hunk.from_dict(h) for h in d.get("hunks", ())],
            old_string=d.get("old_string"),
            new_string=d.get("new_string"),
            content=d.get("content"),
            original=d.get("original"),
            move_to=d.get("move_to"),
            replace_all=bool(d.get("replace_all", False)),
            applied=bool(d.get("applied", True)),
        )


@dataclass(slots=True)
class Step:
    """One event on a session's spine.

    `id` is stable across re-reads of the same log (derived from the log's own ids where it has
    them). `parent` is the id of the step this one follows in the conversation tree, so rewinds
    and edited prompts show up as several children of one parent; `active` marks the steps on the
    path the session ended on. Steps of a subagent carry its id in `subagent` and sit right after
    the step that spawned them; that subagent's first step has `parent` = the spawning tool call.
    """

    id: str
    index: int
    kind: str
    role: str  # "user" | "assistant" | "tool" | "system"
    text: str = ""
    timestamp: str | None = None  # ISO-8601 UTC
    tool: str | None = None
    tool_call_id: str | None = None  # the id the raw log gives the call (toolu_..., call_...)
    tool_input: Any = None  # the call's arguments, parsed JSON where the log gives JSON
    parent: str | None = None
    subagent: str | None = None
    active: bool = True
    is_error: bool = False
    model: str | None = None
    # One API response's usage, on the one step its reader attributes it to, so summing steps
    # never counts a response twice.
    tokens: Tokens | None = None
    edits: list[FileEdit] = field(default_factory=list)  # on edit tool calls
    cwd: str | None = None  # set where the log records it and it differs from the session's
    meta: dict[str, Any] = field(default_factory=dict)  # small extras: exit_code, duration_ms, ...

    @property
    def copied(self) -> bool:
        """A step a fork copied from its parent's history (a reader's `meta[COPIED]`): shown, never
        counted as the fork's own work."""
        return COPIED in self.meta

    def to_dict(self) -> dict[str, Any]:
        """The full step (the `show --json` keys plus the extras the other layers need)."""
        d: dict[str, Any] = {
            "id": self.id,
            "index": self.index,
            "kind": self.kind,
            "role": self.role,
            "tool": self.tool,
            "tool_call_id": self.tool_call_id,
            "text": self.text,
            "timestamp": self.timestamp,
            "parent": self.parent,
            "subagent": self.subagent,
            "active": self.active,
        }
        if self.tool_input is not None:
            d["tool_input"] = self.tool_input
        if self.is_error:
            d["is_error"] = True
        if self.model:
            d["model"] = self.model
        if self.tokens is not None:
            d["tokens"] = self.tokens.to_dict()
        if self.edits:
            d["edits"] = [e.to_dict() for e in self.edits]
        if self.cwd:
            d["cwd"] = self.cwd
        if self.meta:
            d["meta"] = self.meta
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Step:
        tokens = d.get("tokens")
        return cls(
            id=d["id"],
            index=d["index"],
            kind=d["kind"],
            role=d["role"],
            text=d.get("text") or "",
            timestamp=d.get("timestamp"),
            tool=d.get("tool"),
            tool_call_id=d.get("tool_call_id"),
            tool_input=d.get("tool_input"),
            parent=d.get("parent"),
            subagent=d.get("subagent"),
            active=bool(d.get("active", True)),
            is_error=bool(d.get("is_error", False)),
            model=d.get("model"),
            tokens=Tokens.from_dict(tokens) if tokens is not None else None,
            edits=[FileEdit.from_dict(e) for e in d.get("edits", ())],
            cwd=d.get("cwd"),
            meta=dict(d.get("meta") or {}),
        )


@dataclass(slots=True)
class Subagent:
    """A subagent run: its id, what kind, and the tool-call step that spawned it (if known)."""

    id: str
    agent_type: str | None = None
    description: str | None = None
    spawned_by: str | None = None  # step id of the spawning tool call
    source: str | None = None  # the file it was read from, when not the main log

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent_type": self.agent_type,
            "description": self.description,
            "spawned_by": self.spawned_by,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Subagent:
        return cls(d["id"], d.get("agent_type"), d.get("description"), d.get("spawned_by"), d.get("source"))


@dataclass(slots=True)
class GitInfo:
    branch: str | None = None
    commit: str | None = None
    remote: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"branch": self.branch, "commit": self.commit, "remote": self.remote}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> GitInfo | None:
        if not d:
            return None
        return cls(d.get("branch"), d.get("commit"), d.get("remote"))


@dataclass(slots=True)
class TitleLinks:
    """How a session's title may come from another log of its project folder (Claude Code's
    summaries, each naming the last record of the conversation it sums up, wherever that is):
    `leaves`, the ids this conversation ends on; `given`, the titles this log gives conversations by
    the id they end on; `settled`, the title is the agent's own (the user's rename, its summary in
    this file) and no other log's replaces it. The bucket applies them (`index.title_by_neighbours`)."""

    leaves: list[str] = field(default_factory=list)
    given: dict[str, str] = field(default_factory=dict)
    settled: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Only what there is: the bucket finds the few logs that give titles by their `given` key."""
        out: dict[str, Any] = {}
        if self.leaves:
            out["leaves"] = list(self.leaves)
        if self.given:
            out["given"] = dict(self.given)
        if self.settled:
            out["settled"] = True
        return out


def project_of(cwd: str | None) -> str | None:
    """The project of a session run in `cwd`: its last component."""
    if not cwd:
        return None
    return cwd.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or cwd


@dataclass(slots=True)
class Session:
    """One agent conversation, from one log file plus its subagent files."""

    id: str
    agent: str  # a registered agent's name (tracetui.sources.registry)
    source: str  # path of the main log file
    cwd: str | None = None
    title: str | None = None
    started: str | None = None
    ended: str | None = None
    version: str | None = None  # the agent's version, or the format version where that is all
    models: list[str] = field(default_factory=list)
    tokens: Tokens = field(default_factory=Tokens)
    git: GitInfo | None = None
    steps: list[Step] = field(default_factory=list)
    subagents: list[Subagent] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file the session was read from
    errors: LineErrors = field(default_factory=LineErrors)
    skipped: dict[str, int] = field(default_factory=dict)  # unknown record types/fields -> count
    # Why listings leave the session out unless asked for everything ("empty", "warm-up"), or None.
    hidden: str | None = None
    # The session this one was forked from (Pi's /fork and branched sessions, Codex's forks): the
    # parent's session id where the log names it or its file name holds it, else the logged path as
    # given. The steps the fork copied from the parent carry `meta["copied"]`.
    forked_from: str | None = None
    forked_at: str | None = None  # when the fork was made (ISO-8601 UTC), where the log says
    # The session that ran this one as a subagent, where the subagent has a log of its own (Codex's
    # spawned threads: `thread_spawn.parent_thread_id`): the parent's session id as the log gives it.
    subagent_of: str | None = None
    # Titles across the logs of a project folder (Claude Code's summaries); None: the agent gives none.
    title_links: TitleLinks | None = None
    _step_index: dict[str, Step] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_summary(
        cls,
        summary: SessionSummary,
        steps: list[Step],
        *,
        version: str | None = None,
        git: GitInfo | None = None,
        subagents: list[Subagent] | None = None,
        files: list[str] | None = None,
        errors: list[LineError] | None = None,
        skipped: dict[str, int] | None = None,
        forked_at: str | None = None,
    ) -> Session:
        """A session from its listing row (the bucket's index, a dataset's sessions table: the inverse
        of `SessionSummary.of`), its steps, and what the row does not hold."""
        return cls(
            id=summary.id, agent=summary.agent, source=summary.source, cwd=summary.cwd, title=summary.title,
            started=summary.started, ended=summary.ended, version=version, models=list(summary.models),
            tokens=summary.tokens, git=git, steps=steps, subagents=subagents or [], files=files or [],
            errors=LineErrors(errors or ()), skipped=skipped or {}, hidden=summary.hidden, forked_from=summary.forked_from,
            forked_at=forked_at, subagent_of=summary.subagent_of,
        )

    @property
    def project(self) -> str | None:
        """The project a session belongs to: the last component of its cwd."""
        return project_of(self.cwd)

    @property
    def tool_calls(self) -> int:
        """Tool calls made, each once: a copy a resumed log wrote again (`meta["relogged"]`) is not one,
        nor a step a fork copied from its parent (`meta["copied"]`)."""
        return sum(1 for s in self.steps if s.kind == StepKind.TOOL_CALL and not _a_copy(s))

    @property
    def edit_calls(self) -> int:
        """Edit tool calls, whether or not they succeeded."""
        return sum(1 for s in self.steps if s.kind == StepKind.TOOL_CALL and s.edits)

    @property
    def applied_edit_calls(self) -> int:
        """Edit tool calls that succeeded (changed at least one file): `ls`'s `edits`."""
        return sum(
            1
            for s in self.steps
            if s.kind == StepKind.TOOL_CALL and not _a_copy(s) and any(e.applied for e in s.edits)
        )

    def step(self, step_id: str) -> Step | None:
        """The step with this id; a dict lookup, rebuilt when `steps` has changed under it."""
        index = self._step_index
        found = index.get(step_id) if index is not None else None
        if found is None or not self._indexed(found):
            index = self._step_index = {s.id: s for s in self.steps}
            found = index.get(step_id)
        return found

    def _indexed(self, step: Step) -> bool:
        # Step.index is the step's position, so a stale entry shows as a different object there.
        return 0 <= step.index < len(self.steps) and self.steps[step.index] is step

    def summary_dict(self) -> dict[str, Any]:
        """The `ls --json` row for this session (docs/design.md's contract)."""
        return SessionSummary.of(self).to_dict()

    def to_dict(self) -> dict[str, Any]:
        d = self.summary_dict()
        if self.forked_from is None:
            del d["forked_from"]  # said only of a fork, so a session that is none reads as it did
        if self.subagent_of is None:
            del d["subagent_of"]  # likewise for a subagent's own log
        del d["cost_logged"]  # listings' words (the session's price is not worked out here)
        del d["cost_lower_bound"]
        d.update(
            {
                "version": self.version,
                "git": self.git.to_dict() if self.git else None,
                "subagents": [a.to_dict() for a in self.subagents],
                "files": list(self.files),
                "errors": [e.to_dict() for e in self.errors],
                "skipped": dict(self.skipped),
                "steps": [s.to_dict() for s in self.steps],
            }
        )
        if self.forked_at is not None:
            d["forked_at"] = self.forked_at
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Session:
        return cls(
            id=d["id"],
            agent=d["agent"],
            source=d["source"],
            cwd=d.get("cwd"),
            title=d.get("title"),
            started=d.get("started"),
            ended=d.get("ended"),
            version=d.get("version"),
            models=list(d.get("models") or ()),
            tokens=Tokens.from_dict(d.get("tokens")),
            git=GitInfo.from_dict(d.get("git")),
            steps=[Step.from_dict(s) for s in d.get("steps", ())],
            subagents=[Subagent.from_dict(a) for a in d.get("subagents", ())],
            files=list(d.get("files") or ()),
            errors=LineErrors(LineError.from_dict(e) for e in d.get("errors", ())),
            skipped=dict(d.get("skipped") or {}),
            hidden=d.get("hidden"),
            forked_from=d.get("forked_from"),
            forked_at=d.get("forked_at"),
            subagent_of=d.get("subagent_of"),
        )


def _a_copy(step: Step) -> bool:
    """A step written again, not done again: a resumed log's re-logged copy, or a fork's copy of its
    parent's history."""
    return "relogged" in step.meta or step.copied


@dataclass(frozen=True, slots=True)
class ModelShare:
    """One model's part of a session's price (`SessionSummary.by_model`)."""

    model: str
    cost_usd: float | None
    tokens: Tokens


@dataclass(slots=True)
class SessionSummary:
    """A session's listing row (`ls --json`), without its steps: what the bucket index holds."""

    id: str
    agent: str
    project: str | None
    cwd: str | None
    title: str | None
    started: str | None
    ended: str | None
    steps: int
    tool_calls: int
    edits: int
    tokens: Tokens
    models: list[str]
    source: str
    # Why the bucket shows what it does, when it is not a fresh read of the log as it is now (the
    # agent shortened it, or reading it again failed): None for the usual case.
    note: str | None = None
    hidden: str | None = None  # Session.hidden
    # The price of the session's tokens in USD (tracetui.cost), None where a model is unknown to
    # the price table or the log gives no usage; set by whoever can price (the bucket's index).
    cost_usd: float | None = None
    cost_logged: bool = False  # some of cost_usd is what the log says a request cost, not the table's price
    cost_partial: bool = False  # the log counted only part of some request's usage (cost.SessionCost.partial)
    forked_from: str | None = None  # Session.forked_from
    subagent_of: str | None = None  # Session.subagent_of
    # Where a team's dataset says the session was exported from (its `machine=` partition, its
    # `user` column): None for a bucket's own sessions. Not in `ls --json`.
    machine: str | None = None
    user: str | None = None
    # A session of several models: each model's cost and tokens, as the bucket's index keeps them
    # (`cost --by model` splits the session by them without reading its steps). None: not kept
    # (one model, or a row written before they were). Not in `ls --json`.
    by_model: tuple[ModelShare, ...] | None = None

    @property
    def output_only(self) -> bool:
        """Whether `cost_usd` prices output alone: the log counted no input or cache tokens."""
        return not self.tokens.input_recorded

    @property
    def cost_lower_bound(self) -> bool:
        """Whether `cost_usd` prices only part of the usage (`≥$0.05`): the log counted output and
        no input, or some request's usage only in part (a Copilot run no shutdown totalled)."""
        return self.cost_partial or self.output_only

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent": self.agent,
            "project": self.project,
            "cwd": self.cwd,
            "title": self.title,
            "started": self.started,
            "ended": self.ended,
            "steps": self.steps,
            "tool_calls": self.tool_calls,
            "edits": self.edits,
            "tokens": self.tokens.to_dict(),
            "models": list(self.models),
            "source": self.source,
            "note": self.note,
            "hidden": self.hidden,
            "cost_usd": self.cost_usd,
            "input_recorded": self.tokens.input_recorded,  # False: cost_usd prices the output alone
            "cost_lower_bound": self.cost_lower_bound,
            "forked_from": self.forked_from,
            "subagent_of": self.subagent_of,
            "cost_logged": self.cost_logged,
        }

    @classmethod
    def of(cls, session: Session) -> SessionSummary:
        return cls(
            id=session.id,
            agent=session.agent,
            project=session.project,
            cwd=session.cwd,
            title=session.title,
            started=session.started,
            ended=session.ended,
            steps=len(session.steps),
            tool_calls=session.tool_calls,
            edits=session.applied_edit_calls,
            tokens=session.tokens,
            models=list(session.models),
            source=session.source,
            hidden=session.hidden,
            forked_from=session.forked_from,
            subagent_of=session.subagent_of,
        )


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """Which sessions a listing takes (`Library.list_sessions`, `count_sessions`, `first_sessions`):
    every field that is set must hold. The app's filter box parses into one (`ui.query`), a command's
    selection builds one (`tracetui.selection`).

    `text` matches a title, project or id, or the words of a step (`bucket.searched`); `since` and
    `until` bound the start time (UTC, `YYYY-MM-DDTHH:MM:SS`, `until` exclusive); `machine` and
    `user` are a team dataset's (`SessionSummary.machine`: a bucket's own sessions name none);
    `include_hidden` also takes the sessions with a `hidden` reason (empty ones, warm-ups)."""

    agent: str | None = None
    project: str | None = None
    text: str | None = None
    since: str | None = None
    until: str | None = None
    machine: str | None = None
    user: str | None = None
    include_hidden: bool = False

    def narrows(self) -> bool:
        """Whether any filter is set (`include_hidden` widens a listing, it does not narrow it)."""
        fields = (self.agent, self.project, self.text, self.since, self.until, self.machine, self.user)
        return any(fields)


EVERY = SessionFilter()  # every session a listing shows: the filter a call given none takes


@dataclass(slots=True)
class Spent:
    """What sessions cost together: `cost_usd` sums the priced ones; `unpriced` counts those the price
    table could not price; `output_only` is whether some price covers the output alone (the log counted
    no input). A listing's aggregate (`Library.spent`, no row made) and each group of `tracetui cost`
    (`spending.Total`) are one of these, read the same way."""

    sessions: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0
    output_only: bool = False

    def add(self, cost_usd: float | None, output_only: bool) -> None:
        self.sessions += 1
        if cost_usd is None:
            self.unpriced += 1
        else:
            self.cost_usd += cost_usd
        self.output_only |= output_only

    @property
    def priced(self) -> float | None:
        """The sum, or None where nothing could be priced (shown `?`)."""
        return None if self.sessions and self.unpriced >= self.sessions else self.cost_usd

    @property
    def lower_bound(self) -> bool:
        """Whether the sum is less than the whole: an unpriced session, or output priced alone."""
        return self.output_only or self.unpriced > 0


def spent_of(rows: Iterable[SessionSummary]) -> Spent:
    """The aggregate over rows already at hand (sessions held in memory)."""
    spent = Spent()
    for row in rows:
        spent.add(row.cost_usd, row.output_only)
    return spent
