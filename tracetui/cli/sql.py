"""`tracetui sql`: a thin face over tracetui.dataset.query (docs/dataset.md, "Queries")."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tracetui.cli import Commands, add_bucket_option, open_bucket
from tracetui.cli.exit_codes import OK
from tracetui.cli.output import count_line, print_json, print_table
from tracetui.safe_text import safe_line, spreadsheet_text


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "sql",
        help="run one SELECT in DuckDB over the bucket's tables or a dataset's",
        description="Run one SELECT over the four tables of the Parquet export (sessions, steps, tool_calls, "
        "patches; docs/dataset.md): the bucket's own (exported, scrubbed, into the user's cache and kept up "
        "to date), or a dataset's with --dataset URL. Read-only: the query reaches no file, URL or "
        "extension but those tables.",
    )
    p.add_argument("sql", metavar="SQL", help='one SELECT, e.g. "SELECT agent, count(*) FROM sessions GROUP BY 1"')
    p.add_argument("--dataset", metavar="URL", help="a dataset or Parquet export folder (s3://, gs://, file://, ...)")
    # Declared on the parser itself (not a mutually exclusive group), so its record of options has them.
    p.add_argument("--json", action="store_true", help="the rows as one JSON list of objects")
    p.add_argument("--csv", action="store_true", help="the rows as CSV (control characters escaped; text a "
                   "spreadsheet would run as a formula starts with ')")
    add_bucket_option(p)
    p.set_defaults(func=run_sql)


def run_sql(args: argparse.Namespace) -> int:
    import tracetui.dataset as dataset_api
    from tracetui.errors import UsageError

    if args.json and args.csv:
        raise UsageError("give --json or --csv, not both")
    if args.dataset:
        result = dataset_api.query(args.sql, dataset=args.dataset, copying=_copying())
    else:
        with open_bucket(args) as bucket:
            result = dataset_api.query(args.sql, library=bucket, progress=_updating())
    if args.json:
        print_json([dict(zip(result.columns, (_plain(v) for v in row))) for row in result.rows])
    elif args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([spreadsheet_text(safe_line(c)) for c in result.columns])
        for row in result.rows:
            writer.writerow([_csv_cell(v) for v in row])
    else:
        print_table(result.columns, [[_cell(v) for v in row] for row in result.rows])
        print(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return OK


def _updating() -> Any:
    """The bucket's tables are an export kept in the cache: its first query reviews and scrubs every
    session (minutes on a big bucket), a later one only what changed. A count on a terminal."""
    line = count_line()
    if line is None:
        return None
    words = {"review": "bringing the tables up to date: reviewing", "write": "bringing the tables up to date: writing"}
    return lambda p: line(words.get(p.phase, p.phase), p.done, p.total)


def _copying() -> Any:
    """A remote dataset's first query copies its tables: a count on a terminal."""
    line = count_line(unit="files")
    return None if line is None else (lambda done, total: line("copying the dataset's tables", done, total))


def _plain(value: Any) -> Any:
    """A value as JSON holds it: times as ISO text, decimals as numbers, nested values kept."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _csv_cell(value: Any) -> str:
    """`_cell` for a spreadsheet: text that would start a formula there is quoted (`spreadsheet_text`)."""
    cell = _cell(value)
    return spreadsheet_text(cell) if isinstance(value, (str, bytes)) else cell


def _cell(value: Any) -> str:
    """One value as one terminal-safe line (a log's text may hold ESC, OSC or bidi controls)."""
    if value is None:
        return ""
    plain = _plain(value)
    if isinstance(plain, (list, dict)):
        import orjson

        plain = orjson.dumps(plain, default=str).decode()
    return safe_line(str(plain))
