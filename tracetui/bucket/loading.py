"""A session read back from the index: its row and its steps, all or its first ones, and for a preview
its head summary (`preview_head`), which lets it read only the steps a preview draws.
"""

from __future__ import annotations

import sqlite3

import orjson

from tracetui import collector
from tracetui.bucket import shards
from tracetui.bucket.index import SUMMARY_COLUMNS, SUMMARY_WIDTH, step_from_row, summary_from_row
from tracetui.model import GitInfo, LineError, Session, Subagent
from tracetui.preview_head import HeadFacts

# About how many objects the collector tracks for a step read back (the step, its dicts and lists).
STEP_OBJECTS = 5


def load_session(conn: sqlite3.Connection, session_id: str, steps: int | None = None) -> Session | None:
    """A session from its row and its steps (only the first `steps` of them, when given)."""
    loaded = _load(conn, session_id, steps, False)
    return loaded[0] if loaded is not None else None


def load_preview(conn: sqlite3.Connection, session_id: str,
                 steps: int) -> tuple[Session, HeadFacts | None] | None:  # fmt: skip
    """A preview of a session: its first `steps` steps, or, where its row keeps a summary of that
    head, only as many as the summary says the preview draws from (`HeadFacts.reach`) with the
    summary; None when the session is not in the index."""
    return _load(conn, session_id, steps, True)


def _load(conn: sqlite3.Connection, session_id: str, steps: int | None,
          preview: bool) -> tuple[Session, HeadFacts | None] | None:  # fmt: skip
    query = f"SELECT {SUMMARY_COLUMNS}, extra, shard, gkey FROM sessions WHERE id=?"
    row = conn.execute(query, (session_id,)).fetchone()
    if row is None:
        return None
    summary = summary_from_row(row[:SUMMARY_WIDTH])
    extra = orjson.loads(row[SUMMARY_WIDTH])
    head = HeadFacts.from_json(extra.get("head")) if preview and steps is not None else None
    # A summary of another head than asked for, or of a session other than the row's (its steps
    # counted otherwise), is not this preview's; one whose reach is the head's spares nothing.
    if head is not None and (head.of != steps or head.steps != min(steps, summary.steps)
                             or head.reach >= head.steps):  # fmt: skip
        head = None
    shard, gkey = row[SUMMARY_WIDTH + 1], row[SUMMARY_WIDTH + 2]
    rows = shards.steps_of(conn, shard, gkey, head.reach if head else steps)
    with collector.paused():  # a million steps set off full collections that froze the app's UI thread
        made = [step_from_row(r) for r in rows]
        collector.keep_out(len(made) * STEP_OBJECTS)
    session = Session.from_summary(
        summary,
        made,
        version=extra.get("version"),
        git=GitInfo.from_dict(extra.get("git")),
        subagents=[Subagent.from_dict(a) for a in extra.get("subagents", ())],
        files=list(extra.get("files") or ()),
        errors=[LineError.from_dict(e) for e in extra.get("errors", ())],
        skipped=dict(extra.get("skipped") or {}),
        forked_at=extra.get("forked_at") if isinstance(extra.get("forked_at"), str) else None,
    )
    if head is not None and len(made) != head.reach:
        return session, None  # the shard held fewer steps than the row says: no summary to trust
    return session, head
