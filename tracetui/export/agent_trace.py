"""The `agent-trace` export format: Agent Trace records (agent-trace.dev) of the files each session's
surviving work touches at the reference, one JSON Lines file per session (docs/internals/export.md).

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
import pygit2

from tracetui.blame import FileBlame, Judged, agent_trace, blame_file, open_index
from tracetui.errors import TracetuiError
from tracetui.export.manifest import safe_component
from tracetui.regular_file import NotRegularFile, discover_git_dir
from tracetui.safe_json import plain_json

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Prepared, Reviewed
    from tracetui.model import SessionSummary

SURVIVING = ("alive", "transformed")
META = "dev.tracetui"


class AgentTraceWriter:
    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter

    def digest_extra(self, summary: SessionSummary) -> bytes:
        """The reference's commit (the review judged the session's outcome at it just before): the
        records' line numbers move with it even where no fate does."""
        return (self.exporter.ref_commits.get(summary.id) or "").encode()

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
            ex.skip(session.id, found.note or "no repository holds its files", lasting=True)
            return
        if not files:
            ex.skip(session.id, f"none of its work survives at {ex.options.ref} in {found.repo}", lasting=True)
            return
        # The repository the user named (a bare mirror: the trail names the folder it sits in), else the trail's.
        repo = ex.options.repo or found.repo
        name = os.path.basename(found.repo.rstrip("/")) or found.repo  # the folder's name, never the path
        records, missed = session_records(
            ex.library, session.id, repo, files, ex.options.ref, found.labels(), name, {session.id: found.fates}
        )
        if not records:
            ex.skip(session.id, f"blame gives it no line of its {len(files)} file(s) at {ex.options.ref} ({missed[0]})")
            return
        rel = f"traces/{safe_component(session.agent)}/{safe_component(session.id)}.jsonl"
        members = ex.gated(prepared, lambda: {rel: _jsonl(prepared.scrubbed.deep(records))})
        if members is None:
            return
        data = members[rel]
        receipt_file, entry = ex.receipt(prepared, data)
        ex.record(prepared, digest, [ex.dest.write(rel, data), receipt_file], entry)


def session_records(
    library: Any,
    session_id: str,
    repo: str,
    files: list[str],
    ref: str,
    labels: dict[str, Any],
    name: str,
    judged: dict[str, list[Any]],
) -> tuple[list[dict[str, Any]], list[str]]:
    """One record per file that holds lines of the session at `ref`, and why the others made none.
    `judged`: the fates already judged at `ref` (the session's own, from its outcome), by session."""
    records: list[dict[str, Any]] = []
    missed: list[str] = []
    survival = {k[len("lines_"):]: v for k, v in labels.items() if k.startswith("lines_") and isinstance(v, int)}
    top = _work_tree(repo)
    shared: dict[str, Judged] = dict(judged)  # each writing session's fates, judged once for all files
    index, _ = open_index(library)  # refreshed once for all the files
    try:
        blamed_files = []
        for rel in files:
            try:
                # blame takes a file as a user names it: under the work tree, or relative in a bare clone.
                where = os.path.join(top, rel) if top else rel
                blamed = blame_file(library, where, repo=repo, ref=ref, judged=shared, index=index)
                blamed_files.append(blamed)
            except TracetuiError as exc:
                missed.append(f"{rel}: {exc}")
    finally:
        index.close()
    for blamed in blamed_files:
        rel = blamed.path
        record = agent_trace(library, blamed, _when(blamed), only=session_id)
        if not record["files"]:
            missed.append(f"{rel}: no line of the session is in it at {ref}")
            continue
        meta = record["metadata"][META]
        meta["repository"] = name
        # The session's whole survival (its added lines by state), beside this file's ranges.
        meta["survival"] = survival
        records.append(record)
    return records, missed


def _work_tree(repo: str) -> str | None:
    """The repository's work tree, None for a bare clone (a mirror) or no repository."""
    try:
        found = discover_git_dir(repo)  # a FIFO among its files blocked the open for ever
        return None if found is None else pygit2.Repository(found).workdir
    except (pygit2.GitError, ValueError, KeyError, NotRegularFile):
        return None


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
    return b"".join(plain_json(orjson.dumps(r)) + b"\n" for r in records)
