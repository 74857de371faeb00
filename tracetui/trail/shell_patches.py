"""The files a session's shell steps wrote whole with a text the log holds, as patches (issue 40).

A capsule carries the patches of the edit tools; a file an agent made with `cat > f <<'EOF'` (spec-kit's
way) was missing at replay, and every later edit of it failed. Where the command's own words hold the
text it wrote (`shell_writes.shell_texts`), that text is a patch of the shell step: op `write`, all of
it added, `origin` "shell". The trail replays the same writes among `session_patches` (judged, and the
step's in blame: `patches._shell_edits`); a capsule carries these, whole, as it always has.
"""

from __future__ import annotations

from tracetui.model import Hunk, Session, Step, StepKind
from tracetui.trail.copies import agent_copy
from tracetui.trail.patch import Patch
from tracetui.trail.paths import relative_path
from tracetui.trail.shell import command_text, home_of
from tracetui.trail.shell_writes import may_write, shell_texts

SHELL = "shell"  # Patch.origin of a shell step's write


def shell_patches(session: Session, root: str | None = None) -> list[Patch]:
    """The whole-file writes of the session's shell steps whose text the command holds, in step order,
    each attributed to its call step. `root` is what paths are made relative to (the trail's: the logged
    folder that is the repository's top, by default the session's cwd); a file outside it is left out,
    as is a write whose call failed or has no result in the log (whether it ran is not known)."""
    root = root or session.cwd
    waiting: dict[str, Step] = {}
    patches: list[Patch] = []
    for step in session.steps:
        if step.kind == StepKind.TOOL_CALL and not step.edits and _may_write(step):
            if step.tool_call_id:
                waiting[step.tool_call_id] = step
            else:  # a user's own shell command: the log keeps no result apart
                patches.extend(_written(step, session, root))
        elif step.kind == StepKind.TOOL_RESULT and step.tool_call_id in waiting:
            call = waiting.pop(step.tool_call_id or "")
            if not step.is_error:
                patches.extend(_written(call, session, root))
    for i, patch in enumerate(patches):
        patch.index = i
    return patches


def _may_write(call: Step) -> bool:
    text = command_text(call.tool_input)
    return text is not None and may_write(text)


def _written(call: Step, session: Session, root: str | None) -> list[Patch]:
    cwd = call.cwd or session.cwd
    text = command_text(call.tool_input)
    if not cwd or text is None or not cwd.startswith("/"):
        return []
    out: list[Patch] = []
    for path, content in shell_texts(text, cwd, home_of(session.cwd) or home_of(cwd)):
        rel, inside = relative_path(path, root)
        if not inside or rel == "." or agent_copy(rel):
            continue
        lines = content.split("\n")[:-1]  # the text ends with a line break (shell_texts says so)
        hunk = Hunk(0, 0, 1 if lines else 0, len(lines), ["+" + line for line in lines])
        out.append(
            Patch(
                step_id=call.id,
                path=rel,
                op="write",
                hunks=[hunk] if lines else [],
                added=lines,
                removed=[],
                timestamp=call.timestamp,
                tool=call.tool,
                origin=SHELL,
                copied=call.copied,
            )
        )
    return out
