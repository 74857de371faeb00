"""Blame: from a line, a commit or a range of commits back to the step, its prompt and its context.

Public API (the CLI and the app use only these):

- `blame_file(library, file, repo=None, ref="HEAD", lines=None, states=True, progress=None)
  -> FileBlame`: each line of FILE as it is at REV, a `BlameLine` (path, line, text, commit, kind
  "agent" | "human" | "unknown", state, writer: `Posting` with session, agent, step, index,
  timestamp, prompt and prompt_step). `FileBlame.rows()` gives the `blame --json` rows. This is
  the one call the app's Blame screen needs; run it off the UI thread (it walks git history and
  may bring the line index up to date).
- `blame_commit(library, rev, repo=None) -> CommitBlame`: each step's share of a commit's added
  lines, and the lines no session explains.
- `blame_range(library, "BASE..HEAD", repo=None) -> RangeBlame`: the same per commit of a range.
- `agent_trace(library, file_blame) -> dict`: the blamed file as an Agent Trace record
  (agent_trace.py says how lines map).
- `LineIndex`, `open_index(library)`: the index from added-line identity to patches, kept in the
  library's cache folder (index.py says how it stays fresh).

How a writer is chosen is in attribute.py. Nothing here imports Textual; git access is pygit2 only.
"""

from __future__ import annotations

from tracetui.blame.agent_trace import agent_trace
from tracetui.blame.attribute import (
    BlameLine,
    CommitBlame,
    Contribution,
    FileBlame,
    RangeBlame,
    blame_commit,
    blame_file,
    blame_range,
    open_index,
)
from tracetui.blame.index import LineIndex, Posting, Refresh

__all__ = [
    "BlameLine",
    "CommitBlame",
    "Contribution",
    "FileBlame",
    "LineIndex",
    "Posting",
    "RangeBlame",
    "Refresh",
    "agent_trace",
    "blame_commit",
    "blame_file",
    "blame_range",
    "open_index",
]
