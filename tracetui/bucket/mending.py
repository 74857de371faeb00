"""Text no UTF-8 encoder takes, made storable."""

from __future__ import annotations

from typing import Any


def mend(value: Any) -> Any:
    """`value` with lone UTF-16 surrogates replaced (no UTF-8 encoder, nor SQLite, takes them)."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {mend(k): mend(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mend(v) for v in value]
    return value
