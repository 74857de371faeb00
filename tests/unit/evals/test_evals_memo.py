"""An evaluation of sessions whose logs and clones did not change since the last one reads none of
them (found 2026-11-26: `tracetui eval` on the corpus's 48 sessions took 2.6 s each time, every session
read and judged; 0.6 s now, and another `--by` as fast). What changes a session's labels makes it, and
only it, read again; people's ratings are read every time; the result is what an evaluation without
the memo gives."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES
from support.trail_kit import iso
from support.trail_logs import body_repo, claude_log

import tracetui.evals as evals_api
from tracetui.bucket import Bucket
from tracetui.model import Session

PI = "11111111-aaaa-4bbb-8ccc-000000000001"  # tests/fixtures/pi/v1_linear.jsonl: no clone here
CLAUDE = "11111111-2222-4333-8444-555555555555"  # support.trail_logs.claude_log: edits in a clone


def age(path: Path, seconds: int = 600) -> None:
    then = time.time() - seconds
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(p, (then, then), follow_symlinks=False)


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.repo = body_repo(tmp_path)
        self.log = claude_log(self.repo, tmp_path / "claude")
        (tmp_path / "pi").mkdir()
        shutil.copyfile(FIXTURES / "pi" / "v1_linear.jsonl", tmp_path / "pi" / "v1_linear.jsonl")
        self.bucket = Bucket.open(tmp_path / "b")
        self.sync()
        age(self.repo.path)

    def sync(self) -> None:
        self.bucket.sync({"claude": [self.tmp / "claude"], "pi": [self.tmp / "pi"]})

    def evaluate(self, by: str = "agent", **options: object) -> tuple[list[str], dict]:
        """The sessions the evaluation read, and what it found."""
        read: list[str] = []
        real = self.bucket.session

        def counted(sid: str) -> Session:
            read.append(sid)
            return real(sid)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(self.bucket, "session", counted)
            found = evals_api.evaluate(self.bucket, by, minimum=2, **options)  # type: ignore[arg-type]
        return sorted(set(read)), _plain(found.to_dict())

    def fresh(self, by: str = "agent", **options: object) -> dict:
        shutil.rmtree(self.tmp / "b" / "cache" / "eval", ignore_errors=True)
        return self.evaluate(by, **options)[1]


def _plain(doc: dict) -> dict:
    return orjson.loads(orjson.dumps(doc))


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_a_second_evaluation_by_any_dimension_reads_no_session(world: World) -> None:
    read, first = world.evaluate()
    assert read == sorted([CLAUDE, PI])
    for by in evals_api.BY:
        read, again = world.evaluate(by)
        assert read == [], by
        assert again == world.fresh(by), by


def _commit(w: World) -> None:
    w.repo.commit("work", iso(11), "a.py")
    age(w.repo.path)


def _touched_file(w: World) -> None:
    w.repo.write("d.py", "def fresh():\n    return 'changed by hand'\n")
    age(w.repo.path / "d.py", 300)


def _grown_log(w: World) -> None:
    lines = w.log.read_bytes().splitlines()
    last = orjson.loads(lines[-1])
    more = {**last, "uuid": "late", "parentUuid": last["uuid"], "type": "user",
            "message": {"role": "user", "content": "/review one more thing"}}  # fmt: skip
    w.log.write_bytes(w.log.read_bytes() + orjson.dumps(more) + b"\n")
    w.sync()


def _rating(w: World) -> None:
    w.bucket.rate(PI, "good", note="clean run")


def _damaged_memo(w: World) -> None:
    [memo] = (w.tmp / "b" / "cache" / "eval").iterdir()
    memo.write_bytes(orjson.dumps({"format": "tracetui.eval-memo/1", "sessions": {PI: {"touched": [], "key": 3}}}))


# (what changes, the sessions read again)
CHANGES: list[tuple[Callable[[World], None], set[str]]] = [
    (_commit, {CLAUDE}),
    (_touched_file, {CLAUDE}),
    (_grown_log, {CLAUDE}),
    (_rating, set()),  # read from the ratings every time, never from the memo
    (_damaged_memo, {CLAUDE, PI}),
]


@pytest.mark.parametrize(("change", "again"), CHANGES, ids=[c.__name__.strip("_") for c, _ in CHANGES])
def test_what_changes_a_sessions_labels_makes_it_alone_read_again(world: World, change, again) -> None:
    world.evaluate()
    before = world.evaluate("skill")[1]
    change(world)
    read, found = world.evaluate("skill")
    assert set(read) == again
    assert found == world.fresh("skill")
    if change is _rating:
        assert found != before  # the rating counts, though nothing was read


def test_another_reference_or_repository_judges_everything_again(world: World) -> None:
    world.evaluate()
    assert world.evaluate(ref="main")[0] == sorted([CLAUDE, PI])
    assert world.evaluate(repo=str(world.repo.path))[0] == sorted([CLAUDE, PI])
    assert world.evaluate(repo=str(world.repo.path))[0] == []


def test_a_clone_changed_moments_ago_is_judged_again_until_it_settles(world: World) -> None:
    world.evaluate()
    world.repo.write("d.py", "def fresh():\n    return 'still being written'\n")
    assert world.evaluate()[0] == [CLAUDE]
    assert world.evaluate()[0] == [CLAUDE]
    age(world.repo.path)
    assert world.evaluate()[0] == [CLAUDE]
    assert world.evaluate()[0] == []
