"""A bucket of one Pi session exported as ATIF once: what the tests of an export folder someone else
may have filled start from."""

from __future__ import annotations

import shutil
from pathlib import Path

from shared_data import FIXTURES

from tracetui.cli import main


def atif_export(tmp_path: Path) -> tuple[list[str], Path]:
    """(the bucket's arguments, the export folder)."""
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "pi" / "v3_tree.jsonl", folder / "a.jsonl")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"pi={folder}"]) == 0
    dest = tmp_path / "dest"
    assert main([*bucket, "export", "--format", "atif", str(dest)]) == 0
    return bucket, dest
