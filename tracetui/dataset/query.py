"""SQL over a dataset's four tables in DuckDB, locked down (docs/dataset.md, "Queries").

The SQL is someone's text (a recipe received, a command pasted): it runs as one SELECT on a connection
that can reach nothing but the tables handed to it. The tables are registered as Arrow datasets
(pyarrow reads the files, from the dataset's filesystem), and only then is DuckDB's external access
switched off and its configuration locked: no file, no URL, no ATTACH, no INSTALL or LOAD, no COPY,
and no SET that could switch them back; no setting it can read names the user's home or time zone.
A query that runs too long is interrupted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracetui.dataset.duck import connect
from tracetui.dataset.duck import module as _duckdb
from tracetui.errors import TracetuiError
from tracetui.safe_text import exception_line

SQL_LIMIT = 64 * 1024  # characters of one query: a hand-written one is a few hundred
TIMEOUT = 300.0  # seconds a query may run


@dataclass(frozen=True, slots=True)
class Bound:
    """The most a query's result may hold; past either it is stopped, before the rest is made."""

    rows: int
    bytes: int


BATCH_ROWS = 100_000  # rows DuckDB hands over at a time where a result is bounded

# What a query may give however small its tables: its result is held whole and turned into Python, and
# SQL can make rows from nothing (`range(…)`, a table joined with itself): three million rows took a
# gigabyte and minutes. Past the floors, as many rows as the tables hold and eight times their files'
# bytes (Parquet is compressed): any honest query of them fits.
FLOOR_ROWS = 100_000
FLOOR_BYTES = 256 << 20


def bound_for(tables: dict[str, Any]) -> Bound:
    """The most a query over `tables` (Arrow datasets over files, or tables) may give."""
    from tracetui.dataset.held import size as held_size

    rows = size = 0
    for table in tables.values():
        rows += table.num_rows if hasattr(table, "num_rows") else table.count_rows()
        files = getattr(table, "files", None)
        if files is None:
            size += int(getattr(table, "nbytes", 0))
            continue
        for path in files:
            try:
                size += held_size(path)
            except OSError:
                continue
    return Bound(max(FLOOR_ROWS, rows), max(FLOOR_BYTES, 8 * size))


@dataclass(slots=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def check_select(sql: str) -> str:
    """`sql` when it is one SELECT statement; a one-line TracetuiError otherwise."""
    duckdb = _duckdb()
    if not isinstance(sql, str) or not sql.strip():
        raise TracetuiError("the SQL is empty: give one SELECT statement")
    if len(sql) > SQL_LIMIT:
        raise TracetuiError(f"the SQL is longer than {SQL_LIMIT} characters")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise TracetuiError(f"the SQL does not parse: {exception_line(exc)}") from None
    if len(statements) != 1:
        raise TracetuiError(f"give one SELECT statement, not {len(statements)}")
    if statements[0].type != duckdb.StatementType.SELECT:
        kind = str(statements[0].type).rpartition(".")[2]
        raise TracetuiError(f"only a SELECT is run, not {kind}")
    return sql


def run(tables: dict[str, Any], sql: str, timeout: float = TIMEOUT, bounded: bool = False) -> Any:
    """The Arrow table `sql` (one SELECT, checked) gives over `tables`; TracetuiError (one line) for
    SQL that fails, reaches for anything else, runs past `timeout` seconds or, `bounded`, gives more
    than `bound_for(tables)`."""
    import pyarrow as pa

    check_select(sql)
    duckdb = _duckdb()
    con = connect(tables)
    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        relation = con.sql(sql)
        return _bounded(relation, tables) if bounded else relation.to_arrow_table()
    except duckdb.InterruptException:
        raise TracetuiError(f"the query ran for more than {timeout:g} s and was stopped") from None
    except (duckdb.Error, pa.ArrowException) as exc:
        raise TracetuiError(f"the query failed: {exception_line(exc)}") from None
    finally:
        timer.cancel()
        con.close()


def _bounded(relation: Any, tables: dict[str, Any]) -> Any:
    """The relation's rows as an Arrow table, read a batch at a time and refused once past what
    `tables` allow (`bound_for`): SQL can make rows from nothing (`range(…)`, a table joined with
    itself), and taking the result whole first held all of it in memory. The tables' own size is
    worked out only once a result passes the floors, which most never do (their files' footers took
    55 ms for 64 files)."""
    import pyarrow as pa

    reader = relation.to_arrow_reader(batch_size=BATCH_ROWS)
    batches, rows, size = [], 0, 0
    most, widened = Bound(FLOOR_ROWS, FLOOR_BYTES), False
    for batch in reader:
        rows, size = rows + batch.num_rows, size + batch.nbytes
        if not widened and (rows > most.rows or size > most.bytes):
            most, widened = bound_for(tables), True
        if rows > most.rows or size > most.bytes:
            raise TracetuiError(
                f"the query gives more than {most.rows:,} rows or {most.bytes >> 20:,} MiB (more than its "
                "tables hold): it was stopped"
            )
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=reader.schema)


def _named(sql: str) -> frozenset[str] | None:
    """The tables `sql` names (the others are not opened); None, all of them, where DuckDB cannot say."""
    from tracetui.dataset.location import TABLES

    duckdb = _duckdb()
    try:
        names = {str(n).lower() for n in duckdb.get_table_names(sql, qualified=False)}
    except (duckdb.Error, TypeError):
        return None
    return frozenset(t for t in TABLES if t in names)




def query(
    sql: str,
    dataset: str | None = None,
    library: Any = None,
    progress: Any = None,
    timeout: float = TIMEOUT,
    copying: Any = None,
) -> QueryResult:
    """Run one SELECT over the dataset at `dataset` (a URL or folder) or, without one, over `library`'s
    own tables (docs/dataset.md, "Queries"). The CLI's `tracetui sql` calls only this. `progress` is
    the bucket's export's; `copying(done, total)` a remote dataset's files copied (mirror.mirrored)."""
    from tracetui.dataset.location import open_location
    from tracetui.dataset.mirror import mirrored
    from tracetui.dataset.prune import partition_filters
    from tracetui.dataset.tables import bucket_tables, dataset_tables

    check_select(sql)  # before any table is read or brought up to date
    named = _named(sql)
    if dataset is not None:
        # Only the partitions the SQL can read are copied from a remote, held, checked and read (prune.py).
        keep = partition_filters(sql)
        local = mirrored(open_location(dataset), _remote_cache(dataset), named, copying, keep)
        with dataset_tables(local, named, keep) as tables:
            table = run(tables, sql, timeout, bounded=True)
    elif library is not None:
        with bucket_tables(library, progress, named) as (tables, _):
            table = run(tables, sql, timeout, bounded=True)
    else:
        raise TracetuiError("give a dataset or a bucket to query")
    return QueryResult(unique_names(table.column_names), python_rows(table))


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique as DuckDB's own `.df()` does (`x`, `x_1`): a join's `SELECT *` gives
    two `session_id`s, and a JSON object can hold only one of them."""
    out: list[str] = []
    taken = set(names)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            n = 1
            while f"{name}_{n}" in taken:
                n += 1
            name = f"{name}_{n}"
            taken.add(name)
        seen.add(name)
        out.append(name)
    return out


def python_rows(table: Any) -> list[tuple[Any, ...]]:
    """An Arrow table's rows as tuples of Python values, in its columns' order. Rows were taken as
    dicts, which keep one value per name: a join's two `session_id`s made every later value sit under
    the column before it. A value Python's types cannot hold (a date past year 9999, DuckDB's
    `infinity`, from any dataset's files) is given as its type and its count of units, as text."""
    columns = []
    for column in table.columns:
        if _holds_time(column.type) and not _within_a_day(column):
            columns.append([_value(v) for v in column])  # Arrow gives 24:00:00 as 00:00 (`_clock`)
            continue
        try:
            columns.append(column.to_pylist())
        except (OverflowError, ValueError, OSError):
            columns.append([_value(v) for v in column])
    return list(zip(*columns)) if columns else [() for _ in range(table.num_rows)]


def _value(scalar: Any) -> Any:
    """One Arrow value as Python, its parts that Python cannot hold as text (`python_rows`)."""
    import pyarrow as pa

    kind = scalar.type
    if not scalar.is_valid:
        return None
    if pa.types.is_time(kind):
        return _clock(scalar)
    if not _holds_time(kind):
        try:
            return scalar.as_py()
        except (OverflowError, ValueError, OSError):
            pass
    if isinstance(scalar, pa.MapScalar):
        return [(_value(entry[0]), _value(entry[1])) for entry in scalar.values]
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return [_value(v) for v in scalar.values]
    if isinstance(scalar, pa.StructScalar):
        return {kind.field(i).name: _value(scalar[i]) for i in range(kind.num_fields)}
    if isinstance(scalar, (pa.UnionScalar, pa.DictionaryScalar)):
        return _value(scalar.value)
    raw = getattr(scalar, "value", None)  # a time's count of its units (Arrow's own text of a far
    if isinstance(raw, int):  # millisecond time gave the wrong year)
        return f"<{kind} {raw}>"
    return f"<{kind}>"


def _holds_time(kind: Any) -> bool:
    """Whether an Arrow type is a time of day or holds one (in a list, a struct, a map)."""
    import pyarrow as pa

    if pa.types.is_time(kind):
        return True
    if pa.types.is_dictionary(kind):
        return _holds_time(kind.value_type)
    return any(_holds_time(kind.field(i).type) for i in range(kind.num_fields))


_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def _within_a_day(column: Any) -> bool:
    """Whether a column of times of day holds only what Python's `time` holds: taken whole then."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_time(column.type):
        return False  # a time inside a list or a struct: read one value at a time
    counts = column.cast(pa.int32() if column.type.bit_width == 32 else pa.int64())
    least, most = (v.as_py() for v in pc.min_max(counts).values())
    return least is None or (least >= 0 and most < 86_400 * _PER_SECOND[column.type.unit])


def _clock(scalar: Any) -> Any:
    """A time of day as Python, or as text where Python's `time` cannot hold it: DuckDB's `24:00:00`
    (the end of a day, which SQL allows) came back from Arrow as `time(0, 0)`, the day's start. A
    count past a day (a stranger's Parquet file) reads on, as hours past 24; a negative one as its count."""
    raw, per = scalar.value, _PER_SECOND[scalar.type.unit]
    if 0 <= raw < 86_400 * per:
        return scalar.as_py()
    if raw < 0:
        return f"<{scalar.type} {raw}>"
    seconds, part = divmod(raw, per)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    fraction = f".{part:0{len(str(per)) - 1}d}" if part else ""
    return f"{hour:02d}:{minute:02d}:{second:02d}{fraction}"


def _remote_cache(url: str) -> Path:
    """Where a remote dataset's tables are copied for queries (tracetui.dataset.mirror), by its URL."""
    import hashlib

    from platformdirs import user_cache_path

    return user_cache_path("tracetui") / "sql" / f"remote-{hashlib.sha256(url.encode()).hexdigest()[:16]}"
