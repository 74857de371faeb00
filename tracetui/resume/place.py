"""Where a resumed session goes: the agent's own folder, named from our clock, our id and the agent's
own naming of the working folder (Claude Code, Pi, Gemini CLI's project slugs), never from an id or
a path the log chose."""

from __future__ import annotations

import errno
import os
import re
import shlex
import stat
from collections.abc import Mapping
from pathlib import Path

from tracetui.errors import TracetuiError
from tracetui.safe_text import clip, safe_line
from tracetui.sources.claude.writer import folder_name
from tracetui.sources.codex.writer import file_name
from tracetui.sources.copilot import files as copilot_files
from tracetui.sources.gemini import project_folder as gemini_folder
from tracetui.sources.gemini import writer as gemini_writer
from tracetui.sources.opencode import reader as opencode_reader
from tracetui.sources.opencode import writer as opencode_writer
from tracetui.sources.pi import writer as pi_writer

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def checked_cwd(cwd: str | None) -> str:
    """The working folder the agent is to run in: a plain absolute POSIX path (the log's word is
    hostile: no `..`, no control characters, nothing relative)."""
    if not cwd:
        raise TracetuiError("the session names no working folder to continue it in")
    shown = safe_line(clip(cwd, 120))
    if _CONTROL.search(cwd) or not cwd.startswith("/"):
        raise TracetuiError(f"the session's working folder {shown!r} is not a plain absolute path")
    if any(part in ("..", ".") for part in cwd.split("/")) or "//" in cwd:
        raise TracetuiError(f"the session's working folder {shown!r} is not a plain absolute path")
    return cwd


def store_root(agent: str, env: Mapping[str, str], home: Path) -> Path:
    """The agent's own store, the top of every folder a resume writes in (it may be a link: a
    dotfiles setup; nothing below it may be)."""
    if agent == "claude":
        return Path(env["CLAUDE_CONFIG_DIR"]) if env.get("CLAUDE_CONFIG_DIR") else home / ".claude"
    if agent == "codex":
        return Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home / ".codex"
    if agent == "pi":
        return Path(env["PI_CODING_AGENT_DIR"]) if env.get("PI_CODING_AGENT_DIR") else home / ".pi" / "agent"
    if agent == "gemini":
        return gemini_root(env, home)
    if agent == "opencode":
        return opencode_reader.data_dir(env, home)
    if agent == "copilot":
        return copilot_files.copilot_home(env, home)
    raise TracetuiError(f"tracetui cannot write {agent} sessions yet")


def target_file(agent: str, cwd: str, new_id: str, now: str, env: Mapping[str, str], home: Path) -> Path:
    """The file the new session is written to, below `store_root`."""
    root = store_root(agent, env, home)
    if agent == "claude":
        return root / "projects" / folder_name(cwd) / f"{new_id}.jsonl"
    if agent == "codex":
        return root / "sessions" / now[:4] / now[5:7] / now[8:10] / file_name(new_id, now)
    if agent == "pi":
        return root / "sessions" / pi_writer.folder_name(cwd) / pi_writer.file_name(new_id, now)
    if agent == "gemini":
        return gemini_folder.chats_folder(cwd, root).chats / gemini_writer.file_name(new_id, now)
    if agent == "opencode":
        return root / opencode_writer.FOLDER / opencode_writer.file_name(new_id)
    session_state = root / copilot_files.SESSION_STATE
    return session_state / new_id / copilot_files.EVENTS


def gemini_root(env: Mapping[str, str], home: Path) -> Path:
    """`~/.gemini`, or `$GEMINI_CLI_HOME/.gemini` as the CLI takes it."""
    return (Path(env["GEMINI_CLI_HOME"]) if env.get("GEMINI_CLI_HOME") else home) / ".gemini"


def markers(agent: str, cwd: str, env: Mapping[str, str], home: Path) -> list[tuple[Path, bytes]]:
    """The files to write before the session so the agent looks for it where it is: Gemini CLI's
    `.project_root` for a project folder it has not claimed yet (it adopts the folder at start)."""
    if agent == "gemini":
        marker = gemini_folder.chats_folder(cwd, gemini_root(env, home)).marker
        return [(marker, cwd.encode())] if marker is not None else []
    return []


def command(agent: str, cwd: str, new_id: str) -> list[str]:
    """The program's own words for continuing `new_id`, to run in `cwd`."""
    if agent == "claude":
        return ["claude", "--resume", new_id]
    if agent == "pi":
        return ["pi", "--session", new_id]
    if agent == "gemini":
        return ["gemini", "--resume", new_id]
    if agent == "opencode":
        return ["opencode", "--session", new_id]
    if agent == "copilot":
        return ["copilot", f"--resume={new_id}"]
    return ["codex", "resume", new_id]


def setup(agent: str, path: Path) -> list[list[str]]:
    """What runs before the command, in the same folder: OpenCode's own `import` puts the written
    document into its database (tracetui never writes the database)."""
    return [["opencode", "import", str(path)]] if agent == "opencode" else []


def shell_line(cwd: str, argv: list[str], before: list[list[str]] | None = None) -> str:
    """`cd CWD && [SETUP && ]PROGRAM ...`, every word quoted for a POSIX shell (the cwd came from a log)."""
    return " && ".join([f"cd {shlex.quote(cwd)}", *(shlex.join(words) for words in before or []), shlex.join(argv)])


def check_way(path: Path, root: Path) -> None:
    """Refuse, before anything is written, a way to `path` that leaves `root` or passes a symbolic link
    (or a file) where a folder below `root` goes: a link planted there took the session anywhere."""
    at = root
    for part in _parts(path, root)[:-1]:
        at = at / part
        try:
            mode = os.lstat(at).st_mode
        except FileNotFoundError:
            return  # the rest of the way is made by us
        except OSError as e:
            raise TracetuiError(f"cannot write {path}: {e.strerror or e}") from None
        if stat.S_ISLNK(mode):
            raise TracetuiError(f"{at} is a symbolic link: tracetui writes no session through it")
        if not stat.S_ISDIR(mode):
            raise TracetuiError(f"{at} is not a folder: tracetui cannot write {path.name} in it")


def write_new(path: Path, data: bytes, root: Path | None = None) -> None:
    """Write `data` to a file that must not exist yet (never over another session, never through a
    link planted where ours goes, nor where a folder below `root`, the agent's store, goes: each is
    opened from the one above it without following a link)."""
    root = root or path.parent
    parts = _parts(path, root)
    check_way(path, root)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.open not in os.supports_dir_fd:  # (no openat: the check above stands alone)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, flags, 0o600)
        else:
            folder = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
            try:
                for part in parts[:-1]:
                    folder = _into(folder, part, path)
                fd = os.open(parts[-1], flags, 0o600, dir_fd=folder)
            finally:
                os.close(folder)
    except FileExistsError:
        raise TracetuiError(f"{path} already exists") from None
    except OSError as e:
        raise TracetuiError(f"cannot write {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(data)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _parts(path: Path, root: Path) -> tuple[str, ...]:
    """`path`'s names below `root`, each a plain name."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        raise TracetuiError(f"{path} is not inside {root}") from None
    if not parts or any(p in ("", ".", "..") or "/" in p for p in parts):
        raise TracetuiError(f"{path} is not a plain path inside {root}")
    return parts


def _into(folder: int, name: str, path: Path) -> int:
    """The folder `name` inside the open `folder` (made where missing), opened without following a
    link; `folder` is closed."""
    try:
        try:
            os.mkdir(name, 0o700, dir_fd=folder)
        except FileExistsError:
            pass
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=folder)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            raise TracetuiError(f"{name} on the way to {path} is a symbolic link or not a folder: "
                                "tracetui writes no session through it") from None
        raise
    finally:
        os.close(folder)
