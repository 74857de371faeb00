"""An export from start to end: choose, review, scrub, gate, write, record (docs/design.md, "Export").

The order matters for safety, as in a seal:
1. Review: every chosen session's redaction plan is brought up to date; while any suggestion in any
   of them waits for a decision (and `accept_suggested` is off), nothing is written, and the refusal
   lists where (session, step, field, kind, tier; never a value).
2. Each session is scrubbed under its plan by the seal's own code (`capsule.scrub.prepare`), the
   format's bytes are made from the scrubbed copy, and the seal's second gate scans them again: a
   session with a sure finding left is not written (and is named in the report).
3. Files are written atomically and the manifest last; a session (or a parquet partition) whose
   input digest is the one recorded, with its files in place, is not written again.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tracetui import __version__
from tracetui.bucket import Bucket, Rating
from tracetui.capsule import scrub
from tracetui.capsule.gate_memo import GateMemo
from tracetui.capsule.scope import SealRefused, in_scope, seal_scope
from tracetui.errors import TracetuiError
from tracetui.export.keys import ExportKeys
from tracetui.export.labels import Outcome, outcome
from tracetui.export.manifest import Dest, canonical, digest_of, safe_component
from tracetui.export.short_scans import ShortScans, Submitted
from tracetui.export.spill import Spill
from tracetui.export.tables import OWN_KEYS
from tracetui.export.write_pool import Verdict, WritePool
from tracetui.export import write_pool
from tracetui.line_cost import LineCost, line_cost, of_fates
from tracetui.trail.witness import touched_paths
from tracetui.selection import Selection, select
from tracetui.model import Session, SessionSummary
from tracetui.redact import (
    Identity, Plan, TextScanner, iter_fields, plan_store, refresh_plan, refresh_plans,
    session_identity,
)  # fmt: skip
from tracetui.redact.reviewed import ReviewedScans
from tracetui.redact.value_map import NO_OWN_KEYS

if TYPE_CHECKING:
    from tracetui.library import Library

FORMATS = ("raw", "parquet", "atif", "agent-trace", "html", "md")
# Bumped when a format's bytes change for the same input, so the next export writes everything again.
WRITER_VERSION = 4  # 4: JSON files spell the characters that act as escapes (safe_json); 3: cost per line


@dataclass(frozen=True, slots=True)
class ExportOptions:
    format: str
    accept_suggested: bool = False
    ref: str = "HEAD"
    repo: str | None = None  # the repository for the outcome labels (default: each session's cwd)
    license: str = "cc-by-4.0"  # the dataset card's licence (parquet)
    shard_rows: int = 50_000  # at most this many rows in one parquet file
    steps: tuple[int | None, int | None] | None = None  # html/md: the episode's step range
    # Remove the sessions an earlier export into the folder wrote and this one does not choose (by
    # default they stay: an export adds and updates). Not in `recorded`: it shapes no file's bytes.
    prune: bool = False
    # A team dataset's part (docs/dataset.md): the machine's id, the first partition key, and the
    # user's chosen name; both columns of every row. None for a folder export.
    machine: str | None = None
    user: str | None = None
    # raw: a donation (tracetui.export.donation), which adds its receipt, DONATION.md, to the folder.
    donation: bool = False
    # html/md: tool results folded to a line and long texts cut, so the page fits an issue (page.py).
    compact: bool = False

    def recorded(self) -> dict[str, Any]:
        """The options that shape the bytes (and so the manifest and the digests)."""
        recorded: dict[str, Any] = {
            "format": self.format,
            "accept_suggested": self.accept_suggested,
            "ref": self.ref,
            "license": self.license,
            "shard_rows": self.shard_rows,
            "steps": list(self.steps) if self.steps else None,
            # Only where set, so a folder export's digests stay what they were.
            **({"machine": self.machine, "user": self.user} if self.machine else {}),
        }
        if self.donation:  # only then: an export's digests stay what they were
            recorded["donation"] = True
        if self.compact:
            recorded["compact"] = True
        return recorded


@dataclass(frozen=True, slots=True)
class ExportProgress:
    phase: str  # "review" (plans brought up to date) or "write"
    done: int
    total: int
    session: str | None = None


ProgressCallback = Callable[[ExportProgress], None]


@dataclass(slots=True)
class ExportReport:
    dest: Path
    format: str
    sessions: int = 0
    written: int = 0  # sessions whose files were written
    unchanged: int = 0  # sessions left as the last export wrote them
    files: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)  # {"session", "reason", "findings", "kept"}
    receipts: list[dict[str, Any]] = field(default_factory=list)
    carried: int = 0  # sessions of earlier exports into the folder kept as they were (not chosen, refused)
    pruned: list[dict[str, Any]] = field(default_factory=list)  # {"session", "agent", "files"} removed
    warnings: list[str] = field(default_factory=list)  # what the user should know (a page too long)
    # Sessions the format has nothing to write for, and why (agent-trace: no repository): {"session", "reason"}
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exported(self) -> int:
        """Sessions of this export's choice that are in the folder now, written or unchanged."""
        return self.sessions - len(self.refused) - len(self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dest": str(self.dest),
            "format": self.format,
            "sessions": self.sessions,
            "written": self.written,
            "unchanged": self.unchanged,
            "files": self.files,
            "redactions": sum(r["count"] for e in self.receipts for r in e["receipt"]),
            "refused": self.refused,
            "receipts": self.receipts,
            "carried": self.carried,
            "pruned": self.pruned,
            **({"warnings": self.warnings} if self.warnings else {}),
            **({"skipped": self.skipped} if self.skipped else {}),
        }


@dataclass(slots=True)
class Reviewed:
    """A session that passed review: enough to find it again and know whether it changed."""

    summary: SessionSummary
    digest: str


@dataclass(slots=True)
class Prepared:
    """A session scrubbed under its plan, with its outcome (fates from the original, labels scrubbed)."""

    session: Session  # as the log has it (never written)
    scrubbed: scrub.Scrubbed
    outcome: Outcome
    undecided: list[dict[str, Any]] = field(default_factory=list)  # suggestions that appeared since review
    # Who the user is, and the second gate's memo of this session (`Exporter.gate_memo`), made once.
    gate: tuple[Identity, GateMemo] | None = field(default=None, repr=False)

    @property
    def clean(self) -> Session:
        return self.scrubbed.session

    def labels(self) -> dict[str, Any]:
        return dict(self.scrubbed.values(self.outcome.labels()))

    def line_cost(self) -> LineCost:
        """What the session spent per surviving line and on patches thrown away (line_cost.py)."""
        return line_cost(self.session, of_fates(self.outcome.fates), self.outcome.ref)


@dataclass(slots=True)
class Warmed:
    """A session's first members, their texts' scans under way on the workers (`Exporter.warm`)."""

    members: dict[str, bytes]
    shown: dict[str, bytes]  # what the gate reads of them (through the format's view, where it has one)
    view: Callable[[bytes], bytes] | None
    texts: list[tuple[str, int, str]]  # what the gate scans of them (`scrub.gate_texts`)
    identity: Identity
    memo: GateMemo
    unknown: list[str]  # the texts the memo did not know, in the order they were submitted
    scanning: Submitted


def _named(prepared: Prepared, members: dict[str, bytes]) -> dict[str, bytes]:
    """The members the gate reads, and the session's id with them: the id names files and manifest
    entries of every format (the receipt's among them), and the raw format's gate reads only the
    logs; a log's author chooses the id."""
    return {**members, SESSION_ID: prepared.session.id.encode("utf-8", "surrogatepass")}


class Exporter:
    """What the format writers share: the library, the options, the folder and the report."""

    def __init__(self, library: Library, dest: Dest, options: ExportOptions, report: ExportReport) -> None:
        self.library = library
        self.dest = dest
        self.options = options
        self.report = report
        self.store = plan_store(library)
        self._rated: list[Rating] | None = None
        self.ref_commits: dict[str, str | None] = {}  # session -> the commit its outcome was judged at
        # The second gate's scans, on every core: one core took as long as the review on all of them.
        # A short text is scanned once per identity in the export (`short_scans.py`).
        self.scanner = ShortScans(TextScanner())
        # The names a format gives its records' keys, which the gate does not read as text there
        # (`scrub.gate_texts`): a Parquet row's columns.
        self.own_keys = OWN_KEYS if options.format == "parquet" else NO_OWN_KEYS
        # The plan and outcome the review worked out, for the write to take instead of working them
        # out again (a third of a warm export's CPU): on disk, so memory stays flat on any bucket.
        self.spill = Spill(library.cache_dir)
        # What the last export into the folder was made from, where the library is a bucket (keys.py).
        self.keys: ExportKeys | None = None
        # Workers of a session's own plan, where the write must plan it again (None: every core; a
        # write worker's 0, as it is one of a pool as wide as the machine).
        self.plan_workers: int | None = None
        # The export's worker processes, where it is big enough for them (write_pool.py): they review
        # and write whole sessions; stopped when the export ends, however it ends.
        self.pool: WritePool | None = None

    def outcome(self, session: Session) -> Outcome:
        found = outcome(session, self.options.ref, self.options.repo, self.library.cache_dir)
        self.ref_commits[session.id] = found.ref_commit
        found.ratings = [{"step": r.index, "verdict": r.verdict, "note": r.note, "at": r.at}
                         for r in self._ratings() if r.session == session.id]  # fmt: skip
        return found

    def hand_over(self, session: Session, plan_json: bytes, found: Outcome) -> None:
        """Keep what the review found of `session` (its plan as `Plan.to_dict`'s JSON) for its write."""
        self.spill.keep(session.id, _fingerprint(session), plan_json, found)

    def _taken(self, session: Session) -> tuple[Plan, Outcome] | None:
        """What the review found of `session`, where the session has not changed since."""
        return self.spill.take(session.id, _fingerprint(session))

    def _ratings(self) -> list[Rating]:
        """People's ratings where the library keeps them (a bucket), read once per export."""
        if self._rated is None:
            self._rated = self.library.ratings() if isinstance(self.library, Bucket) else []
        return self._rated

    def prepare(self, session_id: str) -> Prepared | None:
        """The session scrubbed under its plan; None (and the session named in the report) when it
        cannot be read now (gone from the bucket, a damaged plan): the others are still exported."""
        try:
            return self._prepare(session_id)
        except TracetuiError as exc:
            self.refuse(session_id, f"it could not be read: {exc}", [])
            return None

    def _prepare(self, session_id: str) -> Prepared:
        session = self.library.session(session_id)
        # A sync between review and now may have grown the session: then what is new is reviewed again.
        taken = self._taken(session)
        plan, found = (
            taken if taken is not None
            else (refresh_plan(session, self.store, workers=self.plan_workers), self.outcome(session))
        )  # fmt: skip
        waiting = [] if self.options.accept_suggested else _undecided(session, plan, self.options)
        scrubbed = scrub.prepare(session, plan, self.options.accept_suggested, None)
        return Prepared(session, scrubbed, found, waiting)

    def gate(self, prepared: Prepared, members: dict[str, bytes], structural: set[str] | None = None) -> bool:
        """The seal's second gate over what this session puts in the export; False (and the session
        named in the report) when a sure finding is left, or a suggestion appeared since the review."""
        return self.gated(prepared, lambda: members, structural=structural) is not None

    def warm(
        self,
        prepared: Prepared,
        build: Callable[[], dict[str, bytes]],
        view: Callable[[bytes], bytes] | None = None,
    ) -> Warmed | None:
        """The session's members as `build` first makes them, with the second gate's scans of their
        texts (through `view`, as `gated` reads them) started on the workers: `gated` given them waits
        only for what is not scanned yet, so the workers scan one session while this process builds
        the next. None where the gate will refuse the session unscanned."""
        if prepared.undecided:
            return None
        members = build()
        shown = {rel: view(data) for rel, data in members.items()} if view is not None else members
        identity, memo = self.gate_memo(prepared)
        texts = scrub.gate_texts(_named(prepared, shown), self.own_keys)
        unknown = memo.missing([text for _, _, text in texts])
        scanning = self.scanner.submit(unknown, identity)
        return Warmed(members, shown, view, texts, identity, memo, unknown, scanning)

    def gated(
        self,
        prepared: Prepared,
        build: Callable[[], dict[str, bytes]],
        view: Callable[[bytes], bytes] | None = None,
        structural: set[str] | None = None,
        warmed: Warmed | None = None,
    ) -> dict[str, bytes] | None:
        """The session's members as `build` makes them from `prepared.scrubbed`, once the second gate
        passes them; None (and the session named in the report) when it cannot.

        What the gate finds in what leaves and the plan never listed (text built from git, a label, a
        string read in another context) is scrubbed by value and the members built again: at once when
        a field of the session holds it (a sure finding the scan missed, as a seal does), under
        `--accept-suggested` otherwise. So a session whose review shows nothing undecided is never
        refused for it; what is refused says where, what kind, and what to do."""
        if prepared.undecided:
            self.refuse(
                prepared.session.id, "suggested findings appeared since the review", prepared.undecided
            )
            return None
        known = {c for c in prepared.outcome.labels()["commits"]}
        git = prepared.session.git
        if git and git.commit:
            known.add(git.commit)
        known |= structural or set()
        first: Warmed | None = None
        if warmed is not None:
            assert warmed.view is view, "warmed through another view than the gate's"
            identity, memo, first = warmed.identity, warmed.memo, warmed
            memo.fill(warmed.unknown, self.scanner.results(warmed.scanning))
        else:
            identity, memo = self.gate_memo(prepared)
        try:
            return self._gate_rounds(prepared, build, view, frozenset(known), identity, memo, first)
        finally:
            memo.save()

    def gate_memo(self, prepared: Prepared) -> tuple[Identity, GateMemo]:
        """Who the session's user is, and what the gate found in each text, kept between exports and
        seals of the session: the formats carry mostly the same strings, so a second format scans
        little again. One memo for the session's whole turn: a writer that scans texts the gate reads
        (the raw format's strings no field shows) fills it with the gate's own answers."""
        if prepared.gate is None:
            identity = session_identity(prepared.session)
            memo = GateMemo.for_session(self.library.cache_dir, prepared.session.id, identity)
            # The review scanned most of the session's fields as they leave: what it found in a
            # text, scanned whole, stands for the gate's own scan (redact/reviewed.py).
            memo.reviewed = ReviewedScans(self.store.cache_path(prepared.session.id), identity)
            prepared.gate = identity, memo
        return prepared.gate

    def _gate_rounds(
        self,
        prepared: Prepared,
        build: Callable[[], dict[str, bytes]],
        view: Callable[[bytes], bytes] | None,
        known: frozenset[str],
        identity: Identity,
        memo: GateMemo,
        first: Warmed | None = None,
    ) -> dict[str, bytes] | None:
        fields: list[str] | None = None
        for _ in range(_GATE_ROUNDS):
            # The first round's members and texts as `warm` made them, where it did.
            if first is not None:
                members, shown, texts = first.members, first.shown, first.texts
            else:
                members, texts = build(), None
                shown = {rel: view(data) for rel, data in members.items()} if view is not None else members
            first = None
            leaks = scrub.gate_findings(
                _named(prepared, shown), prepared.scrubbed, identity, known, memo, self.scanner.scan, texts,
                self.own_keys,
            )
            if not leaks:
                return members
            if fields is None:
                fields = [f.text for f in iter_fields(prepared.session)]
            done = prepared.scrubbed.replacements
            fresh = [g for g in leaks if g.member != SESSION_ID and g.value not in done]
            if not self.options.accept_suggested:
                fresh = [g for g in fresh if any(g.value in text for text in fields)]
            if not fresh:
                break
            by = "user (--accept-suggested)" if self.options.accept_suggested else "detector"
            prepared.scrubbed = prepared.scrubbed.widened(fresh, by)
        self.refuse(prepared.session.id, _gate_reason(leaks, prepared.scrubbed), [g.row() for g in leaks])
        return None

    def refuse(self, session_id: str, reason: str, findings: list[dict[str, Any]]) -> None:
        """Leave a session out of the export, saying why and where (never a value)."""
        self.report.refused.append({"session": session_id, "reason": reason, "findings": findings})

    def skip(self, session_id: str, reason: str, lasting: bool = False) -> None:
        """Leave a session out for want of anything to write (not a refusal: nothing was unsafe).
        `lasting`: the reason holds while the session, its plan and its clone do (keys.py)."""
        self.report.skipped.append({"session": session_id, "reason": reason})
        if lasting and self.keys is not None:
            self.keys.skipped(session_id, reason)

    def receipt(self, prepared: Prepared, carried: bytes) -> tuple[str, dict[str, Any]]:
        """The session's receipt file (kinds and counts, never values), written; its entry for the report."""
        rel, data, entry = self.receipt_file(prepared, carried)
        self.dest.write(rel, data)
        return rel, entry

    def receipt_file(self, prepared: Prepared, carried: bytes) -> tuple[str, bytes, dict[str, Any]]:
        """The session's receipt file (its path and bytes) and its entry, nothing written: a write
        worker makes them and the exporting process writes them (export/write_pool.py)."""
        session = prepared.session
        rows = [
            {k: v for k, v in r.items() if k != "fingerprint"}
            for r in scrub.carried_receipt(prepared.scrubbed.receipt, carried)
        ]
        body = {
            "session": session.id,
            "agent": session.agent,
            "receipt": rows,
            "rejected": prepared.scrubbed.rejected,
            "accept_suggested": self.options.accept_suggested,
            "labels": prepared.labels(),
        }
        rel = f"receipts/{safe_component(session.agent)}/{safe_component(session.id)}.json"
        return rel, canonical(body), {
            "session": session.id,
            "agent": session.agent,
            "receipt": rows,
            "rejected": body["rejected"],
        }

    def record(self, prepared: Prepared, digest: str, files: list[str], entry: dict[str, Any]) -> None:
        self.record_as(prepared.session.id, prepared.session.agent, digest, files, entry)

    def record_as(
        self, session_id: str, agent: str, digest: str, files: list[str], entry: dict[str, Any]
    ) -> None:
        """`record` for a session prepared elsewhere (a write worker): its id and agent are enough."""
        self.dest.sessions[session_id] = {
            "agent": agent,
            "digest": digest,
            "files": sorted(files),
            "receipt": entry["receipt"],
            "rejected": entry["rejected"],
        }
        self.report.receipts.append(entry)
        self.report.written += 1

    def keep_session(self, reviewed: Reviewed) -> bool:
        entry = self.dest.unchanged("sessions", reviewed.summary.id, reviewed.digest)
        if entry is None:
            return False
        self.dest.keep("sessions", reviewed.summary.id, entry)
        self.report.receipts.append(
            {
                "session": reviewed.summary.id,
                "agent": entry.get("agent"),
                "receipt": entry.get("receipt", []),
                "rejected": entry.get("rejected", []),
            }
        )
        self.report.unchanged += 1
        return True


def export(
    library: Library,
    dest: str | Path,
    options: ExportOptions,
    selection: Selection | None = None,
    progress: ProgressCallback | None = None,
) -> ExportReport:
    """Export the chosen sessions into `dest` (a new, empty or earlier export folder of this format).

    Raises SealRefused (findings with `session`) while suggestions wait for a decision, and
    TracetuiError for bad input. Sessions the second gate stops are listed in `report.refused`.
    The app calls this from a worker with its own `progress`.
    """
    if options.format not in FORMATS:
        raise TracetuiError(f"unknown export format {options.format!r}: expected {', '.join(FORMATS)}")
    # The revision is written where no gate reads it (the card, the manifest, a receipt's labels): one
    # that holds what the gate scrubs (a token, the user's name in a branch) is refused, never written.
    if scrub.gate_scrubbed(options.ref) != options.ref:
        raise TracetuiError(
            "the revision the labels refer to (--ref) holds what an export scrubs (a token, a user's name): "
            "name it by its commit id or a tag"
        )
    from tracetui.export import writers

    summaries = select(library, selection or Selection())
    if not summaries:
        raise TracetuiError("no session matches the filters; nothing to export")
    target = Dest.open(dest, options.format)
    writer_class = writers.get(options.format)
    report = ExportReport(target.root, options.format, sessions=len(summaries))
    exporter = Exporter(library, target, options, report)
    writer = writer_class(exporter)
    if isinstance(library, Bucket) and library.cache_dir is not None:
        exporter.keys = ExportKeys(library, exporter.store, target, _made_by(options), options.repo,
                                   exporter._ratings())  # fmt: skip
    with exporter.spill:  # the review's spill is removed however the export ends (a refusal, Ctrl-C)
        try:
            reviewed = list(_review(exporter, summaries, writer.digest_extra, progress))
            # What earlier exports wrote and this one does not choose stays, unless pruned (listed).
            target.carry({s.id for s in summaries}, options.prune)
            _write(exporter, writer, reviewed, progress)
        finally:  # the workers first: they may be writing in the spill
            if exporter.pool is not None:
                exporter.pool.close()
            exporter.scanner.close()
    target.finish(options.recorded())
    if exporter.keys is not None:
        exporter.keys.save()
    report.files = len(target.files)
    report.carried = len(target.carried)
    report.pruned = target.pruned
    report.receipts.sort(key=lambda e: e["session"])
    return report


def _write(
    exporter: Exporter, writer: Any, reviewed: list[Reviewed], progress: ProgressCallback | None
) -> None:
    """The writer's turn, and the folder left as an interrupted export leaves it where it fails."""
    target, report, options = exporter.dest, exporter.report, exporter.options
    try:
        writer.write(reviewed, _counting(progress, len(reviewed)))
        # In the sessions' order: a writer one session ahead refuses a session it cannot read before
        # the gate refuses the one before it.
        order = {r.summary.id: i for i, r in enumerate(reviewed)}
        report.refused.sort(key=lambda r: order.get(r["session"], len(order)))
        for refused in report.refused:
            # A session this export could not write keeps its earlier export, where there is one.
            sid = refused["session"]
            refused["kept"] = sid in target.carried or target.carry_session(sid)
    except BaseException:
        # Interrupted (Ctrl-C, a full disk): the manifest still names every file in the folder, so
        # the next export picks up from here and `--check` can vouch for what is there.
        target.abort(options.recorded())
        if exporter.keys is not None:
            exporter.keys.save()
        raise


def _review(
    exporter: Exporter,
    summaries: list[SessionSummary],
    extra: Callable[[SessionSummary], bytes],
    progress: ProgressCallback | None,
) -> Iterator[Reviewed]:
    """Every chosen session's plan up to date, refusing before anything is written while any waits.
    A session the last export into the folder made from what it is made of now is not read (keys.py)."""
    undecided: list[dict[str, Any]] = []
    options = exporter.options
    keys = exporter.keys
    digests, skipped = keys.unchanged(summaries) if keys is not None else ({}, {})
    for session_id, reason in skipped.items():
        exporter.skip(session_id, reason)
    todo = [s for s in summaries if s.id not in digests and s.id not in skipped]
    done = len(digests) + len(skipped)
    if progress is not None and done:
        progress(ExportProgress("review", done, len(summaries), None))
    with contextlib.closing(_verdicts(exporter, todo, extra)) as verdicts:
        for summary, verdict in verdicts:
            undecided.extend(verdict.waiting)
            if verdict.digest is not None and not undecided:
                digests[summary.id] = verdict.digest
            done += 1
            if progress is not None:
                progress(ExportProgress("review", done, len(summaries), summary.id))
    if undecided and not options.accept_suggested:
        sessions = len({f["session"] for f in undecided})
        raise SealRefused(
            f"{len(undecided)} suggested finding(s) in {sessions} session(s) need a decision "
            "before exporting "
            "(decide each value once with `tracetui review`, given the same filters, or in the app's "
            "Review screen; or pass --accept-suggested); "
            "nothing was written",
            undecided,
        )
    return iter([Reviewed(summary, digests[summary.id]) for summary in summaries if summary.id not in skipped])


def _verdicts(
    exporter: Exporter, todo: list[SessionSummary], extra: Callable[[SessionSummary], bytes]
) -> Generator[tuple[SessionSummary, Verdict], None, None]:
    """Each session's review, in order: on the export's workers where there are enough sessions
    (write_pool.py), else here, plans scanned on every core. Once a suggestion waits (and
    `accept_suggested` is off) the rest is only listed: judging the work in git (a third of a warm
    review's time) would be thrown away."""
    keys = exporter.keys
    refusing = False

    def judging(summary: SessionSummary) -> bool:
        if refusing:
            return False
        if keys is not None:  # the clone's state read before the session is judged, compared after
            keys.before(summary)
        return True

    def kept(summary: SessionSummary, verdict: Verdict) -> None:
        nonlocal refusing
        refusing = refusing or bool(verdict.waiting)
        if keys is not None and verdict.digest is not None and not refusing:
            keys.remember_paths(summary, verdict.digest, verdict.touched)

    pool = write_pool.start(exporter, todo)
    if pool is not None:
        def here(summary: SessionSummary, judge: bool) -> Verdict:
            session = exporter.library.session(summary.id)
            return _verdict(exporter, session, refresh_plan(session, exporter.store), judge, extra(summary))

        for summary, verdict in pool.reviewed(todo, judging, here):
            kept(summary, verdict)
            yield summary, verdict
        return
    # Read as the pool asks for them (a few ahead), scanned on every core, given back in this order.
    read = (exporter.library.session(summary.id) for summary in todo)
    with contextlib.closing(refresh_plans(read, exporter.store, count=len(todo))) as plans:
        for summary, (session, plan) in zip(todo, plans):
            verdict = _verdict(exporter, session, plan, judging(summary), extra(summary))
            kept(summary, verdict)
            yield summary, verdict


def _verdict(exporter: Exporter, session: Session, plan: Plan, judge: bool, extra: bytes) -> Verdict:
    """What waits in a reviewed session (listed only where it stops the export), and where `judge`
    and nothing waits, its outcome in git handed to the write and the digest of what its files are
    made from, with the files the judging read (for its export key). An export worker's too."""
    options = exporter.options
    waiting = []
    if not options.accept_suggested:
        waiting = [{"session": session.id, **f} for f in _undecided(session, plan, options)]
    if waiting or not judge:
        return Verdict(waiting)
    found = exporter.outcome(session)
    plan_json = orjson.dumps(plan.to_dict())
    exporter.hand_over(session, plan_json, found)
    digest = digest_of(
        *_made_by(options),
        orjson.dumps(session.to_dict()),
        plan_json,
        found.labels(),
        # Each patch's fate as the patches table and the trace records carry it (kept, dropped, the
        # name it has now): labels only count lines by state.
        [f.to_dict() for f in found.fates],
        extra,
    )
    return Verdict(waiting, digest, touched_paths(found.fates))


def _made_by(options: ExportOptions) -> tuple[Any, ...]:
    """What every session's digest starts with: the writers' and the tool's versions, the options."""
    return WRITER_VERSION, __version__, options.recorded()


def _fingerprint(session: Session) -> tuple[int, str | None]:
    """What tells a session grown by a sync since it was read (logs only grow: steps are appended)."""
    return len(session.steps), session.steps[-1].id if session.steps else None


def _undecided(session: Session, plan: Plan, options: ExportOptions) -> list[dict[str, Any]]:
    """The seal's own list of suggestions waiting in what the export carries (a whole session, or the
    episode of a page); a session without steps carries only its own fields."""
    if not session.steps:
        return [
            {
                "step": None,
                "index": None,
                "field": s.field,
                "kind": s.kind,
                "tier": s.tier,
                "detector": s.detector,
            }
            for s in plan.pending()
            if in_scope(s.step, s.field, frozenset())
        ]
    return seal_scope(session, plan, options.steps if options.format in ("html", "md") else None).undecided


_GATE_ROUNDS = 3  # a round scrubs what the gate found; a third that still finds means it cannot converge
SESSION_ID = "session id"  # the gate's name for the session's id, which names the export's files


def _gate_reason(leaks: list[scrub.GateFinding], scrubbed: scrub.Scrubbed) -> str:
    """Why the gate stopped a session, and what the user can do about it."""
    if any(g.member == SESSION_ID for g in leaks):
        return ("the second gate found sure findings left, one in the session's id, which names the "
                "export's files and cannot be scrubbed; leave the session out (--sessions)")
    if all(g.value in scrubbed.replacements for g in leaks):
        return ("the second gate found sure findings left that scrubbing by value did not remove (a bug: "
                "please report it); leave the session out, or mark each spot by hand in the app's "
                "redaction editor (R on the session list, then enter on the value)")
    return ("the second gate found sure findings left in text no field of the session holds (built "
            "from git, a label); pass --accept-suggested to scrub them, or leave the session out")


def _counting(progress: ProgressCallback | None, total: int) -> Callable[[str], None]:
    counter = itertools.count(1)

    def step(session_id: str) -> None:
        n = next(counter)
        if progress is not None:
            progress(ExportProgress("write", n, total, session_id))

    return step
