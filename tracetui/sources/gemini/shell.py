"""A Gemini CLI shell result's exit status, from the lines its shell tool appends to the output.

Format and versions: docs/formats/gemini.md, "Shell results".
"""

from __future__ import annotations

import re

SHELL_TOOLS = frozenset({"run_shell_command"})

# The lines after the output, in the order the tool writes them (each optional from 0.3x on).
_TRAILER = ("Error", "Exit Code", "Signal", "Background PIDs", "Process Group PGID")
_WRAPPER = ("<untrusted_context>", "</untrusted_context>")  # 0.6x's wrapping of a tool's output
_CODE = re.compile(r"-?\d{1,10}")


def shell_exit(text: str) -> int | None:
    """The exit status a shell result reports; None where it reports none (killed by a signal, not
    started, sent to the background, cancelled) or is not the tool's own text."""
    body = text.strip()
    if body.startswith(_WRAPPER[0]) and body.endswith(_WRAPPER[1]):
        body = body[len(_WRAPPER[0]) : -len(_WRAPPER[1])].strip()
    old = body.startswith("Command: ")  # up to 0.2x: every line, `(none)` where empty
    if not (old or body.startswith("Output: ")):
        return None
    fields: dict[str, str] = {}
    allowed = len(_TRAILER)
    # Read back from the end, over trailer lines in their order only: the output above may hold
    # lines of the same shape.
    for line in reversed(body.rsplit("\n", len(_TRAILER))[1:]):
        key, sep, value = line.partition(": ")
        if not sep or key not in _TRAILER[:allowed]:
            break
        allowed = _TRAILER.index(key)
        fields[key] = value.strip()
    code = fields.get("Exit Code")
    if code is not None:
        return int(code) if _CODE.fullmatch(code) else None
    if old or "Signal" in fields or "Error" in fields:
        return None
    return 0  # from 0.3x a zero status is left out
