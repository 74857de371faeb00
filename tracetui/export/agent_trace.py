"""The `agent-trace` export format: Agent Trace records (agent-trace.dev) of the files each session's
surviving work touches at the reference, one JSON Lines file per session (docs/export.md).

Each record is one file at the reference revision as `tracetui blame FILE --format agent-trace`
makes it (blame.agent_trace), holding only the session's own lines: `ai` where they are as the
session wrote them, `mixed` where they were edited since (transformed); the survival state of each
range and the session's line counts are under `metadata["dev.tracetui"]`. A session without a
repository, or none of whose work survives there, is skipped with the reason (`report.skipped`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from tracetui.blame import FileBlame, agent_trace, blame_file
from tracetui.errors import TracetuiError
from tracetui.export.manifest import safe_component
from tracetui.trail import trail

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Prepared, Reviewed
    from tracetui.model import SessionSummary

SURVIVING = ("alive", "transformed")
META = "dev.tracetui"


class AgentTraceWriter:
    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter

    def digest_extra(self, summary: SessionSummary) -> bytes:
        """The reference's commit: the records' line numbers move with it even where no fate does."""
        ex = self.exporter
        try:
            session = ex.library.session(summary.id)
            found = trail(session, repo=ex.options.repo, ref=ex.options.ref, cache_dir=ex.library.cache_dir)
        except TracetuiError:
            return b""
        return (found.ref_commit or "").encode()

    def write(self, reviewed: list[Reviewed], step: Callable[[str], None]) -> None:
        ex = self.exporter
        for item in reviewed:
            prepared = None if ex.keep_session(item) else ex.prepare(item.summary.id)
            if prepared is not None:
                self._one(prepared, item.digest)
            step(item.summary.id)

    def _one(self, prepared: Prepared, digest: str) -> None:
        ex = self.exporter
        session = prepared.session
        found = prepared.outcome
        files = sorted({f.path_now or f.patch.path for f in found.fates if f.state in SURVIVING and f.patch.inside})
        if found.repo is None:
            ex.skip(session.id, found.note or "no repository holds its files")
            return
        if not files:
            ex.skip(session.id, f"none of its work survives at {ex.options.ref} in {found.repo}")
            return
        records, missed = session_records(ex.library, session.id, found.repo, files, ex.options.ref, found.labels())
        if not records:
            ex.skip(session.id, f"its files could not be blamed at {ex.options.ref}: {missed[0]}")
            return
        rel = f"traces/{safe_component(session.agent)}/{safe_component(session.id)}.jsonl"
        members = ex.gated(prepared, lambda: {rel: _jsonl(prepared.scrubbed.deep(records))})
        if members is None:
            return
        data = members[rel]
        receipt_file, entry = ex.receipt(prepared, data)
        ex.record(prepared, digest, [ex.dest.write(rel, data), receipt_file], entry)


def session_records(
    library: Any, session_id: str, repo: str, files: list[str], ref: str, labels: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """One record per file that holds lines of the session at `ref`, and why the others made none."""
    records: list[dict[str, Any]] = []
    missed: list[str] = []
    survival = {k[len("lines_"):]: v for k, v in labels.items() if k.startswith("lines_") and isinstance(v, int)}
    for rel in files:
        try:
            blamed = blame_file(library, os.path.join(repo, rel), repo=repo, ref=ref)
        except TracetuiError as exc:
            missed.append(f"{rel}: {exc}")
            continue
        record = agent_trace(library, blamed, _when(blamed), only=session_id)
        if not record["files"]:
            missed.append(f"{rel}: no line of the session is in it at {ref}")
            continue
        meta = record["metadata"][META]
        meta["repository"] = os.path.basename(repo.rstrip("/")) or repo
        # The session's whole survival (its added lines by state), beside this file's ranges.
        meta["survival"] = survival
        records.append(record)
    return records, missed


def _when(blamed: FileBlame) -> datetime | None:
    """The record's time: its newest line's commit, so the same revision gives the same bytes."""
    times = [line.committed for line in blamed.lines if line.committed]
    if not times:
        return None
    try:
        return datetime.fromisoformat(max(times).replace("Z", "+00:00"))
    except ValueError:
        return None


def _jsonl(records: Any) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)
