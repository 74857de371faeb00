"""Which partitions of a dataset a query can read, from its SQL and the files' folders, before any file
is held (docs/internals/dataset.md, "Partitions a query reads").

DuckDB's parser gives the query's tree. Where every use of a table is in a FROM whose WHERE tests
its partition keys against text constants (`=`, `<>`, `<`, `IN`, `BETWEEN`, `LIKE`, under AND and
OR), a file whose folders' values make that WHERE false is left out: never held, checked, copied or
read. Anything else (a table function, a sample, a NOT, a key compared with a column or a number, an
ASOF join) keeps every file. Only the files kept are handed to the reader, so a file left out wrongly
could change an answer, never be read unchecked.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from tracetui.sources.common.jsonl import loads_whole

PARTITION_KEYS = ("machine", "agent", "month")  # docs/dataset.md, "Layout": folder names, read as text
KEYS = frozenset(PARTITION_KEYS)
_ORDERED: dict[str, Callable[[str, str], bool]] = {
    "COMPARE_EQUAL": lambda v, c: v == c, "COMPARE_NOTEQUAL": lambda v, c: v != c,
    "COMPARE_LESSTHAN": lambda v, c: v < c, "COMPARE_LESSTHANOREQUALTO": lambda v, c: v <= c,
    "COMPARE_GREATERTHAN": lambda v, c: v > c, "COMPARE_GREATERTHANOREQUALTO": lambda v, c: v >= c,
}  # fmt: skip
_FLIPPED = {"COMPARE_LESSTHAN": "COMPARE_GREATERTHAN", "COMPARE_GREATERTHAN": "COMPARE_LESSTHAN",
            "COMPARE_LESSTHANOREQUALTO": "COMPARE_GREATERTHANOREQUALTO",
            "COMPARE_GREATERTHANOREQUALTO": "COMPARE_LESSTHANOREQUALTO"}  # fmt: skip
# Joins after which a row of either side that the WHERE rejects takes no other row with it: the WHERE's
# tests here are false on a missing side's nulls too (a left join's unmatched row is rejected as well).
_JOINS = frozenset({"INNER", "LEFT", "RIGHT", "FULL", "OUTER"})

# A file's partition values (key: text) -> whether a row of it may pass; None where every file may.
Keep = Callable[[dict[str, str]], bool]
# A WHERE reduced to a file's values: True (may pass), False (no row of the file passes).
_Test = Callable[[dict[str, str]], bool]


def partition_filters(sql: str) -> dict[str, Keep]:
    """For each table `sql` reads only some partitions of, the test a file's partition values must
    pass for it to be read; a table absent reads every file. Empty where the SQL is not understood."""
    tree = _tree(sql)
    if tree is None:
        return {}
    refs: dict[str, list[_Test | None]] = {}
    placed: dict[int, _Test | None] = {}
    for node in _dicts(tree):
        if node.get("type") == "TABLE_FUNCTION" or node.get("sample"):
            # query_table('steps') reads a table by a name in a string; a sample is drawn before WHERE
            return {}
        if node.get("type") == "SELECT_NODE":
            _place(node, placed)
    for node in _dicts(tree):
        if node.get("type") == "BASE_TABLE":
            name = str(node.get("table_name", "")).lower()
            refs.setdefault(name, []).append(placed.get(id(node)))
    out: dict[str, Keep] = {}
    for name, tests in refs.items():
        if all(t is not None for t in tests):
            out[name] = _any([t for t in tests if t is not None])
    return out


@functools.cache
def hive_keys() -> Any:
    """The partitioning a dataset's tables are read with: `key=value` folders, each key as text."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    return pads.partitioning(pa.schema([(k, pa.string()) for k in PARTITION_KEYS]), flavor="hive")


def kept_files(files: list[str], folder: str, test: Keep | None) -> list[str]:
    """Those of a table's `files` (below `folder`, a local path or a remote's rel) `test` keeps."""
    return files if test is None else [f for f in files if test(partition_values(f, folder))]


def below(path: str, folder: str) -> str:
    """`path` as `/…` below `folder`, what the hive partitioning parses."""
    return "/" + os.path.relpath(path, folder).replace(os.sep, "/")


def partition_values(path: str, folder: str) -> dict[str, str]:
    """The partition keys' values a table's file (below `folder`) has from its folders, as the Arrow
    dataset gives them (`hive_keys`): a key named twice on its way, or null, left out (a file that
    does not name a key may hold any value of it)."""
    import pyarrow.dataset as pads

    where = below(path, folder)
    found = pads.get_partition_keys(hive_keys().parse(where))
    return {k: v for k, v in found.items() if isinstance(v, str) and where.count(f"/{k}=") == 1}


def _any(tests: list[_Test]) -> Keep:
    return lambda values: any(t(values) for t in tests)


def _tree(sql: str) -> Any:
    try:
        # The SQL's nesting: within orjson's 254 levels, or every file kept.
        tree = loads_whole(_serialized(sql))
    except Exception:  # an SQL the serializer cannot give (a PIVOT statement): every file kept
        return None
    if not isinstance(tree, dict) or tree.get("error") or len(tree.get("statements") or ()) != 1:
        return None
    return tree


# DuckDB's parser, kept for the process: opening an in-memory database cost 31 ms of CPU at every
# query, a parse on one kept under 1 ms. It only parses the SQL (a parameter), never runs it, so no
# query can change it; it is the locked connection all the same (duck.py). A forked child makes its
# own and leaves its parent's copy alone (unused, never closed: its threads are the parent's), and a
# new lock (a parent's thread may have held it).
_PARSER: list[Any] = []
_PARSER_LOCK = threading.Lock()
_INHERITED: list[Any] = []


def _serialized(sql: str) -> str:
    with _PARSER_LOCK:
        if not _PARSER:
            from tracetui.dataset.duck import connect

            _PARSER.append(connect({}))
        try:
            return _PARSER[0].execute("SELECT json_serialize_sql($q)", {"q": sql}).fetchall()[0][0]
        except Exception:
            # A parse error is an answer, not an exception: whatever raised (a stranger's recipe's SQL
            # may have left the database invalidated) is not kept for the next query.
            _PARSER.clear()
            raise


def _forked() -> None:
    global _PARSER_LOCK
    _PARSER_LOCK = threading.Lock()
    _INHERITED.extend(_PARSER)
    _PARSER.clear()


os.register_at_fork(after_in_child=_forked)


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _place(select: dict[str, Any], placed: dict[int, _Test | None]) -> None:
    """The test each base table of a SELECT's FROM gets from its WHERE (by the table's node's id)."""
    source = select.get("from_table")
    where = select.get("where_clause")
    if not isinstance(source, dict) or not isinstance(where, dict):
        return
    if source.get("type") == "BASE_TABLE":
        bound = {"", str(source.get("alias") or source.get("table_name", "")).lower()}
        placed[id(source)] = _test(where, bound)
        return
    for table in _joined(source):
        placed[id(table)] = _test(where, {str(table.get("alias") or table.get("table_name", "")).lower()})


def _joined(source: dict[str, Any]) -> list[dict[str, Any]]:
    """The base tables a tree of plain joins brings together; none where a join is of another kind."""
    if source.get("type") == "BASE_TABLE":
        return [source]
    if source.get("type") != "JOIN":
        return []
    if source.get("ref_type") not in ("REGULAR", "CROSS") or source.get("join_type") not in _JOINS:
        return []
    left, right = source.get("left"), source.get("right")
    if not isinstance(left, dict) or not isinstance(right, dict):
        return []
    return _joined(left) + _joined(right)


def _test(where: dict[str, Any], bound: set[str]) -> _Test | None:
    """The WHERE as a test of one table's partition values (`bound`: the names its columns may be
    qualified by, "" for none); None where it says nothing of them (any file's rows may pass)."""
    kind = str(where.get("type"))
    if kind in ("CONJUNCTION_AND", "CONJUNCTION_OR"):
        parts = [_test(c, bound) if isinstance(c, dict) else None for c in where.get("children") or ()]
        tests = [p for p in parts if p is not None]
        if not tests or (kind == "CONJUNCTION_OR" and len(tests) < len(parts)):
            return None  # an OR with a side the values say nothing of: any file may pass
        if kind == "CONJUNCTION_AND":
            return lambda v: all(t(v) for t in tests)
        return lambda v: any(t(v) for t in tests)
    if kind in _ORDERED:
        left, right = where.get("left"), where.get("right")
        key, text = _key(left, bound), _text(right)
        if key is None or text is None:
            key, text, kind = _key(right, bound), _text(left), _FLIPPED.get(kind, kind)
        if key is None or text is None:
            return None
        compare, value = _ORDERED[kind], text
        return _leaf(key, lambda v: compare(v, value))
    if kind in ("COMPARE_IN", "COMPARE_NOT_IN"):
        first, *rest = where.get("children") or [None]
        key, texts = _key(first, bound), [_text(c) for c in rest]
        if key is None or not texts or any(t is None for t in texts):
            return None
        inside = kind == "COMPARE_IN"
        return _leaf(key, lambda v: (v in texts) == inside)
    if kind == "FUNCTION" and where.get("function_name") in _LIKES:
        return _like(where, bound)
    if kind == "COMPARE_BETWEEN":
        key, low, high = _key(where.get("input"), bound), _text(where.get("lower")), _text(where.get("upper"))
        if key is None or low is None or high is None:
            return None
        return _leaf(key, lambda v: low <= v <= high)
    return None


# DuckDB's LIKE operators as its parser names them: (negated, case-blind). LIKE ... ESCAPE is another
# function (`like_escape`) and GLOB another operator: both keep every file.
_LIKES = {"~~": (False, False), "!~~": (True, False), "~~*": (False, True), "!~~*": (True, True)}


def _like(where: dict[str, Any], bound: set[str]) -> _Test | None:
    """`key [NOT] [I]LIKE 'pattern'`: `%` any run, `_` one character, the rest itself (DuckDB has no
    escape character without ESCAPE). ILIKE decides only ASCII values and patterns: DuckDB's case
    folding of the rest is its own (`'ß' ILIKE 'SS'` is false), so those files are kept."""
    args = [a.get("expression") if isinstance(a, dict) else None for a in where.get("arguments") or ()]
    if len(args) != 2:
        return None
    key, pattern = _key(args[0], bound), _text(args[1])
    if key is None or pattern is None:
        return None
    negated, blind = _LIKES[str(where["function_name"])]
    if blind and not pattern.isascii():
        return None
    parts = ((".*" if c == "%" else "." if c == "_" else re.escape(c)) for c in pattern)
    matches = re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if blind else 0)).fullmatch

    def holds(value: str) -> bool:
        if blind and not value.isascii():
            return True  # undecided here: kept
        return (matches(value) is not None) != negated

    return _leaf(key, holds)


def _leaf(key: str, holds: Callable[[str], bool]) -> _Test:
    """A test of one key's value: a file whose folders do not name the key may pass."""
    return lambda values: key not in values or holds(values[key])


def _key(node: Any, bound: set[str]) -> str | None:
    """The partition key a column reference names, where it is the table's own."""
    if not isinstance(node, dict) or node.get("type") != "COLUMN_REF":
        return None
    names = [str(n).lower() for n in node.get("column_names") or ()]
    if len(names) == 1 and "" in bound and names[0] in KEYS:
        return names[0]
    if len(names) == 2 and names[0] in bound and names[1] in KEYS:
        return names[1]
    return None


def _text(node: Any) -> str | None:
    """A text constant's value (DuckDB's two ways of writing one); None for anything else."""
    if not isinstance(node, dict) or node.get("type") != "VALUE_CONSTANT":
        return None
    literal = node.get("literal")
    if isinstance(literal, dict):
        return str(literal["text"]) if literal.get("kind") == "STRING" and "text" in literal else None
    value = node.get("value")
    kind = (value.get("type") or {}).get("id") if isinstance(value, dict) else None
    if isinstance(value, dict) and not value.get("is_null") and kind == "VARCHAR":
        got = value.get("value")
        return got if isinstance(got, str) else None
    return None
