"""What the Claude Code reader keeps of each conversation record (a `Line`) and of each subagent run.

The reader turns records into lines and steps (`claude_steps`), links the lines into a tree and finds
the active path (`claude_tree`), and places subagent runs (`claude_subagents`); these two dataclasses
are what those modules share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracetui.model import Step


@dataclass(slots=True, eq=False)
class Line:
    """One conversation record (user/assistant/system/attachment/progress) and the steps it gave."""

    no: int
    pos: int  # order among all lines of the session's files (file order)
    # The parsed record, only while its steps are made: dropped then, so the JSON it holds and the
    # steps do not keep is freed at once rather than surviving (and being walked by the garbage
    # collector) until the session is done. What is needed later is kept in the fields below.
    rec: dict[str, Any] | None
    type: str
    uuid: str | None
    parent_uuid: str | None
    scope: AgentRun | None  # None: the main conversation
    prev: Line | None = None  # the previous non-progress line of the same conversation
    steps: list[Step] = field(default_factory=list)
    alias: Step | None = None  # a line folded into another line's step (compact summary)
    parent: Line | None = None
    tail_memo: str | None = None
    resolved: bool = False
    base: str | None = None  # the id of the line's first block step
    blocks: int = 0
    on_path: bool = False  # (mark_active) on the walk back from the conversation's last message
    holds_turn: bool = False  # (mark_active) a prompt or a new response at or below this line
    active: bool | None = None
    timestamp: Any = None  # the record's "timestamp" as written
    message_id: str | None = None  # an assistant line's message.id

    @property
    def record(self) -> dict[str, Any]:
        """The parsed record: read only while the line's steps are made (it is dropped after)."""
        if self.rec is None:
            raise ValueError(f"line {self.no}: its record was already let go")
        return self.rec


@dataclass(slots=True, eq=False)
class AgentRun:
    """A subagent run being assembled: its lines, what is known about it, where it goes."""

    id: str
    source: str | None = None
    inline: bool = False
    lines: list[Line] = field(default_factory=list)
    agent_type: str | None = None
    description: str | None = None
    prompt: str | None = None
    spawned_by: str | None = None
    has_transcript: bool = False
    emitted: bool = False
