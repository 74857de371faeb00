"""`tracetui doctor`: check the whole bucket (copies, sidecars, index) and repair what can be.

What it can repair: temporary files left by a killed writer (removed), a damaged or missing sidecar
whose log the index knows (rebuilt from the copies), a copy that no longer matches its sidecar while
the log is still there (copied again as a new generation), a damaged index (rebuilt from the copies).
What it cannot, it reports: it never deletes a copy, since a copy may be the only record left.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import zstandard

from tracetui.bucket import index, ratings, shards
from tracetui.bucket.core import Bucket
from tracetui.bucket.store import Sidecar, Store, _decompressed, file_key
from tracetui.regular_file import sweep_temp_files
from tracetui.errors import TracetuiError


@dataclass(slots=True)
class Problem:
    what: str
    where: str
    repaired: bool

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "where": self.where, "repaired": self.repaired}


@dataclass(slots=True)
class DoctorReport:
    problems: list[Problem] = field(default_factory=list)
    copies: int = 0  # generations checked

    @property
    def healthy(self) -> bool:
        return all(p.repaired for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"problems": [p.to_dict() for p in self.problems], "healthy": self.healthy, "copies": self.copies}


def doctor(bucket: Bucket, progress: Callable[[int, int], None] | None = None) -> DoctorReport:
    """Check the bucket (a thorough read of its index and shards, and every copy's digest: a minute or
    more on a bucket of gigabytes) and repair what can be; `progress(done, total)` counts the logs
    whose copies are checked."""
    if bucket.read_only:
        raise TracetuiError(f"the bucket {bucket.root} is read-only: doctor needs to write its repairs")
    report = DoctorReport()
    store = Store(bucket.root)
    store.ensure()
    swept = sweep_temp_files(store.dir) + sweep_temp_files(bucket.root)
    if swept:
        report.problems.append(Problem(f"{swept} temporary file(s) left by a writer that died", str(store.dir), True))

    # The index first: its list of every group's files is what sidecar repairs go by.
    conn = bucket._conn()
    problem = index.check(conn, thorough=True)
    if problem is not None:
        bucket._rebuild(problem)
        report.problems.append(Problem(f"the index was damaged ({problem})", str(bucket.index_path), True))
        conn = bucket._conn()
    for k, why in bucket._heal_shards(thorough=True).items():
        report.problems.append(Problem(f"a step shard was damaged ({why}); its sessions were read again",
                                       str(shards.path(bucket.root, k)), True))  # fmt: skip
        conn = bucket._conn()
    try:
        known = index.load_group_files(conn)
    except sqlite3.DatabaseError as exc:
        bucket._rebuild(str(exc))
        report.problems.append(Problem(f"the index was damaged ({exc})", str(bucket.index_path), True))
        known = index.load_group_files(bucket._conn())
    paths = {file_key(agent, p): (agent, p) for agent, files in known.values() for p in files}

    sidecars = store.load_all()
    have = {sc.key for sc in sidecars.values()}
    for name in sorted(os.listdir(store.dir)):
        if not name.endswith(".json") or name.startswith("."):
            continue
        key = name[: -len(".json")]
        if key in have:
            continue
        where = str(store.dir / name)
        if key in paths:
            repaired = store.repair(*paths[key])
            report.problems.append(Problem("a damaged sidecar", where, repaired is not None))
            if repaired is not None:
                sidecars[(repaired.agent, repaired.path)] = repaired
        else:
            report.problems.append(Problem("a damaged sidecar of a log the index does not know; its copies are kept",
                                           where, False))  # fmt: skip
    for key, (agent, path) in paths.items():
        if (agent, path) not in sidecars and not (store.dir / f"{key}.json").exists():
            repaired = store.repair(agent, path)
            report.problems.append(Problem("a missing sidecar", path, repaired is not None))
            if repaired is not None:
                sidecars[(agent, path)] = repaired

    for n, sc in enumerate(sidecars.values(), 1):
        _check_copies(store, sc, report)
        if progress is not None:
            progress(n, len(sidecars))
    keys = {sc.key for sc in sidecars.values()}
    orphans = sorted({n.split(".")[0] for n in os.listdir(store.dir) if n.count(".") == 2 and not n.startswith(".")} - keys)
    for key in orphans:
        report.problems.append(Problem("copies with no sidecar and no log the index knows (kept)", f"{store.dir}/{key}.*",
                                       False))  # fmt: skip
    _check_ratings(bucket, conn if problem is None else bucket._conn(), report)
    return report


def _check_ratings(bucket: Bucket, conn: sqlite3.Connection, report: DoctorReport) -> None:
    """The people's ratings: lines that are no rating are named (kept: a person may mend them), and
    ratings of sessions the bucket no longer holds are said (kept: a sync may bring them back)."""
    path = bucket.root / ratings.FILE_NAME
    try:
        found, bad = ratings.read(bucket.root)
    except TracetuiError as exc:
        report.problems.append(Problem(f"the ratings cannot be read ({exc})", str(path), False))
        return
    if bad:
        shown = ", ".join(str(n) for n in bad[:5]) + (", ..." if len(bad) > 5 else "")
        report.problems.append(Problem(f"{len(bad)} line(s) of the ratings are no rating (line {shown}); "
                                       "they are passed over and kept", str(path), False))  # fmt: skip
    ids = {r.session for r in found}
    if ids:
        held = {row[0] for row in conn.execute("SELECT id FROM sessions")}
        missing = sorted(ids - held)
        if missing:
            report.problems.append(Problem(f"{len(missing)} rated session(s) are not in the bucket (kept, "
                                           f"e.g. {missing[0]})", str(path), True))  # fmt: skip


def _check_copies(store: Store, sc: Sidecar, report: DoctorReport) -> None:
    bad = []
    for g in sc.generations():
        report.copies += 1
        if g.offset == 0:
            continue
        h, n = hashlib.sha256(), 0
        try:
            for chunk in _decompressed(g.codec, store._copy_path(g, sc.key), g.stored):
                chunk = chunk[: g.offset - n]
                h.update(chunk)
                n += len(chunk)
                if n >= g.offset:
                    break
        except (OSError, zlib.error, zstandard.ZstdError):
            pass
        if n < g.offset or (g.digest and h.hexdigest()[:32] != g.digest):
            bad.append(g)
    if not bad:
        return
    where = str(store._copy_path(bad[0], sc.key))
    if os.path.isfile(sc.path):
        try:
            store.recopy(sc.agent, sc.path, sc)
            report.problems.append(Problem("a damaged copy; copied the log again", where, True))
            return
        except (OSError, TracetuiError):
            pass
    readable = len(bad) < len(sc.generations())
    what = "a damaged copy; another generation of the log is intact" if readable else "a damaged copy, and the log is gone"
    report.problems.append(Problem(what, where, readable))
