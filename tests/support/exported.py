"""What export tests share: a bucket of one Pi session exported as ATIF once (what the tests of an
export folder someone else may have filled start from), and a count of the sessions an export works
out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from shared_data import FIXTURES

import tracetui.export.run as run
from tracetui.cli import main
from tracetui.model import Session


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


def sessions_worked_out(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """The ids of the sessions an export calls `run.<name>` for (its outcome, its plan's refresh), in
    order; the real function still runs."""
    calls: list[str] = []
    real = getattr(run, name)

    def counted(session: Session, *args: object, **kwargs: object) -> object:
        calls.append(session.id)
        return real(session, *args, **kwargs)

    monkeypatch.setattr(run, name, counted)
    return calls
