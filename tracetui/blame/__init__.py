"""Blame: from a line, a commit or a range of commits back to the step, its prompt and its context.

Public API (the CLI and the app use only these):

More in docs/internals/blame.md, `blame/__init__.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracetui.blame.agent_trace import agent_trace, record_problems
from tracetui.blame.commit_blame import blame_commit, blame_range
from tracetui.blame.file_blame import Judged, blame_file
from tracetui.blame.index import LineIndex, Posting, Refresh
from tracetui.blame.repo import open_index
from tracetui.blame.results import (
    LOG_MEMBERS,
    BlameLine,
    CommitBlame,
    Contribution,
    FileBlame,
    RangeBlame,
    session_log_members,
)

if TYPE_CHECKING:
    from tracetui.blame.gate_apart import GateApart
    from tracetui.blame.log_gate import logs_gated


def __getattr__(name: str) -> Any:
    # The gate loads the redaction package (0.03-0.06 s): only a face that prints for others asks it.
    if name == "logs_gated":
        from tracetui.blame.log_gate import logs_gated

        return logs_gated
    if name == "GateApart":
        from tracetui.blame.gate_apart import GateApart

        return GateApart
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BlameLine",
    "CommitBlame",
    "Contribution",
    "FileBlame",
    "GateApart",
    "Judged",
    "LOG_MEMBERS",
    "LineIndex",
    "Posting",
    "RangeBlame",
    "Refresh",
    "agent_trace",
    "blame_commit",
    "blame_file",
    "blame_range",
    "logs_gated",
    "open_index",
    "record_problems",
    "session_log_members",
]
