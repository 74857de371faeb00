"""A session's history as any agent's format can hold it: prompts, answers, tool calls and their results.

Continuing a session in another agent (`tracetui resume --agent`) writes it from steps, not from the
source's records: each writer turns these items into its own records. A shell call (Claude Code's
Bash, Codex's exec_command and shell, Gemini CLI's run_shell_command, Pi's bash) is marked as one, so
the target can call it its own shell tool; other calls keep their name and arguments. What no other
format holds is counted in `dropped`, said to the user in words.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tracetui.model import Step, StepKind

# tool name -> the argument holding the command, for the shell tools the readers know.
_SHELLS = {"Bash": "command", "bash": "command", "exec_command": "cmd", "shell": "command",
           "shell_command": "command", "local_shell": "command", "run_shell_command": "command"}
_DROPPED = {
    StepKind.REASONING: "reasoning (another model's thinking cannot be handed on)",
    StepKind.CONTEXT: "what the source agent injected (its instructions, environment, reminders)",
    StepKind.SYSTEM: "the source agent's own events (errors, hooks, aborted turns)",
    StepKind.COMPACTION: "compaction markers (the history before them is carried whole)",
    StepKind.MODEL_CHANGE: "model changes",
}
_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(slots=True)
class Item:
    kind: str  # "user" | "assistant" | "call" | "result"
    text: str = ""
    call_id: str = ""
    tool: str = ""
    args: Any = None
    shell: str | None = None  # a shell call's command line
    is_error: bool = False
    timestamp: str | None = None
    source_id: str = ""  # the step's id in the source
    model: str | None = None  # the model that answered, for answers and calls


def carried(steps: list[Step]) -> tuple[list[Item], list[str]]:
    """The items `steps` (the active main-conversation steps to carry, in order) give, and what was
    left out, one phrase per kind with its count."""
    items: list[Item] = []
    left: Counter[str] = Counter()
    called: set[str] = set()
    for n, s in enumerate(steps):
        if s.kind == StepKind.USER:
            items.append(Item("user", s.text, timestamp=s.timestamp, source_id=s.id))
        elif s.kind == StepKind.ASSISTANT:
            items.append(Item("assistant", s.text, timestamp=s.timestamp, source_id=s.id, model=s.model))
        elif s.kind == StepKind.TOOL_CALL:
            call_id = call_id_of(s, n)
            called.add(call_id)
            tool = _ID_CHARS.sub("_", s.tool or "")[:64] or "tool"  # as every API names a tool
            items.append(Item("call", call_id=call_id, tool=tool, args=s.tool_input,
                              shell=_shell(s), timestamp=s.timestamp, source_id=s.id, model=s.model))
        elif s.kind == StepKind.TOOL_RESULT:
            call_id = call_id_of(s, n)
            if call_id not in called:
                left["results whose call is not carried"] += 1
                continue
            items.append(Item("result", s.text, call_id=call_id, is_error=s.is_error, timestamp=s.timestamp,
                              source_id=s.id))
        elif s.kind in _DROPPED:
            left[_DROPPED[s.kind]] += 1
        else:
            left[f"{s.kind} steps"] += 1
    # A call no result answers (a server-side search, a call cut off) is no history an API takes back,
    # unless it is the last thing carried: the step chosen was the call itself.
    answered = {i.call_id for i in items if i.kind == "result"}
    kept = [i for n, i in enumerate(items)
            if i.kind != "call" or i.call_id in answered or n == len(items) - 1]
    if len(kept) < len(items):
        left["tool calls with no result"] += len(items) - len(kept)
    return kept, [f"{what}: {count}" for what, count in sorted(left.items())]


def call_id_of(step: Step, n: int) -> str:
    """A call's id as every API takes one (letters, digits, `_`, `-`), from the log's where it has one."""
    raw = step.tool_call_id or f"call_{n}"
    return _ID_CHARS.sub("_", raw)[:64] or f"call_{n}"


def _shell(step: Step) -> str | None:
    key = _SHELLS.get(step.tool or "")
    args = step.tool_input
    if key is None or not isinstance(args, dict):
        return None
    command = args.get(key)
    if isinstance(command, str):
        return command
    if isinstance(command, list) and all(isinstance(w, str) for w in command):
        # ["bash", "-lc", SCRIPT] is the script; another argv is its words joined
        if len(command) == 3 and command[1] in ("-lc", "-c"):
            return command[2]
        return " ".join(command)
    return None
