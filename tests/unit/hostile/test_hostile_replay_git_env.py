"""A capsule names the commit its replay checks out, and that commit's tree (a stranger's pull request
the user fetched) holds the `.gitattributes` it likes. The clone's `git checkout` read the user's global
and system git config and every `GIT_*` variable tracetui was started with: a filter the user's config
defines (git-lfs's, whose smudge reads `.lfsconfig` from that same tree and fetches from the URL it
names), a file-system monitor, a template folder's hooks and config, an exec path's programs all ran.

Now the replay's git reads the config tracetui writes into its clone and nothing else, and no git
command of tracetui's inherits a `GIT_*` variable (tracetui/git_env.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, bisect, open_capsule, replay, seal
from tracetui.capsule.replay import open_replay

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit


def _program(path: Path, mark: Path) -> Path:
    path.write_text(f"#!/bin/sh\ntouch '{mark}'\nexec cat\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def world(tmp_path):
    """A repository whose base commit asks for filters, a capsule of it, and a folder for the marks
    what git should never have run leaves."""
    repo, _ = kit.make_repo(tmp_path)
    (repo / ".gitattributes").write_text("* filter=lfs diff=lfs merge=lfs ident\n")
    (repo / ".lfsconfig").write_text("[lfs]\n\turl = https://attacker.invalid/lfs\n")
    # A submodule whose update command is a shell's: only `git submodule update` runs it, and neither
    # tracetui nor a checkout (even with the user's submodule.recurse) ever does.
    marks = tmp_path / "marks"
    marks.mkdir()
    (repo / ".gitmodules").write_text(
        f'[submodule "sub"]\n\tpath = sub\n\turl = ./sub\n\tupdate = !touch {marks / "submodule-update"}\n'
    )
    kit.git(repo, "update-index", "--add", "--cacheinfo", f"160000,{kit.git(repo, 'rev-parse', 'HEAD')},sub")
    kit.git(repo, "add", ".")
    kit.git(repo, "commit", "-qm", "attributes of a stranger's branch")
    base = kit.git(repo, "rev-parse", "HEAD")
    session = kit.make_session(repo)
    out = tmp_path / "c.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=out, secret=b"\x05" * 32, base=base)
    return repo, out, marks, tmp_path


def _user_config(tmp: Path, marks: Path, name: str) -> Path:
    """A git config as a user's may be: git-lfs's filter, a monitor, templates, CRLF conversion."""
    templates = tmp / f"templates-{name}"
    (templates / "hooks").mkdir(parents=True)
    _program(templates / "hooks" / "post-checkout", marks / f"{name}-template-hook")
    monitor = _program(tmp / f"{name}-tm", marks / f"{name}-template-config")
    (templates / "config").write_text(f"[core]\n\tfsmonitor = {monitor}\n")
    config = tmp / f"{name}.gitconfig"
    config.write_text(
        f'[filter "lfs"]\n\tsmudge = {_program(tmp / f"{name}-smudge", marks / f"{name}-smudge")}\n'
        f"\tclean = cat\n\trequired = true\n"
        f"[core]\n\tfsmonitor = {_program(tmp / f'{name}-fsm', marks / f'{name}-fsmonitor')}\n"
        f"\tautocrlf = true\n"
        f"[init]\n\ttemplateDir = {templates}\n"
        f"[submodule]\n\trecurse = true\n"
    )
    return config


def test_the_users_global_and_system_git_config_run_nothing_in_the_clone(world, monkeypatch):
    repo, capsule, marks, tmp = world
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(_user_config(tmp, marks, "global")))
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(_user_config(tmp, marks, "system")))
    result = replay(capsule, repo)
    assert result.verdict == INCONCLUSIVE and result.failed == 0, result.reason
    with open_replay(open_capsule(capsule), repo) as run:
        assert run.worktree is not None
        # What the commit holds, byte for byte: no filter, no CRLF conversion.
        assert (run.worktree / "calc.py").read_bytes() == kit.BUGGY.encode()
        hooks = run.worktree / ".git" / "hooks"
        assert not hooks.exists() or list(hooks.iterdir()) == []
    assert sorted(p.name for p in marks.iterdir()) == []


def _mark_env(name: str, tmp: Path, marks: Path, repo: Path) -> dict[str, str]:
    fsmonitor = _program(tmp / f"{name}-fsm", marks / name)
    if name == "GIT_CONFIG_COUNT":
        return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.fsmonitor",
                "GIT_CONFIG_VALUE_0": str(fsmonitor)}  # fmt: skip
    if name == "GIT_CONFIG_PARAMETERS":
        return {"GIT_CONFIG_PARAMETERS": f"'core.fsmonitor'='{fsmonitor}'"}
    if name == "GIT_TEMPLATE_DIR":
        templates = tmp / "env-templates"
        templates.mkdir()
        (templates / "config").write_text(f"[core]\n\tfsmonitor = {fsmonitor}\n")
        return {"GIT_TEMPLATE_DIR": str(templates)}
    if name == "GIT_EXEC_PATH":
        # git puts its exec path before PATH for what it starts: the object store's fetch runs
        # `git-upload-pack` from there.
        exec_path = tmp / "exec-path"
        exec_path.mkdir()
        upload = exec_path / "git-upload-pack"
        upload.write_text(f"#!/bin/sh\ntouch '{marks / name}'\nexec /usr/bin/git upload-pack \"$@\"\n")
        upload.chmod(0o755)
        return {"GIT_EXEC_PATH": str(exec_path)}
    if name == "GIT_DIR":  # the user's own repository, where init and checkout would have gone
        return {"GIT_DIR": str(repo / ".git"), "GIT_WORK_TREE": str(repo)}
    raise AssertionError(name)


INHERITED = ["GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_TEMPLATE_DIR", "GIT_EXEC_PATH", "GIT_DIR"]


@pytest.mark.parametrize("name", INHERITED)
def test_no_git_variable_tracetui_inherits_reaches_the_replay(world, monkeypatch, name):
    repo, capsule, marks, tmp = world
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # this machine's own settings aside
    for key, value in _mark_env(name, tmp, marks, repo).items():
        monkeypatch.setenv(key, value)
    head = kit.git(repo, "rev-parse", "HEAD")
    status = kit.git(repo, "status", "--porcelain")
    result = replay(capsule, repo)
    assert result.verdict == INCONCLUSIVE and result.failed == 0, result.reason
    assert sorted(p.name for p in marks.iterdir()) == []
    assert kit.git(repo, "rev-parse", "HEAD") == head and kit.git(repo, "status", "--porcelain") == status


def test_bisect_probes_are_held_to_the_same(world, monkeypatch):
    repo, capsule, marks, tmp = world
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(_user_config(tmp, marks, "global")))
    for key, value in _mark_env("GIT_CONFIG_COUNT", tmp, marks, repo).items():
        monkeypatch.setenv(key, value)
    bisect(open_capsule(capsule), repo, kit.CHECK, trust=True, sandbox=None)
    assert sorted(p.name for p in marks.iterdir()) == []


def test_git_env_keeps_no_git_variable(monkeypatch):
    from tracetui.git_env import git_env

    for name in ("GIT_DIR", "GIT_CONFIG_PARAMETERS", "GIT_EXEC_PATH", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
                 "GIT_SSH_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_TRACE", "GIT_CONFIG_SYSTEM"):  # fmt: skip
        monkeypatch.setenv(name, "/somewhere")
    monkeypatch.setenv("PATH_LIKE_KEPT", "yes")
    for own in (True, False):
        env = git_env(user_config=own)
        assert env["PATH_LIKE_KEPT"] == "yes"
        assert {k for k in env if k.startswith("GIT_")} <= {
            "GIT_TERMINAL_PROMPT", "GIT_PAGER", "GIT_NO_LAZY_FETCH", "GIT_CONFIG_NOSYSTEM",
            "GIT_CONFIG_GLOBAL", "GIT_ATTR_NOSYSTEM",
        }  # fmt: skip
    assert git_env(user_config=False)["GIT_CONFIG_GLOBAL"] == "/dev/null"
    assert "GIT_CONFIG_GLOBAL" not in git_env(user_config=True)
