"""Datasets: many machines' Parquet exports in one place (docs/dataset.md).

Public API (the CLI and the app call only these):

- `open_location(url) -> Location(fs, root, url)`: a dataset URL's fsspec filesystem and path;
  `is_url(dest)`; `TABLES`.
- `with dataset_tables(location, only=None) as tables`: `{table: pyarrow.dataset.Dataset}`, read
  within the block.
- `machine_id(name=None) -> str`: this machine's stable id (its partition `machine=<id>`).
- `query(sql, dataset=None, library=None, progress=None) -> QueryResult(columns, rows)`: one SELECT
  over a dataset's four tables or the bucket's own, in a DuckDB that can reach nothing else.
- `load_recipe(path) -> Recipe` (RecipeError: one line), `run_recipe(library, recipe, dest, progress,
  machine, user, repo) -> RecipeReport`: a recipe (docs/recipes.md) on the user's own bucket.
- `publish(library, url, ExportOptions, Selection, progress, machine, user) -> PublishReport`: this
  machine's export into the dataset, uploading only what changed.
- `open_dataset(url, cache, background) -> DatasetLibrary`: a read-only `Library` for the app.
- `check_dataset(url) -> DatasetCheck`: `export --check URL` (docs/dataset.md).
"""

from typing import TYPE_CHECKING, Any

from tracetui.dataset.library import DatasetLibrary, open_dataset
from tracetui.dataset.location import TABLES, Location, is_url, open_location
from tracetui.dataset.machine import machine_id
from tracetui.dataset.publish import PublishReport, publish
from tracetui.dataset.query import QueryResult, query

if TYPE_CHECKING:
    from tracetui.dataset.check import DatasetCheck, check_dataset
    from tracetui.dataset.recipe import Recipe, RecipeError, RecipeReport, load_recipe, run_recipe
    from tracetui.dataset.tables import dataset_tables

# Checks, recipes and the bucket's tables bring the export, the review and the detectors (about a
# second of imports): imported when first asked for, so `tracetui --dataset` draws without them. (A
# name its module shares, `publish` and `query`, stays above: importing the module would shadow it.)
_LATER = {
    "DatasetCheck": "check", "check_dataset": "check", "Recipe": "recipe", "RecipeError": "recipe",
    "RecipeReport": "recipe", "load_recipe": "recipe", "run_recipe": "recipe", "dataset_tables": "tables",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LATER:
        import importlib

        return getattr(importlib.import_module(f"tracetui.dataset.{_LATER[name]}"), name)
    raise AttributeError(f"module 'tracetui.dataset' has no attribute {name!r}")


__all__ = [
    "TABLES",
    "DatasetCheck",
    "DatasetLibrary",
    "Location",
    "PublishReport",
    "QueryResult",
    "Recipe",
    "RecipeError",
    "RecipeReport",
    "check_dataset",
    "dataset_tables",
    "is_url",
    "load_recipe",
    "machine_id",
    "open_dataset",
    "open_location",
    "publish",
    "query",
    "run_recipe",
]
