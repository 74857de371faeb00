"""A session's shape for display: which rows a timeline shows (subagents folded, abandoned branches
hidden), how deep each step sits, which result answers which call, how long a call took.

Face-neutral (no Textual, no printing), so it is built in a worker thread, tested on its own, and
shared by the app and the CLI. Rows are a
flat list of ints so that 50k steps cost one small list: a value >= 0 is a step index, a negative
value -1-k points at `markers[k]` (a row that stands for hidden steps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracetui.model import Session, StepKind
from tracetui.views.format import parse_time


@dataclass(slots=True)
class Marker:
    """A row standing for steps that are not shown: `count` steps of an abandoned branch."""

    after: int  # index of the step the hidden run follows (-1 at the start)
    count: int
    first: int  # index of the first hidden step


@dataclass(slots=True)
class Shape:
    """What a session's steps look like as a tree, computed once per session."""

    spawner: dict[str, int] = field(default_factory=dict)  # subagent id -> index of the spawning step
    children: dict[int, list[str]] = field(default_factory=dict)  # spawning index -> subagent ids
    sizes: dict[str, int] = field(default_factory=dict)  # subagent id -> steps
    result_of: dict[str, int] = field(default_factory=dict)  # tool_call_id -> index of its result
    branch_points: list[int] = field(default_factory=list)  # steps with more than one child in scope
    has_branches: bool = False


def shape_of(session: Session) -> Shape:
    shape = Shape()
    steps = session.steps
    index_of = {s.id: i for i, s in enumerate(steps)}
    declared = {a.id: a.spawned_by for a in session.subagents}
    last_main = -1
    child_count: dict[str, int] = {}
    for i, step in enumerate(steps):
        agent = step.subagent
        if agent is None:
            last_main = i
        else:
            shape.sizes[agent] = shape.sizes.get(agent, 0) + 1
            if agent not in shape.spawner:
                spawner = index_of.get(declared.get(agent) or "", -1)
                if spawner < 0 and step.parent in index_of and steps[index_of[step.parent]].subagent != agent:
                    spawner = index_of[step.parent]
                if spawner < 0:
                    spawner = max(last_main, 0)
                shape.spawner[agent] = spawner
                shape.children.setdefault(spawner, []).append(agent)
        if step.kind == StepKind.TOOL_RESULT and step.tool_call_id:
            shape.result_of.setdefault(step.tool_call_id, i)
        if step.parent and step.parent in index_of and steps[index_of[step.parent]].subagent == agent:
            child_count[step.parent] = child_count.get(step.parent, 0) + 1
        if not step.active:
            shape.has_branches = True
    shape.branch_points = sorted(index_of[p] for p, n in child_count.items() if n > 1)
    return shape


def build_rows(
    session: Session, shape: Shape, expanded: set[str], show_branches: bool, path: set[int] | None = None
) -> tuple[list[int], list[Marker]]:
    """The visible rows, in log order.

    By default the final path shows (`Step.active`); `path` (from `branch_path`) shows one other
    branch instead; `show_branches` shows every branch at once.
    """
    rows: list[int] = []
    markers: list[Marker] = []
    hidden_run = 0
    hidden_first = -1
    last_shown = -1
    for i, step in enumerate(session.steps):
        if step.subagent is not None and not _open(step.subagent, shape, expanded, session):
            continue
        if show_branches:
            shown = True
        elif path is not None:
            spawner = shape.spawner.get(step.subagent) if step.subagent is not None else None
            shown = i in path if spawner is None else spawner in path
        else:
            shown = step.active
        if not shown:
            if hidden_run == 0:
                hidden_first = i
            hidden_run += 1
            continue
        if hidden_run:
            markers.append(Marker(last_shown, hidden_run, hidden_first))
            rows.append(-len(markers))
            hidden_run = 0
        rows.append(i)
        last_shown = i
    if hidden_run:
        markers.append(Marker(last_shown, hidden_run, hidden_first))
        rows.append(-len(markers))
    return rows, markers


def branch_leaves(session: Session) -> list[int]:
    """The last step of each abandoned branch (rewound or edited away), in log order."""
    has_child = {s.parent for s in session.steps if s.parent and s.subagent is None}
    return [i for i, s in enumerate(session.steps) if not s.active and s.subagent is None and s.id not in has_child]


def branch_path(session: Session, leaf: int) -> set[int]:
    """The steps on the conversation that ends at `leaf`: its ancestors through `Step.parent`.

    Where the parent chain stops short of the start (a log that did not link every line), the
    final path's earlier steps stand in for the missing part.
    """
    index_of = {s.id: i for i, s in enumerate(session.steps)}
    path: set[int] = set()
    current: int | None = leaf
    while current is not None and current not in path:
        path.add(current)
        parent = session.steps[current].parent
        current = index_of.get(parent) if parent else None
    first = min(path)
    path.update(i for i in range(first) if session.steps[i].active and session.steps[i].subagent is None)
    return path


def _open(agent: str, shape: Shape, expanded: set[str], session: Session) -> bool:
    # A nested subagent is only visible when every subagent around it is open too.
    seen = set()
    while agent is not None and agent not in seen:
        if agent not in expanded:
            return False
        seen.add(agent)
        spawner = shape.spawner.get(agent)
        outer = session.steps[spawner].subagent if spawner is not None else None
        if outer is None:
            return True
        agent = outer
    return True


def depth(session: Session, shape: Shape, index: int) -> int:
    """How many subagents deep a step sits (0 on the main conversation)."""
    level = 0
    agent = session.steps[index].subagent
    seen = set()
    while agent is not None and agent not in seen:
        seen.add(agent)
        level += 1
        spawner = shape.spawner.get(agent)
        agent = session.steps[spawner].subagent if spawner is not None else None
    return level


def duration_ms(session: Session, shape: Shape, index: int) -> int | None:
    """How long a tool call took (to its result), or what the log says a step took."""
    step = session.steps[index]
    given = step.meta.get("duration_ms") if step.meta else None
    if isinstance(given, (int, float)):
        return int(given)
    if step.kind != StepKind.TOOL_CALL or not step.tool_call_id:
        return None
    result = shape.result_of.get(step.tool_call_id)
    if result is None:
        return None
    stamp = session.steps[result].timestamp
    # One time for both (Gemini CLI writes a call and its result as one record): no duration is
    # known, which "0ms" would claim was measured.
    if stamp == step.timestamp:
        return None
    start, end = parse_time(step.timestamp), parse_time(stamp)
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds() * 1000))
