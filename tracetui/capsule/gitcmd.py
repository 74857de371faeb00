"""The few git questions sealing and replay ask, through the git command line.

The CLI is used rather than pygit2 because replay needs `git worktree`, and one way of talking to
git is easier to reason about than two.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tracetui.capsule.archive import CapsuleError
from tracetui.git_env import GIT_OPTIONS, git_env
from tracetui.regular_file import NotRegularFile, refuse_special_git_files
from tracetui.safe_text import is_utf8

_TIMEOUT = 120


_COMMIT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def is_commit_id(text: object) -> bool:
    """Whether `text` is a full commit id (SHA-1 or SHA-256), the only revision a capsule may name:
    anything else (`HEAD`, `:/message`, `@{-1}`) would be resolved by the replayer's own repository."""
    return isinstance(text, str) and _COMMIT_ID.fullmatch(text) is not None


def git(
    repo: Path, *args: str, check: bool = True, user_config: bool = True
) -> subprocess.CompletedProcess[str]:
    """`git -C repo ARGS` under tracetui's git environment (tracetui/git_env.py): no hook, no monitor,
    no inherited `GIT_*` variable; `user_config=False` where a capsule chose the tree (the replay's)."""
    if any("\x00" in arg for arg in (str(repo), *args)):
        # A revision or path from a log or capsule: the OS cannot pass it, so say so, not a traceback.
        raise CapsuleError("a git argument holds a NUL character")
    try:
        refuse_special_git_files(repo)  # git reads them first, and waits on a FIFO for ever
    except NotRegularFile as exc:
        raise CapsuleError(str(exc)) from None
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), *GIT_OPTIONS, *args],
            capture_output=True,
            text=True,
            # A repository's bytes (a remote URL, a folder's name) need not be UTF-8: read as the file
            # system's names are, so a path round-trips; strict decoding stopped with a traceback.
            errors="surrogateescape",
            timeout=_TIMEOUT,
            env=git_env(user_config=user_config),
            check=False,
        )
    except FileNotFoundError:
        raise CapsuleError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise CapsuleError(f"git {args[0]} did not finish in {_TIMEOUT} s") from None
    if check and out.returncode != 0:
        message = (out.stderr.strip().splitlines() or ["failed"])[-1]
        raise CapsuleError(f"git {args[0]} failed in {repo}: {message}")
    return out


def repo_root(path: Path) -> Path:
    out = git(path, "rev-parse", "--show-toplevel", check=False)
    if out.returncode != 0:
        raise CapsuleError(f"{path} is not inside a git repository")
    return Path(out.stdout.strip())


def resolve_commit(repo: Path, rev: str) -> str | None:
    """The full commit id `rev` names in `repo`, or None when the repository does not have it."""
    if rev.startswith("-") or "\x00" in rev:
        return None
    out = git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    return out.stdout.strip() or None if out.returncode == 0 else None


def commit_before(repo: Path, timestamp: str, ref: str = "HEAD") -> str | None:
    """The last first-parent commit of `ref` made before `timestamp` (an ISO-8601 time)."""
    out = git(repo, "rev-list", "-1", "--first-parent", f"--before={timestamp}", ref, "--", check=False)
    return out.stdout.strip() or None if out.returncode == 0 else None


def remote_url(repo: Path) -> str | None:
    out = git(repo, "remote", check=False)
    names = out.stdout.split() if out.returncode == 0 else []
    if not names:
        return None
    name = "origin" if "origin" in names else names[0]
    url = git(repo, "remote", "get-url", name, check=False).stdout.strip()
    if not is_utf8(url):
        return None  # bytes that are not UTF-8 text: no URL a capsule's JSON can carry
    return strip_credentials(url) or None


_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@")


def strip_credentials(url: str) -> str:
    """A remote URL without `user:token@` (https remotes often carry a token there)."""
    return _USERINFO.sub(r"\1", url)
