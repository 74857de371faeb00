"""The format writers, by name. Each takes the `Exporter` and writes the reviewed sessions in order."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tracetui.capsule.scrub import Scrubbed
from tracetui.errors import TracetuiError
from tracetui.export import raw
from tracetui.export.manifest import safe_component
from tracetui.redact import AUTO, iter_fields, session_identity
from tracetui.sources import RawLog

STAGED = (
    "the bucket keeps it as a staged file of its own, not the agent's files (export it as parquet or atif)"
)
UNSHOWN = (
    "suggested findings in parts of its log that tracetui does not show, so no review could decide them "
    "(pass --accept-suggested to scrub them)"
)

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
        from tracetui.export.card import license_id

        license_id(exporter.options.license)
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
        if self.exporter.dest.sessions:  # a card for a folder of sessions: an export of none makes nothing
            self._card(reviewed)

    def _card(self, reviewed: list[Reviewed]) -> None:
        """The dataset card (README.md), as community datasets of raw sessions carry one."""
        from tracetui.export.card import contents, raw_card
        from tracetui.export.tables import month_of

        ex = self.exporter
        months = [month_of(r.summary.started) for r in reviewed if r.summary.id in ex.dest.sessions]
        about = contents(ex.dest.sessions, months, None)
        ex.dest.write("README.md", raw_card(ex.options.license, ex.options.ref, about, ex.library.cache_dir).encode())
        if ex.options.donation:
            from tracetui.export.receipt import RECEIPT, receipt_text

            ex.dest.write(RECEIPT, receipt_text(ex.options.license, ex.dest.sessions).encode())

    def _one(self, item: Reviewed) -> None:
        ex = self.exporter
        prepared = ex.prepare(item.summary.id)
        if prepared is None:
            return
        try:
            logs = self.raw_files(item.summary.id)
        except TracetuiError as exc:
            ex.refuse(item.summary.id, f"its log files could not be read: {exc}", [])
            return
        root = ex.library.root
        if root is not None and any(Path(log.path).is_relative_to(root) for log in logs):
            # Agents whose logs are a database or many small files (OpenCode) are kept in the bucket
            # as one staged file of tracetui's own: raw gives them back in the agent's own export
            # format, which its tools and tracetui's reader read.
            if prepared.session.agent == "opencode":
                logs = [doc for log in logs for doc in raw.opencode_documents(log)]
            elif prepared.session.agent == "gemini":
                logs = raw.gemini_files(logs, root)
            else:
                ex.refuse(item.summary.id, STAGED, [])
                return
        members = self._members(prepared.scrubbed, prepared.session.agent, logs)
        # What no reader shows (and so no plan holds) is found here: sure findings are scrubbed as the
        # plan would scrub them; suggestions need --accept-suggested, since nobody could review them.
        scrubbed = prepared.scrubbed
        shown = {f.text for f in iter_fields(prepared.clean)}
        found = raw.unplanned(
            members,
            shown,
            set(scrubbed.replacements) | scrubbed.kept_values,
            session_identity(prepared.session),
        )
        waiting = [f.where() for f in found if f.tier != AUTO]
        if waiting and not ex.options.accept_suggested:
            ex.refuse(prepared.session.id, UNSHOWN, waiting)
            return
        if found:
            chosen = raw.placeholders_for(found, scrubbed.receipt)
            wider = scrubbed.with_spellings(
                {value: placeholder for value, (placeholder, _) in chosen.items()}
            )
            rows = {r["placeholder"]: r for r in scrubbed.receipt}
            for placeholder, f in chosen.values():
                if placeholder not in rows:
                    rows[placeholder] = {
                        "placeholder": placeholder,
                        "kind": f.kind,
                        "tier": f.tier,
                        "count": 1,
                        "decided_by": "detector" if f.tier == AUTO else "user (--accept-suggested)",
                    }
            wider.receipt = [rows[p] for p in sorted(rows)]
            prepared.scrubbed = wider
            members = self._members(wider, prepared.session.agent, logs)
        agent = prepared.session.agent
        gated = ex.gated(prepared, lambda: self._members(prepared.scrubbed, agent, logs), raw.gate_view)
        if gated is None:
            return
        members = gated
        files = [ex.dest.write(rel, data) for rel, data in members.items()]
        receipt_file, entry = ex.receipt(prepared, b"".join(members.values()))
        ex.record(prepared, item.digest, [*files, receipt_file], entry)

    def _members(self, scrubbed: Scrubbed, agent: str, logs: list[RawLog]) -> dict[str, bytes]:
        spelled = raw.spellings(scrubbed)
        members: dict[str, bytes] = {}
        folded: set[str] = set()
        dest = self.exporter.dest

        def taken(rel: str) -> bool:
            # Exactly, or on a disk that does not tell case apart (macOS, Windows).
            return rel in dest.files or dest.taken(rel) or rel.casefold() in folded

        for rel, log in raw.layout(agent, logs, spelled, scrubbed.session.id):
            head, _, tail = rel.partition("/")
            agent_dir, _, rest = tail.partition("/")
            if taken(rel):
                # Two sessions' files of one name (agents that name files by time): one folder each.
                rel = f"{head}/{agent_dir}/{safe_component(scrubbed.session.id)}/{rest}"
            if taken(rel):
                # One session's two files of one name but for case: the names made distinct in any case.
                rest = "/".join(safe_component(part) for part in rest.split("/"))
                rel = f"{head}/{agent_dir}/{safe_component(scrubbed.session.id)}/{rest}"
            members[rel] = raw.scrub_bytes(log.data, spelled)
            folded.add(rel.casefold())
        return members


def get(name: str) -> Any:
    if name == "raw":
        return RawWriter
    if name == "parquet":
        from tracetui.export.parquet import ParquetWriter

        return ParquetWriter
    if name == "atif":
        from tracetui.export.atif import AtifWriter

        return AtifWriter
    if name == "agent-trace":
        from tracetui.export.agent_trace import AgentTraceWriter

        return AgentTraceWriter
    if name in ("html", "md"):
        from tracetui.export.page import PageWriter

        return PageWriter
    raise TracetuiError(f"the {name} format is not available in this version")
