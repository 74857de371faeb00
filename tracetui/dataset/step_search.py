"""What a search of a dataset asks DuckDB for: the steps whose text holds every word as the bucket
finds it, and the tool calls whose arguments do (a call's step row keeps no text: its arguments are
the tool_calls table's `input`). `library.holds` then tests each candidate exactly, as the memory
library does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracetui.bucket import SearchHit, StepQuery, word_match
from tracetui.bucket.index import hit_snippet, query_terms
from tracetui.bucket.searched import INJECTED_TAGS, argument_words, said_edges, step_query
from tracetui.dataset import rows
from tracetui.library import holds
from tracetui.model import Step, StepKind

SEARCH_CANDIDATES = 20  # steps read per hit wanted, before the exact test keeps the hits
# Where the rows are read from: every file by name, a column another file lacks read as null.
FROM = "read_parquet($files, union_by_name=true, hive_partitioning=false)"

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
    elif not wanted.injected:  # a context step is all the harness's: nothing in it was said
        where += f" AND TRY_CAST(kind AS VARCHAR) IS DISTINCT FROM '{StepKind.CONTEXT}'"
    return where, params


def calls_where(wanted: StepQuery, words: list[str]) -> tuple[str, dict[str, Any]] | None:
    """Tool calls whose arguments hold every word; None where the query does not look in a call's."""
    if not wanted.covers(StepKind.TOOL_CALL):
        return None
    # Their JSON text, not their words: `\nnpm` is `npm` after an escaped line break, which no pattern
    # over the JSON can tell from `nnpm`. The exact test reads the words (`argument_words`).
    return _holding("input", words, patterns=False)


def _holding(column: str, words: list[str], patterns: bool = True) -> tuple[str, dict[str, Any]]:
    """Rows whose `column` holds every word as the bucket's index finds it (`word_match`): a
    substring of `pnpm` is no hit for `npm`, and candidates so taken never crowd the hits out."""
    text = f"lower(TRY_CAST({column} AS VARCHAR))"
    clauses, params = [], {}
    for i, (needle, pattern) in enumerate(word_match.sql_tests(words)):
        clauses.append(f"contains({text}, $w{i})")  # DuckDB runs the regex only on the rows this keeps
        params[f"w{i}"] = needle
        if pattern is not None and patterns:
            clauses.append(f"regexp_matches({text}, $p{i})")
            params[f"p{i}"] = pattern
    return " AND ".join(clauses), params


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


@dataclass(frozen=True, slots=True)
class Tables:
    """The dataset's reads a search needs, lent by its library."""

    read: Callable[[str, dict[str, Any]], list[dict[str, Any]]]  # a checked DuckDB query, rows as dicts
    files: Callable[[str], list[str]]  # a table's files
    columns: Callable[[list[str]], set[str]]  # the columns those files hold
    types: dict[str, str]  # a step's columns' types


def sessions_holding(tables: Tables, text: str) -> set[str]:
    """The sessions one of whose steps holds every word of `text` (its text, or a tool call's
    arguments), each step tested as a search's hit is: a session whose only mention is in what a
    harness injected (a reminder inside a tool's result) is not one."""
    wanted = step_query(text)
    words = query_terms(wanted.words)
    if not words or wanted.unknown:
        return set()
    held: set[str] = set()
    for table in ("steps", "tool_calls"):
        files = tables.files(table)
        asked = candidates(table, wanted, words, tables.columns(files), tables.types) if files else None
        if asked is None:
            continue
        columns, where, params = asked
        params = {**params, "files": files}
        # Where the SQL's test is the exact one: a step's text no harness wrote a block into is all said.
        said = table == "steps" and not wanted.injected
        settled = f"NOT ({_TAGGED})" if said else "FALSE"
        sql = f"SELECT {columns}, {settled} AS settled FROM {FROM} WHERE {where}"
        if held:  # found already: their other steps and calls need not be read
            sql += f" AND {_SID} NOT IN (SELECT unnest($held::VARCHAR[]))"  # a hash join, not a list scan
            params["held"] = sorted(held)
        # One candidate a session first, a settled one where there is (its text is not fetched), then
        # every row of the sessions whose first did not hold the words: a common word's text is never
        # all read, and the steps are scanned once where every session's first holds.
        shown = "* REPLACE (CASE WHEN settled THEN NULL ELSE text END AS text)" if said else "*"
        first = "row_number() OVER (PARTITION BY session_id ORDER BY settled DESC) = 1"
        few = tables.read(f"SELECT {shown} FROM ({sql}) QUALIFY {first}", params)
        held |= {str(r["session_id"]) for r in few if r["settled"] or _holds_row(r, wanted, words)}
        more = sorted({str(r["session_id"]) for r in few} - held)
        if more:
            sql += f" AND {_SID} IN (SELECT unnest($more::VARCHAR[]))"
            rest = tables.read(sql, {**params, "more": more})
            held |= {str(r["session_id"]) for r in rest if _holds_row(r, wanted, words)}
    return held


# A text holding none of these is all said (`said_edges`): the SQL's own test is the exact one there.
_TAGGED = " OR ".join(f"contains(TRY_CAST(text AS VARCHAR), '<{tag}>')" for tag in INJECTED_TAGS)
_SID = "TRY_CAST(session_id AS VARCHAR)"


def _holds_row(r: dict[str, Any], wanted: StepQuery, words: list[str]) -> bool:
    """Whether a candidate row (`candidates`' select list) holds the words as the bucket finds them."""
    return _held(r, wanted, words) is not None


def _held(r: dict[str, Any], wanted: StepQuery, words: list[str]) -> _Held | None:
    """A candidate row as the step the exact test read, its tool arguments' words and its said part's
    edges, where it holds the words; None where it does not (or names no session or step)."""
    if r["session_id"] is None or r["step_id"] is None:
        return None
    call = "input" in r  # a tool call's candidate: its arguments hold the words
    kind = StepKind.TOOL_CALL if call else r["kind"] if r["kind"] in StepKind.ALL else StepKind.SYSTEM
    step = Step(str(r["step_id"]), 0, kind, "system", rows.text(r.get("text")) or "")
    arguments = (argument_words(rows.loads(r["input"])) or "") if call else ""
    edges = said_edges(step.kind, step.text)
    return (step, arguments, edges) if holds(wanted, words, step, edges, arguments) else None


_Held = tuple[Step, str, "tuple[int, int] | None"]


def search(tables: Tables, query: str, limit: int) -> list[SearchHit]:
    """Up to `limit` steps holding the query's words, as the bucket's search gives them."""
    wanted = step_query(query)
    words = query_terms(wanted.words)
    if not words or wanted.unknown:
        return []
    hits: list[SearchHit] = []
    for table in ("steps", "tool_calls"):  # calls only where the steps' text gives too few hits
        if len(hits) < limit:
            seen = {(h.session, h.step) for h in hits}  # a call whose step row has text too
            found = [r for r in _candidates(tables, table, wanted, words, limit)
                     if (r["session_id"], r["step_id"]) not in seen]  # fmt: skip
            hits += _hits(tables, found, wanted, words, limit - len(hits))
    return hits


def _candidates(
    tables: Tables, table: str, wanted: StepQuery, words: list[str], hits: int
) -> list[dict[str, Any]]:
    """The rows of `table` that may hold the words, SEARCH_CANDIDATES a hit asked."""
    files = tables.files(table)
    asked = candidates(table, wanted, words, tables.columns(files), tables.types) if files else None
    if asked is None:
        return []
    most = int(hits) * SEARCH_CANDIDATES
    sql = f"SELECT {asked[0]} FROM {FROM} WHERE {asked[1]} LIMIT {most}"
    return tables.read(sql, {**asked[2], "files": files})


def _hits(tables: Tables, found: list[dict[str, Any]], wanted: StepQuery, words: list[str], limit: int,
          ) -> list[SearchHit]:  # fmt: skip
    """Up to `limit` of the candidates `found` whose step holds the words, as search hits."""
    heads = {r["session_id"]: r for r in tables.read(
        "SELECT session_id, title, agent, started FROM s WHERE session_id IN (SELECT unnest($ids))",
        {"ids": sorted({str(r["session_id"]) for r in found if r["session_id"]})})}  # fmt: skip
    hits: list[SearchHit] = []
    for r in found:
        head = heads.get(r["session_id"])
        held = _held(r, wanted, words)
        if head is None or held is None:
            continue
        step, arguments, edges = held
        snippet, match = hit_snippet(wanted, words, step.kind, step.text, arguments or None, edges)
        index = r["index"] if isinstance(r["index"], int) else None
        stamp = rows.moment(r["timestamp"]) or rows.moment(head["started"])
        hits.append(SearchHit(str(r["session_id"]), step.id, snippet, index, rows.text(head["title"]),
                              rows.text(head["agent"]), stamp, match))  # fmt: skip
        if len(hits) >= limit:
            break
    return hits
