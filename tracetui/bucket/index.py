"""The SQLite index: session groups and session rows for listing, in one file; the steps and their
FTS5 index live in the shards beside it (`shards.py`).

Tool-call arguments (as JSON text) are indexed next to the text, so a search for a command or a
file name finds the call that ran or wrote it.

The index is a cache of what the readers made of the bucket's copies: deleting it (or a shard)
loses nothing. JSON-ish fields (tokens, tool input, edits, meta, ...) are stored as JSON text; what only a
session's reading needs of a step is one JSON list (`REST`).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sqlite3
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import orjson

from tracetui import __version__
from tracetui.bucket import shards
from tracetui.bucket.mending import mend
from tracetui.bucket.searched import StepQuery, argument_words, parts, said_edges
from tracetui.bucket.unspaced import query_terms as unspaced_terms
from tracetui.bucket.unspaced import step_grams
from tracetui.bucket.word_match import PREFIX_MIN
from tracetui.cost import PriceTable, session_cost, table_version
from tracetui.model import (
    FileEdit,
    ModelShare,
    Session,
    SessionSummary,
    Step,
    StepKind,
    Tokens,
    project_of,
)
from tracetui.preview_head import head_facts
from tracetui.regular_file import keep_private
from tracetui.safe_text import clip

SCHEMA_VERSION = "6"  # 3: sessions.note; 4: sessions.hidden; 5: sessions.cost_usd; 6: steps in shards

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS groups(
    main TEXT PRIMARY KEY, agent TEXT NOT NULL, files TEXT NOT NULL, sig TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions(
    id TEXT PRIMARY KEY, grp TEXT NOT NULL, agent TEXT NOT NULL, project TEXT, cwd TEXT,
    title TEXT, started TEXT, ended TEXT, steps INTEGER NOT NULL, tool_calls INTEGER NOT NULL,
    edits INTEGER NOT NULL, tok_input INTEGER NOT NULL, tok_output INTEGER NOT NULL,
    tok_cache_read INTEGER NOT NULL, tok_cache_write INTEGER NOT NULL, models TEXT NOT NULL,
    source TEXT NOT NULL, extra TEXT NOT NULL, note TEXT, hidden TEXT, cost_usd REAL,
    gkey INTEGER NOT NULL, shard INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_grp ON sessions(grp);
CREATE INDEX IF NOT EXISTS sessions_gkey ON sessions(gkey);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions(started);
CREATE INDEX IF NOT EXISTS sessions_spawning ON sessions(agent) WHERE instr(extra, '"spawned"') OR instr(extra, '"spawn_keys"');
CREATE INDEX IF NOT EXISTS sessions_giving ON sessions(agent, grp) WHERE instr(extra, '"given"');
"""

SESSION_COLUMNS = (
    "id, grp, agent, project, cwd, title, started, ended, steps, tool_calls, edits, tok_input, "
    "tok_output, tok_cache_read, tok_cache_write, models, source, extra, note, hidden, cost_usd, gkey, shard"
)
SUMMARY_COLUMNS = (
    "id, agent, project, cwd, title, started, ended, steps, tool_calls, edits, tok_input, "
    "tok_output, tok_cache_read, tok_cache_write, models, source, note, hidden, cost_usd, "
    # A fork's parent, a subagent's, whether the price is partly the log's and whether it is a lower
    # bound ride in `extra` (no
    # schema change): parsed only where the key is (a byte scan, not a JSON parse, for every other
    # row); json_valid keeps a damaged row listable.
    "CASE WHEN instr(extra, '\"forked_from\"') AND json_valid(extra)"
    " THEN json_extract(extra, '$.forked_from') END, "
    "CASE WHEN instr(extra, '\"subagent_of\"') AND json_valid(extra)"
    " THEN json_extract(extra, '$.subagent_of') END, "
    "CASE WHEN instr(extra, '\"cost_logged\"') AND json_valid(extra)"
    " THEN json_extract(extra, '$.cost_logged') END, "
    "CASE WHEN instr(extra, '\"cost_partial\"') AND json_valid(extra)"
    " THEN json_extract(extra, '$.cost_partial') END, "
    "CASE WHEN instr(extra, '\"by_model\"') AND json_valid(extra)"
    " THEN json_extract(extra, '$.by_model') END"
)
SUMMARY_WIDTH = 24  # the columns above
# Newest first; sessions with no start time last, in a stable order.
ORDER = "ORDER BY started IS NULL, started DESC, id"


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """A connection to the index; read-only ones never write (not even the WAL's shared memory file
    when the folder cannot take one: then the file is opened as immutable)."""
    if read_only:
        uri = path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only=1")
        return conn
    keep_private(path)  # every session's title (its first prompt), folder and project
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-32000")
    return conn


def check(conn: sqlite3.Connection, thorough: bool = False) -> str | None:
    """What is wrong with the index file, or None. The light check (on every open) reads the schema
    and the small tables; the thorough one (doctor, after an unclean sync) every page."""
    try:
        if thorough:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
            if rows != ["ok"]:
                return "; ".join(str(r) for r in rows)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        odd = shards.schema_oddity(conn, ("meta", "groups", "sessions"))
        if odd is not None:
            return odd
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "sessions" in tables:
            conn.execute("SELECT count(*), max(length(id)) FROM sessions").fetchone()
            conn.execute("SELECT count(*) FROM groups").fetchone()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None


def newer_writer(conn: sqlite3.Connection) -> str | None:
    """What says the index was written by a newer tracetui (its schema number is past the one this
    code knows), in a sentence, or None. Such an index is no cache of ours to drop and rebuild: this
    version would make it anew in its own older layout, and the newer one would rebuild it again."""
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('schema', 'tool')"))
    except sqlite3.DatabaseError:
        return None  # no meta table (a new index) or one that is damaged: `check` says which
    schema, tool = rows.get("schema"), rows.get("tool")
    if not (isinstance(schema, str) and schema.isascii() and schema.isdigit()):
        return None
    if len(schema) <= len(SCHEMA_VERSION) and int(schema) <= int(SCHEMA_VERSION):
        return None
    who = f"tracetui {clip(tool, 40)}" if isinstance(tool, str) and tool else "a newer tracetui"
    return (f"written by {who} (index schema {clip(schema, 20)}); this is tracetui {__version__}, "
            f"which reads schema {SCHEMA_VERSION}: upgrade tracetui to open it")  # fmt: skip


def create(conn: sqlite3.Connection) -> None:
    """Make the schema current. Writes nothing when it already is, so opening a connection while
    a sync holds the write lock never waits."""
    schema = tool = stored_prices = None
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('schema', 'tool', 'prices_version')"))
        schema, tool, stored_prices = rows.get("schema"), rows.get("tool"), rows.get("prices_version")
    except sqlite3.OperationalError:
        pass  # a new, empty index
    prices = table_version()
    if schema == SCHEMA_VERSION and tool == __version__ and stored_prices == prices:
        return
    if schema not in (None, SCHEMA_VERSION):
        # An index from another version is a cache like any other: drop it and rebuild from the copies.
        conn.executescript(
            "DROP TABLE IF EXISTS steps_fts; DROP TABLE IF EXISTS steps; DROP TABLE IF EXISTS sessions;"
            "DROP TABLE IF EXISTS groups; DROP TABLE IF EXISTS meta;"
        )
    conn.executescript(SCHEMA)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
    if tool != __version__ or stored_prices != prices:
        # Another version's readers may have read the same bytes differently, or another price table
        # prices them differently: forget every group's signature so the next sync parses each
        # session again (its rows are then replaced).
        conn.execute("DELETE FROM groups")
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('tool', ?)", (__version__,))
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('prices_version', ?)", (prices,))


# -- rows from a parsed session (built where the parsing happens, e.g. in a worker process) ---------


def _json(value: Any) -> str | None:
    return None if value is None else _encode(value)


def _encode(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str).decode()
    except orjson.JSONEncodeError:
        # A lone surrogate, or nesting deeper than the encoder takes (a tool input 300 levels deep is
        # valid JSON in a log): mend the text and cut the nesting, never lose the session over it.
        # Cut first: mending walks the value, and a value a thousand levels deep (orjson reads up to
        # 1,024) took it past Python's recursion limit, which cost the whole session.
        return orjson.dumps(mend(shallow(value)), option=orjson.OPT_NON_STR_KEYS, default=str).decode()


MAX_DEPTH = 200  # below orjson's limit of 254


def shallow(value: Any, depth: int = 0) -> Any:
    """`value` with everything nested deeper than MAX_DEPTH replaced by a short note."""
    if isinstance(value, dict | list | tuple) and depth >= MAX_DEPTH:
        return f"(nested deeper than {MAX_DEPTH} levels; not kept)"
    if isinstance(value, dict):
        return {k: shallow(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shallow(v, depth + 1) for v in value]
    return value


def session_rows(session: Session, group: str, note: str | None = None) -> tuple[list[Any], list[list[Any]]]:
    """The `sessions` row (without its shard and group key, added where the steps are written) and
    the step rows of one session (`shards.STEP_COLUMNS`)."""
    t = session.tokens
    extra: dict[str, Any] = {
        "version": session.version,
        "git": session.git.to_dict() if session.git else None,
        "subagents": [a.to_dict() for a in session.subagents],
        "files": list(session.files),
        "errors": [e.to_dict() for e in session.errors],
        "skipped": dict(session.skipped),
    }
    if session.forked_from is not None:
        extra["forked_from"] = session.forked_from
        extra["forked_at"] = session.forked_at
    if session.subagent_of is not None:
        extra["subagent_of"] = session.subagent_of
    spawned = _spawned(session)
    if spawned:
        extra["spawned"] = spawned
    unpaired = _unpaired(session)
    if unpaired:
        extra["spawn_keys"] = unpaired
    if session.title_links is not None:
        extra["title_links"] = session.title_links.to_dict()
    if (head := head_facts(session.steps)) is not None:  # a preview reads only the steps it draws
        extra["head"] = head.to_json()
    priced = session_cost(session)
    if priced.logged:
        extra["cost_logged"] = True
    if priced.partial:
        extra["cost_partial"] = True
    if len(session.models) > 1:
        # Each model's share, for `cost --by model` to split the session without reading its steps
        # (a fork's copies are its parent's: a model may have no share).
        extra["by_model"] = [[m.model, m.cost_usd, m.tokens.input, m.tokens.output, m.tokens.cache_read,
                              m.tokens.cache_write, m.tokens.cache_write_1h] for m in priced.by_model]  # fmt: skip
    srow = [
        session.id, group, session.agent, session.project, session.cwd, session.title,
        session.started, session.ended, len(session.steps), session.tool_calls, session.applied_edit_calls,
        t.input, t.output, t.cache_read, t.cache_write, _json(list(session.models)),
        session.source, _json(extra), note, session.hidden, priced.cost_usd,
    ]  # fmt: skip
    sid = session.id
    # A missing value is the shards' NULL, not None: what `shards._insert` binds fastest (shards.py).
    N = shards.NULL
    # One comprehension, no call a step but the row's own parts: a function a step cost a tenth more.
    steps = [
        [
            sid, s.index, s.id, s.kind, (text := s.text or ""), N if s.timestamp is None else s.timestamp,
            N if (words := None if s.tool_input is None else argument_words(s.tool_input)) is None else words,
            *((edges := said_edges(s.kind, text)) or (N, N)),
            _rest(s),
            N if text.isascii() and (words is None or words.isascii()) else _grams(s.kind, text, words, edges),
        ]  # fmt: skip
        for s in session.steps
    ]
    return srow, steps


def _grams(kind: str, text: str, words: str | None, edges: tuple[int, int] | None) -> Any:
    """A step's `grams` (`unspaced.step_grams`), the shards' NULL where it has none."""
    said, injected = parts(kind, text, edges)
    found = step_grams(said, words, injected)
    return shards.NULL if found is None else found


# The fields of a step's `rest` column (shards.py), in order: what only a session's reading needs.
REST = ("role", "tool", "tool_call_id", "parent", "subagent", "active", "is_error", "model", "tokens",
        "tool_input", "edits", "cwd", "meta")  # fmt: skip


def _rest(s: Step) -> str:
    """A step's REST fields as one JSON list: one encoding a step, where a column each cost 13 values
    bound and four encodings (bench/RESULTS.md). Each field reads back as its own column did."""
    fields = [
        s.role, s.tool, s.tool_call_id, s.parent, s.subagent, 1 if s.active else 0, 1 if s.is_error else 0,
        s.model, None if s.tokens is None else s.tokens.to_dict(), s.tool_input,
        [e.to_dict() for e in s.edits] if s.edits else None, s.cwd, s.meta or None,
    ]  # fmt: skip
    try:
        return orjson.dumps(fields, option=orjson.OPT_NON_STR_KEYS, default=str).decode()
    except orjson.JSONEncodeError:
        # A field orjson refuses is mended and cut as a column of its own was (`_encode`), the others
        # kept as they are.
        return orjson.dumps([None if v is None else orjson.Fragment(_encode(v)) for v in fields]).decode()


# -- writes --------------------------------------------------------------------------------------


def load_groups(conn: sqlite3.Connection, agents: set[str] | None = None) -> dict[str, tuple[str, str]]:
    """{main log path: (agent, signature)} of every indexed session group (of `agents`)."""
    rows = conn.execute("SELECT main, agent, sig FROM groups" + _of_agents(agents), sorted(agents or ()))
    return {main: (agent, sig) for main, agent, sig in rows}


def _of_agents(agents: set[str] | None) -> str:
    """A WHERE clause keeping the rows of `agents` (its values bound in sorted order); none for None.
    SQLite skips the other rows without making them Python objects: most of the cost at 100,000."""
    return "" if agents is None else f" WHERE agent IN ({','.join('?' * len(agents))})"


def drop_group(conn: sqlite3.Connection, main: str) -> None:
    """Take a group out of the index; its steps stay in their shard until `shards.collect`."""
    conn.execute("DELETE FROM sessions WHERE grp=?", (main,))
    conn.execute("DELETE FROM groups WHERE main=?", (main,))


def put_group(conn: sqlite3.Connection, main: str, agent: str, files: list[str], sig: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO groups(main, agent, files, sig) VALUES (?, ?, ?, ?)",
        (main, agent, _json(files), sig),
    )


def set_note(conn: sqlite3.Connection, main: str, note: str | None) -> int:
    """Say on a group's sessions why what is shown is not a fresh read; returns the rows touched."""
    return conn.execute("UPDATE sessions SET note=? WHERE grp=?", (note, main)).rowcount


def stored_price_table(conn: sqlite3.Connection) -> PriceTable | None:
    """The price table the index's costs came from, as the last sync wrote it down."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'prices'").fetchone()
    if row is None:
        return None
    try:
        d = orjson.loads(row[0])
        return PriceTable(str(d["name"]), str(d["version"]), d.get("date"))
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None


def store_price_table(conn: sqlite3.Connection, table: PriceTable) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('prices', ?)", (_json(table.to_dict()),))


def is_empty(conn: sqlite3.Connection) -> bool:
    """No group and no session: a new index (after a tool upgrade the sessions stay until a sync)."""
    return (
        conn.execute("SELECT 1 FROM groups LIMIT 1").fetchone() is None
        and conn.execute("SELECT 1 FROM sessions LIMIT 1").fetchone() is None
    )


def _spawned(session: Session) -> list[str]:
    """The sessions this one's calls spawned as subagents with logs of their own (meta agent_thread)."""
    out: dict[str, None] = {}
    for step in session.steps:
        child = step.meta.get("agent_thread") if step.kind == StepKind.TOOL_CALL else None
        if isinstance(child, str) and child and child != session.id:
            out[child] = None
    return list(out)


def _unpaired(session: Session) -> list[str]:
    """The keys naming children the session's calls spawned whose session ids its log does not give
    (OpenClaw's `meta["child_session_key"]` with no agent_thread): for `tie_spawned` to look up."""
    out: dict[str, None] = {}
    for step in session.steps:
        key = step.meta.get("child_session_key") if step.kind == StepKind.TOOL_CALL else None
        if isinstance(key, str) and key and "agent_thread" not in step.meta:
            out[key] = None
    return list(out)


# (agent, the parent's log path) -> {child key: child session id}, from the agent's own index.
SpawnIndex = Callable[[str, str], dict[str, str]]


def tie_spawned(conn: sqlite3.Connection, agents: Collection[str], lookup: SpawnIndex | None = None) -> int:
    """Name the parent of each subagent whose own log does not (OpenClaw's children never do): the
    session of the same agent whose spawning call names it (`extra.spawned`), or names it by a key
    (`extra.spawn_keys`) that the agent's own index beside the parent's log (`lookup`) gives the
    session id of. The parent is always the log holding the spawn. A child that names a
    parent keeps it; of two parents claiming one child the first by id wins, so the answer is stable.
    Run after a sync, for the agents whose rows it wrote (a parent or a child read again has its row
    written afresh; only those agents' rows are scanned). Returns how many children were tied."""
    wanted = sorted(set(agents))
    marks = ", ".join("?" * len(wanted))
    rows = conn.execute(
        "SELECT id, agent, source, json_extract(extra, '$.spawned'), json_extract(extra, '$.spawn_keys')"
        # The condition is the partial index `sessions_spawning`'s, word for word, so only the few
        # sessions that spawned are walked, not the agent's every row (a watcher's sync runs this).
        f" FROM sessions WHERE agent IN ({marks}) AND (instr(extra, '\"spawned\"') OR"
        " instr(extra, '\"spawn_keys\"')) AND json_valid(extra) ORDER BY id",
        wanted,
    ).fetchall()
    tied = 0
    for parent, agent, source, spawned, keys in rows:
        children = _strings(spawned)
        wanted_keys = _strings(keys)
        if wanted_keys and lookup is not None and isinstance(source, str):
            # Children the log names only by key: the agent's own index (OpenClaw's sessions.json).
            found = lookup(agent, source)
            children += [found[k] for k in wanted_keys if k in found]
        for child in children:
            if not isinstance(child, str) or not child or child == parent:
                continue
            done = conn.execute(
                "UPDATE sessions SET extra = json_set(extra, '$.subagent_of', ?)"
                " WHERE id = ? AND agent = ? AND json_valid(extra)"
                " AND json_extract(extra, '$.subagent_of') IS NULL",
                (parent, child, agent),
            )
            tied += done.rowcount
    return tied


def tie_folders(
    conn: sqlite3.Connection, written: Collection[tuple[str, str]], in_folder: Callable[[str, str, str], bool]
) -> int:
    """Give each session whose log names no cwd the cwd of a session beside it, where the agent keeps
    a project's sessions in a folder named after its cwd (Claude Code's project folders): a transcript
    holding only a queued prompt has no record that names one. `written`: the (agent, group main
    path) a sync wrote, whose folders are looked at (a row read again is written without the cwd;
    a neighbour new to the bucket brings the cwd its folder lacked). `in_folder(agent, log path, cwd)`
    says whether the log sits in the folder of that cwd (the agent's `folder_cwd`): a session
    copied in from another project gives none, and two cwds that both fit give neither. Returns how
    many sessions were given a cwd."""
    tied = 0
    for agent, folder in sorted(_written_folders(written)):
        span = _folder_span(agent, folder)
        lacking = conn.execute(
            "SELECT id, grp FROM sessions WHERE agent = ? AND grp >= ? AND grp < ? AND cwd IS NULL", span
        ).fetchall()
        if not lacking:
            continue
        cwds = [r[0] for r in conn.execute(
            "SELECT DISTINCT cwd FROM sessions WHERE agent = ? AND grp >= ? AND grp < ? AND cwd IS NOT NULL"
            " ORDER BY cwd LIMIT 64", span
        )]  # fmt: skip
        for sid, main in lacking:
            found = [cwd for cwd in cwds if in_folder(agent, main, cwd)]
            if len(found) == 1:  # two cwds one folder could stand for (`a.b`, `a/b`): neither is known
                tie = (found[0], project_of(found[0]), sid)
                conn.execute("UPDATE sessions SET cwd = ?, project = ? WHERE id = ?", tie)
                tied += 1
    return tied


def _written_folders(written: Collection[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """{(agent, folder): the group keys (main log paths) a sync wrote there}."""
    folders: dict[tuple[str, str], set[str]] = {}
    for agent, main in written:
        folders.setdefault((agent, os.path.dirname(main)), set()).add(main)
    return folders


def _folder_span(agent: str, folder: str) -> tuple[str, str, str]:
    """The parameters of `agent = ? AND grp >= ? AND grp < ?` for every group under `folder/`: from
    `folder/` up to `folder0` (the next character after the separator), read from `sessions_grp`."""
    return agent, folder + os.sep, folder + chr(ord(os.sep) + 1)


_FEW = 256  # written logs of a folder looked up by name; more (a cold sync) read the whole folder


def title_by_neighbours(conn: sqlite3.Connection, written: Collection[tuple[str, str]]) -> int:
    """Title each session whose own title is no agent's (a first prompt) by what another log of its
    folder gives the conversation it ends on (`TitleLinks`: Claude Code's summaries, which its resume
    picker shows), in the folders a sync wrote, as `tie_folders` does. Of two logs naming one
    conversation, the one that ended later wins. A row written again is written with its own title,
    and titled here again while a log still names the record it ends on; a log that gives titles,
    written, titles its whole folder. Returns how many were titled."""
    titled = 0
    for (agent, folder), mains in sorted(_written_folders(written).items()):
        span = _folder_span(agent, folder)
        # The condition is the partial index `sessions_giving`'s, word for word: a watcher's sync
        # reads the few logs that give titles, not every row of a big folder.
        givers = conn.execute(
            "SELECT grp, json_extract(extra, '$.title_links.given') FROM sessions WHERE agent = ? AND grp >= ?"
            " AND grp < ? AND instr(extra, '\"given\"') AND json_valid(extra) ORDER BY ended, id", span
        ).fetchall()
        given: dict[str, str] = {}
        for grp, raw in givers:
            if os.path.dirname(grp) == folder:
                given.update(_titles(raw))
        if not given:
            continue
        if len(mains) <= _FEW and mains.isdisjoint(grp for grp, _ in givers):
            marks = ", ".join("?" * len(mains))
            named = conn.execute(
                "SELECT id, grp, title, json_extract(extra, '$.title_links') FROM sessions"
                f" WHERE grp IN ({marks}) AND agent = ? AND json_valid(extra)", [*sorted(mains), agent]
            ).fetchall()
        else:
            named = conn.execute(
                "SELECT id, grp, title, json_extract(extra, '$.title_links') FROM sessions WHERE agent = ?"
                " AND grp >= ? AND grp < ? AND instr(extra, '\"leaves\"') AND json_valid(extra)", span
            ).fetchall()
        for sid, grp, title, raw in named:
            links = _object(raw)
            if os.path.dirname(grp) != folder or links.get("settled") is True:
                continue
            leaves = links.get("leaves")
            ends = [x for x in leaves if isinstance(x, str)] if isinstance(leaves, list) else []
            found = next((given[leaf] for leaf in ends if leaf in given), None)
            if found is not None and found != title:
                conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (found, sid))
                titled += 1
    return titled


def _object(value: Any) -> dict[str, Any]:
    """A JSON object as `json_extract` gives it, else {}."""
    try:
        found = orjson.loads(value) if isinstance(value, str) else None
    except orjson.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def _titles(value: Any) -> dict[str, str]:
    return {k: v for k, v in _object(value).items() if isinstance(v, str) and v.strip()}


def _strings(value: Any) -> list[str]:
    """A JSON list of strings as `json_extract` gives it, else []."""
    try:
        items = orjson.loads(value) if isinstance(value, str) else []
    except orjson.JSONDecodeError:
        return []
    return [x for x in items if isinstance(x, str)] if isinstance(items, list) else []


def has_sessions(conn: sqlite3.Connection, main: str) -> bool:
    return conn.execute("SELECT 1 FROM sessions WHERE grp=? LIMIT 1", (main,)).fetchone() is not None


def load_group_files(
    conn: sqlite3.Connection, agents: set[str] | None = None
) -> dict[str, tuple[str, list[str]]]:
    """{main log path: (agent, every file of the group)} of every indexed session group (of `agents`)."""
    rows = conn.execute("SELECT main, agent, files FROM groups" + _of_agents(agents), sorted(agents or ()))
    return {main: (agent, orjson.loads(files)) for main, agent, files in rows}


STEPS_AT = [c.strip() for c in SESSION_COLUMNS.split(",")].index("steps")  # in a session row


def steps_of(conn: sqlite3.Connection, session_id: str) -> int:
    row = conn.execute("SELECT steps FROM sessions WHERE id=?", (session_id,)).fetchone()
    return int(row[0]) if row and isinstance(row[0], int) else 0


def drop_session(conn: sqlite3.Connection, session_id: str) -> None:
    """Take one session row out; its group stays recorded (read, not listed) and its steps stay in
    their shard until `shards.collect`."""
    conn.execute("DELETE FROM sessions WHERE id=?", (session_id,))


def owner_of(conn: sqlite3.Connection, session_id: str) -> tuple[str, str] | None:
    """(group main path, agent) of the session row that holds an id."""
    row = conn.execute("SELECT grp, agent FROM sessions WHERE id=?", (session_id,)).fetchone()
    return (row[0], row[1]) if row else None


def put_session(conn: sqlite3.Connection, srow: list[Any]) -> None:
    """Insert one session row (its steps are already in their shard). Text with a lone UTF-16
    surrogate (a reader let half an emoji through) cannot be stored: it is mended and put again."""
    sql = f"INSERT INTO sessions({SESSION_COLUMNS}) VALUES ({','.join('?' * len(srow))})"
    try:
        conn.execute(sql, srow)
    except UnicodeEncodeError:
        conn.execute(sql, mend(srow))


def group_sig(conn: sqlite3.Connection, main: str) -> str | None:
    """The signature one group was indexed at (None: not indexed)."""
    row = conn.execute("SELECT sig FROM groups WHERE main=?", (main,)).fetchone()
    return None if row is None else str(row[0])


def home(conn: sqlite3.Connection, main: str) -> int | None:
    """The shard one group's session steps are in (None: no session row)."""
    row = conn.execute("SELECT shard FROM sessions WHERE grp=? LIMIT 1", (main,)).fetchone()
    return None if row is None else int(row[0])


def homes(conn: sqlite3.Connection, agents: set[str] | None = None) -> dict[str, int]:
    """{group main path: the shard its session's steps are in} (of `agents`' sessions)."""
    return dict(conn.execute("SELECT grp, shard FROM sessions" + _of_agents(agents), sorted(agents or ())))


def placed(conn: sqlite3.Connection) -> dict[int, set[int]]:
    """{shard: the group keys the index places there}: what `shards.collect` keeps."""
    out: dict[int, set[int]] = {}
    for key, shard in conn.execute("SELECT gkey, shard FROM sessions"):
        out.setdefault(shard, set()).add(key)
    return out


# -- reads ---------------------------------------------------------------------------------------


def summary_from_row(row: tuple) -> SessionSummary:
    return SessionSummary(
        id=row[0],
        agent=row[1],
        project=row[2],
        cwd=row[3],
        title=row[4],
        started=row[5],
        ended=row[6],
        steps=row[7],
        tool_calls=row[8],
        edits=row[9],
        tokens=Tokens(row[10], row[11], row[12], row[13]),
        models=orjson.loads(row[14]),
        source=row[15],
        note=row[16],
        hidden=row[17],
        cost_usd=row[18],
        forked_from=row[19] if isinstance(row[19], str) else None,
        subagent_of=row[20] if isinstance(row[20], str) else None,
        cost_logged=row[21] == 1,
        cost_partial=row[22] == 1,
        by_model=_shares(row[23]),
    )


def _shares(value: Any) -> tuple[ModelShare, ...] | None:
    """`by_model` as `session_rows` writes it; None where it is absent or not that (a damaged row
    is split by reading its steps, as one written before they were kept)."""
    if not isinstance(value, str):
        return None
    try:
        found = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(found, list):
        return None
    out = []
    for item in found:
        if not (isinstance(item, list) and len(item) == 7 and isinstance(item[0], str)):
            return None
        model, cost, *counts = item
        if not (cost is None or (type(cost) is float and math.isfinite(cost)) or type(cost) is int):
            return None
        if not all(type(n) is int and 0 <= n < 1 << 62 for n in counts):
            return None
        i, o, r, w, h = counts
        out.append(ModelShare(model, None if cost is None else float(cost), Tokens(i, o, r, w, cache_write_1h=h)))
    return tuple(out)


def step_from_row(row: tuple) -> Step:
    """A step from its row (`shards.READ_COLUMNS`)."""
    role, tool, tool_call_id, parent, subagent, active, is_error, model, tokens, tool_input, edits, cwd, meta = (
        orjson.loads(row[5])
    )
    return Step(
        id=row[1],
        index=row[0],
        kind=row[2],
        role=role,
        tool=tool,
        tool_call_id=tool_call_id,
        text=row[3],
        timestamp=row[4],
        parent=parent,
        subagent=subagent,
        active=bool(active),
        is_error=bool(is_error),
        model=model,
        tokens=Tokens.from_dict(tokens) if tokens is not None else None,
        tool_input=tool_input,
        edits=[FileEdit.from_dict(e) for e in edits] if edits else [],
        cwd=cwd,
        meta=meta or {},
    )


def row_digest(row: tuple[Any, ...], held_sig: str | None) -> str:
    """The digest of a session's row (SESSION_COLUMNS) and its steps' signature (`Reads.content_keys`)."""
    return hashlib.sha256(orjson.dumps([SCHEMA_VERSION, __version__, list(row), held_sig])).hexdigest()


def fts_passes(query: StepQuery, prefix: bool = True) -> list[shards.Pass]:
    """The FTS passes that look for a query's words where it looks (`searched.py`): one over the
    said columns (of some kinds, or of any), one over the injected column, or one over all."""
    terms = fts_query(query.words, prefix)
    if terms is None:
        return []
    if query.said and query.injected and query.kinds is None:
        return [(terms, None)]
    passes: list[shards.Pass] = []
    if query.said:
        kinds = None if query.kinds is None else tuple(sorted(query.kinds))
        passes.append((f"{shards.SAID} : ({terms})", kinds))
    if query.injected:
        passes.append((f"{shards.INJECTED} : ({terms})", None))
    return passes


def fts_query(text: str, prefix: bool = True) -> str | None:
    """User words -> a safe FTS5 query: every term a quoted string, the last one a prefix.

    The last term is a prefix only from PREFIX_MIN characters on: a shorter prefix covers a good
    part of the vocabulary, and FTS5 merges every term it covers before answering.
    """
    terms = text.split()
    if not terms:
        return None
    quoted: list[str] = []
    for term in terms:
        # A word of a script without spaces, or an emoji: its characters as a phrase (`unspaced.py`).
        spread = unspaced_terms(term)
        quoted += spread or ['"' + term.replace('"', '""') + '"']
    if prefix and len(terms[-1]) >= PREFIX_MIN and spread is None:
        quoted[-1] += "*"
    return " ".join(quoted)


def query_terms(text: str) -> list[str]:
    """The words of a query, lowercased, for finding them again in a step's text. An emoji's
    presentation selector (U+FE0F) is no part of a word, as the index has it (`unspaced`): `⚠️` finds
    `⚠` and `⚠️`, and a word of nothing else is no word."""
    return [t for t in (w.lower().replace("\ufe0f", "") for w in text.split()) if t]


SNIPPET_BEFORE = 40
SNIPPET_AFTER = 100


def snippet(terms: list[str], text: str, words: str | None = None) -> str:
    """A short one-line extract around the first place one of `terms` occurs."""
    return snippet_and_match(terms, text, words)[0]


def snippet_and_match(
    terms: list[str], text: str, words: str | None = None, injected: str | None = None
) -> tuple[str, tuple[int, int] | None]:
    """A short one-line extract around the first place one of `terms` occurs in the step's text (the
    part of it that was looked in), else in its tool arguments' words (`argument_words`), else in its
    injected part where that was looked in too, and where the matched word sits in the extract (None
    when the words matched only as the index splits them, and the extract is the start of the
    text)."""
    pattern = "|".join(re.escape(t) for t in terms if t)
    for source in (text, words or "", injected or "") if pattern else ():
        if not source:
            continue
        # At the start of a word where possible (as the index matched it), anywhere otherwise.
        match = re.search(rf"\b(?:{pattern})", source, re.IGNORECASE) or re.search(pattern, source, re.IGNORECASE)
        if match is None:
            continue
        at, stop = match.span()
        start = max(0, at - SNIPPET_BEFORE)
        end = min(len(source), max(stop, at + SNIPPET_AFTER))
        before = " ".join(source[start:at].split())
        word = " ".join(source[at:stop].split())
        after = " ".join(source[stop:end].split())
        lead = ("…" if start > 0 else "") + before + (" " if before and source[at - 1].isspace() else "")
        tail = (" " if after and source[stop].isspace() else "") + after + ("…" if end < len(source) else "")
        return lead + word + tail, (len(lead), len(lead) + len(word))
    # The words matched as tokens but not as plain text (e.g. split by punctuation): show the start.
    whole = text or words or injected or ""
    piece = " ".join(whole[: SNIPPET_BEFORE + SNIPPET_AFTER].split())
    return piece + ("…" if len(whole) > SNIPPET_BEFORE + SNIPPET_AFTER else ""), None


def hit_snippet(
    query: StepQuery, terms: list[str], kind: str, text: str, words: str | None, edges: tuple[int, int] | None
) -> tuple[str, tuple[int, int] | None]:
    """`snippet_and_match` over the parts of a step the query looked in (`searched.parts`)."""
    said, injected = parts(kind, text, edges)
    mine = query.covers(kind)
    return snippet_and_match(
        terms, said if mine else "", words if mine else None, injected if query.injected else None
    )
