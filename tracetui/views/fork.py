"""What the faces say of a fork: the session it was copied from, where its copy ends, and where in the
parent it was made. Face-neutral plain strings (the parent's id comes from a log: callers pass it
through `tracetui.safe_text`)."""

from __future__ import annotations

from tracetui.model import Session

SHORT_ID = 8  # the length of an id as the app's titles show it


def short_id(parent: str) -> str:
    """A parent as a title names it: an id's first characters, or the file name of a logged path
    (what Pi's fork names where the file name holds no id)."""
    name = parent.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:40] if name != parent else parent[:SHORT_ID]


def copy_end(session: Session) -> int | None:
    """The index of the last step the fork copied from its parent, None when it copied none."""
    last = None
    for step in session.steps:
        if step.copied:
            last = step.index
    return last


def fork_line(session: Session) -> str | None:
    """One line for `show` and the app: whose fork this is, when, and how much of it is a copy."""
    if session.forked_from is None:
        return None
    copied = sum(1 for s in session.steps if s.copied)
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
    if fork.forked_at:
        before = [s.index for s in parent.steps if s.timestamp and s.timestamp <= fork.forked_at]
        if before:
            return before[-1]
    return 0
