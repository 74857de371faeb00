"""An evaluation of sessions whose logs and clones did not change since the last one reads none of
them (found 2026-11-26: `tracetui eval` on the corpus's 48 sessions took 2.6 s each time, every session
read and judged; 0.6 s now, and another `--by` as fast). What changes a session's labels makes it, and
only it, read again; people's ratings are read every time; the result is what an evaluation without
the memo gives."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from support.trail_kit import iso
from support.judged_sessions import CLAUDE, PI, sessions_read, two_sessions
from support.trail_logs import age, grow_claude_log

import tracetui.evals as evals_api
from tracetui.bucket import Bucket
from tracetui.evals.memo import FORMAT


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.repo, self.log, self.sources = two_sessions(tmp_path)
        self.bucket = Bucket.open(tmp_path / "b")
        self.sync()
        age(self.repo.path)

    def sync(self) -> None:
        self.bucket.sync(self.sources)

    def evaluate(self, by: str = "agent", **options: object) -> tuple[list[str], dict]:
        """The sessions the evaluation read, and what it found."""
        with sessions_read() as read:
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
    grow_claude_log(w.log, "/review one more thing")
    w.sync()


def _rating(w: World) -> None:
    w.bucket.rate(PI, "good", note="clean run")


def _damaged_memo(w: World) -> None:
    [memo] = (w.tmp / "b" / "cache" / "eval").iterdir()
    memo.write_bytes(orjson.dumps({"format": FORMAT, "sessions": {PI: {"touched": [], "key": 3}}}))


def _memo_of_odd_shapes(w: World) -> None:
    # The right keys, with a name that is no path and a dimension left out: read as no memo at all.
    [memo] = (w.tmp / "b" / "cache" / "eval").iterdir()
    data = orjson.loads(memo.read_bytes())
    data["sessions"][CLAUDE]["touched"] = [7]
    del data["sessions"][PI]["cohorts"]["skill"]
    memo.write_bytes(orjson.dumps(data))


# (what changes, the sessions read again)
CHANGES: list[tuple[Callable[[World], None], set[str]]] = [
    (_commit, {CLAUDE}),
    (_touched_file, {CLAUDE}),
    (_grown_log, {CLAUDE}),
    (_rating, set()),  # read from the ratings every time, never from the memo
    (_damaged_memo, {CLAUDE, PI}),
    (_memo_of_odd_shapes, {CLAUDE, PI}),
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
