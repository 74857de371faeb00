"""An export's write takes every session's plan and outcome from what its review spilled to disk
(export/spill.py), not from working them out again nor from memory: the same bytes, any bucket's
size, and no spill left behind however the export ends. A Claude Code session whose edits lie in a
scratch clone (fates judged, with every patch field the trail fills) and a Pi session with none."""

from __future__ import annotations

import dataclasses
import gc
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from support.exported import sessions_worked_out
from support.judged_sessions import CLAUDE, PI, two_sessions
from support.trail_kit import iso
from support.trail_logs import age

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, export, run
from tracetui.export.labels import Outcome
from tracetui.export.spill import PREFIX, Spill, outcome_from, sweep
from tracetui.model import Hunk, Session
from tracetui.redact import plan_store
from tracetui.trail import Fate, Patch


@pytest.fixture
def bucket_dir(tmp_path: Path) -> Path:
    repo, _, sources = two_sessions(tmp_path)
    repo.commit("work", iso(11), "a.py")  # some of the work alive: agent-trace has lines to write
    with Bucket.open(tmp_path / "bucket") as bucket:
        bucket.sync(sources)
    age(repo.path)
    return tmp_path / "bucket"


def _export(bucket_dir: Path, dest: Path, fmt: str = "parquet") -> dict:
    with Bucket.open(bucket_dir) as bucket:
        return export(bucket, dest, ExportOptions(fmt, accept_suggested=True)).to_dict()


def _files(dest: Path) -> dict[str, bytes]:
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted(dest.rglob("*")) if p.is_file()}


def _spills(bucket_dir: Path) -> list[str]:
    return sorted(p.name for p in (bucket_dir / "cache").glob(f"{PREFIX}*"))


@pytest.mark.parametrize("fmt", ["parquet", "raw", "atif", "agent-trace"])
def test_the_bytes_are_those_of_a_write_that_works_each_session_out_again(
    bucket_dir, tmp_path, monkeypatch, fmt
):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    outcomes = sessions_worked_out(monkeypatch, "outcome")
    spilled = _export(bucket_dir, tmp_path / "spilled", fmt)
    assert sorted(outcomes) == [CLAUDE, PI]  # the review's alone
    # The same bucket (its plans, their keys), with the spill taking nothing: the write works out both.
    monkeypatch.setattr(Spill, "take", lambda self, session_id, fingerprint: None)
    outcomes.clear()
    again = _export(bucket_dir, tmp_path / "again", fmt)
    assert sorted(outcomes) == [CLAUDE, CLAUDE, PI, PI]  # the review's and the write's
    assert spilled["written"] == again["written"] >= 1 and spilled["refused"] == again["refused"] == []
    assert _files(tmp_path / "spilled") == _files(tmp_path / "again")


def test_the_review_holds_no_outcome_in_memory_for_the_write(bucket_dir, tmp_path, monkeypatch):
    """Memory stays flat whatever the bucket: an outcome holds its patches, and what the write takes
    is on disk. (A hand-over in memory held the review's outcomes until the write took them.)"""
    pytest.importorskip("pyarrow")
    outcomes = sessions_worked_out(monkeypatch, "outcome")
    plans = sessions_worked_out(monkeypatch, "refresh_plan")
    alive: list[int] = []
    real = run.Exporter._prepare

    def first(self: run.Exporter, session_id: str) -> run.Prepared:
        if not alive:
            gc.collect()
            alive.append(sum(isinstance(o, Outcome) for o in gc.get_objects()))
        return real(self, session_id)

    monkeypatch.setattr(run.Exporter, "_prepare", first)
    report = _export(bucket_dir, tmp_path / "out")
    assert report["written"] == 2
    assert alive == [0]
    assert sorted(outcomes) == [CLAUDE, PI] and plans == []  # the review's plans come from refresh_plans


def test_a_session_grown_since_the_review_is_worked_out_again(bucket_dir, tmp_path, monkeypatch):
    outcomes = sessions_worked_out(monkeypatch, "outcome")
    reads: dict[str, int] = {}
    real = Bucket.session

    def grown(self: Bucket, sid: str) -> Session:
        # The write's read of the Pi session sees a step a sync appended after the review.
        session = real(self, sid)
        reads[sid] = reads.get(sid, 0) + 1
        if sid != PI or reads[sid] < 2:
            return session
        last = session.steps[-1]
        step = dataclasses.replace(last, id=last.id + "-late", index=last.index + 1, text="one more word")
        return dataclasses.replace(session, steps=[*session.steps, step])

    monkeypatch.setattr(Bucket, "session", grown)
    report = _export(bucket_dir, tmp_path / "out", "atif")
    assert report["written"] == 2
    assert sorted(outcomes) == [CLAUDE, PI, PI]
    assert b"one more word" in b"".join(_files(tmp_path / "out").values())


def test_the_spill_is_there_for_the_write_and_gone_after_it(bucket_dir, tmp_path, monkeypatch):
    seen: list[list[str]] = []
    real = run.Exporter._prepare

    def looking(self: run.Exporter, session_id: str) -> run.Prepared:
        seen.append(_spills(bucket_dir))
        assert self.spill.dir is not None and self.spill.dir.stat().st_mode & 0o077 == 0  # the user's alone
        return real(self, session_id)

    monkeypatch.setattr(run.Exporter, "_prepare", looking)
    _export(bucket_dir, tmp_path / "out", "raw")
    assert len(seen) == 2 and all(len(s) == 1 and s[0].startswith(f"{PREFIX}{os.getpid()}-") for s in seen)
    assert _spills(bucket_dir) == []


@pytest.mark.parametrize("raised", [KeyboardInterrupt, OSError])
def test_an_export_stopped_in_its_write_leaves_no_spill(bucket_dir, tmp_path, monkeypatch, raised):
    def stopped(self: run.Exporter, session_id: str) -> run.Prepared:
        assert len(_spills(bucket_dir)) == 1
        raise raised("stopped")

    monkeypatch.setattr(run.Exporter, "_prepare", stopped)
    with pytest.raises(raised):
        _export(bucket_dir, tmp_path / "out", "raw")
    assert _spills(bucket_dir) == []


def test_an_export_stopped_in_its_review_leaves_no_spill(bucket_dir, tmp_path, monkeypatch):
    real = run.Exporter.outcome
    made: list[str] = []

    def second_stops(self: run.Exporter, session: Session) -> Outcome:
        made.append(session.id)
        if len(made) == 2:  # the first session spilled, the second not yet
            assert len(_spills(bucket_dir)) == 1
            raise KeyboardInterrupt
        return real(self, session)

    monkeypatch.setattr(run.Exporter, "outcome", second_stops)
    with pytest.raises(KeyboardInterrupt):
        _export(bucket_dir, tmp_path / "out", "raw")
    assert _spills(bucket_dir) == []


def test_a_plan_and_an_outcome_come_back_from_the_spill_equal_patches_and_all(bucket_dir):
    with Bucket.open(bucket_dir) as bucket, Spill(bucket_dir / "cache") as spill:
        store = plan_store(bucket)
        for sid in (CLAUDE, PI):
            session = bucket.session(sid)
            found = run.outcome(session, "HEAD", None, bucket.cache_dir)
            found.ratings = [{"step": 3, "verdict": "good", "note": None, "at": "2026-03-02T10:00:00Z"}]
            plan = run.refresh_plan(session, store)
            spill.keep(sid, run._fingerprint(session), orjson.dumps(plan.to_dict()), found)
            assert spill.take(sid, (len(session.steps) + 1, "later")) is None  # grown since: not taken
            spill.keep(sid, run._fingerprint(session), orjson.dumps(plan.to_dict()), found)
            assert spill.take(sid, run._fingerprint(session)) == (plan, found)
            assert spill.take(sid, run._fingerprint(session)) is None  # taken once
            if sid == CLAUDE:  # judged in the clone: what the trail counts of the lines came back too
                assert {f.state for f in found.fates} >= {"alive", "uncommitted"}
                assert all(f.patch.before_counts is not None for f in found.fates)


def test_every_field_of_a_patch_and_a_fate_comes_back_as_it_was(tmp_path):
    """A field added to Patch or Fate of a type JSON does not give back (a tuple, a set, a class) must
    be restored by `outcome_from`: this patch sets each to a value that is not its default."""
    patch = Patch(
        "s1", "src/a.py", "update", [Hunk(3, 1, 3, 2, [" x", "+y"])], ["y"], ["z"], "src/old.py",
        "2026-03-02T10:00:00Z", "Edit", 4, False, False, {"y": 1}, {"y": 2}, {"y": 3}, "snapshot", True,
        {"y": 4}, {1, 2}, [("y", "2026-03-02T11:00:00Z")], [("y", None)], True,
        ("s9", "2026-03-02T12:00:00Z"),
        "src/new.py", "removed lines", [("y", "2026-03-02T13:00:00Z")], "s7",
    )  # fmt: skip
    fate = Fate(patch, "alive", "abc", 1, 2, 3, ["def"], "side", "src/now.py", "s8", "why", 5, True)
    assert [f.name for f in dataclasses.fields(Patch) if getattr(patch, f.name) == _default(f)] == []
    assert [f.name for f in dataclasses.fields(Fate) if getattr(fate, f.name) == _default(f)] == []
    found = Outcome([fate], "main", "/srv/repo", "a note", [{"step": 1, "command": "pytest", "exit_code": 0}],
                    [{"step": None, "verdict": "bad", "note": "n", "at": "t"}], "0" * 40)  # fmt: skip
    with Spill(tmp_path) as spill:
        spill.keep("s", (7, "last"), b'{"format": 0}', found)
        assert spill.dir is not None
        body = next(spill.dir.iterdir()).read_bytes().split(b"\n", 2)[2]
    assert outcome_from(orjson.loads(body)) == found


def _default(f: dataclasses.Field) -> object:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return object()  # a required field: never its default


def test_what_json_cannot_carry_is_worked_out_again(tmp_path):
    """A log's lone surrogate in a patch's line: not kept, and the write works the session out again."""
    found = Outcome([Fate(Patch("s1", "a.py", "create", [], ["bad \ud800"], []), "unknown")])
    with Spill(tmp_path) as spill:
        spill.keep("s", (1, "x"), b"{}", found)
        assert spill.take("s", (1, "x")) is None
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_spill_file_is_worked_out_again(tmp_path):
    with Spill(tmp_path) as spill:
        spill.keep("s", (1, "x"), b"{}", Outcome())
        assert spill.dir is not None
        for path in spill.dir.iterdir():
            path.write_bytes(b"not json")
        assert spill.take("s", (1, "x")) is None


def test_a_spill_a_killed_export_left_goes_with_the_next_one(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    dead = tmp_path / f"{PREFIX}{gone}-abc"
    alive = tmp_path / f"{PREFIX}{os.getpid()}-def"
    other = tmp_path / "gate"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "x.json").write_bytes(b"{}")
    sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])
