"""The shape a capsule's manifest and trail records must have before anything uses them.

A capsule comes from a stranger: a valid manifest and valid hashes can wrap fields of any type. Each
field is checked here once, on open, so verify, replay and the app can rely on the types (a `repo`
that is a string, a `state` that is a boolean or `steps` that is a number are refused with one line
naming the field, instead of crashing later).
"""

from __future__ import annotations

from typing import Any

from tracetui.capsule.archive import CapsuleError
from tracetui.model import Step, Subagent

STATES = frozenset({"alive", "transformed", "reverted", "lost", "uncommitted", "unknown"})
OPS = frozenset({"create", "update", "delete", "write", "move"})
ORIGINS = frozenset({"shell"})  # a record not from an edit tool: a shell step's write (capsule-format.md)
MAX_TEXT = 1 << 20  # a manifest string (an id, a path, a title) longer than this is not plausible
MAX_DEPTH = 32


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _opt_str(value: Any) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= MAX_TEXT)


def _fail(where: str, what: str) -> CapsuleError:
    return CapsuleError(f"{where} has a malformed {what}")


def check_manifest(manifest: dict[str, Any], where: str = "capsule.json") -> None:
    """Raise CapsuleError naming the first field of the wrong type or size."""
    if not isinstance(manifest.get("agent"), str) or len(manifest["agent"]) > 64:
        raise _fail(where, "agent")
    tool = manifest.get("tool", {})
    if not isinstance(tool, dict) or not all(_opt_str(v) for v in tool.values()):
        raise _fail(where, "tool")
    steps = manifest.get("steps")
    if not isinstance(steps, dict) or not all(_int(steps.get(k)) and steps[k] >= 0 for k in ("first", "last", "count", "of")):
        raise _fail(where, "steps (first, last, count, of)")
    repo = manifest.get("repo", {})
    if not isinstance(repo, dict) or not all(_opt_str(v) for v in repo.values()):
        raise _fail(where, "repo")
    receipt = manifest.get("receipt", [])
    if not isinstance(receipt, list):
        raise _fail(where, "receipt")
    for row in receipt:
        if not (
            isinstance(row, dict)
            and all(isinstance(row.get(k), str) and len(row[k]) <= 256 for k in ("placeholder", "kind", "tier"))
            and _int(row.get("count"))
            and _opt_str(row.get("decided_by"))
        ):
            raise _fail(where, "receipt row")
    redaction = manifest.get("redaction", {})
    if not isinstance(redaction, dict):
        raise _fail(where, "redaction")
    if depth(manifest) > MAX_DEPTH:
        raise _fail(where, "structure (nested too deep)")


def check_fate(record: dict[str, Any], where: str) -> None:
    """A trail.jsonl record: a patch and its state as sealed."""
    if not isinstance(record.get("step"), str):
        raise _fail(where, "step")
    for key in ("path", "move_to", "old_path", "commit", "diff", "reason"):
        if not _opt_str(record.get(key)):
            raise _fail(where, key)
    origin = record.get("origin")
    if origin is not None and not (isinstance(origin, str) and origin in ORIGINS):
        raise _fail(where, "origin")
    if not isinstance(record.get("path"), str):
        raise _fail(where, "path")
    # A list or an object is unhashable: `in` a set would raise TypeError, not answer no.
    state = record.get("state")
    if state is not None and not (isinstance(state, str) and state in STATES):
        raise _fail(where, "state")
    op = record.get("op")
    if op is not None and not (isinstance(op, str) and op in OPS):
        raise _fail(where, "op")
    for key in ("added", "removed", "kept", "changed", "dropped"):
        if key in record and not _int(record[key]):
            raise _fail(where, key)
    hunks = record.get("hunks", [])
    if not isinstance(hunks, list):
        raise _fail(where, "hunks")
    for hunk in hunks:
        if not isinstance(hunk, dict):
            raise _fail(where, "hunk")
        lines = hunk.get("lines", [])
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            raise _fail(where, "hunk's lines")
        for key in ("old_start", "old_lines", "new_start", "new_lines"):
            if key in hunk and not _int(hunk[key]):
                raise _fail(where, f"hunk's {key}")


MAX_COUNT = 2**40  # a token count or a line number past this is no real episode's (sources.common.coerce)


def tokens_ok(value: Any) -> bool:
    """A tokens object as `Tokens.to_dict` writes it: absent, or whole counts from 0 to MAX_COUNT."""
    if value is None:
        return True
    counts = ("input", "output", "cache_read", "cache_write", "cache_write_1h")
    if not isinstance(value, dict):
        return False
    return all(_int(v) and 0 <= v <= MAX_COUNT for k, v in value.items() if k in counts)


def step_problem(step: Step) -> str | None:
    """What a capsule's step carries that the model does not allow (the fields `Step.from_dict` takes
    as they come), or None. The app, the CLI and the replay rely on these types."""
    if not isinstance(step.meta, dict) or not isinstance(step.edits, list):
        return "meta or edits"
    if not 0 <= step.index <= MAX_COUNT:
        return "index"
    for edit in step.edits:
        if not (isinstance(edit.path, str) and isinstance(edit.op, str)):
            return "edit path or op"
        texts = (edit.old_string, edit.new_string, edit.content, edit.original, edit.move_to)
        if not all(_opt_str(text) for text in texts):
            return "edit text"
        for hunk in edit.hunks:
            numbers = (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines)
            if not all(_int(n) and 0 <= n <= MAX_COUNT for n in numbers):
                return "hunk's line numbers"
            if not all(isinstance(line, str) for line in hunk.lines):
                return "hunk's lines"
    return None


def subagent_ok(sub: Subagent) -> bool:
    return isinstance(sub.id, str) and all(
        _opt_str(getattr(sub, k)) for k in ("agent_type", "description", "spawned_by", "source")
    )


DEEP_VALUE = "[nested too deep]"


def flattened(value: Any, limit: int, level: int = 1) -> Any:
    """`value` with every list or object nested deeper than `limit` replaced by DEEP_VALUE (as
    `depth` counts): what the seal writes, so that no log nested deeply (a hostile one) makes a
    capsule its own reader refuses."""
    if not isinstance(value, dict | list):
        return value
    if level > limit:
        return DEEP_VALUE
    if isinstance(value, dict):
        return {k: flattened(v, limit, level + 1) for k, v in value.items()}
    return [flattened(v, limit, level + 1) for v in value]


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply lists and objects nest in `value` (stops counting past `limit`)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            if level > limit:
                return level
            stack.extend((child, level) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
