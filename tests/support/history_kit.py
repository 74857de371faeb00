"""Classes of history for the trail's and blame's tables (tests/unit/trail/test_trail_history_classes.py,
tests/unit/blame/test_blame_history_classes.py): each a hand-made repository and session, with its outcome
written by hand. This module holds the case's shape and the pieces the classes share; the classes are in
history_files.py (one file's own history), history_shapes.py, history_more.py (whose `Story` tells
most of them), history_crossings.py, history_rewrites.py (folders moved or copied in, squashes, picks,
rebases, formatters, restores) and history_branches.py (branches, sessions, shell writes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from support.trail_kit import Repo, iso, replace
from tracetui.model import FileEdit, Session

BODY = "".join(f"line {i} of {{name}}\n" for i in range(1, 11))


FUNC = "def added_by_agent():\n    return compute_the_answer(alpha, beta, gamma)\n"


@dataclass
class Case:
    repo: Repo
    sessions: list[Session]
    # (session id, step, state, commit label or None, path_now or None)
    fates: list[tuple[str, str, str, str | None, str | None]]
    # (file, text of a line at HEAD, (session, step) that wrote it, or None for a human's line)
    blames: list[tuple[str, str, tuple[str, str] | None]] = field(default_factory=list)
    commits: dict[str, str] = field(default_factory=dict)


def _start(tmp_path: Path, *names: str) -> Repo:
    repo = Repo(tmp_path / "repo")
    for name in names:
        repo.write(name, BODY.format(name=name))
    repo.commit("initial", iso(9))
    return repo


def _add(repo: Repo, name: str, after: int = 5, text: str = FUNC) -> FileEdit:
    anchor = f"line {after} of {name}\n"
    return replace(repo, name, anchor, anchor + text)


def _named(session: Session, sid: str) -> Session:
    session.id = sid
    return session


def _bytes(repo: Repo, name: str, data: bytes) -> None:
    (repo.path / name).write_bytes(data)


BLOCK = (
    "def moved_helper(items):\n    total = sum(item.weight for item in items)\n"
    "    scale = total / max(len(items), 1)\n    return [item.weight / scale for item in items]\n"
)
