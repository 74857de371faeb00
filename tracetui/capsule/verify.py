"""`capsule verify`: the integrity checks of opening, plus the signature, as a report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracetui.capsule.opened import MemberInfo, open_capsule
from tracetui.capsule.signing import SignatureCheck


@dataclass(slots=True)
class Verification:
    path: Path
    capsule_id: str
    format: str
    tool: dict[str, Any]
    agent: str
    session: str
    steps: dict[str, Any]
    base: str | None
    members: list[MemberInfo]
    signature: SignatureCheck

    @property
    def ok(self) -> bool:
        return self.signature.state != "invalid"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "capsule": self.capsule_id,
            "path": str(self.path),
            "format": self.format,
            "tool": self.tool,
            "agent": self.agent,
            "session": self.session,
            "steps": self.steps,
            "base": self.base,
            "members": [m.to_dict() for m in self.members],
            "signature": self.signature.to_dict(),
        }


def verify(
    path: str | Path, allowed_signers: str | Path | None = None, identity: str | None = None
) -> Verification:
    """Check a capsule; raises CapsuleError naming what is wrong, reports the signature state."""
    opened = open_capsule(path)
    signature = opened.check_signature(Path(allowed_signers) if allowed_signers else None, identity)
    m = opened.manifest
    return Verification(
        path=Path(path),
        capsule_id=opened.capsule_id,
        format=m["format"],
        tool=dict(m.get("tool") or {}),
        agent=str(m.get("agent")),
        session=str((m.get("session") or {}).get("id")),
        steps=dict(m.get("steps") or {}),
        base=opened.base,
        members=opened.members,
        signature=signature,
    )
