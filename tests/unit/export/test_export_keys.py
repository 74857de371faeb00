"""A re-export reads only what changed (issue 41): a session whose index row, plan, ratings, clone and
touched work-tree files are as the last export into the folder found them is kept without being read;
any one of them changed makes that session, and only it, read, reviewed and judged again."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from support.trail_kit import iso
from support.judged_sessions import CLAUDE, PI, sessions_read, two_sessions
from support.trail_logs import age, grow_claude_log

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.export import ExportOptions, export
from tracetui.redact import plan_store

class World:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.repo, self.log, _ = two_sessions(tmp_path)
        self.bucket_dir = tmp_path / "bucket"
        self.sync()
        age(self.repo.path)
        self.dest = tmp_path / "out"

    def sync(self) -> None:
        sources = [f"claude={self.tmp / 'claude'}", f"pi={self.tmp / 'pi'}"]
        assert main(["--bucket", str(self.bucket_dir), "sync", *(a for s in sources for a in ("--source", s))]) == 0

    def export(self, fmt: str = "parquet", **options: object) -> tuple[list[str], dict]:
        """The sessions the export read, and its report."""
        with sessions_read() as read:
            with Bucket.open(self.bucket_dir) as bucket:
                report = export(bucket, self.dest, ExportOptions(fmt, accept_suggested=True, **options))  # type: ignore[arg-type]
        return sorted(set(read)), report.to_dict()


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def _files(dest: Path) -> dict[str, bytes]:
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted(dest.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["parquet", "raw", "atif", "agent-trace"])
def test_a_reexport_with_nothing_changed_reads_no_session(world: World, fmt: str) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    first, report = world.export(fmt)
    assert CLAUDE in first and report["refused"] == []
    before, skipped = _files(world.dest) if world.dest.exists() else {}, report.get("skipped")
    read, report = world.export(fmt)
    assert read == []
    assert report["written"] == 0 and report["unchanged"] == report["sessions"] - len(report.get("skipped", []))
    assert (_files(world.dest) if world.dest.exists() else {}) == before
    # agent-trace has nothing to write for either (no clone; nothing committed): skipped again, unread.
    assert report.get("skipped") == skipped and (fmt == "agent-trace") == bool(skipped)


def _commit(w: World) -> None:
    w.repo.commit("work", iso(11), "a.py")
    age(w.repo.path)


def _branch(w: World) -> None:
    w.repo.git("branch", "side")


def _touched_file(w: World) -> None:
    w.repo.write("d.py", "def fresh():\n    return 'changed by hand'\n")
    age(w.repo.path, 300)


def _staged(w: World) -> None:
    w.repo.git("add", "d.py")
    age(w.repo.path / ".git" / "index", 300)


def _untouched_file(w: World) -> None:
    w.repo.write("notes.txt", "nothing the session touched\n")
    age(w.repo.path / "notes.txt", 300)


def _decision(w: World) -> None:
    with Bucket.open(w.bucket_dir) as bucket:
        store = plan_store(bucket)
        plan = store.load(CLAUDE)
        assert plan is not None
        step = next(s for s in bucket.session(CLAUDE).steps if s.text)
        plan.add_manual(step.id, "text", 0, 3, step.text)
        store.save(plan)


def _rating(w: World) -> None:
    with Bucket.open(w.bucket_dir) as bucket:
        bucket.rate(PI, "good", note="clean run")


def _grown_log(w: World) -> None:
    grow_claude_log(w.log, "one more thing")
    w.sync()


def _removed_file(w: World) -> None:
    manifest = orjson.loads((w.dest / "manifest.json").read_bytes())
    (w.dest / manifest["sessions"][PI]["files"][0]).unlink()


def _nothing(w: World) -> None:
    pass


# (what changes, the sessions read again)
CHANGES: list[tuple[Callable[[World], None], set[str]]] = [
    (_nothing, set()),
    (_commit, {CLAUDE}),
    (_branch, {CLAUDE}),
    (_touched_file, {CLAUDE}),
    (_staged, {CLAUDE}),
    (_untouched_file, set()),
    (_decision, {CLAUDE}),
    (_rating, {PI}),
    (_grown_log, {CLAUDE}),
    (_removed_file, {PI}),
]


@pytest.mark.parametrize(("change", "again"), CHANGES, ids=[c.__name__.strip("_") for c, _ in CHANGES])
def test_what_a_session_is_made_of_changing_makes_it_alone_read_again(
    world: World, change: Callable[[World], None], again: set[str]
) -> None:
    pytest.importorskip("pyarrow")
    world.export()
    change(world)
    read, report = world.export()
    assert set(read) == again
    assert report["refused"] == []
    # And the export is what a full one makes: the same files as an export into a new folder.
    kept = _files(world.dest)
    world.dest = world.tmp / "fresh"
    world.export()
    assert _files(world.dest) == kept


def test_another_option_reads_every_session_again(world: World) -> None:
    pytest.importorskip("pyarrow")
    world.export()
    read, _ = world.export(license="mit")
    assert read == sorted([CLAUDE, PI])


def test_a_clone_changed_moments_ago_is_judged_again_until_it_settles(world: World) -> None:
    world.export("atif")
    world.repo.write("d.py", "def fresh():\n    return 'still being written'\n")  # now: maybe not done
    assert world.export("atif")[0] == [CLAUDE]
    assert world.export("atif")[0] == [CLAUDE]  # not kept while so recent
    age(world.repo.path)
    assert world.export("atif")[0] == [CLAUDE]  # its time moved: read once more, then kept
    assert world.export("atif")[0] == []


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[1, 2]", b'{"format": "tracetui.export-keys/1", "sessions": []}',
     b'{"format": "tracetui.export-keys/1", "sessions": {"x": {"key": 1, "digest": "d", "touched": "a.py"}}}'],
)  # fmt: skip
def test_a_damaged_keys_file_costs_a_full_review_and_nothing_else(world: World, content: bytes) -> None:
    world.export("atif")
    [keys] = (world.bucket_dir / "cache" / "export-keys").iterdir()
    keys.write_bytes(content)
    read, report = world.export("atif")
    assert read == sorted([CLAUDE, PI]) and report["written"] == 0 and report["refused"] == []
    assert world.export("atif")[0] == []  # and made whole again


def test_a_fifo_in_place_of_the_keys_file_does_not_block(world: World) -> None:
    world.export("atif")
    [keys] = (world.bucket_dir / "cache" / "export-keys").iterdir()
    keys.unlink()
    os.mkfifo(keys)
    read, _ = world.export("atif")
    assert read == sorted([CLAUDE, PI])


def test_keys_of_one_folder_do_not_vouch_for_another(world: World) -> None:
    world.export("atif")
    world.dest = world.tmp / "other"
    assert world.export("atif")[0] == sorted([CLAUDE, PI])


def test_settled_plans_are_not_read_again_and_a_decision_still_counts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracetui import regular_file
    from tracetui.redact import PlanStore

    monkeypatch.setattr(regular_file, "SETTLE_NS", 0)  # every plan settled once written
    world.export("atif")
    digested: list[str] = []
    real = PlanStore.file_digest

    def counted(self: PlanStore, sid: str) -> str | None:
        digested.append(sid)
        return real(self, sid)

    monkeypatch.setattr(PlanStore, "file_digest", counted)
    assert world.export("atif")[0] == [] and digested == []
    _decision(world)  # the plan rewritten: its stamp is another
    assert world.export("atif")[0] == [CLAUDE] and CLAUDE in digested
