"""Where a resumed session goes: the agent's own folder, named from our clock, our id and the agent's
own naming of the working folder (Claude Code, Pi, Gemini CLI's project slugs), never from an id or
a path the log chose."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path

from tracetui.errors import TracetuiError
from tracetui.safe_text import clip, safe_carried, safe_line
from tracetui.sources.claude.writer import folder_name
from tracetui.sources.codex.writer import file_name
from tracetui.sources.copilot import files as copilot_files
from tracetui.sources.gemini import project_folder as gemini_folder
from tracetui.sources.gemini import writer as gemini_writer
from tracetui.sources.opencode import reader as opencode_reader
from tracetui.sources.opencode import writer as opencode_writer
from tracetui.sources.pi import writer as pi_writer

# Linux's PATH_MAX (with its NUL) and NAME_MAX: what a `cd` to the folder can take.
PATH_MOST = 4096
NAME_MOST = 255
# A C0 or C1 control (0x9B alone is a CSI), or half of a surrogate pair (no file name encodes it).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def checked_cwd(cwd: str | None) -> str:
    """The working folder the agent is to run in: a plain absolute POSIX path (the log's word is
    hostile: no `..`, no control characters, nothing relative), without a trailing `/`."""
    if not cwd:
        raise TracetuiError("the session names no working folder to continue it in")
    shown = safe_line(clip(cwd, 120))
    # A character no terminal draws (a bidi override) named the store's folder (Pi's) and made the
    # printed `cd` read as another folder than the one it enters; an emoji's joiner is drawn, and kept.
    if _CONTROL.search(cwd) or safe_carried(cwd) != cwd or not cwd.startswith("/"):
        raise TracetuiError(f"the session's working folder {shown!r} is not a plain absolute path")
    if any(part in ("..", ".") for part in cwd.split("/")) or "//" in cwd:
        raise TracetuiError(f"the session's working folder {shown!r} is not a plain absolute path")
    # The agents name the store's folder from the cwd their process has, which never ends in `/`:
    # `/home/dev/` put the session in a folder (`-home-dev-`) `claude --resume` never looks in.
    return cwd.rstrip("/") or "/"


def check_enterable(cwd: str) -> None:
    """Refuse a `checked_cwd` no shell can `cd` into (ENAMETOOLONG). Where the store's folder is named
    from it (Claude Code, Pi, Gemini CLI) the agent's own limit said so first; Codex, OpenCode and
    Copilot CLI wrote the session all the same: one nothing can resume, its cwd up to megabytes."""
    longest = max(len(part.encode("utf-8")) for part in cwd.split("/"))
    if len(cwd.encode("utf-8")) >= PATH_MOST or longest > NAME_MOST:
        raise TracetuiError(f"the session's working folder {safe_line(clip(cwd, 120))!r} is longer than a "
                            f"folder can be ({PATH_MOST - 1:,} bytes, {NAME_MOST} a name)")


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
    # Without `--no-daemon` Codex (0.171) starts a shared app-server daemon that outlives the session:
    # two `codex app-server` processes went on running after the resumed TUI quit.
    return ["codex", "resume", "--no-daemon", new_id]


def setup(agent: str, path: Path) -> list[list[str]]:
    """What runs before the command, in the same folder: OpenCode's own `import` puts the written
    document into its database (tracetui never writes the database)."""
    return [["opencode", "import", str(path)]] if agent == "opencode" else []


def shell_line(cwd: str, argv: list[str], before: list[list[str]] | None = None) -> str:
    """`cd CWD && [SETUP && ]PROGRAM ...`, every word quoted for a POSIX shell (the cwd came from a log)."""
    return " && ".join([f"cd {shlex.quote(cwd)}", *(shlex.join(words) for words in before or []), shlex.join(argv)])
