"""Applying a plan: a copy of the session with every decided span replaced by its placeholder."""

from __future__ import annotations

from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.redact.fields import iter_fields, rewrite_fields
from tracetui.redact.plan import Plan, PlanSpan, field_key, text_hash


def stale_fields(session: Session, plan: Plan) -> list[tuple[str | None, str]]:
    """Fields whose text is not the text the plan was made on (new steps, a changed log)."""
    out = []
    for f in iter_fields(session):
        if plan.fields.get(field_key(f.step, f.name)) != text_hash(f.text):
            out.append((f.step, f.name))
    return out


def scrub_text(text: str, spans: list[PlanSpan], keep_lines: bool = False) -> str:
    """`text` with each span replaced by its placeholder; overlapping spans become one.

    With `keep_lines` (diff hunks, whose lines carry a ' '/'-'/'+' prefix) a span over several
    lines is replaced line by line, so the hunk keeps its shape.
    """
    chosen = sorted((s for s in spans if s.scrubbed), key=lambda s: (s.start, -s.end))
    merged: list[tuple[int, int, str]] = []
    for s in chosen:
        start, end = max(0, s.start), min(len(text), s.end)
        if start >= end:
            continue
        if merged and start < merged[-1][1]:
            a, b, ph = merged[-1]
            merged[-1] = (a, max(b, end), ph)
        else:
            merged.append((start, end, s.placeholder or "<REDACTED>"))
    if not merged:
        return text
    out: list[str] = []
    pos = 0
    for a, b, ph in merged:
        out.append(text[pos:a])
        segment = text[a:b]
        if keep_lines and "\n" in segment:
            parts = segment.split("\n")
            pieces = [ph if parts[0] else ""]
            for part in parts[1:]:
                pieces.append(part[:1] + (ph if part[1:] else ""))
            out.append("\n".join(pieces))
        else:
            out.append(ph)
        pos = b
    out.append(text[pos:])
    return "".join(out)


def apply(session: Session, plan: Plan, *, allow_stale: bool = False) -> Session:
    """A deep copy of `session` with every scrubbed span (auto, accepted, manual) replaced, in every
    field: text, tool inputs at any depth, file edits and hunks, paths, metadata.

    Raises TracetuiError when a field's text differs from the one the plan was made on, since
    offsets into other text would scrub the wrong characters; `allow_stale` skips that check for
    previews (stale fields are then left as they are).
    """
    if not allow_stale:
        stale = stale_fields(session, plan)
        if stale:
            step, name = stale[0]
            where = f"step {step} {name}" if step else name
            raise TracetuiError(
                f"the redaction plan is out of date for {len(stale)} field(s) (first: {where}); scan the session again"
            )
    by_field: dict[str, list[PlanSpan]] = {}
    for span in plan.spans:
        if span.scrubbed:
            by_field.setdefault(field_key(span.step, span.field), []).append(span)

    def rewrite(step: str | None, name: str, text: str) -> str:
        spans = by_field.get(field_key(step, name))
        if not spans:
            return text
        if allow_stale and plan.fields.get(field_key(step, name)) != text_hash(text):
            return text
        return scrub_text(text, spans, keep_lines=".hunks[" in name)

    return rewrite_fields(session, rewrite)
