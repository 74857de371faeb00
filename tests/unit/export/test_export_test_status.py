"""A test run's label is the exit status of its tests, not of whatever ran after them: `pytest | tail`
exits with tail's 0 whatever the tests did (TensorTemplar/slopometry's Claude Code session ran its
suite so ten times), `pytest || true` always 0; an aborted run (badlogic/pi-mono's Pi session) reports
no status at all. Such a run's label is unknown, never a pass or a failure."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.export import labels
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

# (command, whether its exit status is its tests')
STATUS = [
    ("pytest -q", True),
    ("cd /w && uv run pytest tests/test_a.py -v", True),
    ("cd x && pytest 2>&1", True),
    ("pytest >/dev/null 2>&1 && echo ok", True),  # a pass leaves the status to echo: 0 either way
    ("pytest &> out.txt", True),
    ("cargo fmt && cargo test && npm run build --workspace ui", True),
    ("set -o pipefail; pytest -q | tee log", True),
    ("bash -lc cargo test --quiet", True),
    ("nix develop -c bash -lc 'cargo fmt --all && cargo test --manifest-path k/Cargo.toml'", True),
    ("pytest -k 'a|b'", True),  # a quoted bar is a word
    ("uv run pytest -x --tb=short 2>&1 | tail -50", False),
    ("uv run ruff check . && uv run pytest -q 2>&1 | tail -10", False),
    ("pytest || true", False),
    ("pytest; echo $?", False),
    ("pytest & wait", False),
    ("nix develop -c cargo test\nnpm run build --workspace ui", False),  # the next line's status
    ("bash -lc 'cd x && pytest | tail'", False),
    ("cat > t.sh <<'EOF'\npytest\nEOF", False),  # no test run at all
]


@pytest.mark.parametrize("command,theirs", STATUS)
def test_whether_a_test_commands_status_is_its_tests(command: str, theirs: bool) -> None:
    assert labels.status_is_the_tests(command) == theirs


def _rollout(items: list[tuple[str, str]]) -> RawLog:
    lines: list[dict[str, Any]] = [
        {"timestamp": "2025-08-26T20:20:25.000Z", "type": "session_meta", "payload": {"id": "s", "cwd": "/w"}}
    ]
    for n, (command, output) in enumerate(items, start=1):
        call = {"type": "function_call", "name": "shell", "call_id": f"c{n}",
                "arguments": orjson.dumps({"command": ["bash", "-lc", command]}).decode()}  # fmt: skip
        result = {"type": "function_call_output", "call_id": f"c{n}", "output": output}
        for payload in (call, result):
            stamp = f"2025-08-26T20:21:{n:02d}.000Z"
            lines.append({"timestamp": stamp, "type": "response_item", "payload": payload})
    return RawLog("/w/rollout.jsonl", b"".join(orjson.dumps(x) + b"\n" for x in lines))


def _wrapped(code: int, text: str = "done") -> str:
    return orjson.dumps({"output": text, "metadata": {"exit_code": code}}).decode()


def test_a_sessions_runs_keep_only_the_statuses_that_are_their_tests() -> None:
    """A piped run that failed reads 0 (tail's); a sandboxed run Codex 0.2x reported only in its own
    header ("failed in sandbox ..., exit code: 101, stdout: ...", JaydenXsoe/ocodex's log) reads 101."""
    denied = ("failed in sandbox MacosSeatbelt with execution error: sandbox denied exec error, exit code: "
              "101, stdout: \nrunning 175 tests\ntest a ... FAILED\n, stderr: ")  # fmt: skip
    session = codex.read(
        _rollout([
            ("pytest -q 2>&1 | tail -5", _wrapped(0, "1 failed")),
            ("cd codex-rs && cargo test -p codex-core", denied),
            ("pytest -q", _wrapped(0)),
        ]),
        [],
    )  # fmt: skip
    assert [r["exit_code"] for r in labels.test_runs(session)] == [None, 101, 0]
