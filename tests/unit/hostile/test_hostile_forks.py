"""Forks whose logs lie about their parent: a parent id that is only a prefix of a held session's, one
naming the fork itself, one that is missing, and two forks naming each other. What the CLI says
sends the user to a session only by the whole id the log gives, never in a loop, never raw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.views import fork

FORKS = FIXTURES / "forks"
PARENT = "0199cccc-1111-7222-8333-00000000000c"
FORK = "0199dddd-1111-7222-8333-00000000000d"


def _bucket(tmp_path: Path, named: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for path in FORKS.glob("rollout-*.jsonl"):
        text = path.read_text()
        if FORK in path.name:
            text = text.replace(f'"forked_from_id":"{PARENT}"', f'"forked_from_id":{json.dumps(named)}', 1)
        (src / path.name).write_text(text)
    with Bucket.open(tmp_path / "b") as b:
        b.sync({"codex": [src]})
    return tmp_path / "b"


@pytest.mark.parametrize("named", ["0199cccc", "0", FORK, "0199eeee-missing", "\x1b[2J" + PARENT])
def test_trail_points_to_a_parent_only_by_its_whole_id(tmp_path, capsys, named):
    bucket = _bucket(tmp_path, named)
    with Bucket.open(bucket) as b:
        assert b.session(FORK).forked_from == named
    assert main(["trail", FORK, "--bucket", str(bucket)]) == 0
    out = capsys.readouterr().out
    assert "(tracetui trail" not in out and "\x1b" not in out


def test_trail_still_points_to_a_parent_named_whole(tmp_path, capsys):
    bucket = _bucket(tmp_path, PARENT)
    assert main(["trail", FORK, "--bucket", str(bucket)]) == 0
    assert f"(tracetui trail {PARENT[:12]})" in capsys.readouterr().out


def test_two_forks_naming_each_other_each_find_their_fork_point(tmp_path):
    with Bucket.open(_bucket(tmp_path, PARENT)) as b:
        child, parent = b.session(FORK), b.session(PARENT)
    parent.forked_from = FORK  # a cycle: each says the other is its parent
    assert 0 <= fork.fork_point(child, parent) < len(child.steps)
    assert 0 <= fork.fork_point(parent, child) < len(parent.steps)
    assert fork.fork_line(parent) is not None
