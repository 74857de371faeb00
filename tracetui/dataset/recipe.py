"""Recipes: a dataset as a TOML file anyone can run on their own bucket (docs/recipes.md).

A recipe is data, never code: its file is read with a size limit, every key is known (an unknown one
is refused, not ignored: a typo would widen a selection), every value has its type and size checked,
and its SQL runs only as one SELECT in the locked DuckDB of `query`, over the rows the recipe
selected, after the export's own review, scrub and second gate. What the SQL gives is scanned by the
detectors once more before a byte is written: a projection cannot put back what the scrub took out.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracetui.dataset.location import TABLES, is_url, open_location
from tracetui.errors import TracetuiError
from tracetui.export import ExportOptions, ExportReport, Selection, export, select
from tracetui.folder_fd import LinkOnWay
from tracetui.regular_file import FileTooLarge, read_regular
from tracetui.safe_text import clip, safe_line
from tracetui.settings import NotToml, load_toml

if TYPE_CHECKING:
    from tracetui.dataset.publish import PublishReport
    from tracetui.export.run import ProgressCallback
    from tracetui.library import Library

RECIPE_LIMIT = 64 * 1024  # bytes of a recipe file
_LIST_LIMIT = 100
_TEXT_LIMIT = 1000
_FORMATS = ("parquet", "raw", "atif", "agent-trace")
_STATES = ("alive", "transformed", "reverted", "lost", "uncommitted", "unknown")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}\Z")  # \Z: `$` matches before a last newline too
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]{0,63}\Z")
# Every key a recipe may hold, per table; the type each value must have.
_KEYS: dict[str, dict[str, str]] = {
    "": {"version": "int", "name": "name", "description": "text", "select": "table", "output": "table",
         "review": "table"},
    "select": {"agents": "list", "projects": "list", "since": "text", "until": "text", "text": "text",
               "labels": "list"},
    "output": {"format": "text", "columns": "table", "sql": "sql", "table": "name"},
    "review": {"accept_suggested": "bool", "license": "text", "ref": "text"},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Recipe:
    name: str
    description: str = ""
    agents: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    text: str | None = None
    labels: tuple[str, ...] = ()  # survival states: sessions with added lines in any of them
    format: str = "parquet"
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table: its columns to keep
    sql: str | None = None
    table: str | None = None  # the SQL's result table (default: the recipe's name)
    accept_suggested: bool = False
    license: str = "cc-by-4.0"
    ref: str = "HEAD"
    digest: str = ""  # of the file's bytes: names the recipe's staging folder

    @property
    def projects_rows(self) -> bool:
        """Whether the recipe shapes rows (columns, labels or SQL) rather than exporting sessions."""
        return bool(self.columns or self.sql or self.labels)


class RecipeError(TracetuiError):
    """A recipe that cannot be run as written: one line saying where and why."""


def load_recipe(path: str | Path) -> Recipe:
    """The recipe in the TOML file `path`, every key and value checked; RecipeError otherwise."""
    where = safe_line(clip(str(path), 200))
    try:
        data = read_regular(path, RECIPE_LIMIT)
    except FileTooLarge:
        raise RecipeError(f"recipe {where}: larger than {RECIPE_LIMIT // 1024} KB") from None
    except OSError as exc:
        raise RecipeError(f"recipe {where}: cannot be read ({exc.strerror or exc})") from None
    try:
        doc = load_toml(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise RecipeError(f"recipe {where}: not UTF-8 text") from None
    except NotToml as exc:
        raise RecipeError(f"recipe {where}: not valid TOML ({safe_line(clip(str(exc), 200))})") from None
    return parse_recipe(doc, where, hashlib.sha256(data).hexdigest())


def parse_recipe(doc: dict[str, Any], where: str = "recipe", digest: str = "") -> Recipe:
    _check(doc, "", where)
    sel, out, rev = doc.get("select", {}), doc.get("output", {}), doc.get("review", {})
    if "name" not in doc:
        raise RecipeError(f"recipe {where}: `name` is missing")
    if doc.get("version", 1) != 1:
        raise RecipeError(f"recipe {where}: version {doc['version']} is not one this tracetui reads (1)")
    from tracetui.sources import registry

    for agent in sel.get("agents", []):
        if agent not in registry.names():
            raise RecipeError(f"recipe {where}: select.agents: unknown agent {safe_line(clip(agent, 40))!r}")
    for label in sel.get("labels", []):
        if label not in _STATES:
            raise RecipeError(f"recipe {where}: select.labels: {safe_line(clip(label, 40))!r} is not one of "
                              f"{', '.join(_STATES)}")  # fmt: skip
    fmt = out.get("format", "parquet")
    if fmt not in _FORMATS:
        raise RecipeError(f"recipe {where}: output.format must be one of {', '.join(_FORMATS)}")
    columns: dict[str, tuple[str, ...]] = {}
    for table, names in out.get("columns", {}).items():
        if table not in TABLES:
            raise RecipeError(f"recipe {where}: output.columns: unknown table {safe_line(clip(table, 40))!r}")
        if not isinstance(names, list) or not names or len(names) > _LIST_LIMIT or not all(
            isinstance(n, str) and _COLUMN.match(n) for n in names
        ):
            raise RecipeError(f"recipe {where}: output.columns.{table} must be a list of column names")
        columns[table] = tuple(names)
    recipe = Recipe(
        name=doc["name"], description=doc.get("description", ""),
        agents=tuple(sel.get("agents", ())), projects=tuple(sel.get("projects", ())),
        since=sel.get("since"), until=sel.get("until"), text=sel.get("text"),
        labels=tuple(sel.get("labels", ())), format=fmt, columns=columns, sql=out.get("sql"),
        table=out.get("table"), accept_suggested=rev.get("accept_suggested", False),
        license=rev.get("license", "cc-by-4.0").strip().lower(), ref=rev.get("ref", "HEAD"), digest=digest,
    )  # fmt: skip
    if recipe.projects_rows and fmt != "parquet":
        raise RecipeError(f"recipe {where}: columns, labels and sql shape rows: they need output.format parquet")
    if recipe.sql is not None:
        from tracetui.dataset.query import check_select

        try:
            check_select(recipe.sql)
        except TracetuiError as exc:
            raise RecipeError(f"recipe {where}: output.sql: {exc}") from None
    return recipe


def _check(doc: dict[str, Any], table: str, where: str) -> None:
    known = _KEYS[table]
    for key, value in doc.items():
        name = f"{table}.{key}" if table else key
        if key not in known:
            raise RecipeError(f"recipe {where}: unknown key {safe_line(clip(name, 60))!r} "
                              f"(known: {', '.join(known)})")  # fmt: skip
        kind = known[key]
        if not _fits(kind, value):
            raise RecipeError(f"recipe {where}: {name} must be {_SAY[kind]}")
        if kind == "table" and not table:
            _check(value, key, where)


_SAY = {
    "int": "an integer", "name": "a name of lowercase letters, digits, '.', '_' or '-' (up to 64)",
    "text": f"text of at most {_TEXT_LIMIT} characters, without control characters",
    "list": f"a list of at most {_LIST_LIMIT} texts", "table": "a table", "bool": "true or false",
    "sql": "one SELECT of at most 64 KB",
}  # fmt: skip


def _plain_text(value: Any, limit: int = _TEXT_LIMIT) -> bool:
    return isinstance(value, str) and len(value) <= limit and not any(
        ord(c) < 32 and c not in "\t\n" or 0x7F <= ord(c) < 0xA0 for c in value
    )


def _fits(kind: str, value: Any) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "name":
        return isinstance(value, str) and bool(_NAME.match(value))
    if kind == "text":
        return _plain_text(value)
    if kind == "sql":
        return _plain_text(value, 64 * 1024)
    if kind == "list":
        return isinstance(value, list) and len(value) <= _LIST_LIMIT and all(_plain_text(v, 200) for v in value)
    return isinstance(value, dict)


# -- running --------------------------------------------------------------------------------------


@dataclass(slots=True)
class RecipeReport:
    recipe: str
    dest: str
    export: ExportReport
    published: PublishReport | None = None
    tables: dict[str, int] = field(default_factory=dict)  # projected table: rows written
    files: list[str] = field(default_factory=list)  # projected files, relative to the destination

    def to_dict(self) -> dict[str, Any]:
        base = self.published.to_dict() if self.published is not None else self.export.to_dict()
        return {**base, "recipe": self.recipe, "dest": self.dest, "tables": self.tables, "files": self.files}


def selection_of(library: Library, recipe: Recipe) -> Selection:
    """The recipe's sessions, as the ids of the union over its agents and projects."""
    ids: set[str] = set()
    for agent in recipe.agents or (None,):
        for project in recipe.projects or (None,):
            chosen = Selection(agent, project, recipe.since, recipe.until, recipe.text)
            ids.update(s.id for s in select(library, chosen))
    if not ids:
        raise TracetuiError(f"recipe {recipe.name}: no session matches its selection; nothing to export")
    return Selection(sessions=tuple(sorted(ids)))


def run_recipe(
    library: Library,
    recipe: Recipe,
    dest: str,
    progress: ProgressCallback | None = None,
    machine: str | None = None,
    user: str | None = None,
    repo: str | None = None,
) -> RecipeReport:
    """Run `recipe` on `library` into `dest` (a folder or a dataset URL). Without columns, labels or
    SQL it is an export (into a dataset: `publish`); with them, the selected sessions are exported into
    a staging folder of the cache and the projection's tables written to
    `dest/data/<table>/machine=<id>/part-00000.parquet`. `repo`: the repository the outcome labels
    and agent-trace records are judged in (the machine's, so the caller's, never the recipe's)."""
    from tracetui.dataset.publish import publish

    if is_url(dest) and recipe.format != "parquet":
        raise RecipeError(f"recipe {recipe.name}: a dataset takes the parquet format, not output.format "
                          f"{recipe.format}; give a folder to export {recipe.format} into")  # fmt: skip
    selection = selection_of(library, recipe)
    options = ExportOptions(recipe.format, recipe.accept_suggested, recipe.ref, repo, recipe.license)
    if not recipe.projects_rows:
        if is_url(dest):
            published = publish(library, dest, options, selection, progress, machine, user)
            return RecipeReport(recipe.name, dest, published.export, published)
        return RecipeReport(recipe.name, dest, export(library, dest, options, selection, progress))
    from platformdirs import user_cache_path

    from tracetui.dataset.machine import machine_id

    mid = machine_id(machine)
    _projection_dest(dest)
    staging = user_cache_path("tracetui") / "recipes" / (recipe.digest[:16] or recipe.name)
    report = export(library, staging, replace(options, prune=True), selection, progress)
    out = RecipeReport(recipe.name, dest, report)
    for table, rows in _project(recipe, staging).items():
        rel = f"data/{table}/machine={mid}/part-00000.parquet"
        _write_table(dest, rel, rows)
        out.tables[table] = rows.num_rows
        out.files.append(rel)
    return out


def _projection_dest(dest: str) -> None:
    """A projection's tables are not an export's: refused where an export's are (a projected `sessions`
    beside whole ones would be one table of two shapes to every reader)."""
    location = open_location(dest)
    try:
        taken = location.fs.exists(location.path("machines")) or location.fs.exists(location.path("manifest.json"))
    except OSError as exc:
        raise TracetuiError(f"cannot read {location.url}: {exc.strerror or exc}") from None
    if taken:
        raise RecipeError(
            f"{safe_line(clip(location.url, 200))} holds an export; give a recipe's projection a destination "
            "of its own"
        )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _project(recipe: Recipe, staging: Path) -> dict[str, Any]:
    """The recipe's tables: the selected rows (labels), their columns, or its SQL's result."""
    from tracetui.dataset.query import run
    from tracetui.dataset.tables import dataset_tables

    with dataset_tables(open_location(staging)) as tables:  # its files held open until it is read
        if recipe.labels:
            kept = " OR ".join(f"lines_{state} > 0" for state in recipe.labels)
            chosen = f"session_id IN (SELECT session_id FROM sessions WHERE {kept})"
            tables = {t: run(tables, f"SELECT * FROM {t} WHERE {chosen}") for t in TABLES}
        out: dict[str, Any] = {}
        for table, names in recipe.columns.items():
            have = set(tables[table].schema.names)
            missing = [n for n in names if n not in have]
            if missing:
                raise RecipeError(f"recipe {recipe.name}: output.columns.{table}: no column {missing[0]!r}")
            out[table] = run(tables, f"SELECT {', '.join(map(_quoted, names))} FROM {table}")
        if recipe.sql is not None:
            out[recipe.table or recipe.name] = run(tables, recipe.sql, bounded=True)
        if not out:  # labels alone: the four tables, those sessions' rows
            out = {t: run(tables, f"SELECT * FROM {t}") for t in TABLES}
    for table, rows in out.items():
        _gate(recipe, table, rows)
    return out


def _gate(recipe: Recipe, table: str, rows: Any) -> None:
    """The detectors over every projected value and over the table's schema (its column and field
    names, written to the file whether or not a row is): SQL that pieces a secret back together is
    refused."""
    import orjson

    from tracetui.dataset.query import python_rows
    from tracetui.redact import AUTO
    from tracetui.redact.scan import gate_scan, timed_scans

    # (a date past year 9999 or `infinity` ended the run in a traceback: python_rows gives their text)
    texts = (orjson.dumps(row, default=str).decode() for row in python_rows(rows))
    with timed_scans():
        refused = any(
            f.tier == AUTO  # a row it cannot scan in time too
            for text in itertools.chain([str(rows.schema)], texts)
            for f in gate_scan(text, None)
        )
    if refused:
        raise RecipeError(
            f"recipe {recipe.name}: its {table} table holds a value the second gate refuses "
            "(a projection cannot rebuild what the scrub took out); nothing was written"
        )


def _write_table(dest: str, rel: str, table: Any) -> None:
    """One Parquet file at `dest/rel`, written whole (atomically on a local disk)."""
    import pyarrow.parquet as pq

    location = open_location(dest)
    link = location.link_in(rel)
    try:
        if link is None:
            # Through the folders' descriptors, a new file renamed into place (Location.write): a link
            # swapped in after the check above is refused too.
            location.write(rel, lambda out: pq.write_table(table, out, compression="zstd"))
    except LinkOnWay as exc:
        link = exc.at
    if link is not None:
        # The folder may be a team's: the table would be written wherever the link leads.
        raise RecipeError(f"refusing to write into {safe_line(clip(location.url, 200))}: "
                          f"{safe_line(link)} is a symbolic link; remove it and run the recipe again")

