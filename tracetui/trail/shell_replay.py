"""The shell steps' writes as the session's replay sees them (`patches._session_patches`): the files a
command wrote, those whose whole text its words hold (the step's own), the earlier patches' lines a
whole rewrite removed, and whether a line typed again is an earlier patch's. docs/internals/trail.md,
"Shell writes".
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tracetui.model import Session, Step
from tracetui.trail.copies import agent_copy
from tracetui.trail.hunks import split_lines
from tracetui.trail.line_identity import is_moved_block, norm, norms_of
from tracetui.trail.patch import Patch
from tracetui.trail.paths import relative_path
from tracetui.trail.shell import command_text, home_of
from tracetui.trail.shell_writes import writes_and_texts


def note_writes(
    call: Step,
    session: Session,
    root: str | None,
    written: dict[str, tuple[str, str | None, bool]],
    seen: dict[str, str],
) -> list[tuple[str, str]]:
    """Mark the files a shell command wrote: the replay's text of each is a guess from now on, until
    an edit's own lines show the file (a read from before the command no longer does). Gives the
    (absolute path, text) of those whose whole text the command's words hold (`shell_texts`: `cat > f
    <<'EOF'`), inside the root: they are the step's own writes (`_shell_edits`), not guesses."""
    cwd = call.cwd or session.cwd
    text = command_text(call.tool_input)
    if not cwd or text is None or not cwd.startswith("/"):
        return []
    files, texts = writes_and_texts(text, cwd, home_of(session.cwd) or home_of(cwd))
    owned = [(path, t) for path, t in texts if _owned(relative_path(path, root))]
    mine, known = {path for path, _ in owned}, dict(texts)
    for path, whole in files:
        rel, inside = relative_path(path, root)
        if not inside or path in mine:
            continue
        seen.pop(rel, None)
        if path in known:
            seen[rel] = known[path]
        prior = written.get(rel)
        if prior is None or (whole and not prior[2]):
            written[rel] = (call.id, call.timestamp, whole)  # the first whole rewrite removed the old lines
    return owned


def _owned(where: tuple[str, bool]) -> bool:
    """Whether a shell write of a known text to this (relative path, inside) is a patch of its step:
    inside the root, a file, not an agent's own copy (`copies.agent_copy`, as `shell_patches`)."""
    rel, inside = where
    return inside and rel != "." and not agent_copy(rel)


def take_overwritten(
    patch: Patch, trace: dict[str, Any], known: list[int] | None, patches: list[Patch]
) -> None:
    """Where a shell command rewrote the file whole since the replay's text of it, and the log showed
    the file before this patch otherwise (its own removed lines, the agent's snapshot, a read), the
    earlier patches' lines missing from what it showed were the command's to remove: they are
    `overwritten`, by that command, at its time.

    The replay's text is `trace["replay"]`, `known` says which patch wrote each of its lines.
    """
    shell, replay, shown = trace.get("shell"), trace.get("replay"), trace.get("shown")
    if shell is None or not shell[2] or replay is None or shown is None or known is None:
        return
    lines = split_lines(replay)
    if len(lines) != len(known):
        return
    left = Counter(norms_of(shown))
    for line, k, by in zip(lines, norms_of(replay), known):
        if left[k] > 0:
            left[k] -= 1  # still there: the shell kept (or wrote back) this copy
        elif by >= 0 and k and by < len(patches) and by != patch.index:
            earlier = patches[by]
            earlier.overwritten = (earlier.overwritten or []) + [(k, shell[1])]
            earlier.overwritten_by = shell[0]


def typed_again(patch: Patch, taken: list[tuple[str, str | None]], typed: dict[str, int]) -> bool:
    """Whether the patch's lines later steps removed, that a shell step's whole write holds again, are
    a moved block (`line_identity.is_moved_block`): a script rewritten and then written back as it
    was, not one generic line met again elsewhere."""
    back = {k for k, _ in taken if typed.get(k, 0) > 0}
    return bool(back) and is_moved_block(x for x in patch.added if norm(x) in back)
