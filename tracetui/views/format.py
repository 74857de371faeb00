"""How the faces write numbers, times and one-line step summaries: one place, so the app and the
CLI say the same thing the same way. Face-neutral: plain strings, no markup, no printing; callers
still pass log text through `tracetui.safe_text` before it reaches a terminal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from tracetui.model import LineError, Step, StepKind
from tracetui.sources.common.coerce import as_moment


def parse_time(stamp: str | None) -> datetime | None:
    """An ISO 8601 time as an aware datetime, UTC where it names no zone (`as_moment`): a log that
    wrote one time with a zone and the next without (`20260101`) made a subtraction fail."""
    return as_moment(stamp)


def human_duration(ms: int) -> str:
    if ms < 1000:
        return f"{ms}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def human_tokens(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def step_summary(step: Step) -> str:
    """A one-line description of a step: the command, file or first line of text it carries.

    A copy a resumed log wrote again says so first: it is shown, but the call happened once.
    """
    mark = "(re-logged copy) " if "relogged" in step.meta else ""
    if step.kind == StepKind.USER:
        readable = readable_prompt(step.text)
        if readable != " ".join(step.text[:200_000].split()):  # a wrapper left out: the words typed
            return mark + readable[:400]
    if step.kind == StepKind.TOOL_CALL:
        if step.edits and isinstance(step.tool_input, str):  # a patch text: name its files instead
            return mark + ", ".join(e.path for e in step.edits)
        return mark + (_input_summary(step.tool_input) or _first_line(step.text))
    return mark + _first_line(step.text)


_INPUT_KEYS = ("command", "cmd", "file_path", "path", "notebook_path", "pattern", "query", "url", "description", "prompt")


def _input_summary(value: Any) -> str:
    if isinstance(value, str):
        return _first_line(value)
    if isinstance(value, dict):
        for key in _INPUT_KEYS:
            item = value.get(key)
            if isinstance(item, list):
                item = " ".join(str(x) for x in item)
            if isinstance(item, str) and item.strip():
                return _first_line(item)
        for item in value.values():
            if isinstance(item, str) and item.strip():
                return _first_line(item)
    return ""


# What a harness wraps around (or sends as) a prompt, by a mark its text carries: the label a
# prompt made only of it is shown with, so it reads as context, not as words the user typed.
_WRAPPERS = (
    ("<system-reminder", "system reminder"),
    ("<reminder>", "reminder"),
    ("(untrusted metadata)", "sender metadata"),
    ("<current_datetime>", "date"),
    ("<environment_context>", "environment"),
    ("<ide_", "IDE context"),
    ("<skill", "skill"),
    ("<command-", "command output"),
    ("<local-command", "command output"),
    ("<tools_changed_notice>", "tools changed"),
)


# Copilot CLI's blocks in a prompt's transformed text (its readers keep the typed content; a log of
# only the transformed text, or a pasted one, still reads as typed).
_COPILOT_TAGS = ("reminder", "tools_changed_notice")


def _without_copilot_blocks(text: str) -> str:
    """`text` without Copilot's blocks; each search starts where the last ended, so a stranger's
    text of many openers costs time linear in its length."""
    for tag in _COPILOT_TAGS:
        opener, closer = f"<{tag}>", f"</{tag}>"
        kept, at = [], 0
        while (start := text.find(opener, at)) >= 0:
            end = text.find(closer, start)
            if end < 0:
                break
            kept.append(text[at:start] + " ")
            at = end + len(closer)
        text = "".join(kept) + text[at:]
    return text


def readable_prompt(text: str) -> str:
    """A prompt as the user wrote it, on one line: the harness's wrappers (reminders, OpenClaw's
    `Sender (untrusted metadata)` blocks and message envelope, IDE context, spec-kit's and other
    templates' scaffolding) left out, as the list's titles leave them. A prompt that is nothing but
    such context reads `(context: system reminder)`; the step's detail keeps the raw text."""
    # Imported here: its two dozen patterns compile as it loads (10 ms), and the list, `show --json`
    # and most commands that import this module never read a prompt.
    from tracetui.sources.common.titles import prompt_text

    readable = prompt_text(_without_copilot_blocks(text[:200_000]))
    if readable or not text.strip():
        return readable
    found = [label for mark, label in _WRAPPERS if mark in text[:100_000]]
    return f"(context: {', '.join(dict.fromkeys(found)) or 'from the agent, not typed'})"


_REMINDER = "<system-reminder>\n"


def _first_line(text: str, limit: int = 400) -> str:
    text = text.strip()
    if text.startswith(_REMINDER):  # Claude Code's wrapper of a reminder: its first words say what it is
        text = text[len(_REMINDER) :].strip()
    cut = text.find("\n")
    line = text if cut < 0 else text[:cut]
    return line[:limit]


def step_text(step: Step) -> str:
    """A step's text, or for a tool call that has none, its arguments as compact JSON."""
    text = step.text.strip()
    if not text and step.tool_input is not None:
        text = orjson.dumps(step.tool_input, default=str).decode()
    return text


def step_number(text: str) -> int | None:
    """A step number as a user types it (`12`, `#12`: the `#` column of `show`, the app's `step 12`,
    blame's `#12`, the ends of `--steps`), or None for anything else: a log's own step id is never one."""
    text = text.strip().removeprefix("#")
    return int(text) if text.isdigit() and len(text) < 10 else None


def step_name(index_of: dict[str, int], step_id: str | None) -> str:
    """`step 12`: a step named by its id, as a user reads it (the id stays in `--json`)."""
    index = index_of.get(step_id) if step_id is not None else None
    return f"step {index}" if index is not None else "a step outside the episode"


def capsule_name(session_id: str, first: int, last: int) -> str:
    """The capsule file the app offers for steps `first`..`last` of a session: its id's first 8
    characters as a plain file name. The id is the log's (`\x1b[2J../`: an escape the dialog's input
    drew, a folder above), so it is named as the export names a log's files."""
    from tracetui.export.manifest import safe_component

    return f"{safe_component(session_id[:8], keep_case=True)}-{first}-{last}.capsule"


def money(usd: float | None, lower_bound: bool = False) -> str:
    """`$12.95`, `$0.004`, or `?` for a price the table does not know; `≥$0.05` for a price of part
    of the usage (`SessionSummary.cost_lower_bound`: the log counted only the output, or only part
    of some request's usage)."""
    if usd is None:
        return "?"
    mark = "≥" if lower_bound else ""
    if usd == 0 or usd >= 1:
        return f"{mark}${usd:,.2f}"
    return mark + (f"${usd:.2g}" if usd < 0.01 else f"${usd:.3f}".rstrip("0"))


# After a price that is (partly) what the agent's log says a request cost, not the table's: one
# ASCII cell, so a list's cost column keeps its width and no terminal reads it as two cells.
LOGGED_MARK = "*"


def listed_cost(usd: float | None, lower_bound: bool = False, logged: bool = False) -> str:
    """A list's cost cell: `money`, marked `*` where the figure is (partly) the log's own."""
    text = money(usd, lower_bound)
    return text + LOGGED_MARK if logged and usd is not None else text


def short_time(ts: str | None) -> str:
    """An ISO timestamp shortened for a table or a row: date and minutes."""
    if not ts:
        return ""
    return ts[:16].replace("T", " ")


def is_failure(step: Step) -> bool:
    """A step that went wrong: a tool result marked as an error or ending with a non-zero exit code,
    an edit the tool refused, or an API error the agent logged."""
    if step.is_error:
        return True
    code = step.meta.get("exit_code")
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        return True
    if step.kind == StepKind.TOOL_CALL and any(not e.applied for e in step.edits):
        return True
    return step.kind == StepKind.SYSTEM and (step.meta.get("subtype") == "api_error" or "api_error" in step.meta)


def problems(errors: list[LineError]) -> str:
    """What a sync met, in words: lines or files it could not read, and odd lines read whole
    (a lost newline). "" when it met nothing."""
    mended = sum(e.count for e in errors if e.recovered)
    skipped = sum(e.count for e in errors) - mended
    parts = []
    if skipped:
        parts.append(f"{skipped} line or file skipped" if skipped == 1 else f"{skipped} lines or files skipped")
    if mended:
        parts.append(f"{mended} odd line read whole" if mended == 1 else f"{mended} odd lines read whole")
    return ", ".join(parts)


def line_cost_text(found: Any, short: bool = False) -> str:
    """A session's cost per surviving line (`line_cost.LineCost`) in a line: `$1.17/surviving line,
    $0.75 on reverted or lost patches`; `short` for a header (`$1.17/kept line, $0.75 thrown away`)."""
    per, wasted = money(found.per_line_usd), money(found.wasted_usd)
    if short:
        return f"{per}/kept line, {wasted} thrown away"
    if not short and not found.decided:  # a price per line and a waste of $0.00 would say what nobody knows
        undecided = getattr(found, "undecided", 0)
        if not undecided:
            return "no added line to judge"
        return f"no patch decided at HEAD ({undecided} added lines uncommitted, or in no clone found)"
    kept = f"{found.surviving} of {found.decided} decided added lines alive or transformed"
    return f"{per} per surviving line ({kept}); {wasted} on reverted or lost patches ({found.reverted + found.lost} lines)"
