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
