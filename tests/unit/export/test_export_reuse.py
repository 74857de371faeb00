"""An export folder is safe to export into again (issue 40): an export adds and updates, and removes what
an earlier export wrote only when asked (`--prune`, which lists what goes); an export that writes
nothing, or is refused, leaves nothing behind.

Found: exporting a smaller selection into an existing export folder silently deleted 22 of its 23
sessions; a refused export left an empty folder (the CLI's with a manifest.json)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.cli import main

# Two Pi sessions of the fixtures and a third made by the test, in the month of the second (one parquet
# partition).
SESSIONS = {
    "v1_linear.jsonl": "11111111-aaaa-4bbb-8ccc-000000000001",
    "v3_tree.jsonl": "33333333-aaaa-4bbb-8ccc-000000000003",
}
TWIN = "44444444-aaaa-4bbb-8ccc-000000000004"  # v3_tree's month, another id


@pytest.fixture
def bucket(tmp_path: Path) -> list[str]:
    src = tmp_path / "src"
    src.mkdir()
    for name in SESSIONS:
        shutil.copyfile(FIXTURES / "pi" / name, src / name)
    tree = (FIXTURES / "pi" / "v3_tree.jsonl").read_text()
    (src / "twin.jsonl").write_text(tree.replace(SESSIONS["v3_tree.jsonl"], TWIN))
    args = ["--bucket", str(tmp_path / "b")]
    assert main([*args, "sync", "--source", f"pi={src}"]) == 0
    return args


def _run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _manifest(dest: Path) -> dict:
    return json.loads((dest / "manifest.json").read_bytes())


ALL = sorted([*SESSIONS.values(), TWIN])


@pytest.mark.parametrize("fmt", ["atif", "raw"])
def test_a_smaller_export_into_an_earlier_one_keeps_its_sessions_and_prune_lists_what_goes(
    bucket, tmp_path, capsys, fmt
):
    dest = tmp_path / "out"
    code, out, _ = _run(capsys, *bucket, "export", str(dest), "--format", fmt, "--json")
    assert code == 0 and sorted(_manifest(dest)["sessions"]) == ALL
    files = {p.relative_to(dest) for p in dest.rglob("*") if p.is_file()}
    one = SESSIONS["v1_linear.jsonl"]
    code, out, _ = _run(capsys, *bucket, "export", str(dest), "--format", fmt, "--sessions", one, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["carried"] == 2 and doc["pruned"] == []
    assert sorted(_manifest(dest)["sessions"]) == ALL
    assert {p.relative_to(dest) for p in dest.rglob("*") if p.is_file()} == files
    assert _run(capsys, "export", "--check", str(dest))[0] == 0
    # Said in the plain report too.
    code, out, _ = _run(capsys, *bucket, "export", str(dest), "--format", fmt, "--sessions", one)
    assert code == 0 and "2 kept from earlier exports" in out
    # --prune removes the others, and says which.
    code, out, _ = _run(capsys, *bucket, "export", str(dest), "--format", fmt, "--sessions", one, "--prune")
    assert code == 0
    pruned = [line for line in out.splitlines() if line.startswith("pruned: ")]
    assert sorted(line.split()[2] for line in pruned) == sorted(set(ALL) - {one})
    assert list(_manifest(dest)["sessions"]) == [one]
    assert _run(capsys, "export", "--check", str(dest))[0] == 0
    # What is left is the one session's (the raw export's dataset card, README.md, is the folder's).
    left = [p for p in dest.rglob("*") if p.is_file() and p.name not in ("manifest.json", "README.md")]
    assert left and all(one in p.read_text() for p in left)


def _parquet_sessions(dest: Path) -> list[str]:
    import pyarrow.parquet as pq

    ids: list[str] = []
    for path in sorted((dest / "data" / "sessions").rglob("*.parquet")):
        ids += pq.read_table(path).column("session_id").to_pylist()
    return sorted(ids)


def _parquet_steps(dest: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.read_table(p).num_rows for p in (dest / "data" / "steps").rglob("*.parquet"))


def test_a_parquet_partition_written_again_keeps_the_rows_of_sessions_not_chosen(bucket, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    from tracetui.bucket import Bucket
    from tracetui.export import ExportOptions, Selection, export

    dest = tmp_path / "out"
    library = Bucket.open(tmp_path / "b")
    try:
        # Small shards: the rewritten partition's new files take the earlier files' names.
        first = export(library, dest, ExportOptions("parquet", shard_rows=3))
        assert first.written == 3 and _parquet_sessions(dest) == ALL
        steps = _parquet_steps(dest)
        card = (dest / "README.md").read_text()
        # v3_tree and its twin share a partition: choosing one of them writes it again.
        twin_only = export(library, dest, ExportOptions("parquet", shard_rows=3), Selection(sessions=(TWIN,)))
        assert twin_only.carried == 2
        assert _parquet_sessions(dest) == ALL and _parquet_steps(dest) == steps
        assert (dest / "README.md").read_text() == card
        again = export(library, dest, ExportOptions("parquet", shard_rows=3), Selection(sessions=(TWIN,)))
        assert again.written == 0 and again.unchanged == 1
        pruned = export(
            library, dest, ExportOptions("parquet", shard_rows=3, prune=True), Selection(sessions=(TWIN,))
        )
        assert sorted(p["session"] for p in pruned.pruned) == sorted(set(ALL) - {TWIN})
        assert _parquet_sessions(dest) == [TWIN] and list(_manifest(dest)["sessions"]) == [TWIN]
    finally:
        library.close()
    assert _run(capsys, "export", "--check", str(dest))[0] == 0


def test_a_refused_export_leaves_no_folder_behind(tmp_path, capsys):
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "redact" / "claude" / "projects", src)
    args = ["--bucket", str(tmp_path / "b")]
    assert main([*args, "sync", "--source", f"claude={src}"]) == 0
    dest = tmp_path / "new" / "out"
    code, out, err = _run(capsys, *args, "export", str(dest), "--format", "raw")
    assert code != 0 and "need a decision" in err
    assert not (tmp_path / "new").exists()


def test_an_export_that_writes_nothing_makes_no_folder_and_no_manifest(bucket, tmp_path, capsys, monkeypatch):
    from tracetui.export.run import Exporter

    def refuse_all(self, prepared, build, view=None, structural=None, warmed=None):
        self.refuse(prepared.session.id, "the second gate found sure findings left", [])
        return None

    monkeypatch.setattr(Exporter, "gated", refuse_all)
    for fmt in ("atif", "raw", "parquet"):
        dest = tmp_path / f"out-{fmt}"
        code, out, err = _run(capsys, *bucket, "export", str(dest), "--format", fmt)
        assert code != 0 and "nothing written" in out and err.count("not exported") == 3
        assert not dest.exists(), fmt


def test_a_refused_session_keeps_its_earlier_export(bucket, tmp_path, capsys, monkeypatch):
    from tracetui.export.run import Exporter

    dest = tmp_path / "out"
    assert _run(capsys, *bucket, "export", str(dest), "--format", "atif")[0] == 0
    before = _manifest(dest)
    one = SESSIONS["v1_linear.jsonl"]
    real = Exporter.gated  # every format's gate goes through it

    def refuse_one(self, prepared, build, view=None, structural=None, warmed=None):
        if prepared.session.id == one:
            self.refuse(one, "the second gate found sure findings left", [])
            return None
        return real(self, prepared, build, view, structural, warmed)

    monkeypatch.setattr(Exporter, "gated", refuse_one)
    monkeypatch.setattr("tracetui.export.run.__version__", "0.0.0-another")  # every digest changes
    code, out, err = _run(capsys, *bucket, "export", str(dest), "--format", "atif")
    assert code != 0 and f"not exported: session {one} (its earlier export is kept)" in err
    assert _manifest(dest)["sessions"][one] == before["sessions"][one]
    assert all((dest / rel).is_file() for rel in before["sessions"][one]["files"])
