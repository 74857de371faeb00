"""A team's Parquet dataset as a read-only `Library`: the app and the CLI browse it as they do a bucket.

Opening lists the files (files.locate) and reads the sessions table's listing columns into DuckDB's
memory, once: the list, its filters, its orders and counts are answered from there. With
`background`, the newest months are read first and a thread reads the rest (docs/dataset.md,
"The app over a dataset"). A session's steps, tool calls and patches are read when it is opened,
from the files of its own partition only; a step text filter and search read the steps table's text
column and the tool calls' arguments (dataset/step_search.py). A price is the one the sessions row
carries, else worked out from the steps (dataset/prices.py; in background mode by a thread, after
the first screen).
Nothing reads the whole dataset to draw the first screen. Nothing here writes to it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from tracetui.bucket import ListHead, SearchHit
from tracetui.bucket.index import query_terms
from tracetui.bucket.searched import step_query
from tracetui.dataset import prices, rows, step_search
from tracetui.dataset.duck import spill_folder
from tracetui.dataset.files import TABLE_MARK, DataFile, Layout, locate
from tracetui.dataset.listing import (
    LISTED, Schemas, insert_listing, keep_listings, listing_files, newest_first,
)  # fmt: skip
from tracetui.errors import NotFound, Stopped, TracetuiError, given_id
from tracetui.library import RecordedTrail
from tracetui.model import EVERY, Session, SessionFilter, SessionSummary, Spent, Step
from tracetui.preview_head import HeadFacts
from tracetui.safe_text import exception_line

MEMORY_LIMIT = "1GB"  # DuckDB's own budget: a dataset is anyone's, and a page header may ask for more
MATCHES_KEPT = 8  # text filters whose sessions are kept (the list asks again for every page)
FIRST_ROWS = 200  # sessions the newest months must hold before the first screen is drawn from them
CHUNK_FILES = 256  # sessions files a background read takes at a time (each one shows in the list)
FIRST_WAIT = 3.0  # seconds after the open the background read waits for the first page to be listed
IDLE = 0.15  # seconds without a face's read before the background read takes its next chunk
CLOSE_WAIT = 2.0  # seconds `close` waits for interrupted reads to end

_STEPS: dict[str, str] = {
    "session_id": "VARCHAR", "step_id": "VARCHAR", "index": "BIGINT", "kind": "VARCHAR", "role": "VARCHAR",
    "text": "VARCHAR", "timestamp": "TIMESTAMP", "tool": "VARCHAR", "tool_call_id": "VARCHAR",
    "parent": "VARCHAR", "subagent": "VARCHAR", "active": "BOOLEAN", "is_error": "BOOLEAN", "model": "VARCHAR",
    "tokens_input": "BIGINT", "tokens_output": "BIGINT", "tokens_cache_read": "BIGINT",
    "tokens_cache_write": "BIGINT", "meta": "VARCHAR",
}  # fmt: skip
_PATCHES: dict[str, str] = {
    "session_id": "VARCHAR", "step_id": "VARCHAR", "patch_index": "BIGINT", "path": "VARCHAR",
    "state": "VARCHAR", "commit": "VARCHAR", "kept": "BIGINT", "changed": "BIGINT", "dropped": "BIGINT",
    "diff": "VARCHAR", "superseded_by": "VARCHAR",
}  # fmt: skip
_ORDER_SQL = {
    "date": "started DESC NULLS LAST, session_id",
    "tokens": "(coalesce(tokens_input,0)+coalesce(tokens_output,0)+coalesce(tokens_cache_read,0)"
    "+coalesce(tokens_cache_write,0)) DESC, started DESC NULLS LAST, session_id",
    "steps": "steps DESC NULLS LAST, started DESC NULLS LAST, session_id",
    "duration": "(ended - started) DESC NULLS LAST, started DESC NULLS LAST, session_id",
}


def open_dataset(url: str, cache: Path | None = None, background: bool = False) -> DatasetLibrary:
    """The Parquet dataset at `url` (a folder or an fsspec URL), opened read-only; TracetuiError (one
    line) where it cannot be. `cache`: a folder of this machine's where the sessions' listing is kept
    between opens, a file per machine keyed by its sessions files' names, sizes and times, so a second
    open reads one file per machine instead of every partition's, and a machine that exported since
    is the only one read again. `background`: return once the newest months are read, the rest read
    by a thread (module docstring)."""
    return DatasetLibrary(locate(str(url)), cache, background)


class DatasetLibrary:
    """A Parquet dataset (the four tables of `export --format parquet`), read-only (module docstring)."""

    read_only = True
    kind = "dataset"
    root: Path | None = None
    plans_dir: Path | None = None
    cache_dir: Path | None = None
    manifest: dict[str, Any] | None = None
    fates: Sequence[dict[str, Any]] | None = None

    def __init__(self, layout: Layout, cache: Path | None = None, background: bool = False) -> None:
        try:
            import duckdb
        except ImportError:
            raise TracetuiError("--dataset needs duckdb (pip install 'tracetui[dataset]')") from None
        self._duckdb = duckdb
        self.url = layout.url
        self.notices: list[str] = []
        self._layout = layout
        self._lock = threading.RLock()
        self._local = threading.local()
        self._costs: dict[str, tuple[float | None, bool]] = {}  # session id -> (price, a lower bound)
        self._matches: dict[str, set[str]] = {}
        self._tables = step_search.Tables(self._sql, self._layout.of, self._columns, _STEPS)
        self._described: dict[str, set[str]] = {}
        # machine -> (the columns its files hold, the signature of its first file's schema)
        self._schemas: Schemas = {}
        self._active: set[Any] = set()  # the cursors reading now (`close` interrupts them)
        self._busy = 0  # reads the faces asked for, under way (the background read lets them go first)
        self._asked = 0  # reads the faces asked for since the library opened
        self._last_asked = 0.0
        self._first_page = threading.Event()  # a face has listed its first page
        self._opened_at = time.monotonic()
        self._version = 0  # bumped as the background read adds rows
        self._read_files = 0
        self._loaded_all = threading.Event()
        self._closing = threading.Event()
        self._loader: threading.Thread | None = None
        self._load_error: str | None = None
        # Sessions files that could not be read, each with why: their sessions are not listed (`_insert`).
        self._unreadable: list[tuple[DataFile, str]] = []
        self._background = background
        self._pricer: threading.Thread | None = None  # prices the sessions pages show, in background mode
        self._unpriced: dict[str, dict[str, Any]] = {}  # session id -> its listing row, to price
        # No extension is installed or loaded for what a dataset holds; rows come in any order (every
        # read here orders its own), which lets a read of many small files run on every thread.
        config: dict[str, Any] = {"memory_limit": MEMORY_LIMIT, "autoinstall_known_extensions": False,
                                  "autoload_known_extensions": False, "preserve_insertion_order": False,
                                  "temp_directory": spill_folder()}  # never the working folder's `.tmp`
        self._con = duckdb.connect(":memory:", config=config)
        if layout.filesystem is not None:
            self._con.register_filesystem(layout.filesystem)
        self._load(cache, background)

    # -- reading ---------------------------------------------------------------------------------
    def _sql(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        """Rows as dicts; the reader's errors as one TracetuiError line, a stopped read as Stopped."""
        names, found = self._run(query, params)
        return [dict(zip(names, values)) for values in found]

    def _sql_rows(self, query: str, params: Any) -> list[tuple[Any, ...]]:
        """As `_sql`, the rows as tuples: a price reads a row per step that used tokens."""
        return self._run(query, params)[1]

    def _run(self, query: str, params: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
        # A face's read (not the background threads'): those wait while faces read.
        asked = self._background and not getattr(self._local, "background", False)
        with self._lock:
            cursor = self._con.cursor()  # one per read: reads from several workers run side by side
            self._active.add(cursor)
            if asked:
                self._busy += 1
                self._asked += 1
        self._local.cursor = cursor  # what `stopping` interrupts
        try:
            # Fetched while the files are held: DuckDB opens a later file only as its rows are asked for.
            with self._checked(params) as named:
                result = cursor.execute(query, named) if named is not None else cursor.execute(query)
                names = [d[0] for d in result.description or ()]
                return names, result.fetchall()
        except self._duckdb.InterruptException:
            raise Stopped("stopped") from None
        except self._duckdb.OutOfMemoryException as exc:
            # DuckDB's limit held; a file whose pages claim to inflate past it is the likely cause: named.
            raise self._overclaimed(params) or TracetuiError(
                f"the dataset at {self.url} cannot be read: {exception_line(exc)}") from None
        except self._duckdb.Error as exc:
            raise TracetuiError(f"the dataset at {self.url} cannot be read: {exception_line(exc)}") from None
        finally:
            self._local.cursor = None
            cursor.close()
            with self._lock:
                self._active.discard(cursor)
            if asked:
                with self._lock:
                    self._busy -= 1
                    self._last_asked = time.monotonic()

    @contextlib.contextmanager
    def _checked(self, params: Any) -> Iterator[Any]:
        """`params` with a local dataset's files (`$files`, `$file`) named as `held` names them for
        every reader, the CLI's too, while the read runs: sealed copies (or watched descriptors) of
        the files held by descriptor. DuckDB opening them by path would follow a link or wait on a
        FIFO a member swapped in since the listing, and reading the held file itself would read it as
        rewritten in place since. (`$paths` keeps the names listed, for the rows.) DuckDB refuses a
        footer claiming more rows than the file holds on its own."""
        if self._layout.filesystem is not None or not isinstance(params, dict):
            yield params
            return
        from tracetui.dataset.held import held

        listed = [params["file"]] if "file" in params else params.get("files")
        if not listed:
            yield params
            return
        with held(self._layout.base, listed) as names:
            yield {**params, **({"file": names[0]} if "file" in params else {"files": names})}

    def _overclaimed(self, params: Any) -> TracetuiError | None:
        """Which file of a read that ran out of memory claims past its size (page_claims), if any."""
        listed = params.get("files") or [params.get("file")] if isinstance(params, dict) else None
        if self._layout.filesystem is not None or not listed or None in listed:
            return None
        from tracetui.dataset.held import held
        from tracetui.dataset.page_claims import first_refused

        with held(self._layout.base, listed) as names:
            return first_refused(names, listed)

    def _columns(self, files: list[str]) -> set[str]:
        """The columns a table's files hold, as the first of them says (one footer read, once): the
        reads take every file by name (`union_by_name`), so a column another file lacks is null."""
        key = files[0]
        if key not in self._described:
            found = self._sql("DESCRIBE SELECT * FROM read_parquet($file, hive_partitioning=false)", {"file": key})
            self._described[key] = {str(r["column_name"]) for r in found}
        return self._described[key]

    def _load(self, cache: Path | None, background: bool) -> None:
        self._partition_of = {f.path: f.partition for f in self._layout.files["sessions"]}
        groups = listing_files(cache, self._layout) if cache is not None else {}
        self._create([])
        kept = {path: files for path, files in groups.items() if path.is_file()}
        if kept:
            try:
                self._sql("INSERT INTO s SELECT * FROM read_parquet($files)", {"files": sorted(map(str, kept))})
            except Stopped:
                raise
            except TracetuiError:  # a listing half written or damaged: every machine read again below
                self._sql("DELETE FROM s")
                for path in kept:
                    path.unlink(missing_ok=True)
                kept = {}
        listed = {f.path for files in kept.values() for f in files}
        to_keep = {path: files for path, files in groups.items() if path not in kept}
        first, rest = newest_first([f for f in self._layout.files["sessions"] if f.path not in listed])
        if not background:
            first, rest = first + [f for chunk in rest for f in chunk], []
        cached = self._count() if kept else 0
        if first:
            self._insert(first)
        # The newest months until they hold a screenful: the first page, newest first, is theirs (the
        # machines whose listing was kept are there whole; the others' older sessions come after).
        while rest and self._count() - cached < FIRST_ROWS:
            self._insert(rest.pop(0))
        if self._unreadable and not self._count():
            # Not one file could be read: no dataset of sessions (or not tracetui's), said as it is.
            raise TracetuiError(self._unreadable[0][1])
        self._loaded(len(self._layout.files["sessions"]) - sum(len(c) for c in rest))
        if not rest:
            self._finish(to_keep)
            return
        chunks = [c[i : i + CHUNK_FILES] for c in rest for i in range(0, len(c), CHUNK_FILES)]
        self._loader = threading.Thread(target=self._read_rest, args=(chunks, to_keep), daemon=True,
                                        name="dataset-listing")  # fmt: skip
        self._loader.start()

    def _read_rest(self, chunks: list[list[DataFile]], kept: dict[Path, list[DataFile]]) -> None:
        """The background read: each chunk of older sessions files added to the listing in turn."""
        self._local.background = True
        try:
            with self._stopping(self._closing.is_set):
                for chunk in chunks:
                    self._after_faces()
                    if self._closing.is_set():
                        return
                    self._insert(chunk)
                    self._loaded(self._read_files + len(chunk))
            self._finish(kept)
        except Stopped:
            return
        except TracetuiError as exc:
            self._load_error = str(exc)
            self._loaded_all.set()
            self._version += 1
        except Exception as exc:  # a reader's own failure must not kill the app: said in the status
            self._load_error = f"the dataset at {self.url} cannot be read whole: {type(exc).__name__}"
            self._loaded_all.set()
            self._version += 1

    def _after_faces(self) -> None:
        """Wait while the faces read (the cores are the first screen's first): until the first page
        has been listed (at most FIRST_WAIT seconds after the open), then until no read has been
        asked for IDLE seconds."""
        while not self._closing.is_set():
            now = time.monotonic()
            first = self._first_page.is_set() or now - self._opened_at >= FIRST_WAIT
            if first and self._busy == 0 and now - self._last_asked >= IDLE:
                return
            self._closing.wait(0.03)

    def _finish(self, kept: dict[Path, list[DataFile]]) -> None:
        self._loaded_all.set()
        self._version += 1
        # A machine with a file left out keeps no listing: the next open reads its files again, and
        # says again which cannot be read.
        left_out = {f.path for f, _ in self._unreadable}
        kept = {path: files for path, files in kept.items() if not any(f.path in left_out for f in files)}
        if kept and not self._closing.is_set():
            with contextlib.suppress(OSError, TracetuiError):
                keep_listings(self._sql, kept)

    def _loaded(self, files: int) -> None:
        self._read_files = files
        self._total = self._count()
        self._version += 1
        if files >= len(self._layout.files["sessions"]):
            self._loaded_all.set()

    def _count(self) -> int:
        return int(self._sql("SELECT count(*) AS n FROM s")[0]["n"])

    def loading(self) -> str | None:
        """What the background read has done, for a status line ("reading the dataset: 300 of 1,712
        sessions files"), what stopped it, or the files it left out; None once the listing is whole."""
        if self._load_error is not None:
            return self._load_error
        if self._loaded_all.is_set():
            if not self._unreadable:
                return None
            n, (_, first) = len(self._unreadable), self._unreadable[0]
            return f"{n:,} unreadable sessions file{'' if n == 1 else 's'} left out; {first}"
        return f"reading the dataset: {self._read_files:,} of {len(self._layout.files['sessions']):,} sessions files"

    def is_whole(self) -> bool:
        """Whether every sessions file is listed (or the background read has ended on an error)."""
        return self._loaded_all.is_set()

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Until the whole listing is read (an order by cost, a session not listed yet need it)."""
        self._first_page.set()  # nothing to hold the background read back for
        return self._loaded_all.wait(timeout)

    def _create(self, files: list[DataFile]) -> None:
        # A time is kept as milliseconds since the epoch (`rows.projection` reads it so).
        kinds = {n: "BIGINT" if k == "TIMESTAMP" else k for n, k in LISTED.items()}
        self._sql(f"CREATE TABLE s ({', '.join(f'{_q(n)} {k}' for n, k in kinds.items())}, file VARCHAR)")
        if files:
            self._insert(files)

    def _insert(self, files: list[DataFile]) -> None:
        """Add these sessions files' listing columns to the listing (one read of them all). Where that
        read fails, each file is read alone: one machine's damaged file (a team dataset is written by
        many) leaves the others' sessions listed, and is named in the status (`loading`)."""
        try:
            insert_listing(self._sql, self._schemas, files, self.url)
            return
        except Stopped:
            raise
        except TracetuiError as exc:
            if len(files) == 1:
                self._unreadable.append((files[0], str(exc)))
                return
        for f in files:
            self._insert([f])

    def _summaries(self, found: list[dict[str, Any]], later: bool = False) -> list[SessionSummary]:
        """Listing rows, priced; `later` (a page of the list, in background mode): those whose row
        carries no price are priced by a thread, and show without one until then."""
        out = [rows.summary(r, self.url) for r in found]
        self._price([r.id for r in out if r.id not in self._costs], found, later=later and self._background)
        for row in out:
            row.cost_usd, row.cost_partial = self._costs.get(row.id, (None, False))
        return out

    # -- the list --------------------------------------------------------------------------------
    def _where(self, where: SessionFilter) -> tuple[str, dict[str, Any]]:
        # No `hidden` clause: an export leaves the hidden sessions out, so a dataset holds none.
        clauses: list[str] = ["TRUE"]
        params: dict[str, Any] = {}
        for name, value in (("agent", where.agent), ("project", where.project), ("machine", where.machine),
                            ("user", where.user)):  # fmt: skip
            if value:
                clauses.append(f'"{name}" = ${name}')
                params[name] = value
        if where.since:
            clauses.append("started >= $since")
            params["since"] = _ms(where.since)
        if where.until:
            clauses.append("started < $until")
            params["until"] = _ms(where.until)
        if where.text:
            needle = step_query(where.text).words.lower()
            if needle:
                ids = sorted(self._matching_steps(where.text))
                clauses.append("(contains(lower(concat_ws(' ', session_id, title, project)), $needle) "
                               "OR session_id IN (SELECT unnest($ids)))")  # fmt: skip
                params["needle"], params["ids"] = needle, ids
        return " AND ".join(clauses), params

    def list_sessions(
        self, where: SessionFilter = EVERY, *, limit: int | None = None, offset: int = 0, order: str = "date"
    ) -> list[SessionSummary]:
        sql_where, params = self._where(where)
        if order == "cost":
            return self._by_cost(sql_where, params, limit, offset)
        sql = f"SELECT * FROM s WHERE {sql_where} ORDER BY {_ORDER_SQL.get(order, _ORDER_SQL['date'])}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        if offset:
            sql += f" OFFSET {int(offset)}"
        try:
            return self._summaries(self._sql(sql, params), later=True)
        finally:
            self._first_page.set()

    def _by_cost(self, where: str, params: dict[str, Any], limit: int | None, offset: int) -> list[SessionSummary]:
        """Most expensive first: every matching session priced first (its row's price, else the
        steps' token columns)."""
        self.wait_loaded()  # every session is priced and ordered: the whole listing first
        found = self._sql(f"SELECT * FROM s WHERE {where} ORDER BY {_ORDER_SQL['date']}", params)
        if len(self._costs) < self._total:
            # Priced once for all: what the rows carry, then one read of the token columns (no text)
            # of the partitions of the sessions that carry none.
            everyone = self._sql("SELECT * FROM s")
            self._price([sid for r in everyone if (sid := str(r["session_id"])) not in self._costs], everyone, every=True)

        def price(row: dict[str, Any]) -> float:
            value = self._costs.get(str(row["session_id"]), (None, False))[0]
            return value if value is not None else -1.0

        found.sort(key=price, reverse=True)  # stable: ties keep the date order
        end = None if limit is None else offset + limit
        return self._summaries(found[offset:end])

    def count_sessions(self, where: SessionFilter = EVERY) -> int:
        sql_where, params = self._where(where)
        return int(self._sql(f"SELECT count(*) AS n FROM s WHERE {sql_where}", params)[0]["n"])

    def spent(self, where: SessionFilter = EVERY) -> Spent:
        """The sessions' prices summed as the list shows them (`_summaries`): one DuckDB aggregate
        over the rows that carry a price (`prices.stored`'s test, in SQL) and the token counts
        (`rows.count`'s bounds); the rows that carry none are priced as a list prices them (from
        their steps' tokens, by the pricing thread in background mode) and added here."""
        sql_where, params = self._where(where)
        total_sql, unpriced_sql = prices.spent_sql(sql_where)
        total = self._sql(total_sql, params)[0]
        unpriced_rows = self._sql(unpriced_sql, params)
        ids = [str(row["session_id"]) for row in unpriced_rows]
        self._price([sid for sid in ids if sid not in self._costs], unpriced_rows, later=self._background)
        spent = Spent(int(total["n"]), float(total["usd"] or 0.0), 0, bool(total["output_only"]))
        for sid in ids:
            cost = self._costs.get(sid, (None, False))[0]
            if cost is None:
                spent.unpriced += 1
            else:
                spent.cost_usd += cost
        return spent

    def first_sessions(self, where: SessionFilter = EVERY, *, limit: int = 50, order: str = "date") -> ListHead:
        # One scan of the steps' text answers a text filter whole: its count comes with it.
        found = self.list_sessions(where, order=order)
        return ListHead(found[:limit], len(found))

    def _matching_steps(self, text: str) -> set[str]:
        """The sessions one of whose steps holds every word of `text` (`step_search`), kept for the
        list's next page."""
        if text not in self._matches:
            if len(self._matches) >= MATCHES_KEPT:
                self._matches.pop(next(iter(self._matches)))
            self._matches[text] = step_search.sessions_holding(self._tables, text)
        return self._matches[text]

    # -- one session -----------------------------------------------------------------------------
    def _row(self, id_or_prefix: str) -> dict[str, Any]:
        sid = self.resolve(id_or_prefix)
        return self._sql("SELECT * FROM s WHERE session_id = $id LIMIT 1", {"id": sid})[0]

    def _files(self, table: str, row: dict[str, Any]) -> list[str]:
        partition = self._partition_of.get(str(row["file"]), "")
        return self._layout.of(table, partition) if TABLE_MARK in partition else []

    def resolve(self, id_or_prefix: str) -> str:
        try:
            return self._resolve(id_or_prefix)
        except NotFound:
            if self._loaded_all.is_set():
                raise
        self.wait_loaded()  # an older session the background read has not reached yet
        return self._resolve(id_or_prefix)

    def _resolve(self, id_or_prefix: str) -> str:
        found = self._sql("SELECT session_id FROM s WHERE session_id = $id LIMIT 1", {"id": id_or_prefix})
        if found:
            return str(found[0]["session_id"])
        # Any id a row has is taken as it is, even a blank one a stranger's dataset holds; past that, a
        # blank id is the user's mistake (exit 2), not a missing session.
        id_or_prefix = given_id(id_or_prefix)
        found = self._sql("SELECT DISTINCT session_id FROM s WHERE starts_with(session_id, $id) LIMIT 6",
                          {"id": id_or_prefix})  # fmt: skip
        if not found:
            raise NotFound(f"no session matches {id_or_prefix!r}")
        if len(found) > 1:
            names = ", ".join(str(r["session_id"]) for r in found[:5])
            raise TracetuiError(f"{id_or_prefix!r} matches several sessions: {names}")
        return str(found[0]["session_id"])

    def summary(self, id_or_prefix: str) -> SessionSummary:
        return self._summaries([self._row(id_or_prefix)])[0]

    def session(self, id_or_prefix: str) -> Session:
        return self._session(self._row(id_or_prefix), None)

    def session_head(self, id_or_prefix: str, steps: int) -> Session:
        return self._session(self._row(id_or_prefix), steps)

    def session_preview(self, id_or_prefix: str, steps: int) -> tuple[Session, HeadFacts | None]:
        return self.session_head(id_or_prefix, steps), None

    def _session(self, row: dict[str, Any], head: int | None) -> Session:
        listed = self._summaries([row])[0]
        steps: list[Step] = []
        files = self._files("steps", row)
        if files:
            present = self._columns(files)
            sql = (f"SELECT {rows.projection(_STEPS, present)} FROM read_parquet($files, union_by_name=true, "
                   "hive_partitioning=false) WHERE session_id = $id ORDER BY \"index\" NULLS LAST")  # fmt: skip
            if head is not None:
                sql += f" LIMIT {int(head)}"
            found = self._sql(sql, {"files": files, "id": listed.id})
            inputs = self._inputs(row, listed.id)
            steps = [rows.step(r, i, inputs.get(r.get("step_id"))) for i, r in enumerate(found)]
        return rows.session(row, listed, steps)

    def _inputs(self, row: dict[str, Any], sid: str) -> dict[Any, Any]:
        """The tool calls' arguments by step id (the tool_calls table's `input`, JSON)."""
        files = self._files("tool_calls", row)
        if not files or not {"step_id", "input"} <= self._columns(files):
            return {}
        found = self._sql("SELECT TRY_CAST(step_id AS VARCHAR) AS step_id, TRY_CAST(input AS VARCHAR) AS input "
                          "FROM read_parquet($files, union_by_name=true, hive_partitioning=false) "
                          "WHERE session_id = $id", {"files": files, "id": sid})  # fmt: skip
        return {r["step_id"]: rows.loads(r["input"]) for r in found if r["step_id"] is not None}

    def recorded_trail(self, session_id: str) -> RecordedTrail | None:
        """The session's patches and their fates as the export judged them (its `ref`)."""
        row = self._row(session_id)
        files = self._files("patches", row)
        ref, why = rows.text(row.get("ref")), rows.text(row.get("outcome_note"))
        note = f"as exported, judged at {ref or 'the exporting machine'}" + (f": {why}" if why else "")
        if not files:
            return RecordedTrail([], note)
        present = self._columns(files)
        found = self._sql(f"SELECT {rows.projection(_PATCHES, present)} FROM read_parquet($files, union_by_name=true, "
                          "hive_partitioning=false) WHERE session_id = $id ORDER BY patch_index NULLS LAST",
                          {"files": files, "id": str(row["session_id"])})  # fmt: skip
        return RecordedTrail([rows.fate(r) for r in found], note)

    # -- prices ----------------------------------------------------------------------------------
    def _price(self, ids: list[str], listed: list[dict[str, Any]], every: bool = False,
               later: bool = False) -> None:  # fmt: skip
        """Price these sessions: the price their row carries (dataset/prices.py), else from their
        steps' token columns (their partitions' files only, one read); `every`: they are all the
        dataset's sessions (no filter by id); `later`: those by `_price_later`."""
        asked, wanted = set(ids), set()
        files: set[str] = set()
        models: dict[str, list[str]] = {}
        for row in listed:
            sid = str(row["session_id"])
            if sid not in asked:
                continue
            price = prices.stored(row)
            if price is not None:
                self._costs[sid] = price
                continue
            wanted.add(sid)
            files.update(self._files("steps", row))
            models[sid] = rows.strings(row.get("models"))
        if not wanted:
            return
        if later:
            self._price_later(sorted(wanted), listed)
            return
        try:
            found = self._token_rows(sorted(files), None if every else sorted(wanted)) if files else []
        except Stopped:
            raise
        except TracetuiError:
            found = []  # a price is a bonus: steps that cannot be read leave it unknown, the list shows
        self._costs.update(prices.from_tokens(found, wanted, models))

    def _token_rows(self, files: list[str], sids: list[str] | None) -> list[tuple[Any, ...]]:
        """`prices.token_sql`'s rows of these files (of the sessions `sids`, None: all)."""
        present = self._columns(files)
        if not {"session_id", "index"} <= present:
            return []
        params = {"files": files, **({"ids": sids} if sids is not None else {})}
        try:
            # As the first file says (a third of the cost on many small files); files whose columns
            # differ make the reader fail, and are then read matching every file's columns by name.
            return self._sql_rows(prices.token_sql(present, sids is not None, False), params)
        except Stopped:
            raise
        except TracetuiError:
            return self._sql_rows(prices.token_sql(present, sids is not None, True), params)

    def _price_later(self, ids: list[str], listed: list[dict[str, Any]]) -> None:
        """Price these sessions in a thread once the faces are idle, then bump the version (the app
        lists the page again, with them): the first screen neither reads the steps nor loads the
        price table for a dataset whose rows carry no price."""
        by_id = {str(r["session_id"]): r for r in listed}
        with self._lock:
            for sid in ids:
                self._unpriced.setdefault(sid, by_id[sid])
            if self._pricer is not None or self._closing.is_set():
                return  # the running one takes them: it ends only under the lock, with none left
            self._pricer = threading.Thread(target=self._price_pending, daemon=True, name="dataset-prices")
            self._pricer.start()

    def _price_pending(self) -> None:
        self._local.background = True  # its reads let the faces' go first, as the listing's do
        try:
            with self._stopping(self._closing.is_set):
                while not self._closing.is_set():
                    self._after_faces()
                    with self._lock:
                        pending, self._unpriced = self._unpriced, {}
                        if not pending:
                            self._pricer = None
                            return
                    try:
                        self._price(list(pending), list(pending.values()))
                    except Stopped:
                        raise
                    except Exception:  # a price is a bonus: the rows stay unpriced, no traceback on the app
                        self._costs.update({sid: (None, False) for sid in pending if sid not in self._costs})
                    self._version += 1
        except Stopped:
            return

    # -- the rest of the protocol ----------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        wanted = step_query(query)
        if not query_terms(wanted.words) or wanted.unknown:
            return []
        self.wait_loaded()  # a hit's session must be listed to be shown (the steps' read is longer)
        return step_search.search(self._tables, query, limit)

    def _distinct(self, column: str) -> list[str]:
        found = self._sql(f'SELECT DISTINCT "{column}" AS v FROM s WHERE "{column}" IS NOT NULL ORDER BY 1')
        return [str(r["v"]) for r in found]

    def projects(self) -> list[str]:
        return self._distinct("project")

    def agents(self) -> list[str]:
        return sorted(set(self._distinct("agent")) | self._keys("agent"))

    def machines(self) -> list[str]:
        """The machines the dataset's sessions were exported from (empty: it names none)."""
        return sorted(set(self._distinct("machine")) | self._keys("machine"))

    def _keys(self, name: str) -> set[str]:
        """A partition key's values as the sessions files' folders name them: whole before the rows are."""
        return {v for f in self._layout.files["sessions"] if (v := f.key(name))}

    def users(self) -> list[str]:
        return self._distinct("user")

    def remove(self, id_or_prefix: str) -> object:
        raise TracetuiError("a dataset is read-only here: its sessions cannot be removed")

    def version(self) -> int | None:
        # Changes while the background read adds rows, then never: another machine's export shows
        # when the dataset is opened again.
        return self._version

    def stopping(self, stop: Callable[[], bool]) -> AbstractContextManager[None]:
        return self._stopping(stop)

    @contextlib.contextmanager
    def _stopping(self, stop: Callable[[], bool]) -> Iterator[None]:
        """A watcher interrupts this thread's running read once `stop()` turns true (a newer filter)."""
        done = threading.Event()
        # threading.local is per thread: the watcher reads the caller's slot through its dict.
        local = _Slot(self._local)

        def watch() -> None:
            while not done.wait(0.05):
                if stop():
                    cursor = getattr(local, "cursor", None)
                    if cursor is not None:
                        with contextlib.suppress(Exception):
                            cursor.interrupt()
                    return

        watcher = threading.Thread(target=watch, daemon=True, name="dataset-stop")
        watcher.start()
        try:
            yield
        finally:
            done.set()

    def close(self) -> None:
        """Stop every read under way (the background read, a worker's left running by a face that
        quit) and close the connection: DuckDB refuses to close one a cursor still reads from."""
        self._closing.set()
        with self._lock:
            running = list(self._active)
        for cursor in running:
            with contextlib.suppress(Exception):
                cursor.interrupt()
        for thread in (self._loader, self._pricer):
            if thread is not None:
                thread.join(10)
        self._loaded_all.set()  # whoever waits for the whole listing is let go (its read then fails)
        deadline = time.monotonic() + CLOSE_WAIT
        while True:
            try:
                with self._lock:
                    self._con.close()
                return
            except self._duckdb.Error:
                if time.monotonic() > deadline:
                    return  # left to the process's end: a read that ignores its interrupt
                time.sleep(0.02)


def _q(name: str) -> str:
    return f'"{name}"'


class _Slot:
    """The calling thread's slot of a threading.local, readable from another thread."""

    def __init__(self, local: threading.local) -> None:
        self._dict = local.__dict__

    @property
    def cursor(self) -> Any:
        return self._dict.get("cursor")


def _ms(when: str) -> int | None:
    try:
        moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
