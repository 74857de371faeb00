"""Bisect names the step that broke the check, and the smallest set of patches that still breaks it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.narrow import present
from shared_data import FIXTURES

from tracetui.capsule import FIXED, INCONCLUSIVE, REPRODUCES, open_capsule, seal
from tracetui.capsule.bisect import bisect
from tracetui.model import FileEdit, Step, StepKind

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

CHECK = "python3 -c 'from calc import add; assert add(2, 3) == 5'"


def _edit(i: int, repo: Path, path: str, edit: FileEdit, parent: str) -> Step:
    return Step(f"c{i}", i, StepKind.TOOL_CALL, "assistant", "", kit._ts(i), tool="Edit", tool_call_id=f"t{i}",
                tool_input={"file_path": f"{repo}/{path}"}, parent=parent, edits=[edit])  # fmt: skip


def _five_steps(repo: Path, breaking: int = 3) -> list[Step]:
    steps = [Step("u0", 0, StepKind.USER, "user", "tidy the project, please", kit._ts(0))]
    parent = "u0"
    for i in range(1, 6):
        if i == breaking:
            edit = FileEdit(f"{repo}/calc.py", "update", old_string="a + b", new_string="a - b")
            steps.append(_edit(i, repo, "calc.py", edit, parent))
        else:
            edit = FileEdit(f"{repo}/notes{i}.txt", "create", content=f"note {i}\n")
            steps.append(_edit(i, repo, f"notes{i}.txt", edit, parent))
        parent = f"c{i}"
    return steps


@pytest.fixture
def broken(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    kit.commit_fix(repo)  # the base: add() works
    session = kit.make_session(repo)
    session.steps = _five_steps(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "b.capsule", secret=b"\x06" * 32)
    return repo, open_capsule(tmp_path / "b.capsule")


def test_bisect_names_the_third_step_and_its_one_patch(broken):
    repo, capsule = broken
    result = bisect(capsule, repo, CHECK, trust=True)
    assert result.verdict == REPRODUCES, result.reason
    assert result.first_step == "c3" and result.first_index == 3
    assert result.minimal_patches == [{"step": "c3", "path": "calc.py"}] and result.minimal
    assert result.prompt == "tidy the project, please"
    assert len(result.runs) <= 10
    data = result.to_dict()
    assert {"verdict", "first_step", "minimal_patches", "runs"} <= set(data)


def test_the_minimal_set_reproduces_the_failure_on_its_own(broken):
    from tracetui.capsule.apply import apply_patch
    from tracetui.capsule.replay import Replay

    repo, capsule = broken
    result = bisect(capsule, repo, CHECK, trust=True)
    wanted = {(p["step"], p["path"]) for p in result.minimal_patches}
    with Replay(capsule, repo, kit.git(repo, "rev-parse", "HEAD"), trust=True) as run:
        for record in capsule.fates:
            if (record["step"], record["path"]) in wanted:
                assert apply_patch(present(run.worktree), record) is None
        assert run.run_check(CHECK).exit_code != 0


def test_a_fix_is_bisected_to_the_step_that_made_the_check_pass(tmp_path):
    repo, _ = kit.make_repo(tmp_path)  # the base: add() subtracts
    session = kit.make_session(repo)
    steps = _five_steps(repo, breaking=0)
    steps[4] = _edit(4, repo, "calc.py", FileEdit(f"{repo}/calc.py", "update", old_string="a - b", new_string="a + b"),
                     "c3")  # fmt: skip
    session.steps = steps
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "f.capsule", secret=b"\x07" * 32)
    result = bisect(open_capsule(tmp_path / "f.capsule"), repo, CHECK, trust=True)
    assert result.verdict == FIXED and result.first_step == "c4"
    assert [p["path"] for p in result.minimal_patches] == ["calc.py"]


def test_nothing_to_bisect_when_the_check_never_changes(broken):
    repo, capsule = broken
    result = bisect(capsule, repo, "true", trust=True)
    assert result.verdict == INCONCLUSIVE and "nothing to bisect" in result.reason


def test_without_a_sandbox_or_trust_the_check_does_not_run(broken):
    repo, capsule = broken
    result = bisect(capsule, repo, CHECK, sandbox=None)
    assert result.verdict == INCONCLUSIVE and "--trust" in result.reason and not result.runs


def test_the_cli_bisects_and_prints_one_json_document(broken, tmp_path, capsys):
    import orjson

    from tracetui.cli import main

    repo, capsule = broken
    code = main(["replay", str(capsule.path), "--repo", str(repo), "--check", CHECK, "--bisect", "--trust", "--json"])
    assert code == 1  # reproduces: replay's exit codes hold under --bisect
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["verdict"] == REPRODUCES and doc["first_step"] == "c3"
    assert doc["minimal_patches"] == [{"step": "c3", "path": "calc.py"}]
    assert main(["replay", str(capsule.path), "--repo", str(repo), "--check", CHECK, "--bisect", "--trust"]) == 1
    out = capsys.readouterr().out
    # The step as `show`, blame and the app number it; the log's own id (c3) only in --json.
    assert "first step: step 3\n" in out and "tidy the project" in out and "    step 3 calc.py" in out
    assert "(c3)" not in out and "step c3" not in out
    assert main(["replay", str(capsule.path), "--repo", str(repo), "--bisect"]) == 2
    assert "--bisect needs --check" in capsys.readouterr().err
