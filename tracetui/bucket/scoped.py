"""A sync scoped to the paths a watcher saw change: it looks at those logs' session groups only.

More in docs/internals/bucket.md, `bucket/scoped.py`.
"""

from __future__ import annotations

import fnmatch
import os
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import orjson

import tracetui.sources as readers
from tracetui.bucket import removed, shards
from tracetui.bucket.store import Sidecar, Store
from tracetui.folder_walk import walk
from tracetui.model import LineError
from tracetui.regular_file import outside
from tracetui.sources import registry

STAGED = "staged"  # the bucket's folder of the logs stage hooks write, a folder per agent
MAX_PATHS = 256  # more changes at once than this (a rename storm, a checkout): the whole sync
MAX_NEIGHBOURS = 500  # a new log's folder holding more logs than this: only its kin are looked at


Indexed = dict[str, tuple[str, list[str], str]]  # {main log: (agent, the group's files, signature)}
LineErrors = list[LineError]


class Unscoped(Exception):
    """The change cannot be scoped: sync the whole folder."""


class Restage(Exception):
    """The change is one for an agent's stage to decide: sync that agent's folders whole."""


@dataclass(slots=True)
class AgentScope:
    """One agent's part of a scoped sync: what the plan turns into jobs."""

    agent: str
    groups: list[list[str]]  # the reader's groups of the scoped files (main first)
    stats: dict[str, tuple[int, int]]  # path -> (size, mtime_ns) now
    sidecars: dict[str, Sidecar]  # of the scoped files the bucket has copied
    indexed: Indexed  # the indexed groups the scoped files were in
    restage: bool = False  # True: none of the above; the agent's folders are synced whole, stage first


def _restaged(agent: str) -> AgentScope:
    return AgentScope(agent, [], {}, {}, {}, restage=True)


def plan(
    store: Store,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]],
    paths: Collection[str],
    report: LineErrors,
) -> list[AgentScope] | None:
    """Each agent's scope of the changed `paths`; None when the change cannot be scoped."""
    if not paths or len(paths) > MAX_PATHS:
        return None
    try:
        return _plan(store, conn, sources, paths, report)
    except Unscoped:
        return None


def _plan(
    store: Store,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]],
    paths: Collection[str],
    report: LineErrors,
) -> list[AgentScope]:
    changed: dict[str, set[str]] = {}
    restage: set[str] = set()
    for p in _expanded(paths):
        try:
            p.encode("utf-8")
        except UnicodeEncodeError:  # a name that is not UTF-8: the whole sync says so, once
            raise Unscoped from None
        agents = _agents_of(p, sources)
        if not os.path.isfile(p):
            # Gone, or never a log: a log gone keeps its session with a note, which the whole sync
            # decides (for an agent with a stage, the sync of its folders: the stage may have made
            # it); a path no agent reads (an editor's temporary file) changes nothing.
            if os.path.lexists(p) and not os.path.isdir(p) and not agents:
                continue
            staged = [a for a in agents if registry.get(a).stage is not None]
            if staged and len(staged) == len(agents) and not os.path.isdir(p):
                restage.update(staged)
                continue
            if not os.path.lexists(p) and not agents and _has_suffix_only(p):
                continue
            raise Unscoped
        for agent in agents:
            changed.setdefault(agent, set()).add(p)
    gone = removed.still_removed(store.dir.parent)
    out = []
    for agent, new in sorted(changed.items()):
        if agent in restage:
            continue
        try:
            out.append(_agent_scope(store, conn, agent, sources[agent], new, gone, report))
        except Restage:
            restage.add(agent)
    return [_restaged(agent) for agent in sorted(restage)] + out


def _expanded(paths: Collection[str]) -> list[str]:
    """The changed paths, absolute, with a folder that is there (added, or moved in: a watcher may
    name the folder alone) standing for the files under it. Past `MAX_PATHS` files: Unscoped."""
    out: list[str] = []
    for raw in paths:
        p = os.path.abspath(raw)
        if not os.path.isdir(p):
            out.append(p)
            continue
        if os.path.islink(p):
            raise Unscoped  # a link to a folder: whether discovery follows it is the whole sync's call
        for dirpath, dirs, names in walk(p):  # not os.walk: a folder moved in may nest past its limit
            for name in dirs:
                if os.path.islink(os.path.join(dirpath, name)):
                    raise Unscoped
            out.extend(os.path.join(dirpath, name) for name in names)
            if len(out) > MAX_PATHS:
                raise Unscoped
    if len(out) > MAX_PATHS:
        raise Unscoped
    return list(dict.fromkeys(out))


def _has_suffix_only(p: str) -> bool:
    """A vanished path with a file's suffix (a temporary file renamed away), not a folder."""
    return bool(os.path.splitext(os.path.basename(p))[1])


def _agents_of(p: str, sources: dict[str, list[Path]]) -> list[str]:
    """The agents that read `p`: under one of their source folders (or it) and named as their logs."""
    out = []
    name = os.path.basename(p)
    for agent, roots in sources.items():
        for root in roots:
            r = os.path.abspath(root)
            if p == r or p.startswith(r.rstrip(os.sep) + os.sep):
                found = registry.get(agent)
                # A staged agent's database is written in its `-wal` first (OpenCode): its stage reads both.
                stem = name[:-4] if found.stage is not None and name.endswith("-wal") else name
                if p == r or any(fnmatch.fnmatchcase(stem, pat) for pat in found.patterns):
                    out.append(agent)
                break
    return out


@dataclass(slots=True)
class _Look:
    """What an agent's scope gathers around its `new` (changed) logs: the indexed groups they touch,
    the files to group, and each new log in a crowded folder with the logs of that folder."""

    new: set[str]
    indexed: Indexed
    files: set[str]
    crowd: dict[str, list[str]] = field(default_factory=dict)  # a new log -> the logs in its folder


def _agent_scope(
    store: Store,
    conn: sqlite3.Connection,
    agent: str,
    roots: list[Path],
    new: set[str],
    gone: set[tuple[str, str]],
    report: LineErrors,
) -> AgentScope:
    look = _looked_around(store, conn, agent, roots, new)
    indexed = look.indexed
    # Neighbours already indexed bring their whole group, so it is formed again in full.
    for main, rest in _groups_by_main(conn, look.files - set(indexed)).items():
        indexed[main] = rest
    for main, (a, members, _sig) in indexed.items():
        if a != agent:
            raise Unscoped
        look.files.update(members)
    files = {f for f in look.files if (agent, f) not in gone}
    stats, sidecars = _stats_and_sidecars(store, conn, agent, roots, sorted(files), look, report)
    try:
        formed_groups = readers.reader(agent).group([Path(f) for f in sorted(files)])
    except Exception:  # a reader's bug: the whole sync reports it in one line and keeps the rest
        raise Unscoped from None
    groups = [[str(p) for p in g.all] for g in formed_groups]
    _check_formed(agent, groups, files, look)
    return AgentScope(agent, groups, stats, sidecars, indexed)


def _looked_around(
    store: Store, conn: sqlite3.Connection, agent: str, roots: list[Path], new: set[str]
) -> _Look:
    """The indexed groups of the changed logs, and the files a new one could group with."""
    patterns = registry.get(agent).patterns
    staged = store.dir.parent / STAGED
    look = _Look(new, {}, set(new))
    found = registry.get(agent)
    for p in new:
        owner = _group_of(conn, p)
        if owner is not None:
            again = found.restage
            if found.stage is not None and again is not None and again(Path(p), staged / agent):
                raise Restage  # a log the stage cuts apart: its new lines may be another session's
            look.indexed[owner[0]] = owner[1:]
            continue
        if found.stage is not None and (found.passes is None or not found.passes(Path(p), staged / agent)):
            # An agent whose logs pass through a stage (a compressed rollout read from its plain
            # copy): a log indexed under its own path is one the stage passed as it is; a new one
            # goes through the stage, which decides over all of the agent's files, unless the
            # agent says the stage would pass it on as it is.
            raise Restage
        _look_around_new(conn, agent, roots, patterns, p, look)
    return look


def _look_around_new(
    conn: sqlite3.Connection, agent: str, roots: list[Path], patterns: tuple[str, ...], p: str, look: _Look
) -> None:
    """A new log: the files it could group with are beside it, under a folder named after it, or a
    log named after one of its folders (a Claude subagent's parent transcript)."""
    beside = _logs_in(os.path.dirname(p), patterns)
    stem = os.path.join(os.path.dirname(p), os.path.basename(p).split(".", 1)[0])
    under = _logs_under(stem, patterns, MAX_NEIGHBOURS) if os.path.isdir(stem) else []
    if len(beside) > MAX_NEIGHBOURS:
        # A crowded folder: the reader groups the new log with every name in it, and only the
        # neighbours it joins are looked at further; the scope's own grouping must agree.
        look.crowd[p] = beside
        beside = sorted(_kin(agent, p, [*beside, *under]))
    look.files.update(beside)
    look.files.update(under)
    for main, rest in _groups_under(conn, stem).items():
        look.indexed[main] = rest
    top = [os.path.abspath(r) for r in roots]
    folder = os.path.dirname(p)
    while folder and folder not in top and any(folder.startswith(t + os.sep) for t in top):
        for main, rest in _named_after(conn, folder).items():
            look.indexed[main] = rest
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent


def _stats_and_sidecars(
    store: Store,
    conn: sqlite3.Connection,
    agent: str,
    roots: list[Path],
    files: list[str],
    look: _Look,
    report: LineErrors,
) -> tuple[dict[str, tuple[int, int]], dict[str, Sidecar]]:
    """Each of the scope's `files` stat'd, and its sidecar where the bucket has one (a damaged one of
    an indexed group's file rebuilt); Unscoped where the whole sync must decide."""
    members_of = {f for _, members, _ in look.indexed.values() for f in members}
    stats: dict[str, tuple[int, int]] = {}
    sidecars: dict[str, Sidecar] = {}
    for f in files:
        if _leads_out(f, roots):
            raise Unscoped  # a log linked out of its source folder: the whole sync refuses it in one line
        try:
            st = os.stat(f)
        except OSError:
            raise Unscoped from None  # a log gone: the whole sync keeps its session with a note
        try:
            f.encode("utf-8")
        except UnicodeEncodeError:  # the whole sync says which name it cannot record
            raise Unscoped from None
        sc = store.load(agent, f)
        if sc is None and f in members_of:
            sc = store.repair(agent, f)
            if sc is not None:
                report.append(LineError(f, 0, "the bucket's record of this log was damaged; "
                                              "rebuilt it from its copy"))  # fmt: skip
        if sc is not None:
            sidecars[f] = sc
            if f not in members_of and f not in look.new and _group_of(conn, f) is not None:
                # Read before, in a group we did not look at: its group is one the scope missed.
                # (One in no group at all, a file its reader set aside, is grouped again as in a
                # whole sync: a Copilot checkpoint whose session's events are not there.)
                raise Unscoped
        stats[f] = (st.st_size, st.st_mtime_ns)
    return stats, sidecars


def _check_formed(agent: str, groups: list[list[str]], files: set[str], look: _Look) -> None:
    """Unscoped unless the groups formed from the scope's `files` agree with the whole sync's."""
    formed = {g[0] for g in groups}
    grouped = {f for g in groups for f in g}
    for p, beside in look.crowd.items():
        # The group formed here for a new log in a crowded folder is the one the reader forms with
        # every log of that folder besides.
        if next((set(g) for g in groups if p in g), {p}) != _kin(agent, p, [*beside, *files]):
            raise Unscoped
    for main, (_a, members, _sig) in look.indexed.items():
        # An indexed group the reader no longer forms is dropped only where each of its files went
        # to another group, as in the whole sync; otherwise let the whole sync decide.
        if main not in formed and not all(m in grouped for m in members):
            raise Unscoped


def _leads_out(p: str, roots: list[Path]) -> bool:
    """Whether `p`, under one of `roots`, has a real path outside it (`locations.discover`)."""
    for root in roots:
        r = os.path.abspath(root)
        if p == r:
            return False
        if p.startswith(r.rstrip(os.sep) + os.sep):
            return outside(p, r) is not None
    return False


def _json_needle(p: str) -> str:
    return orjson.dumps(p).decode()


def _group_of(conn: sqlite3.Connection, p: str) -> tuple[str, str, list[str], str] | None:
    row = conn.execute("SELECT main, agent, files, sig FROM groups WHERE main=?", (p,)).fetchone()
    if row is None:
        # A companion, most often of a log named after one of its folders (`<id>.jsonl` beside
        # `<id>/subagents/`): those few groups first, by the table's key.
        folder = os.path.dirname(p)
        for _ in range(4):
            for main, (agent, files, sig) in _named_after(conn, folder).items():
                if p in files:
                    return main, agent, files, sig
            folder = os.path.dirname(folder)
    if row is None:
        # Else any group: the groups table keeps its files as a JSON list, where it is one quoted item.
        row = conn.execute(
            "SELECT main, agent, files, sig FROM groups WHERE instr(files, ?) > 0 LIMIT 1", (_json_needle(p),)
        ).fetchone()
    if row is None:
        return None
    return row[0], row[1], orjson.loads(row[2]), row[3]


def _groups_by_main(conn: sqlite3.Connection, mains: set[str]) -> Indexed:
    out: Indexed = {}
    listed = sorted(mains)
    for at in range(0, len(listed), 500):
        chunk = listed[at : at + 500]
        marks = ",".join("?" * len(chunk))
        for main, agent, files, sig in conn.execute(
            f"SELECT main, agent, files, sig FROM groups WHERE main IN ({marks})", chunk
        ):
            out[main] = (agent, orjson.loads(files), sig)
    return out


def _groups_under(conn: sqlite3.Connection, folder: str) -> Indexed:
    """Indexed groups with a file under `folder` (a subagent that was its own session until now)."""
    needle = _json_needle(folder + os.sep)[:-1]
    rows = conn.execute("SELECT main, agent, files, sig FROM groups WHERE instr(files, ?) > 0", (needle,))
    return {main: (agent, orjson.loads(files), sig) for main, agent, files, sig in rows}


def _named_after(conn: sqlite3.Connection, folder: str) -> Indexed:
    """Indexed groups whose main log is `folder` with a suffix (`<id>.jsonl` beside `<id>/`)."""
    rows = conn.execute(
        "SELECT main, agent, files, sig FROM groups WHERE main > ? AND main < ?", (folder + ".", folder + "/")
    )
    return {
        main: (agent, orjson.loads(files), sig)
        for main, agent, files, sig in rows
        if os.path.dirname(main) == os.path.dirname(folder)
    }


def _logs_in(folder: str, patterns: tuple[str, ...]) -> list[str]:
    out = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if any(fnmatch.fnmatchcase(entry.name, pat) for pat in patterns) and entry.is_file():
                    out.append(os.path.join(folder, entry.name))
    except OSError:
        raise Unscoped from None
    return out


def _kin(agent: str, p: str, beside: list[str]) -> set[str]:
    """The files of the group the reader forms for `p` among all of `beside`. Grouping works on
    names (and a file's head where its name does not say its session): no sidecar, no stat."""
    try:
        formed = readers.reader(agent).group([Path(f) for f in sorted({*beside, p})])
    except Exception:  # a reader's bug: the whole sync reports it in one line and keeps the rest
        raise Unscoped from None
    for g in formed:
        members = {str(f) for f in g.all}
        if p in members:
            return members
    return {p}  # a file the reader groups with nothing (not a log of its): as the scope's grouping says


def _logs_under(folder: str, patterns: tuple[str, ...], limit: int) -> list[str]:
    out: list[str] = []
    for dirpath, _dirs, names in walk(folder):
        for name in names:
            if any(fnmatch.fnmatchcase(name, pat) for pat in patterns):
                out.append(os.path.join(dirpath, name))
                if len(out) > limit:
                    raise Unscoped
    return out


def shard_sig(writers: shards.Writers, shard: int, main: str) -> str | None:
    """The signature `main`'s steps were written at in its shard (None: not there)."""
    if not shards.path(writers.root, shard).exists():
        return None
    try:
        got = writers[shard].execute("SELECT sig FROM held WHERE gkey=?", (shards.gkey(main),)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if got is None else str(got[0])
