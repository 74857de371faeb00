"""A sync's look: the source logs found and stat'd, compared with the sidecars, and the jobs to run
(see `sync`, phase 1), for every folder or only the files a watcher saw change."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import tracetui.sources as readers
from tracetui.bucket import index, removed, resume, scoped, shards
from tracetui.bucket.locations import discover
from tracetui.bucket.store import Sidecar, Store
from tracetui.bucket.sync_jobs import Job, _writers, signature
from tracetui.bucket.sync_report import SyncReport
from tracetui.model import LineError, LineErrors
from tracetui.safe_text import is_utf8
from tracetui.sources import registry


# Where a stage hook writes the logs it makes from an agent's other files (Gemini's prompt history),
# under the bucket's root.
STAGED = scoped.STAGED

Sidecars = dict[tuple[str, str], Sidecar]  # {(agent, log path): its sidecar}
GroupFiles = dict[str, tuple[str, list[str]]]  # {main log: (agent, the group's files)}


class _SpawnIndexes:
    """The agent's own index of its subagents beside a parent's log (registry `spawn_index`), else {},
    read once a folder: every parent of a folder that waits on a key asked again, and OpenClaw's
    `sessions.json` (up to 64 MB) was read and parsed once per such parent at every sync a watcher ran
    (200 parents beside a 22 MB store: 33 s of CPU for one changed log)."""

    def __init__(self) -> None:
        self._read: dict[tuple[str, str], dict[str, str]] = {}

    def __call__(self, agent: str, source: str) -> dict[str, str]:
        folder = (agent, str(Path(source).parent))
        if folder not in self._read:
            self._read[folder] = _spawn_index(agent, source)
        return self._read[folder]


def _folder_cwd_of(agent: str) -> Callable[[str, str], bool] | None:
    try:
        return registry.get(agent).folder_cwd
    except ValueError:
        return None


def _in_folder(agent: str, path: str, cwd: str) -> bool:
    """Whether the log at `path` sits in the folder the agent keeps `cwd`'s sessions in (its
    `folder_cwd`); False for an agent without one, or where it fails."""
    check = _folder_cwd_of(agent)
    try:
        return check is not None and check(path, cwd)
    except Exception:  # a check that fails gives no cwd; the sync goes on
        return False


def _spawn_index(agent: str, source: str) -> dict[str, str]:
    try:
        look = registry.get(agent).spawn_index
    except ValueError:
        return {}
    if look is None:
        return {}
    try:
        return look(Path(source))
    except Exception:  # an index it cannot read ties nothing; the sync goes on
        return {}


def found_logs(store: Store, sources: dict[str, list[Path]], report: SyncReport) -> dict[str, list[Path]]:
    """Each agent's logs under its folders, as its stage (if it has one) passes them on; what cannot
    be taken (a log linked out of its folder, a stage that failed) is said in `report`."""
    found_by_agent: dict[str, list[Path]] = {}
    for agent, roots in sources.items():
        found_files = discover(agent, roots, report.errors)  # a log linked out of its folder: one line
        stage = registry.get(agent).stage
        if stage is not None:  # the agent's sessions are not log files: it writes logs the bucket can copy
            try:
                found_files, problems = stage(found_files, store.dir.parent / STAGED / agent)
            except Exception as exc:
                why = f"cannot gather {agent} sessions: {type(exc).__name__}: {exc}"
                found_files, problems = [], LineErrors([LineError(agent, 0, why)])
            report.errors.extend(problems)
        found_by_agent[agent] = found_files
    return found_by_agent


def _plan(
    store: Store,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]],
    report: SyncReport,
    alone: bool = False,
    found: dict[str, list[Path]] | None = None,
) -> list[Job]:
    """Phase 1, look: which groups have work, from stat and the sidecars alone (no log is read).
    Groups that are gone leave the index here, or keep their rows with a note. `alone`: these
    agents' folders are synced whole while every other agent's stay as they are (a scoped sync's
    change that an agent's stage decides), so only their sidecars and indexed groups are loaded.
    `found`: `found_logs` of `sources`, where the caller has it already."""
    found_by_agent = found_logs(store, sources, report) if found is None else found
    sidecars, group_files = _recorded(store, conn, sources, found_by_agent, alone)
    # Logs of sessions the user removed (`tracetui rm`) that have not changed since: passed over,
    # as if the bucket had never seen them (bucket/removed.py).
    gone = removed.still_removed(store.dir.parent)
    if gone:
        sidecars = {k: v for k, v in sidecars.items() if k not in gone}
        _finish_removals(store.dir.parent, conn, group_files, gone)
    _repair_sidecars(store, group_files, sidecars, report)
    stale = _stale_logs(found_by_agent, gone, sidecars, report)

    known: dict[str, set[str]] = {}
    for agent, p in [*sidecars, *stale]:
        known.setdefault(agent, set()).add(p)

    # `alone`: the other agents' groups are not this sync's to look at
    indexed = index.load_groups(conn, set(sources) if alone else None)
    homes = index.homes(conn, set(sources) if alone else None)
    _forget_unwritten(store.dir.parent, indexed, homes, each=alone)
    grouping = _grouped(known, sidecars, stale, indexed, homes, report)
    _settle_vanished(store.dir.parent, conn, indexed, group_files, known, grouping, report)
    return grouping.jobs


def _recorded(
    store: Store,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]],
    found_by_agent: dict[str, list[Path]],
    alone: bool,
) -> tuple[Sidecars, GroupFiles]:
    """The sidecars and the indexed groups' files the plan compares with: every agent's, or
    (`alone`) only the `sources` agents' ones and their logs found."""
    if not alone:
        sidecars = store.load_all()
        return sidecars, index.load_group_files(conn)
    group_files = index.load_group_files(conn, agents=set(sources))
    sidecars = {}
    for agent, found_files in found_by_agent.items():
        held = {p for a, files in group_files.values() if a == agent for p in files}
        for p in sorted(held | {str(f) for f in found_files if is_utf8(str(f))}):
            sc = store.load(agent, p)
            if sc is not None:
                sidecars[(agent, p)] = sc
    return sidecars, group_files


def _finish_removals(
    root: Path, conn: sqlite3.Connection, group_files: GroupFiles, gone: set[tuple[str, str]]
) -> None:
    """Groups whose logs were all removed but whose rows are still here leave the index (and
    `group_files`)."""
    for main, (agent, files) in list(group_files.items()):
        if all((agent, f) in gone for f in files):
            # A removal that stopped half-way (its rows still here): finish it.
            conn.execute("BEGIN")
            index.drop_group(conn, main)
            conn.execute("COMMIT")
            resume.forget(root, main)
            del group_files[main]


def _repair_sidecars(store: Store, group_files: GroupFiles, sidecars: Sidecars, report: SyncReport) -> None:
    for agent, files in group_files.values():
        for path in files:
            if (agent, path) not in sidecars:
                # A sidecar lost or damaged: rebuild it from the copies, so the session keeps its
                # history even when the agent has deleted the log.
                repaired = store.repair(agent, path)
                if repaired is not None:
                    sidecars[(agent, path)] = repaired
                    report.errors.append(LineError(path, 0, "the bucket's record of this log was damaged; "
                                                            "rebuilt it from its copy"))  # fmt: skip


def _stale_logs(
    found_by_agent: dict[str, list[Path]], gone: set[tuple[str, str]], sidecars: Sidecars, report: SyncReport
) -> dict[tuple[str, str], tuple[int, int]]:
    """The logs found whose size or mtime differ from their sidecar's (or that have none): their
    (size, mtime_ns) now, by (agent, path)."""
    stale: dict[tuple[str, str], tuple[int, int]] = {}
    for agent, found_files in found_by_agent.items():
        for log in found_files:
            p = str(log)
            if (agent, p) in gone:
                continue
            if not is_utf8(p):
                # The bucket records a log by its path (sidecar, index, the session's source), all
                # UTF-8: a name the file system gives as other bytes is said, and the log left alone.
                why = "the log's path is not UTF-8: rename it to have it read"
                report.errors.append(LineError(p, 0, why))
                continue
            try:
                st = os.stat(p)
            except OSError as exc:
                report.errors.append(LineError(p, 0, f"cannot read: {exc.strerror or exc}"))
                continue
            sc = sidecars.get((agent, p))
            if sc is None or sc.size != st.st_size or sc.mtime_ns != st.st_mtime_ns:
                stale[(agent, p)] = (st.st_size, st.st_mtime_ns)
    return stale


@dataclass(slots=True)
class _Grouping:
    """The readers' grouping of the known logs: the jobs it gives, the groups formed (by main log)
    and the agents whose grouping worked."""

    jobs: list[Job] = field(default_factory=list)
    live_groups: set[str] = field(default_factory=set)
    grouped_agents: set[str] = field(default_factory=set)


def _grouped(
    known: dict[str, set[str]],
    sidecars: Sidecars,
    stale: dict[tuple[str, str], tuple[int, int]],
    indexed: dict[str, tuple[str, str]],
    homes: dict[str, int],
    report: SyncReport,
) -> _Grouping:
    """Each agent's known logs grouped by its reader, and a job for each group with work and for
    each stale log no group takes."""
    out = _Grouping()
    for agent in sorted(known):
        paths = sorted(known[agent])
        try:
            groups = readers.reader(agent).group([Path(p) for p in paths])
        except Exception as exc:
            why = f"cannot group {agent} logs: {type(exc).__name__}: {exc}"
            report.errors.append(LineError(agent, 0, why))
            continue
        out.grouped_agents.add(agent)
        agent_sc = {p: sc for (a, p), sc in sidecars.items() if a == agent}
        grouped: set[str] = set()
        for g in groups:
            members = [str(p) for p in g.all]
            grouped.update(members)
            main = members[0]
            out.live_groups.add(main)
            member_sc = {p: agent_sc[p] for p in members if p in agent_sc}
            member_stale = {p: stale[(agent, p)] for p in members if (agent, p) in stale}
            old_sig = indexed[main][1] if main in indexed else None
            if not member_stale and old_sig is not None and signature(members, member_sc) == old_sig:
                continue
            weight = sum(
                member_stale.get(p, (0, 0))[0] or (member_sc[p].offset if p in member_sc else 0)
                for p in members
            )
            out.jobs.append(
                Job(agent, members, member_stale, member_sc, old_sig, True, weight, homes.get(main))
            )
        for p in paths:
            if p not in grouped and (agent, p) in stale:
                st = stale[(agent, p)]
                out.jobs.append(Job(agent, [p], {p: st}, {}, None, False, st[0]))
    return out


def _settle_vanished(
    root: Path,
    conn: sqlite3.Connection,
    indexed: dict[str, tuple[str, str]],
    group_files: GroupFiles,
    known: dict[str, set[str]],
    grouping: _Grouping,
    report: SyncReport,
) -> None:
    """Groups the readers no longer form leave the index only when each of their logs now belongs to
    another group (it moved). One whose logs and copies are all gone keeps its rows, with a note:
    a session once listed is never dropped without a reason. An agent whose grouping failed keeps
    what it had."""
    grouped_agents, live_groups = grouping.grouped_agents, grouping.live_groups
    live_files = {p for agent in grouped_agents for p in known.get(agent, ())}
    for main in [m for m, (agent, _) in indexed.items() if agent in grouped_agents and m not in live_groups]:
        files = group_files.get(main, ("", [main]))[1]
        conn.execute("BEGIN")
        if all(f in live_files for f in files):
            index.drop_group(conn, main)
            resume.forget(root, main)
        else:
            note = "its log and the bucket's copy of it are gone; showing what was indexed"
            index.set_note(conn, main, note)
            report.errors.append(LineError(main, 0, "the log and the bucket's copy of it are gone; "
                                                    "the indexed session is kept"))  # fmt: skip
        conn.execute("COMMIT")


def _plan_scoped(
    store: Store,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]],
    paths: Collection[str],
    report: SyncReport,
) -> list[Job] | None:
    """Phase 1 for the groups of the changed `paths` alone (`scoped.py`); None: sync the whole."""
    errors: list[LineError] = []
    scopes = scoped.plan(store, conn, sources, paths, errors)
    report.errors.extend(errors)  # a sidecar rebuilt is said even when the whole sync follows
    if scopes is None:
        return None
    root = store.dir.parent
    jobs: list[Job] = []
    restaged = {scope.agent: sources[scope.agent] for scope in scopes if scope.restage}
    if restaged:  # a change only the agent's stage can place: its folders whole, no other agent's
        jobs.extend(_plan(store, conn, restaged, report, alone=True))
    for scope in scopes:
        if scope.restage:
            continue
        agent, stats, sidecars, indexed = scope.agent, scope.stats, scope.sidecars, scope.indexed
        formed: set[str] = set()
        grouped: set[str] = set()
        for members in scope.groups:
            main = members[0]
            formed.add(main)
            grouped.update(members)
            member_sc = {p: sidecars[p] for p in members if p in sidecars}
            member_stale = {
                p: stats[p]
                for p in members
                if p not in sidecars or (sidecars[p].size, sidecars[p].mtime_ns) != stats[p]
            }
            old = indexed.get(main)
            old_sig = old[2] if old is not None else index.group_sig(conn, main)
            home = index.home(conn, main)
            held = None if home is None else scoped.shard_sig(_writers(str(root)), home, main)
            if old_sig is not None and home is not None and held != old_sig:
                old_sig = ""  # its steps were never committed to the shard (a sync died): read it again
            if not member_stale and old_sig is not None and signature(members, member_sc) == old_sig:
                continue
            weight = sum(
                member_stale.get(p, (0, 0))[0] or (member_sc[p].offset if p in member_sc else 0)
                for p in members
            )
            jobs.append(Job(agent, members, member_stale, member_sc, old_sig, True, weight, home))
        for p, st in stats.items():
            if p not in grouped and (p not in sidecars or (sidecars[p].size, sidecars[p].mtime_ns) != st):
                jobs.append(Job(agent, [p], {p: st}, {}, None, False, st[0]))
        for main in indexed:
            if main not in formed:  # each of its files went to another group (scoped.py checked)
                conn.execute("BEGIN")
                index.drop_group(conn, main)
                conn.execute("COMMIT")
                resume.forget(root, main)
    return jobs


def _forget_unwritten(
    root: Path, indexed: dict[str, tuple[str, str]], homes: dict[str, int], each: bool = False
) -> None:
    """Groups whose session row is newer than the steps in its shard (a sync died before its shard
    writes were committed) are read again: their signature is forgotten here. `each`: look each
    group up (one agent's few), not every signature of the shards (the whole bucket's)."""
    held: dict[int, dict[int, str]] = {}
    for main, shard in homes.items():
        if main not in indexed:
            continue
        if each:
            sig = scoped.shard_sig(_writers(str(root)), shard, main)
        else:
            if shard not in held:
                held[shard] = _shard_sigs(root, shard)
            sig = held[shard].get(shards.gkey(main))
        if sig != indexed[main][1]:
            indexed[main] = (indexed[main][0], "")


def _shard_sigs(root: Path, shard: int) -> dict[int, str]:
    if not shards.path(root, shard).exists():
        return {}
    try:
        return shards.sigs(_writers(str(root))[shard])
    except sqlite3.DatabaseError:
        return {}


