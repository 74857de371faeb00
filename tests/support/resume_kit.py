"""`tracetui resume` as the tests drive it: a log read and forked at its last step, as the CLI writes it."""

from __future__ import annotations

from pathlib import Path

from tracetui.model import Session
from tracetui.resume import Resumed, write_session
from tracetui.sources import RawLog, group, read_session


def last_step(session: Session) -> int:
    """The last step of the session's final path (no subagent's): what a resume of it all carries."""
    return max(s.index for s in session.steps if s.active and s.subagent is None)


def forked_at_last(
    path: Path, agent: str, home: Path, cwd: str = "/home/dev/shop", env: dict[str, str] | None = None
) -> tuple[Session, Resumed]:
    """The session `path` holds, and its fork at `last_step` written under `home`."""
    [files] = group(agent, [path])
    session = read_session(files)
    raw = [RawLog(str(files.main), files.main.read_bytes())]
    return session, write_session(session, raw, last_step(session), cwd=cwd, env=env or {}, home=home)
