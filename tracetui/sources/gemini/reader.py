"""Gemini CLI's reader: a session file's conversation as steps (format: docs/formats/gemini.md).

The files of a session are grouped in `files`, replayed into their conversation in `replay`, made
steps in `steps` (the field helpers in `parts`), placed in their project in `project`; `stage` keeps
the sessions only `logs.json` remembers and cuts apart the files several sessions share.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracetui.model import COPIED, LineErrors, Session
from tracetui.sources import RawLog
from tracetui.sources.common import titles
from tracetui.sources.common.coerce import as_str, opt_str
from tracetui.sources.gemini.files import NAME, PROMPTS_PREFIX, _is_logs, _is_project_root, _short_id, group
from tracetui.sources.gemini.project import _project_root, _title_from_logs
from tracetui.sources.gemini.replay import _replay
from tracetui.sources.gemini.split import UUID, session_id
from tracetui.sources.gemini.stage import _read_prompts, restage, stage
from tracetui.sources.gemini.steps import _Reader
from tracetui.sources.registry import Agent


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one Gemini CLI session (main file, subagent files, the project's logs.json)."""
    if Path(main.path.replace("\\", "/")).name.startswith(PROMPTS_PREFIX):
        return _read_prompts(main)
    errors: LineErrors = LineErrors()
    skipped: dict[str, int] = {}
    conv = _replay(main, errors, skipped)
    logs = next((c for c in companions if _is_logs(Path(c.path))), None)
    roots = [c for c in companions if _is_project_root(Path(c.path))]
    legacy = [c for c in companions if c.path == main.path[:-1]]  # the v1 file a resume migrated
    if not conv.records and legacy:
        # The .jsonl a resume started has nothing yet: the migrated v1 file still holds the session.
        conv = _replay(legacy[0], errors, skipped)
    session = Session(
        id=_session_id(conv.meta, main.path),
        agent=NAME,
        source=main.path,
        files=[main.path, *(c.path for c in companions)],
        errors=errors,
        skipped=skipped,
        version=conv.version,
    )
    reader = _Reader(session)
    reader.conversation(conv, None)
    for log in companions:
        if log is logs or log in legacy or log in roots:
            continue
        sub_errors: LineErrors = LineErrors()
        sub = _replay(log, sub_errors, skipped)
        errors.extend(sub_errors)
        sid = as_str(sub.meta.get("sessionId")) or Path(log.path).stem
        reader.subagent_transcript(sid, sub, log.path)
    reader.finish(conv, _project_root(roots[0]) if roots else None)
    _fork(session, conv.meta)
    own_id = as_str(conv.meta.get("sessionId")) or session.id
    if session.title is None and logs is not None and (UUID.match(own_id) or own_id.isdigit()):
        # A fixed id (`a2a-server`) is every session's of its server: their prompts are not this one's.
        session.title = _title_from_logs(logs, own_id, errors)
    session.hidden = titles.why_hidden(session.steps, session.tokens)
    return session


def _fork(session: Session, meta: dict[str, Any]) -> None:
    """A session `tracetui resume` wrote names its source (`forkedFrom`, a field of tracetui's the CLI
    keeps): the steps older than its start are the copies its parent spent."""
    parent = opt_str(meta.get("forkedFrom"))
    start = opt_str(meta.get("startTime"))
    if parent is None or start is None:
        return
    session.forked_from, session.forked_at = parent, start
    for step in session.steps:
        if step.timestamp is not None and step.timestamp < start:
            step.meta[COPIED] = True


def _session_id(meta: dict[str, Any], path: str) -> str:
    """The session's id (`gemini_split.session_id`; the file's name says it where no record does)."""
    return session_id(meta, _short_id(Path(path.replace("\\", "/"))))


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    # Gemini CLI puts `.gemini` under GEMINI_CLI_HOME when set, instead of the home folder.
    base = Path(env["GEMINI_CLI_HOME"]) if env.get("GEMINI_CLI_HOME") else home
    return [base / ".gemini" / "tmp"]


AGENT = Agent(
    name=NAME,
    label="Gemini CLI",
    # Subagents write `chats/<parent id>/<agent uuid>.jsonl` (and `.json` before v2). The patterns
    # with a leading `*` also find flattened copies (owner__repo__.gemini__…__session-….json) and
    # renamed examples (…gemini-cli-….json); `/restore` snapshots and `/chat save` checkpoints
    # (checkpoint*.json) are left alone: they are not sessions and can be large.
    patterns=(
        "*session-*.json",
        "*session-*.jsonl",
        "*logs.json",
        "*.project_root",
        "chats/*/*.json",
        "chats/*/*.jsonl",
        "*gemini*.json",
        "*gemini*.jsonl",
    ),
    folders=_folders,
    group=group,
    read=read,
    env=("GEMINI_CLI_HOME",),
    stage=stage,
    restage=restage,
)
