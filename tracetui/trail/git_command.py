"""What the git command reads questions of the trail and blame under: the repository named and
nothing else, no prompt, no network."""

from __future__ import annotations

import os

import pygit2

# git reads these from the environment over the repository named: dropped, so it reads that one.
_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
             "GIT_ALTERNATE_OBJECT_DIRECTORIES")  # fmt: skip


def git_env() -> dict[str, str]:
    """This process's environment for a git command: no prompt, C messages, and no object fetched
    from a partial clone's remote (git 2.45 on; `fetches_lazily` keeps older ones from being run)."""
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_NO_LAZY_FETCH": "1"})
    return env


def git_argv(git_dir: str, *args: str) -> list[str]:
    """The git command on the repository at `git_dir` alone (its own settings aside from the
    file-system monitor, which would start a program of the repository's choosing)."""
    return ["git", "--git-dir", git_dir, "-c", "core.fsmonitor=false", *args]


def fetches_lazily(repo: pygit2.Repository) -> bool:
    """Whether git would fetch a missing object from a remote (a partial clone): a read of the trail
    must not wait on the network; pygit2 reads what the clone has and says what it lacks."""
    try:
        config = repo.config
        if config["extensions.partialclone"]:
            return True
    except (KeyError, ValueError, pygit2.GitError):
        pass
    on = ("true", "1", "yes", "on")
    try:
        promisors = (e for e in repo.config if e.name.startswith("remote.") and e.name.endswith(".promisor"))
        return any((e.value or "").lower() in on for e in promisors)
    except (ValueError, pygit2.GitError):
        return True  # a config that cannot be read is not one to run git under
