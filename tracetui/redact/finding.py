"""What a detector proposes: a span to scrub, with its kind, tier and detector.

A finding never carries the secret value: it points into a text (`start`/`end`, character
offsets) and, inside a session, names where that text lives (`step`, `field`). Whoever needs the
value slices the text they already hold, so printing a finding can never leak one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Sure detections are scrubbed unless the user rejects them; suggestions wait for a decision.
AUTO = "auto"
SUGGESTED = "suggested"
MANUAL_TIER = "manual"  # a span the user selected (`Plan.add_manual`)
TIERS = (AUTO, SUGGESTED, MANUAL_TIER)  # every tier a receipt's row can hold
# The detector of a text the second gate could not scan in time (`redact.scan.gate_scan`).
GATE_OUT_OF_TIME = "gate:out-of-time"


@dataclass(slots=True, frozen=True)
class Finding:
    start: int
    end: int
    kind: str  # aws-key, email, home-path, ... (see `tracetui.redact.kinds`)
    tier: str  # AUTO or SUGGESTED
    detector: str  # which rule or plugin found it
    step: str | None = None  # the step id, or None for a session-level field (cwd, title...)
    field: str = ""  # where in the step: "text", "tool_input.command", "edits[0].new_string"...

    def at(self, step: str | None, field: str) -> Finding:
        """The same finding, located in a session field."""
        return Finding(self.start, self.end, self.kind, self.tier, self.detector, step, field)

    def to_dict(self) -> dict[str, Any]:
        """The `scan --json` row: never the value."""
        return {
            "step": self.step,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "tier": self.tier,
            "detector": self.detector,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        return cls(
            int(d["start"]), int(d["end"]), d["kind"], d["tier"], d["detector"], d.get("step"), d.get("field", "")
        )
