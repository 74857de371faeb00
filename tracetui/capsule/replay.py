"""Replaying a capsule on your own checkout.

More in docs/internals/capsule.md, `capsule/replay.py`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from tracetui.capsule.archive import CapsuleError
from tracetui.capsule.gitcmd import git, is_commit_id, repo_root, resolve_commit
from tracetui.capsule.opened import OpenedCapsule, open_capsule
from tracetui.capsule.sandbox import Sandbox, find_sandbox
from tracetui.regular_file import NotRegularFile, open_regular

REPRODUCES = "reproduces"
FIXED = "fixed"
INCONCLUSIVE = "inconclusive"
CHECK_TIMEOUT = 600.0
TIMED_OUT = -1  # CheckRun.exit_code of a check stopped at its time limit
_OUTPUT_TAIL = 4000
# Applying every patch of a capsule must end: the matcher is linear, and this bounds the rest.
APPLY_SECONDS = 60.0
UNCONFINED = "none (trusted)"


class CheckRefused(CapsuleError):
    """The check would run a stranger's code unconfined, and the user did not say to trust it."""


@dataclass(slots=True)
class PatchResult:
    step: str
    path: str
    ok: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "path": self.path, "ok": self.ok, "reason": self.reason}


@dataclass(slots=True)
class ReplayStep:
    """The patches of one capsule step, applied together."""

    step: str
    patches: list[dict[str, Any]]
    results: list[PatchResult] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return len(self.results) == len(self.patches)

    @property
    def ok(self) -> bool:
        return self.done and all(r.ok for r in self.results)


@dataclass(slots=True)
class CheckRun:
    commit: str
    exit_code: int
    output: str  # the tail of stdout+stderr; untrusted text, show it through safe_text
    sandbox: str = UNCONFINED  # "bubblewrap", or UNCONFINED when the user trusted the capsule

    def to_dict(self) -> dict[str, Any]:
        return {"commit": self.commit, "exit": self.exit_code, "output": self.output, "sandbox": self.sandbox}


def capsule_files(capsule: OpenedCapsule) -> list[str]:
    """Every path the capsule's patches add, change, delete or move to: the code a check would run."""
    paths: set[str] = set()
    for record in capsule.fates:
        for key in ("path", "move_to"):
            value = record.get(key)
            if isinstance(value, str) and value:
                paths.add(value)
    return sorted(paths)


def path_twins(paths: list[str]) -> dict[str, str]:
    """The paths of `paths` that a disk ignoring case or Unicode form (macOS, Windows) takes for
    another of them, each with the first such other. On Linux `A.txt` and `a.txt`, or `é.txt` spelt
    composed and decomposed, are two files; listed before a check they read as two changes (NFC and
    NFD spellings even look the same), while on a caseless disk the second patch writes the first's
    file."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(unicodedata.normalize("NFC", path).casefold(), []).append(path)
    twins = [group for group in groups.values() if len(group) > 1]
    return {path: next(other for other in group if other != path) for group in twins for path in group}


_AUTO: Any = object()  # find the machine's sandbox


class Replay:
    """A temporary clone at `commit` that the capsule's patches are applied to, step by step.

    Use as a context manager; leaving it removes the clone. The app can call `apply_next()` to
    step through; the CLI calls `apply_all()`. `sandbox` confines the check (default: the
    machine's, if any); with none, `trust` must be True for `run_check` to run it.
    """

    def __init__(
        self,
        capsule: OpenedCapsule,
        repo: Path,
        commit: str,
        *,
        sandbox: Sandbox | None = _AUTO,
        trust: bool = False,
    ) -> None:
        self.capsule = capsule
        self.repo = repo
        self.commit = commit
        self.steps = _group(capsule.fates)
        self.sandbox: Sandbox | None = find_sandbox() if sandbox is _AUTO else sandbox
        self.trust = trust
        self._next = 0
        self._tmp: Path | None = None
        self._objects: Path | None = None
        # The running check, where close() can reach it: a screen closed during a long check must
        # not leave it running in a clone that is about to go.
        self._check: subprocess.Popen[bytes] | None = None
        self._guard = threading.Lock()
        self.worktree: Path | None = None

    def __enter__(self) -> Replay:
        self._tmp = Path(tempfile.mkdtemp(prefix="tracetui-replay-"))
        self.worktree = self._tmp / "clone"
        try:
            common = git(self.repo, "rev-parse", "--path-format=absolute", "--git-common-dir").stdout.strip()
            self._objects = Path(common) / "objects"
            # Its own .git (hooks, config, index): nothing done in the clone reaches the user's.
            git(self.repo, "clone", "--quiet", "--shared", "--no-checkout", "--", str(self.repo), str(self.worktree))
            git(self.worktree, "-c", "core.hooksPath=/dev/null", "config", "core.hooksPath", "/dev/null")
            git(self.worktree, "-c", "core.hooksPath=/dev/null", "checkout", "--quiet", "--detach", self.commit)
        except BaseException:
            self.close()
            raise
        return self

    @property
    def confinement(self) -> str:
        """How a check would run here: in the sandbox, unconfined (trusted), or not at all."""
        if self.sandbox is not None:
            return self.sandbox.name
        return UNCONFINED if self.trust else "refused (no sandbox here, and the capsule is not trusted)"

    def files(self) -> list[str]:
        return capsule_files(self.capsule)

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # Taking the clone under the guard means no check can start once closing has begun.
        with self._guard:
            check, self._check = self._check, None
            self.worktree = None
        if check is not None:
            _kill_group(check)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @property
    def position(self) -> int:
        """How many steps have been applied (the last one applied is this one, counted from 1)."""
        return self._next

    @property
    def applied(self) -> int:
        return sum(1 for s in self.steps for r in s.results if r.ok)

    @property
    def failed(self) -> int:
        return sum(1 for s in self.steps for r in s.results if not r.ok)

    def apply_next(self) -> ReplayStep | None:
        """Apply the next step's patches; None when every step has been applied."""
        if self.worktree is None:
            raise CapsuleError("the replay clone is not open")
        if self._next >= len(self.steps):
            return None
        step = self.steps[self._next]
        self._next += 1
        deadline = time.monotonic() + APPLY_SECONDS
        for patch in step.patches:
            reason = apply_patch(self.worktree, patch, deadline)
            step.results.append(PatchResult(step.step, str(patch.get("path")), reason is None, reason))
        return step

    def apply_all(self) -> None:
        while self.apply_next() is not None:
            pass

    def run_check(self, command: str, timeout: float = CHECK_TIMEOUT) -> CheckRun:
        """Run the user's own shell command in the clone, confined (see `confinement`); on timeout,
        or when the replay is closed meanwhile, its whole process group goes.

        Raises CheckRefused where there is no sandbox and the capsule is not trusted."""
        if self.sandbox is None and not self.trust:
            raise CheckRefused(
                "the check was not run: it would run the capsule's code unconfined, and this machine has "
                "no sandbox (install bubblewrap); trust the capsule (--trust) to run it anyway"
            )
        with self._guard:
            if self.worktree is None:
                raise CapsuleError("the replay clone is not open")
            if self.sandbox is not None:
                readable = [self._objects] if self._objects is not None and self._objects.is_dir() else []
                argv = self.sandbox.command(command, self.worktree, readable)
                proc = self._check = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            else:
                proc = self._check = subprocess.Popen(
                    command,
                    shell=True,
                    cwd=self.worktree,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # so a timeout can stop what the shell started, too
                )
        how = self.sandbox.name if self.sandbox is not None else UNCONFINED
        deadline = time.monotonic() + timeout
        try:
            out, finished = _output_tail(proc, deadline)
            try:  # its output closed; the check itself may still run (it closed it on purpose)
                proc.wait(timeout=max(0.0, deadline - time.monotonic()) if finished else 0)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()
                return CheckRun(self.commit, TIMED_OUT, f"(the check did not finish in {timeout:g} s)", how)
        finally:
            with self._guard:
                if self._check is proc:
                    self._check = None
        output = out.decode("utf-8", errors="replace")[-_OUTPUT_TAIL:]
        return CheckRun(self.commit, proc.returncode, output, how)


def _output_tail(proc: subprocess.Popen[bytes], deadline: float) -> tuple[bytes, bool]:
    """The last bytes the check printed (a few times what is kept, so a cut falls inside a
    character at worst), read as they come until its output closes; and whether that happened
    before `deadline` (time.monotonic()). The check runs the capsule's code, which may print
    without end: `communicate()` held all of it (800 MB printed were 2.3 GB of tracetui's memory)
    to keep 4,000 characters."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    keep = 4 * _OUTPUT_TAIL
    tail = bytearray()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return bytes(tail), False
            part = os.read(fd, 1 << 16)
            if not part:
                return bytes(tail), True
            tail += part
            if len(tail) > 2 * keep:
                del tail[:-keep]
    finally:
        proc.stdout.close()


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@dataclass(slots=True)
class ReplayResult:
    verdict: str
    reason: str
    base: str | None
    target: str | None = None
    applied: int = 0
    failed: int = 0
    patches: list[PatchResult] = field(default_factory=list)
    base_check: CheckRun | None = None
    target_check: CheckRun | None = None
    files: list[str] = field(default_factory=list)  # what the capsule adds or changes: the check runs it
    sandbox: str | None = None  # how the check ran (Replay.confinement); None when no check was asked

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "base": self.base,
            "target": self.target,
            "applied": self.applied,
            "failed": self.failed,
            "patches": [p.to_dict() for p in self.patches],
            "base_check": self.base_check.to_dict() if self.base_check else None,
            "target_check": self.target_check.to_dict() if self.target_check else None,
            "files": list(self.files),
            "sandbox": self.sandbox,
        }


NOT_A_COMMIT_ID = "the capsule's base commit is not a full commit id, so there is nothing to replay on"


def open_replay(capsule: OpenedCapsule, repo: Path, *, trust: bool = False) -> Replay:
    """An open Replay of `capsule` at its base commit in `repo`, to step through (the app's way);
    CapsuleError says why when it cannot be. Close it (or use it in a `with` block)."""
    if not repo.is_dir():
        raise CapsuleError(f"{repo} is not a folder")
    root = repo_root(repo)
    if not capsule.base:
        raise CapsuleError("the capsule records no base commit, so there is nothing to replay on")
    if not is_commit_id(capsule.base):
        raise CapsuleError(NOT_A_COMMIT_ID)
    commit = resolve_commit(root, capsule.base)
    if commit is None:
        raise CapsuleError(f"the base commit {capsule.base[:12]} is not in {root} (fetch it first)")
    return Replay(capsule, root, commit, trust=trust).__enter__()


def replay_target(repo: str | Path, check: str | None = None) -> Path:
    """The top folder of the checkout a replay works on, checked before anything is said or run:
    CapsuleError when `repo` is in no repository, or a check was asked for with no command."""
    if check is not None and not check.strip():
        raise CapsuleError("the check is empty: give the command whose result the capsule's steps change")
    return repo_root(Path(repo))


def replay(
    capsule: OpenedCapsule | str | Path,
    repo: str | Path,
    check: str | None = None,
    ref: str = "HEAD",
    timeout: float = CHECK_TIMEOUT,
    opened: Callable[[Replay], None] | None = None,
    *,
    trust: bool = False,
    sandbox: Sandbox | None = _AUTO,
) -> ReplayResult:
    """Replay a capsule on `repo` and give a verdict (see the module docstring).

    `opened(run)` is called with each replay as it opens (at the base, then at `ref`), so a caller on
    another thread can `close()` it to stop a long check; it may raise to cancel. The check runs in
    `sandbox` (default: the machine's); where there is none it runs only if `trust`.
    """
    opened_capsule = capsule if isinstance(capsule, OpenedCapsule) else open_capsule(capsule)
    root = replay_target(repo, check)
    recorded_base = opened_capsule.base
    if not recorded_base:
        return ReplayResult(INCONCLUSIVE, "the capsule records no base commit", None)
    if not is_commit_id(recorded_base):
        return ReplayResult(INCONCLUSIVE, NOT_A_COMMIT_ID, None)
    base = resolve_commit(root, recorded_base)
    if base is None:
        return ReplayResult(
            INCONCLUSIVE,
            f"the base commit {recorded_base[:12]} is not in {root} (fetch it first)",
            recorded_base,
        )
    target = resolve_commit(root, ref)
    if target is None:
        raise CapsuleError(f"{ref!r} does not name a commit in {root}")

    with Replay(opened_capsule, root, base, sandbox=sandbox, trust=trust) as run:
        if opened is not None:
            opened(run)
        run.apply_all()
        result = ReplayResult(INCONCLUSIVE, "", base, target, run.applied, run.failed, _results(run))
        result.files = run.files()
        if run.failed:
            result.reason = (
                f"{run.failed} of {run.failed + run.applied} patches do not apply at the base commit"
            )
            return result
        if check is None:
            result.reason = "no --check command was given (the patches apply at the base commit)"
            return result
        result.sandbox = run.confinement
        try:
            result.base_check = run.run_check(check, timeout)
        except CheckRefused as exc:
            result.reason = str(exc)
            return result
    if result.base_check.exit_code == TIMED_OUT:
        result.reason = f"the check did not finish in {timeout:g} s at the base commit"
        return result
    if result.base_check.exit_code == 0:
        result.reason = (
            "the check passes at the base commit with the patches applied: the recorded failure does not show"
        )
        return result
    if target == base:
        result.target_check = result.base_check
        result.verdict = REPRODUCES
        result.reason = "the check fails at the base commit with the capsule's patches applied"
        return result

    with Replay(opened_capsule, root, target, sandbox=sandbox, trust=trust) as run:
        if opened is not None:
            opened(run)
        run.apply_all()
        if run.failed:
            result.patches = _results(run)
            result.reason = f"the failure shows at the base commit, but {run.failed} patches do not apply at {ref} ({target[:12]})"
            return result
        result.target_check = run.run_check(check, timeout)
    if result.target_check.exit_code == TIMED_OUT:
        result.reason = (
            f"the failure shows at the base commit, but the check did not finish in {timeout:g} s at {ref}"
        )
    elif result.target_check.exit_code == 0:
        result.verdict = FIXED
        result.reason = (
            f"the check fails at the base commit but passes at {ref} ({target[:12]}) with the same patches"
        )
    else:
        result.verdict = REPRODUCES
        result.reason = f"the check fails at the base commit and still fails at {ref} ({target[:12]})"
    return result


def _results(run: Replay) -> list[PatchResult]:
    return [r for s in run.steps for r in s.results]


def _group(fates: list[dict[str, Any]]) -> list[ReplayStep]:
    steps: list[ReplayStep] = []
    for record in fates:
        step = str(record.get("step"))
        if not steps or steps[-1].step != step:
            steps.append(ReplayStep(step, []))
        steps[-1].patches.append(record)
    return steps


# -- applying one patch ---------------------------------------------------------------------


def apply_patch(root: Path, patch: dict[str, Any], deadline: float | None = None) -> str | None:
    """Apply one capsule patch under `root`; None when it applied, else why not.

    `deadline` (a time.monotonic() value) bounds the time spent matching hunks."""
    try:
        target = safe_path(root, patch.get("path"))
        op = patch.get("op")
        hunks = patch.get("hunks") or []
        if not isinstance(hunks, list):
            return "malformed hunks"
        if op == "delete":
            if not target.is_file():
                return "the file to delete does not exist"
            target.unlink()
            return None
        if op in ("create", "write") and _only_additions(hunks):
            text = "".join(
                line[1:] + "\n" for h in hunks for line in h.get("lines", []) if line.startswith("+")
            )
            if op == "create" and target.exists() and _read_text(target) != text:
                return "the file to create already exists with other content"
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_text(target, text)
            return None
        if not target.is_file():
            return "the file does not exist"
        text = _read_text(target)
        new_text = apply_hunks(text, hunks, deadline)
        if new_text is None:
            return "a hunk does not match the file"
        dest = target
        if patch.get("move_to"):
            dest = safe_path(root, patch.get("move_to"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            target.unlink()
        _write_text(dest, new_text)
        return None
    except NotRegularFile:
        return "the file to patch is not a regular file (a FIFO or a device)"
    except CapsuleError as exc:
        return str(exc)
    except TimeoutError:
        return "applying the patches took too long"
    except (AttributeError, TypeError, ValueError):
        return "a malformed patch"
    except UnicodeDecodeError:
        return "the file is not UTF-8 text"
    except OSError as exc:
        return f"cannot write: {exc.strerror}"


# The clone is the capsule's to write between steps (the app runs the user's check after any step, and
# the capsule's code with it): a FIFO or a huge file may stand where a later patch reads or writes. A
# plain read blocked the apply worker for ever, or read gigabytes into memory.
MAX_FILE_BYTES = 128 << 20


def _read_text(path: Path) -> str:
    with open_regular(path) as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise CapsuleError(f"the file is too large to patch (over {MAX_FILE_BYTES >> 20} MiB)")
    return data.decode("utf-8")


def _write_text(path: Path, text: str) -> None:
    # Not blocking on open (a FIFO with no reader is an error, not a wait), never through a link.
    flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO no one reads
            raise NotRegularFile(f"{path.name} is not a regular file") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"{path.name} is not a regular file")
        os.ftruncate(fd, 0)
        os.set_blocking(fd, True)
        fh = os.fdopen(fd, "w", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        fh.write(text)


MAX_PATH_PARTS = 128
MAX_PATH_BYTES = 4096  # PATH_MAX on Linux


def path_refusal(rel: Any) -> str | None:
    """Why a patch path is refused whatever clone it is applied in (outside it, inside `.git`,
    unusable), or None. `safe_path` checks the clone's own folders (symbolic links) too."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
        return "a patch has an unusable file path"
    pure = PurePosixPath(rel)
    if len(pure.parts) > MAX_PATH_PARTS or len(rel.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        # Creating thousands of nested folders recurses past Python's limit; no repository file is there.
        return "a patch path is too deep or too long"
    if pure.is_absolute() or any(part in ("..", "") for part in rel.split("/")) or rel.startswith("./"):
        return "a patch path leaves the repository"
    if any(_names_git(part) for part in pure.parts):
        return "a patch path points into .git"
    return None


def safe_path(root: Path, rel: Any) -> Path:
    """`rel` inside `root`, refusing anything that could land elsewhere or inside `.git`."""
    refused = path_refusal(rel)
    if refused is not None:
        raise CapsuleError(refused)
    pure = PurePosixPath(rel)
    path = root
    for part in pure.parts:
        path = path / part
        if path.is_symlink():
            raise CapsuleError("a patch path goes through a symbolic link")
    real_root = root.resolve()
    if not path.resolve().is_relative_to(real_root):
        raise CapsuleError("a patch path leaves the repository")
    return path


def _names_git(part: str) -> bool:
    """Whether a path component is `.git` to some file system the clone could live on: any case
    (macOS, Windows), with the invisible characters HFS+ ignores, with the trailing dots and spaces
    or the `:stream` suffix NTFS drops, or as its 8.3 short name `git~1` (git's own CVE-2014-9390
    list)."""
    name = "".join(ch for ch in part if unicodedata.category(ch) != "Cf")
    name = name.split(":", 1)[0].rstrip(". ").casefold()
    return name in (".git", "git~1")


def _only_additions(hunks: list[dict[str, Any]]) -> bool:
    return all(line.startswith(("+", "\\")) for h in hunks for line in h.get("lines", []))


def apply_hunks(text: str, hunks: list[dict[str, Any]], deadline: float | None = None) -> str | None:
    """`text` with the hunks applied, located by content (line numbers only break ties).

    Raises TimeoutError past `deadline` (time.monotonic()); each hunk costs time linear in the file.
    """
    lines = text.split("\n")
    cursor = 0
    offset = 0  # how far earlier hunks moved the lines below them
    for hunk in hunks:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        if not isinstance(hunk, dict) or not isinstance(hunk.get("lines", []), list):
            return None
        body = [ln for ln in hunk.get("lines", []) if not isinstance(ln, str) or not ln.startswith("\\")]
        if any(not isinstance(ln, str) for ln in body):
            return None
        if any(not ln or ln[0] not in " +-" for ln in body):
            return None
        old = [ln[1:] for ln in body if ln[0] in " -"]
        new = [ln[1:] for ln in body if ln[0] in " +"]
        hint = max(0, int(hunk.get("old_start") or 0) - 1 + offset)
        at = _locate(lines, old, cursor, hint, bool(hunk.get("old_start")))
        if at is None:
            return None
        lines[at : at + len(old)] = new
        cursor = at + len(new)
        offset += len(new) - len(old)
    return "\n".join(lines)


def _locate(lines: list[str], old: list[str], cursor: int, hint: int, has_hint: bool) -> int | None:
    if not old:
        # Pure insertion: only a line number can say where.
        return min(hint, len(lines)) if has_hint else None
    matches = _occurrences(lines, old, cursor)
    if not matches:
        return None
    return min(matches, key=lambda i: abs(i - hint)) if has_hint else matches[0]


def _occurrences(lines: list[str], old: list[str], start: int) -> list[int]:
    """Every i >= start where `old` stands at lines[i:], by Knuth-Morris-Pratt over whole lines.

    Linear in len(lines) + len(old) whatever the content: comparing a slice at every offset made a
    12 KB capsule of repeated lines take minutes.
    """
    n = len(old)
    fail = [0] * n
    k = 0
    for i in range(1, n):
        while k and old[i] != old[k]:
            k = fail[k - 1]
        if old[i] == old[k]:
            k += 1
        fail[i] = k
    found: list[int] = []
    k = 0
    for i in range(start, len(lines)):
        while k and lines[i] != old[k]:
            k = fail[k - 1]
        if lines[i] == old[k]:
            k += 1
        if k == n:
            found.append(i - n + 1)
            k = fail[k - 1]
    return found
