"""A Claude Code reader's state after its main transcript's complete lines, as plain data, and back.

The reader reads the main transcript first, then the subagent files, then links and finishes the
session (`claude_code.read`). A snapshot is taken once the main file's lines up to its last newline
are read and before anything later touches them (parents through progress lines, the companions,
the tree, the active path); a resumed read restores it, reads the main file's new lines, and goes
on exactly as a full read does from there (the companions are read whole each time: they are
small beside the transcript, and a subagent may be replaying lines the main file only now has).

More in docs/formats/claude.md, `sources/claude/resume.py`.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from tracetui.model import LineErrors, Step, StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude.lines import AgentRun, Line
from tracetui.sources.claude.steps import FilePart, Reader
from tracetui.sources.claude.usage import CostMark
from tracetui.sources.common import resumable

# What a snapshot holds (bump on any change to `state` / `restore`).
# 2: the prompt queue; 3: a fork's parent and own time; 4: results before their calls; 5: the prompts
# queued before the first step; 6: the system prompt last shown in each conversation; 7: the first and last
# cost-state
LAYOUT = 7


def state(reader: Reader, part: FilePart, spans: resumable.Spans | None) -> dict[str, Any]:
    steps: list[Step] = []
    where: dict[int, int] = {}
    rows: list[list[Any]] = []
    # A call's edits are refined from its result's line: its large values may be there.
    result_line: dict[str, int] = {}
    for line in reader.lines:
        for step in line.steps:
            if step.kind == StepKind.TOOL_RESULT and step.tool_call_id:
                result_line.setdefault(step.tool_call_id, line.no)
    for line in reader.lines:
        for step in line.steps:
            where[id(step)] = len(steps)
            steps.append(step)
            found = result_line.get(step.tool_call_id) if step.edits and step.tool_call_id else None
            rows.append(resumable.step_row(step, spans, (line.no,) if found is None else (line.no, found)))

    def ref(step: Step | None) -> int | None:
        return None if step is None else where[id(step)]

    shown = {id(s.tokens): i for i, s in enumerate(steps) if s.tokens is not None}
    lines = [
        [
            ln.no,
            ln.type,
            ln.uuid,
            ln.parent_uuid,
            None if ln.scope is None else ln.scope.id,
            None if ln.prev is None else ln.prev.pos,
            [where[id(s)] for s in ln.steps],
            ref(ln.alias),
            ln.base,
            ln.blocks,
            ln.timestamp,
            ln.message_id,
        ]
        for ln in reader.lines
    ]
    runs = reader.runs
    return {
        "steps": rows,
        "lines": lines,
        "agents": [
            [
                a.id,
                a.source,
                a.inline,
                [ln.pos for ln in a.lines],
                a.agent_type,
                a.description,
                a.prompt,
                a.spawned_by,
                a.has_transcript,
                a.emitted,
            ]
            for a in runs.agents.values()
        ],
        "spawn_calls": [where[id(s)] for s in runs.spawn_calls],
        "spawned": runs.spawned,
        "calls": {k: where[id(v)] for k, v in reader.calls.items()},
        # A usage count is the very object on the step that shows it: later lines of the response
        # raise it in place.
        "tokens": [[list(k), resumable.tokens_row(t), shown.get(id(t))] for k, t in reader.tokens.items()],
        "models": reader.models,
        "last_model": [[k, v] for k, v in reader.last_model.items()],
        "last_prompt": [[k, v] for k, v in reader.last_prompt.items()],
        "costs": [mark.to_row() for mark in reader.costs],
        "pending_compaction": [[k, ref(v)] for k, v in reader.pending_compaction.items()],
        "facts": [
            reader.custom_title,
            reader.ai_title,
            reader.session_id,
            reader.cwd,
            reader.version,
            reader.branch,
            reader.first_ts,
            reader.last_ts,
        ],
        "summaries": [list(x) for x in reader.summaries],
        "fork": [reader.fork_parent, reader.fork_own_ts],
        "queue": list(reader.queue),
        "steering": reader.steering,
        "queued_first": reader.queued_first,
        "errors": [resumable.error_row(e) for e in reader.errors],
        "skipped": reader.skipped,
        "prev": [[_scope_id(line.scope), line.pos] for line in part.prev.values()],
    }


def _scope_id(scope: AgentRun | None) -> str | None:
    return None if scope is None else scope.id


def restore(body: dict[str, Any], main: RawLog, spans: resumable.Spans) -> tuple[Reader, FilePart]:
    """The reader and the main file's read as `state` saw them (raises on a damaged body)."""
    reader = Reader(main)
    steps = resumable.steps_of(body["steps"], spans)
    agents: dict[str, AgentRun] = {}
    for a in body["agents"]:
        run = AgentRun(a[0], a[1], bool(a[2]), [], a[4], a[5], a[6], a[7], bool(a[8]), bool(a[9]))
        agents[run.id] = run
    lines: list[Line] = []
    for no, kind, uuid, parent_uuid, scope_id, prev, held, alias, base, blocks, ts, mid in body["lines"]:
        line = Line(
            no, len(lines), None, kind, uuid, parent_uuid, None if scope_id is None else agents[scope_id]
        )
        if prev is not None:
            line.prev = lines[prev]
        line.steps = [steps[i] for i in held]
        line.alias = None if alias is None else steps[alias]
        line.base = base
        line.blocks = blocks
        line.timestamp = ts
        line.message_id = mid
        lines.append(line)
    for a in body["agents"]:
        agents[a[0]].lines = [lines[i] for i in a[3]]
    reader.lines = lines
    reader.by_id = {s.id: s for s in steps}
    reader.runs.agents = agents
    reader.runs.spawn_calls = [steps[i] for i in body["spawn_calls"]]
    reader.runs.spawned = {str(k): str(v) for k, v in body["spawned"].items()}
    reader.calls = {k: steps[i] for k, i in body["calls"].items()}
    for key, row, shown in body["tokens"]:
        reader.tokens[tuple(key)] = steps[shown].tokens if shown is not None else resumable.tokens_of(row)
    reader.models = list(body["models"])
    reader.last_model = {k: v for k, v in body["last_model"]}
    reader.last_prompt = {k: v for k, v in body["last_prompt"]}
    reader.costs = [CostMark.from_row(row) for row in body["costs"]]
    reader.pending_compaction = {k: None if i is None else steps[i] for k, i in body["pending_compaction"]}
    (
        reader.custom_title,
        reader.ai_title,
        reader.session_id,
        reader.cwd,
        reader.version,
        reader.branch,
        reader.first_ts,
        reader.last_ts,
    ) = body["facts"]
    reader.summaries = [(text, leaf) for text, leaf in body["summaries"]]
    reader.fork_parent, reader.fork_own_ts = body["fork"]
    reader.queue = deque(str(x) for x in body["queue"])
    reader.steering = [list(x) for x in body["steering"]]
    reader.queued_first = [list(x) for x in body["queued_first"]]
    reader.errors = LineErrors(resumable.error_of(r) for r in body["errors"])
    reader.skipped = dict(body["skipped"])
    part = FilePart(b"")
    part.by_uuid = {ln.uuid: ln for ln in lines if ln.uuid is not None}
    for scope_id, pos in body["prev"]:
        scope = None if scope_id is None else agents[scope_id]
        part.prev[id(scope)] = lines[pos]
    return reader, part
