"""The ground truths' driver: a session's trail judged in a clone of its repository's mirror, to
set against a table of hand-checked states (tests/unit/trail/ground_truth: a `GroundTruth` per
repository in its truth_*.py, every row run by test_ground_truths.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mirrored
import pytest
from shared_data import mirror

from tracetui.bucket.locations import discover
from tracetui.sources import RawLog, group, read_session
from tracetui.sources.opencode import reader as opencode
from tracetui.sources.opencode import stage as opencode_stage
from tracetui.trail import Fate, TrailByFile, trail


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


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, check=False)


def opencode_db_fates(tmp_path_factory, owner: str, name: str, logged_at: str, db: str, ref: str, root: str):
    """The trail of every session an opencode.db committed in a fetched mirror holds (the database read
    at `logged_at` with its -wal and -shm where the commit has them), judged in a clone at `ref`: the
    clone, the sessions and their fates."""
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
    return clone, sessions, fates


# -- one driver for every repository's table ------------------------------------------------------
#
# Each repository's module (tests/unit/trail/ground_truth/truth_*.py) declares a `GroundTruth`: how
# its trail is judged and how its hand-checked rows read; test_ground_truths.py runs every row and
# every check. Not test modules themselves, so the driver may import them (a test module never imports
# another).

# The columns a row may give, each read from a fate: the keys that find its patch, then what it
# expects. "file" is the path's last part (the first tables named the file, not the path).
READ: dict[str, Callable[[Fate], object]] = {
    "step": lambda f: f.patch.step_id,
    "path": lambda f: f.patch.path,
    "file": lambda f: f.patch.path.rsplit("/", 1)[-1],
    "state": lambda f: f.state,
    "commit": lambda f: f.commit,
    "path_now": lambda f: f.path_now,
    "judged_at": lambda f: f.judged_at,
    "superseded_by": lambda f: f.superseded_by,
}
KEYS = ("step", "path", "file")


@dataclass(frozen=True)
class Judged:
    """The trails a ground truth's rows are set against: each session's fates, by the key its rows name
    (one session: the key ""), and the clone they were judged in."""

    repo: Path
    sessions: dict[str, list[Fate]]
    notes: dict[str, str | None] = field(default_factory=dict)

    @property
    def fates(self) -> list[Fate]:
        return [f for fates in self.sessions.values() for f in fates]

    def of(self, session: str) -> list[Fate]:
        return self.sessions[session]


@dataclass(frozen=True)
class CorpusLog:
    """A log of the corpus, judged in a clone of its repository's mirror at `ref`; its logged paths
    are under `root` (`judged_trail` checks the mapping)."""

    agent: str
    log: Path
    owner: str
    name: str
    ref: str
    root: str

    def __call__(self, tmp_path_factory) -> Judged:
        clone = clone_of_log(tmp_path_factory, self.log, self.owner, self.name, self.ref)
        result = judged_trail(self.files(), self.root, clone, self.ref)
        return Judged(clone, {"": result.fates}, {"": result.note})

    def files(self):
        [files] = group(self.agent, [self.log])
        return files


Judge = Callable[[pytest.TempPathFactory], Judged]
Check = Callable[[Judged], None]


@dataclass(frozen=True)
class GroundTruth:
    """One repository's hand-checked rows and how its trail is judged.

    `columns` names what each row holds, in order (`READ`'s names, after "session" where the rows
    name their session); those in `prefixed` are given as prefixes (an 8-digit step id, a short
    commit) and compared cut to the row's length. `checks` are the repository's own tests, run by the
    driver on the same trail. `label` gives a row's test id after `name`."""

    name: str
    judge: Judge
    rows: Sequence[Any] = ()  # tuples, or pytest.param of one tuple (an xfail with its reason)
    columns: tuple[str, ...] = ()
    label: Callable[[tuple], str] = str
    prefixed: frozenset[str] = frozenset()
    checks: tuple[Check, ...] = ()
    corpus: bool = False  # reads the corpus: marked so, like every corpus test

    def fate(self, judged: Judged, want: tuple) -> Fate:
        """The one fate the row's keys name."""
        session = want[0] if self.columns[0] == "session" else ""
        keys = [(i, c) for i, c in enumerate(self.columns) if c in KEYS]
        [f] = [f for f in judged.of(session) if all(self._same(c, READ[c](f), want[i]) for i, c in keys)]
        return f

    def have(self, f: Fate, want: tuple) -> tuple:
        """What the fate gives in the row's columns, cut where the row gives a prefix (the session, which
        only found the fate, is the row's own)."""
        return tuple(
            want[i] if c == "session" else self._cut(c, READ[c](f), want[i])
            for i, c in enumerate(self.columns)
        )

    def _same(self, column: str, have: object, want: object) -> bool:
        return self._cut(column, have, want) == want

    def _cut(self, column: str, have: object, want: object) -> object:
        if column in self.prefixed and isinstance(have, str) and isinstance(want, str):
            return have[: len(want)]
        return have


# Each judge runs once per process, its outcome (a Judged, or the skip or error it raised) kept for
# every row and check of its repository: every repository's rows are one test, not a fixture each.
_outcomes: dict[Judge, Judged | BaseException] = {}


def judged_once(judge: Judge, tmp_path_factory) -> Judged:
    if judge not in _outcomes:
        try:
            _outcomes[judge] = judge(tmp_path_factory)
        except (Exception, pytest.skip.Exception, pytest.fail.Exception) as raised:
            _outcomes[judge] = raised
    outcome = _outcomes[judge]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome
