"""The ground truths' driver: a session's trail judged in a clone of its repository's mirror, to
set against a table of hand-checked states (tests/unit/trail/ground_truth)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import mirrored
import pytest
from shared_data import mirror

from tracetui.bucket.locations import discover
from tracetui.sources import RawLog, read_session
from tracetui.sources.opencode import reader as opencode
from tracetui.sources.opencode import stage as opencode_stage
from tracetui.trail import TrailByFile, trail


def clone_of_log(tmp_path_factory, log: Path, owner: str, name: str, ref: str) -> Path:
    if not log.is_file():
        pytest.skip(f"the corpus log is not at {log}")
    return mirrored.clone(tmp_path_factory, owner, name, ref)


def judged_trail(files, logged_root: str, clone: Path, ref: str):
    """The session's trail in the clone, its logged paths mapped (the log itself is left as read)."""
    result = trail(read_session(files), repo=clone, ref=ref)
    assert result.note == f"paths under {logged_root} (as logged) are read in {clone}"
    return result


def by_file_differences(result, files, clone: Path, ref: str) -> list[str]:
    """The steps whose fates differ when each file's patches are judged alone (`TrailByFile`, as blame
    judges them) from the fates of the whole trail, `result`."""
    by_file = TrailByFile(read_session(files), repo=clone, ref=ref)
    steps = dict.fromkeys(f.patch.step_id for f in result.fates)
    whole = [[f.to_dict() for f in result.fates if f.patch.step_id == step] for step in steps]
    return [step for step, want in zip(steps, whole) if [f.to_dict() for f in by_file.of_step(step)] != want]


def agreement(result, truth) -> tuple[int, list]:
    by_step = {(f.patch.step_id, f.patch.path.rsplit("/", 1)[-1]): f for f in result.fates}
    wrong = []
    for want in truth:
        f = by_step[(want[0], want[1])]
        have = (want[0], want[1], f.state, f.commit, f.path_now)
        if have != want:
            wrong.append((want, have))
    return len(truth) - len(wrong), wrong


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, check=False)


def opencode_db_fates(tmp_path_factory, owner: str, name: str, logged_at: str, db: str, ref: str, root: str):
    """The trail of every session an opencode.db committed in a fetched mirror holds (the database read
    at `logged_at` with its -wal and -shm where the commit has them), judged in a clone at `ref`."""
    source = mirror(owner, name)
    if source is None:
        pytest.skip(f"{owner}/{name} was not fetched (fetch github:{owner}/{name})")
    if _git("-C", str(source), "cat-file", "-e", ref + "^{commit}").returncode != 0:
        pytest.skip(f"the mirror of {owner}/{name} lacks {ref[:7]}")
    home = tmp_path_factory.mktemp("home") / "opencode"
    home.mkdir()
    for suffix in ("", "-wal", "-shm"):
        shown = _git("-C", str(source), "show", f"{logged_at}:{db}{suffix}")
        if shown.returncode == 0:
            (home / f"opencode.db{suffix}").write_bytes(shown.stdout)
        elif not suffix:
            pytest.skip(f"the mirror of {owner}/{name} lacks {db} at {logged_at[:7]}")
    clone = tmp_path_factory.mktemp(name) / "repo"
    # (a large file a later commit added may be absent from the mirror: no checkout needed to judge)
    _git("clone", "-q", "--no-checkout", str(source), str(clone))
    staged, problems = opencode_stage.stage(discover("opencode", [home]), tmp_path_factory.mktemp("staged"))
    assert problems == []
    sessions = [opencode.read(RawLog(str(p), Path(p).read_bytes()), []) for p in staged]
    fates = []
    for session in sessions:
        result = trail(session, repo=clone, ref=ref)
        assert result.note == f"paths under {root} (as logged) are read in {clone}"
        fates.extend(result.fates)
    return sessions, fates
