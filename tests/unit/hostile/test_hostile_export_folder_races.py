"""A plain export folder (`tracetui export DEST`) may sit where others can write: a folder of the
export swapped for a symbolic link between the check for links (`manifest.inside`) and the write.

Found 2026-11-28: the export folder's writer checked each path for links, then wrote, renamed and
removed by the same path, so a folder swapped for a link in between had the file written, the
temporary file renamed, or a stale file removed where the link led. Now each goes through folder
descriptors opened without following a link (`folder_fd`), as a team dataset's writes do."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracetui.errors import TracetuiError
from tracetui.export import manifest
from tracetui.export.manifest import Dest

WAY = "data/steps/agent=pi"


@pytest.fixture
def places(tmp_path) -> tuple[Path, Path]:
    root, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    (outside / "part-00000.parquet").write_bytes(b"precious")  # what a removal through a link takes
    return root, outside


def _open(root: Path, export_format: str) -> Dest:
    """The export opened on a new folder, and the folders it writes into made (as an earlier run did)."""
    dest = Dest.open(root, export_format)
    (root / WAY).mkdir(parents=True)
    return dest


def _swap_after_check(monkeypatch, root: Path, outside: Path) -> list[str]:
    """`manifest.inside` as it is, then the folder `WAY` swapped for a link to `outside` (once)."""
    real, swapped = manifest.inside, list[str]()

    def check_then_swap(at: Path, rel: str) -> Path:
        path = real(at, rel)
        if rel.startswith(WAY + "/") and not swapped:
            (root / WAY).rename(root / "aside")
            (root / WAY).symlink_to(outside)
            swapped.append(rel)
        return path

    monkeypatch.setattr(manifest, "inside", check_then_swap)
    return swapped


def test_a_file_written_after_the_swap_is_refused_and_lands_nowhere(places, monkeypatch):
    root, outside = places
    dest = _open(root, "raw")
    swapped = _swap_after_check(monkeypatch, root, outside)
    with pytest.raises(TracetuiError, match="symbolic link") as caught:
        dest.write(f"{WAY}/card.md", b"written")
    assert swapped and "\n" not in str(caught.value)
    assert sorted(p.name for p in outside.iterdir()) == ["part-00000.parquet"]


def test_a_streamed_file_is_not_renamed_through_a_swapped_folder(places, monkeypatch):
    root, outside = places
    dest = _open(root, "parquet")
    tmp = dest.temp_path(f"{WAY}/part-00001.parquet")
    tmp.write_bytes(b"new rows")
    swapped = _swap_after_check(monkeypatch, root, outside)
    with pytest.raises(TracetuiError, match="symbolic link"):
        dest.adopt(f"{WAY}/part-00001.parquet", tmp)
    assert swapped
    assert sorted(p.name for p in outside.iterdir()) == ["part-00000.parquet"]  # no part-00001 there


def test_a_stale_file_is_not_removed_through_a_swapped_folder(places, monkeypatch):
    root, outside = places
    dest = _open(root, "parquet")
    (root / WAY / "part-00000.parquet").write_bytes(b"the export's own")
    dest.old = {"export": "parquet", "files": {f"{WAY}/part-00000.parquet": {"size": 16}},
                "sessions": {}, "groups": {}}
    swapped = _swap_after_check(monkeypatch, root, outside)
    dest.finish({})
    assert swapped
    assert (outside / "part-00000.parquet").read_bytes() == b"precious"


def test_a_hard_link_at_a_name_the_export_writes_is_replaced_not_written_into(places):
    root, outside = places
    mine = outside / "part-00000.parquet"
    dest = _open(root, "raw")
    (root / "README.md").hardlink_to(mine)
    dest.write("README.md", b"the card")
    assert mine.read_bytes() == b"precious" and (root / "README.md").read_bytes() == b"the card"
