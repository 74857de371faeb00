"""The files each commit of a trail's history adds or changes against its first parent, listed by one
`git diff-tree --stdin` run beside the trail (`CommitPaths`): what `FileVersions.touched` asked libgit2
for a commit at a time. More in docs/internals/trail.md, `trail/commit_paths.py`.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from typing import IO

from tracetui.trail.git_command import git_argv, git_env

# Past this many commits the listing may cost git more than the few the move windows ask of libgit2;
# under MIN_COMMITS, libgit2 answers them all in less than git takes to start (a few ms of wall).
MAX_COMMITS = 20_000
MIN_COMMITS = 100
# Only a judgement that counts (a trail's, not a blame's states) of this many patches asks enough commits:
# before-compaction's 136 patches asked 1,228 of 2,543, a blame of interactive-mode.ts's 31 states 53.
MIN_PATCHES = 40
_STATUS = frozenset(b"ACDMRTUXB")
# Renames off (as libgit2's plain tree diff), merges against their first parent, a root commit against
# the empty tree, every commit named even with no change, no order file: libgit2's deltas, in its order.
_ARGS = ("diff-tree", "--stdin", "-r", "-z", "--no-renames", "--name-status", "--root",
         "--diff-merges=first-parent", "--ignore-submodules=none", "--always", "-O/dev/null")  # fmt: skip


class CommitPaths:
    """Each listed commit's files but those it deletes (`get`), or None where git has not answered yet,
    failed, or named a path libgit2 would not have decoded the same: the caller asks libgit2 then.
    Never waited on: git writes to a file, read once it has exited."""

    def __init__(self, git_dir: str, commits: list[str]) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None
        self._paths: dict[str, list[str]] | None = None
        if not MIN_COMMITS <= len(commits) <= MAX_COMMITS:
            self._paths = {}
            return
        try:
            with tempfile.TemporaryFile() as ids:
                ids.write("\n".join(commits).encode("ascii") + b"\n")
                ids.seek(0)
                self._out = tempfile.TemporaryFile()
                self._proc = subprocess.Popen(
                    git_argv(git_dir, *_ARGS), stdin=ids, stdout=self._out, stderr=subprocess.DEVNULL,
                    env=git_env(),
                )  # fmt: skip
        except (OSError, ValueError, UnicodeEncodeError):
            self.close()

    def get(self, commit: str) -> list[str] | None:
        if self._paths is None:
            proc = self._proc
            if proc is None or proc.poll() is None:
                return None  # still listing: libgit2 answers this one
            self._paths = self._read() if proc.returncode == 0 else {}
            self.close()
        return self._paths.get(commit)

    def _read(self) -> dict[str, list[str]]:
        out = self._out
        if out is None:
            return {}
        out.seek(0)
        return parse(out.read())

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        out, self._out = self._out, None
        if out is not None:
            with contextlib.suppress(OSError):
                out.close()
        if self._paths is None:
            self._paths = {}


def parse(data: bytes) -> dict[str, list[str]]:
    """`diff-tree -z --name-status --stdin`'s answer: a commit's id, then a status and a path for each
    file. A commit with a path that is not UTF-8 is left out (libgit2's decoding is not guessed)."""
    found: dict[str, list[str]] = {}
    undecoded: set[str] = set()
    parts = data.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    commit: str | None = None
    current: list[str] = []
    i, n = 0, len(parts)
    while i < n:
        token = parts[i]
        if len(token) == 1 and token[0] in _STATUS and commit is not None and i + 1 < n:
            if token != b"D":
                try:
                    current.append(parts[i + 1].decode("utf-8"))
                except UnicodeDecodeError:
                    undecoded.add(commit)
            i += 2
            continue
        if len(token) not in (40, 64) or not _hex(token):
            return {}  # not the answer expected: libgit2 answers every commit
        commit = token.decode("ascii")
        current = found.setdefault(commit, [])
        i += 1
    for commit in undecoded:
        del found[commit]
    return found


def _hex(token: bytes) -> bool:
    return not token.strip(b"0123456789abcdef")
