"""A log's paths mapped onto a clone anywhere: the verdicts equal those with the clone at the logged path.

Each agent's log (hand-made, in its real format) was written in /home/alice/work/proj/sub, a subfolder
of the repository, and names files relative to that cwd and by absolute path above it; the repository
the tests build lives in tmp_path. A real corpus log is also judged in a fresh clone of its public
repository, where the mirror of that repository is on this machine.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import PureWindowsPath
from types import SimpleNamespace

import orjson
import pytest
from shared_data import CORPUS, MIRRORS
from shared_data import mirror as shared_mirror
from support.trail_kit import Repo, iso
from support.trail_logs import (
    ALICE,
    BODY,
    alice_edits,
    alice_project,
    claude_log,
    codex_log,
    mapped_log,
    pi_log,
    unrelated_clone,
)

from tracetui.cli import main
from tracetui.errors import NotFound
from tracetui.model import FileEdit, GitInfo, Session, Step, StepKind
from tracetui.sources import SessionFiles, group, read_session
from tracetui.trail import trail
from tracetui.trail.mapping import _remote_key, map_repository

MAKERS = [("claude", claude_log), ("codex", codex_log), ("pi", pi_log)]


def _rows(result) -> list[tuple]:
    return [
        (f.patch.path, f.state, f.commit, f.kept, f.changed, f.dropped, f.evidence, len(f.patch.added),
         len(f.patch.removed), f.path_now, f.reason)
        for f in result.fates
    ]  # fmt: skip


EXPECTED = {
    "sub/a.py": "alive",
    "sub/b.py": "reverted",
    "sub/c.py": "lost",
    "top.py": "alive",
    "sub/d.py": "uncommitted",
}


@pytest.mark.parametrize(("agent", "make"), MAKERS)
def test_a_log_from_another_machine_maps_onto_the_repository(tmp_path, agent, make):
    assert not os.path.exists(ALICE)
    repo = alice_project(tmp_path)
    here = mapped_log(make, str(repo.path), tmp_path / "logs-here", agent)
    there = mapped_log(make, ALICE, tmp_path / "logs-there", agent)
    assert there.cwd == f"{ALICE}/sub"
    at_logged_path = trail(here)  # found from its cwd, as before
    assert {f.patch.path: f.state for f in at_logged_path.fates} == EXPECTED
    assert at_logged_path.note is None
    for given in (repo.path, repo.path / "sub"):  # the clone's top, or any folder in it
        elsewhere = trail(there, repo=given)
        assert _rows(elsewhere) == _rows(at_logged_path)
        assert elsewhere.repo == str(repo.path)
        assert elsewhere.note == f"paths under {ALICE} (as logged) are read in {repo.path}"


@pytest.mark.parametrize(("agent", "make"), MAKERS)
def test_a_fresh_clone_elsewhere_judges_as_one_at_the_logged_path(tmp_path, agent, make):
    repo = alice_project(tmp_path)
    clone = tmp_path / "far" / "away" / "copy"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(clone)], check=True, capture_output=True)
    at_clone = mapped_log(make, str(clone), tmp_path / "logs-clone", agent)
    there = mapped_log(make, ALICE, tmp_path / "logs-there", agent)
    expected = _rows(trail(at_clone))
    assert {r[0]: r[1] for r in expected} == {**EXPECTED, "sub/d.py": "lost"}  # the clone has no work tree edits
    assert _rows(trail(there, repo=clone)) == expected


def test_no_repository_says_which_path_was_tried_and_how_to_give_one(tmp_path):
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    result = trail(there)
    assert result.repo is None
    assert result.note == (
        f"repository not found for {ALICE}/sub: states are unknown; to judge them in a clone of its "
        f"repository: tracetui trail {there.id[:12]} --repo PATH"
    )
    assert {f.state for f in result.fates} == {"unknown"}
    assert [f.patch.path for f in result.fates] == ["a.py", "b.py", "c.py", f"{ALICE}/top.py", "d.py"]


def test_a_repository_holding_none_of_the_files_says_so(tmp_path):
    alice_project(tmp_path)
    other = unrelated_clone(tmp_path)
    there = mapped_log(codex_log, ALICE, tmp_path / "logs", "codex")
    result = trail(there, repo=other.path)
    assert result.note == (
        f"{other.path} holds none of the session's files (looked for 5, e.g. {ALICE}/sub/a.py): states are unknown"
    )
    assert [(f.state, f.reason) for f in result.fates] == [("unknown", "not in the repository")] * 5
    with pytest.raises(NotFound, match="revision 'no-such' not found"):  # a wrong --ref is said all the same
        trail(there, repo=other.path, ref="no-such")
    with pytest.raises(NotFound, match="no git repository at"):
        map_repository(there, tmp_path / "logs")


def test_the_cli_says_where_the_paths_were_read(tmp_path, capsys):
    repo = alice_project(tmp_path)
    logs = tmp_path / "logs"
    mapped_log(pi_log, ALICE, logs, "pi")
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"pi={logs}", "--json"]) == 0
    capsys.readouterr()
    sid = "22222222"
    assert main(["--bucket", str(bucket), "trail", sid]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"repository not found for {ALICE}/sub: states are unknown; ")
    assert lines[0].endswith(" --repo PATH")
    assert main(["--bucket", str(bucket), "trail", sid, "--repo", str(repo.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"paths under {ALICE} (as logged) are read in {repo.path}"
    assert lines[-1] == "5 patches in 5 files: 1 lost, 1 reverted, 1 uncommitted, 2 alive"
    assert main(["--bucket", str(bucket), "trail", sid, "--repo", str(repo.path), "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert {r["path"]: r["state"] for r in rows} == EXPECTED
    # --repo before the command (where the app takes it) serves the trail as well
    assert main(["--bucket", str(bucket), "--repo", str(repo.path), "trail", sid, "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out) == rows
    # the app refuses a --repo that is no repository in one line, before it opens
    assert main(["--bucket", str(bucket), "--repo", str(tmp_path / "logs")]) == 1
    assert capsys.readouterr().err == f"tracetui: no git repository at {tmp_path / 'logs'}\n"


def test_windows_paths_map_onto_a_posix_clone(tmp_path):
    repo = alice_project(tmp_path)
    root = "C:\\Users\\bob\\proj"
    logged = SimpleNamespace(path=PureWindowsPath(root) / "sub")
    edits = [(n if not n.startswith("/") else root + "\\top.py", old, new) for n, old, new in alice_edits("/")]
    # Only the repository's .path is read: a Windows one here.
    there = read_session(SessionFiles("codex", codex_log(logged, tmp_path / "logs", edits)))  # type: ignore[arg-type]
    here = mapped_log(codex_log, str(repo.path), tmp_path / "logs-here", "codex")
    result = trail(there, repo=repo.path)
    assert _rows(result) == _rows(trail(here))
    assert result.note == f"paths under c:/users/bob/proj (as logged) are read in {repo.path}"


def _session(cwd: str, *paths: str, git: GitInfo | None = None) -> Session:
    steps = [
        Step(id=f"s{i}", index=i, kind=StepKind.TOOL_CALL, role="assistant", tool="Write", tool_call_id=f"t{i}",
             timestamp=iso(10), edits=[FileEdit(path=p, op="create", content="print('new')\n")])
        for i, p in enumerate(paths)
    ]  # fmt: skip
    return Session(id="sess-map", agent="claude", source="x.jsonl", cwd=cwd, started=iso(10), steps=steps, git=git)


def test_a_name_in_two_folders_goes_to_the_higher_root(tmp_path):
    repo = Repo(tmp_path / "clone")
    repo.write("__init__.py", "")
    repo.write("pkg/__init__.py", "")
    repo.commit("init", iso(9))
    mapped = map_repository(_session(f"{ALICE}/pkg", f"{ALICE}/pkg/__init__.py"), repo.path)
    assert (mapped.logged_root, mapped.held) == (ALICE, 1)


def test_new_files_only_map_when_the_log_names_the_repository(tmp_path):
    repo = Repo(tmp_path / "clone")
    repo.write("src/old.py", "x = 1\n")
    repo.commit("init", iso(9))
    repo.git("remote", "add", "origin", "git@github.com:Alice/Proj.git")
    only_new = (ALICE, f"{ALICE}/src/new.py")
    assert map_repository(_session(*only_new), repo.path).logged_root is None
    by_commit = GitInfo(commit=repo.head())
    assert map_repository(_session(*only_new, git=by_commit), repo.path).logged_root == ALICE
    by_remote = GitInfo(remote="https://token@github.com/alice/proj/")
    result = trail(_session(*only_new, git=by_remote), repo=repo.path)
    assert [(f.patch.path, f.state) for f in result.fates] == [("src/new.py", "lost")]
    stranger = GitInfo(remote="https://github.com/bob/other", commit="0" * 40)
    assert map_repository(_session(*only_new, git=stranger), repo.path).logged_root is None


def test_remote_urls_of_one_repository_agree():
    forms = [
        "https://github.com/Alice/Proj.git",
        "git@github.com:alice/proj.git",
        "ssh://git@github.com/alice/proj",
        "https://user:tok@github.com/alice/proj/",
        "ssh://git@github.com:22/alice/proj.git",
    ]
    assert {_remote_key(f) for f in forms} == {"github.com/alice/proj"}
    assert _remote_key("https://github.com/alice/other") != _remote_key(forms[0])


# -- a real log, judged in a fresh clone of its public repository ------------------------------------

SLOPOMETRY_LOG = CORPUS / "claude" / "TensorTemplar__slopometry__tests__fixtures__transcript.jsonl"
SLOPOMETRY_ROOT = "/Users/tensortemplar/code/slopometry"  # the log's cwd, the repository's top


def test_a_corpus_log_maps_onto_a_fresh_clone(tmp_path):
    mirror = shared_mirror("TensorTemplar", "slopometry")
    if mirror is None or not SLOPOMETRY_LOG.is_file():
        pytest.skip(f"needs {SLOPOMETRY_LOG} and a mirror of TensorTemplar/slopometry under {MIRRORS}")
    clone = tmp_path / "slopometry"
    subprocess.run(["git", "clone", "-q", str(mirror), str(clone)], check=True, capture_output=True)
    session = [read_session(g) for g in group("claude", [SLOPOMETRY_LOG])][0]
    assert session.cwd == SLOPOMETRY_ROOT
    result = trail(session, repo=clone)
    assert result.note == f"paths under {SLOPOMETRY_ROOT} (as logged) are read in {clone}"
    outside = [f for f in result.fates if f.patch.path.startswith("/")]
    inside = [f for f in result.fates if not f.patch.path.startswith("/")]
    assert {f.patch.path for f in outside} == {"/Users/tensortemplar/.claude/plans/zany-strolling-eich.md"}
    assert {f.reason for f in outside} == {"outside the repository"}
    assert len(inside) >= 50
    assert all(f.state != "unknown" for f in inside), [f.patch.path for f in inside if f.state == "unknown"]
    assert {f.patch.path for f in inside} >= {"src/slopometry/core/models.py", "src/slopometry/display/formatters.py",
                                              "README.md", ".gitignore"}  # fmt: skip
    committed = [f for f in inside if f.commit]
    assert len(committed) >= 40  # most of the session's work reached the public history


def test_the_apps_trail_pane_maps_the_same_way(tmp_path):
    from tracetui.library import MemoryLibrary
    from tracetui.views.trail import trail_view

    repo = alice_project(tmp_path)
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    view = trail_view(there, MemoryLibrary([there]), str(repo.path), None)
    assert view.note == f"paths under {ALICE} (as logged) are read in {repo.path}"
    assert sorted((p.path, p.state) for ps in view.patches.values() for p in ps) == sorted(EXPECTED.items())
    alone = trail_view(there, MemoryLibrary([there]), None, None)  # no repo chosen: the logged cwd is tried
    assert alone.note.startswith(f"repository not found for {ALICE}/sub: ")


RTCHESS_LOG = CORPUS / "codex" / "pinouchon__rtchess__dev_history__019aad50-a7e6-7422-b7a8-0b384290624f_rtchess_1.jsonl"


def test_a_codex_corpus_log_maps_onto_a_fresh_clone(tmp_path):
    mirror = shared_mirror("pinouchon", "rtchess")
    if mirror is None or not RTCHESS_LOG.is_file():
        pytest.skip(f"needs {RTCHESS_LOG} and a mirror of pinouchon/rtchess under {MIRRORS}")
    clone = tmp_path / "elsewhere" / "rtchess"
    subprocess.run(["git", "clone", "-q", str(mirror), str(clone)], check=True, capture_output=True)
    session = [read_session(g) for g in group("codex", [RTCHESS_LOG])][0]
    assert session.cwd == "/Users/pinouchon/code/rtchess"
    result = trail(session, repo=clone)
    assert result.note == f"paths under /Users/pinouchon/code/rtchess (as logged) are read in {clone}"
    assert len(result.fates) >= 150
    assert not any(f.patch.path.startswith("/") for f in result.fates)  # apply_patch names relative to the cwd
    assert {f.reason for f in result.fates if f.state == "unknown"} <= {"no line to look for"}
    assert sum(1 for f in result.fates if f.commit) >= 90


def test_hostile_names_neither_map_nor_crash(tmp_path):
    repo = Repo(tmp_path / "clone")
    repo.write("README.md", "hello\n")
    repo.commit("init", iso(9))
    odd = [f"{ALICE}/a\x00b.py", f"{ALICE}/.git/config", "../../../../etc/passwd", "/" + "d/" * 2000 + "f.py",
           "\x1b[31m/evil.py", "C:\\x\\..\\..\\y.py"]  # fmt: skip
    session = _session(ALICE, *odd)
    # Every clone has .git/config: git's own files are no evidence that the session worked here.
    result = trail(session, repo=repo.path)
    assert result.note is not None and " holds none of the session's files " in result.note
    assert {f.state for f in result.fates} == {"unknown"}
    session = _session(ALICE, *odd, f"{ALICE}/README.md")
    result = trail(session, repo=repo.path)  # a NUL byte in a name reaches the work tree: no traceback
    assert result.note == f"paths under {ALICE} (as logged) are read in {repo.path}"
    assert [f.patch.path for f in result.fates][-1] == "README.md"


def test_files_moved_away_since_are_found_in_the_history(tmp_path):
    repo = Repo(tmp_path / "clone")
    repo.write("a.py", BODY)
    repo.commit("init", iso(9))
    edit = FileEdit(path=f"{ALICE}/a.py", op="update", old_string="value_4 = 4\n", new_string="value_4 = 4\nnew = 1\n")
    repo.write("a.py", BODY.replace("value_4 = 4\n", "value_4 = 4\nnew = 1\n"))
    repo.commit("work", iso(11))
    repo.git("mv", "a.py", "moved.py", when=iso(12))
    repo.commit("move", iso(12))
    session = _session(ALICE)
    session.steps = [Step(id="s0", index=0, kind=StepKind.TOOL_CALL, role="assistant", tool="Edit",
                          tool_call_id="t0", timestamp=iso(10), edits=[edit])]  # fmt: skip
    mapped = map_repository(session, repo.path)
    assert (mapped.logged_root, mapped.held) == (ALICE, 1)  # a.py is not in the clone now, but was
    [fate] = trail(session, repo=repo.path).fates
    assert (fate.patch.path, fate.state, fate.path_now) == ("a.py", "alive", "moved.py")


def test_a_folder_moved_to_the_root_since_is_not_where_the_session_worked(tmp_path):
    """LAF-US/IDAHO-VAULT's real Codex session edited `!/VAULT-*.md` and a dozen files across the
    repository; the three notes were moved from the `!` folder to the root later. At HEAD they read as
    if the agent had worked in `!`, and every other file fell outside it (unknown). The commit the
    log says the session started from holds the names as they were."""
    repo = Repo(tmp_path / "clone")
    for name in ("notes/a.md", "notes/b.md", "notes/c.md", "src/app.py", "ci/build.yml"):
        repo.write(name, BODY)
    start = repo.commit("init", iso(9))
    for name in ("a.md", "b.md", "c.md"):
        repo.git("mv", f"notes/{name}", name, when=iso(12))
    repo.git("rm", "-q", "src/app.py", "ci/build.yml", when=iso(12))
    repo.commit("flatten", iso(12))
    names = [f"{ALICE}/notes/a.md", f"{ALICE}/notes/b.md", f"{ALICE}/notes/c.md", f"{ALICE}/src/app.py",
             f"{ALICE}/ci/build.yml"]  # fmt: skip
    assert map_repository(_session(ALICE, *names), repo.path).logged_root == f"{ALICE}/notes"
    mapped = map_repository(_session(ALICE, *names, git=GitInfo(commit=start)), repo.path)
    assert (mapped.logged_root, mapped.held) == (ALICE, 5)


def test_a_package_moved_to_the_top_since_does_not_put_the_cwd_outside_the_repository(tmp_path):
    """seokhyeonhong/motion-jepa's real Codex 0.145 session worked in the repository's top, first on a
    package under src/motion_jepa/ (skeleton/, motion_rep/), later, after the author had moved the
    package's folders to the top and squashed the history, on train.py, mask/collators.py and new
    scripts there. More of its files were held under the package's folder than under the cwd, so that
    folder was taken for the top and every file of the cwd itself read outside the repository. The log
    names its cwd's repository (the clone's remote): the top is the cwd or a folder above it."""
    repo = Repo(tmp_path / "clone")
    for name in ("skeleton/base.py", "skeleton/bvh.py", "skeleton/kinematics.py", "train.py", "mask/masks.py"):
        repo.write(name, BODY)
    repo.commit("init", iso(9))
    repo.git("remote", "add", "origin", "https://github.com/alice/proj.git")
    names = [f"{ALICE}/src/pkg/skeleton/base.py", f"{ALICE}/src/pkg/skeleton/bvh.py",
             f"{ALICE}/src/pkg/skeleton/kinematics.py", f"{ALICE}/train.py", f"{ALICE}/mask/masks.py"]  # fmt: skip
    assert map_repository(_session(ALICE, *names), repo.path).logged_root == f"{ALICE}/src/pkg"
    theirs = GitInfo(branch="main", commit="7" * 40, remote="https://github.com/alice/proj.git")
    mapped = map_repository(_session(ALICE, *names, git=theirs), repo.path)
    assert (mapped.logged_root, mapped.held) == (ALICE, 2)
    stranger = GitInfo(branch="main", remote="https://github.com/bob/other.git")
    assert map_repository(_session(ALICE, *names, git=stranger), repo.path).logged_root == f"{ALICE}/src/pkg"


def test_a_session_whose_files_were_never_committed_is_placed_by_its_cwd(tmp_path):
    """XEFF09/dotfiles's real Copilot session ran in the repository's `.copilot` folder and created a
    file in a folder no commit has: no edited file placed it, and every patch read unknown. Where the
    log names the repository (its commit is in the clone), the cwd places it."""
    repo = Repo(tmp_path / "clone")
    repo.write("tools/run.sh", "echo\n")
    start = repo.commit("init", iso(9))
    new = (f"{ALICE}/tools", f"{ALICE}/.github/notes.md")
    assert map_repository(_session(*new), repo.path).logged_root is None  # nothing says it is this one
    mapped = map_repository(_session(*new, git=GitInfo(commit=start)), repo.path)
    assert mapped.logged_root == ALICE  # `tools` is a folder of the clone: its parent is the top
    [fate] = trail(_session(*new, git=GitInfo(commit=start)), repo=repo.path).fates
    assert (fate.patch.path, fate.state) == (".github/notes.md", "lost")
    at_top = _session(ALICE, f"{ALICE}/.github/notes.md", git=GitInfo(commit=start))
    assert map_repository(at_top, repo.path).logged_root == ALICE
