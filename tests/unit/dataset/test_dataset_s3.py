"""A team dataset on S3 (issue 37, docs/dataset.md): two machines (two buckets made from the
fixtures) export concurrently into one s3:// dataset served by moto on 127.0.0.1, again after one log
grows (only that log's files are uploaded), and DuckDB and pyarrow read back exactly the union of both
machines' `ls`."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from shared_data import FIXTURES
from support.moto_s3 import served_s3

from tracetui.cli import main

pytest.importorskip("s3fs", reason="the s3 extra (s3fs) is not installed")
pytest.importorskip("moto.server", reason="moto is not installed (the test extra: moto[s3], flask, flask-cors)")
duckdb = pytest.importorskip("duckdb")
pads = pytest.importorskip("pyarrow.dataset")

DATASET = "s3://team-data/sessions"


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server on a free port of 127.0.0.1, with the dataset's bucket; its environment."""
    with served_s3("team-data") as env:
        yield env


def _machine(tmp: Path, name: str, logs: dict[str, list[Path]]) -> dict[str, Any]:
    """A machine: its own home (cache and state folders), sources and bucket."""
    home = tmp / name
    for agent, files in logs.items():
        (home / "src" / agent).mkdir(parents=True)
        for f in files:
            shutil.copy(f, home / "src" / agent / f.name)
    return {"home": home, "bucket": home / "bucket", "agents": list(logs)}


def _here(machine: dict, s3: dict, monkeypatch, capsys, *args: str) -> str:
    """The CLI in this process, as `machine` (its folders in the environment)."""
    home = machine["home"]
    for key, value in {**s3, "XDG_CACHE_HOME": str(home / "cache"), "XDG_STATE_HOME": str(home / "state"),
                       "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TRACETUI_MACHINE", raising=False)
    capsys.readouterr()
    code = main(["--bucket", str(machine["bucket"]), *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _sync(machine: dict, *here) -> None:
    sources = [a for agent in machine["agents"] for a in ("--source", f"{agent}={machine['home'] / 'src' / agent}")]
    _here(machine, *here, "sync", *sources, "--json")


EXPORT = ("export", DATASET, "--format", "parquet", "--accept-suggested", "--json")


def _ls(machine: dict, *here) -> list[dict]:
    return json.loads(_here(machine, *here, "ls", "--json"))


def _at_once(runs: list[tuple[dict, str, str | None]]) -> list:
    """`publish` of each machine's bucket at the same time, each in a thread of its own."""
    from concurrent.futures import ThreadPoolExecutor

    from tracetui.bucket import Bucket
    from tracetui.dataset import publish
    from tracetui.export import ExportOptions

    def one(machine: dict, name: str, user: str | None):
        bucket = Bucket.open(machine["bucket"])
        try:
            return publish(bucket, DATASET, ExportOptions("parquet", accept_suggested=True), machine=name, user=user)
        finally:
            bucket.close()

    with ThreadPoolExecutor(len(runs)) as pool:
        return [f.result() for f in [pool.submit(one, *run) for run in runs]]


def _fs(s3: dict):
    import s3fs

    return s3fs.S3FileSystem(key="testing", secret="testing", client_kwargs={"endpoint_url": s3["AWS_ENDPOINT_URL"]},
                             skip_instance_cache=True)


def _read_back(s3: dict) -> tuple[set, set, dict]:
    """(machine, agent, session) rows of `sessions` as DuckDB and pyarrow read them; steps per session."""
    fs = _fs(s3)
    table = pads.dataset("team-data/sessions/data/sessions", filesystem=fs, format="parquet",
                         partitioning="hive").to_table(columns=["machine", "agent", "session_id", "steps", "user"])
    arrow = {(r["machine"], r["agent"], r["session_id"]) for r in table.to_pylist()}
    assert len(arrow) == table.num_rows  # no session twice
    # One thread: DuckDB's own threads calling back into s3fs (and moto's threads in this process)
    # is the scan that hangs now and then (duckdb #16501; tracetui copies a remote table first).
    con = duckdb.connect(config={"threads": 1})
    con.register_filesystem(fs)
    glob = "s3://team-data/sessions/data/sessions/*/*/*/*.parquet"
    rows = con.sql(f"SELECT machine, agent, session_id, steps FROM read_parquet('{glob}', hive_partitioning=true)").fetchall()
    duck = {(m, a, s) for m, a, s, _ in rows}
    assert len(duck) == len(rows)
    return arrow, duck, {s: n for _, _, s, n in rows}


@pytest.mark.slow
def test_two_machines_export_into_one_s3_dataset_and_read_back_the_union(tmp_path, s3, monkeypatch, capsys):
    pi_log = FIXTURES / "pi" / "v1_linear.jsonl"
    alpha = _machine(tmp_path, "alpha", {"pi": [pi_log, FIXTURES / "pi" / "v3_tree.jsonl"]})
    beta = _machine(tmp_path, "beta", {"claude": [FIXTURES / "bucket" / "claude" / "-home-dev-widgets" /
                                                  "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90.jsonl"],
                                       "codex": [FIXTURES / "codex" / "current.jsonl"]})
    # alpha's first log is cut short: it grows before the second export.
    grown = alpha["home"] / "src" / "pi" / pi_log.name
    lines = pi_log.read_bytes().splitlines(keepends=True)
    grown.write_bytes(b"".join(lines[:-4]))
    here = (s3, monkeypatch, capsys)
    _sync(alpha, *here)
    _sync(beta, *here)

    # Both at once, in two threads (each its own bucket and staging): alpha and beta named.
    first = _at_once([(alpha, "alpha", "ada"), (beta, "beta", None)])
    beta_id = "beta"
    assert all(not r.export.refused and r.export.written == r.export.sessions for r in first)
    assert all(any(p.startswith("data/") for p in r.uploaded) for r in first)

    fs = _fs(s3)
    own = {m: [p for p in fs.find("team-data/sessions") if f"machine={m}" in p or f"machines/{m}/" in p]
           for m in ("alpha", beta_id)}
    # Nothing else but the dataset's card, which both write from the manifests.
    assert sorted(own["alpha"] + own[beta_id] + ["team-data/sessions/README.md"]) == sorted(fs.find("team-data/sessions"))
    from tracetui.dataset import open_location

    assert open_location(DATASET).machines() == sorted(["alpha", beta_id])

    arrow, duck, steps = _read_back(s3)
    listed = {("alpha", s["agent"], s["id"]) for s in _ls(alpha, *here)} | {
        (beta_id, s["agent"], s["id"]) for s in _ls(beta, *here)}
    assert arrow == duck == listed
    assert len(listed) == 4
    # A query on one machine first: only its partitions (and each table's first file) are copied.
    beta_only = json.loads(_here(beta, *here, "sql", "SELECT agent, count(*) AS n FROM sessions WHERE "
                                 "machine = 'beta' GROUP BY ALL", "--dataset", DATASET, "--json"))  # fmt: skip
    assert {r["agent"]: r["n"] for r in beta_only} == Counter(a for m, a, _ in listed if m == beta_id)
    # `tracetui sql` over the dataset: a count per machine and agent equal to each machine's `ls`.
    counted = json.loads(_here(beta, *here, "sql", "SELECT machine, agent, count(*) AS n FROM sessions GROUP BY ALL",
                               "--dataset", DATASET, "--json"))
    expected: dict[tuple, int] = {}
    for m, a, _ in listed:
        expected[(m, a)] = expected.get((m, a), 0) + 1
    assert {(r["machine"], r["agent"]): r["n"] for r in counted} == expected

    # One log grows; both export again: alpha uploads that log's partition and its manifest only,
    # beta nothing; beta's files are the very same objects.
    grown.write_bytes(b"".join(lines))
    _sync(alpha, *here)
    beta_before = {p: fs.info(p)["ETag"] for p in own[beta_id]}
    again = [json.loads(_here(alpha, *here, *EXPORT, "--machine", "alpha", "--user", "ada")),
             json.loads(_here(beta, *here, *EXPORT, "--machine", "beta"))]
    sid = "11111111-aaaa-4bbb-8ccc-000000000001"
    assert again[0]["written"] == 1 and again[0]["unchanged"] == 1
    data = [p for p in again[0]["uploaded"] if p.startswith("data/")]
    assert data and all("machine=alpha/agent=pi/month=2025-06/" in p for p in data), again[0]["uploaded"]
    assert "machines/alpha/manifest.json" in again[0]["uploaded"]
    assert not any("month=2026-02" in p for p in again[0]["uploaded"])  # the unchanged log's partition
    assert again[1]["uploaded"] == [] and again[1]["removed"] == []
    fs.invalidate_cache()
    assert {p: fs.info(p)["ETag"] for p in own[beta_id]} == beta_before

    arrow, duck, steps_after = _read_back(s3)
    assert arrow == duck == listed
    grown_steps = next(s["steps"] for s in _ls(alpha, *here) if s["id"] == sid)
    assert steps_after[sid] == grown_steps > steps[sid]
