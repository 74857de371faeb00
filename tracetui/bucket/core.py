"""The bucket: a folder holding the raw-log copies (`raw/`), the index (`index.sqlite`), the
redaction plans (`plans/`) and caches (`cache/`), and the one object the other layers talk to.

`Bucket` is built in layers: its folder and index connections (`connections`), its reads of the
index (`reads`), and here what changes it (sync, remove, rate) and the first rows of a list."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from tracetui.bucket import index, removed, resume, shards
from tracetui.bucket import ratings as rated
from tracetui.bucket.connections import PROGRESS_STEPS, _damaged, _healing, _sync_module
from tracetui.bucket.ratings import Rating
from tracetui.bucket.reads import _ORDERS, Reads, _like, _like_fits
from tracetui.bucket.results import ListHead, Removal
from tracetui.bucket.searched import step_query
from tracetui.bucket.sync_report import ProgressCallback, SyncReport
from tracetui import cost
from tracetui.errors import NotFound, TracetuiError
from tracetui.model import EVERY, Session, SessionFilter, Step
from tracetui.safe_text import clip
from tracetui.sources import registry
from tracetui.sources import RawLog

# The sessions `first_sessions` looks at before it leaves the rest to the whole answer: a look costs a
# few tens of microseconds (one FTS lookup in one session's rowid range).
HEAD_LOOKS = 400
# How long (CPU seconds) `first_sessions` lets the whole answer run before it looks session by session
# instead: a rare word's whole answer is cheaper than any walk, and is exact and counted.
HEAD_BUDGET = 0.005


class Bucket(Reads):
    """Thread-safe: each thread gets its own SQLite connection; WAL keeps reads unblocked by a sync.

    A bucket on a read-only folder (a backup, a snapshot, a shared mount) opens read-only: it lists,
    shows and searches, and refuses to sync or keep redaction plans, saying why."""
    # The Library capabilities a bucket does not have (tracetui.library): it is no opened capsule.
    kind = "bucket"
    manifest: dict[str, Any] | None = None
    fates: list[dict[str, Any]] | None = None

    # -- sync -------------------------------------------------------------------------------------

    def sync(
        self,
        sources: dict[str, list[Path]] | None = None,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
        paths: Collection[str] | None = None,
    ) -> SyncReport:
        """Bring the bucket up to date with the agents' logs (default: their usual folders).

        `progress(SyncProgress)` is called after each session group is done. `workers` caps the
        process pool (None: decide from the amount of work; 1: no pool). `paths`: the files a
        watcher saw change; only their session groups are synced when the change can be scoped so.
        """
        for agent in sources or {}:
            if agent not in registry.names():
                raise TracetuiError(f"unknown agent {agent!r}: expected {registry.spoken_names()}")
        if self.read_only:
            raise TracetuiError(
                f"the bucket {self.root} is read-only: it can be listed, shown and searched, not synced"
            )
        return self._sync(sources, progress, workers, heal=True, paths=paths)

    def _sync(
        self,
        sources: dict[str, list[Path]] | None,
        progress: ProgressCallback | None,
        workers: int | None,
        heal: bool,
        paths: Collection[str] | None = None,
    ) -> SyncReport:
        conn = self._conn()
        with self._sync_lock():
            try:
                report = _sync_module().sync(self.root, conn, sources, progress, workers, paths)
                stored = index.stored_price_table(conn)
                if stored is None or stored.version != cost.table_version():
                    index.store_price_table(conn, cost.price_table())
                return report
            except sqlite3.DatabaseError as exc:
                if not (heal and _damaged(exc)):
                    raise TracetuiError(f"the bucket index {self.index_path} could not be updated: {exc}") from None
                problem = str(exc)
        # Rebuilt outside the writer's lock (the rebuild takes it itself), and tried again once.
        self._rebuild(problem)
        return self._sync(sources, progress, workers, heal=False)

    @_healing
    def first_sessions(
        self,
        where: SessionFilter = EVERY,
        *,
        limit: int = 50,
        order: str = "date",
        looks: int = HEAD_LOOKS,
        budget: float | None = None,
    ) -> ListHead:
        """The first rows (`limit` at most) `list_sessions` gives for the same filter, found by work
        bounded by the screen rather than by the bucket: the sessions are looked at one at a time in
        the list's order, `looks` at most, each by its title, project or id, then by its own steps
        (one FTS lookup bounded to its rowid range). The whole answer (every session a word is in)
        grows with the bucket.

        A last word of PREFIX_MIN letters or more also matches as a prefix, and FTS5 cannot look a
        prefix up in one session's range without merging every word it covers; so here it is looked
        up as a whole word, and the first session not found so ends the rows (a longer word could
        keep it, and the whole answer says).

        With no prefix to look up, the whole answer is tried first, for `budget` seconds of CPU
        (None: HEAD_BUDGET): where it is done by then (a rare word, a small bucket) it is given,
        with its count. Not with one: FTS5 merges a prefix's words in one step SQLite cannot
        interrupt, as long as a shard's whole answer takes."""
        conn = self._steps_conn()
        query = step_query(where.text or "")
        words = index.fts_passes(query, prefix=False) if query.words else []
        prefixed = index.fts_passes(query) != words if query.words else False
        budget = HEAD_BUDGET if budget is None else budget
        if budget > 0 and not prefixed:
            found = self._whole_within(budget, conn, where, limit, order)
            if found is not None:
                return found
        # The text is looked for below, a session at a time: the clause keeps the other filters.
        sql_where, params = self._where(replace(where, text=None))
        label = "0"
        if query.words and _like_fits(_like(query.words)):  # else no title, project or id is as long
            like = _like(query.words)
            label = "(title LIKE ? ESCAPE '\\' OR project LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')"
            params = [like, like, like, *params]
        # Only the keys are sorted and read (every session is, in C); a row is made for those kept.
        ordered = _ORDERS.get(order, index.ORDER)
        sql = f"SELECT rowid, shard, gkey, {label} FROM sessions {sql_where} {ordered} LIMIT ?"
        attached = set(shards.attached(conn))
        probes: dict[int, tuple[str, list[Any]]] = {}
        kept_rowids: list[int] = []
        looked = 0
        for rowid, shard, key, named in conn.execute(sql, [*params, looks]).fetchall():
            if len(kept_rowids) >= limit:
                return self._head(conn, kept_rowids)
            looked += 1
            kept = bool(named) or not query.words
            if not kept and words and shard in attached:
                if shard not in probes:
                    probes[shard] = shards.holds_sql(shard, words)
                probe, more = probes[shard]
                kept = conn.execute(probe, (key, *more)).fetchone() is not None
            if kept:
                kept_rowids.append(rowid)
            elif prefixed and shard in attached:
                return self._head(conn, kept_rowids)  # a prefix alone could keep this one: undecided
        # Every session looked at was decided; where that was every session, so is the answer.
        return self._head(conn, kept_rowids, whole=looked < looks)

    @staticmethod
    def _head(conn: sqlite3.Connection, rowids: list[int], whole: bool = False) -> ListHead:
        marks = ",".join("?" * len(rowids))
        sql = f"SELECT rowid, {index.SUMMARY_COLUMNS} FROM sessions WHERE rowid IN ({marks})"
        rows = {r[0]: index.summary_from_row(r[1:]) for r in conn.execute(sql, rowids)}
        found = [rows[r] for r in rowids if r in rows]
        return ListHead(found, len(found) if whole else None)

    def _whole_within(
        self, budget: float, conn: sqlite3.Connection, where: SessionFilter, limit: int, order: str
    ) -> ListHead | None:
        """The first `limit` rows of the whole answer and its count, or None where SQLite had not
        found them after `budget` seconds of this thread's CPU (the query is interrupted, nothing is
        left behind)."""
        sql_where, params = self._where(where)
        sql = (f"SELECT {index.SUMMARY_COLUMNS}, count(*) OVER () FROM sessions {sql_where}"
               f" {_ORDERS.get(order, index.ORDER)} LIMIT ?")  # fmt: skip
        # This thread's CPU, not the clock: what decides is what the answer costs, not the machine's load.
        end = time.thread_time() + budget
        stop: Callable[[], bool] | None = getattr(self._local, "stop", None)
        conn.set_progress_handler(lambda: time.thread_time() > end or (stop is not None and stop()), PROGRESS_STEPS)
        try:
            found = conn.execute(sql, [*params, limit]).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc) or self._stopped(exc):
                raise
            return None
        finally:
            conn.set_progress_handler(stop, PROGRESS_STEPS if stop is not None else 0)
        rows = [index.summary_from_row(r[: index.SUMMARY_WIDTH]) for r in found]
        return ListHead(rows, found[0][-1] if found else 0)

    def remove(self, id_or_prefix: str) -> Removal:
        """Take one session out of the bucket: its index rows and the bucket's copies of its logs.

        The agent's logs are never touched. They are remembered (bucket/removed.py) so the next sync
        does not read them back; a log of the session that changes after this brings the session
        back whole. Other sessions are untouched, and so are its redaction plan and scan cache,
        which hold decisions and positions, not the logs' text.
        """
        if self.read_only:
            raise TracetuiError(f"the bucket {self.root} is read-only: nothing can be removed from it")
        sid = self.resolve(id_or_prefix)
        conn = self._conn()
        with self._sync_lock():
            row = conn.execute(
                "SELECT s.title, s.agent, s.grp, g.files, s.shard, s.gkey FROM sessions s"
                " LEFT JOIN groups g ON g.main = s.grp WHERE s.id = ?",
                (sid,),
            ).fetchone()
            if row is None:
                raise NotFound(f"session {sid!r} is no longer in the bucket")
            title, agent, group, files_json, shard, key = row
            files: list[str] = orjson.loads(files_json) if files_json else [group]
            logs = list(removed.load(self.root))
            for path in files:
                try:
                    st = os.stat(path)
                    size, mtime_ns = st.st_size, st.st_mtime_ns
                except OSError:
                    sidecar = self._store.load(agent, path)
                    size, mtime_ns = (sidecar.size, sidecar.mtime_ns) if sidecar else (-1, -1)
                logs = [log for log in logs if log.path != path]
                logs.append(removed.RemovedLog(agent, path, size, mtime_ns, group, sid))
            # The decision first, then the rows, then the copies: a crash between leaves a removal
            # the next sync finishes, never a session that comes back on its own.
            removed.save(self.root, logs)
            conn.execute("BEGIN")
            try:
                index.drop_group(conn, group)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            # Its text leaves the search index now, not at the next sync.
            writer = shards.connect(self.root, shard)
            try:
                shards.drop(writer, [key])
            finally:
                writer.close()
            resume.forget(self.root, group)
            copies = sum(self._store.remove(agent, path) for path in files)
        return Removal(sid, title, agent, files, copies)

    def rate(self, id_or_prefix: str, verdict: str, step: str | None = None, note: str | None = None) -> Rating:
        """Record a person's good/bad verdict on a session, or on one step of it (its index or id),
        with a short note: appended to the bucket's ratings (bucket/ratings.py), which no index
        rebuild or sync touches. A later rating of the same session and step replaces this one."""
        if self.read_only:
            raise TracetuiError(f"the bucket {self.root} is read-only: no rating can be kept in it")
        sid = self.resolve(id_or_prefix)
        step_id: str | None = None
        step_index: int | None = None
        if step is not None and step.strip():
            found = _step_of(self.session(sid), step.strip())
            step_id, step_index = found.id, found.index
        rating = rated.make(sid, verdict, step_id, step_index, note)
        rated.append(self.root, rating)
        return rating

    def ratings(self) -> list[Rating]:
        """The ratings people gave, the latest for each session and step, oldest first."""
        found, _ = rated.read(self.root)
        return list(rated.latest(found).values())

    @_healing
    def raw_files(self, session_id: str) -> list[RawLog]:
        """The bucket's copies of a session's raw logs (main first), decompressed."""
        sid = self.resolve(session_id)
        conn = self._conn()
        row = conn.execute(
            "SELECT g.agent, g.files FROM sessions s JOIN groups g ON g.main = s.grp WHERE s.id = ?", (sid,)
        ).fetchone()
        if row is None:
            raise NotFound(f"the raw logs of session {sid!r} are not in the bucket index; run `tracetui sync`")
        agent, files = row[0], orjson.loads(row[1])
        out: list[RawLog] = []
        for path in files:
            sc = self._store.load(agent, path)
            if sc is None:
                raise NotFound(f"the bucket has no copy of {path!r}; run `tracetui sync`")
            out.append(RawLog(path, self._store.content(sc)))
        return out


def _step_of(session: Session, wanted: str) -> Step:
    """The step of `session` that `wanted` names: its index as shown, or its id."""
    if wanted.isdigit():
        n = int(wanted)
        for step in session.steps:
            if step.index == n:
                return step
    for step in session.steps:
        if step.id == wanted:
            return step
    raise NotFound(f"session {session.id} has no step {clip(wanted, 80)!r} (its steps are 0 to {len(session.steps) - 1})")
