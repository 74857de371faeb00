"""The line index: from an added line's identity to the patches that added it, across the bucket.

More in docs/internals/blame.md, `blame/index.py`.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from tracetui.bucket.shards import schema_oddity
from tracetui.model import Session, Step, StepKind
from tracetui.regular_file import keep_private
from tracetui.trail import session_patches
from tracetui.trail.git_read import epoch
from tracetui.trail.line_identity import join_norms, norm
from tracetui.trail.paths import absolute_path

# Bump when what is indexed, or how, changes: every session is then read again.
INDEX_VERSION = "5"  # 4: a fork's copied patches marked; 5: near pairs and exact texts
PROMPT_CHARS = 4000  # a prompt is kept up to this long (the full one is in the session)
# Joins shorter than this are left out: short joined texts (`foo(a,b)`) recur everywhere and prove little.
JOIN_MIN = 20
# An added line is indexed with each line (added or context) within this many lines with evidence of
# it in its hunk (`near_key`): where a patch placed a text that several patches added (a twin).
NEAR_LINES = 3
LOOKUPS_KEPT = 200_000  # keys whose postings `lookup` keeps between refreshes (a blame asks a file's twice)


def line_key(line: str) -> int | None:
    """The index key of a line: a 64-bit digest of its norm; None for a line that is no evidence."""
    n = norm(line)
    if not any(c.isalnum() for c in n):
        return None
    return int.from_bytes(
        hashlib.blake2b(n.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big", signed=True
    )


def exact_key(line: str) -> int:
    """The index key of a line's exact text, its indentation included (`line_key` ignores every
    space): of twins as near as each other, the patch that wrote the line as it stands placed it
    last (it re-indented it into a new block)."""
    raw = b"exact\0" + line.rstrip().encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big", signed=True)


_MASK = (1 << 64) - 1


def near_key(added: int, neighbour: int) -> int:
    """The index key of "a patch added the line `added` with `neighbour` near it" (line keys): the
    two digests mixed (a 64-bit finaliser), not digested again; an index holds millions of them."""
    h = ((added & _MASK) * 0x9E3779B97F4A7C15 ^ (neighbour & _MASK) * 0xC2B2AE3D27D4EB4F ^ 0x6E656172) & _MASK
    h ^= h >> 31
    h = (h * 0xBF58476D1CE4E5B9) & _MASK
    h ^= h >> 29
    return h - (1 << 64) if h >> 63 else h


def near_keys(patch: Any, key_of: Callable[[str], int | None] = line_key) -> set[int]:
    """`near_key` of each added line of the patch with each line within NEAR_LINES lines with
    evidence of it on its hunk's new side (the hunk's added and context lines)."""
    sides = [[(x[1:], x[:1] == "+") for x in h.lines if x[:1] in (" ", "+")] for h in patch.hunks]
    if not any(added for side in sides for _, added in side):
        sides = [[(x, True) for x in patch.added]]
    out: set[int] = set()
    for side in sides:
        keyed = [(k, added) for k, added in ((key_of(x), a) for x, a in side) if k is not None]
        for i, (k, added) in enumerate(keyed):
            if not added:
                continue
            for j in range(max(0, i - NEAR_LINES), min(len(keyed), i + NEAR_LINES + 1)):
                other = keyed[j][0]
                if other != k:
                    out.add(near_key(k, other))
    return out


@dataclass(slots=True, frozen=True)
class Posting:
    """One patch that added a line: who wrote it, where and when, and what drove it."""

    session: str
    agent: str
    step: str
    index: int  # the step's index in its session
    patch: int  # the patch's order in its session
    path: str  # the file as the log named it, made absolute against the step's cwd where it could be
    time: float | None  # the step's time (epoch seconds), None when the log gives none
    timestamp: str | None
    active: bool  # on the path the session ended on (not a rewound branch)
    prompt_step: str | None
    prompt: str | None
    remote: str | None  # the session's git remote and commit, where its log recorded them
    commit: str | None
    copied: bool = False  # a fork's copy of its parent's step (Step.meta["copied"]), not a writer


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS patches (
    pid INTEGER PRIMARY KEY, session TEXT NOT NULL, agent TEXT, step TEXT NOT NULL, step_index INTEGER,
    patch_index INTEGER, path TEXT, time REAL, timestamp TEXT, active INTEGER, prompt_step TEXT, prompt TEXT,
    remote TEXT, git_commit TEXT, copied INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS patches_session ON patches(session);
CREATE TABLE IF NOT EXISTS lines (key INTEGER NOT NULL, pid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS lines_key ON lines(key);
CREATE INDEX IF NOT EXISTS lines_pid ON lines(pid);
"""

_COLUMNS = (
    "p.session, p.agent, p.step, p.step_index, p.patch_index, p.path, p.time, p.timestamp, p.active, "
    "p.prompt_step, p.prompt, p.remote, p.git_commit, p.copied"
)


@dataclass(slots=True)
class Refresh:
    """What bringing the index up to date did."""

    sessions: int = 0  # sessions the bucket lists
    read: int = 0  # sessions read and indexed again
    dropped: int = 0  # sessions no longer in the bucket
    patches: int = 0  # patches written by this refresh
    seconds: float = 0.0


class LineIndex:
    """The line index of one library (a bucket's file, or in memory where the library keeps no cache)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        conn: sqlite3.Connection | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = self._open(path)
            except (OSError, sqlite3.Error):
                # A cache folder that cannot hold it (read-only, full): the index lives in memory
                # for this blame, which then reads every session once, slower but right.
                self.path, conn = None, None
        if conn is None:
            conn = sqlite3.connect(":memory:")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT INTO meta VALUES ('version', ?)", (INDEX_VERSION,))
        self.conn: sqlite3.Connection = conn
        # key -> its postings, as `lookup` found them since the last refresh: a file's blame asks for
        # its lines' keys twice (the likeliest writer read ahead, then each line's writer).
        self._found: dict[int, list[Posting]] = {}
        # Sessions another process is writing into the file, and their rows in order (`overlay`).
        self._fresh: frozenset[str] = frozenset()
        self._overlay: list[PatchRow] = []

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = None
        row = None
        try:
            keep_private(path)  # each patch's prompt
            conn = sqlite3.connect(str(path))
            # The bucket's cache is anyone's who has the folder: a trigger planted on a table ran a
            # query without end on blame's own insert. A view, a trigger, a virtual table or a
            # generated column is no index of ours: it is made again, as a damaged one is.
            odd = schema_oddity(conn, ("meta", "sessions", "patches", "lines"))
            if odd is not None:
                raise sqlite3.DatabaseError(odd)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            fresh = row is None or row[0] == INDEX_VERSION
        except sqlite3.DatabaseError:
            fresh = False
        if conn is None or not fresh:
            # A damaged file or an older layout: it is a cache, start it again.
            if conn is not None:
                conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            keep_private(path)
            conn = sqlite3.connect(str(path))
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            row = None
        if row is None:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (INDEX_VERSION,))
            conn.commit()
        return conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- keeping it fresh ----------------------------------------------------------------------

    def refresh(self, library: Any, progress: Callable[[int, int], None] | None = None) -> Refresh:
        """Index the sessions that are new or changed since the last refresh; drop those gone."""
        started = time.perf_counter()
        done, todo, listed = self.begin(library)
        return self.index_listed(library, (done, todo, listed), progress, started)

    def index_listed(
        self, library: Any, begun: tuple[Refresh, list[tuple[str, str]], dict[str, Any]],
        progress: Callable[[int, int], None] | None, started: float,
    ) -> Refresh:
        """`begin`'s sessions to index read and indexed, one at a time."""
        done, todo, listed = begun
        for i, (sid, fingerprint) in enumerate(todo):
            if progress is not None:
                progress(i, len(todo))
            done.patches += self.index_session(sid, fingerprint, read_for_index(library, listed[sid]))
            done.read += 1
        if progress is not None and todo:
            progress(len(todo), len(todo))
        done.seconds = time.perf_counter() - started
        return done

    def begin(self, library: Any) -> tuple[Refresh, list[tuple[str, str]], dict[str, Any]]:
        """A refresh begun: the sessions gone dropped; the sessions to index (id and fingerprint) and
        the bucket's listing by id returned."""
        self._found.clear()
        listed = {s.id: s for s in library.list_sessions(limit=None)}
        known = dict(self.conn.execute("SELECT id, fingerprint FROM sessions"))
        todo = [(sid, _fingerprint(s)) for sid, s in listed.items() if known.get(sid) != _fingerprint(s)]
        gone = [sid for sid in known if sid not in listed]
        with self.conn:
            for sid in gone:
                self._forget(sid)
        return Refresh(sessions=len(listed), dropped=len(gone)), todo, listed

    def index_session(self, sid: str, fingerprint: str, session: Session | None) -> int:
        """The session indexed anew (None: one with nothing to index, or unreadable), in one
        transaction. Returns its patches."""
        return self._index_rows(sid, fingerprint, patch_rows(session) if session is not None else [])

    def index_sessions(self, todo: list[tuple[str, str, list[PatchRow]]]) -> int:
        """Each session (id, fingerprint, `patch_rows`) indexed anew. Into an index that holds no line
        yet, in one transaction, with the lines' two indexes made after the rows: 0.057 s of CPU for
        a session's 51,696 rows, against 0.09 s kept up to date row by row. Returns the patches."""
        if self.conn.execute("SELECT 1 FROM lines LIMIT 1").fetchone() is not None:
            return sum(self._index_rows(sid, fingerprint, rows) for sid, fingerprint, rows in todo)
        n = 0
        self.conn.execute("BEGIN")  # the indexes dropped and made again within it: all or nothing
        try:
            self.conn.execute("DROP INDEX lines_key")
            self.conn.execute("DROP INDEX lines_pid")
            for sid, fingerprint, rows in todo:
                self._forget(sid)
                n += self._insert(rows)
                self.conn.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?)", (sid, fingerprint))
            self.conn.execute("CREATE INDEX lines_key ON lines(key)")
            self.conn.execute("CREATE INDEX lines_pid ON lines(pid)")
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        return n

    def _index_rows(self, sid: str, fingerprint: str, rows: list[PatchRow]) -> int:
        with self.conn:
            self._forget(sid)
            n = self._insert(rows)
            self.conn.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?)", (sid, fingerprint))
        return n

    def reopen(self) -> None:
        """A new connection to the file (the last one closed), the postings found forgotten."""
        self.forget_found()
        assert self.path is not None
        self.conn = self._open(self.path)

    def forget_found(self) -> None:
        """The postings `lookup` found forgotten: another process indexed more sessions since."""
        self._found.clear()

    def _forget(self, sid: str) -> None:
        self.conn.execute(
            "DELETE FROM lines WHERE pid IN (SELECT pid FROM patches WHERE session = ?)", (sid,)
        )
        self.conn.execute("DELETE FROM patches WHERE session = ?", (sid,))
        self.conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))

    def add_session(self, session: Session) -> int:
        """Index one session (no bucket needed: tests, sessions held in memory). Returns its patches."""
        return self.index_session(session.id, "memory", session)

    def _insert(self, rows: list[PatchRow]) -> int:
        for row, keys in rows:
            pid = self.conn.execute(
                "INSERT INTO patches (session, agent, step, step_index, patch_index, path, time, timestamp,"
                " active, prompt_step, prompt, remote, git_commit, copied)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            ).lastrowid
            self.conn.executemany("INSERT INTO lines VALUES (?, ?)", [(k, pid) for k in keys])
        return len(rows)

    def overlay(self, fresh: Iterable[str], rows: dict[str, list[PatchRow]] | None = None) -> None:
        """The `fresh` sessions answered from `rows` (made by `patch_rows`, in the order they are
        written) instead of the file, which another process is writing them into: what `lookup`
        gives is then what it gives once they are written. Without `rows`, they are left out."""
        self._found.clear()
        self._fresh = frozenset(fresh)
        self._overlay = [x for written in (rows or {}).values() for x in written]

    # -- asking it -----------------------------------------------------------------------------

    def lookup(self, keys: Iterable[int]) -> dict[int, list[Posting]]:
        """The patches that added each key's line (each list the caller's own)."""
        known = self._found
        asked = set(keys)
        wanted = sorted(asked - known.keys())
        if len(known) + len(wanted) > LOOKUPS_KEPT:
            known.clear()
            wanted = sorted(asked)
        found: dict[int, list[Posting]] = {}
        # A patch's posting made once for all its keys (a file's 2,200 postings came from 126 patches):
        # a Posting is frozen, so the lists may share it. None: a session being indexed afresh.
        made: dict[int, Posting | None] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT l.key, l.pid, {_COLUMNS} FROM lines l JOIN patches p ON p.pid = l.pid"
                f" WHERE l.key IN ({marks})",
                chunk,
            )
            for row in rows:
                pid = row[1]
                if pid in made:
                    posting = made[pid]
                else:
                    posting = made[pid] = None if row[2] in self._fresh else _posting(list(row[2:]))
                if posting is not None:
                    found.setdefault(row[0], []).append(posting)
        if self._overlay and wanted:
            # Written after every row the file holds now: their postings come last, as the file's
            # would (a key's rows come back in the order they were written). A set test in C per
            # patch: inverting 51,696 keys into a dict cost 25 ms, more than the wait it saves.
            want = set(wanted)
            for row, patch_keys in self._overlay:
                for key in want.intersection(patch_keys):
                    found.setdefault(key, []).append(_posting(list(row)))
        for key in wanted:
            known[key] = found.get(key, [])
        return {key: list(known[key]) for key in sorted(asked) if known[key]}

    def sessions(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM sessions").fetchone()[0])

    def postings_of(self, sid: str) -> list[Posting]:
        """Every patch of the session the index holds, in the order they were written."""
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM patches p WHERE p.session = ? ORDER BY p.pid", (sid,))
        return [_posting(list(row)) for row in rows]


def _posting(row: list[Any]) -> Posting:
    sid, agent, step, index, patch, path, t, ts, active, pstep, prompt, remote, commit, copied = row
    return Posting(
        session=sid, agent=agent or "", step=step, index=int(index if index is not None else -1),
        patch=int(patch or 0), path=path or "", time=t, timestamp=ts, active=bool(active), prompt_step=pstep,
        prompt=prompt, remote=remote, commit=commit, copied=bool(copied),
    )  # fmt: skip


# A patch's row of the patches table (its columns but `pid`, as `_COLUMNS` reads them) and its keys.
PatchRow = tuple[tuple[Any, ...], list[int]]


def row_posting(row: PatchRow) -> Posting:
    """The posting a patch's row gives once it is written (`lookup` and `postings_of` give this one)."""
    return _posting(list(row[0]))


def patch_rows(session: Session) -> list[PatchRow]:
    """The rows the index holds for the session: each patch that added lines, with its keys."""
    try:
        patches = session_patches(session, counts=False)  # a patch's lines, not its floors
    except Exception:  # noqa: BLE001 - a log the trail cannot replay gives no lines, not an error
        return []
    steps = {s.id: s for s in session.steps}
    prompts = _prompts(session)
    remote = session.git.remote if session.git else None
    commit = session.git.commit if session.git else None
    out: list[PatchRow] = []
    # One key per distinct text: a session's patches repeat their context lines many times.
    key_of = functools.lru_cache(maxsize=None)(line_key)
    for p in patches:
        if not p.added:
            continue
        step = steps.get(p.step_id)
        # Inside the session's cwd the patch's path is relative to it (the trail's root).
        path = absolute_path(p.path, session.cwd) if p.inside and session.cwd else p.path
        prompt = prompts.get(p.step_id)
        t = epoch(p.timestamp)
        # As SQLite gives the row back (`time` a REAL): an overlay's posting is the file's.
        row = (
            session.id, session.agent, p.step_id, step.index if step else None, p.index,
            path, float(t) if t is not None else None, p.timestamp,
            int(step.active) if step else 1,
            prompt.id if prompt else None, prompt.text[:PROMPT_CHARS] if prompt else None,
            remote, commit, 1 if step is not None and step.copied else 0,
        )  # fmt: skip
        keys = {k for k in map(key_of, p.added) if k is not None}
        # A formatter may join wrapped lines into one: the joined text is indexed too.
        joined = (line_key(j) for j in join_norms(p) if len(j) >= JOIN_MIN)
        keys.update(k for k in joined if k is not None)
        keys.update(near_keys(p, key_of))
        keys.update(exact_key(x) for x in p.added if key_of(x) is not None)
        out.append((row, list(keys)))
    return out


def read_for_index(library: Any, summary: Any) -> Session | None:
    """The listed session read for the index, None where it has nothing to index or cannot be read."""
    # A fork whose own edits are none may still hold copies that explain lines no parent in the
    # bucket does.
    if not (summary.edits or summary.forked_from):
        return None
    try:
        return library.session(summary.id)
    except Exception:  # noqa: BLE001 - one unreadable session must not stop a blame
        return None


def _fingerprint(summary: Any) -> str:
    return "|".join(
        str(x)
        for x in (INDEX_VERSION, summary.steps, summary.edits, summary.ended, summary.source, summary.note)
    )


def _prompts(session: Session) -> dict[str, Step]:
    """For each edit step, the nearest user prompt before it on its own path.

    The path is followed by `parent` links where the log gives them (a rewound branch has its own
    prompt); where it does not, the nearest earlier prompt in step order stands in.
    """
    by_id = {s.id: s for s in session.steps}
    out: dict[str, Step] = {}
    last_user: Step | None = None
    for step in session.steps:
        if step.kind == StepKind.USER and step.active:
            last_user = step
        if step.kind != StepKind.TOOL_CALL or not step.edits:
            continue
        found: Step | None = None
        seen: set[str] = set()
        cur = by_id.get(step.parent) if step.parent else None
        while cur is not None and cur.id not in seen:
            seen.add(cur.id)
            if cur.kind == StepKind.USER:
                found = cur
                break
            cur = by_id.get(cur.parent) if cur.parent else None
        if found is None:
            found = last_user
        if found is not None:
            out[step.id] = found
    return out


def index_path(cache_dir: Path | None) -> Path | None:
    return Path(cache_dir) / "blame" / "lines.sqlite" if cache_dir is not None else None
