"""The redaction plan of one session: every span with a decision and the placeholder it gets.

Decisions: `auto` (a sure finding, scrubbed unless rejected), `accepted`, `rejected`, `manual` (a
span the user added), or None: a suggestion still waiting for a decision.

More in docs/internals/redact.md, `redact/plan.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.redact import kinds
from tracetui.redact.fields import iter_fields
from tracetui.redact.finding import AUTO, MANUAL_TIER, Finding
from tracetui.regular_file import CACHE_MOST, file_stamp, open_regular, read_regular, settled

if TYPE_CHECKING:
    from tracetui.library import Library

PLAN_FORMAT = "tracetui.redaction-plan/1"
AUTO_D, ACCEPTED, REJECTED, MANUAL = "auto", "accepted", "rejected", "manual"
# Who decided a receipt's row was scrubbed: every word its `decided_by` can hold (a capsule's, an export's).
BY_DETECTOR, BY_USER, BY_DEFAULT = "detector", "user", "user (--accept-suggested)"
DECIDERS = (BY_DETECTOR, BY_USER, BY_DEFAULT)
DECISIONS = (AUTO_D, ACCEPTED, REJECTED, MANUAL)
SCRUBBED = frozenset({AUTO_D, ACCEPTED, MANUAL})

# The detector name of a span the capsule's second gate added (docs/design.md, "One detector pass"):
# the plan's scan does not report it again, so it is carried over like a decision.
GATE = "gate:"

# Kinds whose placeholder is one fixed word: there is only one "you" in a session.
FIXED_PLACEHOLDERS = {kinds.HOME_PATH: "<HOME>", kinds.USER_NAME: "<USER>", kinds.HOST_NAME: "<HOST>"}


@dataclass(slots=True)
class PlanSpan:
    step: str | None
    field: str
    start: int
    end: int
    kind: str
    tier: str  # "auto", "suggested" or "manual"
    detector: str  # the rule or plugin, or "user"
    decision: str | None  # one of DECISIONS, None while a suggestion waits
    value_id: str = ""  # HMAC of the value under the plan's key
    placeholder: str = ""

    @property
    def key(self) -> tuple[str | None, str, int, int]:
        return (self.step, self.field, self.start, self.end)

    @property
    def scrubbed(self) -> bool:
        return self.decision in SCRUBBED

    @property
    def pending(self) -> bool:
        return self.decision is None

    @property
    def decided_by(self) -> str:
        """For the capsule's receipt: who made this span's fate."""
        return BY_DETECTOR if self.decision == AUTO_D else BY_USER

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "tier": self.tier,
            "detector": self.detector,
            "decision": self.decision,
            "value_id": self.value_id,
            "placeholder": self.placeholder,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlanSpan:
        decision = d.get("decision")
        if decision is not None and decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        start, end = int(d["start"]), int(d["end"])
        if not 0 <= start < end:
            raise ValueError("a span must have 0 <= start < end")
        step = d.get("step")
        if step is not None and not isinstance(step, str):
            raise ValueError("a span's step must be a step id")
        return cls(
            step, str(d["field"]), start, end, _word(d, "kind"), _word(d, "tier"), _word(d, "detector"),
            decision, _word(d, "value_id", empty=True), _word(d, "placeholder", empty=True),
        )  # fmt: skip


@dataclass(slots=True)
class PlanValue:
    """A value the seal's second gate found in text that no session field holds (a patch's context
    lines come from git, the repository's description from its config), so no span can point at it.

    It is decided by value: `value_id` is its HMAC under the plan's key (never the value). `where` is
    the capsule member it was found in. Undecided (`decision` None) it stops the seal, like a suggestion.
    """

    value_id: str
    kind: str
    tier: str
    detector: str
    where: str
    decision: str | None = None
    placeholder: str = ""

    @property
    def pending(self) -> bool:
        return self.decision is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value_id": self.value_id,
            "kind": self.kind,
            "tier": self.tier,
            "detector": self.detector,
            "where": self.where,
            "decision": self.decision,
            "placeholder": self.placeholder,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlanValue:
        decision = d.get("decision")
        if decision not in (None, ACCEPTED, REJECTED):
            raise ValueError(f"a value can be accepted or rejected, not {decision!r}")
        return cls(
            _word(d, "value_id"), _word(d, "kind"), _word(d, "tier"), _word(d, "detector"), _word(d, "where"),
            decision, _word(d, "placeholder", empty=True),
        )  # fmt: skip


# A plan's own words (a kind, a tier, a detector's name, an id, a placeholder, a member's name) are
# tracetui's, all printable ASCII ("email", "Public IP (ipv4)", "gate:rule:aws-key"). A plan on disk
# is a file anyone with the folder can write: a word holding anything else (ESC, C1, a bidi override,
# which the Review screen's kind column drew raw) or of another type means tracetui did not write it.
_WORD = re.compile(r"[\x20-\x7e]{1,200}")


def _word(d: dict[str, Any], key: str, empty: bool = False) -> str:
    value = d.get(key) if empty else d[key]
    if empty and value in (None, ""):
        return ""
    if not isinstance(value, str) or not _WORD.fullmatch(value):
        raise ValueError(f"its {key} is not a word tracetui writes")  # never the value: it may be a control
    return value


def value_group(span: PlanSpan) -> str:
    """What groups spans by value: the HMAC of the value, or the span itself where a plan from an older
    version has none."""
    return span.value_id or f"{span.step}\x1f{span.field}\x1f{span.start}\x1f{span.end}"


def field_key(step: str | None, name: str) -> str:
    return f"{step or ''}\x1f{name}"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(slots=True)
class Plan:
    session: str
    key: str = field(default_factory=lambda: secrets.token_hex(32))  # the HMAC key for value ids
    spans: list[PlanSpan] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # field_key -> text_hash at scan time
    values: list[PlanValue] = field(default_factory=list)  # found by the second gate outside any field

    # --- queries ---------------------------------------------------------------------------------
    def pending(self) -> list[PlanSpan]:
        """Suggestions still waiting for a decision (sealing refuses while there are any)."""
        return [s for s in self.spans if s.pending]

    def scrubbed(self) -> list[PlanSpan]:
        return [s for s in self.spans if s.scrubbed]

    def pending_values(self) -> list[PlanValue]:
        """Values the second gate found outside any field, still waiting for a decision."""
        return [v for v in self.values if v.pending]

    def value(self, value_id: str) -> PlanValue | None:
        return next((v for v in self.values if v.value_id == value_id), None)

    def decisions_left(self) -> int:
        """Decisions left: distinct values among the waiting suggestions (one decision covers every
        occurrence of a value, see `decide_value`)."""
        return len({value_group(s) for s in self.spans if s.pending}) + len(self.pending_values())

    def same_value(self, span: PlanSpan) -> list[PlanSpan]:
        """Every span of the plan holding the same value as `span` (itself included)."""
        group = value_group(span)
        return [s for s in self.spans if value_group(s) == group]

    def value_id(self, value: str) -> str:
        return hmac.new(bytes.fromhex(self.key), value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

    def copy(self) -> Plan:
        return Plan(
            self.session,
            self.key,
            [PlanSpan.from_dict(s.to_dict()) for s in self.spans],
            dict(self.fields),
            [PlanValue.from_dict(v.to_dict()) for v in self.values],
        )

    # --- decisions -------------------------------------------------------------------------------
    def decide(self, span: PlanSpan, decision: str | None) -> None:
        """Accept or reject one span; None puts a suggestion back to waiting."""
        if decision not in (ACCEPTED, REJECTED, None, AUTO_D):
            raise TracetuiError(f"a finding can be accepted or rejected, not {decision!r}")
        if span.decision == MANUAL:
            if decision == REJECTED:
                self.spans.remove(span)  # rejecting your own span takes it away
            return
        if decision is None and span.tier == AUTO:
            decision = AUTO_D
        span.decision = decision

    def decide_value(self, span: PlanSpan, decision: str | None) -> int:
        """One decision for a value: every occurrence of it in the session (the user's own spans
        aside) gets it. Returns how many spans it set."""
        n = 0
        for other in self.same_value(span):
            if other.decision != MANUAL or other is span:
                self.decide(other, decision)
                n += 1
        return n

    def bulk_targets(self, kind: str, decision: str) -> list[PlanSpan]:
        """What a bulk decision on a kind changes: its findings still waiting and, to reject, the
        detector's own sure ones; never a decision the user made (accepted, rejected, manual)."""
        allowed = (None, AUTO_D) if decision == REJECTED else (None,)
        return [s for s in self.spans if s.kind == kind and s.decision in allowed]

    def decide_kind(self, kind: str, decision: str | None, only_pending: bool = False) -> int:
        """Accept or reject every finding of one kind; returns how many changed."""
        n = 0
        for span in list(self.spans):
            if span.kind == kind and span.decision != MANUAL and (not only_pending or span.pending):
                self.decide(span, decision)
                n += 1
        for value in self.values:
            wanted = decision in (ACCEPTED, REJECTED, None)
            if value.kind == kind and (not only_pending or value.pending) and wanted:
                value.decision = decision
                n += 1
        return n

    def accept_pending(self) -> int:
        """`seal --accept-suggested`: every waiting suggestion becomes accepted (not the values the
        second gate found outside any field: each of those is a choice of its own)."""
        waiting = self.pending()
        for span in waiting:
            span.decision = ACCEPTED
        return len(waiting)

    def add_manual(
        self, step: str | None, name: str, start: int, end: int, text: str, kind: str = kinds.MANUAL
    ) -> PlanSpan:
        """A span the user selected; `text` is the field's current text."""
        if not 0 <= start < end <= len(text):
            raise TracetuiError("the selection is empty or outside the text")
        self.fields.setdefault(field_key(step, name), text_hash(text))
        value_id = self.value_id(text[start:end])
        span = PlanSpan(step, name, start, end, kind, MANUAL_TIER, "user", MANUAL, value_id)
        self.spans.append(span)
        return span

    def scrub_everywhere(self, session: Session, value: str, kind: str = kinds.MANUAL) -> int:
        """Every occurrence of `value` in every field gets scrubbed; returns how many spans changed."""
        if not value:
            return 0
        existing = {s.key: s for s in self.spans}
        n = 0
        for f in iter_fields(session):
            i = f.text.find(value)
            while i >= 0:
                key = (f.step, f.name, i, i + len(value))
                span = existing.get(key)
                if span is None:
                    self.add_manual(f.step, f.name, i, i + len(value), f.text, kind)
                    n += 1
                elif not span.scrubbed:
                    span.decision = ACCEPTED
                    n += 1
                i = f.text.find(value, i + len(value))
        return n

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "session": self.session,
            "key": self.key,
            "fields": self.fields,
            "spans": [s.to_dict() for s in self.spans],
            "values": [v.to_dict() for v in self.values],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
        if d.get("format") != PLAN_FORMAT:
            raise ValueError(f"not a redaction plan (format {d.get('format')!r})")
        key = str(d["key"])
        bytes.fromhex(key)
        return cls(
            str(d["session"]), key, [PlanSpan.from_dict(s) for s in d.get("spans", ())],
            dict(d.get("fields") or {}), [PlanValue.from_dict(v) for v in d.get("values") or ()],
        )  # fmt: skip


# --- building and refreshing ----------------------------------------------------------------------


def build_plan(session: Session, findings: Iterable[Finding], previous: Plan | None = None) -> Plan:
    """A plan from fresh findings; decisions and manual spans of `previous` carry over wherever
    their field's text is unchanged (a session that grew keeps every decision made so far)."""
    plan = Plan(session.id, previous.key if previous else secrets.token_hex(32))
    texts = {field_key(f.step, f.name): f.text for f in iter_fields(session)}
    plan.fields = {k: text_hash(t) for k, t in texts.items()}
    old: dict[tuple, PlanSpan] = {}
    if previous is not None:
        for span in previous.spans:
            fk = field_key(span.step, span.field)
            if fk in texts and previous.fields.get(fk) == plan.fields[fk] and span.end <= len(texts[fk]):
                old[span.key] = span
    for f in findings:
        fk = field_key(f.step, f.field)
        text = texts.get(fk)
        if text is None or f.end > len(text):
            continue
        decision = AUTO_D if f.tier == AUTO else None
        before = old.pop((f.step, f.field, f.start, f.end), None)
        if before is not None and before.decision != MANUAL:
            decision = before.decision
        plan.spans.append(
            PlanSpan(f.step, f.field, f.start, f.end, f.kind, f.tier, f.detector, decision,
                     plan.value_id(text[f.start:f.end]))
        )  # fmt: skip
    # The user's own spans, decisions on findings a detector no longer reports, and what the seal's
    # second gate added (the scan never reports those) stay while their field is unchanged.
    for span in old.values():
        if span.decision in (MANUAL, ACCEPTED) or span.detector.startswith(GATE):
            plan.spans.append(span)
    if previous is not None:
        plan.values = [PlanValue.from_dict(v.to_dict()) for v in previous.values]
    assign_placeholders(plan, session)
    return plan


def _label(kind: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", kind.upper()).strip("_") or "SECRET"


def assign_placeholders(plan: Plan, session: Session) -> None:
    """`<AWS_KEY_1>`, `<EMAIL_2>`...: numbered per label in session order; one value, one placeholder."""
    order: dict[str | None, int] = {None: -1}
    for i, step in enumerate(session.steps):
        order[step.id] = i
    spans = sorted(plan.spans, key=lambda s: (order.get(s.step, 1 << 30), s.field, s.start))
    by_value: dict[str, str] = {}
    counters: dict[str, int] = {}
    for span in spans:
        fixed = FIXED_PLACEHOLDERS.get(span.kind)
        if fixed:
            span.placeholder = fixed
            continue
        if span.value_id and span.value_id in by_value:
            span.placeholder = by_value[span.value_id]
            continue
        label = "REDACTED" if span.kind == kinds.MANUAL else _label(span.kind)
        counters[label] = counters.get(label, 0) + 1
        span.placeholder = f"<{label}_{counters[label]}>"
        if span.value_id:
            by_value[span.value_id] = span.placeholder
    plan.spans = spans
    for value in plan.values:
        fixed = FIXED_PLACEHOLDERS.get(value.kind)
        if fixed:
            value.placeholder = fixed
            continue
        if value.value_id in by_value:
            value.placeholder = by_value[value.value_id]
            continue
        label = _label(value.kind)
        counters[label] = counters.get(label, 0) + 1
        value.placeholder = by_value[value.value_id] = f"<{label}_{counters[label]}>"


# --- on disk --------------------------------------------------------------------------------------

_SAFE_ID = re.compile(r"[^A-Za-z0-9._\-]")
_PLAIN_ID = re.compile(r"[a-z0-9._\-]{1,96}")
_HASHED = re.compile(r".*-[0-9a-f]{16}")  # how every hashed name ends
# Names Windows takes for a device whatever follows the first dot (`con.plan.json`).
_DEVICES = frozenset(
    ["con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))]
)


def plan_path(plans_dir: str | Path, session_id: str) -> Path:
    """The plan file of a session. Ids come from logs: only a plain, short, lowercase one is its own
    name; any other is named by its hash as well. Odd characters map alike, some lengths no file
    system takes, and ids that differ only by case (`Ab`, `aB`) were one file on a case-insensitive
    file system (macOS's, Windows'), one session's decisions another's. A plain id shaped like a hashed
    name is hashed too, so no id's name is another's (plain names never end as hashed ones do), and
    so is one Windows would read as a device (`con`, `lpt1.x`); a hashed name never starts as one."""
    plain = _PLAIN_ID.fullmatch(session_id) and not _HASHED.fullmatch(session_id)
    if plain and session_id.split(".", 1)[0] not in _DEVICES:
        return Path(plans_dir) / f"{session_id}.plan.json"
    name = _SAFE_ID.sub("_", session_id) or "_"
    if name.split(".", 1)[0].lower() in _DEVICES:
        name = f"_{name}"
    digest = hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return Path(plans_dir) / f"{name[:64]}-{digest}.plan.json"


def _old_plan_path(plans_dir: Path, session_id: str) -> Path:
    """Where a plan was kept before `plan_path` told ids apart whatever the disk's case."""
    name = _SAFE_ID.sub("_", session_id) or "_"
    if name != session_id or len(name) > 96:
        name = f"{name[:64]}-{hashlib.sha256(session_id.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
    return plans_dir / f"{name}.plan.json"


def _moved_to(new: Path, old: Path, session_id: str) -> Path:
    """A plan still under its old name moved to `new`, where the plan there is this session's: on a
    case-insensitive file system the old name may hold another id's that differs by case, left
    where it is. `old` where it cannot be moved (a read-only bucket), `new` otherwise."""
    try:
        if new.exists() or not old.is_file():
            return new
        if orjson.loads(read_regular(old, CACHE_MOST)).get("session") != session_id:
            return new
    except (OSError, TracetuiError, orjson.JSONDecodeError, AttributeError):
        return new  # damaged or not there: nothing to move
    try:
        os.link(old, new)  # never over a plan another process saved at `new` since the look above
    except (FileExistsError, FileNotFoundError):
        return new  # saved there meanwhile, or moved there by another process: `new` is the plan
    except OSError:
        return _renamed(old, new)  # a disk without hard links
    with contextlib.suppress(OSError):
        os.unlink(old)
    return new


def _renamed(old: Path, new: Path) -> Path:
    try:
        os.rename(old, new)
    except FileNotFoundError:
        return new  # moved by another process meanwhile
    except OSError:
        return old
    return new


def _vacate(plans_dir: Path, new: Path, session_id: str) -> None:
    """A hashed name (`Ab-<hash>`) is the old name of the id spelled so, which a log may choose: a plan
    of that id found there is moved to its own new name, never taken as `session_id`'s."""
    other = new.name.removesuffix(".plan.json")
    if other == session_id or _old_plan_path(plans_dir, other) != new:
        return
    try:
        with open_regular(new) as fh:  # its head (the session is the plan's second key); never a FIFO
            head = fh.read(256 + 6 * len(other))
    except (OSError, TracetuiError):
        return
    if b'"session": ' + orjson.dumps(other) in head:
        _moved_to(plan_path(plans_dir, other), new, other)


def save_plan(plan: Plan, path: str | Path) -> None:
    """Write atomically (temp file + rename): a crash leaves the previous plan, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = orjson.dumps(plan.to_dict(), option=orjson.OPT_INDENT_2)
    fd, tmp = tempfile.mkstemp(prefix=".plan-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_plan(path: str | Path) -> Plan | None:
    """The saved plan, or None if there is none yet."""
    path = Path(path)
    try:
        # NotRegularFile (a FIFO put in its place) and FileTooLarge say so in one line.
        data = read_regular(path, CACHE_MOST)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TracetuiError(f"cannot read the redaction plan {path}: {exc.strerror or exc}") from None
    try:
        return Plan.from_dict(orjson.loads(data))
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # A plan of another shape (a list, a span that is a number) is as damaged as one that is not
        # JSON. It holds the user's decisions: it is named, never replaced behind their back.
        raise TracetuiError(f"the redaction plan {path} is damaged ({exc}); delete it to scan again") from None


class PlanStore:
    """Plans of many sessions in one directory (the bucket's `plans_dir`)."""

    def __init__(self, plans_dir: str | Path, cache_dir: str | Path | None = None) -> None:
        self.dir = Path(plans_dir)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else self.dir / "scan-cache"

    def path(self, session_id: str) -> Path:
        new = plan_path(self.dir, session_id)
        old = _old_plan_path(self.dir, session_id)
        if old == new:
            return new
        _vacate(self.dir, new, session_id)
        return _moved_to(new, old, session_id)

    def load(self, session_id: str) -> Plan | None:
        return load_plan(self.path(session_id))

    def save(self, plan: Plan) -> None:
        save_plan(plan, self.path(plan.session))

    def file_digest(self, session_id: str) -> str | None:
        """The sha256 of the session's plan file as it is on disk (its decisions, and what the last scan
        found), or None where there is none: what a memo of work done from the plan is keyed by."""
        try:
            return hashlib.sha256(read_regular(self.path(session_id), CACHE_MOST)).hexdigest()
        except (OSError, TracetuiError):
            return None

    def stamped_digest(self, session_id: str, known: Any) -> tuple[list[Any] | None, str | None]:
        """`file_digest`, taken from `known` (what this returned before) where the file's stamp is the
        one it holds, and the [stamp, digest] to keep for next time (None where the file is too fresh
        to be vouched for by its stamp). A re-export reads 68 MB of plans for 612 sessions otherwise."""
        now = file_stamp(self.path(session_id))
        if now is not None and isinstance(known, list) and len(known) == 2 and known[0] == now \
                and isinstance(known[1], str):  # fmt: skip
            return known, known[1]
        # Read after the stat: a file replaced in between shows another stamp next time.
        digest = self.file_digest(session_id)
        return ([now, digest] if now is not None and digest is not None and settled(now) else None), digest

    def cache_path(self, session_id: str) -> Path:
        """Where the scan cache of a session lives (beside its plan)."""
        return self.cache_dir / plan_path("", session_id).name.replace(".plan.json", ".scan.json")


def plan_store(library: Library) -> PlanStore:
    """The one way to the plan store: the library's plans and its one scan cache.

    A library that keeps no plans (an opened capsule, sessions held in memory; see
    `Library.plans_dir`) cannot be reviewed or sealed: that is a one-line error.
    """
    if library.plans_dir is None:
        raise TracetuiError("reviewing redactions and sealing need a bucket (it keeps the redaction plans)")
    cache = library.cache_dir / "scan-cache" if library.cache_dir is not None else None
    return PlanStore(library.plans_dir, cache)
