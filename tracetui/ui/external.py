"""Handing a step to the user's own tools: their pager, their editor, their clipboard.

What goes to a pager is the step's text with every control character made visible (`safe_text`):
a pager such as `cat` or `less -R` would pass a log's escape sequences to the terminal. A file goes
to the editor only when it is a regular file inside the session's folder or the repository the app
was given, so a log cannot point the editor anywhere else.
"""

from __future__ import annotations

import os
import shlex
import stat
from collections.abc import Mapping
from pathlib import Path

from tracetui.model import Step

# The most a copy sends (UTF-8 bytes, before base64). A copy is one OSC 52 escape sequence written
# to the terminal at once, and a stranger's step can run to hundreds of MB: past this the pager reads it.
COPY_LIMIT = 1 << 20

# Editors that take `+LINE FILE`; the others get the file alone, or `-g FILE:LINE` (VS Code's kind).
_PLUS_LINE = {"vi", "vim", "nvim", "nano", "emacs", "emacsclient", "micro", "kak", "hx", "helix", "joe", "ne"}
_GOTO = {"code", "code-insiders", "codium", "cursor"}


def pager_command(env: Mapping[str, str]) -> list[str]:
    return _words(env.get("PAGER") or "") or ["less"]


def editor_command(env: Mapping[str, str], path: Path, line: int | None) -> list[str]:
    command = _words(env.get("VISUAL") or env.get("EDITOR") or "") or ["vi"]
    name = Path(command[0]).name
    # `+LINE` is an Ex command to vi and its kin: only ever a whole number (a log's hunk is checked
    # to be one where it is read; this is the last word on it), and the path is absolute.
    line = line if type(line) is int and line > 0 else None
    if line and name in _PLUS_LINE:
        return [*command, f"+{line}", str(path)]
    if line and name in _GOTO:
        return [*command, "-g", f"{path}:{line}"]
    return [*command, str(path)]


def _words(value: str) -> list[str]:
    # A variable shlex cannot read (an unclosed quote) is split at spaces, as a shell user would
    # half expect, rather than taking the app down with a ValueError.
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def edit_target(
    step: Step, roots: list[str | None], names: list[str] | None = None
) -> tuple[Path, int | None] | str:
    """The file a step edited and the first line it touched, or why it cannot be opened.

    `names`: the file's names to look for, first found wins (default: the logged one). A relative
    name is looked for under every root; the trail's names are relative to the clone's top, which
    is how a log written in another folder (a colleague's, a moved checkout) finds its files here.
    """
    if not step.edits:
        return "this step edited no file"
    edit = step.edits[0]
    bases = [b for b in (_resolved(Path(r)) for r in roots if r) if b is not None]
    for name in names or [edit.move_to or edit.path]:
        candidate = Path(name)
        for path in [candidate] if candidate.is_absolute() else [base / candidate for base in bases]:
            resolved = _resolved(path)
            if resolved is None or not any(resolved == base or base in resolved.parents for base in bases):
                continue
            try:
                if stat.S_ISREG(os.stat(resolved).st_mode):
                    return resolved, _first_line(step, name)
            except (OSError, ValueError):
                continue
    return f"{edit.path} is not a file in this session's folder or the repository here"


def _first_line(step: Step, name: str) -> int | None:
    """The first line the step's edit of `name` touched (the edit whose logged path ends with it)."""
    for edit in step.edits:
        for logged in (edit.move_to, edit.path):
            if logged and (logged == name or logged.replace("\\", "/").endswith("/" + name.lstrip("/"))):
                return edit.hunks[0].new_start if edit.hunks else None
    return None


def _resolved(path: Path) -> Path | None:
    # A path from a log may hold a NUL (ValueError) or run into a loop of symbolic links
    # (RuntimeError before Python 3.13): neither names a file to open.
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return None
