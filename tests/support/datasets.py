"""Team datasets for the tests of `tracetui --dataset`: the hand-made logs exported with the real
parquet export, one bucket per machine, into `machine=<id>/` folders of one dataset; and a hostile
copy of a dataset, every text cell poisoned."""

from __future__ import annotations

from pathlib import Path

from tracetui.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Which hand-made logs each machine of the team dataset exported.
MACHINES = {
    "alpha": ["claude=" + str(FIXTURES / "claude")],
    "beta": ["pi=" + str(FIXTURES / "pi")],
}


def team_dataset(root: Path) -> Path:
    """`root/dataset`: each machine's bucket synced from its logs and exported (parquet) into
    `dataset/machine=<id>/`, as a team's machines write one dataset. Returns the dataset folder."""
    dataset = root / "dataset"
    for machine, sources in MACHINES.items():
        bucket = root / f"bucket-{machine}"
        argv = ["--bucket", str(bucket), "sync", "--json"]
        for source in sources:
            argv += ["--source", source]
        assert main(argv) == 0
        dest = dataset / f"machine={machine}"
        assert main(["--bucket", str(bucket), "export", str(dest), "--format", "parquet", "--accept-suggested",
                     "--json"]) == 0  # fmt: skip
    return dataset


def poisoned(source: Path, dest: Path, text: str, machine: str) -> Path:
    """A copy of the dataset at `source` with `text` appended to every string cell but the ids that
    link its tables, and a `machine` column of `machine` on every sessions row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    keep = {"session_id", "step_id", "agent", "month", "kind", "role", "state"}
    for path in sorted(source.rglob("*.parquet")):
        table = pq.read_table(path)
        columns = {}
        for field in table.schema:
            values = table.column(field.name).to_pylist()
            if pa.types.is_string(field.type) and field.name not in keep:
                values = [None if v is None else v + text for v in values]
            columns[field.name] = pa.array(values, type=field.type)
        if "sessions" in path.parts:
            columns["machine"] = pa.array([machine] * table.num_rows, type=pa.string())
        out = dest / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), out)
    return dest


def three_session_bucket(home: Path) -> Path:
    """`home/bucket`: two Pi sessions and one Claude Code session, copied from the hand-made logs and
    synced (the recipe and sql tests' bucket)."""
    import shutil

    files = {"pi": [FIXTURES / "pi" / "v1_linear.jsonl", FIXTURES / "pi" / "v3_tree.jsonl"],
             "claude": [FIXTURES / "bucket" / "claude" / "-home-dev-widgets" /
                        "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90.jsonl"]}  # fmt: skip
    for agent, paths in files.items():
        (home / "src" / agent).mkdir(parents=True)
        for f in paths:
            shutil.copy(f, home / "src" / agent)
    bucket = home / "bucket"
    argv = ["--bucket", str(bucket), "sync", "--json"]
    argv += ["--source", f"pi={home / 'src' / 'pi'}", "--source", f"claude={home / 'src' / 'claude'}"]
    assert main(argv) == 0
    return bucket
