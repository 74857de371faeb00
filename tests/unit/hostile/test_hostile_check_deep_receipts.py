"""`export --check` on a receipt nested deeper than orjson writes again, a secret planted at its bottom:
a receipt file (`receipts/<agent>/<id>.json`) and a Parquet session row's `receipt` column, the
manifest's digest made to match so that the digest check does not hide what the gate reads.

Nested past 254 levels, `loads_whole` refuses the receipt (`TooDeep`) and the check reads it whole as
text. Nested exactly 254 levels with a trail's note at the bottom, it was read (orjson reads it), and
the view that leaves the writer's words out made the note a list of the parts it reads, one level
more than orjson writes: `check` died of "Recursion limit reached" (found 2026-11-29). The token is
made up; no key is, or was, live.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from support.demo_library import module_demo
from support.made_up import github_token

from tracetui.export import ExportOptions, check, export

TOKEN = github_token("deep receipt")
# What the bottom holds: the token as a value, and in the trail's note (`trail.mapping.READ_IN`), whose
# parts the view reads as a list of its own.
BOTTOMS = {
    "value": {"kind": "email", "value": TOKEN},
    "note": {"note": f"paths under /srv/{TOKEN} (as logged) are read in /work/clone"},
}
LEVELS = [2, 253, 254, 255, 300, 1_100]  # 254: as deep as orjson writes; 300 and past 1,024: refused


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from module_demo(tmp_path_factory, "deep-receipts")


def _deep(bottom: dict, levels: int) -> str:
    """`bottom` inside arrays and objects, `levels` deep in all (written as text: orjson nests 254)."""
    text = json.dumps(bottom)
    for i in range(levels - 1):
        text = '{"rows":' + text + "}" if i % 2 else "[" + text + "]"
    return text


def _vouched(dest: Path, rel: str, data: bytes) -> None:
    """`rel` made `data`, the manifest made to vouch for it (digest and size): a stranger's file."""
    (dest / rel).write_bytes(data)
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (dest / "manifest.json").write_text(json.dumps(manifest))


def _reported(dest: Path, rel: str) -> None:
    found = check(dest).problems
    assert [p["file"] for p in found] == [rel], found
    assert "github-token (auto) left" in found[0]["problem"], found


@pytest.mark.parametrize("bottom", sorted(BOTTOMS))
@pytest.mark.parametrize("levels", LEVELS)
def test_a_secret_deep_in_a_receipt_file_is_reported(demo, tmp_path, bottom, levels):
    _, bucket = demo
    dest = tmp_path / "out"
    assert export(bucket, dest, ExportOptions("atif", accept_suggested=True)).refused == []
    assert check(dest).problems == []
    manifest = json.loads((dest / "manifest.json").read_text())
    rel = next(r for r in sorted(manifest["files"]) if r.startswith("receipts/"))
    _vouched(dest, rel, _deep(BOTTOMS[bottom], levels).encode())
    _reported(dest, rel)


@pytest.mark.parametrize("bottom", sorted(BOTTOMS))
@pytest.mark.parametrize("levels", LEVELS)
def test_a_secret_deep_in_a_receipt_column_is_reported(demo, tmp_path, bottom, levels):
    pq = pytest.importorskip("pyarrow.parquet")
    _, bucket = demo
    dest = tmp_path / "out"
    assert export(bucket, dest, ExportOptions("parquet", accept_suggested=True)).refused == []
    path = sorted((dest / "data" / "sessions").rglob("*.parquet"))[0]
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0]["receipt"] = _deep(BOTTOMS[bottom], levels)
    pq.write_table(table.from_pylist(rows, schema=table.schema), path)
    rel = path.relative_to(dest).as_posix()
    _vouched(dest, rel, path.read_bytes())
    _reported(dest, rel)
