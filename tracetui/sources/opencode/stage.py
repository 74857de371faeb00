"""Gather OpenCode's sessions into logs the bucket can copy: one append-only *staged log* per session tree.

The bucket copies log files and re-reads only what grew (bucket/store.py). OpenCode's current storage
is one SQLite database rewritten in place, and its earlier one is many small JSON files per session;
neither is a log. So before a sync copies anything, `stage` turns whatever OpenCode material it was
given (databases, storage files, export documents) into one JSONL log per root session (a session
with its subagent sessions), in a folder of the bucket's own:

More in docs/formats/opencode.md, `sources/opencode/stage.py`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import LineError, LineErrors
from tracetui.regular_file import open_regular, outside
from tracetui.safe_text import safe_line
from tracetui.sources import RawLog
from tracetui.sources.common.coerce import as_list, as_str, opt_str
from tracetui.sources.common.jsonl import loads_within_depth
from tracetui.sources.common.staged_files import load_state, nameable, write_atomic
from tracetui.sources.opencode.objects import STAGED, Objects, load_objects

VERSION = 1
STATE = "state.json"
MAX_FILE = 64 << 20  # a material file larger than this is not read (the bucket's line limit)
SNIFF = 4096
COPY_TRIES = 3
# The database and its -wal are copied whole before they are read: a sparse file of terabytes named
# opencode.db (or `$OPENCODE_DB`) was copied byte for byte, a disk filled with zeros. Far past the
# database of years of daily use; one larger is skipped with a warning, as a material file is.
MAX_DATABASE = 8 << 30


class _TooLarge(Exception):
    """A database (with its -wal) grew past MAX_DATABASE while it was copied."""


def is_database(path: Path) -> bool:
    return path.suffix == ".db" and path.name.startswith("opencode")


def stage(found: list[Path], folder: Path) -> tuple[list[Path], LineErrors]:
    """The staged logs for the OpenCode material in `found` (written or brought up to date in
    `folder`), and the problems met. Never raises on bad material."""
    if not found:
        return [], LineErrors()  # OpenCode not installed, or its data gone: what was staged stays in the bucket
    folder.mkdir(parents=True, exist_ok=True)
    state = load_state(folder / STATE)
    if state.get("v") != VERSION:
        state = {"v": VERSION}
    work = _Stage(folder, state)
    try:
        inside = os.path.abspath(folder)
        for path in found:
            if os.path.abspath(path).startswith(inside + os.sep):
                continue  # the staged logs themselves, when a source folder holds the bucket
            if not nameable(path):
                # Said and left: the stage's state (JSON) cannot hold the name, and failing to write
                # it failed every OpenCode session of the sync.
                why = "the path is not UTF-8: rename it to have it read"
                work.problems.append(LineError(str(path), 0, why))
                continue
            if is_database(path):
                work.database(path)
            else:
                work.material_file(path)
        staged = work.write_roots()
    finally:
        work.close()
    state["files"] = work.files
    state["dbs"] = {path: db.record for path, db in work.dbs.items() if db.record is not None}
    write_atomic(folder / STATE, orjson.dumps(state))
    return staged, work.problems


# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Database:
    path: str
    folder: Path
    problems: LineErrors
    record: dict[str, Any] | None = None  # {"stat": [...], "sessions": {sid: [fingerprint, parent]}}
    conn: sqlite3.Connection | None = None
    copy: Path | None = None

    failed: bool = False  # a copy was tried and failed: said once, not tried again this sync

    def connect(self) -> sqlite3.Connection | None:
        if self.conn is None and not self.failed:
            self.conn = self._open_copy()
            self.failed = self.conn is None
        return self.conn

    def _open_copy(self) -> sqlite3.Connection | None:
        wal = self.path + "-wal"
        real = outside(wal, os.path.dirname(self.path)) if os.path.lexists(wal) else None
        if real is not None:  # as the sync refuses a log linked out of its folder (bucket.locations)
            why = f"not read: its -wal is a link out of its folder, to {safe_line(real)}"
            self.problems.append(LineError(self.path, 0, why))
            return None
        too_large = f"over {MAX_DATABASE >> 20:,} MB with its -wal, too large to copy; skipped"
        for _ in range(COPY_TRIES):
            before = _db_stat(self.path)
            if sum(max(n, 0) for n in before[::2]) > MAX_DATABASE:
                self.problems.append(LineError(self.path, 0, too_large))
                return None
            # A fresh folder of the user's alone (mkdtemp): `.copy-<pid>-<n>` was a name one could
            # guess, and a link planted there made mkdir fail, the sync with a traceback.
            target = Path(tempfile.mkdtemp(prefix=".copy-", dir=self.folder))
            self.copy = target
            try:
                room = MAX_DATABASE - _copy_file(self.path, target / "opencode.db", MAX_DATABASE)
                if os.path.exists(wal):
                    _copy_file(wal, target / "opencode.db-wal", room)
            except _TooLarge:  # it grew past the ceiling while copied
                shutil.rmtree(target, ignore_errors=True)
                self.problems.append(LineError(self.path, 0, too_large))
                return None
            except OSError as exc:
                self.problems.append(
                    LineError(self.path, 0, f"cannot copy the OpenCode database: {exc.strerror or exc}")
                )
                return None
            if _db_stat(self.path) != before:
                shutil.rmtree(target, ignore_errors=True)
                continue  # OpenCode wrote while we copied: the two files may not agree
            try:
                conn = sqlite3.connect(target / "opencode.db")
                _check_schema(conn)
                conn.execute("SELECT count(*) FROM session").fetchone()
                # Our own copy: index it for reading by session (builds that lack these indexes, or
                # a schema that moves on, would otherwise cost a full scan per session).
                for table in ("message", "part", "session_message"):
                    if "session_id" in _columns(conn, table):
                        conn.execute(
                            f"CREATE INDEX IF NOT EXISTS tracetui_{table}_session ON {table} (session_id, id)"
                        )
            except sqlite3.Error as exc:
                self.problems.append(LineError(self.path, 0, f"cannot read the OpenCode database: {exc}"))
                return None
            return conn
        self.problems.append(
            LineError(
                self.path, 0, "the OpenCode database kept changing while it was copied; try the sync again"
            )
        )
        return None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.copy is not None:
            shutil.rmtree(self.copy, ignore_errors=True)
            self.copy = None

    def sessions(self) -> dict[str, list[Any]]:
        return dict((self.record or {}).get("sessions") or {})


class _Stage:
    def __init__(self, folder: Path, state: dict[str, Any]) -> None:
        self.folder = folder
        self.old_files: dict[str, Any] = state.get("files") or {}
        self.old_dbs: dict[str, Any] = state.get("dbs") or {}
        self.files: dict[
            str, Any
        ] = {}  # path -> {"s","m","sid":[...],"p":{sid:parent},"mids":{mid:sid},"pm":[mid]}
        self.dbs: dict[str, _Database] = {}
        self.problems: LineErrors = LineErrors()

    def close(self) -> None:
        for db in self.dbs.values():
            db.close()

    # -- what each source holds ----------------------------------------------------------------

    def material_file(self, path: Path) -> None:
        p = str(path)
        try:
            st = os.stat(p)
        except OSError as exc:
            self.problems.append(LineError(p, 0, f"cannot read: {exc.strerror or exc}"))
            return
        old = self.old_files.get(p)
        if isinstance(old, dict) and old.get("s") == st.st_size and old.get("m") == st.st_mtime_ns:
            self.files[p] = old
            return
        entry: dict[str, Any] = {"s": st.st_size, "m": st.st_mtime_ns}
        objects = self._parse(p, st.st_size)
        if objects is not None:
            sids = set(objects.sessions)
            sids.update(s for m in objects.messages.values() if (s := opt_str(m.get("sessionID"))))
            sids.update(s for x in objects.parts.values() if (s := opt_str(x.get("sessionID"))))
            # Kept small (one entry per file of a storage tree): empty fields are left out.
            entry["sid"] = sorted(sids)
            parents = {sid: opt_str(info.get("parentID")) for sid, info in objects.sessions.items()}
            mids = {mid: opt_str(m.get("sessionID")) for mid, m in objects.messages.items()}
            orphans = sorted(
                {
                    m
                    for x in objects.parts.values()
                    if not x.get("sessionID") and (m := opt_str(x.get("messageID")))
                }
            )
            for key, value in (("p", parents), ("mids", mids), ("pm", orphans)):
                if value:
                    entry[key] = value
        self.files[p] = entry

    def _parse(self, path: str, size: int) -> Objects | None:
        """The OpenCode objects in one file; None for a file that holds none (another program's JSON)."""
        try:
            with open_regular(path) as fh:
                head = fh.read(SNIFF)
                if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
                    return None
                if size > MAX_FILE:
                    self.problems.append(LineError(path, 0, f"{size >> 20} MB is too large to read; skipped"))
                    return None
                data = head + fh.read()
        except OSError as exc:
            self.problems.append(LineError(path, 0, f"cannot read: {exc.strerror or exc}"))
            return None
        except TracetuiError as exc:  # not a regular file
            self.problems.append(LineError(path, 0, f"cannot read: {exc}"))
            return None
        objects = Objects()
        errors: LineErrors = LineErrors()
        load_objects(RawLog(path, data), objects, errors)
        if objects.staged:
            return None  # a staged log of another bucket: not OpenCode's own material
        if not (objects.sessions or objects.messages or objects.parts):
            if any("not an OpenCode" not in e.error for e in errors):
                self.problems.append(errors[0] if errors else LineError(path, 0, "unreadable"))
            return None
        self.problems.extend(e for e in errors if "not an OpenCode" not in e.error)
        return objects

    def database(self, path: Path) -> None:
        p = str(path)
        db = _Database(p, self.folder, self.problems)
        self.dbs[p] = db
        stat = _db_stat(p)
        old = self.old_dbs.get(p)
        if isinstance(old, dict) and old.get("stat") == stat:
            db.record = old
            return
        conn = db.connect()
        if conn is None:
            db.record = old if isinstance(old, dict) else None  # keep what the last good read knew
            return
        try:
            db.record = {"stat": stat, "sessions": _fingerprints(conn)}
        except sqlite3.Error as exc:
            self.problems.append(LineError(p, 0, f"cannot read the OpenCode database: {exc}"))
            db.record = old if isinstance(old, dict) else None

    # -- roots ----------------------------------------------------------------------------------

    def write_roots(self) -> list[Path]:
        tokens: dict[str, list[str]] = {}  # session id -> what its material is, for fingerprints
        parents: dict[str, str | None] = {}
        holders: dict[str, list[str]] = {}  # session id -> material files
        mid_sid: dict[str, str] = {}
        for entry in self.files.values():
            for mid, sid in (entry.get("mids") or {}).items():
                if sid:
                    mid_sid[mid] = sid
        for path, entry in self.files.items():
            sids = set(entry.get("sid") or ())
            sids.update(mid_sid[m] for m in entry.get("pm") or () if m in mid_sid)
            for sid in sids:
                tokens.setdefault(sid, []).append(f"f:{path}:{entry['s']}:{entry['m']}")
                holders.setdefault(sid, []).append(path)
            for sid, parent in (entry.get("p") or {}).items():
                if parent or sid not in parents:
                    parents[sid] = parent
        for path, db in self.dbs.items():
            for sid, (fingerprint, parent) in db.sessions().items():
                tokens.setdefault(sid, []).append(f"d:{path}:{fingerprint}")
                if parent or sid not in parents:
                    parents[sid] = parent

        trees: dict[str, list[str]] = {}
        for sid in sorted(tokens):
            trees.setdefault(_root_of(sid, parents, tokens), []).append(sid)
        staged: list[Path] = []
        for root, members in sorted(trees.items()):
            fingerprint = hashlib.sha1(f"{VERSION}\0{root}".encode("utf-8", "surrogateescape"))
            for sid in members:
                for token in sorted(tokens[sid]):
                    fingerprint.update(token.encode("utf-8", "surrogateescape") + b"\0")
            staged.append(self._write_root(root, members, fingerprint.hexdigest(), holders, mid_sid))
        return staged

    def _write_root(
        self,
        root: str,
        members: list[str],
        fingerprint: str,
        holders: dict[str, list[str]],
        mid_sid: dict[str, str],
    ) -> Path:
        key = hashlib.sha1(root.encode("utf-8", "surrogateescape")).hexdigest()[:24]
        log = self.folder / f"{key}.jsonl"
        state_path = self.folder / f"{key}.state.json"
        state = load_state(state_path)
        size = _size(log)
        if size is None and os.path.lexists(log):
            # A link or a FIFO planted where our log goes (the bucket is anyone's who has the folder):
            # appended to, it wrote the sessions into whatever file the link named, or waited for ever.
            log.unlink()
        if state.get("fp") == fingerprint and size is not None and state.get("size") == size:
            return log
        members_set = set(members)
        objects, sources = self._gather(members_set, holders, mid_sid)
        lines: list[bytes] = []
        seen: dict[str, str] = {}
        objs = state.get("objs")
        known: dict[str, str] = objs if isinstance(objs, dict) else {}
        if size is None or state.get("size") != size:
            known = {}  # the log is missing or not as we left it: write every object again
            if size:
                log.unlink()
            size = None

        def put(oid: str, record: dict[str, Any]) -> None:
            body = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
            digest = hashlib.sha1(body).hexdigest()[:20]
            seen[oid] = digest
            if known.get(oid) != digest:
                lines.append(orjson.dumps(record) + b"\n")

        for sid in sorted(objects.sessions):
            put(sid, {"t": "session", "source": sources.get(sid, ""), "info": objects.sessions[sid]})
        for mid in sorted(objects.messages):
            put(mid, {"t": "message", "info": objects.messages[mid]})
        for pid in sorted(objects.parts):
            put(pid, {"t": "part", "part": objects.parts[pid]})
        gone = sorted(set(known) - set(seen))
        if gone:
            lines.append(orjson.dumps({"t": "gone", "ids": gone}) + b"\n")
            for oid in gone:
                seen.pop(oid, None)
        if size is None:
            header = {"t": "header", "format": STAGED, "v": VERSION, "root": root}
            lines.insert(0, orjson.dumps(header) + b"\n")
        if lines:
            # No fsync: the bucket's copy of this log is the durable one; a staged log left torn by a
            # crash no longer has the size its state records, so the next sync writes it anew.
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(log, flags, 0o600), "ab") as fh:
                fh.write(b"".join(lines))
        # Objects found gone are no longer known: should one come back, it is written again.
        record = {
            "fp": fingerprint,
            "size": _size(log),
            "objs": {**{k: v for k, v in known.items() if k in seen}, **seen},
        }
        write_atomic(state_path, orjson.dumps(record))
        return log

    def _gather(
        self, members: set[str], holders: dict[str, list[str]], mid_sid: dict[str, str]
    ) -> tuple[Objects, dict[str, str]]:
        """Every object of these sessions, the richest form last: exports, then storage files, then
        databases (OpenCode's live store), the later copy of an object winning."""
        merged = Objects()
        sources: dict[str, str] = {}
        files = sorted(
            {p for sid in members for p in holders.get(sid, ())}, key=lambda p: (_is_storage(p), p)
        )
        for path in files:
            objects = self._parse_for_gather(path)
            if objects is None:
                continue
            for sid, info in objects.sessions.items():
                if sid in members:
                    merged.sessions[sid] = info
                    sources[sid] = path
            for mid, info in objects.messages.items():
                owner = opt_str(info.get("sessionID")) or mid_sid.get(mid)
                if owner is not None and owner in members:
                    sid = owner
                    merged.messages[mid] = {**info, "sessionID": sid} if "sessionID" not in info else info
                    sources.setdefault(sid, path)
            for pid, part in objects.parts.items():
                owner = opt_str(part.get("sessionID")) or mid_sid.get(as_str(part.get("messageID")))
                if owner is not None and owner in members:
                    sid = owner
                    merged.parts[pid] = {**part, "sessionID": sid} if "sessionID" not in part else part
                    sources.setdefault(sid, path)
        for path, db in sorted(self.dbs.items()):
            held = members & set(db.sessions())
            if not held:
                continue
            conn = db.connect()
            if conn is None:
                continue
            try:
                for sid in sorted(held):
                    _read_db_session(conn, sid, merged, path, self.problems)
                    sources[sid] = path
            except sqlite3.Error as exc:
                self.problems.append(LineError(path, 0, f"cannot read the OpenCode database: {exc}"))
        return merged, sources

    def _parse_for_gather(self, path: str) -> Objects | None:
        try:
            size = os.stat(path).st_size
        except OSError:
            return None
        kept, self.problems = self.problems, LineErrors()  # its problems were said when it was first read
        try:
            return self._parse(path, size)
        finally:
            self.problems = kept


# --------------------------------------------------------------------------------------------
# SQLite


_READ_TABLES = ("session", "message", "part", "session_message")


def _check_schema(conn: sqlite3.Connection) -> None:
    """Refuse a database whose tables we read are views or virtual tables: the file is whoever wrote
    it, and a view of a recursive query never ends (a sync that never finishes). Functions its schema
    calls must be innocuous (`trusted_schema` off)."""
    conn.execute("PRAGMA trusted_schema = OFF")
    marks = ",".join("?" * len(_READ_TABLES))
    for name, kind, sql in conn.execute(
        f"SELECT name, type, sql FROM sqlite_master WHERE lower(name) IN ({marks})", _READ_TABLES
    ):
        virtual = isinstance(sql, str) and sql.lstrip()[:14].upper() == "CREATE VIRTUAL"
        if kind != "table" or virtual:
            raise sqlite3.DatabaseError(
                f"its {name!r} is a {'virtual table' if virtual else kind}, not a table"
            )
        # A generated column is worked out as it is read: `printf('%.*c', 900000000, 'x')` made each
        # row of a 16 KB file a 900 MB string (the sync died). OpenCode's tables have none.
        if any(row[6] in (2, 3) for row in conn.execute("SELECT * FROM pragma_table_xinfo(?)", (name,))):
            raise sqlite3.DatabaseError(f"its {name!r} has a generated column, not a table of data")


def _fingerprints(conn: sqlite3.Connection) -> dict[str, list[Any]]:
    """{session id: [fingerprint, parent id]}: what changes whenever a session, or any of its messages
    or parts, is written (cheap: no JSON column is read)."""
    out: dict[str, list[Any]] = {}
    columns = _columns(conn, "session")
    parent = "parent_id" if "parent_id" in columns else "NULL"
    updated = "time_updated" if "time_updated" in columns else "0"
    for sid, parent_id, when in conn.execute(f"SELECT id, {parent}, {updated} FROM session"):
        if isinstance(sid, str):
            out[sid] = [f"{when}", parent_id if isinstance(parent_id, str) else None]
    for table in ("message", "part", "session_message"):
        cols = _columns(conn, table)
        if "session_id" not in cols:
            continue
        when = "max(time_updated), total(time_updated)" if "time_updated" in cols else "0, 0"
        for sid, count, latest, total in conn.execute(
            f"SELECT session_id, count(*), {when} FROM {table} GROUP BY session_id"
        ):
            if isinstance(sid, str):
                entry = out.setdefault(sid, ["", None])
                entry[0] += f"|{table}:{count}:{latest}:{total}"
    return out


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


_SESSION_FIELDS = {
    "slug": "slug",
    "project_id": "projectID",
    "workspace_id": "workspaceID",
    "parent_id": "parentID",
    "directory": "directory",
    "path": "path",
    "title": "title",
    "version": "version",
    "agent": "agent",
}
_JSON_FIELDS: dict[str, str] = {"revert": "revert", "permission": "permission", "model": "model"}


def _session_info(row: dict[str, Any]) -> dict[str, Any]:
    """A session row as the session object OpenCode's JSON storage and exports hold."""
    info: dict[str, Any] = {"id": row["id"]}
    for column, key in _SESSION_FIELDS.items():
        if row.get(column) is not None:
            info[key] = row[column]
    for column, key in _JSON_FIELDS.items():
        value = row.get(column)
        if isinstance(value, str):
            try:
                value = loads_within_depth(value)
            except orjson.JSONDecodeError:
                pass
        if value is not None:
            info[key] = value
    summary = {
        k: row[f"summary_{k}"]
        for k in ("additions", "deletions", "files")
        if row.get(f"summary_{k}") is not None
    }
    diffs = row.get("summary_diffs")
    if isinstance(diffs, str):
        try:
            summary["diffs"] = loads_within_depth(diffs)
        except orjson.JSONDecodeError:
            pass
    if summary:
        info["summary"] = summary
    if row.get("share_url"):
        info["share"] = {"url": row["share_url"]}
    time = {
        k: row[f"time_{k}"]
        for k in ("created", "updated", "compacting", "archived")
        if row.get(f"time_{k}") is not None
    }
    if time:
        info["time"] = time
    return info


def _read_db_session(
    conn: sqlite3.Connection, sid: str, into: Objects, path: str, problems: LineErrors
) -> None:
    cursor = conn.execute("SELECT * FROM session WHERE id = ?", (sid,))
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    if row is not None:
        into.sessions[sid] = _session_info(dict(zip(names, row)))
    for mid, data in conn.execute("SELECT id, data FROM message WHERE session_id = ? ORDER BY id", (sid,)):
        obj = _row_json(data, path, f"message {mid}", problems)
        if obj is not None and isinstance(mid, str):
            into.messages[mid] = {**obj, "id": mid, "sessionID": sid}
    for pid, mid, data in conn.execute(
        "SELECT id, message_id, data FROM part WHERE session_id = ? ORDER BY id", (sid,)
    ):
        obj = _row_json(data, path, f"part {pid}", problems)
        if obj is not None and isinstance(pid, str):
            into.parts[pid] = {**obj, "id": pid, "sessionID": sid, "messageID": mid}
    if not any(m.get("sessionID") == sid for m in into.messages.values()) and "session_id" in _columns(
        conn, "session_message"
    ):
        _read_session_messages(conn, sid, into, path, problems)


def _read_session_messages(
    conn: sqlite3.Connection, sid: str, into: Objects, path: str, problems: LineErrors
) -> None:
    """Newer OpenCode builds (their `session_message` table) keep one row per message with its content
    inside; read only where a session has no message rows, each becomes the message and parts the
    other forms hold, so one reader serves both."""
    for mid, kind, created, data in conn.execute(
        "SELECT id, type, time_created, data FROM session_message WHERE session_id = ? "
        "ORDER BY time_created, id",
        (sid,),
    ):
        obj = _row_json(data, path, f"session message {mid}", problems)
        if obj is None or not isinstance(mid, str):
            continue
        for message, parts in _v2_message(mid, kind, created, obj):
            message["sessionID"] = sid
            into.messages[message["id"]] = message
            for n, part in enumerate(parts):
                into.parts[f"{message['id']}:{n:04d}"] = {
                    **part,
                    "id": f"{message['id']}:{n:04d}",
                    "sessionID": sid,
                    "messageID": message["id"],
                }


def _v2_message(
    mid: str, kind: Any, created: Any, obj: dict[str, Any]
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    time: dict[str, Any] = obj["time"] if isinstance(obj.get("time"), dict) else {"created": created}
    if kind in ("user", "synthetic"):
        parts: list[dict[str, Any]] = [
            {"type": "text", "text": as_str(obj.get("text")), "synthetic": kind == "synthetic"}
        ]
        for file in as_list(obj.get("files")):
            if isinstance(file, dict):
                parts.append(
                    {
                        "type": "file",
                        "filename": as_str(file.get("name") or file.get("filename") or file.get("uri")),
                    }
                )
        return [({"id": mid, "role": "user", "time": time}, parts)]
    if kind == "shell":
        ran = {
            "status": "completed",
            "input": {"command": obj.get("command")},
            "output": as_str(obj.get("output")),
        }
        return [
            (
                {"id": mid, "role": "user", "time": time},
                [{"type": "tool", "tool": "bash", "callID": as_str(obj.get("callID")), "state": ran}],
            )
        ]
    if kind == "compaction":
        return [
            (
                {"id": mid, "role": "user", "time": time},
                [{"type": "compaction", "auto": obj.get("reason") == "auto"}],
            ),
            (
                {"id": f"{mid}:summary", "role": "assistant", "summary": True, "time": time},
                [{"type": "text", "text": as_str(obj.get("summary"))}],
            ),
        ]
    if kind != "assistant":
        return []  # agent and model switches: the assistant messages after them name both
    model: dict[str, Any] = obj["model"] if isinstance(obj.get("model"), dict) else {}
    message: dict[str, Any] = {
        "id": mid,
        "role": "assistant",
        "time": time,
        "agent": obj.get("agent"),
        "cost": obj.get("cost"),
        "tokens": obj.get("tokens"),
        "error": obj.get("error"),
        "finish": obj.get("finish"),
        "modelID": model.get("id"),
        "providerID": model.get("providerID"),
    }
    parts = []
    for item in as_list(obj.get("content")):
        if not isinstance(item, dict):
            continue
        if item.get("type") in ("text", "reasoning"):
            parts.append(
                {"type": item["type"], "text": as_str(item.get("text")), "synthetic": item.get("synthetic")}
            )
        elif item.get("type") == "tool":
            state: dict[str, Any] = dict(item["state"]) if isinstance(item.get("state"), dict) else {}
            texts = [as_str(c.get("text")) for c in as_list(state.get("content")) if isinstance(c, dict)]
            state["output"] = "\n".join(t for t in texts if t)
            error = state.get("error")
            if isinstance(error, dict):
                state["error"] = as_str(error.get("message")) or as_str(error.get("name"))
            times: dict[str, Any] = item["time"] if isinstance(item.get("time"), dict) else {}
            state["time"] = {"start": times.get("created"), "end": times.get("completed")}
            parts.append({"type": "tool", "tool": item.get("name"), "callID": item.get("id"), "state": state})
    return [(message, parts)]


def _row_json(data: Any, path: str, what: str, problems: LineErrors) -> dict[str, Any] | None:
    try:
        obj = loads_within_depth(data) if isinstance(data, (str, bytes)) else None
    except orjson.JSONDecodeError as exc:
        problems.append(LineError(path, 0, f"{what[:80]}: not JSON ({exc}); skipped"))
        return None
    return obj if isinstance(obj, dict) else None


# --------------------------------------------------------------------------------------------
# Helpers


def _root_of(sid: str, parents: dict[str, str | None], known: Iterable[str] | dict[str, Any]) -> str:
    seen = {sid}
    current = sid
    while True:
        parent = parents.get(current)
        if not parent or parent in seen or parent not in known:
            return current
        seen.add(parent)
        current = parent


def _is_storage(path: str) -> bool:
    """Storage files sort after exports: the store is newer than a snapshot of it."""
    parts = Path(path).parts
    return "storage" in parts and any(p in parts for p in ("session", "message", "part"))


def _db_stat(path: str) -> list[int]:
    out: list[int] = []
    for p in (path, path + "-wal"):
        try:
            st = os.stat(p)
            out += [st.st_size, st.st_mtime_ns]
        except OSError:
            out += [-1, -1]
    return out


def _copy_file(source: str, target: Path, most: int) -> int:
    """Copy `source` to `target`; the bytes copied. _TooLarge past `most` bytes (no more are read)."""
    copied = 0
    with open_regular(source) as src, open(target, "wb") as dst:
        while chunk := src.read(min(1 << 20, most + 1 - copied)):
            copied += len(chunk)
            if copied > most:
                raise _TooLarge
            dst.write(chunk)
    return copied


def _size(path: Path) -> int | None:
    """The size of the staged log at `path`, None where there is none or it is no plain file of ours."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None
