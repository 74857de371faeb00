"""The agents tracetui reads: one `Agent` declared by each reader module, found here by name.

Everything that needs to know an agent (discovery patterns, its folders and environment variables,
how to group and read its logs, the CLI's choices, the bucket's checks) asks the registry, so adding
an agent is one reader module that declares `AGENT`, listed by its name in READER_MODULES, plus
its tests.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracetui.model import LineErrors, Session
    from tracetui.sources import RawLog, SessionFiles
    from tracetui.sources.common.resumable import ResumeState

# Each agent's name and the module that declares it: a command line names the agents (in its help,
# in `--source`'s check) without importing six readers, and a sync imports only the ones it reads.
READER_MODULES = {
    "claude": "tracetui.sources.claude.reader",
    "codex": "tracetui.sources.codex.reader",
    "pi": "tracetui.sources.pi.reader",
    "gemini": "tracetui.sources.gemini.reader",
    "copilot": "tracetui.sources.copilot.reader",
    "opencode": "tracetui.sources.opencode.reader",
}
# Their labels, as each module's AGENT gives it: an export's card names the agents of its sessions
# without importing their readers (0.13 s of an export's CPU for three; tests/unit/sources/test_registry.py).
READER_LABELS = {
    "claude": "Claude Code",
    "codex": "Codex CLI",
    "pi": "Pi",
    "gemini": "Gemini CLI",
    "copilot": "Copilot CLI",
    "opencode": "OpenCode",
}
# The folder each agent's files go in as a raw export and a dataset name it (the names the community's
# datasets use; `export.raw.agent_folder`); the others' is their name here.
AGENT_FOLDERS = {"claude": "claude_code", "codex": "codex", "pi": "pi"}


@dataclass(frozen=True, slots=True)
class Agent:
    name: str  # as the CLI, the bucket and `--source NAME=PATH` spell it
    label: str  # for people: "Claude Code"
    patterns: tuple[str, ...]  # file names a sync picks up under a source folder (globs)
    folders: Callable[[Mapping[str, str], Path], list[Path]]  # (environment, home) -> default folders
    group: Callable[[list[Path]], list[SessionFiles]]
    read: Callable[[RawLog, list[RawLog]], Session]
    env: tuple[str, ...] = ()  # the environment variables `folders` honours, for the docs and help
    # For agents that keep sessions in something other than log files (a database, many small files):
    # (files found, a bucket folder of the agent's own) -> (log files to sync instead, problems).
    stage: Callable[[list[Path], Path], tuple[list[Path], LineErrors]] | None = None
    # (a log new to the bucket, the stage's folder) -> True where the stage would pass that log on
    # as it is and its coming changes nothing else the stage gives: a sync told of it alone need not
    # run the stage (a new plain Codex rollout). None: every new log goes through the stage.
    passes: Callable[[Path, Path], bool] | None = None
    # (a log the bucket already holds that changed, the stage's folder) -> True where the stage must
    # look at it again before it is read (a Gemini file several sessions share: its new lines may
    # belong to a session the stage keeps in a log of its own). None: such a log is read as it is.
    restage: Callable[[Path, Path], bool] | None = None
    # For logs that only ever grow (JSONL): `read` that starts from the state an earlier call
    # returned (None: from the start) and reads only the bytes past it, returning exactly what
    # `read` would, and the state to start from next time (None when it cannot be kept). See
    # `tracetui.sources.common.resumable`; a reader without it is simply read whole.
    resume: (
        Callable[[ResumeState | None, RawLog, list[RawLog]], tuple[Session, ResumeState | None]] | None
    ) = None
    # For agents whose subagents' logs never name their parent and whose parent's log names a child
    # only by a key: (the parent's log path) -> {child key: child session id} from the agent's own
    # index beside that log ({} where it has none), the same for every log of a folder (a sync asks
    # once a folder). See `tracetui.sources.pi.openclaw_spawn`.
    spawn_index: Callable[[Path], dict[str, str]] | None = None
    # For agents that keep a project's sessions in a folder named after its working directory (Claude
    # Code's `projects/<the cwd, every other character a dash>`): (a log's path, a cwd) -> True where
    # the log sits in the folder that cwd's sessions go to. A session whose log names no cwd takes
    # the cwd of a session beside it that passes (the bucket's `index.tie_folders`).
    folder_cwd: Callable[[str, str], bool] | None = None

    def default_folders(self) -> list[Path]:
        return self.folders(os.environ, Path.home())


_agents: dict[str, Agent] = {}  # the agents loaded so far, and those registered at run time


def agents() -> list[Agent]:
    return [get(name) for name in names()]


def names() -> tuple[str, ...]:
    return (*READER_MODULES, *(name for name in _agents if name not in READER_MODULES))


def get(name: str) -> Agent:
    """The agent called `name` (its module imported on first use); ValueError names the known ones."""
    found = _agents.get(name)
    if found is None and name in READER_MODULES:
        found = _agents[name] = importlib.import_module(READER_MODULES[name]).AGENT
    if found is None:
        raise ValueError(f"unknown agent {name!r}: expected {spoken_names()}")
    return found


def label(name: str) -> str:
    """`get(name).label`, from `READER_LABELS` where the reader is not loaded yet."""
    found = _agents.get(name)
    if found is None and name in READER_LABELS:
        return READER_LABELS[name]
    return get(name).label


def spoken_names() -> str:
    """`claude, codex or pi`: the known names as a sentence says them."""
    known = names()
    return ", ".join(known[:-1]) + f" or {known[-1]}" if len(known) > 1 else "".join(known)


def importable(name: str) -> bool:
    """Whether a fresh process finds this agent too (a sync's worker processes import the registry
    anew: an agent registered at run time is known to this process only)."""
    return name in READER_MODULES and importlib.import_module(READER_MODULES[name]).AGENT.name == name


def register(agent: Agent) -> None:
    """Add an agent (a plug-in, or a test's fake one); its name must be new."""
    if agent.name in names():
        raise ValueError(f"an agent named {agent.name!r} is already registered")
    _agents[agent.name] = agent


@contextlib.contextmanager
def registered(agent: Agent) -> Iterator[Agent]:
    """`agent` registered for the length of a `with` block (for tests)."""
    register(agent)
    try:
        yield agent
    finally:
        _agents.pop(agent.name, None)
