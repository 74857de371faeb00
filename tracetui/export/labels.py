"""Outcome labels: what git says became of a session's work, and what its tests said.

Per patch, its survival state at the reference (the trail's, cached in the bucket); per session the
lines it added and how many of those are alive, transformed, reverted or lost (a patch's added lines
count under its state), the test commands it ran with the exit status each returned (from the tool
results), and the commits that took its work. Without a repository every state is `unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.errors import TracetuiError
from tracetui.model import Session, StepKind
from tracetui.trail import Fate, trail

LINE_STATES = ("alive", "transformed", "reverted", "lost", "uncommitted", "unknown")

# A command runs tests when one of its words is a test runner (or a build tool asked to test).
_TEST_COMMAND = re.compile(
    r"(?:^|[\s;&|(/])(?:"
    r"pytest|py\.test|tox|nox|unittest|nosetests|jest|vitest|mocha|ava|karma|playwright\s+test|cypress\s+run"
    r"|rspec|phpunit|ctest|bats"
    r"|(?:go|cargo|npm|pnpm|yarn|bun|deno|dotnet|mvn|mvnw|gradle|gradlew|mix|swift|zig|make|just|poetry\s+run"
    r"|uv\s+run|npx|rake|bazel)\s+(?:run\s+)?test\b"
    r")"
)


@dataclass(slots=True)
class Outcome:
    """The labels of one session and the fates of its patches."""

    fates: list[Fate] = field(default_factory=list)
    ref: str = "HEAD"
    repo: str | None = None
    note: str | None = None
    tests: list[dict[str, Any]] = field(default_factory=list)  # {"step", "command", "exit_code"}

    def labels(self) -> dict[str, Any]:
        lines = {state: 0 for state in LINE_STATES}
        for fate in self.fates:
            lines[fate.state] = lines.get(fate.state, 0) + len(fate.patch.added)
        last = self.tests[-1]["exit_code"] if self.tests else None
        return {
            "ref": self.ref,
            "patches": len(self.fates),
            "lines_added": sum(len(f.patch.added) for f in self.fates),
            **{f"lines_{state}": n for state, n in lines.items()},
            "tests": self.tests,
            "tests_last_exit": last,
            "commits": sorted({f.commit for f in self.fates if f.commit}),
            "note": self.note,
        }


def outcome(
    session: Session, ref: str = "HEAD", repo: str | Path | None = None, cache_dir: Path | None = None
) -> Outcome:
    """The session's outcome at `ref`: its repository is found from its cwd unless `repo` is given.

    A repository where `ref` does not resolve (another project's clone, a branch since deleted) gives
    `unknown` states with the reason, not a failed export.
    """
    try:
        found = trail(session, repo=repo, ref=ref, cache_dir=cache_dir)
        # A fork's copies of its parent's patches are the parent's run (as its tool_calls rows are).
        fates, note, where = list(found.own), found.note, found.repo
    except TracetuiError as exc:
        from tracetui.trail import session_patches

        fates = [Fate(p, "unknown", reason=str(exc)) for p in session_patches(session) if not p.copied]
        note, where = str(exc), None
    return Outcome(fates, ref, where, note, test_runs(session))


def command_of(tool_input: Any) -> str | None:
    """The shell command of a tool call, as the readers give it (a string, or argv as a list)."""
    if isinstance(tool_input, dict):
        for key in ("command", "cmd", "script"):
            value = tool_input.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return " ".join(value)
    return None


def test_runs(session: Session) -> list[dict[str, Any]]:
    """Every test command the session ran, in order, with the exit status its result reported."""
    results: dict[str, Any] = {}
    for step in session.steps:
        if step.kind == StepKind.TOOL_RESULT and step.tool_call_id:
            code = step.meta.get("exit_code")
            if isinstance(code, bool) or not isinstance(code, int):
                code = 1 if step.is_error else None
            results[step.tool_call_id] = code
    runs = []
    for step in session.steps:
        if step.kind != StepKind.TOOL_CALL:
            continue
        command = command_of(step.tool_input)
        if command is None or not _TEST_COMMAND.search(command):
            continue
        code = step.meta.get("exit_code")
        if isinstance(code, bool) or not isinstance(code, int):
            code = results.get(step.tool_call_id or "")
        runs.append({"step": step.index, "command": command, "exit_code": code})
    return runs
