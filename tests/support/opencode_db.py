"""OpenCode's SQLite database (`opencode.db`) made from a JSON storage tree, as its own migration
makes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson


def schema(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE project (id TEXT PRIMARY KEY, worktree TEXT NOT NULL, time_created INTEGER,
            time_updated INTEGER);
        CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, workspace_id TEXT,
            parent_id TEXT, slug TEXT NOT NULL, directory TEXT NOT NULL, path TEXT, title TEXT NOT NULL,
            version TEXT NOT NULL,
            share_url TEXT, summary_additions INTEGER, summary_deletions INTEGER, summary_files INTEGER,
            summary_diffs TEXT, revert TEXT, permission TEXT, time_created INTEGER NOT NULL,
            time_updated INTEGER NOT NULL, time_compacting INTEGER, time_archived INTEGER);
        CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL,
            time_updated INTEGER NOT NULL, data TEXT NOT NULL);
        CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL,
            time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
        """
    )


def fill(conn: sqlite3.Connection, storage: Path, when: int = 1) -> None:
    """The rows OpenCode's JSON-to-SQLite migration makes of a storage tree."""
    for path in sorted(storage.glob("session/*/*.json")):
        s = orjson.loads(path.read_bytes())
        conn.execute(
            "INSERT INTO session (id, project_id, parent_id, slug, directory, title, version, "
            "summary_additions, "
            "time_created, time_updated) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                s["id"],
                s["projectID"],
                s.get("parentID"),
                s["slug"],
                s["directory"],
                s["title"],
                s["version"],
                (s.get("summary") or {}).get("additions"),
                s["time"]["created"],
                s["time"]["updated"],
            ),
        )
    for path in sorted(storage.glob("message/*/*.json")):
        m = orjson.loads(path.read_bytes())
        data = {k: v for k, v in m.items() if k not in ("id", "sessionID")}
        conn.execute(
            "INSERT INTO message VALUES (?,?,?,?,?)",
            (m["id"], m["sessionID"], 1, when, orjson.dumps(data).decode()),
        )
    for path in sorted(storage.glob("part/*/*.json")):
        p = orjson.loads(path.read_bytes())
        data = {k: v for k, v in p.items() if k not in ("id", "sessionID", "messageID")}
        conn.execute(
            "INSERT INTO part VALUES (?,?,?,?,?,?)",
            (p["id"], p["messageID"], p["sessionID"], 1, when, orjson.dumps(data).decode()),
        )
