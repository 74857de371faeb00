"""Team datasets for the tests of `tracetui --dataset`: the hand-made logs exported with the real
parquet export, one bucket per machine, into `machine=<id>/` folders of one dataset; and a hostile
copy of a dataset, every text cell poisoned."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from support.cli_zygote import forked_cli
from tracetui.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROOT = FIXTURES.parent.parent
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


def months_dataset(root: Path, machines, agents, months, per_file: int) -> int:
    """`root`: a made-up sessions table of every machine, agent and month (`per_file` sessions in each
    partition's file, in docs/dataset.md's layout), as the tests of a big dataset's first screen want
    it; the number of sessions. Session ids are `<machine>-<agent>-<month>-<n>`."""
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    for machine in machines:
        for agent in agents:
            for month in months:
                ids, started, titles = [], [], []
                for i in range(per_file):
                    ids.append(f"{machine}-{agent}-{month}-{i}")
                    day = 1 + i + 5 * agents.index(agent) + machines.index(machine)
                    started.append(datetime.fromisoformat(f"{month}-{day:02d}T10:00:00").replace(tzinfo=UTC))
                    titles.append(f"made up session {n}")
                    n += 1
                table = pa.table({"session_id": ids, "agent": [agent] * per_file, "title": titles,
                                  "started": pa.array(started, pa.timestamp("ms", tz="UTC")),
                                  "steps": pa.array([4] * per_file, pa.int32()), "project": ["widgets"] * per_file,
                                  "machine": [machine] * per_file, "month": [month] * per_file})  # fmt: skip
                folder = root / "data" / "sessions" / f"machine={machine}" / f"agent={agent}" / f"month={month}"
                folder.mkdir(parents=True)
                pq.write_table(table, folder / "part-00000.parquet")
    return n


def small_dataset(root: Path, column: str = "title") -> Path:
    """A small dataset in docs/dataset.md's layout: two sessions of machine x, each table one file
    (`column` a column of every table, the steps' too)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for table in ("sessions", "steps", "tool_calls", "patches"):
        folder = root / "data" / table / "machine=x" / "agent=pi" / "month=2026-01"
        folder.mkdir(parents=True)
        rows: dict[str, list[Any]] = {"session_id": ["s1", "s2"], "agent": ["pi", "pi"], column: ["one", "two"]}
        if table == "steps":
            rows |= {"step_id": ["a", "b"], "index": [0, 0], "kind": ["user", "user"], "text": ["hi", "hi"]}
        pq.write_table(pa.table(rows), folder / "part-00000.parquet")
    (root / "machines" / "x").mkdir(parents=True)
    (root / "machines" / "x" / "README.md").write_text("a card\n")
    return root


def cli_in_child(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The CLI run in a child process with its caches under `home`: a hostile dataset's read that
    never ends (a FIFO) or a memory bomb then costs the child, never the test run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state")}  # fmt: skip
    return forked_cli(*args, env=env, timeout=timeout)
