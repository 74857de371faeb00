"""A plan's value map (each value it scrubs -> its placeholder) and the second gate's small helpers:
new placeholders, the strings the gate reads in a JSON-like value, the strings it never scans.

Beneath the capsule's scrub (`capsule/scrub.py`, whose names these were) so that blame's gate
(`blame/log_gate.py`) uses them without importing the capsule: nothing here loads a detector.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson

from tracetui.model import Session
from tracetui.redact.credential_words import names_a_credential
from tracetui.redact.fields import field_text
from tracetui.redact.plan import (
    ACCEPTED,
    AUTO_D,
    BY_DEFAULT,
    BY_DETECTOR,
    BY_USER,
    FIXED_PLACEHOLDERS,
    MANUAL,
    REJECTED,
    Plan,
)
from tracetui.redact.text_checks import STRUCTURAL_ID_RE, UUID_RE

MIN_VALUE = 3  # shorter spans are only scrubbed where the plan located them
_SHORT = 8  # values shorter than this are replaced elsewhere only as whole words


@dataclass(slots=True)
class Entry:
    """One planned span, in the plan's terms, with the value sliced from the session."""

    step: str | None
    field: str
    kind: str
    tier: str
    detector: str
    decision: str | None  # None: undecided
    placeholder: str | None
    value: str | None


@dataclass(slots=True)
class ValueMap:
    """Each value -> its placeholder, replaced wherever it stands (`value_pattern`)."""

    replacements: dict[str, str]
    pattern: re.Pattern[str] | None = field(default=None, init=False)  # None: nothing to replace

    def __post_init__(self) -> None:
        self.pattern = value_pattern(self.replacements)  # the replacements are fixed once made

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        return self.pattern.sub(lambda m: self.replacements[m.group(0)], value)

    def spans(self, value: str) -> list[tuple[int, int, str]]:
        """(start, end, placeholder) of each replacement `text` makes in `value`, in order."""
        if self.pattern is None or not value:
            return []
        return [(m.start(), m.end(), self.replacements[m.group(0)]) for m in self.pattern.finditer(value)]


def entries(session: Session, plan: Plan | None) -> list[Entry]:
    """The plan's spans as `Entry`s (values sliced from the session's fields)."""
    out: list[Entry] = []
    texts: dict[tuple[str | None, str], str | None] = {}
    for span in plan.spans if plan is not None else ():
        where = (span.step, span.field)
        if where not in texts:
            texts[where] = field_text(session, span.step, span.field)
        text = texts[where]
        value = text[span.start : span.end] if text is not None and span.end <= len(text) else None
        out.append(
            Entry(span.step, span.field, span.kind, span.tier, span.detector, span.decision,
                  span.placeholder, value)  # fmt: skip
        )
    return out


def planned_values(session: Session, plan: Plan | None, accept_suggested: bool = False) -> dict[str, str]:
    """Each value the plan scrubs (a sure finding not rejected, a suggestion accepted, a span added by
    hand; with `accept_suggested` an undecided suggestion too) -> its placeholder, the values the user
    kept left out: the map `capsule.scrub.prepare` scrubs the whole session by, made without scrubbing it."""
    out, kept = value_map(entries(session, plan), accept_suggested)
    return {v: p for v, p in out.items() if v not in kept}


def value_map(planned: list[Entry], accept_suggested: bool) -> tuple[dict[str, str], set[str]]:
    """(value -> placeholder for each value the plan scrubs, the values the user kept)."""
    out: dict[str, str] = {}
    kept: set[str] = set()
    for e in planned:
        if decided_by(e, accept_suggested) is None:
            if e.decision == REJECTED and e.value:
                kept.add(e.value)
        elif e.value and len(e.value) >= MIN_VALUE:
            out.setdefault(e.value, e.placeholder or "<REDACTED>")
    return out, kept


def decided_by(e: Entry, accept_suggested: bool) -> str | None:
    """Who decided this span is scrubbed, or None when it stays."""
    if e.decision == AUTO_D:
        return BY_DETECTOR
    if e.decision in (ACCEPTED, MANUAL):
        return BY_USER
    if e.decision is None and accept_suggested:
        return BY_DEFAULT
    return None


def value_pattern(replacements: dict[str, str]) -> re.Pattern[str] | None:
    """One pattern of every value, longest first, so a value that contains another is replaced whole."""
    if not replacements:
        return None
    parts = []
    for value in sorted(replacements, key=lambda v: (-len(v), v)):
        body = re.escape(value)
        if len(value) < _SHORT:
            # A word's bounds as the detectors read them (`identity`): `_` bounds one, so a user name
            # in `jdoe_backup` is replaced, as the gate finds it there.
            left = r"(?<![A-Za-z0-9])" if value[0].isalnum() else ""
            right = r"(?![A-Za-z0-9])" if value[-1].isalnum() else ""
            body = left + body + right
        parts.append(body)
    return re.compile("|".join(parts))


def new_placeholders(found: list[tuple[str, str]], receipt: list[dict[str, Any]]) -> dict[str, str]:
    """A placeholder for each (kind, value) not planned, numbered after the receipt's own of that label."""
    used: dict[str, int] = {}
    for row in receipt:
        label, _, n = row["placeholder"].strip("<>").rpartition("_")
        if n.isdigit():
            used[label] = max(used.get(label, 0), int(n))
    out: dict[str, str] = {}
    for kind, value in found:
        if value in out:
            continue
        fixed = FIXED_PLACEHOLDERS.get(kind)
        if fixed:
            out[value] = fixed
            continue
        label = re.sub(r"[^A-Z0-9]+", "_", kind.upper()).strip("_") or "SECRET"
        used[label] = used.get(label, 0) + 1
        out[value] = f"<{label}_{used[label]}>"
    return out


_PLACEHOLDER = re.compile(r"^<[A-Z][A-Z0-9_]*>$")


def is_gate_placeholder(value: str) -> bool:
    """Whether `value` is a placeholder as a scrub writes it (`<TOKEN_1>`): no gate finds one."""
    return bool(_PLACEHOLDER.match(value))


_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?")


def inert(text: str) -> bool:
    """A whole string that is a record's id (a UUID, an agent's `toolu_…`) or a time: no detector finds
    anything there, and a log holds them for every record, so none is scanned. (A bare hex string is
    scanned: a key may be written in hex.)"""
    return len(text) <= 80 and (
        _MOMENT.fullmatch(text) is not None or UUID_RE.fullmatch(text) is not None
        or STRUCTURAL_ID_RE.fullmatch(text) is not None
    )


# A writer's own keys of its records, each with the words it fills that key's value from (empty: any).
OwnKeys = Mapping[str, frozenset[str]]
NO_OWN_KEYS: OwnKeys = MappingProxyType({})


def json_strings(obj: Any, own_keys: OwnKeys = NO_OWN_KEYS) -> Iterator[str]:
    """Every string the gate reads in a JSON-like value: keys, values, and a credential key's pair.
    `own_keys` are left out as `obj`'s own keys, and a value that is one of its key's own words (not
    deeper: `capsule.scrub.gate_texts`)."""
    if isinstance(obj, str):
        if obj:
            yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k not in own_keys:
                yield from json_strings(k)
            elif isinstance(v, str) and v in own_keys[k]:
                continue  # `"role": "user"`: the writer's word, which a host may be named
            yield from json_strings(v)
            if isinstance(k, str) and isinstance(v, str) and v and len(k) <= 200 and _names_a_credential(k):
                # Only the key says what the value is (`{"password": "…"}`): read apart, as the strings
                # of a JSON member are, neither holds a finding. The pair is read as the record writes it.
                yield orjson.dumps({k: v}).decode()
    elif isinstance(obj, list):
        for v in obj:
            yield from json_strings(v)


# A record's keys come back in every line (a row's columns, a tool's `command`): each asked once.
_names_a_credential = functools.lru_cache(maxsize=8192)(names_a_credential)
