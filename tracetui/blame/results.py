"""What blame answers: a line's writer (`BlameLine`), a file's, a commit's and a range's
(`FileBlame`, `CommitBlame`, `RangeBlame`), and the thresholds they share."""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass
from typing import Any

from tracetui.blame.index import LineIndex, Posting, Refresh, index_path
from tracetui.safe_text import command_line

SLACK_SECONDS = 60  # the trail's clock slack between a log's clock and git's
# A log written in a folder not recognisable by name, commit or remote is this repository's when the
# trail's mapping places it here and the clone holds at least this many of its files and the log's text:
# one file of a common name (README.md) is held by every clone. Holding one, it must hold half of the
# long lines the session wrote there (`mapping.holds_written_text`).
MAPPED_FILES = 2
MOVED_DEPTH = 8  # folders above a patch's file looked at for this repository's logged root
# A twin (a text several patches wrote) was placed by a patch that had the line's neighbours near it
# weighing at least this much (`lines._near`: a neighbour 1 line off weighs 1, 2 lines off 1/2, ...).
PLACED_MIN = 0.5
STATE_HUMAN = "human"
STATE_UNKNOWN = "unknown"
# A line whose only candidate patch is `lost` (the trail: it reached no commit) is a human's when that
# patch was written this long before the line's commit: the commit wrote the text anew (a generic
# line, `raise SystemExit(0)`, days later); closer to it, who wrote it is not known.
LOST_STALE_SECONDS = 86_400
# The members of blame's documents that hold what a session's log said (a step's prompt, the path it
# gave, its ids): what a face passes through the export's gate before printing. The rest is git's (the
# lines, the commit's message and author), which whoever reads the blame reads in the repository.
LOG_MEMBERS = frozenset({"session", "step", "agent", "prompt", "prompts", "prompt_step", "logged_path",
                         "time", "open"})  # fmt: skip


@dataclass(slots=True)
class BlameLine:
    """One line of a file at a revision and who wrote it.

    `kind` is "agent" (a step's patch wrote it: `writer`), "human" (its commit, no session) or
    "unknown". `state` is the writing patch's survival state (the trail's, at the blamed revision)
    for an agent line, else "human" or "unknown".
    """

    path: str
    line: int
    text: str
    commit: str | None
    kind: str
    state: str
    writer: Posting | None = None
    author: str | None = None
    committed: str | None = None  # the commit's time, ISO-8601 UTC
    reason: str | None = None
    # The trail's patch state is the whole patch's: a patch whose other lines a later step of the
    # session replaced is `lost` (superseded_by names that step) even though this line lives on.
    superseded_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        w = self.writer
        return {
            "path": self.path,
            "line": self.line,
            "commit": self.commit,
            "session": w.session if w else None,
            "step": w.step if w else None,
            "index": w.index if w else None,
            "agent": w.agent if w else None,
            "state": self.state,
            "prompt": w.prompt if w else None,
            "kind": self.kind,
            "text": self.text,
            "time": w.timestamp if w else None,
            "prompt_step": w.prompt_step if w else None,
            "logged_path": w.path if w else None,
            "author": self.author,
            "committed": self.committed,
            "open": open_hint(w),
            "reason": self.reason,
            "superseded_by": self.superseded_by,
        }


def log_members(w: Posting) -> dict[str, Any]:
    """The `LOG_MEMBERS` a row writes of its writer, as `BlameLine.to_dict` writes them."""
    return {"session": w.session, "step": w.step, "agent": w.agent, "prompt": w.prompt, "time": w.timestamp,
            "prompt_step": w.prompt_step, "logged_path": w.path, "open": open_hint(w)}  # fmt: skip


def session_log_members(library: Any, sid: str) -> list[dict[str, Any]]:
    """`log_members` of each patch of the session the library's line index holds as it stands (none
    where it holds none or cannot be read): every log string a blame of any file, commit or range may
    print of the session, known without reading it."""
    path = index_path(getattr(library, "cache_dir", None))
    if path is None or not path.is_file():
        return []
    try:
        with LineIndex(path) as index:
            return [log_members(w) for w in index.postings_of(sid)]
    except sqlite3.Error:
        return []


def open_hint(w: Posting | None) -> str | None:
    """How to open the writer's step in the CLI, by the number every face shows (the app opens it there)."""
    return _show_step(w.session, w.index) if w else None


@functools.lru_cache(maxsize=4096)
def _show_step(session: str, index: int) -> str:
    # Made once per step: a step writes many lines of a file (4,442 lines of a blame quoted 0.02 s).
    return command_line("tracetui", "show", session, "--step", str(index))


@dataclass(slots=True)
class FileBlame:
    """A file at a revision, line by line."""

    repo: str
    ref: str
    ref_commit: str
    path: str
    lines: list[BlameLine]
    refresh: Refresh | None = None

    def rows(self) -> list[dict[str, Any]]:
        return [x.to_dict() for x in self.lines]


@dataclass(slots=True)
class Contribution:
    """A step's share of a commit's added lines."""

    session: str
    agent: str
    step: str
    index: int
    time: str | None
    prompt: str | None
    prompt_step: str | None
    lines: int = 0
    share: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session, "agent": self.agent, "step": self.step, "index": self.index,
            "time": self.time, "prompt": self.prompt, "prompt_step": self.prompt_step,
            "lines": self.lines, "share": round(self.share, 4),
            "open": command_line("tracetui", "show", self.session, "--step", str(self.index)),
        }  # fmt: skip


@dataclass(slots=True)
class CommitBlame:
    """What sessions explain of one commit's added lines."""

    commit: str
    message: str
    author: str
    committed: str
    added: int  # lines the commit adds (against its first parent)
    steps: list[Contribution]
    unexplained: list[dict[str, Any]]  # {"path", "line", "text"}
    merge: bool = False

    @property
    def explained(self) -> int:
        return sum(c.lines for c in self.steps)

    def sessions(self) -> list[dict[str, Any]]:
        """Per session: its lines, share and the prompts that drove its steps here (in step order)."""
        out: dict[str, dict[str, Any]] = {}
        for c in sorted(self.steps, key=lambda c: (c.session, c.index)):
            s = out.setdefault(
                c.session, {"session": c.session, "agent": c.agent, "lines": 0, "steps": 0, "prompts": []}
            )
            s["lines"] += c.lines
            s["steps"] += 1
            if c.prompt and c.prompt not in s["prompts"]:
                s["prompts"].append(c.prompt)
        for s in out.values():
            s["share"] = round(s["lines"] / self.added, 4) if self.added else 0.0
        return sorted(out.values(), key=lambda s: -s["lines"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "message": self.message,
            "author": self.author,
            "committed": self.committed,
            "merge": self.merge,
            "added": self.added,
            "explained": self.explained,
            "share": round(self.explained / self.added, 4) if self.added else 0.0,
            "sessions": self.sessions(),
            "steps": [c.to_dict() for c in self.steps],
            "unexplained": self.unexplained,
        }


@dataclass(slots=True)
class RangeBlame:
    """A pull request's view: its commits, oldest first, each with what sessions explain."""

    base: str
    head: str
    commits: list[CommitBlame]

    def to_dict(self) -> dict[str, Any]:
        added = sum(c.added for c in self.commits)
        explained = sum(c.explained for c in self.commits)
        return {
            "base": self.base,
            "head": self.head,
            "added": added,
            "explained": explained,
            "share": round(explained / added, 4) if added else 0.0,
            "commits": [c.to_dict() for c in self.commits],
        }
