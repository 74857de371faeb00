"""Records of unexpected shape never stop a reader.

Agents change their log formats between releases: a field that held a string may hold a list, an
object may become null. The contract (design.md, issue 2) is that what a reader does not
understand is skipped and counted, never fatal. These tests take every record of the hand-made
fixtures and of the real logs, swap a share of their values for values of other JSON types, and
check each reader still returns a session whose rows the index can store.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

import tracetui.sources as readers
from shared_data import CORPUS, FIXTURES
from tracetui.bucket import index
from tracetui.sources import RawLog

AGENTS = ("claude", "codex", "pi", "gemini", "copilot")
# Values of every JSON type, empty and not.
OTHERS = [None, 0, -1, 1.5, True, "", "x", [], [1], ["x"], {}, {"type": "x"}]
SHARE = 0.05
# Real logs above this size add run time without adding shapes.
MAX_BYTES = 1_000_000


def _mutate(value, rng: random.Random):
    if isinstance(value, dict):
        return {k: rng.choice(OTHERS) if rng.random() < SHARE else _mutate(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [rng.choice(OTHERS) if rng.random() < SHARE else _mutate(v, rng) for v in value]
    return value


def _scrambled(data: bytes, rng: random.Random) -> bytes:
    out = []
    for line in data.splitlines():
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            out.append(line)
            continue
        out.append(orjson.dumps(_mutate(record, rng)))
    return b"\n".join(out) + b"\n"


def _files(agent: str, root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".py" and p.stat().st_size <= MAX_BYTES)


def _groups(agent: str):
    for root in (FIXTURES / agent, CORPUS / agent):
        files = _files(agent, root)
        if files:
            yield from readers.reader(agent).group(files)


@pytest.mark.parametrize("agent", AGENTS)
def test_every_reader_survives_values_of_the_wrong_type(agent):
    reader = readers.reader(agent)
    checked = 0
    for group in _groups(agent):
        originals = [p.read_bytes() for p in group.all]
        for seed in range(3):
            rng = random.Random(f"{group.main.name}:{seed}")
            logs = [RawLog(str(p), _scrambled(d, rng)) for p, d in zip(group.all, originals)]
            try:
                session = reader.read(logs[0], logs[1:])
                index.session_rows(session, str(group.main))
            except Exception as exc:  # noqa: BLE001 - the point is that nothing escapes
                pytest.fail(f"{agent} reader raised {type(exc).__name__}: {exc} on {group.main.name}, seed {seed}")
            # The readers' own type checks must handle these, not the last-resort per-record guard.
            guarded = [e.error for e in session.errors if e.error.startswith("could not read this record")]
            assert guarded == [], (group.main.name, seed, guarded[:3])
            checked += 1
    assert checked >= 3  # the fixtures alone give this many


# -- the last-resort guard: a reader's mistake on one record costs that record only ----------------

BROKEN = {
    # agent: (the reader method that handles one record, a fixture file)
    "claude": ("_make_steps", None),
    "codex": ("envelope", "current.jsonl"),
    "pi": ("entry", "v3_tree.jsonl"),
    # One Gemini message record holds every call of a turn: each call is isolated on its own.
    "gemini": ("tool_call", "session-2026-05-01T10-00-5e0c1a2b.jsonl"),
    "copilot": ("event", "session-state/3c4d5e6f-4444-4d4d-9e9e-112233445566/events.jsonl"),
}


@pytest.mark.parametrize("agent", AGENTS)
def test_a_reader_bug_on_one_record_is_reported_and_the_rest_still_loads(agent, monkeypatch):
    import importlib

    module = importlib.import_module({"claude": "tracetui.sources.claude.reader", "codex": "tracetui.sources.codex.reader",
                                      "pi": "tracetui.sources.pi.reader", "gemini": "tracetui.sources.gemini.reader",
                                      "copilot": "tracetui.sources.copilot.reader"}[agent])  # fmt: skip
    method, name = BROKEN[agent]
    # A name is the file's tail: every Copilot session's log is called events.jsonl.
    group = next(g for g in _groups(agent) if name is None or g.main.as_posix().endswith("/" + name))
    logs = [RawLog(str(p), p.read_bytes()) for p in group.all]
    reader = readers.reader(agent)
    clean = reader.read(logs[0], logs[1:])

    cls = next(c for c in vars(module).values() if isinstance(c, type) and method in vars(c))
    real = getattr(cls, method)
    calls = {"n": 0}

    def third_call_fails(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyError("a shape nobody foresaw")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, third_call_fails)
    hurt = reader.read(logs[0], logs[1:])
    guarded = [e for e in hurt.errors if e.error.startswith("could not read this record (KeyError")]
    assert len(guarded) == 1 and guarded[0].line > 0
    assert hurt.id == clean.id
    # Only that record's steps are missing.
    assert 0 < len(clean.steps) - len(hurt.steps) <= 3
