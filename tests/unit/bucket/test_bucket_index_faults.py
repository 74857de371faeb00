"""A damaged index is rebuilt with one line; `doctor` repairs; read-only and full buckets stay usable;
a sync killed at any point leaves an index that the next sync makes equal to a clean one."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from shared_data import CORPUS, FIXTURES, ROOT
from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.errors import TracetuiError



def _sources(tmp_path: Path) -> dict[str, list[Path]]:
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "bucket", src)
    return {"claude": [src / "claude"], "pi": [src / "pi"]}


def _synced(tmp_path: Path) -> tuple[Path, dict[str, list[Path]], list[dict]]:
    sources = _sources(tmp_path)
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(sources)
        rows = [r.to_dict() for r in bucket.list_sessions()]
    assert len(rows) == 2
    return tmp_path / "b", sources, rows


def _corrupt(index: Path, how: str) -> None:
    data = bytearray(index.read_bytes())
    if how == "random bytes in the middle":
        rng = random.Random(3)
        for i in range(len(data) // 3, len(data) // 3 + 4096):
            data[i] = rng.randrange(256)
        index.write_bytes(bytes(data))
    elif how == "truncated":
        index.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "zero bytes":
        index.write_bytes(b"")
    elif how == "garbage":
        index.write_bytes(b"not a database at all\n" * 200)
    elif how == "damaged wal":
        for suffix in ("-wal", "-shm"):
            Path(f"{index}{suffix}").write_bytes(os.urandom(8192))


@pytest.mark.parametrize("how", ["random bytes in the middle", "truncated", "zero bytes", "garbage", "damaged wal"])
def test_a_damaged_index_is_rebuilt_on_the_next_command_with_one_line(tmp_path, capsys, how):
    bucket_dir, _, rows = _synced(tmp_path)
    _corrupt(bucket_dir / "index.sqlite", how)
    code = main(["--bucket", str(bucket_dir), "ls", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    got = orjson.loads(out)
    assert sorted(r["id"] for r in got) == sorted(r["id"] for r in rows)
    if how != "damaged wal" or "rebuilt" in err:  # SQLite may simply ignore a WAL it cannot use
        assert err.count("\n") == 1 and "rebuilt it from the bucket's copies (2 sessions)" in err


def test_the_app_shows_the_rebuild_as_a_notice(tmp_path):
    bucket_dir, _, _ = _synced(tmp_path)
    _corrupt(bucket_dir / "index.sqlite", "garbage")
    bucket = Bucket.open(bucket_dir)
    assert len(bucket.list_sessions()) == 2
    assert len(bucket.notices) == 1 and "rebuilt" in bucket.notices[0]
    bucket.close()


def test_doctor_repairs_temp_files_sidecars_and_the_index(tmp_path, capsys):
    bucket_dir, sources, rows = _synced(tmp_path)
    raw = bucket_dir / "raw"
    (raw / ".abc.json.99999999.tmp").write_bytes(b"left by a killed sync")
    sidecar = sorted(raw.glob("*.json"))[0]
    sidecar.write_bytes(b"{damaged")
    assert main(["--bucket", str(bucket_dir), "doctor", "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    whats = [p["what"] for p in report["problems"]]
    assert report["healthy"] and any("temporary" in w for w in whats) and "a damaged sidecar" in whats
    assert not list(raw.glob(".*.tmp"))
    assert main(["--bucket", str(bucket_dir), "doctor"]) == 0
    assert "is healthy" in capsys.readouterr().out
    with Bucket.open(bucket_dir) as bucket:
        assert len(bucket.list_sessions()) == 2


def test_doctor_finds_a_shard_whose_search_index_lost_its_rows_and_rebuilds_it(tmp_path, capsys):
    import sqlite3

    from tracetui.bucket import shards

    bucket_dir, sources, rows = _synced(tmp_path)
    with Bucket.open(bucket_dir) as bucket:
        found = [h.to_dict() for h in bucket.search("hello")]
    assert found
    # Damage the light check does not see: the FTS index of a shard emptied under its rows.
    for k in range(shards.SHARDS):
        if shards.path(bucket_dir, k).exists():
            conn = sqlite3.connect(shards.path(bucket_dir, k))
            conn.execute("INSERT INTO steps_fts(steps_fts) VALUES ('delete-all')")
            conn.commit()
            conn.close()
    with Bucket.open(bucket_dir) as bucket:
        assert bucket.search("hello") == []
    assert main(["--bucket", str(bucket_dir), "doctor", "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["healthy"] and any("step shard was damaged" in p["what"] for p in report["problems"])
    with Bucket.open(bucket_dir) as bucket:
        assert [h.to_dict() for h in bucket.search("hello")] == found


def test_doctor_says_what_it_cannot_repair(tmp_path, capsys):
    bucket_dir, sources, _ = _synced(tmp_path)
    for roots in sources.values():
        for root in roots:
            shutil.rmtree(root)
    for copy in (bucket_dir / "raw").glob("*.zst"):
        copy.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 64)
    assert main(["--bucket", str(bucket_dir), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "NOT repaired: a damaged copy, and the log is gone" in out


def _mount_tmpfs(target: Path, size: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)], capture_output=True)
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.fixture
def mount_point(tmp_path):
    target = tmp_path / "mnt"
    if os.geteuid() != 0 or not _mount_tmpfs(target, "64m"):
        pytest.skip("mounting a small filesystem needs root and permission to mount")
    yield target
    _umount(target)


def test_a_read_only_bucket_lists_shows_and_searches(tmp_path, mount_point, capsys):
    bucket_dir, sources, rows = _synced(tmp_path)
    shutil.copytree(bucket_dir, mount_point / "b")
    subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
    ro = str(mount_point / "b")
    assert main(["--bucket", ro, "ls", "--json"]) == 0
    assert sorted(r["id"] for r in orjson.loads(capsys.readouterr().out)) == sorted(r["id"] for r in rows)
    assert main(["--bucket", ro, "show", rows[0]["id"][:8], "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["id"] == rows[0]["id"]
    assert main(["--bucket", ro, "search", "xylophonic", "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)
    assert main(["--bucket", ro, "sync", "--source", f"pi={sources['pi'][0]}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "read-only" in err


def test_a_full_disk_names_the_bucket_leaves_no_temp_files_and_keeps_the_last_state(tmp_path):
    target = tmp_path / "small"
    if os.geteuid() != 0 or not _mount_tmpfs(target, "400k"):
        pytest.skip("mounting a small filesystem needs root and permission to mount")
    try:
        src = tmp_path / "src"
        (src / "p").mkdir(parents=True)
        with Bucket.open(target / "b") as bucket:
            import json

            log = src / "p" / "2026-01-01T00-00-00-000Z_dddddddd-0000-4000-8000-000000000001.jsonl"
            lines = [{"type": "session", "version": 3, "id": "dddddddd-0000-4000-8000-000000000001",
                      "timestamp": "2026-01-01T00:00:00.000Z", "cwd": "/home/u/p"}]  # fmt: skip
            lines.append({"type": "message", "id": "m1", "parentId": None, "timestamp": "2026-01-01T00:00:01.000Z",
                          "message": {"role": "user", "content": [{"type": "text", "text": "hello"}]}})  # fmt: skip
            log.write_text("".join(json.dumps(x) + "\n" for x in lines))
            bucket.sync({"pi": [src]})
            [before] = bucket.list_sessions()
            # Fill the disk, then give the log a megabyte that will not compress away.
            filler = target / "filler"
            with open(filler, "wb", buffering=0) as fh:
                try:
                    while True:
                        fh.write(os.urandom(16384))
                except OSError:
                    pass
            with open(log, "a") as fh:
                for i in range(40):
                    fh.write(json.dumps({"type": "message", "id": f"x{i}", "parentId": "m1",
                                         "timestamp": "2026-01-01T00:00:02.000Z", "message": {"role": "user",
                                         "content": [{"type": "text", "text": os.urandom(20000).hex()}]}}) + "\n")  # fmt: skip
            try:
                report = bucket.sync({"pi": [src]})
                messages = [e.error for e in report.errors]
                assert messages and all("cannot write the bucket's copy" in m or "index" in m for m in messages)
                assert not any("cannot read" in m for m in messages)
            except TracetuiError as exc:
                assert "bucket index" in str(exc) and "rollback" not in str(exc)
            assert not [p for p in (target / "b").rglob("*.tmp")], "temporary files were left behind"
            [after] = bucket.list_sessions()
            assert after.id == before.id and after.steps >= before.steps
    finally:
        _umount(target)


def _snapshot(bucket_dir: Path) -> list:
    with Bucket.open(bucket_dir) as bucket:
        rows = []
        for r in bucket.list_sessions():
            d = r.to_dict()
            d.pop("note", None)
            rows.append((d, [s.to_dict() for s in bucket.session(r.id).steps]))
    return rows


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the real session logs are not at ../shared/corpus")
def test_a_sync_killed_at_random_points_heals_to_a_clean_sync(tmp_path):
    src = tmp_path / "src"
    for agent in ("claude", "codex", "pi"):
        (src / agent).mkdir(parents=True)
        for p in sorted((CORPUS / agent).glob("*.jsonl"))[:6]:
            shutil.copyfile(p, src / agent / p.name)
    sources = {a: [str(src / a)] for a in ("claude", "codex", "pi")}
    clean = tmp_path / "clean"
    with Bucket.open(clean) as bucket:
        bucket.sync({a: [Path(p) for p in ps] for a, ps in sources.items()})
    expected = _snapshot(clean)
    code = (
        "import sys, orjson\nfrom pathlib import Path\nfrom tracetui.bucket import Bucket\n"
        "with Bucket.open(sys.argv[1]) as b:\n"
        "    b.sync({a: [Path(p) for p in ps] for a, ps in orjson.loads(sys.argv[2]).items()})\n"
    )
    rng = random.Random(11)
    for attempt in range(4):
        victim = tmp_path / f"killed{attempt}"
        for _ in range(3):  # several kills into the same bucket before it may finish
            proc = subprocess.Popen([sys.executable, "-c", code, str(victim), orjson.dumps(sources).decode()],
                                    env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)  # fmt: skip
            time.sleep(rng.uniform(0.05, 0.8))
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        with Bucket.open(victim) as bucket:
            bucket.sync({a: [Path(p) for p in ps] for a, ps in sources.items()})
        assert _snapshot(victim) == expected, f"attempt {attempt}"
