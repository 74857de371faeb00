"""What the hostile-field tests share: one log of each agent to poison, the wrong values, and the
model's own type rules."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from shared_data import FIXTURES

from support.rewritten import rewrite
from tracetui.model import Session, StepKind
from tracetui.sources import registry

PICKS = {
    "claude": FIXTURES / "bucket" / "claude",
    "codex": FIXTURES / "codex" / "current.jsonl",
    "pi": FIXTURES / "pi" / "v3_tree.jsonl",
    "gemini": FIXTURES / "gemini",
    "copilot": FIXTURES / "copilot" / "session-state",
    "opencode": FIXTURES / "opencode" / "storage",
}
# One of each JSON type, the largest numbers orjson reads (2**64 and past it become floats), and a
# string that is not what any field expects.
WRONG: list[Any] = [
    None,
    True,
    -1,
    2**64 - 1,
    1.8446744073709552e19,
    -1.7e308,
    "\x1b]0;t\x07",
    [1, "a"],
    {"a": {}},
]
INT64 = 2**63


def _typed(value: Any, *types: type) -> bool:
    return isinstance(value, types) and not (isinstance(value, bool) and bool not in types)


def model_problems(session: Session) -> list[str]:
    """What in a read session breaks the model's declared types (empty when nothing does)."""
    bad: list[str] = []

    def need(name: str, value: Any, *types: type) -> None:
        # A value of exactly a declared type passes at once (a bool only where bool is declared, as
        # `_typed` says): most values are, and the full check was a tenth of the field tests' time.
        if type(value) not in types and not _typed(value, *types):
            bad.append(f"{name} is {type(value).__name__}")

    def counts(name: str, tokens: Any) -> None:
        for f in ("input", "output", "cache_read", "cache_write"):
            v = getattr(tokens, f)
            need(f"{name}.{f}", v, int)
            if _typed(v, int) and not 0 <= v < INT64:
                bad.append(f"{name}.{f} = {v} is out of range")

    none = type(None)
    for f in ("id", "agent", "source"):
        need(f, getattr(session, f), str)
    for f in ("cwd", "title", "started", "ended", "version", "hidden"):
        need(f, getattr(session, f), str, none)
    for m in session.models:
        need("models[]", m, str)
    counts("tokens", session.tokens)
    for a in session.subagents:
        need("subagent.id", a.id, str)
        for f in ("agent_type", "description", "spawned_by", "source"):
            need(f"subagent.{f}", getattr(a, f), str, none)
    for s in session.steps:
        for f in ("id", "kind", "role", "text"):
            need(f"step.{f}", getattr(s, f), str)
        for f in ("timestamp", "tool", "tool_call_id", "parent", "subagent", "model", "cwd"):
            need(f"step.{f}", getattr(s, f), str, none)
        need("step.active", s.active, bool)
        need("step.is_error", s.is_error, bool)
        need("step.meta", s.meta, dict)
        if s.kind not in StepKind.ALL:
            bad.append(f"step.kind {s.kind!r}")
        if s.tokens is not None:
            counts("step.tokens", s.tokens)
        for e in s.edits:
            need("edit.path", e.path, str)
            need("edit.op", e.op, str)
            for f in ("old_string", "new_string", "content", "original", "move_to"):
                need(f"edit.{f}", getattr(e, f), str, none)
            for h in e.hunks:
                for f in ("old_start", "old_lines", "new_start", "new_lines"):
                    need(f"hunk.{f}", getattr(h, f), int)
                for line in h.lines:
                    need("hunk.lines[]", line, str)
    try:
        orjson.dumps(session.to_dict())
    except (TypeError, orjson.JSONEncodeError) as exc:
        bad.append(f"does not serialise: {exc}")
    return bad


_TIME_KEY = re.compile(r"(?i)time|date|created|updated|started|ended|start|end")
ODD_TIMES = ["99999-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "0000-00-00T00:00:00Z",
             "9999-12-31T23:59:59.999999999Z", "0001-01-01T00:00:00-23:59", "1970-01-01T00:00:00+99:99", "",
             "2026-02-30T10:00:00Z", "1" * 400, -1, 2**64 - 1, 1.7e308]  # fmt: skip


def times_replaced(value: Any, odd: Any) -> Any:
    if isinstance(value, dict):
        return {k: odd if _TIME_KEY.search(k) and isinstance(v, str | int | float) and not isinstance(v, bool)
                else times_replaced(v, odd) for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [times_replaced(v, odd) for v in value]
    return value


def documents(path: Path) -> tuple[str, Any] | None:
    """A log file's JSON as a reader takes it: ("jsonl", its records) or ("json", the document)."""
    if path.suffix == ".jsonl":
        return "jsonl", [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    if path.suffix == ".json":
        return "json", orjson.loads(path.read_bytes())
    return None


def staged_files(agent: str, folder: Path, work: Path) -> list[Path]:
    """The files the agent's reader reads: OpenCode's are the logs its stage hook writes."""
    found = sorted(p for p in folder.rglob("*") if p.is_file())
    stage = registry.get(agent).stage
    if stage is None:
        return found
    (work / "staged").mkdir()
    logs, problems = stage(found, work / "staged")
    assert logs and not problems
    return logs


@dataclass(slots=True)
class FieldAt:
    """One field of one record of an agent's picked log, and the way to write the log with it changed."""

    agent: str
    folder: Path  # where the agent's reader finds its logs (the staged copies, for a staging agent)
    files: list[Path]  # the files its reader reads
    path: Path  # the file that holds the field
    where: tuple[Any, ...]  # the field's path inside its record
    value: Any  # what the field holds now
    write: Callable[[Any, bytes | None], None]  # (new value, or raw JSON in its place) -> the file written


def picked_files(agent: str, work: Path) -> tuple[Path, list[Path]]:
    """PICKS[agent] copied into `work/src`: the folder its reader reads (the staged copies, for an
    agent whose logs are staged) and the files in it."""
    source = PICKS[agent]
    folder = work / "src"
    if source.is_dir():
        shutil.copytree(source, folder)
    else:
        folder.mkdir()
        shutil.copyfile(source, folder / source.name)
    files = staged_files(agent, folder, work)
    return (work / "staged" if registry.get(agent).stage is not None else folder), files


def each_field(agent: str, work: Path) -> Iterator[FieldAt]:
    """Every field of every record of PICKS[agent], copied into `work` (each file as it was again once
    its fields are done): the places a hostile log can put anything."""
    sys.path.insert(0, str(FIXTURES))
    from hostile import field_paths, replaced

    reads, files = picked_files(agent, work)
    for path in files:
        loaded = documents(path)
        if loaded is None:
            continue
        kind, docs = loaded
        original = path.read_bytes()
        units = list(enumerate(docs)) if kind == "jsonl" else [(None, docs)]
        # Each record's line written once: a variant is the others' lines as they are and its own anew.
        dumped = [orjson.dumps(d) + b"\n" for d in docs] if kind == "jsonl" else []
        for unit, doc in units:
            for where in field_paths(doc):

                def write(new: Any, raw: bytes | None = None, where: tuple[Any, ...] = where, unit: Any = unit,
                          doc: Any = doc, path: Path = path, kind: str = kind, dumped: list[bytes] = dumped) -> None:  # fmt: skip
                    changed = replaced(doc, where, "RAW-HERE" if raw is not None else new)
                    if kind == "jsonl":
                        data = b"".join([*dumped[:unit], orjson.dumps(changed) + b"\n", *dumped[unit + 1 :]])
                    else:
                        data = orjson.dumps(changed)
                    rewrite(path, data.replace(b'"RAW-HERE"', raw, 1) if raw is not None else data)

                yield FieldAt(agent, reads, files, path, where, _at(doc, where), write)
        rewrite(path, original)


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value
