"""Replaying a capsule on your own checkout.

More in docs/internals/capsule.md, `capsule/replay.py`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.capsule import cgroup, landlock
from tracetui.capsule.apply import apply_patch
from tracetui.capsule.archive import CapsuleError
from tracetui.capsule.clone import ObjectStore, remove_tree
from tracetui.capsule.gitcmd import is_commit_id, repo_root, resolve_commit
from tracetui.capsule.limits import (
    DEFAULT_LIMITS,
    CheckLimits,
    Watch,
    kill_tree,
    limit_from_exit,
    limit_named,
)
from tracetui.capsule.opened import OpenedCapsule, open_capsule
from tracetui.capsule.reaper import adopting, note_adopted, own_pids, sweep
from tracetui.capsule.sandbox import CHECK_NAME, Sandbox, find_sandbox, start_failure
from tracetui.capsule.trail_records import ReadWhenAsked, TrailRecords

REPRODUCES = "reproduces"
FIXED = "fixed"
INCONCLUSIVE = "inconclusive"
CHECK_TIMEOUT = 600.0
# One deadline for a whole replay (both its runs) or a whole bisect (every probe), whatever each
# check's own timeout: 64 probes of 600 s would otherwise be ten hours.
REPLAY_SECONDS = 1800.0
TIMED_OUT = -1  # CheckRun.exit_code of a check stopped at its time limit
_OUTPUT_TAIL = 4000
# Applying every patch of a capsule must end: the matcher is linear, and this bounds the rest. A
# patch is about 0.3 ms of CPU here: at MAX_PATCHES a flat 60 s cut a sound capsule on a busy machine.
APPLY_SECONDS = 60.0
APPLY_SECONDS_A_PATCH = 0.002
PROGRESS_SECONDS = 0.5
UNCONFINED = "none (trusted)"
SKIPPED = "skipped, as asked (--skip)"
REAPER = Path(__file__).with_name("reaper.py")  # run as a script: the unconfined check's subreaper


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
    """The patches of one capsule step, applied together (read from the trail as they are applied)."""

    step: str
    patches: Sequence[dict[str, Any]]
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
    limit: str | None = None  # the CheckLimits field the run hit: its exit says nothing of the capsule
    failure: str | None = None  # why the sandbox could not start: the check never ran

    @property
    def tells(self) -> bool:
        """Whether the exit code speaks of the check (it ran, to its end, within its limits)."""
        return self.exit_code != TIMED_OUT and self.limit is None and self.failure is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit, "exit": self.exit_code, "output": self.output, "sandbox": self.sandbox,
            "limit": self.limit, "failure": self.failure,
        }  # fmt: skip


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
    machine's, if any); with none, `trust` must be True for `run_check` to run it. `store` holds the
    commit's objects (one per replay or bisect); without one the Replay makes its own. `deadline`
    (time.monotonic()) ends every apply and check of it, whatever their own budgets.
    """

    def __init__(
        self,
        capsule: OpenedCapsule,
        repo: Path,
        commit: str,
        *,
        sandbox: Sandbox | None = _AUTO,
        trust: bool = False,
        store: ObjectStore | None = None,
        limits: CheckLimits = DEFAULT_LIMITS,
        deadline: float | None = None,
        skip: frozenset[tuple[str, str | None]] = frozenset(),
    ) -> None:
        self.capsule = capsule
        self.skip = skip  # (step id, path or None for all of the step's) the user said not to apply
        self.repo = repo
        self.commit = commit
        self.steps = _group(capsule.fates)
        self.sandbox: Sandbox | None = find_sandbox() if sandbox is _AUTO else sandbox
        self.trust = trust
        self.limits = limits
        self.deadline = deadline
        self._store = store
        self._own_store: ObjectStore | None = None
        self._next = 0
        self._applied = self._failed = 0
        self._apply_spent = 0.0
        self._apply_budget = APPLY_SECONDS + APPLY_SECONDS_A_PATCH * len(capsule.fates)
        self._real_root: Path | None = None
        self._tmp: Path | None = None
        # The running check, where close() can reach it: a screen closed during a long check must
        # not leave it running in a clone that is about to go.
        self._check: subprocess.Popen[bytes] | None = None
        self._guard = threading.Lock()
        self.worktree: Path | None = None
        self.left_behind: list[str] = []  # what clean-up could not remove (said, never silent)

    def __enter__(self) -> Replay:
        if self._tmp is not None:
            # Already open (`open_replay`'s, used in a `with` block): a second clone would leave the first.
            return self
        self._tmp = Path(tempfile.mkdtemp(prefix="tracetui-replay-"))
        try:
            if self._store is None:
                self._store = self._own_store = ObjectStore(self.repo, [self.commit]).__enter__()
            self._store.clone(self._tmp / "clone", self.commit)
            self.worktree = self._tmp / "clone"
            self._real_root = self.worktree.resolve()  # the clone's own folder: tracetui's, not the capsule's
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
            self.left_behind += remove_tree(self._tmp)
            self._tmp = None
        if self._own_store is not None:
            self._own_store.close()
            self._own_store = self._store = None

    @property
    def position(self) -> int:
        """How many steps have been applied (the last one applied is this one, counted from 1)."""
        return self._next

    @property
    def applied(self) -> int:
        return self._applied  # counted as they are applied: the app asks after every step

    @property
    def failed(self) -> int:
        return self._failed

    def apply_next(self) -> ReplayStep | None:
        """Apply the next step's patches; None when every step has been applied.

        All the applies of one replay share one budget (APPLY_SECONDS and a little a patch) and the
        replay's deadline: thousands of steps each matching hunks in a huge file end in that time."""
        if self.worktree is None:
            raise CapsuleError("the replay clone is not open")
        if self._next >= len(self.steps):
            return None
        step = self.steps[self._next]
        self._next += 1
        started = time.monotonic()
        deadline = started + max(0.0, self._apply_budget - self._apply_spent)
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        try:
            for patch in step.patches:
                if (step.step, None) in self.skip or (step.step, str(patch.get("path"))) in self.skip:
                    step.results.append(PatchResult(step.step, str(patch.get("path")), False, SKIPPED))
                    self._failed += 1
                    continue
                reason = apply_patch(self.worktree, patch, deadline, real_root=self._real_root)
                step.results.append(PatchResult(step.step, str(patch.get("path")), reason is None, reason))
                if reason is None:
                    self._applied += 1
                else:
                    self._failed += 1
        finally:
            self._apply_spent += time.monotonic() - started
        return step

    def apply_all(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Every step left; `progress(steps applied, steps)` is called about every PROGRESS_SECONDS
        (it may raise to stop: what is applied stays applied)."""
        said = time.monotonic()
        while self.apply_next() is not None:
            if progress is not None and time.monotonic() - said >= PROGRESS_SECONDS:
                said = time.monotonic()
                progress(self._next, len(self.steps))

    def run_check(self, command: str, timeout: float = CHECK_TIMEOUT) -> CheckRun:
        """Run the user's own shell command in the clone, confined (see `confinement`) and held to
        `limits`; on timeout, a limit passed, or when the replay is closed meanwhile, its whole
        process tree goes. A limit hit or a sandbox that could not start is said in the CheckRun.

        Raises CheckRefused where there is no sandbox and the capsule is not trusted."""
        if self.sandbox is None and not self.trust:
            raise CheckRefused(
                "the check was not run: it would run the capsule's code unconfined, and this machine has "
                "no sandbox (install bubblewrap); trust the capsule (--trust) to run it anyway"
            )
        if self.deadline is not None:
            timeout = min(timeout, max(0.0, self.deadline - time.monotonic()))
        status_read: int | None = None
        after = contextlib.ExitStack()  # what to undo once the check has ended
        with self._guard:
            if self.worktree is None or self._store is None or self._tmp is None:
                raise CapsuleError("the replay clone is not open")
            popen = dict(stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)  # fmt: skip
            if self.sandbox is not None:
                status_read, status_write = os.pipe()
                # Root is not held to RLIMIT_NPROC: a pids cgroup holds a root run to its process limit
                # (one more, so the watch still sees the limit passed and names it).
                procs = cgroup.make(self.limits.processes + 1)
                after.callback(cgroup.remove, procs)
                try:
                    argv = self.sandbox.command(command, self.worktree, [self._store.objects], self.limits,
                                                status_fd=status_write, etc=self._tmp / "etc", cgroup=procs)  # fmt: skip
                    proc = self._check = subprocess.Popen(argv, pass_fds=(status_write,), **popen)  # type: ignore[call-overload]
                except BaseException:
                    after.close()
                    raise
                finally:
                    os.close(status_write)
            else:
                # Trusted and unconfined: the per-process limits all the same (not the process count,
                # which outside a user namespace counts every process of the user's).
                # Its runner is the subreaper of all it starts (capsule/reaper.py): setsid() leaves no process
                # outside the tree the watch sums and kills. Where it can, it runs the check in a pid
                # namespace of its own, which no process of the check can leave, nor see out of to stop
                # or kill tracetui; elsewhere what the check leaves if it kills the runner is tracetui's
                # own while it runs (`adopting`), and swept.
                script = f'{self.limits.ulimits(processes=False)} || exit 125; exec /bin/sh -c "$1"'
                # Without one, the runner is held to the Landlock the trust box told of (`trusted_bound`).
                own = own_pids()
                how_fenced = "--own-pids" if own else f"--landlock={landlock.abi()}"
                argv = [sys.executable, "-I", str(REAPER), how_fenced, str(os.getpid()), script, CHECK_NAME]
                argv.append(command)
                runners = after.enter_context(adopting()) if not own else set()
                try:
                    proc = self._check = subprocess.Popen(argv, cwd=self.worktree, **popen)  # type: ignore[call-overload]
                except BaseException:
                    after.close()
                    raise
                runners.add(proc.pid)
        how = self.sandbox.name if self.sandbox is not None else UNCONFINED
        # Threads count in the sandbox, as the kernel counts them there for every user but root; a
        # trusted check's never did (the kernel's limit is not set outside a user namespace).
        killer = lambda: _kill_group(proc)  # noqa: E731
        watch = Watch(proc.pid, self.limits, self.worktree, killer, threads=self.sandbox is not None).start()
        deadline = time.monotonic() + timeout
        timed_out = False
        try:
            out, finished = _output_tail(proc, deadline)
            try:  # its output closed; the check itself may still run (it closed it on purpose)
                proc.wait(timeout=max(0.0, deadline - time.monotonic()) if finished else 0)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc)
                proc.wait()
        except BaseException:
            # Ctrl-C or a signal while the check runs: the check ends here. The `finally` below
            # forgets it, so `close()` on the way out would not kill it, and an unconfined check
            # (or a sandbox slow to follow its parent) ran on after tracetui.
            _kill_group(proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            raise
        finally:
            watch.stop()
            after.close()
            with self._guard:
                closed = self._check is not proc
                if not closed:
                    self._check = None
            status = _read_all(status_read) if status_read is not None else b'"exit-code"'
        output = out.decode("utf-8", errors="replace")[-_OUTPUT_TAIL:]
        if timed_out and watch.hit is None:
            return CheckRun(self.commit, TIMED_OUT, f"(the check did not finish in {timeout:g} s)", how)
        run = CheckRun(self.commit, proc.returncode, output, how)
        if watch.hit is not None:
            run.limit = watch.hit
        elif (failure := start_failure(status, killed=closed)) is not None or proc.returncode == 125:
            run.failure = _why_not_started(failure, output)
        else:
            run.limit = limit_from_exit(proc.returncode, output)
        return run


RUNNER_SAYS = "tracetui: "  # how the runner (`reaper.py`) starts a line that says why the check never ran


def _why_not_started(failure: str | None, output: str) -> str:
    """Why a check never ran: bwrap's reason (`failure`) or the shell's, with the output's last line;
    the runner's own refusal says why in full, alone."""
    said = output.strip().splitlines()[-1:] if output.strip() else []
    if said and said[0].startswith(RUNNER_SAYS):
        return said[0].removeprefix(RUNNER_SAYS)
    return (failure or "the check's limits could not be set") + (f": {said[0]}" if said else "")


def _read_all(fd: int) -> bytes:
    """What bwrap wrote to its status pipe (it has exited: the pipe holds all of it, a few hundred bytes)."""
    os.set_blocking(fd, False)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                part = os.read(fd, 1 << 16)
            except BlockingIOError:
                break
            if not part:
                break
            chunks.append(part)
    finally:
        os.close(fd)
    return b"".join(chunks)


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
    noted = 0.0
    try:
        while True:
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                return bytes(tail), False
            if now >= noted + 0.1 and proc.poll() is None:  # however much it prints
                note_adopted()  # what tracetui adopts while the runner runs is no check's
                noted = now
            if not select.select([fd], [], [], min(left, 0.1))[0]:
                if proc.poll() is not None:  # its runner killed: what it left holds the output open
                    sweep()
                continue
            part = os.read(fd, 1 << 16)
            if not part:
                return bytes(tail), True
            tail += part
            if len(tail) > 2 * keep:
                del tail[:-keep]
    finally:
        proc.stdout.close()


def _kill_group(proc: subprocess.Popen) -> None:
    # Every process under it first (one that called setsid() is out of its group), then the group,
    # and what a trusted check left when it killed its runner (re-parented to tracetui).
    kill_tree(proc.pid)
    sweep()
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
    left_behind: list[str] = field(default_factory=list)  # what clean-up could not remove (said)
    partial: bool = False  # the check ran with some patches not applied (listed in `patches`)
    target_failed: list[PatchResult] = field(default_factory=list)  # not applied at the ref

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
            "left_behind": list(self.left_behind),
            "partial": self.partial,
            "target_failed": [p.to_dict() for p in self.target_failed],
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
    # No wall-clock deadline: the app's user steps at their own pace and closes the screen to stop;
    # the applies still share their budget and each check its timeout.
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
    limits: CheckLimits = DEFAULT_LIMITS,
    seconds: float = REPLAY_SECONDS,
    skip: Collection[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> ReplayResult:
    """Replay a capsule on `repo` and give a verdict (see the module docstring).

    `opened(run)` is called with each replay as it opens (at the base, then at `ref`), so a caller on
    another thread can `close()` it to stop a long check; it may raise to cancel. The check runs in
    `sandbox` (default: the machine's); where there is none it runs only if `trust`. The whole replay,
    applies and both checks, ends within `seconds`. `skip` names patches not to apply (`skip_patches`).
    `progress(steps applied, steps)` is told how the applies go (Replay.apply_all).
    Patches that do not apply are left out and the check runs on the rest: the result is `partial`.
    """
    deadline = time.monotonic() + seconds
    opened_capsule = capsule if isinstance(capsule, OpenedCapsule) else open_capsule(capsule)
    root = replay_target(repo, check)
    skipped = skip_patches(opened_capsule, skip)
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
    judging = _Judging(
        opened_capsule, root, base, target, ref, timeout=timeout, opened=opened, sandbox=sandbox, trust=trust,
        limits=limits, deadline=deadline, skip=skipped, progress=progress,
    )  # fmt: skip
    result = _judge(judging, check)
    result.left_behind = [path for run in judging.runs for path in run.left_behind]
    if result.partial and result.base_check is not None:
        # The verdict of what applied: the user reads which patches were left out, and why, beside it.
        left = [f"{result.failed} of {result.applied + result.failed} at the base commit"] if result.failed else []
        if result.target_failed:
            left.append(f"{len(result.target_failed)} at {ref}")
        result.reason += f" (partial: patches not applied: {', '.join(left)})"
    return result


@dataclass(frozen=True, slots=True)
class _Judging:
    """What the two runs of one `replay()` share: the capsule, the commits, how the check runs, and
    the runs opened so far (their clean-up is said in the result)."""

    capsule: OpenedCapsule
    root: Path
    base: str
    target: str
    ref: str
    timeout: float
    opened: Callable[[Replay], None] | None
    sandbox: Sandbox | None
    trust: bool
    limits: CheckLimits
    deadline: float
    skip: frozenset[tuple[str, str | None]]
    progress: Callable[[int, int], None] | None = None
    runs: list[Replay] = field(default_factory=list)

    def open_run(self, commit: str, store: ObjectStore) -> Replay:
        run = Replay(self.capsule, self.root, commit, sandbox=self.sandbox, trust=self.trust, store=store,
                     limits=self.limits, deadline=self.deadline, skip=self.skip)  # fmt: skip
        self.runs.append(run)
        return run


def _judge(j: _Judging, check: str | None) -> ReplayResult:
    """The check at the base commit with the patches applied, then, if it fails there, at the ref."""
    with ObjectStore(j.root, [j.base, j.target]) as store:
        with j.open_run(j.base, store) as run:
            if j.opened is not None:
                j.opened(run)
            run.apply_all(j.progress)
            result = ReplayResult(INCONCLUSIVE, "", j.base, j.target, run.applied, run.failed, _results(run))
            result.files = run.files()
            result.partial = run.failed > 0
            total = run.failed + run.applied
            if check is None:
                result.reason = (
                    f"{run.failed} of {total} patches do not apply at the base commit (no --check was given)"
                    if run.failed
                    else "no --check command was given (the patches apply at the base commit)"
                )
                return result
            if run.failed and not run.applied:
                # Nothing of the capsule's would be in the clone: the check would judge the base alone.
                result.reason = f"none of the {total} patches apply at the base commit"
                return result
            result.sandbox = run.confinement
            try:
                result.base_check = run.run_check(check, j.timeout)
            except CheckRefused as exc:
                result.reason = str(exc)
                return result
        if _said_at_base(j, result, result.base_check):
            return result

        with j.open_run(j.target, store) as run:
            if j.opened is not None:
                j.opened(run)
            run.apply_all(j.progress)
            if run.failed:
                result.partial = True
                result.target_failed = [r for r in _results(run) if not r.ok]
            result.target_check = run.run_check(check, j.timeout)
    _judge_at_target(j, result, result.target_check)
    return result


def _said_at_base(j: _Judging, result: ReplayResult, base_check: CheckRun) -> bool:
    """Whether the check at the base commit gives the verdict (said in `result`), with no run at the ref."""
    if (why := _untold(base_check, j.limits, "at the base commit", j.timeout)) is not None:
        result.reason = why
        return True
    if base_check.exit_code == 0:
        result.reason = (
            "the check passes at the base commit with the patches applied: the recorded failure does not show"
        )
        return True
    if j.target == j.base:
        result.target_check = base_check
        result.verdict = REPRODUCES
        result.reason = "the check fails at the base commit with the capsule's patches applied"
        return True
    return False


def _judge_at_target(j: _Judging, result: ReplayResult, target_check: CheckRun) -> None:
    """The verdict, once the check failed at the base commit, from its run at the ref."""
    if (why := _untold(target_check, j.limits, f"at {j.ref}", j.timeout)) is not None:
        result.reason = f"the failure shows at the base commit, but {why}"
    elif target_check.exit_code == 0:
        result.verdict = FIXED
        result.reason = (
            f"the check fails at the base commit but passes at {j.ref} ({j.target[:12]})"
            " with the same patches"
        )
    else:
        result.verdict = REPRODUCES
        result.reason = f"the check fails at the base commit and still fails at {j.ref} ({j.target[:12]})"


def skip_patches(capsule: OpenedCapsule, specs: Collection[str]) -> frozenset[tuple[str, str | None]]:
    """The patches `specs` name, as (step id, path or None for the whole step): each spec is a step
    number as the app, `show` and replay's output number it (`12`, `#12`), with `:PATH` for one of its
    files. CapsuleError names a spec that names no step of the capsule."""
    by_index = {str(step.index): step.id for step in capsule.steps}
    out: set[tuple[str, str | None]] = set()
    for spec in specs:
        number, _, path = spec.strip().removeprefix("#").partition(":")
        if number not in by_index:
            raise CapsuleError(f"--skip {spec!r}: the capsule has no step {number or '(none given)'}")
        out.add((by_index[number], path or None))
    return frozenset(out)


def untold(run: CheckRun, limits: CheckLimits = DEFAULT_LIMITS, timeout: float | None = None) -> str | None:
    """Why `run`'s exit says nothing of the check (it never started, hit a limit, ran out of time)."""
    if run.failure is not None:
        return f"the sandbox could not start: {run.failure}"
    if run.limit is not None:
        return f"the check hit {limit_named(run.limit, limits)}"
    if run.exit_code == TIMED_OUT:
        return f"the check did not finish in {timeout:g} s" if timeout else "the check did not finish in time"
    return None


def _untold(run: CheckRun, limits: CheckLimits, where: str, timeout: float) -> str | None:
    why = untold(run, limits, timeout)
    return None if why is None else f"{why} {where}"


def _results(run: Replay) -> list[PatchResult]:
    return [r for s in run.steps for r in s.results]


def _group(fates: Sequence[dict[str, Any]]) -> list[ReplayStep]:
    """The trail's runs of records of one step each, every run a window on the trail, not a copy of it."""
    steps: list[ReplayStep] = []
    start = 0
    names = fates.step_ids() if isinstance(fates, TrailRecords) else [str(r.get("step")) for r in fates]
    for i, name in enumerate(names):
        if i + 1 == len(names) or names[i + 1] != name:
            steps.append(ReplayStep(name, Window(fates, start, i + 1)))
            start = i + 1
    return steps


class Window(ReadWhenAsked):
    """Records start..stop of a trail, read from it when asked for."""

    __slots__ = ("_records", "_start", "_stop")

    def __init__(self, records: Sequence[dict[str, Any]], start: int, stop: int) -> None:
        self._records, self._start, self._stop = records, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    def _at(self, i: int) -> dict[str, Any]:
        return self._records[self._start + i]
