"""Review across sessions: the undecided suggestions of many sessions grouped by value, decided once.

A value that waits in ten sessions (a colleague's e-mail, a token the agent read twice a day) is one
decision, not ten. Groups are named by an HMAC of the value under a random key kept in the bucket's
plans folder (`review.key`), so an id is the same from one run to the next and says nothing about
the value. The value itself is never returned: a row carries a masked hint of it (`redact.hint`),
enough to tell one address or key from another, not to use it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.redact.fields import field_text
from tracetui.redact.plan import ACCEPTED, REJECTED, Plan, PlanSpan, PlanStore
from tracetui.regular_file import KEY_MOST, fresh_temp, read_regular

KEY_FILE = "review.key"


@dataclass(slots=True)
class Occurrence:
    session: str
    span: PlanSpan
    index: int | None  # the step's index, as `show` lists it (None: a session-level field)
    hint: str = ""  # the value masked (value_hint), for a group this occurrence comes to head


# A session's waiting values: (group id, occurrence), in the plan's order. What a review keeps of a
# session once it is scanned: grouping again needs neither its text nor the session.
Pending = list[tuple[str, Occurrence]]


@dataclass(slots=True)
class ValueGroup:
    id: str
    kinds: Counter[str] = field(default_factory=Counter)
    occurrences: list[Occurrence] = field(default_factory=list)
    hint: str = ""  # the first occurrence's value, masked (value_hint)

    @property
    def kind(self) -> str:
        return self.kinds.most_common(1)[0][0]

    @property
    def first_place(self) -> str:
        """Where the first occurrence is, as a person finds it: the session, the step as `show`
        numbers it, the field."""
        o = self.occurrences[0]
        step = f" step {o.index}" if o.index is not None else ""
        return f"{o.session[:8]}{step} · {o.span.field}"

    @property
    def sessions(self) -> list[str]:
        return sorted({o.session for o in self.occurrences})

    def to_dict(self, where_limit: int = 20) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "kinds": sorted(self.kinds),
            "hint": self.hint,
            "count": len(self.occurrences),
            "sessions": self.sessions,
            "where": [
                {"session": o.session, "step": o.span.step, "index": o.index, "field": o.span.field,
                 "start": o.span.start, "end": o.span.end, "detector": o.span.detector}
                for o in self.occurrences[:where_limit]
            ],
        }  # fmt: skip


def review_key(store: PlanStore) -> bytes:
    """The bucket's review key, made on first use (a private file beside the plans)."""
    path = Path(store.dir) / KEY_FILE
    try:
        return bytes.fromhex(read_regular(path, KEY_MOST).decode("ascii").strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise TracetuiError(f"cannot read the review key {path}: {exc}") from None
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh, tmp = fresh_temp(path)
    with fh:
        fh.write(key.hex().encode("ascii"))
    os.replace(tmp, path)
    return key


def group_pending(items: Iterable[tuple[Session, Plan]], key: bytes) -> list[ValueGroup]:
    """Undecided suggestions of every (session, plan), one group per value, biggest first. The pairs
    are read one at a time: nothing of a session is kept."""
    return grouped(pending_values(session, plan, key) for session, plan in items)


def pending_values(session: Session, plan: Plan, key: bytes) -> Pending:
    """The plan's waiting values in the session, each named by its group id."""
    from tracetui.redact.hint import value_hint  # its vendors' prefixes are the detectors' rules

    index = {s.id: s.index for s in session.steps}
    out: Pending = []
    for span in plan.pending():
        text = field_text(session, span.step, span.field)
        if text is None or span.end > len(text):
            continue
        value = text[span.start:span.end]
        gid = hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]
        at = index.get(span.step) if span.step else None
        out.append((gid, Occurrence(session.id, span, at, value_hint(span.kind, value))))
    return out


def grouped(sessions: Iterable[Pending]) -> list[ValueGroup]:
    """The values still waiting (a span decided since is left out), one group per value, biggest
    first; a group's hint is its first occurrence's."""
    groups: dict[str, ValueGroup] = {}
    for values in sessions:
        for gid, o in values:
            if not o.span.pending:
                continue
            group = groups.get(gid)
            if group is None:
                group = groups[gid] = ValueGroup(gid, hint=o.hint)
            group.kinds[o.span.kind] += 1
            group.occurrences.append(o)
    return sorted(groups.values(), key=lambda g: (-len(g.occurrences), g.kind, g.id))


def find_group(groups: list[ValueGroup], wanted: str) -> ValueGroup:
    """A group by its id or a unique prefix of it."""
    hits = [g for g in groups if g.id.startswith(wanted.lower())] if wanted else []
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise TracetuiError(f"no undecided value has the id {wanted!r} (run `tracetui review` to list them)")
    raise TracetuiError(f"{wanted!r} names {len(hits)} values; give more of the id")


def decide_group(group: ValueGroup, decision: str, plans: dict[str, Plan]) -> int:
    """Accept or reject one value in every session it waits in; returns how many findings changed.
    Only the waiting ones: a decision already made stays."""
    if decision not in (ACCEPTED, REJECTED):
        raise TracetuiError(f"a value can be accepted or rejected, not {decision!r}")
    n = 0
    for o in group.occurrences:
        if o.span.pending:
            plans[o.session].decide(o.span, decision)
            n += 1
    return n
