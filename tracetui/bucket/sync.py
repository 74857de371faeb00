"""Incremental sync: source logs -> the bucket's copies -> parsed sessions -> the index.

A sync has three phases:
1. look (`sync_plan`): the source logs found, stat'd and compared with the sidecars (no log is
   read here);
2. work (`sync_jobs`), per session group (a reader's `group()` output): bring the copies of changed
   files up to date and, when the group's consumed bytes differ from what the index was built from,
   parse the session. This runs in a process pool when there is a lot of it (cold syncs);
3. write: whoever parsed a session writes its steps into a shard of the index (`shards.py`: the
   workers write in parallel); then the main process replaces each changed group's session row in
   the main index, one transaction each batch, so a crash leaves the previous rows (and the
   previous group signature) in place. Last, steps no session row points to are collected.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
from collections.abc import Collection, Iterator
from pathlib import Path

from tracetui import collector
from tracetui.bucket import index, resume, shards, unchanged
from tracetui.bucket.locations import default_sources, source_folders
from tracetui.bucket.pool import run_pool
from tracetui.bucket.store import Store
from tracetui.regular_file import sweep_temp_files
from tracetui.bucket.sync_jobs import (
    BATCH_SECONDS,
    Job,
    JobResult,
    _close_writers,
    _failed_with,
    _pack,
    _writers,
    run_job,
    settle,
)
from tracetui.bucket.sync_plan import (
    STAGED,
    _folder_cwd_of,
    _in_folder,
    _plan,
    _plan_scoped,
    _SpawnIndexes,
    found_logs,
)
from tracetui.bucket.sync_report import ProgressCallback, SyncProgress, SyncReport
from tracetui.model import LineError
from tracetui.sources import registry
from tracetui.sources.gemini.split import is_part


# Below this much work a pool's start-up (a fresh interpreter per worker) costs more than it saves.
POOL_MIN_JOBS = 8


POOL_MIN_BYTES = 8 << 20


def _results(root: str, jobs: list[Job], workers: int | None) -> Iterator[tuple[Job, bytes]]:
    total = sum(j.weight for j in jobs)
    if workers is None:
        workers = os.cpu_count() or 1
        if len(jobs) < POOL_MIN_JOBS or total < POOL_MIN_BYTES:
            workers = 1
    if workers <= 1:
        # This process writes every shard it writes alone.
        _writers(root, fresh_shards(Path(root), jobs, range(shards.SHARDS)))
        for job in jobs:
            yield job, run_job(root, job)
        return
    # Largest first, so one big session does not finish alone at the end.
    order = sorted(jobs, key=lambda j: -j.weight)
    workers = min(workers, len(order))
    slots = [slot % shards.SHARDS for slot in range(workers)]
    yield from run_pool(root, order, workers, _failed, sorted(fresh_shards(Path(root), jobs, slots)))


def fresh_shards(root: Path, jobs: list[Job], writes: Collection[int]) -> set[int]:
    """The shards this sync can build whole (`shards.Writers`): not there yet, holding no job's
    group, and written by one process only (`writes`: the shard of each writing process)."""
    homes = {job.home for job in jobs}
    return {
        k for k in set(writes)
        if list(writes).count(k) == 1 and k not in homes and not shards.path(root, k).exists()
    }


def _failed(job: Job, reason: str) -> bytes:
    return _pack(_failed_with(JobResult(job.members[0]), f"could not read this session: {reason}"))


def sync(
    root: Path,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]] | None = None,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    paths: Collection[str] | None = None,
) -> SyncReport:
    """`paths`: the files a watcher saw change. Only their session groups are looked at then
    (`scoped.py`), unless the change cannot be scoped, when the whole sync runs as without them."""
    started = time.perf_counter()
    report = SyncReport()
    store = Store(root)
    store.ensure()
    if sources is None:
        sources = default_sources()
    report.searched = source_folders(sources)
    jobs = None if paths is None else _plan_scoped(store, conn, sources, paths, report)
    whole = jobs is None
    quiet: str | None = None  # the digest of what the plan read, where it may be kept (`unchanged`)
    if jobs is None:
        # The tidying that lists the bucket's folders is left to whole syncs (each watch or app
        # starts with one): in a bucket of 100,000 logs it costs more than a scoped sync.
        sweep_temp_files(store.dir)  # left by a sync that was killed
        sweep_temp_files(root)  # shards a killed sync was building
        resume.prune(root)  # reader states: temporary files of a killed sync, states of logs long quiet
        found = found_logs(store, sources, report)
        quiet = None if report.errors else unchanged.digest(store, conn, found)
        if quiet is not None and quiet == unchanged.recorded(conn):
            return _counted(conn, report, started)  # the same plan as the last quiet sync's: none
        jobs = _plan(store, conn, sources, report, found=found)
    try:
        with collector.fewer_collections():
            _work_and_write(str(root), conn, jobs, workers, progress, report, tidy=whole)
    finally:
        _close_writers(str(root))
    if jobs:
        # A subagent's row (or its parent's) written afresh: tie children their logs leave unnamed.
        conn.execute("BEGIN")
        index.tie_spawned(conn, {job.agent for job in jobs}, _SpawnIndexes())
        # A row written with no cwd (a transcript of only a queued prompt), or a neighbour that
        # brings one: the cwd its folder stands for.
        placed = [(job.agent, job.members[0]) for job in jobs if _folder_cwd_of(job.agent) is not None]
        index.tie_folders(conn, placed, _in_folder)
        # A transcript written again keeps its own title; a summary another one gives it goes on.
        index.title_by_neighbours(conn, placed)
        conn.execute("COMMIT")
    elif quiet is not None and not report.errors:
        # Nothing to do and nothing to say: the next whole sync that reads the same needs no plan.
        unchanged.record(conn, quiet)
    return _counted(conn, report, started)


def _counted(conn: sqlite3.Connection, report: SyncReport, started: float) -> SyncReport:
    report.sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    report.unchanged = report.sessions - report.new - report.updated
    report.seconds = time.perf_counter() - started
    return report


def _work_and_write(
    root: str,
    conn: sqlite3.Connection,
    jobs: list[Job],
    workers: int | None,
    progress: ProgressCallback | None,
    report: SyncReport,
    tidy: bool = True,
) -> None:
    """Phases 2 and 3: run the jobs (in a pool when there is a lot to do; each writes its steps to a
    shard) and write each session row, committing in batches so a reader sees sessions appear and
    a crash keeps the previous rows. Then collect the steps no session row points to."""
    bytes_total = sum(j.weight for j in jobs)
    if any(not registry.importable(agent) for agent in {j.agent for j in jobs}):
        workers = 1  # an agent registered at run time is unknown to fresh worker processes
    files_total = sum(len(j.members) for j in jobs)
    files_done = bytes_done = 0
    batch_started = time.perf_counter()
    in_tx = False
    try:
        staged = os.path.join(root, STAGED, "")
        for job, payload in _results(root, jobs, workers):
            result: JobResult = pickle.loads(payload)
            report.errors.extend(result.errors)
            if not in_tx:
                conn.execute("BEGIN")
                in_tx = True
                batch_started = time.perf_counter()
            _write(conn, job, result, report, staged)
            files_done += len(job.members)
            bytes_done += job.weight
            if time.perf_counter() - batch_started >= BATCH_SECONDS:
                settle(root)  # this process's own shard writes (a sync without a pool) go first
                conn.execute("COMMIT")
                in_tx = False
            if progress is not None:
                progress(SyncProgress(files_done, files_total, bytes_done, bytes_total))
        settle(root, done=True)
        if in_tx:
            conn.execute("COMMIT")
            in_tx = False
    finally:
        # SQLite rolls a transaction back by itself on some errors (a full disk): roll back only
        # what is still open, so the real error is the one reported.
        if in_tx and conn.in_transaction:
            conn.execute("ROLLBACK")
    if not tidy:  # a scoped sync: steps left unplaced are never shown, and the next whole sync tidies them
        return
    try:
        shards.collect(_writers(root), index.placed(conn))
    except sqlite3.DatabaseError as exc:  # steps no session points to are never shown: tidy them next time
        report.errors.append(LineError(root, 0, f"could not tidy the bucket index's step shards: {exc}"))


def _write(conn: sqlite3.Connection, job: Job, result: JobResult, report: SyncReport, staged: str = "\0") -> None:
    if result.skip:
        return
    main, sig, srow = result.main, result.sig, result.session
    existed = job.old_sig is not None
    if srow is None and result.failed and index.has_sessions(conn, main):
        # A session once listed is never dropped for failing to read again: its last good rows stay,
        # with the reason on them, and the group keeps its old signature so the next sync retries.
        index.set_note(conn, main, f"not updated: {result.failed}")
        return
    if sig is None:
        # No signature (its worker died before reading it): record nothing, so the next sync tries
        # the group again; the error is already in the report.
        return
    index.drop_group(conn, main)
    # The group is recorded even when it yields no session (the reader failed on it, or its id
    # is taken): its errors were reported now, and an unchanged group is not parsed again.
    index.put_group(conn, main, job.agent, job.members, sig)
    if srow is None:
        return
    sid = srow[0]
    held_by = index.owner_of(conn, sid)
    if held_by is not None:
        owner, owner_agent = held_by
        # Two logs give one session id (a copy, a fork, or a log planted to hide another): the one
        # holding more of the session is listed, whichever was read first, as between generations
        # of one log. A one-step file named to sort first no longer hides the real session.
        # A log staged from an agent's prompt history stands in for a session until the session's own
        # log appears: that one taking over is the plan, not a copy to report. Only the same agent's
        # log stands in so, and never a conversation the stage cut out of a shared file: its id is
        # whatever the file's writer put there, and one naming another session's id hid that session
        # without a word.
        quiet = (
            (owner.startswith(staged) or main.startswith(staged))
            and owner_agent == job.agent
            and not any(is_part(Path(p)) for p in (owner, main))
        )
        held = index.steps_of(conn, sid)
        if srow[index.STEPS_AT] <= held:
            if not quiet:
                report.errors.append(LineError(main, 0, f"session {sid} was already read from {owner}; "
                                               "this copy is not indexed"))  # fmt: skip
            return
        index.drop_session(conn, sid)
        if not quiet:
            report.errors.append(LineError(owner, 0, f"session {sid} is also in {main}, which holds more of it; "
                                           "this copy is no longer indexed"))  # fmt: skip
    index.put_session(conn, srow)
    if existed:
        report.updated += 1
    else:
        report.new += 1
