"""Helpers for the trail tests: real git repositories driven by the git CLI at fixed times."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from tracetui.model import FileEdit, Session, Step, StepKind


def iso(hour: int, minute: int = 0, second: int = 0) -> str:
    return datetime(2026, 1, 1, hour, minute, second, tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


class Repo:
    """A scratch repository; every commit gets the time asked for, so the trail's clock is known."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.when = iso(9)

    def git(self, *args: str, when: str | None = None) -> str:
        stamp: str = when or getattr(self, "when", None) or iso(9)
        env = dict(
            os.environ,
            GIT_AUTHOR_NAME="Dev",
            GIT_AUTHOR_EMAIL="dev@example.invalid",
            GIT_COMMITTER_NAME="Dev",
            GIT_COMMITTER_EMAIL="dev@example.invalid",
            GIT_AUTHOR_DATE=stamp,
            GIT_COMMITTER_DATE=stamp,
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=os.devnull,
        )
        out = subprocess.run(["git", *args], cwd=self.path, env=env, capture_output=True, text=True)
        assert out.returncode == 0, f"git {' '.join(args)} failed: {out.stderr}"
        return out.stdout.strip()

    def write(self, name: str, text: str) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def read(self, name: str) -> str:
        return (self.path / name).read_text()

    def commit(self, message: str, when: str, *paths: str) -> str:
        self.git("add", "-A", "--", *(paths or (".",)), when=when)
        self.git("commit", "-q", "-m", message, when=when)
        return self.git("rev-parse", "HEAD")

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")


def replace(repo: Repo, name: str, old: str, new: str) -> FileEdit:
    """Do what an agent's string-replace edit does, and return the edit as a reader would report it."""
    text = repo.read(name)
    assert text.count(old) == 1, f"{old!r} must occur once in {name}"
    repo.write(name, text.replace(old, new))
    return FileEdit(path=str(repo.path / name), op="update", old_string=old, new_string=new, original=text)


def write(repo: Repo, name: str, content: str) -> FileEdit:
    existed = (repo.path / name).exists()
    repo.write(name, content)
    return FileEdit(path=name, op="update" if existed else "create", content=content)


def session_of(cwd: Path, edits: list[tuple[str, FileEdit]], agent: str = "claude") -> Session:
    """A session whose tool calls made `edits`, each at its own time."""
    steps: list[Step] = []
    for i, (when, edit) in enumerate(edits):
        steps.append(
            Step(
                id=f"s{i}",
                index=i,
                kind=StepKind.TOOL_CALL,
                role="assistant",
                tool="Edit",
                tool_call_id=f"toolu_{i}",
                timestamp=when,
                edits=[edit],
            )
        )
    return Session(id="sess-1", agent=agent, source="x.jsonl", cwd=str(cwd), started=edits[0][0] if edits else None, steps=steps)


def states(result) -> dict[str, str]:
    return {f.patch.path: f.state for f in result.fates}


def shell_steps(step_id: str, when: str, command: str, cwd: Path, failed: bool = False) -> list:
    """A shell tool call and its result, as a reader gives them."""
    from tracetui.model import Step, StepKind

    call = Step(id=step_id, index=0, kind=StepKind.TOOL_CALL, role="assistant", tool="Bash",
                tool_call_id=f"call-{step_id}", timestamp=when, tool_input={"command": command}, cwd=str(cwd))  # fmt: skip
    result = Step(id=step_id + "r", index=0, kind=StepKind.TOOL_RESULT, role="tool", tool="Bash",
                  tool_call_id=f"call-{step_id}", timestamp=when, is_error=failed)  # fmt: skip
    return [call, result]


def with_shell_steps(session, after: int, steps: list):
    session.steps[after + 1 : after + 1] = steps
    for i, step in enumerate(session.steps):
        step.index = i
    return session


def count_judgements(monkeypatch) -> list[tuple[str, ...]]:
    """The files of each judgement `TrailByFile` (and so `trail` and blame) makes, as they are made."""
    import tracetui.trail.by_file as by_file

    made: list[tuple[str, ...]] = []
    real = by_file.judge

    def counted(repo, patches, *args, **kwargs):
        made.append(tuple(p.path for p in patches))
        return real(repo, patches, *args, **kwargs)

    monkeypatch.setattr(by_file, "judge", counted)
    return made


def silent_git(tmp_path: Path, monkeypatch) -> None:
    """A `git` first on PATH that never answers (`sleep` reads no input and writes nothing): what a
    caller's deadline must end."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text("#!/bin/sh\nexec sleep 30\n")
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


# The head of a child script that trails one repository with one commit (argv: a case's `kind`, the
# `base` folder, the tests folder). A hostile test trails in a child, where a memory limit it sets, a
# variable it plants or a read that sticks cannot reach pytest.
_CHILD_HEAD = """
import os, resource, sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from support.trail_kit import Repo, iso, write, session_of, states
from tracetui.trail import trail
kind, base = sys.argv[1], Path(sys.argv[2])
repo = Repo(base / "repo")
repo.write("keep.txt", "x\\n")
repo.commit("init", iso(9))
"""


def trail_in_child(
    body: str, kind: str, base: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`body` after `_CHILD_HEAD`, run by a fresh interpreter (60 s at most), its output captured."""
    from shared_data import ROOT

    return subprocess.run([sys.executable, "-c", _CHILD_HEAD + body, kind, str(base), str(ROOT / "tests")],
                          capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})  # fmt: skip
