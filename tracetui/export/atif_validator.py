"""The ATIF consumers' own validators, run by `tracetui export --check` on every trajectory.

Harbor's (`harbor.utils.trajectory_validator`, the format's home; it needs Python 3.12+) is used
where it is installed, else the `atif` package's pydantic models (ATIF v1.8, Python 3.11+, in the
test extras). Where neither is installed the trajectories are not checked against the format, and
the check says so rather than passing them in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

@dataclass(frozen=True, slots=True)
class Validator:
    name: str  # what ran, with its version: "harbor 0.24.0", "atif 1.8.0"
    errors: Callable[[dict[str, Any]], list[str]]  # a trajectory's problems, [] when valid


def find_validator() -> Validator | None:
    return _harbor() or _atif()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _harbor() -> Validator | None:
    try:
        from harbor.utils.trajectory_validator import TrajectoryValidator
    except Exception:  # absent, or present but broken on this Python: the next one is tried
        return None

    def errors(document: dict[str, Any]) -> list[str]:
        validator = TrajectoryValidator()
        return [] if validator.validate(document) else [str(e) for e in validator.errors]

    return Validator(f"harbor {_version('harbor')}", errors)


def _atif() -> Validator | None:
    try:
        from atif import Trajectory
        from pydantic import ValidationError
    except Exception:
        return None

    def errors(document: dict[str, Any]) -> list[str]:
        try:
            Trajectory.model_validate(document)
        except ValidationError as exc:
            return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return []

    return Validator(f"atif {_version('atif')}", errors)
