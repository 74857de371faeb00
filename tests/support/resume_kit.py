"""`tracetui resume` as the tests drive it: a log read and forked at its last step, as the CLI writes it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from shared_data import FIXTURES

from support.narrow import present
from tracetui.model import Session, Step, StepKind
from tracetui.resume import Resumed, write_session
from tracetui.sources import RawLog, group, read_session, registry


def last_step(session: Session) -> int:
    """The last step of the session's final path (no subagent's): what a resume of it all carries."""
    return max(s.index for s in session.steps if s.active and s.subagent is None)


def forked_at_last(
    path: Path, agent: str, home: Path, cwd: str = "/home/dev/shop", env: dict[str, str] | None = None
) -> tuple[Session, Resumed]:
    """The session `path` holds, and its fork at `last_step` written under `home`."""
    [files] = group(agent, [path])
    session = read_session(files)
    raw = [RawLog(str(files.main), files.main.read_bytes())]
    return session, write_session(session, raw, last_step(session), cwd=cwd, env=env or {}, home=home)


# A fixture log of each agent, and the keys that hold what was said in them: where `planted` adds text.
PLANT_LOGS = {
    "claude": "claude/projects/-home-dev-shop/11111111-1111-4111-8111-111111111111.jsonl",
    "codex": "codex/current.jsonl",
    "gemini": "gemini/tmp/garden/chats/session-2026-05-01T10-00-5e0c1a2b.jsonl",
    "opencode": "opencode/export.json",
    "pi": "pi/v3_tree.jsonl",
    "copilot": "copilot/session-state/3c4d5e6f-4444-4d4d-9e9e-112233445566/events.jsonl",
}
_TEXT_KEYS = frozenset({"text", "content", "output", "stdout", "detailedContent"})
# Steps a resume does not carry: a subagent's bounds.
NOT_CARRIED = (StepKind.SUBAGENT_START, StepKind.SUBAGENT_END)


def _plant(value: Any, text: str, key: str | None = None) -> Any:
    if isinstance(value, str):
        return value + text if key in _TEXT_KEYS and value else value
    if isinstance(value, dict):
        return {k: _plant(v, text, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plant(v, text, key) for v in value]
    return value


def planted(agent: str, tmp_path: Path, text: str, mark: str) -> tuple[Session, bytes]:
    """`agent`'s fixture log with `text` after every said text of it, written under `tmp_path`, read back
    (`mark`, a piece of `text`, must reach a step), and its bytes."""
    log = FIXTURES / PLANT_LOGS[agent]
    data = log.read_bytes()
    if agent == "opencode":
        data = orjson.dumps(_plant(orjson.loads(data), text))
    else:
        data = b"\n".join(orjson.dumps(_plant(orjson.loads(raw), text)) for raw in data.splitlines()) + b"\n"
    path = tmp_path / "src" / PLANT_LOGS[agent]
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    [files] = group(agent, [path])
    session = read_session(files)
    assert any(mark in s.text for s in session.steps), "the plant reached no step"
    return session, data


def strings_of(value: Any) -> list[str]:
    """Every string of decoded JSON, keys too."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_of(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return []


def records_of(agent: str, written: bytes) -> list[Any]:
    """A written fork's records: OpenCode's one document, else its lines."""
    if agent == "opencode":
        return [orjson.loads(written)]
    return [orjson.loads(raw) for raw in written.splitlines()]


def sent_text(step: Step) -> str:
    """The text an OpenCode fork reads back for `step`: a file part OpenCode would fetch by its URL (a
    `file://` or `https://` one, of a type it sends) is carried as the text it sends for media it strips
    (tests/unit/hostile/test_hostile_resume_fetches.py); any other step's own."""
    url, mime = step.meta.get("url"), step.meta.get("mime")
    if step.text.startswith("[file] ") and isinstance(url, str) and not url.startswith("data:") \
            and mime not in ("text/plain", "application/x-directory"):
        return f"[Attached {mime}: {step.text.removeprefix('[file] ')}]"
    return step.text


OPENCODE_PARENT = "ses_01PARENTaaaaaaaaaaaaaaaaa"  # the session of tests/fixtures/opencode/storage


def opencode_forked_at(tmp_path: Path, edit: Callable[[Path], None], where: Callable[[Step], bool],
                       now: datetime) -> tuple[Resumed, Session, bytes]:  # fmt: skip
    """The OpenCode fixture's storage copied under `tmp_path` and changed by `edit`, staged, read, and
    forked at the step `where` picks, as of `now`: the fork, the session read, and the staged log's
    bytes."""
    storage = tmp_path / "storage"
    shutil.copytree(FIXTURES / "opencode" / "storage", storage)
    edit(storage)
    stage = present(registry.get("opencode").stage)
    logs, problems = stage(sorted(storage.rglob("*.json")), tmp_path / "staged")
    assert problems == []
    [files] = [f for f in group("opencode", logs) if OPENCODE_PARENT.encode() in f.main.read_bytes()[:4096]]
    session = read_session(files)
    [step] = [s for s in session.steps if where(s)]
    source = files.main.read_bytes()
    resumed = write_session(session, [RawLog(str(files.main), source)], step.index, cwd="/home/dev/shop",
                            env={}, home=tmp_path / "home", now=now)  # fmt: skip
    assert files.main.read_bytes() == source  # the fork leaves the log as it was
    return resumed, session, source
