"""GitHub Copilot CLI's reader: a session's events as steps (format: docs/formats/copilot.md).

The files of a session are grouped in `files`; the legacy document becomes events in `legacy`; the
events become steps in `events` (the notices it shows in `notices`, the fields it reads in `fields`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracetui.model import LineErrors, Session
from tracetui.sources import RawLog
from tracetui.sources.common.jsonl import guarded, iter_records
from tracetui.sources.copilot.events import _Reader
from tracetui.sources.copilot.fields import _custom_title, _yaml_scalars
from tracetui.sources.copilot.files import NAME, VSCODE, WORKSPACE, _folders, _is_legacy, group
from tracetui.sources.copilot.legacy import _legacy_events
from tracetui.sources.registry import Agent


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one Copilot CLI session. Never raises on bad data."""
    errors: LineErrors = LineErrors()
    session = Session(
        id="", agent=NAME, source=main.path, files=[main.path, *(c.path for c in companions)], errors=errors
    )
    workspace: dict[str, str] = {}
    checkpoints: dict[str, str] = {}  # file name -> text
    hosted: str | None = None  # the VS Code chat's own title
    for log in companions:
        name = Path(log.path.replace("\\", "/")).name
        if name == WORKSPACE or name.endswith("__" + WORKSPACE):
            workspace = _yaml_scalars(log.data.decode("utf-8", "replace"))
        elif name == VSCODE or name.endswith("__" + VSCODE):
            hosted = _custom_title(log, errors)
        else:
            checkpoints[name.rsplit("__", 1)[-1]] = log.data.decode("utf-8", "replace")
    reader = _Reader(session, checkpoints)

    def is_entry(value: dict[str, Any]) -> bool:
        return isinstance(value.get("type"), str) and "data" in value

    data = main.data[3:] if main.data.startswith(b"\xef\xbb\xbf") else main.data
    if _is_legacy(Path(main.path.replace("\\", "/"))):
        for n, record in enumerate(_legacy_events(main.path, data, errors, session.skipped)):
            reader.line = n
            with guarded(errors, main.path, 1):
                reader.event(record)
        reader.finish(workspace, hosted)
        session.version = "copilot-legacy" if session.version == "copilot" else session.version
        return session
    for line, record in iter_records(main.path, data, errors, is_entry):
        reader.line = line
        with guarded(errors, main.path, line):
            reader.event(record)
    reader.finish(workspace, hosted)
    return session


AGENT = Agent(
    name=NAME,
    label="Copilot CLI",
    # The patterns with a leading `*` also find flattened copies (…__<id>__workspace.yaml).
    # `session_*.json`: the legacy `history-session-state/session_<id>_<ms>.json` documents (a
    # narrow name, so no other JSON of a session folder is copied into the bucket).
    patterns=(
        "*.jsonl",
        "*" + WORKSPACE,
        "*" + VSCODE,
        "[0-9][0-9][0-9]-*.md",
        "*__checkpoints__[0-9][0-9][0-9]-*.md",
        "session_*.json",
        "*__session_*.json",
    ),
    folders=_folders,
    group=group,
    read=read,
    env=("COPILOT_HOME", "XDG_CONFIG_HOME"),
)
