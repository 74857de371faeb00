"""A blamed file as an Agent Trace record (agent-trace.dev, the attribution record several coding
tools write): `tracetui blame FILE --format agent-trace`.

More in docs/internals/blame.md, `blame/agent_trace.py`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tracetui import __version__
from tracetui.blame.results import FileBlame

VERSION = "0.1"
VENDOR = "dev.tracetui"
_MODEL_ID_MAX = 250  # the schema's limit on contributor.model_id
_ID_NAMESPACE = uuid.UUID("6f1c3a52-7c0e-4d8e-9a43-2b5d7e1f0c94")  # tracetui's, for uuid5 ids


def agent_trace(library: Any, found: FileBlame, now: datetime | None = None) -> dict[str, Any]:
    """The Agent Trace record of a blamed file. `library` gives each writing session's models."""
    models: dict[tuple[str, str], str | None] = {}
    runs: list[dict[str, Any]] = []  # consecutive lines of one writer and state
    for line in found.lines:
        w = line.writer
        if w is not None and line.kind == "agent":
            key = ("agent", w.session, w.step, line.state)
        else:
            key = (line.kind if line.kind == "human" else "unknown", "", "", line.state)
        last = runs[-1] if runs else None
        if last is not None and last["key"] == key and last["end_line"] == line.line - 1:
            last["end_line"] = line.line
        else:
            runs.append({"key": key, "start_line": line.line, "end_line": line.line})
        if w is not None and (w.session, w.step) not in models:
            models[(w.session, w.step)] = None
    _fill_models(library, models)

    conversations: dict[str, dict[str, Any]] = {}
    sessions: dict[str, dict[str, Any]] = {}
    ranges_meta: list[dict[str, Any]] = []
    agents = {ln.writer.session: ln.writer.agent for ln in found.lines if ln.writer is not None}
    for run in runs:
        kind, session, step, state = run["key"]
        span = {"start_line": run["start_line"], "end_line": run["end_line"]}
        if kind == "agent":
            model = models.get((session, step))
            contributor = _contributor("ai", model)
            conv = conversations.setdefault(f"session:{session}", {"contributor": contributor, "ranges": []})
            ranges_meta.append({**span, "session": session, "step": step, "state": state})
            if state == "transformed":
                span["contributor"] = _contributor("mixed", model)
            elif conv["contributor"] != contributor:  # another model of the same session
                span["contributor"] = contributor
            meta = sessions.setdefault(session, {"agent": agents.get(session), "steps": []})
            if step not in meta["steps"]:
                meta["steps"].append(step)
        else:
            conv = conversations.setdefault(kind, {"contributor": {"type": kind}, "ranges": []})
            ranges_meta.append({"start_line": run["start_line"], "end_line": run["end_line"], "state": state})
        conv["ranges"].append(span)

    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "version": VERSION,
        "id": str(uuid.uuid5(_ID_NAMESPACE, f"{found.ref_commit}:{found.path}:{__version__}")),
        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "vcs": {"type": "git", "revision": found.ref_commit},
        "tool": {"name": "tracetui", "version": __version__},
        "files": [{"path": found.path, "conversations": list(conversations.values())}] if runs else [],
        "metadata": {
            VENDOR: {
                "ref": found.ref,
                "sessions": sessions,
                "ranges": ranges_meta,
            }
        },
    }


def _contributor(kind: str, model: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind}
    if model and len(model) <= _MODEL_ID_MAX:
        out["model_id"] = model
    return out


def _fill_models(library: Any, wanted: dict[tuple[str, str], str | None]) -> None:
    """The model that answered at each writing step: the step's own, else the last one its
    conversation named before it, else the session's only model. A session that cannot be read
    leaves its steps without a model (the record says `ai` without `model_id`)."""
    for session_id in sorted({s for s, _ in wanted}):
        try:
            session = library.session(session_id)
        except Exception:  # a session gone from the library since the index was made
            continue
        default = session.models[0] if len(session.models) == 1 else None
        last: dict[str | None, str] = {}
        for step in session.steps:
            if step.model:
                last[step.subagent] = step.model
            if (session_id, step.id) in wanted:
                wanted[(session_id, step.id)] = step.model or last.get(step.subagent) or default
