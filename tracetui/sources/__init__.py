"""Readers: one per agent, turning raw log bytes into a `Session`.

Every reader has the same two entry points, so the bucket never needs to know a format:

- `group(paths) -> list[SessionFiles]`: which files make up which session (a Claude Code session
  is a main transcript plus its subagent transcripts and `.meta.json` sidecars).
- `read(main, companions) -> Session`: parse the bytes. Never raises on bad data: torn or
  non-JSON lines become `LineError`s, unknown record types are counted in `Session.skipped`.

Readers take bytes rather than paths because the bucket re-reads its own compressed copies.

The JSONL readers (Claude Code, Codex, Pi) also offer `resume(previous, main, companions)`: the same
Session, read from a snapshot of an earlier read plus the lines past it, and a snapshot for next time
(`resumable`); the bucket keeps those between syncs, so a grown log is parsed only where it grew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tracetui.model import LineErrors, Session

if TYPE_CHECKING:
    from tracetui.sources.registry import Agent


@dataclass(slots=True)
class RawLog:
    """One raw log file: where it came from, and its bytes."""

    path: str
    data: bytes


@dataclass(slots=True)
class SessionFiles:
    """The files that make up one session: the main log and any companions (subagents, sidecars)."""

    agent: str
    main: Path
    companions: list[Path] = field(default_factory=list)

    @property
    def all(self) -> list[Path]:
        return [self.main, *self.companions]


def reader(agent: str) -> Agent:
    """The registered agent of that name: its `group(paths)` and `read(main, companions)`."""
    from tracetui.sources import registry

    return registry.get(agent)


def read_session(files: SessionFiles, load: Callable[[Path], bytes] | None = None) -> Session:
    """Read one session from disk (or through `load`, e.g. from the bucket's copies)."""
    load = load or (lambda p: p.read_bytes())
    main = RawLog(str(files.main), load(files.main))
    companions = [RawLog(str(p), load(p)) for p in files.companions]
    session = reader(files.agent).read(main, companions)
    session.errors = LineErrors(session.errors)
    return session


def group(agent: str, paths: Iterable[Path]) -> list[SessionFiles]:
    return reader(agent).group(list(paths))
