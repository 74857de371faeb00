"""A blamed file as an Agent Trace record (agent-trace.dev, the attribution record several coding
tools write): `tracetui blame FILE --format agent-trace`.

More in docs/internals/blame.md, `blame/agent_trace.py`.
"""

from __future__ import annotations

import calendar
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from tracetui import __version__
from tracetui.blame.results import FileBlame

VERSION = "0.1"
VENDOR = "dev.tracetui"
_MODEL_ID_MAX = 250  # the schema's limit on contributor.model_id
_ID_NAMESPACE = uuid.UUID("6f1c3a52-7c0e-4d8e-9a43-2b5d7e1f0c94")  # tracetui's, for uuid5 ids


def agent_trace(
    library: Any, found: FileBlame, now: datetime | None = None, only: str | None = None
) -> dict[str, Any]:
    """The Agent Trace record of a blamed file. `library` gives each writing session's models.
    With `only` (a session id) the record holds that session's lines alone: an export's record of
    one session says nothing of lines other sessions or people wrote."""
    models: dict[tuple[str, str], str | None] = {}
    runs: list[dict[str, Any]] = []  # consecutive lines of one writer and state
    for line in found.lines:
        w = line.writer
        if only is not None and (w is None or w.session != only or line.kind != "agent"):
            continue
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
    name = f"{found.ref_commit}:{found.path}:{__version__}" + (f":{only}" if only is not None else "")
    return {
        "version": VERSION,
        "id": str(uuid.uuid5(_ID_NAMESPACE, name)),
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


# The published schema's rules (the spec's schemas/trace-record.json, version 0.1), checked one by
# one: `export --check` runs them on every record, with no JSON-schema library to install. The tests
# hold them to the file itself with `jsonschema` (test_blame_agent_trace). Patterns are ASCII, as the
# schema's ECMA-262 regular expressions are.
_VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\Z")  # \Z: ECMA's `$`; Python's passes a last newline
_UUID_RE = re.compile(
    r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
    r"|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)\Z"
)
# RFC 3339 in UTC only (`Z`), a fraction of a second optional; the date and time must exist. The
# schema's pattern lets the seconds out too, but its `date-time` format (RFC 3339) does not, and a
# validator that checks formats refuses them: the seconds are required here, as every reader takes.
_TIME_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?Z\Z")
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_KINDS = ("human", "ai", "mixed", "unknown")
_VCS = ("git", "jj", "hg", "svn")
_LINE_MAX = 2**53 - 1


def record_problems(rec: Any) -> list[str]:
    """What in `rec` the spec's schema rejects, each in a line (empty: a valid record)."""
    out: list[str] = []
    _fields(out, "record", rec, {"version", "id", "timestamp", "vcs", "tool", "files", "metadata"},
            {"version", "id", "timestamp", "files"})  # fmt: skip
    if not isinstance(rec, dict):
        return out
    for key, check in (("version", _VERSION_RE.match), ("id", _UUID_RE.match), ("timestamp", _real_time)):
        if key in rec and (not isinstance(rec[key], str) or not check(rec[key])):
            out.append(f"{key} is not in the schema's form")
    if "vcs" in rec and _fields(out, "vcs", rec["vcs"], {"type", "revision"}, {"type", "revision"}):
        if rec["vcs"]["type"] not in _VCS or not isinstance(rec["vcs"]["revision"], str):
            out.append("vcs: a type of git, jj, hg or svn and a revision string")
    if "tool" in rec and _fields(out, "tool", rec["tool"], {"name", "version"}, {"name", "version"}):
        if not all(isinstance(v, str) for v in rec["tool"].values()):
            out.append("tool: name and version are strings")
    if "metadata" in rec and not isinstance(rec["metadata"], dict):
        out.append("metadata is not an object")
    if not isinstance(rec.get("files", []), list):
        return [*out, "files is not a list"]
    for i, f in enumerate(rec.get("files", [])):
        if not _fields(out, f"files[{i}]", f, {"path", "conversations"}, {"path", "conversations"}):
            continue
        if not isinstance(f["path"], str) or not isinstance(f["conversations"], list):
            out.append(f"files[{i}]: a path string and a list of conversations")
            continue
        for j, conv in enumerate(f["conversations"]):
            _conversation_problems(out, f"files[{i}].conversations[{j}]", conv)
    return out


def _conversation_problems(out: list[str], where: str, conv: Any) -> None:
    if not _fields(out, where, conv, {"url", "contributor", "ranges", "related"}, {"ranges"}):
        return
    if "url" in conv and not isinstance(conv["url"], str):
        out.append(f"{where}: url is not a string")
    if "contributor" in conv:
        _contributor_problems(out, where, conv["contributor"])
    if "related" in conv:
        if not isinstance(conv["related"], list):
            out.append(f"{where}: related is not a list")
        else:
            for k, rel in enumerate(conv["related"]):
                at = f"{where}.related[{k}]"
                if _fields(out, at, rel, {"type", "url"}, {"type", "url"}) and not all(
                    isinstance(v, str) for v in rel.values()
                ):
                    out.append(f"{at}: type and url are strings")
    if not isinstance(conv["ranges"], list):
        out.append(f"{where}: ranges is not a list")
        return
    for k, r in enumerate(conv["ranges"]):
        at = f"{where}.ranges[{k}]"
        if not _fields(out, at, r, {"start_line", "end_line", "content_hash", "contributor"},
                       {"start_line", "end_line"}):  # fmt: skip
            continue
        if not all(_line_number(r[n]) for n in ("start_line", "end_line")):
            out.append(f"{at}: lines are whole numbers from 1")
        if "content_hash" in r and not isinstance(r["content_hash"], str):
            out.append(f"{at}: content_hash is not a string")
        if "contributor" in r:
            _contributor_problems(out, at, r["contributor"])


def _real_time(text: str) -> bool:
    """A `Z` timestamp in the schema's form whose date and time exist (2026-02-30 and 24:00 do not)."""
    m = _TIME_RE.match(text)
    if m is None:
        return False
    year, month, day, hour, minute, second = (int(m.group(n)) for n in range(1, 7))
    if not 1 <= month <= 12 or hour > 23 or minute > 59 or second > 59:
        return False
    # The Gregorian calendar's days, year 0000 a leap year as the schema's pattern has it.
    days = 29 if month == 2 and calendar.isleap(year) else _DAYS[month - 1]
    return 1 <= day <= days


def _line_number(n: Any) -> bool:
    """A JSON integer from 1 to 2**53-1 (a whole float such as 3.0 is one; a boolean is not)."""
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return type(n) is int and 1 <= n <= _LINE_MAX


def _fields(out: list[str], where: str, obj: Any, allowed: set[str], required: set[str]) -> bool:
    if not isinstance(obj, dict):
        out.append(f"{where} is not an object")
        return False
    extra, missing = sorted(set(obj) - allowed), sorted(required - set(obj))
    if extra:
        out.append(f"{where}: fields the schema does not allow: {', '.join(map(str, extra))[:200]}")
    if missing:
        out.append(f"{where}: missing {', '.join(missing)}")
    return not missing


def _contributor_problems(out: list[str], where: str, c: Any) -> None:
    if not _fields(out, f"{where}.contributor", c, {"type", "model_id"}, {"type"}):
        return
    if c["type"] not in _KINDS:
        out.append(f"{where}.contributor: type is not one of {', '.join(_KINDS)}")
    if "model_id" in c and not (isinstance(c["model_id"], str) and len(c["model_id"]) <= _MODEL_ID_MAX):
        out.append(f"{where}.contributor: model_id is not a string of at most {_MODEL_ID_MAX} characters")
