"""Which commit last changed each line of a file, and every name the file had on the way: git's own
blame, else libgit2's where the git command is missing or fails. Why git's: docs/internals/blame.md,
`blame/line_origins.py`.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from typing import IO

import pygit2

from tracetui.errors import TracetuiError
from tracetui.trail.git_command import fetches_lazily, git_argv, git_env

GIT_BLAME_SECONDS = 120  # a blame of a file with a very long history; libgit2's is no faster


@dataclass(frozen=True)
class LineOrigins:
    """`commits[n - 1]`: the commit that last changed line n (None where git named none); `names`:
    the names blame followed the file back to, in the order of the lines that first show each."""

    commits: list[str | None]
    names: tuple[str, ...]


def line_origins(repo: pygit2.Repository, rel: str, commit: pygit2.Commit, lines: int) -> LineOrigins:
    """The blame of `rel` at `commit`, a file of `lines` lines there."""
    return Started(repo, rel, str(commit.id), lines).result()


def former_names(repo: pygit2.Repository, rel: str, commit: pygit2.Commit) -> tuple[str, ...]:
    """Every name blame follows `rel` at `commit` back to (itself among them)."""
    found = _git_blame(repo, rel, str(commit.id), None)
    return (found if found is not None else _libgit2_blame(repo, rel, commit, 0)).names


def _git_blame(repo: pygit2.Repository, rel: str, commit: str, lines: int | None) -> LineOrigins | None:
    """git's blame, or None where it cannot give one (no git, a repository it cannot read, a partial
    clone whose missing objects git would fetch)."""
    return Started(repo, rel, commit, lines).git_result()


class Started:
    """`line_origins` begun: git's blame runs in its own process until `result` is asked, so that the
    caller's work meanwhile (a writer's session read) has the second core rather than waiting on it.
    `close` ends the process where the answer is not wanted."""

    def __init__(self, repo: pygit2.Repository, rel: str, commit: str, lines: int | None) -> None:
        self.repo, self.rel, self.commit, self.lines = repo, rel, commit, lines
        self._proc: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None
        if fetches_lazily(repo):
            return  # git would fetch the missing objects: libgit2's blame
        # The revision is a full commit id, the path follows `--`: nothing in them is read as an option.
        # No textconv: a repository's attributes must not run a program of its choosing on a blame.
        command = git_argv(repo.path, "blame", "--porcelain", "--no-textconv", commit, "--", rel)
        # Into a file, not a pipe: the porcelain of a long file fills a pipe nobody reads meanwhile.
        self._out = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self._out,
                                          stderr=subprocess.DEVNULL, env=git_env())  # fmt: skip
        except (OSError, ValueError):
            self.close()  # no git on this machine (or a NUL in a name): libgit2's blame

    def result(self) -> LineOrigins:
        """git's answer, else libgit2's."""
        found = self.git_result()
        if found is not None:
            return found
        commit = self.repo[self.commit].peel(pygit2.Commit)
        return _libgit2_blame(self.repo, self.rel, commit, self.lines or 0)

    def git_result(self) -> LineOrigins | None:
        """git's answer, None where it gave none."""
        try:
            proc, out = self._proc, self._out
            if proc is None or out is None:
                return None
            try:
                code = proc.wait(timeout=GIT_BLAME_SECONDS)
            except subprocess.TimeoutExpired:
                seconds = GIT_BLAME_SECONDS
                raise TracetuiError(f"git blame of {self.rel} did not finish in {seconds} s") from None
            if code != 0:
                return None
            out.seek(0)
            return _parsed(out.read(), self.lines)
        finally:
            self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        out, self._out = self._out, None
        if out is not None:
            out.close()


def _parsed(porcelain: bytes, lines: int | None) -> LineOrigins | None:
    """The porcelain format: a header `<commit> <line then> <line now> [<lines in group>]` per line,
    the commit's details the first time it appears, a `filename` per group, then the line itself
    after a tab. None unless it covers the file line for line (a file git counts otherwise); with
    `lines` None, only the names are read."""
    if lines is None:
        named = (x[len(b"filename ") :] for x in porcelain.split(b"\n") if x.startswith(b"filename "))
        return LineOrigins([], tuple(dict.fromkeys(map(_unquoted, named))))
    commits: list[str | None] = [None] * lines
    names: dict[str, None] = {}
    seen = 0
    header = True
    for raw in porcelain.split(b"\n"):
        if raw.startswith(b"\t"):
            header = True  # the line's text: a header comes next
        elif header and raw:
            parts = raw.split(b" ")
            if len(parts) < 3 or len(parts[0]) not in (40, 64) or not parts[2].isdigit():
                return None
            at = int(parts[2])
            if not 1 <= at <= lines:
                return None
            commits[at - 1] = parts[0].decode("ascii", errors="replace")
            seen += 1
            header = False
        elif raw.startswith(b"filename "):
            names.setdefault(_unquoted(raw[len(b"filename ") :]), None)
    return LineOrigins(commits, tuple(names)) if seen == lines else None


def _unquoted(name: bytes) -> str:
    """A file name as git prints it: in double quotes with C escapes where it holds unusual bytes."""
    if not name.startswith(b'"') or not name.endswith(b'"') or len(name) < 2:
        return name.decode("utf-8", errors="replace")
    body, out, i = name[1:-1], bytearray(), 0
    simple = {ord("n"): 10, ord("t"): 9, ord("a"): 7, ord("b"): 8, ord("f"): 12, ord("r"): 13, ord("v"): 11}
    while i < len(body):
        c = body[i]
        if c == 0x5C and i + 1 < len(body):  # a backslash
            nxt = body[i + 1]
            if i + 3 < len(body) and all(0x30 <= d <= 0x37 for d in body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(simple.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return out.decode("utf-8", errors="replace")


def _libgit2_blame(repo: pygit2.Repository, rel: str, commit: pygit2.Commit, lines: int) -> LineOrigins:
    try:
        blame = repo.blame(rel, newest_commit=commit.id)
    except (pygit2.GitError, KeyError, ValueError) as exc:
        raise TracetuiError(f"git could not blame {rel}: {exc}") from None
    names: dict[str, None] = {}
    for h in blame:
        if h.orig_path:
            names.setdefault(h.orig_path, None)
    commits: list[str | None] = []
    for n in range(1, lines + 1):
        try:
            commits.append(str(blame.for_line(n).final_commit_id))
        except (IndexError, ValueError, pygit2.GitError):
            commits.append(None)
    return LineOrigins(commits, tuple(names))
