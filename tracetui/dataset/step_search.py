"""What a search of a dataset asks DuckDB for: the steps whose text holds every word, and the tool
calls whose arguments do (a call's step row keeps no text: its arguments are the tool_calls table's
`input`). `library.holds` then tests each candidate exactly, as the bucket and the memory library do.
"""

from __future__ import annotations

from typing import Any

from tracetui.bucket import StepQuery
from tracetui.dataset import rows
from tracetui.model import StepKind

# A step's columns a search hit is read with (their types are the library's), and a tool call's,
# which are its own and its input.
SEARCHED = ("session_id", "step_id", "index", "kind", "text", "timestamp")
CALL_COLUMNS = {"session_id": "VARCHAR", "step_id": "VARCHAR", "index": "BIGINT", "timestamp": "TIMESTAMP",
                "input": "VARCHAR"}  # fmt: skip


def text_where(wanted: StepQuery, words: list[str]) -> tuple[str, dict[str, Any]]:
    """Steps whose text holds every word, of the kinds the query asks for."""
    where, params = _holding("text", words)
    if wanted.kinds is not None and not wanted.injected:
        where += " AND TRY_CAST(kind AS VARCHAR) IN (SELECT unnest($kinds))"
        params["kinds"] = sorted(wanted.kinds)
    return where, params


def calls_where(wanted: StepQuery, words: list[str]) -> tuple[str, dict[str, Any]] | None:
    """Tool calls whose arguments hold every word; None where the query does not look in a call's."""
    if not wanted.covers(StepKind.TOOL_CALL):
        return None
    return _holding("input", words)


def _holding(column: str, words: list[str]) -> tuple[str, dict[str, Any]]:
    clauses = [f"contains(lower(TRY_CAST({column} AS VARCHAR)), $w{i})" for i in range(len(words))]
    return " AND ".join(clauses), {f"w{i}": word for i, word in enumerate(words)}


def candidates(
    table: str, wanted: StepQuery, words: list[str], present: set[str], types: dict[str, str]
) -> tuple[str, str, dict[str, Any]] | None:
    """The select list, the WHERE and its parameters of the rows of `table` (steps or tool_calls) that
    may hold the words; None where the query cannot find any there. `present`: the columns the
    table's first file has (those another file lacks are read as null: one no file has, named in the
    select list, was DuckDB's binder error); `types`: a step's columns' types."""
    call = table == "tool_calls"
    asked = calls_where(wanted, words) if call else text_where(wanted, words)
    if asked is None or (call and "input" not in present):
        return None
    shown = CALL_COLUMNS if call else {k: types[k] for k in SEARCHED}
    return rows.projection(shown, present), asked[0], asked[1]
