"""The format writers, by name. Each takes the `Exporter` and writes the reviewed sessions in order."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from tracetui.errors import TracetuiError
from tracetui.export import raw
from tracetui.export.manifest import safe_component

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Reviewed
    from tracetui.model import SessionSummary


class Writer(Protocol):
    def __init__(self, exporter: Exporter) -> None: ...

    def digest_extra(self, summary: SessionSummary) -> bytes:
        """What the format reads besides the session and its plan (the raw logs' bytes), for the digest."""
        ...

    def write(self, reviewed: list[Reviewed], step: Callable[[str], None]) -> None: ...


class RawWriter:
    """`sessions/<agent folder>/<file>`: the agent's own files, scrubbed in place (raw.py)."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        raw_files = getattr(exporter.library, "raw_files", None)
        if raw_files is None:
            raise TracetuiError("the raw format needs a bucket: it exports the bucket's copies of the logs")
        self.raw_files = raw_files

    def digest_extra(self, summary: SessionSummary) -> bytes:
        h = hashlib.sha256()
        for log in self.raw_files(summary.id):
            h.update(log.data)
        return h.digest()

    def write(self, reviewed: list[Reviewed], step: Callable[[str], None]) -> None:
        ex = self.exporter
        for item in reviewed:
            sid = item.summary.id
            if not ex.keep_session(item):
                self._one(item)
            step(sid)

    def _one(self, item: Reviewed) -> None:
        ex = self.exporter
        prepared = ex.prepare(item.summary.id)
        spelled = raw.spellings(prepared.scrubbed)
        placed = raw.layout(prepared.session.agent, self.raw_files(item.summary.id), spelled)
        members: dict[str, bytes] = {}
        for rel, log in placed:
            if rel in ex.dest.files or rel in members:
                # Two sessions' files of one name (agents that name files by time): one folder each.
                head, _, tail = rel.partition("/")
                agent_dir, _, rest = tail.partition("/")
                rel = f"{head}/{agent_dir}/{safe_component(item.summary.id)}/{rest}"
            members[rel] = raw.scrub_bytes(log.data, spelled)
        if not ex.gate(prepared, {rel: raw.gate_view(data) for rel, data in members.items()}):
            return
        files = [ex.dest.write(rel, data) for rel, data in members.items()]
        receipt_file, entry = ex.receipt(prepared, b"".join(members.values()))
        ex.record(prepared, item.digest, [*files, receipt_file], entry)


def get(name: str) -> Any:
    if name == "raw":
        return RawWriter
    if name == "parquet":
        from tracetui.export.parquet import ParquetWriter

        return ParquetWriter
    if name == "atif":
        from tracetui.export.atif import AtifWriter

        return AtifWriter
    if name in ("html", "md"):
        from tracetui.export.page import PageWriter

        return PageWriter
    raise TracetuiError(f"the {name} format is not available in this version")
