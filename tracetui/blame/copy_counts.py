"""How many copies of a line's text a file version holds and a commit added (`CopyCounts`): the
questions blame asks of a line whose text a patch had brought in before the line's commit.

Texts are counted by their norms (`line_key` is a digest of the norm). A commit's added copies less
its removed ones are read from git's diffs of all the commits asked, in one run of the git command;
libgit2 makes them one commit at a time where git cannot.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import IO

import pygit2

from tracetui.blame.descent import Descent
from tracetui.trail.blob_pipe import BlobPipe, START_AFTER
from tracetui.trail.git_command import fetches_lazily, git_argv, git_env
from tracetui.trail.line_identity import _ASCII_SPACES, JOIN_SPAN, framed_norms, norm, norms_of

GIT_DIFF_SECONDS = 60  # the diffs of a long range's commits; past it, libgit2 makes them
_HUNK = re.compile(rb"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_COMMIT = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_NONE_ASKED: tuple[frozenset[str], Counter[str]] = (frozenset(), Counter())


class CopyCounts:
    """Copies of texts in file versions and in commits' changes, and which commits came after which,
    for the lines of one blame (a file's, or a range's commits')."""

    def __init__(self, r: pygit2.Repository) -> None:
        self.r = r
        self._descent = Descent(r)
        self._net: dict[str, Counter[str]] = {}  # a commit's counts of every text (libgit2's diff)
        self._wanted: dict[str, tuple[frozenset[str], Counter[str]]] = {}  # of the texts asked (git's)
        self._files: dict[tuple[str, tuple[str, ...]], str | None] = {}  # -> the file's blob there
        # blob id -> its lines' norms, framed or counted: a version is read once, whichever commit or
        # list of names asks for it (the commit that landed a patch and the parent of a later one
        # often share it)
        self._blobs: dict[str, bytes | Counter[str]] = {}
        self._ahead: _Ahead | None = None  # git's diffs of the commits likely to be asked (`diff_ahead`)
        self._pipe: BlobPipe | None = None  # the versions `read_ahead` asked of git
        self._joined: dict[tuple[str, str], bool] = {}  # (blob, text) -> `held_joined`'s answer

    def parent(self, commit: str) -> str | None:
        try:
            parents = self.r[commit].peel(pygit2.Commit).parent_ids
        except (KeyError, ValueError, pygit2.GitError):
            return None
        return str(parents[0]) if parents else None

    def in_file(self, commit: str | None, names: tuple[str, ...], text: str) -> int:
        """Copies of the text (a norm) in the file at `commit`, under the first of `names` it has then."""
        blob = self._file(commit, names)
        return 0 if blob is None else self._copies(blob, text)

    def held_joined(self, commit: str | None, names: tuple[str, ...], text: str) -> bool:
        """Whether the file at `commit` holds the text (a norm) as 2 to JOIN_SPAN consecutive lines, joined:
        the lines of a patch a formatter later joined into one."""
        blob = self._file(commit, names)
        if blob is None:
            return False
        if (blob, text) not in self._joined:
            norms = norms_of(self.r[blob].peel(pygit2.Blob).data.decode("utf-8", "replace"))
            starts = (i for i, n in enumerate(norms) if n and n != text and text.startswith(n))
            self._joined[(blob, text)] = any(_joins_from(norms, i, text) for i in starts)
        return self._joined[(blob, text)]

    def read_ahead(self, files: Iterable[tuple[str | None, tuple[str, ...]]]) -> None:
        """The file versions `in_file` will read, (commit, names) in the order asked: read by git on
        another core (the file's versions at the commits of a big file's lines: 76 of 93 KB each, whose
        deltas libgit2 resolved on the blame's own core). A version git does not give is libgit2's."""
        wanted = dict.fromkeys(self._file(commit, names) for commit, names in files)
        blobs = [b for b in wanted if b is not None and b not in self._blobs]
        if self._pipe is None and len(blobs) >= START_AFTER and not fetches_lazily(self.r):
            self._pipe = BlobPipe(self.r.path)
        if self._pipe is not None:
            self._pipe.ask(blobs)

    def _file(self, commit: str | None, names: tuple[str, ...]) -> str | None:
        """The blob of the file at `commit`, under the first of `names` it has then."""
        if commit is None:
            return None
        if (commit, names) not in self._files:
            found = None
            try:
                tree = self.r[commit].peel(pygit2.Commit).tree
                for name in names:
                    try:
                        entry = tree[name]
                    except (KeyError, ValueError):
                        continue
                    if entry.type_str == "blob":
                        found = str(entry.id)
                    break
            except (KeyError, ValueError, pygit2.GitError):
                pass
            self._files[(commit, names)] = found
        return self._files[(commit, names)]

    def _copies(self, blob: str, text: str) -> int:
        """The blob's lines whose norm is `text`: counted on its framed norms (`framed_norms`), one
        pass in C a text; decoded and counted line by line where its bytes cannot give them."""
        if blob not in self._blobs:
            data = self._pipe.take(blob) if self._pipe is not None else None
            if data is None:
                data = self.r[blob].peel(pygit2.Blob).data
            framed = framed_norms(data)
            self._blobs[blob] = (
                framed if framed is not None else Counter(norms_of(data.decode("utf-8", "replace")))
            )
        found = self._blobs[blob]
        if isinstance(found, Counter):
            return found[text]
        return (
            found.count(b"\n" + text.encode("utf-8", "surrogatepass") + b"\r")
            if "\n" not in text and "\r" not in text
            else 0
        )

    def landed_before(self, landed: str | None, commit: str) -> bool:
        """Whether `landed` is a strict ancestor of `commit`."""
        if not landed:
            return False
        return self._descent.strictly_after(commit, landed)

    def will_ask(self, asks: Mapping[str, Iterable[str]]) -> None:
        """The texts (norms) `net_new` will be asked of, by commit: counted in git's diffs of those
        commits, made in one run (a diff each by libgit2 cost a fifth of a big file's blame: 75 commits
        of pi-mono, 0.3 s against git's 0.1 s); only these texts are counted, so a commit that added a
        vendored tree costs no memory for its lines."""
        missing: dict[str, frozenset[str]] = {}
        for commit, texts in asks.items():
            new = frozenset(texts) - self._wanted.get(commit, _NONE_ASKED)[0]
            if new and commit not in self._net:
                missing[commit] = new
        if len(missing) < 2:
            return  # one diff is libgit2's, when asked: git's start would cost more
        ahead = self._ahead
        if ahead is not None and missing.keys() <= ahead.commits:
            found = ahead.net(missing)  # where git failed on these, it is not asked again: libgit2's
        else:
            found = _git_net(self.r, missing)
        if found is None:
            return  # each asked of libgit2, when asked
        for commit, new in missing.items():
            asked, counted = self._wanted.get(commit, _NONE_ASKED)
            counted = Counter(counted)
            counted.update(found[commit])  # `update` keeps the negative counts, `+` would drop them
            self._wanted[commit] = (asked | new, counted)

    def diff_ahead(self, commits: Iterable[str]) -> None:
        """Start git's diffs of the commits `will_ask` is likely to be asked of, into a file: git works
        on the second core while the caller judges the patches whose fates say which commits and
        texts are asked. A commit not asked costs only git's time; one asked that is not here is
        diffed when asked."""
        wanted = set(commits) - self._net.keys()
        if self._ahead is None and len(wanted) >= 2 and not fetches_lazily(self.r):
            self._ahead = _Ahead.start(self.r, sorted(wanted))

    def close(self) -> None:
        """End `diff_ahead`'s git where it still runs, and let go of its file."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            ahead.close()
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            pipe.close()

    def net_new(self, commit: str, text: str) -> int:
        """Lines of this text (a norm) the commit added beyond those it took out, over all its files:
        a block moved within a file or to another (a module split into a package) adds none."""
        asked = self._wanted.get(commit)
        if asked is not None and text in asked[0]:
            return asked[1][text]
        if commit not in self._net:
            self._net[commit] = _libgit2_net(self.r, commit)
        return self._net[commit][text]


def _joins_from(norms: list[str], i: int, text: str) -> bool:
    """Whether the norms from `i` on, 2 to JOIN_SPAN of them, join into `text`."""
    joined = norms[i]
    for n in norms[i + 1 : i + JOIN_SPAN]:
        joined += n
        if joined == text:
            return True
        if len(joined) >= len(text) or not text.startswith(joined):
            return False
    return False


def _libgit2_net(r: pygit2.Repository, commit: str) -> Counter[str]:
    """The commit's added less removed lines by norm, against its first parent, from libgit2's diff."""
    net: Counter[str] = Counter()
    try:
        c = r[commit].peel(pygit2.Commit)
        diff = c.parents[0].tree.diff_to_tree(c.tree) if c.parents else c.tree.diff_to_tree(swap=True)
        for patch in diff:
            if patch is None or patch.delta.is_binary:
                continue
            for hunk in patch.hunks:
                for line in hunk.lines:
                    if line.origin in "+-":
                        net[norm(line.content)] += 1 if line.origin == "+" else -1
    except (KeyError, ValueError, pygit2.GitError):
        pass
    return net


def _first_parents(r: pygit2.Repository, commits: Iterable[str]) -> bytes | None:
    """`diff-tree --stdin`'s input: each commit and its first parent, full ids; None where one is not
    a commit this repository has (libgit2 says so when asked)."""
    lines = []
    for commit in commits:
        try:
            parents = r[commit].peel(pygit2.Commit).parent_ids
        except (KeyError, ValueError, pygit2.GitError):
            return None
        lines.append(f"{commit} {parents[0]}\n" if parents else f"{commit}\n")
    return "".join(lines).encode()


# Full ids on standard input; no text conversion or external diff a repository's settings name.
_DIFF_TREE = ["diff-tree", "--stdin", "--root", "--always", "-p", "-U0", "--no-renames", "--no-textconv",
              "--no-ext-diff", "--no-color", "--no-abbrev"]  # fmt: skip


class _Ahead:
    """`_git_net`'s diffs of some commits made before the texts asked of them are known, into a file."""

    def __init__(self, commits: frozenset[str], git: subprocess.Popen[bytes], out: IO[bytes]) -> None:
        self.commits, self.git, self.out, self.started = commits, git, out, time.monotonic()

    @staticmethod
    def start(r: pygit2.Repository, commits: list[str]) -> _Ahead | None:
        feed = _first_parents(r, commits)
        if feed is None:
            return None
        # Both ends in files, not pipes: git runs on while nobody reads or writes for it.
        given, out = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        given.write(feed)
        given.seek(0)
        try:
            git = subprocess.Popen(git_argv(r.path, *_DIFF_TREE), stdin=given, stdout=out,
                                   stderr=subprocess.DEVNULL, env=git_env())  # fmt: skip
        except (OSError, ValueError):
            out.close()
            return None
        finally:
            given.close()  # git has its own descriptor of it
        return _Ahead(frozenset(commits), git, out)

    def net(self, asks: dict[str, frozenset[str]]) -> dict[str, Counter[str]] | None:
        """`_git_net`'s answer for commits among `commits`; None where git failed or ran past its time."""
        try:
            left = max(0.0, GIT_DIFF_SECONDS - (time.monotonic() - self.started))
            failed = self.git.wait(timeout=left) != 0
        except subprocess.TimeoutExpired:
            self.close()
            return None
        if failed or self.out.closed:
            return None
        self.out.seek(0)
        found = _parsed(self.out, asks)
        mine = {commit: found[commit] for commit in asks if commit in found}
        return mine if len(mine) == len(asks) else None

    def close(self) -> None:
        if self.git.poll() is None:
            self.git.kill()
        self.git.wait()
        self.out.close()


def _git_net(r: pygit2.Repository, asks: dict[str, frozenset[str]]) -> dict[str, Counter[str]] | None:
    """Each commit's added less removed lines of the texts asked, from one `git diff-tree` run (the
    first parent's tree against the commit's), read as it comes; None where git cannot give them (no
    git, a partial clone it would fetch from, a failure, GIT_DIFF_SECONDS passed)."""
    if fetches_lazily(r):
        return None
    feed_bytes = _first_parents(r, asks)
    if feed_bytes is None:
        return None  # not a commit this repository has: libgit2 says so when asked
    try:
        git = subprocess.Popen(git_argv(r.path, *_DIFF_TREE), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env=git_env())  # fmt: skip
    except (OSError, ValueError):
        return None
    assert git.stdin is not None and git.stdout is not None
    # Written from a thread: git writes a commit's diff before it reads the next id, and a full pipe
    # either way would stop both sides.
    feed = threading.Thread(target=_feed, args=(git.stdin, feed_bytes), daemon=True)
    feed.start()
    timer = threading.Timer(GIT_DIFF_SECONDS, git.kill)
    timer.start()
    try:
        found = _parsed(git.stdout, asks)
        failed = git.wait() != 0
    finally:
        timer.cancel()
        if git.poll() is None:  # the read failed: git is not left running
            git.kill()
            git.wait()
        git.stdout.close()
        feed.join()
    return None if failed or set(found) != set(asks) else found


def _feed(pipe: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(OSError):  # git ended early (killed at the deadline): it said nothing more
        pipe.write(data)
    with contextlib.suppress(OSError):
        pipe.close()


def _parsed(patches: Iterable[bytes], asks: dict[str, frozenset[str]]) -> dict[str, Counter[str]]:
    """Each commit's added less removed lines of its asked texts (norms), from `diff-tree --stdin -p
    -U0` output: a line holding the commit's id, then each file's header and hunks. A hunk's header
    says how many lines it removes and adds, so a content line is never read as a header, whatever
    it holds."""
    out: dict[str, Counter[str]] = {}
    net: Counter[str] = Counter()
    wanted: frozenset[str] = frozenset()
    encoded: frozenset[bytes] = frozenset()  # `wanted` in UTF-8, for the ASCII lines' norms
    left = 0  # content lines still to come in the current hunk
    for line in patches:
        line = line.rstrip(b"\n")
        if left > 0:
            sign = line[:1]
            if sign == b"\\":
                continue  # "\ No newline at end of file"
            left -= 1
            if wanted and (sign == b"+" or sign == b"-"):  # a commit diffed ahead, not asked: none wanted
                body = line[1:]
                # An ASCII line's norm is its bytes less the ASCII spaces (no decode, no call per line).
                if body.isascii():
                    found = body.translate(None, _ASCII_SPACES)
                    text = found.decode("ascii") if found in encoded else None
                else:
                    text = norm(body.decode("utf-8", "replace"))
                    text = text if text in wanted else None
                if text is not None:
                    net[text] += 1 if sign == b"+" else -1
            continue
        hunk = _HUNK.match(line)
        if hunk is not None:
            removed, added = (int(x) if x is not None else 1 for x in hunk.groups())
            left = removed + added
        elif _COMMIT.fullmatch(line):
            commit = line.decode()
            net = out.setdefault(commit, Counter())
            wanted = asks.get(commit, frozenset())
            encoded = frozenset(k.encode("utf-8", "surrogatepass") for k in wanted)
    return out
