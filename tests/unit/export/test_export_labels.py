"""Export labels from what ran (issue 34): a test command is a command whose program is a test runner
and that ran as a command; a patch or a file write whose text mentions a runner is none."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.export import labels
from tracetui.export.labels import is_test_command
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

RUN = [
    "pytest -q",
    "cd /w && pytest tests/test_a.py -q",
    "python -m pytest -x",
    "python3.12 -m unittest discover",
    "uv run pytest",
    "poetry run pytest -k slow",
    "FOO=1 timeout 120 pytest",
    "npm test",
    "npm run test:unit",
    "npm run test --workspace ui",
    "yarn test",
    "pnpm exec vitest run",
    "npx jest --ci",
    "go test ./...",
    "cargo fmt && cargo test --all",
    "make test",
    "bash -lc cd /w && go test ./...",
    "bash -lc 'cd /w && cargo test'",
    "nix develop -c cargo test",
    "nix-shell -p cargo --run 'cargo test'",
    "pytest 2>&1 | tail -20",
    "cat > notes.md <<'EOF'\nsome notes\nEOF\npytest -q",
]
NOT_RUN = [
    "apply_patch '*** Begin Patch\n*** Add File: ci.sh\n+pytest -q\n*** End Patch'",
    "cat > ci.sh <<'EOF'\n#!/bin/sh\npytest -q\nnpm test\nEOF",
    "python - <<'PY'\nopen('Makefile', 'w').write('test:\\n\\tgo test ./...\\n')\nPY",
    'echo "run pytest later"',
    'git commit -m "make cargo test pass"',
    "grep -rn pytest .",
    "rg 'jest' src",
    "pip install pytest",
    "cat pytest.ini",
    "sed -n 1,40p tests/test_a.py",
    "npm install",
    "ls tests",
    'bd create "Verify cargo test passes" -t task',
    "python manage.py migrate",
]


@pytest.mark.parametrize("command", RUN)
def test_a_runner_as_the_program_is_a_test_command(command: str) -> None:
    assert is_test_command(command)


@pytest.mark.parametrize("command", NOT_RUN)
def test_a_runner_named_in_text_is_no_test_command(command: str) -> None:
    assert not is_test_command(command)


def _rollout(items: list[dict[str, Any]]) -> RawLog:
    meta = {"id": "s", "cwd": "/w"}
    lines = [{"timestamp": "2026-02-01T00:00:00.000Z", "type": "session_meta", "payload": meta}]
    for n, payload in enumerate(items, start=1):
        stamp = f"2026-02-01T00:00:{n:02d}.000Z"
        lines.append({"timestamp": stamp, "type": "response_item", "payload": payload})
    return RawLog("/w/rollout.jsonl", b"".join(orjson.dumps(x) + b"\n" for x in lines))


def _call(call_id: str, command: list[str]) -> dict[str, Any]:
    return {"type": "function_call", "name": "shell", "call_id": call_id,
            "arguments": orjson.dumps({"command": command}).decode()}


def _output(call_id: str, code: int) -> dict[str, Any]:
    return {"type": "function_call_output", "call_id": call_id,
            "output": orjson.dumps({"output": "done", "metadata": {"exit_code": code}}).decode()}


def test_only_commands_that_ran_a_runner_are_test_runs() -> None:
    """A Codex session: an apply_patch through the shell that writes a CI script naming pytest (a
    patch, no run), a heredoc writing a Makefile (a write, no run), a grep for `npm test`, then the
    tests run twice: only the last two are test runs, each with its exit status."""
    patch = "*** Begin Patch\n*** Add File: ci.sh\n+#!/bin/sh\n+pytest -q\n*** End Patch"
    session = codex.read(
        _rollout(
            [
                _call("c1", ["apply_patch", patch]),
                _output("c1", 0),
                _call("c2", ["bash", "-lc", "cat > Makefile <<'EOF'\ntest:\n\tpytest -q\nEOF"]),
                _output("c2", 0),
                _call("c3", ["bash", "-lc", "grep -rn 'npm test' ."]),
                _output("c3", 1),
                _call("c4", ["bash", "-lc", "pytest -q"]),
                _output("c4", 1),
                _call("c5", ["bash", "-lc", "cd /w && python -m pytest -q"]),
                _output("c5", 0),
            ]
        ),
        [],
    )
    patched = [s for s in session.steps if s.tool_call_id == "c1" and s.kind == "tool_call"]
    assert patched and patched[0].edits  # the reader saw the patch
    runs = labels.test_runs(session)
    assert [(r["command"], r["exit_code"]) for r in runs] == [
        ("bash -lc pytest -q", 1),
        ("bash -lc cd /w && python -m pytest -q", 0),
    ]
