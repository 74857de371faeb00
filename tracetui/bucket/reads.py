"""The bucket's reads of its index: sessions listed, counted and resolved by id, one session loaded,
steps searched (the base of `core.Bucket`)."""

from __future__ import annotations

from typing import Any

from tracetui.bucket import index, shards
from tracetui.bucket.connections import Connections, _healing
from tracetui.bucket.index import hit_snippet
from tracetui.bucket.loading import load_preview, load_session
from tracetui.bucket.results import SearchHit
from tracetui.bucket.searched import sqlite_text, step_query
from tracetui.cost import PriceTable
from tracetui.errors import NotFound, TracetuiError, given_id
from tracetui.model import EVERY, Session, SessionFilter, SessionSummary, Spent
from tracetui.preview_head import HeadFacts
from tracetui.safe_text import clip

# Search ranks at most this many matches (the most recently indexed), to bound its cost.
RANK_WINDOW = 5000


# SQLite's SQLITE_MAX_LIKE_PATTERN_LENGTH as built (bytes): a longer pattern fails the whole query
# ("LIKE or GLOB pattern too complex"), which a user's 100 KB filter or id should not.
LIKE_PATTERN_MAX = 50_000


def _like_fits(pattern: str) -> bool:
    return len(pattern) * 4 <= LIKE_PATTERN_MAX or len(pattern.encode("utf-8")) <= LIKE_PATTERN_MAX


class Reads(Connections):
    """What a bucket answers from its index (see `Bucket`)."""

    def _where(self, where: SessionFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = [] if where.include_hidden else ["hidden IS NULL"]
        params: list[Any] = []
        # Start times are ISO strings (UTC): comparing the first 19 characters compares the times.
        if where.since:
            clauses.append("substr(started, 1, 19) >= ?")
            params.append(where.since)
        if where.until:
            clauses.append("substr(started, 1, 19) < ?")
            params.append(where.until)
        if where.agent:
            clauses.append("agent = ?")
            params.append(where.agent)
        if where.project:
            clauses.append("project = ?")
            params.append(where.project)
        if where.machine or where.user:
            clauses.append("0")  # a bucket's own sessions name no machine or user (a dataset's do)
        query = step_query(where.text or "")
        if query.words:
            like = _like(query.words)
            if _like_fits(like):
                cond = "title LIKE ? ESCAPE '\\' OR project LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\'"
                params += [like, like, like]
            else:  # SQLite refuses the pattern: and no title, folder name or id is as long
                cond = "0"
            sql, more = shards.matching_sql(self._steps_conn(), index.fts_passes(query))
            if more:
                cond += f" OR (shard, gkey) IN ({sql})"
                params += more
            clauses.append(f"({cond})")
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    @_healing
    def list_sessions(
        self, where: SessionFilter = EVERY, *, limit: int | None = None, offset: int = 0, order: str = "date"
    ) -> list[SessionSummary]:
        """Session rows, newest first (or by `order`, most first). `where.text` matches title, project
        or id, or any step's words where a search looks (`searched.py`: what was said, unless `kind:`
        says otherwise)."""
        sql_where, params = self._where(where)
        ordered = _ORDERS.get(order, index.ORDER)
        sql = f"SELECT {index.SUMMARY_COLUMNS} FROM sessions {sql_where} {ordered} LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        return [index.summary_from_row(r) for r in self._conn().execute(sql, params)]

    @_healing
    def count_sessions(self, where: SessionFilter = EVERY) -> int:
        sql_where, params = self._where(where)
        return self._conn().execute(f"SELECT count(*) FROM sessions {sql_where}", params).fetchone()[0]

    @_healing
    def spent(self, where: SessionFilter = EVERY) -> Spent:
        """One aggregate over the index's stored prices: memory flat however many sessions it takes.
        A price of the output alone is one whose row counts output tokens and no input at all
        (`Tokens.input_recorded`)."""
        sql_where, params = self._where(where)
        sql = ("SELECT count(*), total(cost_usd), count(*) - count(cost_usd), coalesce(max("
               "tok_output > 0 AND NOT (tok_input OR tok_cache_read OR tok_cache_write)), 0) "
               f"FROM sessions {sql_where}")  # fmt: skip
        sessions, cost, unpriced, output_only = self._conn().execute(sql, params).fetchone()
        return Spent(sessions, float(cost), unpriced, bool(output_only))

    @_healing
    def price_table(self) -> PriceTable | None:
        """The price table the listed costs (`cost_usd`) come from; None before the first sync."""
        return index.stored_price_table(self._conn())

    @_healing
    def projects(self) -> list[str]:
        rows = self._conn().execute("SELECT DISTINCT project FROM sessions WHERE project IS NOT NULL ORDER BY project")
        return [r[0] for r in rows]

    def recorded_trail(self, session_id: str) -> None:
        """None: a bucket's trail is judged from the repository (tracetui.library)."""
        return None

    def loading(self) -> str | None:
        """None: a bucket's index is whole as it opens; a sync's progress is the sync's to say."""
        return None

    def is_whole(self) -> bool:
        return True

    @_healing
    def version(self) -> int | None:
        """SQLite's data_version on this thread's connection: it moves when any other connection (a
        sync in a worker thread or in another process) commits, and costs no read of the index."""
        return int(self._conn().execute("PRAGMA data_version").fetchone()[0])

    @_healing
    def agents(self) -> list[str]:
        return [r[0] for r in self._conn().execute("SELECT DISTINCT agent FROM sessions ORDER BY agent")]

    @_healing
    def resolve(self, id_or_prefix: str) -> str:
        """The full id of the one session whose id is, or starts with, `id_or_prefix`."""
        key = sqlite_text(given_id(id_or_prefix))
        conn = self._conn()
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (key,)).fetchone():
            return key
        pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = [r[0] for r in conn.execute(
            "SELECT id FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 6", (pattern,)
        )] if _like_fits(pattern) else []  # fmt: skip
        if not rows:
            raise NotFound(f"no session id starts with {clip(key, 80)!r} (run `tracetui ls` to see them)")
        if len(rows) > 1:
            shown = ", ".join(rows[:5]) + (", ..." if len(rows) > 5 else "")
            raise TracetuiError(f"{key!r} matches several sessions ({shown}); give more of the id")
        return rows[0]

    @_healing
    def summary(self, id_or_prefix: str) -> SessionSummary:
        """One session's listing row, without loading its steps."""
        sid = self.resolve(id_or_prefix)
        row = self._conn().execute(f"SELECT {index.SUMMARY_COLUMNS} FROM sessions WHERE id=?", (sid,)).fetchone()
        if row is None:
            raise NotFound(f"session {sid!r} is no longer in the bucket")
        return index.summary_from_row(row)

    @_healing
    def session(self, id_or_prefix: str) -> Session:
        sid = self.resolve(id_or_prefix)
        session = load_session(self._steps_conn(), sid)
        if session is None:  # removed by a sync between resolve and load
            raise NotFound(f"session {sid!r} is no longer in the bucket")
        return session

    @_healing
    def content_keys(self, ids: list[str]) -> dict[str, str]:
        """A digest per session of what loading it reads: its index row and the signature of the
        steps its shard holds. Equal keys load equal sessions (same build), with no step read: what
        lets an export know a session is unchanged without loading it (export/keys.py)."""
        conn = self._steps_conn()
        held: dict[int, dict[int, str]] = {}
        keys: dict[str, str] = {}
        for at in range(0, len(ids), 500):
            chunk = ids[at : at + 500]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(f"SELECT {index.SESSION_COLUMNS} FROM sessions WHERE id IN ({marks})", chunk):
                gkey, shard = row[-2], row[-1]
                if shard not in held:
                    held[shard] = shards.held_sigs(conn, shard)
                keys[row[0]] = index.row_digest(row, held[shard].get(gkey))
        return keys

    @_healing
    def session_head(self, id_or_prefix: str, steps: int) -> Session:
        """A session with only its first `steps` steps (everything else whole): what a preview shows,
        read in a time that does not grow with the session."""
        sid = self.resolve(id_or_prefix)
        session = load_session(self._steps_conn(), sid, max(0, steps))
        if session is None:
            raise NotFound(f"session {sid!r} is no longer in the bucket")
        return session

    @_healing
    def session_preview(self, id_or_prefix: str, steps: int) -> tuple[Session, HeadFacts | None]:
        """`session_head`, or fewer steps with the summary of the head that says what they draw
        (`loading.load_preview`)."""
        sid = self.resolve(id_or_prefix)
        loaded = load_preview(self._steps_conn(), sid, max(0, steps))
        if loaded is None:
            raise NotFound(f"session {sid!r} is no longer in the bucket")
        return loaded

    @_healing
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Steps whose text or tool arguments match the words of `query` (any input is safe), in
        what was said unless its `kind:` terms say where else (`searched.py`).

        Whole-word matches come first; only when they are fewer than `limit` is the last word also
        taken as a prefix (`xyloph` finds `xylophone`): a prefix query costs a merge over every
        word it covers, which whole common words need not pay. Within each, best matches first
        (bm25), ranked among the RANK_WINDOW most recently indexed: bounded work however common
        the words are.
        """
        wanted = step_query(query or "")
        exact = index.fts_passes(wanted, prefix=False)
        if not exact or limit <= 0:
            return []
        conn = self._steps_conn()
        places = [(k, r) for _, k, r in shards.ranked(conn, exact, limit, RANK_WINDOW)]
        broad = index.fts_passes(wanted, prefix=True)
        if len(places) < limit and broad != exact:
            seen = set(places)
            more = [(k, r) for _, k, r in shards.ranked(conn, broad, limit, RANK_WINDOW) if (k, r) not in seen]
            places += more[: limit - len(places)]
        found: dict[tuple[int, int], tuple] = {}
        for k in sorted({k for k, _ in places}):
            rows = shards.hit_rows(conn, k, [r for kk, r in places if kk == k])
            found.update(((k, r), row) for r, row in rows.items())
        terms = index.query_terms(wanted.words)
        hits = []
        for place in places:
            if place in found:
                session, step, kind, text, words, lo, hi, idx, stamp, title, agent, started = found[place]
                edges = None if lo is None else (lo, hi)
                snippet, match = hit_snippet(wanted, terms, kind, text, words, edges)
                hits.append(SearchHit(session, step, snippet, idx, title, agent, stamp or started, match))
        return hits


# The session list's orders besides the newest-first default: most first, then newest.
_ORDERS = {
    "cost": "ORDER BY cost_usd IS NULL, cost_usd DESC, started DESC, id",
    "tokens": "ORDER BY tok_input + tok_output + tok_cache_read + tok_cache_write DESC, started DESC, id",
    "steps": "ORDER BY steps DESC, started DESC, id",
    "duration": "ORDER BY (julianday(ended) - julianday(started)) IS NULL, "
    "julianday(ended) - julianday(started) DESC, started DESC, id",
}


def _like(words: str) -> str:
    """A LIKE pattern (ESCAPE '\\') that finds `words` anywhere in a title, project or id."""
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
