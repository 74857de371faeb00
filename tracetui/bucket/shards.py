"""The index's step shards: every step row and its full-text index, spread over a few SQLite files.

Steps and their FTS5 index are most of the work of a sync. In one file they would have one writer,
and that writer was the narrowest part of a cold sync; so they live in `SHARDS` files beside the
index (`steps-0.sqlite` ...), and each worker process writes the steps of the sessions it parsed
into a shard itself, in parallel with the others. The main index keeps the small tables (groups,
sessions); a session row names its shard and its group key (`gkey`).

More in docs/internals/bucket.md, `bucket/shards.py`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tracetui import __version__
from tracetui.bucket.mending import mend
from tracetui.regular_file import fresh_temp

SHARDS = 8  # SQLite attaches at most 10 databases to a connection: the main index and these 8
SHIFT = 24  # a session's steps are rowids sno << 24 | position
MASK = (1 << SHIFT) - 1
MAX_STEPS = 1 << SHIFT  # more would run into the next session's rowids: a sync keeps the first ones
# FTS5 merges a level's segments into one once it holds this many (its default: 4). A worker
# commits a segment every batch, so at 4 the same postings were merged again and again; at 8 the
# index build costs 10 to 15% less CPU and a search reads a few more segments, in the same time
# (bench/RESULTS.md, "Bucket").
AUTOMERGE = 8
# Words indexed in a transaction wait in a hash table of at most this many bytes before FTS5 writes
# them out as a segment (its default: 1 MB). A worker's batch holds several MB of postings, so at
# 1 MB each commit left several small segments for the merges to read and write again; at 8 MB it
# leaves one. The table only holds what the open batch wrote, and goes at its commit.
HASHSIZE = 8 << 20

# The FTS5 table keeps positions and column sizes (its default, `detail=full`): with less, bm25
# tokenizes every ranked row's text again, and a common word's search takes 30 to 100 times as long.
SCHEMA = """
CREATE TABLE IF NOT EXISTS held(
    sno INTEGER PRIMARY KEY, gkey INTEGER NOT NULL UNIQUE, session TEXT NOT NULL, sig TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps(
    rowid INTEGER PRIMARY KEY, session TEXT NOT NULL, idx INTEGER NOT NULL,
    id TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, timestamp TEXT,
    tool_words TEXT, said_from INTEGER, said_to INTEGER, rest TEXT NOT NULL, grams TEXT,
    said TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'context' THEN NULL WHEN said_from IS NULL THEN text
        ELSE substr(text, said_from + 1, said_to - said_from) END) VIRTUAL,
    injected TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'context' THEN text WHEN said_from IS NULL THEN NULL
        ELSE substr(text, 1, said_from) || ' ' || substr(text, said_to + 1) END) VIRTUAL,
    said_grams TEXT GENERATED ALWAYS AS (substr(grams, 1, instr(grams, char(31)) - 1)) VIRTUAL,
    injected_grams TEXT GENERATED ALWAYS AS (substr(grams, instr(grams, char(31)) + 1)) VIRTUAL);
CREATE VIRTUAL TABLE IF NOT EXISTS steps_fts USING fts5(
    said, tool_words, injected, said_grams, injected_grams, content='steps', content_rowid='rowid');
"""
# What a search looks in (`searched.py`): a step's text is indexed as two parts, `said` and
# `injected` (a CONTEXT step's whole text; the reminder blocks at the start or end of another's,
# between `said_from` and `said_to`, NULL where there are none), worked out by SQLite from the row
# itself so the index always agrees with its content table. A query names its columns. The words of
# scripts written without spaces are indexed a character a token too, said and injected apart, from
# the one `grams` column (`unspaced.step_grams`; NULL for a step with none).
SAID = "{said tool_words said_grams}"
INJECTED = "{injected injected_grams}"
# A shard made by another layout is not read: it is made anew and its sessions read again.
# 2: the FTS index takes a tool call's argument values (`tool_words`), not its JSON text.
# 3: what was said and what a harness injected are indexed apart (`said`, `injected`).
# 4: what only a session's reading needs of a step is one JSON list (`rest`, `index.REST`), not 13 columns.
# 5: Chinese, Japanese and Korean words are found inside a sentence (`grams`, `unspaced.py`).
# 6: Thai, Lao, Khmer and Myanmar words too, and emoji (`unspaced.SPELLED`).
VERSION = 6
# A step row has a column for each value a search reads (its hits, their snippets, `kind:`); the
# rest of the step is one JSON list, encoded once (`index.session_rows`).
STEP_COLUMNS = "session, idx, id, kind, text, timestamp, tool_words, said_from, said_to, rest, grams"
# What a session's steps are read back with (index.step_from_row takes them in this order).
READ_COLUMNS = "idx, id, kind, text, timestamp, rest"
_INSERT = f"INSERT OR REPLACE INTO steps(rowid, {STEP_COLUMNS}) VALUES ({','.join('?' * 12)})"
_FTS = "said, tool_words, injected, said_grams, injected_grams"
_UNINDEX = (
    f"INSERT INTO steps_fts(steps_fts, rowid, {_FTS})"
    f" SELECT 'delete', rowid, {_FTS} FROM steps WHERE rowid BETWEEN ? AND ?"
)
_UNINDEX_ONE = (
    f"INSERT INTO steps_fts(steps_fts, rowid, {_FTS})"
    f" SELECT 'delete', rowid, {_FTS} FROM steps WHERE rowid = ?"
)
_INDEX = f"INSERT INTO steps_fts(rowid, {_FTS}) SELECT rowid, {_FTS} FROM steps WHERE rowid BETWEEN ? AND ?"
_INDEX_ONE = f"INSERT INTO steps_fts(rowid, {_FTS}) SELECT rowid, {_FTS} FROM steps WHERE rowid = ?"
# A shard built whole has its words indexed once, from every row, as it is put in place: each statement
# that writes to FTS5 within a transaction first writes out the words the one before left in memory as a
# segment of its own, so indexing session by session made a segment a session, merged again and again.
_REINDEX = "INSERT INTO steps_fts(steps_fts) VALUES ('rebuild')"


def path(root: Path, shard: int) -> Path:
    return root / f"steps-{shard}.sqlite"


def gkey(main: str) -> int:
    """A session group's key in the shards: a signed 64-bit hash of its main log's path."""
    return int.from_bytes(hashlib.blake2b(main.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big", signed=True)


def home(main: str) -> int:
    """The shard a new session goes to when no worker slot chooses one (a sync without a pool)."""
    return zlib.crc32(main.encode("utf-8", "surrogatepass")) % SHARDS


# -- writers -------------------------------------------------------------------------------------


def connect(root: Path, shard: int) -> sqlite3.Connection:
    """A writing connection to one shard, made on first use."""
    target = path(root, shard)
    if not target.exists():
        _make(target)
    conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=60)
    if conn.execute("PRAGMA user_version").fetchone()[0] != VERSION:
        # Another layout (an older tracetui): a cache, made anew; `sync` reads its sessions again.
        conn.close()
        remove(root, shard)
        _make(target)
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=60)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-16000")
    return conn


def build(root: Path, shard: int) -> tuple[sqlite3.Connection, Path]:
    """A writing connection to a shard that is not there yet, made whole in a file of its own
    (`Writers` with `fresh`): no journal and no WAL while it is built (nothing else reads it), put in
    place by `finish`. Returns the connection and the file."""
    # A fresh file (mkstemp's), never a name one can guess: `.<name>.build.<pid>.tmp` was, and a link
    # planted there had SQLite build the shard through it, wherever it pointed.
    target = path(root, shard)
    made, temp = fresh_temp(target.with_name(f"{target.name}.build"))  # `.<name>.build.<random>.<pid>.tmp`
    made.close()
    conn = sqlite3.connect(temp, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-16000")
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO steps_fts(steps_fts, rank) VALUES ('automerge', ?)", (AUTOMERGE,))
    conn.execute("INSERT INTO steps_fts(steps_fts, rank) VALUES ('hashsize', ?)", (HASHSIZE,))
    conn.execute(f"PRAGMA user_version = {VERSION}")
    return conn, temp


def _put_in_place(conn: sqlite3.Connection, temp: Path, target: Path) -> bool:
    """Commit a built shard, make it a WAL file as `connect` makes them, and link it into place
    only where no shard is yet (False: one is, and this one is dropped; its sessions are read
    again by the next sync, as after a crash)."""
    try:
        conn.execute(_REINDEX)  # the words `Writers.put` left out (whatever else was indexed is redone)
        if conn.in_transaction:
            conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()  # the last connection: its WAL is checkpointed and removed
    try:
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)  # the rows before the name: a power loss never leaves a shard half there
        finally:
            os.close(fd)
        try:
            os.link(temp, target)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            if target.exists():
                return False
            os.replace(temp, target)
        return True
    finally:
        set_aside(temp, None)


def _make(target: Path) -> None:
    """A new shard, whole (schema and WAL mode), put in place by one rename: a reader that finds the
    file (a search during a sync) always finds its tables."""
    made, temp = fresh_temp(target)  # never a guessable name, as `build`'s
    made.close()
    conn = sqlite3.connect(temp, isolation_level=None)
    try:
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO steps_fts(steps_fts, rank) VALUES ('automerge', ?)", (AUTOMERGE,))
        conn.execute("INSERT INTO steps_fts(steps_fts, rank) VALUES ('hashsize', ?)", (HASHSIZE,))
        conn.execute(f"PRAGMA user_version = {VERSION}")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    # Put in place only where no shard is yet: two pool workers re-reading sessions that a healed
    # (removed) shard held both make it, and a rename over the one the first already writes to
    # leaves that writer on a deleted file while its WAL, found by name, joins the new one: the
    # shard read as malformed after every upgrade of its layout now and then.
    try:
        os.link(temp, target)
    except FileExistsError:
        pass  # another worker's, as good as this one
    except OSError:  # a file system without hard links
        if not target.exists():
            os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def remove(root: Path, shard: int, keep_as: str | None = None) -> None:
    """Take a shard's files away (renamed to `keep_as` beside it when given, else deleted)."""
    set_aside(path(root, shard), keep_as)


def set_aside(database: Path, keep_as: str | None) -> None:
    """Move an SQLite file and its WAL files to `<name>.<keep_as>` beside it, or delete them (None).
    Raises OSError."""
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{database}{suffix}")
        if not part.exists():
            continue
        if keep_as is None:
            part.unlink()
        else:
            os.replace(part, Path(f"{database}.{keep_as}{suffix}"))


class Writers:
    """One writing connection per shard, made when first needed, each holding its transaction open
    across sessions until `commit` (one FTS segment a batch, not one a session).

    A shard in `fresh` that is not there when first written (a cold sync's: each worker its own) is
    built whole in a file of its own, in one transaction, and put in place by `finish`: no WAL
    written and copied back, no FTS segments merged batch after batch. Nothing reads it meanwhile;
    a crash leaves the bucket as it was (the next sync reads its sessions again)."""

    def __init__(self, root: Path, fresh: Iterable[int] = ()):
        self.root = root
        self.fresh = set(fresh)
        self._conns: dict[int, sqlite3.Connection] = {}
        self._building: dict[int, Path] = {}  # shard -> the file it is built in
        self._since: float | None = None  # when the oldest open transaction began

    def __getitem__(self, shard: int) -> sqlite3.Connection:
        conn = self._conns.get(shard)
        if conn is None:
            if shard in self.fresh and not path(self.root, shard).exists():
                conn, self._building[shard] = build(self.root, shard)
            else:
                conn = connect(self.root, shard)
            self._conns[shard] = conn
        return conn

    def begin(self, shard: int) -> sqlite3.Connection:
        conn = self[shard]
        if shard in self._building:
            if not conn.in_transaction:
                conn.execute("BEGIN")
            return conn
        if not conn.in_transaction:
            if any(c.in_transaction for k, c in self._conns.items() if k not in self._building):
                # Never wait for one shard's write lock while holding another's: two workers each
                # holding the shard the other needs (sessions read again where they are held) would
                # both wait out the busy timeout, again and again.
                self.commit()
            conn.execute("BEGIN IMMEDIATE")
            if self._since is None:
                self._since = time.perf_counter()
        return conn

    def put(self, shard: int, key: int, session: str, sig: str, rows: list[list[Any]]) -> int:
        """`put` into a shard in its open transaction; a shard being built has its words indexed
        when it is put in place, all at once (`_REINDEX`)."""
        return put(self.begin(shard), key, session, sig, rows, shard not in self._building)

    def due(self, seconds: float) -> bool:
        return self._since is not None and time.perf_counter() - self._since >= seconds

    def commit(self) -> None:
        """Commit the shards written in place (a shard being built stays one transaction)."""
        for k, conn in self._conns.items():
            if k not in self._building and conn.in_transaction:
                conn.execute("COMMIT")
        self._since = None

    def finish(self) -> list[int]:
        """Commit everything and put each built shard in place; returns the shards that could not be
        (another was there first: their sessions are read again by the next sync)."""
        self.commit()
        lost = []
        for k, temp in list(self._building.items()):
            conn = self._conns.pop(k)
            del self._building[k]
            if not _put_in_place(conn, temp, path(self.root, k)):
                lost.append(k)
        return lost

    def abandon(self, shard: int) -> None:
        """Drop a shard being built whole after a failed write (with no journal, nothing of its
        transaction can be trusted): its sessions are read again by the next sync, as after a crash.
        Later writes to it go to the shard in place."""
        temp = self._building.pop(shard, None)
        if temp is None:
            return
        self.fresh.discard(shard)
        conn = self._conns.pop(shard)
        try:
            conn.close()
        except sqlite3.Error:
            pass
        try:
            set_aside(temp, None)
        except OSError:
            pass

    def close(self) -> None:
        """Roll back what was not committed (the caller failed) and let go of the files."""
        for conn in self._conns.values():
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                conn.close()
            except sqlite3.Error:
                pass
        for temp in self._building.values():
            try:
                set_aside(temp, None)
            except OSError:
                pass
        self._conns.clear()
        self._building.clear()
        self._since = None


def put(
    conn: sqlite3.Connection, key: int, session: str, sig: str, rows: list[list[Any]], index: bool = True
) -> int:
    """Make the shard hold exactly `rows` (`STEP_COLUMNS` values) for group `key`, as of the group's
    signature `sig`, in the caller's transaction (`Writers.begin`). Only the rows that differ from
    those held are written, and only their words indexed again (`index`: False, neither indexed nor
    taken out of the index: a shard being built, indexed whole by `_put_in_place`). Returns the rows
    written."""
    if len(rows) > MASK + 1:
        raise ValueError(f"{len(rows)} steps are more than a shard keeps for one session ({MASK + 1})")
    found = conn.execute("SELECT sno, session, sig FROM held WHERE gkey = ?", (key,)).fetchone()
    old: dict[int, tuple] = {}
    if found is None:
        sno = conn.execute("INSERT INTO held(gkey, session, sig) VALUES (?, ?, ?)", (key, session, sig)).lastrowid
    else:
        sno = found[0]
        if (found[1], found[2]) != (session, sig):
            conn.execute("UPDATE held SET session = ?, sig = ? WHERE sno = ?", (session, sig, sno))
        lo = sno << SHIFT
        old = {r[0]: r[1:] for r in conn.execute(f"SELECT rowid, {STEP_COLUMNS} FROM steps WHERE rowid BETWEEN ? AND ?", (lo, lo | MASK))}
    assert sno is not None
    base = sno << SHIFT
    if old:
        given = [_as_read(row) for row in rows]
        fresh = [(base + i, rows[i]) for i, row in enumerate(given) if old.get(base + i) != row]
        stale = [r for r in old if r - base >= len(rows) or old[r] != given[r - base]]
    else:
        fresh, stale = list(enumerate(rows, base)), []
    if stale:
        if len(stale) == len(old):
            if index:
                conn.execute(_UNINDEX, (base, base | MASK))
            conn.execute("DELETE FROM steps WHERE rowid BETWEEN ? AND ?", (base, base | MASK))
        else:
            if index:
                conn.executemany(_UNINDEX_ONE, ((r,) for r in stale))
            conn.executemany("DELETE FROM steps WHERE rowid = ?", ((r,) for r in stale))
    _insert(conn, fresh)
    if index and fresh and len(fresh) == len(rows):
        conn.execute(_INDEX, (base, base | MASK))
    elif index:
        conn.executemany(_INDEX_ONE, ((r,) for r, _ in fresh))
    return len(fresh)


# What a NULL is bound as: a float NaN, which SQLite stores as NULL (`sqlite3VdbeMemSetDouble`). Python's
# sqlite3 binds str, int and float as they are, but looks every None up among its adapters first; a step
# row has some ten Nones, and that lookup was a third of the rows' insert (bench/RESULTS.md). The rows a
# sync makes (`index.session_rows`) hold NULL already: going over every value again here to swap it in
# was a sixth of the insert. A row may still hold None: it is bound as NULL too, only slower.
NULL = math.nan


def _as_read(row: list[Any]) -> tuple[Any, ...]:
    """A row as SQLite gives it back: NULL as None."""
    return tuple([None if v is NULL else v for v in row])


def _insert(conn: sqlite3.Connection, fresh: list[tuple[int, list[Any]]]) -> None:
    try:
        conn.executemany(_INSERT, ([r, *row] for r, row in fresh))
    except UnicodeEncodeError:
        # A lone surrogate (a reader let half an emoji through): SQLite takes no such text. The rows
        # put before it are replaced by the mended ones.
        conn.executemany(_INSERT, ([r, *[NULL if v is None else v for v in mend(row)]] for r, row in fresh))


def sigs(conn: sqlite3.Connection) -> dict[int, str]:
    """{group key: the signature its held steps were read at}."""
    return dict(conn.execute("SELECT gkey, sig FROM held"))


def drop(conn: sqlite3.Connection, keys: Iterable[int]) -> int:
    """Take groups' steps out of the shard (and out of its FTS index); returns how many groups."""
    dropped = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for key in keys:
            found = conn.execute("SELECT sno FROM held WHERE gkey = ?", (key,)).fetchone()
            if found is None:
                continue
            base = found[0] << SHIFT
            conn.execute(_UNINDEX, (base, base | MASK))
            conn.execute("DELETE FROM steps WHERE rowid BETWEEN ? AND ?", (base, base | MASK))
            conn.execute("DELETE FROM held WHERE sno = ?", (found[0],))
            dropped += 1
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return dropped


def collect(writers: Writers, wanted: dict[int, set[int]]) -> int:
    """Drop, from every shard, the groups the main index does not place there (`wanted`: shard ->
    its group keys): what an update moved elsewhere, a removal, or a crash left behind."""
    dropped = 0
    for k in range(SHARDS):
        if not path(writers.root, k).exists():
            continue
        conn = writers[k]
        held = {key for (key,) in conn.execute("SELECT gkey FROM held")}
        extra = held - wanted.get(k, set())
        if extra:
            dropped += drop(conn, sorted(extra))
    return dropped


OTHER_LAYOUT = "made by another version of tracetui"
NEWER_LAYOUT = "written by a newer tracetui"


@functools.lru_cache(maxsize=1)
def _made_tables() -> dict[str, str]:
    """Each table of SCHEMA as SQLite keeps its statement (what a shard this version made holds)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        conn.executescript(SCHEMA)
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        return {name: sql for name, sql in rows}


def has_generated_columns(conn: sqlite3.Connection, table: str) -> bool:
    """Whether `table` has a column SQLite works out as it is read or written (GENERATED ALWAYS AS)."""
    return any(row[6] in (2, 3) for row in conn.execute("SELECT * FROM pragma_table_xinfo(?)", (table,)))


def schema_oddity(conn: sqlite3.Connection, plain: tuple[str, ...], fts: tuple[str, ...] = ()) -> str | None:
    """What in a bucket file's schema the bucket never made, or None: a view, a trigger, or a virtual
    table where it keeps a plain one. The file is on disk for anyone to write, and a view over a
    recursive query named like one of its tables would make every listing run forever; such a file
    is damage, set aside and made again from the copies."""
    for name, kind, sql in conn.execute("SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view', 'trigger')"):
        text = sql.lstrip()[:40].upper() if isinstance(sql, str) else ""
        if kind in ("view", "trigger"):
            return f"it holds a {kind} ({name!r}) the bucket never makes"
        if name in plain and text.startswith("CREATE VIRTUAL"):
            return f"its {name!r} is a virtual table"
        # SQLite works a generated column out as it is read: one planted as `printf('%.*c', 900000000,
        # 'x')` made every row read 900 MB. Only the steps table's own two, as SCHEMA writes them, pass.
        made = _made_tables().get(name)
        if kind == "table" and name in plain and sql != made and has_generated_columns(conn, name):
            return f"its {name!r} has a generated column the bucket never makes"
        if name in fts and not (text.startswith("CREATE VIRTUAL") and "USING FTS5" in sql.upper()):
            return f"its {name!r} is not a full-text index"
    return None


def newer(problems: dict[int, str]) -> str | None:
    """The sentence of `check`'s that says a newer tracetui wrote a shard, or None. Such a shard is
    no cache of ours to make anew, as one of an older layout is: this version would remake it in its
    own, and the newer one then again."""
    return next((p for p in problems.values() if p.startswith(NEWER_LAYOUT)), None)


def check(root: Path, thorough: bool = False) -> dict[int, str]:
    """{shard: what is wrong with it} for the shards that cannot be read. The light check (on every
    open) reads the layout, the small table and the last row; the thorough one (doctor) every page,
    and checks the FTS index against the rows. A newer layout's sentence starts `NEWER_LAYOUT`."""
    problems: dict[int, str] = {}
    for k in range(SHARDS):
        p = path(root, k)
        if not p.exists():
            continue
        try:
            conn = sqlite3.connect(p, isolation_level=None)
            try:
                layout = conn.execute("PRAGMA user_version").fetchone()[0]
                if isinstance(layout, int) and layout > VERSION:
                    problems[k] = (f"{NEWER_LAYOUT} (its step shard {p.name} has layout {layout}; this is "
                                   f"tracetui {__version__}, which reads layout {VERSION}): upgrade tracetui "
                                   "to open it")
                    continue
                if layout != VERSION:
                    problems[k] = OTHER_LAYOUT
                    continue
                odd = schema_oddity(conn, ("held", "steps"), ("steps_fts",))
                if odd is not None:
                    problems[k] = odd
                    continue
                conn.execute("SELECT count(*) FROM held").fetchone()
                conn.execute("SELECT rowid FROM steps ORDER BY rowid DESC LIMIT 1").fetchone()
                if thorough:
                    rows = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
                    if rows != ["ok"]:
                        problems[k] = "; ".join(str(r) for r in rows)
                        continue
                    conn.execute("INSERT INTO steps_fts(steps_fts) VALUES ('integrity-check')")
                    # This SQLite's check does not compare the index with its external content: one
                    # document size is kept per indexed row, so the counts must agree.
                    rows_n = conn.execute("SELECT count(*) FROM steps").fetchone()[0]
                    docs_n = conn.execute("SELECT count(*) FROM steps_fts_docsize").fetchone()[0]
                    if rows_n != docs_n:
                        problems[k] = f"its search index holds {docs_n} of its {rows_n} steps"
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            problems[k] = str(exc)
    return problems


# -- readers (through a connection to the main index with the shards attached) -------------------


def schema(shard: int) -> str:
    return f"s{shard}"


def attach(conn: sqlite3.Connection, root: Path, read_only: bool) -> None:
    """Attach every shard that exists to a connection to the main index, as s0, s1, ... (shards
    are made when first written: a small bucket has few)."""
    have = _attached(conn)
    for k in range(SHARDS):
        name = schema(k)
        p = path(root, k)
        if name in have or not p.exists():
            continue
        if read_only:
            uri = p.resolve().as_uri()
            try:
                conn.execute(f"ATTACH DATABASE ? AS {name}", (f"{uri}?mode=ro",))
                conn.execute(f"SELECT count(*) FROM {name}.sqlite_master").fetchone()
            except sqlite3.OperationalError:
                # A folder that cannot take the WAL's shared-memory file: read the file as it is.
                if name in _attached(conn):
                    conn.execute(f"DETACH DATABASE {name}")
                conn.execute(f"ATTACH DATABASE ? AS {name}", (f"{uri}?immutable=1",))
        else:
            conn.execute(f"ATTACH DATABASE ? AS {name}", (str(p),))
        if conn.execute(f"PRAGMA {name}.user_version").fetchone()[0] != VERSION:
            conn.execute(f"DETACH DATABASE {name}")  # another layout: not read until a sync makes it anew


def _attached(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA database_list")}


def attached(conn: sqlite3.Connection) -> list[int]:
    """The shards attached to `conn`."""
    return sorted(int(n[1:]) for n in _attached(conn) if n[:1] == "s" and n[1:].isdigit())


def steps_of(conn: sqlite3.Connection, shard: int, key: int, limit: int | None = None) -> Iterator[tuple]:
    """A group's step rows (READ_COLUMNS), in order; the first `limit` only, when given."""
    if shard not in attached(conn):
        return iter(())
    s = schema(shard)
    found = conn.execute(f"SELECT sno FROM {s}.held WHERE gkey = ?", (key,)).fetchone()
    if found is None:
        return iter(())
    base = found[0] << SHIFT
    sql = f"SELECT {READ_COLUMNS} FROM {s}.steps WHERE rowid BETWEEN ? AND ? ORDER BY rowid LIMIT ?"
    return conn.execute(sql, (base, base | MASK, -1 if limit is None else limit))


def held_sigs(conn: sqlite3.Connection, shard: int) -> dict[int, str]:
    """Each group's signature as the shard holds its steps (`put`): group key -> signature."""
    if shard not in attached(conn):
        return {}
    return dict(conn.execute(f"SELECT gkey, sig FROM {schema(shard)}.held"))


# A search is one or more passes (`index.fts_passes`): an FTS query naming its columns, and the
# step kinds its hits must be of (None: any), which a join with the steps table decides.
Pass = tuple[str, tuple[str, ...] | None]


def _pass_sql(s: str, kinds: tuple[str, ...] | None) -> tuple[str, list[Any]]:
    """FROM and WHERE of one pass over shard schema `s` (its FTS table is `f`), and the kinds."""
    if kinds is None:
        return f"FROM {s}.steps_fts f WHERE f.steps_fts MATCH ?", []
    marks = ",".join("?" * len(kinds))
    return (f"FROM {s}.steps_fts f JOIN {s}.steps st ON st.rowid = f.rowid"
            f" WHERE f.steps_fts MATCH ? AND st.kind IN ({marks})", list(kinds))  # fmt: skip


def ranked(
    conn: sqlite3.Connection, passes: list[Pass], limit: int, window: int
) -> list[tuple[float, int, int]]:
    """The best `limit` matches of a search's passes over every shard, as (rank, shard, rowid), best
    first; each shard ranks its most recently indexed `window / shards` matches of each pass
    (bounded work)."""
    shards = attached(conn)
    each = max(limit, window // max(1, len(shards)))
    best: dict[tuple[int, int], float] = {}
    for k in shards:
        for query, kinds in passes:
            body, params = _pass_sql(schema(k), kinds)
            for rowid, rank in conn.execute(
                f"SELECT rowid, rank FROM (SELECT f.rowid AS rowid, f.rank AS rank {body}"
                " ORDER BY f.rowid DESC LIMIT ?) ORDER BY rank LIMIT ?",
                (query, *params, each, limit),
            ):
                if (k, rowid) not in best or rank < best[(k, rowid)]:
                    best[(k, rowid)] = rank
    found = sorted((rank, k, rowid) for (k, rowid), rank in best.items())
    return found[:limit]


def hit_rows(conn: sqlite3.Connection, shard: int, rowids: list[int]) -> dict[int, tuple]:
    """{rowid: (session, step id, kind, text, tool_words, said_from, said_to, idx, timestamp, title,
    agent, started)} for FTS hits in one shard, only where the main index still places that session
    there."""
    s = schema(shard)
    marks = ",".join("?" * len(rowids))
    return {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT st.rowid, st.session, st.id, st.kind, st.text, st.tool_words, st.said_from, st.said_to,"
            " st.idx, st.timestamp, x.title, x.agent, x.started"
            f" FROM {s}.steps st JOIN {s}.held h ON h.sno = (st.rowid >> {SHIFT})"
            f" JOIN sessions x ON x.gkey = h.gkey AND x.shard = ? WHERE st.rowid IN ({marks})",
            (shard, *rowids),
        )
    }


def matching_sql(conn: sqlite3.Connection, passes: list[Pass]) -> tuple[str, list[Any]]:
    """SQL for `(shard, gkey) IN (...)` over every attached shard, the sessions any of whose steps
    match a search's passes, and its parameters."""
    parts: list[str] = []
    params: list[Any] = []
    for k in attached(conn):
        for query, kinds in passes:
            body, more = _pass_sql(schema(k), kinds)
            parts.append(f"SELECT {k}, h.gkey FROM {schema(k)}.held h WHERE h.sno IN"
                         f" (SELECT DISTINCT f.rowid >> {SHIFT} {body})")  # fmt: skip
            params += [query, *more]
    if not parts:
        return "SELECT NULL, NULL WHERE 0", []
    return " UNION ALL ".join(parts), params


def holds_sql(shard: int, passes: list[Pass]) -> tuple[str, list[Any]]:
    """SQL answering whether one group (its key the first parameter) has a step matching any of a
    search's passes, and the parameters after the key. FTS5 seeks a whole word's postings to the
    group's rowid range, so this costs about the same however big the shard is; a prefix term is
    another matter: FTS5 (3.40) merges every word the prefix covers before it looks at a rowid."""
    s = schema(shard)
    tests: list[str] = []
    params: list[Any] = []
    for query, kinds in passes:
        body, more = _pass_sql(s, kinds)
        within = f"f.rowid BETWEEN (h.sno << {SHIFT}) AND ((h.sno << {SHIFT}) | {MASK})"
        tests.append(f"EXISTS (SELECT 1 {body} AND {within})")
        params += [query, *more]
    return f"SELECT 1 FROM {s}.held h WHERE h.gkey = ? AND ({' OR '.join(tests)})", params
