"""Paths and revisions from a log or a capsule: none lands outside the replay clone or in its git
internals under any file system's spelling of `.git`, none becomes a git argument that is not a
commit id, and a NUL, a loop of links or a huge name is a clear refusal, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, CapsuleError, open_capsule, replay, seal
from tracetui.capsule.gitcmd import git, resolve_commit
from tracetui.capsule.apply import apply_patch
from tracetui.capsule.replay import open_replay
from tracetui.model import FileEdit, GitInfo, Hunk, Step, StepKind
from tracetui.ui import external

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

CREATE = {"op": "create", "hunks": [{"old_start": 0, "lines": ["+pwned"]}]}
# `.git` as macOS (case, the invisible characters HFS+ ignores) and Windows (trailing dots and
# spaces, an NTFS stream, the 8.3 short name) would read it.
GIT_SPELLINGS = [
    ".GIT/hooks/pre-commit",
    ".Git/config",
    "sub/.git/x",
    ".git./hooks/pre-commit",
    ".git /hooks/pre-commit",
    ".git. . /config",
    ".git::$INDEX_ALLOCATION/hooks/pre-commit",
    "git~1/hooks/pre-commit",
    "GIT~1/config",
    ".g\u200cit/hooks/pre-commit",
    ".\u200dgit/config",
    ".git\ufeff/config",
    "\u206a.git/config",
]


@pytest.mark.parametrize("path", GIT_SPELLINGS)
def test_no_spelling_of_git_is_written(tmp_path, path):
    root = tmp_path / "clone"
    (root / ".git" / "hooks").mkdir(parents=True)
    reason = apply_patch(root, {**CREATE, "path": path})
    assert reason is not None and "into .git" in reason
    assert sorted(p.name for p in root.iterdir()) == [".git"]
    assert list((root / ".git" / "hooks").iterdir()) == []


def test_names_like_git_but_not_it_are_written(tmp_path):
    root = tmp_path / "clone"
    root.mkdir()
    for path in (".github/workflows/ci.yml", ".gitignore", "git/x", "a.git/x", ".gitmodules.txt"):
        assert apply_patch(root, {**CREATE, "path": path}) is None, path


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("a\x00b", "unusable"),
        ("x" * 300, "cannot write"),
        ("/".join(["d"] * 2000) + "/f", "too deep"),
        ("/".join(["d"] * 120) + "/" + "x" * 256, "cannot write"),
        ("loop/x", "symbolic link"),
        ("dir/../../x", "leaves the repository"),
        ("C:/Windows/x", None),  # a plain folder name on POSIX, inside the clone
    ],
)
def test_odd_paths_are_one_clear_reason(tmp_path, path, reason):
    root = tmp_path / "clone"
    root.mkdir()
    (root / "loop").symlink_to(root / "loop")
    got = apply_patch(root, {**CREATE, "path": path})
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got and "\n" not in got
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone"]


def test_the_editor_target_of_a_nul_or_a_loop_is_a_reason(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "loop").symlink_to(repo / "loop")

    def step(path: str, cwd: str | None = None) -> Step:
        edit = FileEdit(path, "update", hunks=[Hunk(1, 1, 1, 1, ["-a", "+b"])])
        return Step("s", 0, StepKind.TOOL_CALL, "assistant", "", edits=[edit], cwd=cwd)

    for path in ("a\x00b", str(repo / "a\x00b"), "loop/x", str(repo / "loop" / "x")):
        assert isinstance(external.edit_target(step(path), [str(repo)]), str), path
    assert isinstance(external.edit_target(step("a.py"), [str(repo / "x\x00y"), str(repo / "loop")]), str)


def test_git_never_receives_a_nul():
    with pytest.raises(CapsuleError, match="NUL"):
        git(Path("."), "rev-parse", "HEAD\x00")
    assert resolve_commit(Path("."), "HEAD\x00--output=/tmp/x") is None


@pytest.fixture
def sealed(tmp_path):
    repo, base = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    out = tmp_path / "ok.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=out, secret=b"\x05" * 32)
    return repo, base, out


def _with_base(path: Path, base: object, dest: Path) -> Path:
    from tracetui.capsule import manifest as mf
    from tracetui.capsule.archive import read_archive, write_archive

    members = read_archive(path.read_bytes(), mf.ALLOWED)
    manifest = orjson.loads(members[mf.MANIFEST])
    manifest["repo"]["base"] = base
    payload = {k: v for k, v in members.items() if k in mf.PAYLOAD}
    dest.write_bytes(write_archive({mf.MANIFEST: mf.canonical(manifest), **payload}))
    return dest


@pytest.mark.parametrize("base", ["HEAD", "main", ":/base", "@{-1}", "HEAD~0", "abc\x00def", "--output=x"])
def test_a_capsule_base_that_is_not_a_commit_id_is_never_resolved(sealed, tmp_path, base):
    """A stranger's capsule naming `HEAD` or a branch would replay on whatever the replayer's own
    repository has there; only a full commit id names the commit the author sealed on."""
    repo, _, out = sealed
    capsule = open_capsule(_with_base(out, base, tmp_path / "b.capsule"))
    result = replay(capsule, repo, check=kit.CHECK, sandbox=None, trust=True)
    assert result.verdict == INCONCLUSIVE and "not a full commit id" in result.reason
    with pytest.raises(CapsuleError, match="not a full commit id"):
        open_replay(capsule, repo)


def test_the_replay_cli_on_such_a_base_is_one_line(sealed, tmp_path, capsys):
    from tracetui.cli import main

    repo, _, out = sealed
    path = _with_base(out, "HEAD\x00\x1b]0;t\x07", tmp_path / "b.capsule")
    main(["replay", str(path), "--repo", str(repo)])
    captured = capsys.readouterr()
    assert "\x00" not in captured.out + captured.err and "\x1b" not in captured.out + captured.err
    assert "not a full commit id" in captured.out + captured.err


@pytest.mark.parametrize("stamp", ["2026-01-01\x00T00:00:00Z", "9999-12-31T23:59:59Z", "--output=/tmp/x"])
def test_a_log_whose_commit_and_times_are_hostile_still_seals(tmp_path, stamp):
    repo, base = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    session.git = GitInfo("main\x00", "HEAD\x00--output=/tmp/pwned", None)
    for step in session.steps:
        step.timestamp = stamp
    out = tmp_path / "s.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=out, secret=b"\x06" * 32)
    assert open_capsule(out).base == base
