"""Claude Code's token counts: a response's `usage`, and the agent's own running totals (`cost-state`)
that show the requests no transcript line holds. More in docs/formats/claude.md, "Usage"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from tracetui.model import Step, StepKind, Tokens
from tracetui.sources.common.coerce import as_count, as_moment
from tracetui.sources.common.jsonl import DEEP_VALUE

UNLOGGED = "unlogged_requests"  # the meta `event` of the step that holds them
# Models kept of one `cost-state` (a session uses a few): a hostile one of millions stays small.
MAX_MODELS = 64

# A response's output count as the stream starts (`message_start`) is a placeholder of a token or
# so; the final one comes at its end (`message_delta`). No tokenizer puts more characters than this
# in one token of a model's output.
PLACEHOLDER_MAX = 3
MAX_CHARS_PER_TOKEN = 64


def response_tokens(usage: dict[str, Any]) -> Tokens:
    # Once per assistant line: plain lookups, no list or generator in between.
    i = usage.get("input_tokens")
    o = usage.get("output_tokens")
    r = usage.get("cache_read_input_tokens")
    w = usage.get("cache_creation_input_tokens")
    tokens = Tokens(as_count(i), as_count(o), as_count(r), as_count(w))
    # The cache writes made for an hour (2.x, `cache_creation`), priced above the 5-minute ones.
    split = usage.get("cache_creation")
    if isinstance(split, dict):
        tokens.cache_write_1h = as_count(split.get("ephemeral_1h_input_tokens"))
    return tokens


def max_into(seen: Tokens, other: Tokens) -> None:
    # Older versions put the final output count on the last line of a response only.
    seen.input = max(seen.input, other.input)
    seen.output = max(seen.output, other.output)
    seen.cache_read = max(seen.cache_read, other.cache_read)
    seen.cache_write = max(seen.cache_write, other.cache_write)
    seen.cache_write_1h = max(seen.cache_write_1h, other.cache_write_1h)
    if seen.output > PLACEHOLDER_MAX:
        seen.partial = False  # a final count: message_start's placeholder is never above it


def mark_mid_stream(seen: Tokens, message: dict[str, Any]) -> None:
    """Marks `seen` (a response's usage so far) a lower bound where a line wrote it mid-stream: no
    stop reason, a placeholder output count, and more content than that count can hold. Some
    versions (1.0.x to 2.1.9x, not all) wrote some responses so; docs/formats/claude.md, "Usage"."""
    if seen.partial or seen.output > PLACEHOLDER_MAX or message.get("stop_reason") is not None:
        return
    room = MAX_CHARS_PER_TOKEN * max(seen.output, 1)
    content = message.get("content")
    if isinstance(content, str):
        seen.partial = len(content) > room
        return
    if not isinstance(content, list):
        return
    chars = 0
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" or kind == "thinking":
            value = block.get(kind)
            chars += len(value) if isinstance(value, str) else 0
        elif kind == "tool_use":
            chars += _json_chars(block.get("input"))
        if chars > room:
            seen.partial = True
            return


def _json_chars(value: Any) -> int:
    try:
        data = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):  # too deep: not counted, so never a false mark
        return 0
    # Cut where it was read for its depth (`jsonl.within_depth`): its size is not known, nor counted.
    return 0 if _CUT in data else len(data)


_CUT = orjson.dumps(DEEP_VALUE)


@dataclass(slots=True)
class CostMark:
    """One `cost-state` record: the session's totals per model so far, and the time of the line before it
    (the record has none of its own)."""

    at: str | None
    line: int
    usage: dict[str, Tokens] = field(default_factory=dict)

    def to_row(self) -> list[Any]:
        return [self.at, self.line, {m: t.to_dict() for m, t in self.usage.items()}]

    @classmethod
    def from_row(cls, row: list[Any]) -> CostMark:
        return cls(row[0], row[1], {m: Tokens.from_dict(d) for m, d in row[2].items()})


def cost_mark(record: dict[str, Any], at: str | None, line: int) -> CostMark | None:
    models = record.get("modelUsage")
    if not isinstance(models, dict):
        return None
    usage: dict[str, Tokens] = {}
    for model, counts in models.items():
        if len(usage) >= MAX_MODELS:
            break
        if isinstance(model, str) and isinstance(counts, dict):
            usage[model] = Tokens(
                as_count(counts.get("inputTokens")),
                as_count(counts.get("outputTokens")),
                as_count(counts.get("cacheReadInputTokens")),
                as_count(counts.get("cacheCreationInputTokens")),
                cache_write_1h=as_count(counts.get("cacheCreationEphemeral1hInputTokens")),
            )
    return CostMark(at, line, usage)


def unlogged(first: CostMark | None, last: CostMark | None, steps: list[Step]) -> dict[str, Tokens]:
    """Per model, the tokens of requests the transcripts do not hold (a compaction's summary request,
    the CLI's side requests), spent while this file was written: how much more the agent's own totals
    grew between its first and last `cost-state` than the responses the session counts by then. The
    growth, not the totals: a fork's and a resumed session's totals start from its parent's. Never
    below zero, so a count the two disagree on is never made up."""
    if first is None or last is None or last.line == first.line:
        return {}
    early, late = _counted_by(steps, as_moment(first.at)), _counted_by(steps, as_moment(last.at))
    out: dict[str, Tokens] = {}
    for model, total in last.usage.items():
        before = first.usage.get(model, Tokens())
        seen, seen_before = late.get(model, Tokens()), early.get(model, Tokens())
        grew = [max(0, (a - b) - (c - d)) for a, b, c, d in
                zip(_fields(total), _fields(before), _fields(seen), _fields(seen_before))]  # fmt: skip
        gap = Tokens(grew[0], grew[1], grew[2], grew[3], cache_write_1h=min(grew[4], grew[3]))
        if any(_fields(gap)):
            out[model] = gap
    return out


def unlogged_step(step_id: str, index: int, stamp: str | None, parent: str | None, model: str,
                  tokens: Tokens) -> Step:  # fmt: skip
    text = f"{model}: requests no transcript line holds (Claude Code's own totals)"
    return Step(step_id, index, StepKind.SYSTEM, "system", text, stamp, parent=parent, model=model, tokens=tokens,
                meta={"event": UNLOGGED})  # fmt: skip


def _fields(t: Tokens) -> tuple[int, int, int, int, int]:
    return (t.input, t.output, t.cache_read, t.cache_write, t.cache_write_1h)


def _counted_by(steps: list[Step], moment: datetime | None) -> dict[str, Tokens]:
    """The session's own responses (not a fork's copies) per model, up to `moment`: each usage once."""
    seen: set[int] = set()
    out: dict[str, Tokens] = {}
    for step in steps:
        t = step.tokens
        if t is None or step.copied or id(t) in seen or not step.model:
            continue
        when = as_moment(step.timestamp)
        if moment is None or when is None or when > moment:
            continue
        seen.add(id(t))
        out.setdefault(step.model, Tokens()).add(t)
    return out
