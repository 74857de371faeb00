"""A capsule's trail.jsonl records, kept as the member's bytes and parsed one at a time when asked for.

Parsed, a one-line patch took about 1.4 KB of dicts, lists and strings; as bytes it takes its own
length and 8 bytes of offset. Every record was parsed and checked on open (opened.py); reading one
again gives the same dict. More in docs/internals/capsule.md, `capsule/trail_records.py`.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import Any, overload

import orjson


class ReadWhenAsked(Sequence[dict[str, Any]]):
    """Records read one at a time (`_at`) when asked for: by index, by slice (a list) or in turn."""

    __slots__ = ()

    def __len__(self) -> int:
        raise NotImplementedError

    def _at(self, i: int) -> dict[str, Any]:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("trail record index out of range")
        return self._at(index)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self._at(i)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class TrailRecords(ReadWhenAsked):
    """The records of a checked trail.jsonl; each read is a new dict (changing it changes nothing kept)."""

    __slots__ = ("_data", "_ends", "_names", "_steps")

    def __init__(
        self, data: bytes = b"", ends: array[int] | None = None, steps: list[str] | None = None
    ) -> None:
        self._data = data
        self._ends = ends if ends is not None else array("Q")  # where each record's line ends
        # Each record's step id, kept apart: a replay groups the patches by step without parsing them.
        self._names: list[str] = []
        self._steps = array("I")
        at: dict[str, int] = {}
        for step in steps or ():
            if step not in at:
                at[step] = len(self._names)
                self._names.append(step)
            self._steps.append(at[step])

    def step_ids(self) -> list[str]:
        """Each record's `step` (one string per step, however many records name it)."""
        names = self._names
        return [names[i] for i in self._steps]

    def __len__(self) -> int:
        return len(self._ends)

    def _at(self, i: int) -> dict[str, Any]:
        start = self._ends[i - 1] + 1 if i else 0
        record: dict[str, Any] = orjson.loads(self._data[start : self._ends[i]])
        return record

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TrailRecords):
            return self._data == other._data
        return ReadWhenAsked.__eq__(self, other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"TrailRecords({len(self)} records, {len(self._data)} bytes)"
