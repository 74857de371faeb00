"""A dataset's session prices (dataset/library.py): the exporting machine's own, stored in the
sessions table's `cost_usd` column, where the row carries one; else worked out here from the steps'
token columns (an export that wrote no price, or a session its machine could not price).

The stored price is the bucket's figure over the whole log (logged prices and 1-hour cache writes
included), so it is taken first; reading the listing's column costs nothing, where pricing from the
steps reads every steps file of the page's partitions and loads the price table (genai_prices).
"""

from __future__ import annotations

import math
from typing import Any

MAX_USD = 1e9  # a stored price above this is no session's (a hostile or broken row): priced from the steps
TOKENS = ("tokens_input", "tokens_output", "tokens_cache_read", "tokens_cache_write")
_TYPES = {"model": "VARCHAR", "subagent": "VARCHAR", "timestamp": "TIMESTAMP", **{t: "BIGINT" for t in TOKENS}}

Price = tuple[float | None, bool]  # (USD or None where unknown, whether it is a lower bound)


def stored(row: dict[str, Any]) -> Price | None:
    """The price a sessions row carries (its `cost_usd`, as the library reads it, a DOUBLE): None
    where it has none, or one no session costs (negative, not a number, absurdly large)."""
    value = row.get("cost_usd")
    if isinstance(value, float) and math.isfinite(value) and 0.0 <= value <= MAX_USD:
        return (value, False)  # a lower bound only where the tokens say so (SessionSummary.cost_lower_bound)
    return None


def token_sql(present: set[str], by_id: bool, union: bool) -> str:
    """The read of (session, step index, time, model, subagent, input, output, cache read, cache
    write) of the steps (of the sessions `$ids` where `by_id`) in the files `$files` that used
    tokens, each with the model it ran on: its own, else the last one its conversation named (as
    `cost.steps_cost` reads it), a fork's copies left out. No text is read, and the model is worked
    out by the reader, not row by row in Python. `present`: the columns the files hold."""
    column = {c: (f'TRY_CAST("{c}" AS {kind})' if c in present else f"CAST(NULL AS {kind})")
              for c, kind in _TYPES.items()}  # fmt: skip
    copied = "contains(TRY_CAST(meta AS VARCHAR), '\"copied\"')" if "meta" in present else "FALSE"
    used = " + ".join(f"coalesce({column[t]}, 0)" for t in TOKENS)
    wanted = "WHERE session_id IN (SELECT unnest($ids))" if by_id else ""
    return (
        f"SELECT session_id, \"index\", ts, m, sub, {', '.join(TOKENS)} FROM ("
        f"SELECT TRY_CAST(session_id AS VARCHAR) AS session_id, TRY_CAST(\"index\" AS BIGINT) AS \"index\", "
        f"strftime({column['timestamp']}, '%Y-%m-%dT%H:%M:%SZ') AS ts, {column['subagent']} AS sub, "
        f"last_value({column['model']} IGNORE NULLS) OVER (PARTITION BY session_id, {column['subagent']} "
        f"ORDER BY \"index\" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS m, "
        + ", ".join(f"{column[t]} AS {t}" for t in TOKENS)
        + f", coalesce({copied}, FALSE) AS copied, {used} AS used "
        f"FROM read_parquet($files, union_by_name={union}, hive_partitioning=false) {wanted}) "
        "WHERE used > 0 AND NOT copied ORDER BY session_id, \"index\""
    )


def spent_sql(where: str) -> tuple[str, str]:
    """The SQL over the sessions view `s` (filtered by `where`) of `DatasetLibrary.spent`: the rows'
    count, their stored prices summed where `stored` would take them, and whether any counts output
    tokens only (`rows.count`'s bounds); then the rows that carry no price, to be priced from steps."""
    from tracetui.dataset import rows

    priced = f"coalesce(isfinite(cost_usd) AND cost_usd BETWEEN 0 AND {MAX_USD!r}, FALSE)"

    def count(column: str) -> str:
        return f"(CASE WHEN {column} BETWEEN 0 AND {rows.MAX_COUNT} THEN {column} ELSE 0 END)"

    output_only = (f"{count('tokens_output')} > 0 AND {count('tokens_input')} = 0 AND "
                   f"{count('tokens_cache_read')} = 0 AND {count('tokens_cache_write')} = 0")  # fmt: skip
    total = (f"SELECT count(*) AS n, sum(CASE WHEN {priced} THEN cost_usd END) AS usd, "
             f"coalesce(bool_or({output_only}), FALSE) AS output_only FROM s WHERE {where}")  # fmt: skip
    return total, f"SELECT * FROM s WHERE ({where}) AND NOT {priced}"


def from_tokens(found: list[tuple[Any, ...]], wanted: set[str], models: dict[str, list[str]]) -> dict[str, Price]:
    """The prices of the sessions `wanted` from `token_sql`'s rows (a session with none: unknown
    or free, as `cost.steps_cost` says), request by request as the bucket prices them."""
    from tracetui.cost import steps_cost
    from tracetui.dataset import rows
    from tracetui.model import Step, StepKind, Tokens

    steps: dict[str, list[Step]] = {sid: [] for sid in wanted}
    for sid, _index, ts, model, subagent, t_in, t_out, t_read, t_write in found:
        mine = steps.get(sid)
        if mine is None:
            continue
        used = Tokens(rows.count(t_in), rows.count(t_out), rows.count(t_read), rows.count(t_write))
        mine.append(Step(f"p{len(mine)}", len(mine), StepKind.ASSISTANT, "assistant", model=rows.text(model),
                         subagent=rows.text(subagent), timestamp=rows.text(ts), tokens=used))  # fmt: skip
    out: dict[str, Price] = {}
    for sid in wanted:
        priced = steps_cost(steps[sid], models.get(sid, []))
        out[sid] = (priced.cost_usd, priced.partial)
    return out
