"""A team's Parquet dataset (what `tracetui export --format parquet` writes, on disk or behind an
fsspec URL) opened as a read-only `Library`, so the app browses it as it does a bucket."""

from tracetui.dataset.library import DatasetLibrary, open_dataset

__all__ = ["DatasetLibrary", "open_dataset"]
