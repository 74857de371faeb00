"""Measure FTS5 layouts for the step shards: the CPU of indexing a bucket's step rows, and of a ranked search.

Each shard's step rows are copied into a scratch file per layout (not timed), then indexed as a cold
sync's worker indexes a shard it builds (`shards.build`: no journal, one transaction, FTS5's `rebuild`),
rounds alternating the layouts. A search is `shards.ranked`'s query over one shard (bm25, the
RANK_WINDOW most recent matches of a shard ranked), median of five. The JSON goes to stdout.

    python bench/bench_fts.py BUCKET --rounds 3 --tmp /tmp/x
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracetui.bucket import reads, shards  # noqa: E402

_COLS = "content='steps', content_rowid='rowid'"
_CONFIG = ("pgsz=", "crisismerge=")
ALL = "said, tool_words, injected, said_grams, injected_grams"  # shards.SCHEMA's (`_FTS`)
# Layout -> the FTS tables it makes ((name, columns, options)); the first table answers the said
# pass (`shards.SAID`, a column filter where it holds the injected column too).
LAYOUTS: dict[str, list[tuple[str, str, str]]] = {
    "full (today)": [("f", ALL, "")],
    "full columnsize=0": [("f", ALL, "columnsize=0")],
    "full pgsz=8000": [("f", ALL, "pgsz=8000")],
    "column": [("f", ALL, "detail=column")],
    "column columnsize=0": [("f", ALL, "detail=column, columnsize=0")],
    "none": [("f", ALL, "detail=none")],
    "none columnsize=0": [("f", ALL, "detail=none, columnsize=0")],
    "none columnsize=0, injected apart": [
        ("f", "said, tool_words, said_grams", "detail=none, columnsize=0"),
        ("g", "injected, injected_grams", "detail=none, columnsize=0")],
}
# bench_sync.py's words: rare, middling, very common, and a prefix (FTS5 queries as `index.fts_query` makes them).
WORDS = ['"parquet"', '"kubectl"', '"timeout"', '"function"', '"the"', '"fil"*']


def said_query(layout: str, terms: str) -> str | None:
    tables = LAYOUTS[layout]
    if len(tables) > 1:
        return terms  # the said table holds nothing else
    if "detail=none" in tables[0][2]:
        return None  # no column filter in detail=none: said and injected cannot be told apart
    return f"{shards.SAID} : ({terms})"


def scratch(shard: Path, target: Path, layout: str, hashsize: int, automerge: int) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=MEMORY", "cache_size=-16000"):
        conn.execute(f"PRAGMA {pragma}")
    steps = shards.SCHEMA.split("CREATE VIRTUAL TABLE")[0]
    conn.executescript(steps)
    conn.execute("ATTACH DATABASE ? AS src", (f"{shard.resolve().as_uri()}?mode=ro",))
    conn.execute(f"INSERT INTO steps(rowid, {shards.STEP_COLUMNS}) SELECT rowid, {shards.STEP_COLUMNS} FROM src.steps")
    conn.execute("DETACH DATABASE src")
    for name, columns, options in LAYOUTS[layout]:
        # An option of FTS5's configuration table (`pgsz`) is set after, as `automerge` is.
        made = [o for o in options.split(", ") if o and not o.startswith(_CONFIG)]
        config = [(o.split("=")[0], int(o.split("=")[1])) for o in options.split(", ") if o.startswith(_CONFIG)]
        extra = "".join(f", {o}" for o in made)
        conn.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({columns}, {_COLS}{extra})")
        for key, value in [("automerge", automerge), ("hashsize", hashsize), *config]:
            conn.execute(f"INSERT INTO {name}({name}, rank) VALUES (?, ?)", (key, value))
    return conn


def index_once(conn: sqlite3.Connection, layout: str) -> float:
    """CPU seconds of indexing every row in one transaction, as `shards._put_in_place` does."""
    start = time.process_time()
    conn.execute("BEGIN")
    for name, _, _ in LAYOUTS[layout]:
        conn.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
    conn.execute("COMMIT")
    return time.process_time() - start


def search_ms(conn: sqlite3.Connection, layout: str, window: int) -> dict[str, float | None]:
    """Median ms of `shards.ranked`'s query over this shard for each word (None: not answerable)."""
    out: dict[str, float | None] = {}
    for word in WORDS:
        query = said_query(layout, word)
        if query is None:
            out[word] = None
            continue
        sql = ("SELECT rowid, rank FROM (SELECT rowid, rank FROM f WHERE f MATCH ? ORDER BY rowid DESC LIMIT ?)"
               " ORDER BY rank LIMIT 50")
        times = []
        for _ in range(5):
            start = time.perf_counter()
            conn.execute(sql, (query, window)).fetchall()
            times.append(time.perf_counter() - start)
        out[word] = statistics.median(times) * 1000
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bucket", help="a synced bucket (its steps-N.sqlite are read, never written)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--layouts", default="", help="names of LAYOUTS separated by ; (default: all)")
    ap.add_argument("--hashsize-mb", type=int, default=shards.HASHSIZE >> 20)
    ap.add_argument("--automerge", type=int, default=shards.AUTOMERGE)
    ap.add_argument("--tmp", help="where the scratch files go (default: the system temp dir)")
    args = ap.parse_args()
    layouts = [n for n in args.layouts.split(";") if n] or list(LAYOUTS)
    found = sorted(Path(args.bucket).glob("steps-*.sqlite"))
    work = Path(tempfile.mkdtemp(prefix="bench-fts-", dir=args.tmp))
    cpu: dict[str, list[float]] = {n: [] for n in layouts}
    searched: dict[str, dict[str, float | None]] = {}
    window = max(50, reads.RANK_WINDOW // max(1, len(found)))
    rows = 0
    try:
        for round_ in range(args.rounds):
            for layout in layouts:
                spent = 0.0
                for k, shard in enumerate(found):
                    conn = scratch(shard, work / f"s{k}.sqlite", layout, args.hashsize_mb << 20, args.automerge)
                    spent += index_once(conn, layout)
                    if round_ == 0 and layout == layouts[0]:
                        rows += conn.execute("SELECT count(*) FROM steps").fetchone()[0]
                    if round_ == args.rounds - 1 and k == 0:
                        searched[layout] = search_ms(conn, layout, window)
                    conn.close()
                cpu[layout].append(spent)
                print(f"round {round_ + 1} {layout}: {spent:.3f} CPU s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "shards": len(found), "steps": rows, "window_per_shard": window, "load_average_at_end": os.getloadavg(),
        "index_cpu_seconds": cpu, "search_ms_shard0": searched,
    }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
