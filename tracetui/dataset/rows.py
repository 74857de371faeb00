"""A dataset's rows made into the model the faces show (Step, Session, SessionSummary), every value
checked for its type on the way: a dataset may be anyone's, and a column of the wrong type is absent.

Text stays as exported (it is redacted already); whoever puts it on a terminal passes it through
`safe_text`, as for a bucket's or a capsule's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from tracetui.model import GitInfo, Session, SessionSummary, Step, StepKind, Tokens
from tracetui.sources.common.jsonl import loads_whole

# A tool input or meta nested deeper than this is an attack on the code that shows it (the capsule's
# bound): kept as its JSON text instead.
JSON_DEPTH = 64
MAX_COUNT = 2**40  # the readers' bound on a count (docs/design.md, "Safety rules")
_ROLES = ("user", "assistant", "tool", "system")


def projection(wanted: dict[str, str], present: set[str]) -> str:
    """The select list that reads each `wanted` column as its type: absent where it is of another
    type (TRY_CAST), null where the files lack it, a time as milliseconds since the epoch."""
    out = []
    for name, kind in wanted.items():
        value = f'TRY_CAST("{name}" AS {kind})' if name in present else f"CAST(NULL AS {kind})"
        if kind == "TIMESTAMP":
            value = f"epoch_ms({value})"
        out.append(f'{value} AS "{name}"')
    return ", ".join(out)


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT else 0


def moment(ms: Any) -> str | None:
    """Milliseconds since the epoch (what the reader is asked for) as the logs write a UTC time."""
    if not isinstance(ms, int) or isinstance(ms, bool):
        return None
    try:
        when = datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def tokens(row: dict[str, Any]) -> Tokens:
    return Tokens(
        count(row.get("tokens_input")),
        count(row.get("tokens_output")),
        count(row.get("tokens_cache_read")),
        count(row.get("tokens_cache_write")),
    )


def strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def summary(row: dict[str, Any], source: str) -> SessionSummary:
    """A sessions row (the library's own projection of it) as a listing row."""
    return SessionSummary(
        id=text(row.get("session_id")) or "",
        agent=text(row.get("agent")) or "unknown",
        project=text(row.get("project")),
        cwd=text(row.get("cwd")),
        title=text(row.get("title")),
        started=moment(row.get("started")),
        ended=moment(row.get("ended")),
        steps=count(row.get("steps")),
        tool_calls=count(row.get("tool_calls")),
        edits=count(row.get("edits")),
        tokens=tokens(row),
        models=strings(row.get("models")),
        source=source,
        machine=text(row.get("machine")),
        user=text(row.get("user")),
    )


def step(row: dict[str, Any], position: int, tool_input: Any = None) -> Step:
    kind = text(row.get("kind"))
    role = text(row.get("role"))
    has_tokens = any(isinstance(row.get(k), int) for k in ("tokens_input", "tokens_output", "tokens_cache_read",
                                                           "tokens_cache_write"))  # fmt: skip
    meta = loads(row.get("meta"))
    return Step(
        id=text(row.get("step_id")) or f"step-{position}",
        index=position,  # the timeline's position: the dataset's own `index` is only its order
        kind=kind if kind in StepKind.ALL else StepKind.SYSTEM,
        role=role if role in _ROLES else "system",
        text=text(row.get("text")) or "",
        timestamp=moment(row.get("timestamp")),
        tool=text(row.get("tool")),
        tool_call_id=text(row.get("tool_call_id")),
        tool_input=tool_input,
        parent=text(row.get("parent")),
        subagent=text(row.get("subagent")),
        active=row.get("active") is not False,
        is_error=row.get("is_error") is True,
        model=text(row.get("model")),
        tokens=tokens(row) if has_tokens else None,
        meta=meta if isinstance(meta, dict) else {},
    )


def session(head: dict[str, Any], listed: SessionSummary, steps: list[Step]) -> Session:
    git = GitInfo(text(head.get("git_branch")), text(head.get("git_commit")), text(head.get("git_remote")))
    return Session.from_summary(
        listed,
        steps,
        version=text(head.get("version")),
        git=git if (git.branch or git.commit or git.remote) else None,
        files=[listed.source],
    )


def fate(row: dict[str, Any]) -> dict[str, Any]:
    """A patches row in the shape the trail view folds (`views.trail.from_rows`, a capsule's fates)."""
    out: dict[str, Any] = {
        "step": text(row.get("step_id")),
        "path": text(row.get("path")) or "?",
        "state": text(row.get("state")),
        "commit": text(row.get("commit")),
        "diff": text(row.get("diff")) or "",
    }
    for key in ("kept", "changed", "dropped"):
        if isinstance(row.get(key), int) and not isinstance(row.get(key), bool):
            out[key] = count(row[key])
    note = text(row.get("superseded_by"))
    if note:
        out["reason"] = f"replaced by step {note} of the session"
    return out


def loads(value: Any) -> Any:
    """A JSON column's value, or None where it is none, not JSON, or nested past JSON_DEPTH."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = loads_whole(value)
    except orjson.JSONDecodeError:
        return None
    return parsed if _depth(parsed) <= JSON_DEPTH else None


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            items = list(item.values())
        elif isinstance(item, list):
            items = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > JSON_DEPTH:
            return deepest
        stack.extend((v, level + 1) for v in items)
    return deepest
