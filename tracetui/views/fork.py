"""What the faces say of a session that came from another: a fork (the session it was copied from,
where its copy ends, where in the parent it was made) and a subagent with a log of its own (the
session that spawned it, and the parent's step that did). The faces show and open both parents by
the same functions (`parent_of`, `parent_title`, `parent_point`), and offer them where the library
holds them (`parent_held`, `spawners_held`). Face-neutral plain strings (the parent's id comes from a
log: callers pass it through `tracetui.safe_text`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracetui.errors import TracetuiError
from tracetui.model import Session, Step, StepKind
from tracetui.safe_text import safe_line

if TYPE_CHECKING:  # the CLI loads this module with its commands: the library's index loads when used
    from tracetui.library import Library

SHORT_ID = 8  # the length of an id as the app's titles show it


def short_id(parent: str) -> str:
    """A parent as a title names it: an id's first characters, or the file name of a logged path
    (what Pi's fork names where the file name holds no id)."""
    name = parent.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:40] if name != parent else parent[:SHORT_ID]


def parent_of(session: Session) -> str | None:
    """The session this one came from as its log names it: a fork's parent, else the session that
    spawned it as a subagent, else None."""
    return session.forked_from or session.subagent_of


def parent_title(session: Session) -> str | None:
    """The head of the app's title for a session that came from another (`↱ fork of …`,
    `↳ subagent of …`), the parent as a short id, else None."""
    if session.forked_from is not None:
        return f"↱ fork of {short_id(session.forked_from)}"
    if session.subagent_of is not None:
        return f"↳ subagent of {short_id(session.subagent_of)}"
    return None


def subagent_line(session: Session) -> str | None:
    """One line for `show`: which session ran this one as a subagent, and as whom."""
    if session.subagent_of is None:
        return None
    link = next((s for s in session.steps if s.meta.get("spawned_by") == session.subagent_of), None)
    name = " ".join(str(link.meta[n]) for n in ("agent_nickname", "agent_role") if link and link.meta.get(n))
    return f"subagent of {session.subagent_of}" + (f" ({name})" if name else "")


def spawned_child(step: Step) -> str | None:
    """The session a parent's step spawned as a subagent with a log of its own (Codex's spawn call:
    meta agent_thread), else None."""
    child = step.meta.get("agent_thread")
    return child if isinstance(child, str) and child else None


def parent_point(parent: Session, child: Session) -> int:
    """Where in the parent the child came from: a fork's fork point, a subagent's spawning step (the
    parent's call naming the child's id), else the parent's last step before the child started."""
    if child.forked_from is not None and child.forked_from == parent.id:
        return fork_point(parent, child)
    for step in parent.steps:
        if step.kind == StepKind.TOOL_CALL and spawned_child(step) == child.id:
            return step.index
    return _before(parent, child.started)


def held(library: Library, wanted: str) -> str | None:
    """`wanted` when the library holds a session of exactly that id (a log's word is no prefix)."""
    try:
        row = library.summary(wanted)
    except TracetuiError:
        return None
    return row.id if row.id == wanted else None


def parent_held(library: Library, session: Session) -> str | None:
    """The id of the session this fork was copied from, or this subagent was spawned by, when the
    library holds it (by its whole id: the log's word is not a prefix to resolve)."""
    wanted = parent_of(session)
    if not wanted or wanted == session.id:  # a log naming itself as its parent has none to open
        return None
    return held(library, wanted)


def copies_judged_here(library: Library, session: Session) -> bool:
    """Whether a fork's own trail judges the steps it copied: where it names a parent the library does
    not hold, its log is their only record (blame credits their lines to it, `file_blame`), so they are
    listed with their verdicts, apart from its own counts. Where the parent is held, its trail does."""
    return has_named_copies(session) and forked_parent_held(library, session) is None


def has_named_copies(session: Session) -> bool:
    """A fork naming a parent other than itself, with steps copied from it."""
    wanted = session.forked_from
    return bool(wanted) and wanted != session.id and any(s.copied for s in session.steps)


def forked_parent_held(library: Library, session: Session) -> str | None:
    """The id of the session this fork was copied from, where the library holds it by that whole id."""
    wanted = session.forked_from
    return held(library, wanted) if wanted and wanted != session.id else None


def spawners_held(library: Library, session: Session) -> frozenset[str]:
    """The ids of the session's steps that spawned a subagent whose session the library holds."""
    spawned = {step.id: child for step in session.steps if (child := spawned_child(step)) is not None}
    return frozenset(step_id for step_id, child in spawned.items() if child != session.id and held(library, child))


def no_parent_line(session: Session | None) -> str:
    """Why the key that opens a session's parent has nothing to open, in one line (made safe: the
    parent's id comes from a log)."""
    wanted = parent_of(session) if session is not None else None
    if session is None or wanted is None or wanted == session.id:
        return "this session is no fork or subagent of another session"
    return f"its parent {safe_line(short_id(wanted))} is not in the bucket"


def copy_end(session: Session) -> int | None:
    """The index of the last step the fork copied from its parent, None when it copied none."""
    last = None
    for step in session.steps:
        if step.copied:
            last = step.index
    return last


def fork_line(session: Session) -> str | None:
    """One line for `show` and the app: whose fork this is, when, and how much of it is a copy."""
    copied = sum(1 for s in session.steps if s.copied)
    if session.forked_from is None:
        # A resume that wrote the earlier conversation again under a new id (Claude Code 1.0.x),
        # naming no parent.
        return f"resumed; its first {copied} step{'s' if copied != 1 else ''} copy the earlier conversation" if copied else None
    when = f" at {session.forked_at}" if session.forked_at else ""
    what = f"; its first {copied} step{'s' if copied != 1 else ''} are copies" if copied else ""
    return f"fork of {session.forked_from}{when}{what}"


def fork_point(parent: Session, fork: Session) -> int:
    """Where in the parent the fork was made: the parent's step that the fork's last copied step is a
    copy of (by the parent's id the copy names, as Claude Code's do, else by id, as Pi copies entries,
    else by kind and text, as Codex writes its copies again under new line numbers), else the parent's
    last step before the fork's time, else its first."""
    end = copy_end(fork)
    if end is not None:
        last = fork.steps[end]
        named = last.meta.get("copy_of")
        for wanted in (named, last.id) if isinstance(named, str) else (last.id,):
            same = parent.step(wanted)
            if same is not None and same.kind == last.kind and same.text == last.text:
                return same.index
        for step in reversed(parent.steps):
            if step.kind == last.kind and step.text == last.text and step.tool_call_id == last.tool_call_id:
                return step.index
    return _before(parent, fork.forked_at)


def _before(parent: Session, moment: str | None) -> int:
    """The parent's last step at or before a moment, else its first."""
    if moment:
        before = [s.index for s in parent.steps if s.timestamp and s.timestamp <= moment]
        if before:
            return before[-1]
    return 0
