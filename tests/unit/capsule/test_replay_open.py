"""`open_replay` hands back a replay already open, and says to close it or use it in a `with` block.
Used in one, `__enter__` ran again: a second clone was made and the first, holding the capsule's tree
(and whatever a check left in it), stayed in the temporary folder for good."""

from __future__ import annotations

import sys

from shared_data import FIXTURES

from tracetui.capsule import open_capsule
from tracetui.capsule.replay import open_replay

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit


def test_an_open_replay_used_in_a_with_block_leaves_no_clone(tmp_path):
    repo, capsule, _ = kit.sealed_episode(tmp_path, 12)
    run = open_replay(open_capsule(capsule), repo)
    first = run.worktree
    assert first is not None and first.is_dir()
    with run as same:
        assert same is run and run.worktree == first
        assert run.apply_next() is not None
    assert run.worktree is None
    assert not first.parent.exists()
