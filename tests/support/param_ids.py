"""Short test ids for long parameters: pytest spells a string or bytes parameter out whole in the test's
id, and a hostile input of megabytes made ids of megabytes (18 MB of them in all), escaped again by
every worker's collection and carried in every report of the test."""

from __future__ import annotations

from typing import Any

HEAD = 24


def short(value: Any) -> str | None:
    """The value's first characters and its length where it is long; pytest's own id otherwise."""
    if isinstance(value, (str, bytes)) and len(value) > HEAD * 2:
        head = value[:HEAD].decode("ascii", "backslashreplace") if isinstance(value, bytes) else value[:HEAD]
        return f"{head}...{len(value)}"
    return None
