"""A capsule's patches are a stranger's code: the user's check runs them confined, or not at all.

The hostile capsule here adds `evil.sh`, which the user's check runs. It tries to write a hook into
the user's own repository, to write a file outside its clone, to read a token from the user's
environment and to open a network connection. In the sandbox all four fail; without one the check
does not run unless the user trusts the capsule.
"""

from __future__ import annotations

import socket
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, open_capsule, replay, seal
from tracetui.capsule.replay import UNCONFINED, capsule_files
from tracetui.capsule.sandbox import find_sandbox
from tracetui.model import FileEdit

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

SECRET = b"\x02" * 32
EVIL = """#!/bin/bash
hook="$1"; outside="$2"; port="$3"
if echo 'echo pwned' > "$hook" 2>/dev/null; then echo HOOK=written; else echo HOOK=refused; fi
if echo x > "$outside" 2>/dev/null; then echo OUTSIDE=written; else echo OUTSIDE=refused; fi
echo "TOKEN=${TRACETUI_TEST_TOKEN:-none}"
if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then echo NET=connected; else echo NET=refused; fi
echo inside > written-inside
exit 1
"""

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")


@pytest.fixture
def hostile(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    write = session.steps[2]
    write.edits = [FileEdit(f"{repo}/evil.sh", "create", content=EVIL)]
    write.tool_input = {"file_path": f"{repo}/evil.sh", "content": EVIL}
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "evil.capsule", secret=SECRET)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    hook = repo / ".git" / "hooks" / "pre-commit"
    outside = tmp_path / "outside-marker"
    check = f"bash evil.sh {hook} {outside} {port}"
    yield repo, tmp_path / "evil.capsule", check, hook, outside
    listener.close()


def _report(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


@needs_sandbox
def test_in_the_sandbox_the_capsule_reaches_nothing_of_mine(hostile, monkeypatch):
    repo, capsule, check, hook, outside = hostile
    monkeypatch.setenv("TRACETUI_TEST_TOKEN", "ghp_notreallyatoken")
    result = replay(capsule, repo, check=check)
    assert result.sandbox == "bubblewrap"
    assert result.base_check is not None and result.base_check.sandbox == "bubblewrap"
    report = _report(result.base_check.output)
    assert report["HOOK"] == "refused" and report["TOKEN"] == "none" and report["NET"] == "refused"
    # Writes outside the clone land in the sandbox's private /tmp at most, and vanish with it.
    assert not hook.exists() and not outside.exists()
    assert result.files == ["README.md", "evil.sh"]


def test_without_a_sandbox_the_check_does_not_run_unless_trusted(hostile):
    repo, capsule, check, hook, outside = hostile
    result = replay(capsule, repo, check=check, sandbox=None)
    assert result.verdict == INCONCLUSIVE and result.base_check is None
    assert "--trust" in result.reason and "no sandbox" in result.reason
    assert not outside.exists() and not hook.exists()


def test_trusted_without_a_sandbox_it_runs_and_says_so(hostile):
    repo, capsule, check, hook, outside = hostile
    result = replay(capsule, repo, check=check.replace(str(hook), "/dev/null"), sandbox=None, trust=True)
    assert result.sandbox == UNCONFINED and result.base_check is not None
    assert _report(result.base_check.output)["OUTSIDE"] == "written"
    assert outside.exists()


@needs_sandbox
def test_trust_never_turns_the_sandbox_off(hostile):
    repo, capsule, check, _, outside = hostile
    result = replay(capsule, repo, check=check, trust=True)
    assert result.sandbox == "bubblewrap" and not outside.exists()


def test_the_replay_leaves_my_repository_as_it_was(hostile):
    repo, capsule, check, _, _ = hostile
    before = sorted(p.name for p in (repo / ".git").iterdir())
    replay(capsule, repo, check="true", trust=True)
    assert sorted(p.name for p in (repo / ".git").iterdir()) == before
    assert kit.git(repo, "worktree", "list").count("\n") == 0
    assert not (repo / "evil.sh").exists()


def test_capsule_files_lists_what_the_check_would_run(hostile):
    _, capsule, _, _, _ = hostile
    assert capsule_files(open_capsule(capsule)) == ["README.md", "evil.sh"]
