"""`tracetui export --format parquet`: the four tables, partitions and shards, the dataset card, the
outcome labels against a real git history, and no planted secret in any byte (parquet decompressed)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from shared_data import FIXTURES, requires_corpus
from support.built_once import PLANTED_GROUP
from support.peak_memory import run_cli_measured

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.export import ExportOptions, export
from tracetui.export.tables import TABLES

duckdb = pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")

SESSION = "77777777-7777-4777-8777-777777777777"
TOKEN = "ghp_" + "Rk7Tq2Wm9Xv4Lp8Zs3Nc6Hd1Jf5Gb0Ya2Ue7"
PLANTED = "ghp_" + "Zq4Wm8Xr2Tv6Ny1Ks5Lp9Hd3Jf7Gb0Ua4Ce8"  # fake, planted in a corpus session's prompt


def _run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _count(dest: Path, table: str, where: str = "") -> int:
    glob = str(dest / "data" / table / "**" / "*.parquet")
    return duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true) {where}"
    ).fetchall()[0][0]


def _every_byte(dest: Path) -> bytes:
    """Every file as stored, plus every parquet file's rows decompressed (all columns as JSON)."""
    out = []
    for path in sorted(dest.rglob("*")):
        if not path.is_file():
            continue
        out.append(path.read_bytes())
        if path.suffix == ".parquet":
            out.append(json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False).encode())
    return b"\n".join(out)


def _fixture_bucket(tmp_path: Path) -> Bucket:
    bucket = tmp_path / "bucket"
    src = FIXTURES / "redact" / "claude" / "projects"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={src}", "--json"]) == 0
    return Bucket.open(bucket)


def test_parquet_tables_card_and_no_secret_in_any_byte(tmp_path, capsys):
    bucket = _fixture_bucket(tmp_path)
    dest = tmp_path / "out"
    code, out, _ = _run(
        capsys,
        "--bucket",
        str(bucket.root),
        "export",
        str(dest),
        "--format",
        "parquet",
        "--accept-suggested",
        "--license",
        "MIT",
        "--json",
    )
    assert code == 0, out
    [row] = bucket.list_sessions()
    assert _count(dest, "sessions") == 1 and _count(dest, "steps") == row.steps
    assert _count(dest, "tool_calls") == row.tool_calls
    assert _count(dest, "steps", "WHERE agent = 'claude' AND month = '2026-02'") == row.steps
    blob = _every_byte(dest)
    for value in (TOKEN, "jdoe", "jane.roe", "acme-corp"):
        assert value.encode() not in blob, value
    assert b"<GITHUB_TOKEN_1>" in blob or b"GITHUB_TOKEN" in blob
    card = (dest / "README.md").read_text()
    front = card.split("---")[1]
    assert "license: mit" in front
    for table, columns in TABLES.items():
        assert f"config_name: {table}" in front and f"path: data/{table}/**/*.parquet" in front
        section = card.split(f"## {table}\n")[1].split("\n## ")[0]
        for name, _, _ in columns:
            assert f"| `{name}` |" in section, (table, name)
        files = list((dest / "data" / table).rglob("*.parquet"))
        if files:
            assert {f.name for f in pq.read_schema(files[0])} == {c[0] for c in columns}
    rel = duckdb.sql(
        f"SELECT harness, redactions, receipt FROM read_parquet('{dest}/data/sessions/**/*.parquet')"
    )
    [values] = rel.fetchall()
    first = dict(zip(rel.columns, values))
    assert first["harness"] == "claude_code" and first["redactions"] > 0
    receipt = json.loads(first["receipt"])
    assert receipt and all(set(r) == {"placeholder", "kind", "tier", "count", "decided_by"} for r in receipt)
    code, out, _ = _run(capsys, "export", "--check", str(dest), "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, _, err = _run(
        capsys,
        "--bucket",
        str(bucket.root),
        "export",
        str(tmp_path / "x"),
        "--format",
        "parquet",
        "--accept-suggested",
        "--license",
        "cc by; rm -rf",
    )
    assert code == 2 and "--license" in err


def test_shards_bound_the_rows_per_file_and_unchanged_partitions_stay(tmp_path):
    bucket = _fixture_bucket(tmp_path)
    options = ExportOptions("parquet", accept_suggested=True, shard_rows=3)
    dest = tmp_path / "a"
    report = export(bucket, dest, options)
    steps = sorted((dest / "data" / "steps").rglob("*.parquet"))
    assert len(steps) > 1 and all(pq.ParquetFile(p).metadata.num_rows <= 3 for p in steps)
    assert sum(pq.ParquetFile(p).metadata.num_rows for p in steps) == bucket.list_sessions()[0].steps
    assert report.written == 1
    export(bucket, tmp_path / "b", options)
    files = lambda root: {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert files(dest) == files(tmp_path / "b")
    stamps = {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()}
    again = export(bucket, dest, options)
    assert again.written == 0 and again.unchanged == 1
    assert {p: p.stat().st_mtime_ns for p in stamps if p.name != "manifest.json"} == {
        p: t for p, t in stamps.items() if p.name != "manifest.json"
    }


def test_outcome_labels_come_from_the_git_history(tmp_path):
    from tracetui.demo.build import build, open_library
    from tracetui.trail import trail

    demo = build(tmp_path / "demo")
    bucket = open_library(demo)
    dest = tmp_path / "out"
    export(bucket, dest, ExportOptions("parquet", accept_suggested=True))
    got = duckdb.sql(
        "SELECT session_id, state, count(*) "
        f"FROM read_parquet('{dest}/data/patches/**/*.parquet') GROUP BY ALL"
    ).fetchall()
    expected: dict[tuple[str, str], int] = {}
    lines: dict[str, dict[str, int]] = {}
    for row in bucket.list_sessions():
        for fate in trail(bucket.session(row.id)).fates:
            expected[(row.id, fate.state)] = expected.get((row.id, fate.state), 0) + 1
            per = lines.setdefault(row.id, {})
            per[fate.state] = per.get(fate.state, 0) + len(fate.patch.added)
    assert {(s, st): n for s, st, n in got} == expected
    assert {st for _, st in expected} - {"unknown"}, "the demo's trail knows its repository"
    cols = [c for c, kind, _ in TABLES["sessions"] if kind != "timestamp"]
    sessions = duckdb.sql(
        f"SELECT {', '.join(cols)} FROM read_parquet('{dest}/data/sessions/**/*.parquet')"
    ).fetchall()
    for values in sessions:
        row = dict(zip(cols, values))
        per = lines.get(row["session_id"], {})
        for state in ("alive", "transformed", "reverted", "lost"):
            assert row[f"lines_{state}"] == per.get(state, 0)
        assert row["lines_added"] == sum(per.values())
        committed = {f.commit for f in trail(bucket.session(row["session_id"])).fates if f.commit}
        assert sorted(row["commits"]) == sorted(committed)


@requires_corpus
@pytest.mark.corpus
@PLANTED_GROUP
def test_corpus_counts_equal_ls_and_a_planted_secret_is_in_no_byte(tmp_path, tmp_path_factory, capsys):
    from support.built_once import planted_bucket, planted_export
    from support.planted import TOKEN

    # The run's one parquet export of the corpus, made-up secrets planted in a Claude prompt.
    dest, doc = planted_export(tmp_path_factory, "parquet")
    bucket = planted_bucket(tmp_path_factory, tmp_path / "bucket")
    code, out, _ = _run(capsys, "--bucket", str(bucket), "ls", "--json")
    listed = json.loads(out)
    assert doc["refused"] == [], doc["refused"]
    assert _count(dest, "sessions") == len(listed)
    assert _count(dest, "steps") == sum(r["steps"] for r in listed)
    assert _count(dest, "tool_calls") == sum(r["tool_calls"] for r in listed)
    # `edits` is the successful edits, as `ls` and `show` count them (issue 34: it counted failed ones).
    sessions = f"read_parquet('{dest}/data/sessions/**/*.parquet', hive_partitioning=true)"
    edits = duckdb.sql(f"SELECT session_id, edits FROM {sessions}").fetchall()
    assert dict(edits) == {r["id"]: r["edits"] for r in listed}
    per_agent = duckdb.sql(
        "SELECT agent, count(*) "
        f"FROM read_parquet('{dest}/data/sessions/**/*.parquet', hive_partitioning=true) GROUP BY agent"
    ).fetchall()
    assert dict(per_agent) == {
        a: sum(1 for r in listed if r["agent"] == a) for a in {r["agent"] for r in listed}
    }
    blob = _every_byte(dest)
    assert TOKEN.encode() not in blob
    assert re.search(rb"<GITHUB_TOKEN_\d+>", blob)


def test_check_reads_inside_parquet_files(tmp_path, capsys):
    import hashlib

    import pyarrow as pa

    bucket = _fixture_bucket(tmp_path)
    dest = tmp_path / "out"
    export(bucket, dest, ExportOptions("parquet", accept_suggested=True))
    [shard] = (dest / "data" / "steps").rglob("*.parquet")
    table = pq.read_table(shard)
    texts = table.column("text").to_pylist()
    texts[0] = f"left behind: {PLANTED}"
    pq.write_table(
        table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts)),
        shard,
        compression="zstd",
    )
    manifest = json.loads((dest / "manifest.json").read_bytes())
    data = shard.read_bytes()
    rel = shard.relative_to(dest).as_posix()
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (dest / "manifest.json").write_text(json.dumps(manifest))
    code, out, _ = _run(capsys, "export", "--check", str(dest), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["problems"] == [{"file": rel, "problem": doc["problems"][0]["problem"]}]
    assert "github-token" in doc["problems"][0]["problem"] and PLANTED not in out


def test_a_table_with_no_rows_still_has_a_file_with_its_schema(tmp_path):
    bucket_dir = tmp_path / "bucket"
    assert main(["--bucket", str(bucket_dir), "sync", "--source", f"pi={FIXTURES / 'pi'}"]) == 0
    bucket = Bucket.open(bucket_dir)
    dest = tmp_path / "out"
    report = export(bucket, dest, ExportOptions("parquet", accept_suggested=True))
    assert report.written == report.sessions > 0
    for table, columns in TABLES.items():
        files = list((dest / "data" / table).rglob("*.parquet"))
        assert files, table
        assert {f.name for f in pq.read_schema(files[0])} == {c[0] for c in columns}
    partitions = {
        f.parent.relative_to(dest / "data" / "sessions")
        for f in (dest / "data" / "sessions").rglob("*.parquet")
    }
    for table in TABLES:
        assert partitions == {
            f.parent.relative_to(dest / "data" / table) for f in (dest / "data" / table).rglob("*.parquet")
        }


def test_a_value_scrubbed_everywhere_leaves_a_patch_row_s_op_state_and_commit(tmp_path):
    """A real session's .env held `ddl-auto=update`; scrubbing that value by value made the patches
    table's op column `<ENV_VALUE_3>`. The diff (text) loses the word; the format's columns keep theirs."""
    import sys

    sys.path.insert(0, str(FIXTURES / "capsule"))
    import capsule_kit as kit

    from tracetui.capsule import scrub
    from tracetui.export.labels import Outcome
    from tracetui.export.run import Prepared
    from tracetui.export.tables import patch_rows
    from tracetui.trail import trail

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo, extra_text=" with ddl-auto=update; alive transformed reverted lost unknown")
    fates = trail(session, repo=repo).fates
    words = {"update": ("env-value", "auto"), "Adds": ("name", "auto")}
    for fate in fates:
        words[fate.state] = ("name", "auto")
    scrubbed = scrub.prepare(session, kit.find_values(session, words), accept_suggested=False, key=None)
    rows = list(patch_rows(Prepared(session, scrubbed, Outcome(fates=fates))))
    assert [(r["op"], r["state"], r["commit"]) for r in rows] == [(f.patch.op, f.state, f.commit) for f in fates]
    assert "update" in {r["op"] for r in rows} and not any("Adds" in r["diff"] for r in rows)


def test_the_card_says_which_agents_months_and_outcome_labels_the_dataset_holds(tmp_path):
    """A reader of the card learns what is in it before reading a file: the agents and their
    sessions, the months, and the balance of the survival labels (the same after an export that
    kept every group unchanged)."""
    from tracetui.demo.build import build, open_library

    bucket = open_library(build(tmp_path / "demo"))
    dest = tmp_path / "out"
    agents = sorted(r.agent for r in bucket.list_sessions())
    for _ in range(2):  # written, then kept unchanged
        export(bucket, dest, ExportOptions("parquet", accept_suggested=True))
        card = (dest / "README.md").read_text()
        assert f"{len(agents)} sessions of coding agents: Claude Code (1), Codex CLI (1), Pi (1), started" in card
        assert agents == ["claude", "codex", "pi"]
        glob = f"{dest}/data/patches/**/*.parquet"
        counts = duckdb.sql(f"SELECT state, count(*) FROM read_parquet('{glob}') GROUP BY state").fetchall()
        assert {state for state, _ in counts} - {"unknown"}
        table = card.split("| survival of the patches | patches |\n| --- | --- |\n")[1].split("\n\n")[0]
        assert sorted(line.strip("| ").split(" | ") for line in table.splitlines()) == sorted(
            [state, str(n)] for state, n in counts)


def test_a_card_from_a_manifest_naming_a_strange_agent_keeps_it_one_plain_word():
    from tracetui.export.card import Contents, dataset_card

    card = dataset_card("mit", "HEAD", {}, Contents({"claude": 2, "x`|\n## injected": 1}, {"alive": 3}, ["2026-01"]))
    assert "Claude Code (2), x## injected (1)" in card and "\n## injected" not in card
    assert "| alive | 3 |" in card


def _replace_shard(dest: Path, shard: Path, table) -> str:
    import hashlib

    pq.write_table(table, shard, compression="zstd")
    manifest = json.loads((dest / "manifest.json").read_bytes())
    data = shard.read_bytes()
    rel = shard.relative_to(dest).as_posix()
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (dest / "manifest.json").write_text(json.dumps(manifest))
    return rel


@pytest.mark.parametrize("shape", ["rows", "one-row-list", "not-parquet"])
def test_check_of_a_parquet_bomb_is_one_problem_line_not_gigabytes(tmp_path, shape):
    """An export received to check is a stranger's: a 200 KB Parquet file of one dictionary value
    repeated 2,000,000 times is 2 GB of text once decoded (as rows, or as one row's list), and a file
    named .parquet may be no Parquet at all. Each is one problem line, decoded no further."""
    import pyarrow as pa

    bucket = _fixture_bucket(tmp_path)
    dest = tmp_path / "out"
    export(bucket, dest, ExportOptions("parquet", accept_suggested=True))
    [shard] = (dest / "data" / "steps").rglob("*.parquet")
    n = 2_000_000
    repeated = pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array(["a" * 1000]))
    if shape == "rows":
        rel = _replace_shard(dest, shard, pa.table({"text": repeated}))
    elif shape == "one-row-list":
        rel = _replace_shard(dest, shard, pa.table({"tools": pa.ListArray.from_arrays(pa.array([0, n]), repeated)}))
    else:
        import hashlib

        shard.write_bytes(b"PAR1" + b"\xff" * 64 + b"PAR1")
        manifest = json.loads((dest / "manifest.json").read_bytes())
        rel = shard.relative_to(dest).as_posix()
        data = shard.read_bytes()
        manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        (dest / "manifest.json").write_text(json.dumps(manifest))
    assert shard.stat().st_size < 1_000_000
    done = run_cli_measured("export", "--check", str(dest), "--json")
    assert done.cpu_s < 30
    assert 0 < done.grown_kb < 600_000, done.stderr[-2000:]
    doc = json.loads(done.stdout)
    assert done.returncode == 1 and [p["file"] for p in doc["problems"]] == [rel], doc
    assert "\n" not in doc["problems"][0]["problem"] and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "claimed, inflates_to, pages",
    [
        ((1 << 31) - 1, (1 << 31) - 1, 1),  # one page that says, and holds, 2 GB
        (900 << 20, 900 << 20, 3),  # pages each a little past the child's memory
        (100, 1 << 30, 1),  # a page that claims 100 bytes and inflates to 1 GB
    ],
)
def test_check_of_parquet_pages_that_inflate_to_gigabytes_is_bounded_for_real(
    tmp_path, claimed, inflates_to, pages
):
    """A hand-built file of a few tens of KB whose zstd pages inflate to GBs of one byte (RLE blocks):
    Arrow believes a page header's size and inflates the page whole before a row can be counted, so
    the count of decoded rows never saw it (2 GB of memory and 5 s of CPU in tracetui's own process).
    Now the rows are decoded in a child under a memory and CPU limit: one problem line naming the
    file, the other files still checked, and tracetui's process stays small."""
    import hashlib

    sys.path.insert(0, str(FIXTURES))
    from parquet_forge import lying_parquet

    bucket = _fixture_bucket(tmp_path)
    dest = tmp_path / "out"
    export(bucket, dest, ExportOptions("parquet", accept_suggested=True))
    [shard] = (dest / "data" / "steps").rglob("*.parquet")
    shard.write_bytes(lying_parquet(claimed, inflates_to, pages))
    assert shard.stat().st_size < 200_000
    manifest = json.loads((dest / "manifest.json").read_bytes())
    rel = shard.relative_to(dest).as_posix()
    data = shard.read_bytes()
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (dest / "manifest.json").write_text(json.dumps(manifest))
    done = run_cli_measured("export", "--check", str(dest), "--json")
    assert done.cpu_s < 10
    assert 0 < done.grown_kb < 300_000, done.stderr[-2000:]
    assert 0 < done.children_peak_kb < 1_500_000  # the child that decodes the rows, under its limit
    doc = json.loads(done.stdout)
    assert done.returncode == 1 and [p["file"] for p in doc["problems"]] == [rel], doc
    assert doc["files"] == len(manifest["files"])
    assert "\n" not in doc["problems"][0]["problem"] and "Traceback" not in done.stderr


def test_the_parquet_reading_child_imports_nothing_from_the_folder_it_checks(tmp_path, capsys, monkeypatch):
    """The child that decodes the rows is a new Python: run inside a received export (or with a
    PYTHONPATH naming it), a `pyarrow.py` or `orjson.py` there must not be what it imports."""
    bucket = _fixture_bucket(tmp_path)
    dest = tmp_path / "out"
    export(bucket, dest, ExportOptions("parquet", accept_suggested=True))
    canary = tmp_path / "ran"
    for name in ("pyarrow.py", "orjson.py", "importlib.py", "sitecustomize.py"):
        (dest / name).write_text(f"open({str(canary)!r}, 'a').write('{name}')\n")
    monkeypatch.chdir(dest)
    monkeypatch.setenv("PYTHONPATH", str(dest))
    monkeypatch.setenv("PYTHONSTARTUP", str(dest / "pyarrow.py"))
    code, out, _ = _run(capsys, "export", "--check", str(dest), "--json")
    doc = json.loads(out)
    assert code == 1 and {p["problem"] for p in doc["problems"]} == {"not in the manifest"}, doc
    assert not canary.exists()


def test_a_price_of_part_of_the_usage_is_a_lower_bound_in_the_sessions_table(tmp_path):
    """A Claude Code response logged as its stream began (no stop reason, one output token for a
    long answer) makes `cost_usd` a lower bound: the sessions table says so, as `ls` does."""
    src = tmp_path / "projects" / "-w-shop"
    src.mkdir(parents=True)
    sid = "5e2c4b1a-0d7e-4f7c-9a51-3c2b1d0e9f8a"
    base = {"sessionId": sid, "cwd": "/w/shop", "version": "2.1.20", "timestamp": "2026-02-03T10:00:00.000Z"}
    answer = {"id": "msg_1", "role": "assistant", "model": "claude-sonnet-4-5-20250929", "stop_reason": None,
              "content": [{"type": "text", "text": "The notes are tidy now. " * 10}],
              "usage": {"input_tokens": 50, "output_tokens": 1}}  # fmt: skip
    lines = [
        base | {"type": "user", "uuid": "u1", "parentUuid": None,
                "message": {"role": "user", "content": "Tidy"}},
        base | {"type": "assistant", "uuid": "a1", "parentUuid": "u1", "message": answer},
    ]
    (src / f"{sid}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={src.parent}", "--json"]) == 0
    fixture = FIXTURES / "redact" / "claude" / "projects"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={fixture}", "--json"]) == 0
    with Bucket.open(bucket) as opened:
        listed = {r.id: r.cost_lower_bound for r in opened.list_sessions()}
        export(opened, tmp_path / "out", ExportOptions("parquet", accept_suggested=True))
    glob = f"{tmp_path}/out/data/sessions/**/*.parquet"
    rows = duckdb.sql(f"SELECT session_id, cost_usd, cost_lower_bound FROM read_parquet('{glob}')").fetchall()
    assert {r[0]: r[2] for r in rows} == listed == {sid: True, SESSION: False}
    assert {r[0]: r[1] for r in rows}[sid] > 0  # priced: the part the log counts
