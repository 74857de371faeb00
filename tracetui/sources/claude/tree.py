"""The shape of a Claude Code conversation: parents through progress lines, and the active path.

Format: docs/formats/claude.md. The choices (also there): a parent that is a
progress line is replaced by the latest earlier message of the same conversation that descends from
the progress chain's origin; off the walk back from the last message, a line is abandoned only when
its branch holds a prompt or a new response (a rewind or an edited prompt).
"""

from __future__ import annotations

from tracetui.model import StepKind
from tracetui.sources.claude.lines import Line


def resolve_parents(by_uuid: dict[str, Line], lines: list[Line]) -> None:
    """Each line's parent line in its own conversation, seeing through progress lines."""
    origin_of: dict[int, Line | None] = {}  # progress line -> first non-progress ancestor

    def origin(progress: Line) -> Line | None:
        chain: list[Line] = []
        node: Line | None = progress
        found: Line | None = None
        while node is not None and node.type == "progress":
            if id(node) in origin_of:
                found = origin_of[id(node)]
                break
            chain.append(node)
            origin_of[id(node)] = None  # a cycle of progress lines ends here
            node = by_uuid.get(node.parent_uuid) if node.parent_uuid else None
        else:
            found = node
        for n in chain:
            origin_of[id(n)] = found
        return found

    for line in lines:
        if line.type == "progress":
            continue
        parent = by_uuid.get(line.parent_uuid) if line.parent_uuid else None
        if parent is not None and parent.type == "progress":
            start = origin(parent)
            parent = _latest_under(line.prev, start) if start is not None else None
        if parent is not None and (parent.scope is not line.scope or parent.pos == line.pos):
            parent = None
        line.parent = parent
        line.resolved = True
    _break_cycles(lines)


def _latest_under(candidate: Line | None, origin: Line) -> Line:
    """`candidate` if it descends from `origin` (or is it), else `origin`."""
    node = candidate
    steps = candidate.pos - origin.pos + 1 if candidate is not None else 0
    while node is not None and node.pos >= origin.pos and steps >= 0:
        if node is origin:
            return candidate  # type: ignore[return-value]
        node = node.parent if node.resolved else None
        steps -= 1  # parent loops are cut only later: never walk further than the lines between
    return origin


def _tail(line: Line | None) -> str | None:
    """The id of the last step a line (or, failing that, its nearest ancestor) produced."""
    seen: list[Line] = []
    result: str | None = None
    node = line
    while node is not None:
        if node.tail_memo is not None:
            result = node.tail_memo
            break
        if node.steps:
            result = node.steps[-1].id
            break
        if node.alias is not None:
            result = node.alias.id
            break
        seen.append(node)
        node = node.parent
        if len(seen) > 1_000_000:
            break
    for n in seen:
        n.tail_memo = result
    return result


def link_steps(lines: list[Line], root_parent: str | None) -> None:
    for line in lines:
        if not line.steps:
            continue
        parent_id = _tail(line.parent) if line.parent is not None else None
        previous = parent_id if parent_id is not None else root_parent
        for step in line.steps:
            step.parent = previous
            previous = step.id


def mark_active(lines: list[Line]) -> None:
    """Steps off the path the conversation ended on (rewinds, edited prompts) get active=False."""
    convo = [ln for ln in lines if ln.type != "progress"]
    leaf = None
    for ln in reversed(convo):
        if ln.type in ("user", "assistant") and (ln.steps or ln.alias is not None):
            leaf = ln
            break
    if leaf is None:
        return
    node: Line | None = leaf
    while node is not None and not node.on_path:
        node.on_path = True
        node = node.parent
    # Which lines have a prompt or a new response somewhere below them. Walked up from each such
    # line (stopping at the first already marked), since a parent can come later in the file.
    for ln in convo:
        if _starts_turn(ln):
            node = ln
            while node is not None and not node.holds_turn:
                node.holds_turn = True
                node = node.parent
    for ln in convo:
        if ln.active is None:
            stack: list[Line] = []
            node = ln
            while node is not None and node.active is None:
                stack.append(node)
                node = node.parent
            while stack:
                node = stack.pop()
                parent = node.parent
                if node.on_path or parent is None:
                    node.active = True
                elif parent.on_path:
                    node.active = not node.holds_turn
                else:
                    node.active = parent.active is not False
        if not ln.active:
            for step in ln.steps:
                step.active = False


def _break_cycles(lines: list[Line]) -> None:
    """A corrupt log can make lines each other's parents; cut the link that closes each loop."""
    state: dict[int, int] = {}  # 1: on the walk being followed, 2: known to reach a root
    for line in lines:
        walk: list[Line] = []
        node: Line | None = line
        while node is not None and id(node) not in state:
            state[id(node)] = 1
            walk.append(node)
            node = node.parent
        if node is not None and state[id(node)] == 1:
            walk[-1].parent = None
        for n in walk:
            state[id(n)] = 2


def _message_id(line: Line | None) -> str | None:
    if line is None or line.type != "assistant":
        return None
    return line.message_id


def _starts_turn(line: Line) -> bool:
    """A prompt, or the first line of a new response: what makes a branch a real alternative.

    The later lines of one streamed response (parallel tool calls) and tool results also fork the
    tree, but they are the same turn, not a rewind.
    """
    if line.type == "user":
        return any(s.kind != StepKind.TOOL_RESULT for s in line.steps)
    if line.type == "assistant":
        mid = _message_id(line)
        return mid is None or _message_id(line.parent) != mid
    return False
