"""A write worker of a Parquet, ATIF or raw export: `python -m tracetui.export.write_worker`, fed
session ids over a pipe by `tracetui.export.write_pool` (messages there).

It reads the bucket's index only (opened read-only: the exporting process owns the bucket); what it
writes under the bucket's cache (a session's gate memo, a plan made again) is written whole and
renamed into place, and no two workers are given one session.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

from tracetui.bucket import Bucket
from tracetui.export import atif
from tracetui.export.files_made import Written
from tracetui.export.manifest import Dest
from tracetui.export.parquet_made import Made, ahead_of, made_of
from tracetui.export.run import Exporter, ExportReport, _verdict
from tracetui.export.short_scans import ShortScans
from tracetui.export.writers import RawWriter
from tracetui.export.write_pool import Answer, Verdict, WriteSetup
from tracetui.redact import TextScanner, refresh_plan
from tracetui.worker_pipes import recv, send
from tracetui.worker_pool import pickled_answer, set_up


class _Shelf(Bucket):
    """The bucket as a worker reads it: its index read-only, its plans and caches where the
    exporting process keeps them (a read-only bucket has none)."""

    shelf_cache: Path
    shelf_plans: Path

    @property
    def cache_dir(self) -> Path | None:
        return self.shelf_cache

    @property
    def plans_dir(self) -> Path | None:
        return self.shelf_plans


def exporter(setup: WriteSetup) -> Exporter:
    """An exporter as the exporting process's, for one session at a time; its folder is never
    written (the exporting process writes what the worker sends back)."""
    bucket = _Shelf.open(setup.root, read_only=True)
    bucket.shelf_cache, bucket.shelf_plans = Path(setup.cache_dir), Path(setup.plans_dir)
    options = setup.options
    ex = Exporter(bucket, Dest(Path(), options.format, None), options, ExportReport(Path(), options.format))
    ex.scanner = ShortScans(TextScanner(workers=1))  # here: this worker is one of a pool per core
    ex.plan_workers = 0
    ex._rated = setup.ratings
    ex.spill.dir = Path(setup.spill)
    return ex


def review_one(ex: Exporter, session_id: str, judge: bool) -> Verdict:
    """The session's review as the exporting process's (`run._verdict`), its plan refreshed here;
    the format's own part of the digest (`digest_extra`: the raw format's logs) read here too."""
    session = ex.library.session(session_id)
    plan = refresh_plan(session, ex.store, workers=0)
    extra = RawWriter(ex).logs_digest(session_id) if ex.options.format == "raw" else b""
    return _verdict(ex, session, plan, judge, extra)


def write_one(ex: Exporter, session_id: str, keys: dict[str, Any] | None) -> Answer:
    """What the session gives its partition (Parquet) or the files it writes (ATIF, raw), and what this
    worker's report gained meanwhile."""
    report = ex.report
    report.refused, report.warnings = [], []
    made: Made | Written | None
    if ex.options.format == "parquet":
        assert keys is not None
        made = made_of(ex, ahead_of(ex, session_id, keys))
    elif ex.options.format == "atif":
        ready = atif.ready_of(ex, session_id)
        made = atif.made_of(ex, ready) if ready is not None else None
    else:
        writer = RawWriter(ex)
        raw_ready = writer.ready(session_id)
        # The names its files and its gate's rows have; not those of the strings no field shows,
        # which this process also names one session ahead, before the session before is written.
        writer.laid_out = []
        made = writer.made(raw_ready) if raw_ready is not None else None
        return Answer(made, report.refused, report.warnings, writer.laid_out)
    return Answer(made, report.refused, report.warnings)


def serve() -> None:
    """Set up from the first message (a failure is answered once, and this worker returns: the
    exporting process then does every session itself), then answer each session it is sent."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    ex = set_up(stdin, stdout, lambda first: exporter(pickle.loads(first)))
    if ex is None:
        return
    while (message := recv(stdin)) is not None:
        kind, session_id, arg = pickle.loads(message)
        answer: tuple[str, Any]
        try:
            done = review_one(ex, session_id, arg) if kind == "review" else write_one(ex, session_id, arg)
            answer = ("answer", done)
        except Exception as exc:  # raised in the exporting process as it would have been raised there
            answer = ("error", exc)
        send(stdout, pickled_answer(answer, f"writing session {session_id}"))


if __name__ == "__main__":
    serve()
