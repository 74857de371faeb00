"""What the git command reads questions of the trail and blame under: the repository named and
nothing else, no prompt, no network."""

from __future__ import annotations

import pygit2

from tracetui.git_env import GIT_OPTIONS, git_env

__all__ = ["fetches_lazily", "git_argv", "git_env"]


def git_argv(git_dir: str, *args: str) -> list[str]:
    """The git command on the repository at `git_dir` alone (its own settings aside from hooks and the
    file-system monitor, which would start a program of the repository's choosing); run it under
    `git_env()` (tracetui/git_env.py: no partial clone's remote is fetched from on git 2.45 on, and
    `fetches_lazily` keeps older ones from being run)."""
    return ["git", "--git-dir", git_dir, *GIT_OPTIONS, *args]


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
