"""An ATIF or raw export's review and write on worker processes (`export/write_pool.py`,
`export/files_made.py`): the folder, the report and the export keys are byte for byte those the
exporting process makes alone, a worker that dies leaves its session to the exporting process, and a
raw log name another session took meanwhile is made again here. Workers that cannot set up are
tested for every format in test_export_write_pool.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.gate_kit import V3, twins_bucket, v3_tree
from support.write_pool_kit import BAD, IDS, TOKEN, dying, force_pool, plans_unsettled
from support.write_pool_kit import alike as _alike
from support.write_pool_kit import counting_spawns as _counting_spawns
from support.write_pool_kit import exported as _export
from support.write_pool_kit import exported_here as _here
from support.write_pool_kit import files as _files
from support.write_pool_kit import keys as _keys

from tracetui.cli import main
from tracetui.export import ExportProgress, write_pool
from tracetui.export.verify import check
from tracetui.export.writers import RawWriter

FORMATS = ["atif", "raw"]


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    return twins_bucket(tmp_path, IDS)


@pytest.fixture
def pool(monkeypatch) -> list[write_pool.WritePool]:
    return force_pool(monkeypatch)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_pool_makes_the_folder_and_keys_this_process_makes(bucket, tmp_path, monkeypatch, pool, fmt):
    plans_unsettled(monkeypatch)
    here = _here(bucket, tmp_path / "here", fmt, monkeypatch)
    keys_here = _keys(bucket)
    assert pool == []
    spawned = _counting_spawns(monkeypatch)
    jobs: list[str] = []
    submit = write_pool.WritePool.submit

    def counted(self, job):
        jobs.append(job[0])
        return submit(self, job)

    monkeypatch.setattr(write_pool.WritePool, "submit", counted)
    pooled = _export(bucket, tmp_path / "pooled", fmt)
    assert spawned == [write_pool.WORKER] * 2 and len(pool) == 1  # one pool reviewed and wrote
    assert jobs == ["review"] * len(IDS) + ["write"] * len(IDS)  # every session on the workers
    assert _files(tmp_path / "here") == _files(tmp_path / "pooled")
    assert _alike(here) == _alike(pooled)
    [pooled_keys] = [data for name, data in _keys(bucket).items() if name not in keys_here]
    assert pooled_keys == next(iter(keys_here.values()))
    assert here["written"] == len(IDS) - 1 and [r["session"] for r in here["refused"]] == [BAD]
    assert TOKEN not in str(here["refused"][0]["findings"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_second_export_keeps_every_session_unread(bucket, tmp_path, pool, fmt):
    _export(bucket, tmp_path / "out", fmt)
    before = _files(tmp_path / "out")
    again = _export(bucket, tmp_path / "out", fmt)
    assert again["written"] == 0 and again["unchanged"] == len(IDS) - 1
    assert _files(tmp_path / "out") == before


@pytest.mark.parametrize("stage", ["review", "write"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_session_whose_worker_dies_is_done_here_and_said(bucket, tmp_path, monkeypatch, pool, fmt, stage):
    here = _here(bucket, tmp_path / "here", fmt, monkeypatch)
    dying(monkeypatch, stage, die=IDS[2])
    pooled = _export(bucket, tmp_path / "pooled", fmt)
    assert len(pool) == 1
    said = f"an export worker stopped on session {IDS[2]}; the exporting process did its work instead"
    assert pooled["warnings"] == [said]
    assert _files(tmp_path / "here") == _files(tmp_path / "pooled")
    assert pooled["written"] == here["written"] == len(IDS) - 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_session_that_fails_in_a_write_worker_stops_the_export_naming_it(
    bucket, tmp_path, monkeypatch, pool, fmt
):
    dying(monkeypatch, "write", fail=IDS[3])
    with pytest.raises(RuntimeError, match="planted failure") as raised:
        _export(bucket, tmp_path / "out", fmt)
    assert f"on session {IDS[3]}" in " ".join(raised.value.__notes__)
    assert check(tmp_path / "out").ok  # the folder as an interrupted export leaves it: its manifest true
    assert all(proc.poll() is not None for proc in pool[0].procs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_ctrl_c_in_the_write_stops_the_workers_and_leaves_a_checkable_folder(bucket, tmp_path, pool, fmt):
    seen: list[str] = []

    def interrupted(p: ExportProgress) -> None:
        if p.phase == "write":
            seen.append(str(p.session))
            if len(seen) == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _export(bucket, tmp_path / "out", fmt, interrupted)
    assert len(pool[0].procs) == 2 and all(proc.poll() is not None for proc in pool[0].procs)
    assert check(tmp_path / "out").ok  # what was written is named in the manifest
    assert not list((bucket / "cache").glob("tracetui-export-spill-*"))  # the spill went with the workers


def test_a_raw_log_name_taken_meanwhile_is_made_again_here(tmp_path, monkeypatch, pool):
    """Sessions whose logs share a name: a worker names each as if none were taken (it sees no folder),
    so the exporting process makes the ones whose name an earlier session took, as it always did, the
    refused ones too (the gate's rows name the files)."""
    src = tmp_path / "src"
    tree = v3_tree()
    for n, sid in enumerate(IDS):
        # A main log whose name lacks its session's id keeps its folder in the export (raw.layout).
        (src / f"x{n}" / "d").mkdir(parents=True)
        log = tree.replace(V3, sid)
        if n == 1:  # a suggestion where no reader shows it: refused, its rows naming its file
            log = log.replace('"cwd":"/work/proj"}', '"cwd":"/work/proj","note":"call +1 415 555 0134"}', 1)
        (src / f"x{n}" / "d" / "same.jsonl").write_text(log)
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"pi={src}", "--json"]) == 0
    here = _here(bucket, tmp_path / "here", "raw", monkeypatch, accept=False)
    fits: list[bool] = []
    check = RawWriter.fits

    def watched(self, item, answer):
        fits.append(check(self, item, answer))
        return fits[-1]

    monkeypatch.setattr(RawWriter, "fits", watched)
    pooled = _export(bucket, tmp_path / "pooled", "raw", accept=False)
    assert len(pool) == 1
    # The first keeps its own name, the second is refused before its gate; the others, the one the
    # gate refuses too, are made again here.
    assert fits == [True, True] + [False] * (len(IDS) - 2)
    assert _files(tmp_path / "here") == _files(tmp_path / "pooled")
    assert _alike(here) == _alike(pooled) and pooled["written"] == len(IDS) - 2
    assert [(r["session"], r["findings"][0]["member"]) for r in pooled["refused"]] == [
        (IDS[1], "sessions/pi/d/same.jsonl"),  # named one session ahead, before the first was written
        (BAD, "session id"),
    ]
    names = [rel for rel in _files(tmp_path / "pooled") if rel.endswith("same.jsonl")]
    assert len(names) == len(IDS) - 2
