"""`export --check` on a machine named like a word of a dataset card (README.md), of DONATION.md or of a
Parquet session row's `receipt` column (`user`, `steps`, `sessions`, `assistant`, `tool_call`, `author`).

The check read those files as text and reported the writer's own words as a leak in an export written
right: the demo's parquet, raw and donated folders all failed it on a host named `user`. It now reads
them by their structure (`check_views.card_view`, `donation_view`, `rows_view`): an export written
under such names passes, and the same file with a name put where a value goes, or a line that is not
the writer's, is still reported. Names and values are made up.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from support.demo_library import module_demo
from support.machine_names import named_machine

import tracetui.export as export_api
from tracetui.export import ExportOptions, check, export

# Words of the card (its prose, its tables, its front matter), of DONATION.md and of a receipt row.
WORDS = ["user", "steps", "sessions", "assistant", "tool_call", "author", "agents", "coding", "dataset",
         "table", "rows", "column", "tags", "license", "train", "default", "alive", "patches", "commits",
         "receipt", "donation", "scrubbed", "detector", "suggested", "kind", "spans", "tracetui", "revision"]
NAME = "user"  # the name the forged files carry where a value goes


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from module_demo(tmp_path_factory, "card-words")


@pytest.fixture(scope="module")
def written(demo, tmp_path_factory) -> dict[str, Path]:
    """The demo exported once in each format on a machine named WORDS, for the forgery tests: each
    forges a copy of its own, as it would the export it wrote itself (what they test is the check)."""
    root = tmp_path_factory.mktemp("card-words-written")
    with pytest.MonkeyPatch.context() as mp:
        named_machine(mp, WORDS)
        return {fmt: _exported(demo, root / fmt, fmt) for fmt in ("parquet", "raw", "donation")}


def _copied(written: dict[str, Path], dest: Path, fmt: str) -> Path:
    shutil.copytree(written[fmt], dest, symlinks=True)
    return dest


def _exported(demo, dest: Path, fmt: str) -> Path:
    _, bucket = demo
    if fmt == "donation":
        donation = export_api.donate(bucket, dest, export_api.DonateOptions(accept_suggested=True))
        assert not donation.export.refused, donation.export.refused
        return dest
    report = export(bucket, dest, ExportOptions(fmt, accept_suggested=True))
    assert report.refused == [], report.refused
    return dest


def _forged(dest: Path, rel: str, old: str, new: str) -> None:
    """`rel` with `old` made `new`, and the manifest made to vouch for it: a stranger's file."""
    path = dest / rel
    data = path.read_bytes()
    assert old.encode() in data, old
    _vouched(dest, rel, data.replace(old.encode(), new.encode(), 1))


def _vouched(dest: Path, rel: str, data: bytes) -> None:
    (dest / rel).write_bytes(data)
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (dest / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("fmt", ["parquet", "raw", "donation"])
def test_an_export_written_on_a_machine_named_so_passes_its_check(demo, tmp_path, monkeypatch, fmt):
    named_machine(monkeypatch, WORDS)
    dest = _exported(demo, tmp_path / "out", fmt)
    assert check(dest).problems == []


@pytest.mark.parametrize("fmt", ["parquet", "raw", "donation"])
def test_on_a_machine_named_user_alone_too(demo, tmp_path, monkeypatch, fmt):
    named_machine(monkeypatch, [NAME])
    dest = _exported(demo, tmp_path / "out", fmt)
    assert check(dest).problems == []


CARD_FORGERIES = [
    ("license: cc-by-4.0", f"license: {NAME}"),  # a front matter value not the writer's
    ("- agent-traces", f"- {NAME}"),  # a tag
    ("pretty_name: Coding-agent", f"{NAME}: Coding-agent"),  # a key not the writer's
    ("- **License:** cc-by-4.0", f"- **License:** {NAME}"),  # a value the card reads
    ("at the revision `HEAD`", f"at the revision `{NAME}`"),  # the revision
    ("outcome labels from git at HEAD}", f"outcome labels from git at {NAME}}}"),  # in the BibTeX note
    ("Claude Code (1)", f"{NAME} (1)"),  # not an agent's label: the line is read whole
    ("## Uses\n", f"## Uses {NAME}\n"),  # a line not the writer's
    ("## Citation\n", f"## Citation\n\n{NAME}\n"),  # a line added
    ("| email | ", f"| {NAME} | "),  # a kind's row: a word of a kind's shape that is no detector's kind
]


@pytest.mark.parametrize("fmt", ["parquet", "raw"])
@pytest.mark.parametrize(("old", "new"), CARD_FORGERIES, ids=[n for _, n in CARD_FORGERIES])
def test_a_name_put_in_the_card_is_still_reported(written, tmp_path, monkeypatch, fmt, old, new):
    named_machine(monkeypatch, WORDS)
    dest = _copied(written, tmp_path / "out", fmt)
    _forged(dest, "README.md", old, new)
    found = check(dest).problems
    assert found and all(p["file"] == "README.md" and "host-name" in p["problem"] for p in found), found


DONATION_FORGERIES = [
    ("licence `cc-by-4.0`", f"licence `{NAME}`"),
    ("Made by tracetui ", f"Made by {NAME} "),
    ("| claude | 1 |", f"| claude {NAME} | 1 |"),
    ("None.\n", f"None.\n{NAME}\n"),
    ("| email | ", f"| {NAME} | "),  # no detector's kind
]


@pytest.mark.parametrize(("old", "new"), DONATION_FORGERIES, ids=[n for _, n in DONATION_FORGERIES])
def test_a_name_put_in_donation_md_is_still_reported(written, tmp_path, monkeypatch, old, new):
    named_machine(monkeypatch, WORDS)
    dest = _copied(written, tmp_path / "out", "donation")
    _forged(dest, "DONATION.md", old, new)
    found = check(dest).problems
    assert found and all(p["file"] == "DONATION.md" and "host-name" in p["problem"] for p in found), found


def _receipt_forged(dest: Path, change) -> str:
    """The first session row with receipt rows, its `receipt` column changed by `change`; its file."""
    pq = pytest.importorskip("pyarrow.parquet")
    for path in sorted((dest / "data" / "sessions").rglob("*.parquet")):
        table = pq.read_table(path)
        rows = table.to_pylist()
        for row in rows:
            if json.loads(row["receipt"]):
                row["receipt"] = json.dumps(change(json.loads(row["receipt"])))
                pq.write_table(table.from_pylist(rows, schema=table.schema), path)
                rel = path.relative_to(dest).as_posix()
                _vouched(dest, rel, path.read_bytes())
                return rel
    raise AssertionError("no session row holds a receipt row")


@pytest.mark.parametrize("change", [
    lambda rows: [{**rows[0], "placeholder": f"<HOST> {NAME}"}, *rows[1:]],  # not a placeholder's shape
    lambda rows: [{**rows[0], "decided_by": f"{NAME} (by hand)"}, *rows[1:]],  # not the writer's word
    lambda rows: [{**rows[0], "note": NAME}, *rows[1:]],  # a key of no receipt's
    lambda rows: [*rows, NAME],
    lambda rows: [{**rows[0], "kind": NAME}, *rows[1:]],  # no detector's kind
], ids=["placeholder", "decided-by", "note", "item", "kind"])
def test_a_name_put_in_the_receipt_column_is_still_reported(written, tmp_path, monkeypatch, change):
    named_machine(monkeypatch, WORDS)
    dest = _copied(written, tmp_path / "out", "parquet")
    rel = _receipt_forged(dest, change)
    found = check(dest).problems
    assert found and all(p["file"] == rel and "host-name" in p["problem"] for p in found), found
