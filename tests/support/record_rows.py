"""One record of a kind amid a normal turn, read, against the same turn read without it: the steps the
record added, with every step of the turn kept in its order (the readers' record-type tables,
tests/unit/sources/<agent>/test_*record_types.py)."""

from __future__ import annotations

from typing import Any

from tracetui.model import Session, Step


def added_steps(plain: Session, read: Session, *, by_id: bool = True) -> list[Step]:
    """The steps `read` holds beyond `plain`'s. Each step of `plain` must still be there: found by id, in
    its order; or, where a reader's ids are the lines the record moves (`by_id=False`), by kind and text."""
    assert not read.errors
    around = [(s.kind, s.text) for s in plain.steps]
    if by_id:
        ids = {p.id for p in plain.steps}
        assert [(s.kind, s.text) for s in read.steps if s.id in ids] == around
        return [s for s in read.steps if s.id not in ids]
    left = list(read.steps)
    for kind, text in around:
        at = next(i for i, s in enumerate(left) if (s.kind, s.text) == (kind, text))
        del left[at]
    return left


def as_its_row(plain: Session, read: Session, new: list[Any], expected: Any) -> None:
    """`expected`: the new steps (a list, or a tuple for one), a record counted as skipped under its
    name (a string), or None for a record known and no step."""
    if isinstance(expected, tuple):
        expected = [expected]
    if isinstance(expected, list):
        assert new == expected and read.skipped == plain.skipped
    elif isinstance(expected, str):
        assert new == [] and read.skipped == plain.skipped | {expected: 1}
    else:
        assert new == [] and read.skipped == plain.skipped
