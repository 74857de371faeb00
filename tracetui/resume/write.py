"""The use case: a session's history up to step N, written as a new session of an agent, and the
command that continues it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tracetui import folder_fd
from tracetui.bucket import Bucket
from tracetui.errors import TracetuiError
from tracetui.library import FOREIGN_KINDS, Library
from tracetui.model import Session, Step, StepKind
from tracetui.resume import place
from tracetui.resume.inert import inert_document, inert_lines
from tracetui.safe_text import clip
from tracetui.sources import RawLog
from tracetui.sources.claude import writer as claude_writer
from tracetui.sources.codex import writer as codex_writer
from tracetui.sources.common.carried import carried
from tracetui.sources.copilot import writer as copilot_writer
from tracetui.sources.gemini import writer as gemini_writer
from tracetui.sources.opencode import ids as opencode_ids
from tracetui.sources.opencode import writer as opencode_writer
from tracetui.sources.pi import writer as pi_writer

TARGETS = ("claude", "codex", "pi", "gemini", "opencode", "copilot")


@dataclass(slots=True)
class Resumed:
    """What was written and how to go on."""

    agent: str
    session_id: str  # the new session's id
    source_id: str
    step: int
    path: str
    cwd: str
    argv: list[str]  # the program's command, to run in `cwd`
    command: str  # `cd CWD && ...`, quoted for a POSIX shell
    steps: int  # the source's steps carried
    dropped: list[str] = field(default_factory=list)  # what the target's format could not hold
    setup: list[list[str]] = field(default_factory=list)  # commands to run before `argv` (OpenCode's import)
    # The carried steps the model reads and the agent's program shows as no message (`unshown`): the
    # step's number and its text, clipped.
    unshown: list[tuple[int, str]] = field(default_factory=list)
    # The model the program continues on where the written history chooses it, not the user's default
    # (OpenCode takes its last prompt's): `provider/model`.
    model: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "session_id": self.session_id, "source_id": self.source_id,
                "step": self.step, "path": self.path, "cwd": self.cwd, "argv": self.argv, "setup": self.setup,
                "command": self.command, "steps": self.steps, "dropped": self.dropped,
                "unshown": [{"step": n, "text": text} for n, text in self.unshown], "model": self.model}


def history(session: Session, number: int) -> list[Step]:
    """The steps a resume at step `number` carries: the active path's main-conversation steps up to it."""
    step = next((s for s in session.steps if s.index == number), None)
    if step is None:
        last = len(session.steps) - 1
        raise TracetuiError(f"the session has no step {number} (its steps are 0 to {last})")
    if not step.active:
        raise TracetuiError(f"step {number} is off the path the session ended on (a rewound branch): "
                            "pick a step of the active path")
    if step.subagent is not None or step.kind in (StepKind.SUBAGENT_START, StepKind.SUBAGENT_END):
        raise TracetuiError(f"step {number} is inside a subagent's run: pick a step of the main conversation")
    return [s for s in session.steps if s.index <= number and s.active and s.subagent is None]


def continue_at(library: Library, id_or_prefix: str, number: int, agent: str | None = None,
                cwd: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None,
                now: datetime | None = None) -> Resumed:
    """Write session `id_or_prefix`'s history up to step `number` as a new session of `agent` (the
    session's own by default) and say the command that continues it."""
    if cwd is None and library.kind in FOREIGN_KINDS:
        # Another machine's rows: the folder they name is a stranger's word (`/`, ~/.ssh, a folder anyone
        # may plant the agent's project settings in), never where the user's agent is sent to run.
        raise TracetuiError(f"a {library.kind}'s session names another machine's working folder: name the "
                            "folder to continue in (--cwd)")
    session = library.session(id_or_prefix)
    raw = library.raw_files(session.id) if isinstance(library, Bucket) else None
    return write_session(session, raw, number, agent, cwd, env, home, now)


def write_session(session: Session, raw: list[RawLog] | None, number: int, agent: str | None = None,
                  cwd: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None,
                  now: datetime | None = None) -> Resumed:
    """`continue_at` for a session already read, with its raw logs (main first) where they are at hand."""
    target = agent or session.agent
    if target not in TARGETS:
        raise TracetuiError(f"tracetui writes sessions for {', '.join(TARGETS)}; not {target}")
    upto = history(session, number)
    folder = place.checked_cwd(cwd or session.cwd)
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    ms = int(when.timestamp() * 1000)
    new_id = _new_id(target, when)
    dropped: list[str] = []
    hidden: list[Step] = []  # carried steps of lines the agent's program hides (Claude Code's `isMeta`)
    left: list[Step] = []  # steps a fork leaves behind or the model is never sent: named nowhere as unshown
    copied = True  # the log's own records, rather than the history rebuilt from steps
    if target == session.agent and raw and target in ("claude", "codex"):
        # The same agent, its own log at hand: the log's own lines, as the agent's fork.
        if target == "claude":
            lines = claude_writer.lines_of(raw[0].data)
            data = claude_writer.fork(lines, session, upto, new_id, folder, stamp)
            hidden, left = claude_writer.notes(lines, upto)
            if left:
                dropped.append(f"Claude Code attachments of a kind a fork does not carry (the session's state, "
                               f"not its history): {len(left)}")
        else:
            data = codex_writer.fork(raw[0].data, session, upto, new_id, folder, stamp)
    elif target == session.agent and raw and target == "gemini" and session.version != "gemini-logs":
        # (a session only `logs.json` remembers has prompts, no records: it is rebuilt below)
        data = gemini_writer.fork(raw[0].data, session, upto, new_id, folder, stamp)
    elif target == session.agent and raw and target == "opencode":
        unsent: set[str] = set()
        data = opencode_writer.fork(raw[0].data, session, upto, new_id, folder, ms, unsent)
        left = [s for s in upto if s.id in unsent]
    else:
        # Another agent, or no raw log (a capsule): rebuilt from the steps, saying what is left out.
        items, dropped = carried(upto)
        copied = False
        if target == "opencode":
            data = opencode_writer.from_items(items, session.id, folder, new_id, ms)
        else:
            write = {"claude": claude_writer.from_items, "codex": codex_writer.from_items,
                     "pi": pi_writer.from_items, "gemini": gemini_writer.from_items,
                     "copilot": copilot_writer.from_items}[target]
            data = write(items, session.id, folder, new_id, stamp)
    gone = {id(s) for s in left}
    unshown = _unshown([s for s in upto if id(s) not in gone], hidden) if copied else []
    # No log's text reaches the agent's terminal as a command (`inert.py`): every writer's output, once.
    data = inert_document(data) if target == "opencode" else inert_lines(data)
    runs = {s.subagent for s in session.steps if s.subagent is not None and s.index <= number}
    if runs:  # their own lines stay in the source's files; the calls that ran them and the results are carried
        dropped.append(f"the steps inside subagent runs (their calls and results are carried): {len(runs)} runs")
    env, home = (env if env is not None else os.environ), (home or Path.home())
    path = place.target_file(target, folder, new_id, stamp, env, home)
    place.check_enterable(folder)  # after the agents' own limits, which name theirs
    root = place.store_root(target, env, home)
    writes = [*place.markers(target, folder, env, home), (path, data)]
    for where, _ in writes:  # all checked before the first is written: a refusal writes nothing
        folder_fd.check_way(where, root)
    for where, content in writes:
        folder_fd.write_new(where, content, root)
    argv = place.command(target, folder, new_id)
    before = place.setup(target, path)
    return Resumed(target, new_id, session.id, number, str(path), folder, argv,
                   place.shell_line(folder, argv, before), len(upto), dropped, before,
                   [(s.index, clip(s.text, UNSHOWN_TEXT)) for s in unshown],
                   opencode_writer.model_of(data) if target == "opencode" else None)


# How much of an unshown step's text `Resumed` keeps: `tracetui show ID --step N` has the rest.
UNSHOWN_TEXT = 200


def _unshown(upto: list[Step], hidden: list[Step]) -> list[Step]:
    """The carried steps the model reads and the agent's program shows as no message: what the source
    agent injected (its context: reminders, attachments, environment; a log can write anything there)
    and the lines it hides. A step of the system prompt is not among them: the program sends its own."""
    ids = {id(s) for s in hidden}
    return [s for s in upto if id(s) in ids or (s.kind == StepKind.CONTEXT and not s.meta.get("system_prompt"))]


def _new_id(agent: str, when: datetime) -> str:
    """A fresh session id of the shape the agent makes (Codex and Pi: a UUIDv7, time first)."""
    if agent in ("claude", "gemini", "copilot"):
        return str(uuid.uuid4())
    if agent == "opencode":
        return opencode_ids.session_id(int(when.timestamp() * 1000))
    ms = int(when.timestamp() * 1000)
    rand = uuid.uuid4().int
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand & 0xFFF) << 64 | 0b10 << 62 | (rand >> 64) & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
