"""The format writers, by name. Each takes the `Exporter` and writes the reviewed sessions in order."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tracetui.capsule.scrub import Scrubbed
from tracetui.errors import TracetuiError
from tracetui.export import raw, write_pool
from tracetui.export.ahead import write_ahead
from tracetui.export.files_made import Written, put, to_write, write_pooled
from tracetui.export.manifest import safe_component
from tracetui.redact import AUTO, Finding, Identity, iter_fields
from tracetui.sources import RawLog

STAGED = (
    "the bucket keeps it as a staged file of its own, not the agent's files (export it as parquet or atif)"
)
UNSHOWN = (
    "suggested findings in parts of its log that tracetui does not show, so no review could decide them "
    "(pass --accept-suggested to scrub them)"
)

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Prepared, Reviewed, Warmed
    from tracetui.export.write_pool import Answer
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
        # A write worker's: each naming of the session's logs (`_named`), sent back for `fits`.
        self.laid_out: list[tuple[str, list[str]]] | None = None

    def digest_extra(self, summary: SessionSummary) -> bytes:
        return self.logs_digest(summary.id)

    def logs_digest(self, session_id: str) -> bytes:
        """The digest of the session's logs as the bucket keeps them (a review worker's too)."""
        h = hashlib.sha256()
        for log in self.raw_files(session_id):
            h.update(log.data)
        return h.digest()

    def write(self, reviewed: list[Reviewed], step: Callable[[str], None]) -> None:
        ex = self.exporter
        todo = to_write(ex, reviewed)
        pool = write_pool.start(ex, [item.summary for item in todo])
        if pool is not None:  # made on the write workers, written here (export/write_pool.py)
            made = pool.made(todo, lambda item: None, self._made_here, self.fits)
            write_pooled(ex, reviewed, todo, made, step)
        else:
            # One session ahead: its logs scrubbed, the strings no field shows scanned and its gate's
            # scans started on the workers before the one before is judged and written.
            write_ahead(
                reviewed, self._ready, self._write, ex.keep_session, lambda item: step(item.summary.id)
            )
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

    def _ready(self, item: Reviewed) -> _RawReady | None:
        """The session's logs scrubbed and its gate warmed; None where its earlier files stay, or it is
        refused before the gate (`keep_session` is left for its turn)."""
        ex = self.exporter
        if ex.dest.unchanged("sessions", item.summary.id, item.digest) is not None:
            return None
        return self.ready(item.summary.id)

    def ready(self, session_id: str) -> _RawReady | None:
        """`_ready` with no look at the folder's earlier files: a write worker's."""
        ex = self.exporter
        prepared = ex.prepare(session_id)
        logs = self._logs(prepared) if prepared is not None else None
        if prepared is None or logs is None:
            return None
        agent = prepared.session.agent
        members = self._members(prepared.scrubbed, agent, logs)
        if not self._unshown_scrubbed(prepared, members):
            return None
        if prepared.scrubbed is not members.scrubbed:
            members = self._members(prepared.scrubbed, agent, logs)
        ready = _RawReady(self, prepared, agent, logs, members)
        ready.warmed = ex.warm(prepared, ready.build, raw.gate_view)
        return ready

    def _logs(self, prepared: Prepared) -> list[RawLog] | None:
        """The session's files in the agent's own format; None (and the session refused) where there
        are none to give."""
        ex, sid = self.exporter, prepared.session.id
        try:
            logs = self.raw_files(sid)
        except TracetuiError as exc:
            ex.refuse(sid, f"its log files could not be read: {exc}", [])
            return None
        root = ex.library.root
        if root is None or not any(Path(log.path).is_relative_to(root) for log in logs):
            return logs
        # Agents whose logs are a database or many small files (OpenCode) are kept in the bucket as one
        # staged file of tracetui's own: raw gives them back in the agent's own export format, which
        # its tools and tracetui's reader read.
        if prepared.session.agent == "opencode":
            return [doc for log in logs for doc in raw.opencode_documents(log)]
        if prepared.session.agent == "gemini":
            return raw.gemini_files(logs, root)
        ex.refuse(sid, STAGED, [])
        return None

    def _unshown_scrubbed(self, prepared: Prepared, members: _Members) -> bool:
        """What no reader shows (and so no plan holds), found in the scrubbed logs: sure findings are
        scrubbed as the plan would scrub them (`prepared.scrubbed` widened); suggestions need
        --accept-suggested, since nobody could review them. False where the session is refused."""
        ex = self.exporter
        scrubbed = prepared.scrubbed
        shown = {f.text for f in iter_fields(prepared.clean)}
        identity, memo = ex.gate_memo(prepared)

        def scan_many(texts: list[str], who: Identity) -> list[list[Finding]]:
            # On every core, by the gate's own scan: the gate reads these strings too, and is told
            # what it would find in them.
            found = ex.scanner.scan(texts, who)
            memo.fill(texts, found)
            return found

        found = raw.unplanned(
            members.files, shown, set(scrubbed.replacements) | scrubbed.kept_values, identity, scan_many
        )
        waiting = [f.where() for f in found if f.tier != AUTO]
        if waiting and not ex.options.accept_suggested:
            ex.refuse(prepared.session.id, UNSHOWN, waiting)
            return False
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
        return True

    def _write(self, item: Reviewed, ready: _RawReady) -> None:
        written = self.made(ready)
        if written is not None:
            put(self.exporter, item, written)

    def _made_here(self, item: Reviewed) -> Written | None:
        ready = self.ready(item.summary.id)
        return self.made(ready) if ready is not None else None

    def fits(self, item: Reviewed, answer: Answer) -> bool:
        """Whether a worker's names for the session's logs (in its files, or in the rows of its refusal)
        are the ones this process gives them now: a worker names them as if no other session's file
        took one (it sees no folder), which holds unless one did."""
        dest = self.exporter.dest

        def taken(rel: str) -> bool:
            return rel in dest.files or dest.taken(rel)

        return all(_chosen(laid, sid, taken) == _chosen(laid, sid, _free) for sid, laid in answer.laid_out)

    def made(self, ready: _RawReady) -> Written | None:
        """The session's log files and receipt as they are written; None where the second gate stops
        it. In the exporting process or a write worker: the same code, so the same bytes."""
        ex = self.exporter
        prepared, warmed = ready.prepared, ready.warmed
        if warmed is not None and not ready.current():
            # The session before took one of its files' names: they are named again. Their texts are
            # the same, and what the workers found in them is kept for the gate.
            warmed.memo.fill(warmed.unknown, ex.scanner.results(warmed.scanning))
            warmed = None
        members = ex.gated(prepared, ready.build, raw.gate_view, warmed=warmed)
        if members is None:
            return None
        receipt_rel, receipt, entry = ex.receipt_file(prepared, b"".join(members.values()))
        session = prepared.session
        return Written(session.id, session.agent, [*members.items(), (receipt_rel, receipt)], entry)

    def _members(self, scrubbed: Scrubbed, agent: str, logs: list[RawLog]) -> _Members:
        """The session's log files scrubbed under `scrubbed`, by their names in the export."""
        spelled, named = self._named(scrubbed, agent, logs)
        return _Members(scrubbed, {rel: raw.scrub_bytes(log.data, spelled) for rel, log in named})

    def _named(
        self, scrubbed: Scrubbed, agent: str, logs: list[RawLog]
    ) -> tuple[Scrubbed, list[tuple[str, RawLog]]]:
        """The value map with its escaped spellings, and each log's name in the export: its own, unless
        a file written already (or another of the session's) has it."""
        spelled = raw.spellings(scrubbed)
        laid = raw.layout(agent, logs, spelled, scrubbed.session.id)
        laid_out = [rel for rel, _ in laid]
        if self.laid_out is not None:
            self.laid_out.append((scrubbed.session.id, laid_out))
        dest = self.exporter.dest

        def taken(rel: str) -> bool:
            # Exactly, or on a disk that does not tell case apart (macOS, Windows).
            return rel in dest.files or dest.taken(rel)

        names = _chosen(laid_out, scrubbed.session.id, taken)
        return spelled, [(name, log) for name, (_, log) in zip(names, laid)]


def _free(rel: str) -> bool:
    """No file has `rel`: the folder as a write worker sees it (none)."""
    return False


def _chosen(laid_out: list[str], session_id: str, elsewhere: Callable[[str], bool]) -> list[str]:
    """Each log's name in the export: its own, unless a file written already (`elsewhere`) or another
    of the session's has it."""
    named: list[str] = []
    folded: set[str] = set()

    def taken(rel: str) -> bool:
        return elsewhere(rel) or rel.casefold() in folded

    for rel in laid_out:
        head, _, tail = rel.partition("/")
        agent_dir, _, rest = tail.partition("/")
        if taken(rel):
            # Two sessions' files of one name (agents that name files by time): one folder each.
            rel = f"{head}/{agent_dir}/{safe_component(session_id)}/{rest}"
        if taken(rel):
            # One session's two files of one name but for case: the names made distinct in any case.
            rest = "/".join(safe_component(part) for part in rest.split("/"))
            rel = f"{head}/{agent_dir}/{safe_component(session_id)}/{rest}"
        named.append(rel)
        folded.add(rel.casefold())
    return named


@dataclass(slots=True)
class _Members:
    """A session's log files as one value map scrubbed them."""

    scrubbed: Scrubbed
    files: dict[str, bytes]


@dataclass(slots=True)
class _RawReady:
    """A session's logs scrubbed for the raw format, its gate's scans started (`Exporter.warm`)."""

    writer: RawWriter
    prepared: Prepared
    agent: str
    logs: list[RawLog]
    made: _Members
    warmed: Warmed | None = None

    def current(self) -> bool:
        """Whether the files as last made are the session's now: the gate has scrubbed no more since,
        and no file written since (the session's before it, made one ahead) took one of their names."""
        if self.made.scrubbed is not self.prepared.scrubbed:
            return False
        _, named = self.writer._named(self.made.scrubbed, self.agent, self.logs)
        return [rel for rel, _ in named] == list(self.made.files)

    def build(self) -> dict[str, bytes]:
        """The files as last made where they are current: scrubbing a session's logs is most of this
        process's work, and the gate's first round asks for the same files."""
        if not self.current():
            self.made = self.writer._members(self.prepared.scrubbed, self.agent, self.logs)
        return self.made.files


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
