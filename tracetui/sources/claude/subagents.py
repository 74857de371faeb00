"""Where a Claude Code session's subagent runs go: tied to the Task/Agent call that spawned them,
their steps placed right after that call between a SUBAGENT_START and a SUBAGENT_END step.

Format: docs/formats/claude.md. Inline sidechains (<= 2.0.2, no agent id) are matched to a spawning
call by prompt text, else by time. The runs Claude Code starts itself, with no call, named
`agent-a<kind>-<hex>` (the summarizer of a compaction, `acompact`; a `/btw` side question,
`aside_question`; a suggestion of the next prompt, `aprompt_suggestion`), take that kind as their
type and go where their first step falls in time among the main conversation's steps: the summary
just before the compaction it makes, not hundreds of steps later. Other runs with no spawning call
found (warm-ups, a call the log lost) and undated ones go at the end, out of the way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracetui.model import Step, StepKind, Subagent
from tracetui.sources.claude.lines import AgentRun, Line
from tracetui.sources.common.coerce import as_moment

# A run Claude Code starts on its own is named for its kind: `a` + the kind + `-` + hex (a spawned
# agent's id is `a` + hex alone).
_OWN_RUN = re.compile(r"a([a-z][a-z_]*)-[0-9a-f]+")


def own_run_kind(agent_id: str) -> str | None:
    """The kind of a run Claude Code started itself (`compact`, `prompt_suggestion`), from its id;
    None for an agent a tool call spawned. A side question keeps the name it always had here."""
    if agent_id.startswith("aside_question"):
        return "aside_question"
    found = _OWN_RUN.fullmatch(agent_id)
    return found.group(1) if found else None


@dataclass(slots=True)
class Subagents:
    """The subagent runs of one session as the reader meets them."""

    agents: dict[str, AgentRun] = field(default_factory=dict)
    spawn_calls: list[Step] = field(default_factory=list)  # Task/Agent calls in the main conversation
    spawned: dict[str, str] = field(default_factory=dict)  # agent id -> spawning call step id

    def get(self, agent_id: str) -> AgentRun:
        """The run of that id, made on first mention."""
        agent = self.agents.get(agent_id)
        if agent is None:
            agent = self.agents[agent_id] = AgentRun(agent_id)
            agent.agent_type = own_run_kind(agent_id)
        return agent

    def match_inline(self) -> None:
        """Tie inline sidechains (no agent id in the log) to the Task call that started them."""
        taken = set(self.spawned.values())
        for agent in self.agents.values():
            if not agent.inline or agent.id in self.spawned:
                continue
            found = None
            for call in self.spawn_calls:
                if call.id in taken:
                    continue
                prompt = call.tool_input.get("prompt") if isinstance(call.tool_input, dict) else None
                if (
                    isinstance(prompt, str)
                    and isinstance(agent.prompt, str)
                    and prompt.strip() == agent.prompt.strip()
                ):
                    found = call
                    break
            if found is None:
                first = agent.lines[0].timestamp if agent.lines else None
                for call in self.spawn_calls:
                    if call.id in taken or not call.timestamp or not isinstance(first, str):
                        continue
                    if call.timestamp <= first:
                        found = call  # the latest unmatched call before the sidechain began
            if found is not None:
                taken.add(found.id)
                self.spawned[agent.id] = found.id

    def finish_agents(self, by_id: dict[str, Step]) -> None:
        for agent_id, call_id in self.spawned.items():
            agent = self.get(agent_id)
            agent.spawned_by = call_id
            call = by_id.get(call_id)
            if call is not None and isinstance(call.tool_input, dict):
                desc = call.tool_input.get("description")
                kind = call.tool_input.get("subagent_type")
                agent.description = agent.description or (desc if isinstance(desc, str) else None)
                agent.agent_type = agent.agent_type or (kind if isinstance(kind, str) else None)
                if agent.prompt is None and isinstance(call.tool_input.get("prompt"), str):
                    agent.prompt = call.tool_input["prompt"]

    def assemble(self, lines: list[Line], by_id: dict[str, Step]) -> tuple[list[Step], list[Subagent]]:
        children: dict[str, list[AgentRun]] = {}
        for agent in self.agents.values():
            if agent.spawned_by:
                children.setdefault(agent.spawned_by, []).append(agent)
        out: list[Step] = []
        order: list[AgentRun] = []

        def emit_agent(agent: AgentRun, parent_active: bool) -> None:
            agent.emitted = True
            order.append(agent)
            start, end = self._bounds(agent, by_id)
            start.active = end.active = parent_active
            out.append(start)
            emit([s for ln in agent.lines for s in ln.steps], parent_active)
            out.append(end)

        def emit(steps: list[Step], parent_active: bool) -> None:
            for step in steps:
                if not parent_active:
                    step.active = False
                out.append(step)
                for agent in children.get(step.id, ()):
                    if not agent.emitted:
                        emit_agent(agent, step.active)

        placed = {s.id for ln in lines for s in ln.steps} | {
            s.id for a in self.agents.values() for ln in a.lines for s in ln.steps
        }
        loose = sorted(
            (
                (when, n, agent)
                for n, agent in enumerate(self.agents.values())
                if own_run_kind(agent.id) is not None
                and agent.spawned_by not in placed
                and (when := _first_moment(agent)) is not None
            ),
            key=lambda t: (t[0], t[1]),
        )
        for step in [s for ln in lines if ln.scope is None for s in ln.steps]:
            moment = as_moment(step.timestamp)
            while loose and moment is not None and loose[0][0] < moment:
                if not loose[0][2].emitted:
                    emit_agent(loose[0][2], True)
                loose.pop(0)
            emit([step], True)
        for agent in self.agents.values():
            if not agent.emitted:
                emit_agent(agent, True)
        for i, step in enumerate(out):
            step.index = i
        subagents = [Subagent(a.id, a.agent_type, a.description, a.spawned_by, a.source) for a in order]
        return out, subagents

    def _bounds(self, agent: AgentRun, by_id: dict[str, Step]) -> tuple[Step, Step]:
        steps = [s for ln in agent.lines for s in ln.steps]
        meta: dict[str, Any] = {}
        if agent.agent_type:
            meta["agent_type"] = agent.agent_type
        if not agent.has_transcript:
            meta["transcript"] = "missing"
        call = by_id.get(agent.spawned_by) if agent.spawned_by else None
        when = steps[0].timestamp if steps else call.timestamp if call else None
        start = Step(
            f"subagent:{agent.id}:start",
            0,
            StepKind.SUBAGENT_START,
            "system",
            agent.description or agent.prompt or "",
            timestamp=when,
            parent=agent.spawned_by,
            subagent=agent.id,
            meta=meta,
        )
        end = Step(
            f"subagent:{agent.id}:end",
            0,
            StepKind.SUBAGENT_END,
            "system",
            "",
            timestamp=steps[-1].timestamp if steps else when,
            parent=steps[-1].id if steps else start.id,
            subagent=agent.id,
        )
        return start, end


def _first_moment(agent: AgentRun) -> datetime | None:
    """When the run's first dated step was written (None: no step of it is dated)."""
    for line in agent.lines:
        for step in line.steps:
            moment = as_moment(step.timestamp)
            if moment is not None:
                return moment
    return None
