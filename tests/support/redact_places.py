"""A labelled value placed in a surrounding and in the agents' framings of it, and what the detectors
must say of it: shared by the class tables of tests/unit/redact (framework shapes, call arguments)."""

from __future__ import annotations

import json
from collections.abc import Callable

from tracetui.redact import scan_text
from tracetui.redact.finding import AUTO


def frames(grep_path: str) -> dict[str, Callable[[str], str]]:
    """The agents' framings of one text: a tool result JSON-escaped in a JSONL line, a diff hunk,
    `cat -n` and `grep -n` (of a file at `grep_path`)."""
    return {
        "jsonl": lambda t: json.dumps({"type": "tool_result", "content": t}) + "\n",
        "diff": lambda t: "@@ -1,2 +1,3 @@\n" + "".join("+" + ln + "\n" for ln in t.splitlines()),
        "cat -n": lambda t: "".join(f"{i:6d}\t{ln}\n" for i, ln in enumerate(t.splitlines(), 1)),
        "grep -n": lambda t: "".join(f"{grep_path}:{i}:{ln}\n" for i, ln in enumerate(t.splitlines(), 12)),
    }


def sure_over(text: str, value: str) -> bool:
    """Whether one sure finding covers every character of `value` (its first place in `text`)."""
    start = text.index(value)
    return any(f.tier == AUTO and f.start <= start and f.end >= start + len(value) for f in scan_text(text))


def sure_in_frame(frame: str, framing: Callable[[str], str], place: str, value: str) -> None:
    text = framing(place.format(v=value))
    assert sure_over(text, json.dumps(value)[1:-1] if frame == "jsonl" else value), text


def no_sure_over(place: str, value: str) -> None:
    text = place.format(v=value)
    start = text.index(value)
    sure = [f for f in scan_text(text) if f.tier == AUTO and f.start < start + len(value) and start < f.end]
    assert not sure, text
