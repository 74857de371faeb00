"""What Pi's reader keeps of the entries that make no step: a link from each to the nearest entry
above it that does (`Links`), and the keys of the latest entries, for a v1 compaction that names one
by its place (`Recent`). Both keep only the latest MAX_KEPT, so a log of millions of records of kinds
Pi never wrote costs a bounded amount (docs/internals/sources.md)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# The links kept: between MAX_KEPT and twice as many, the latest. An entry names its parent, and Pi
# writes each entry under the one before it: a branch goes back to an entry thousands back at most.
MAX_KEPT = 10_000


@dataclass(slots=True)
class Links:
    """key -> the nearest key on the way up that is not an entry without steps (or None at a root),
    in two generations: the older dropped whole once the newer holds MAX_KEPT."""

    new: dict[str, str | None] = field(default_factory=dict)
    old: dict[str, str | None] = field(default_factory=dict)
    dropped: int = 0  # the links no longer kept

    def __contains__(self, key: object) -> bool:
        return key in self.new or key in self.old

    def __getitem__(self, key: str) -> str | None:
        return self.new[key] if key in self.new else self.old[key]

    def up(self, key: str | None) -> str | None:
        """Where `key` leads: its link where it is an entry without steps, else itself."""
        if key is None:
            return None
        if key in self.new:
            return self.new[key]
        return self.old.get(key, key)

    def add(self, key: str, parent: str | None) -> None:
        if len(self.new) >= MAX_KEPT:
            self.dropped += len(self.old)
            self.old, self.new = self.new, {}
        self.new[key] = self.up(parent)

    def to_state(self) -> list[Any]:
        return [self.old, self.new, self.dropped]

    @classmethod
    def of_state(cls, row: list[Any]) -> Links:
        return cls(dict(row[1]), dict(row[0]), int(row[2]))


@dataclass(slots=True)
class Recent:
    """The keys of the latest MAX_KEPT entries, and how many entries there were."""

    keys: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_KEPT))
    count: int = 0

    def add(self, key: str) -> None:
        self.keys.append(key)
        self.count += 1

    def last(self) -> str | None:
        return self.keys[-1] if self.keys else None

    def at(self, place: int) -> str | None:
        """The key of entry number `place` (from 1), where it is still kept."""
        back = self.count - place
        return self.keys[-1 - back] if 0 <= back < len(self.keys) else None

    def to_state(self) -> list[Any]:
        return [list(self.keys), self.count]

    @classmethod
    def of_state(cls, row: list[Any]) -> Recent:
        keys: Iterable[str] = row[0]
        return cls(deque(keys, maxlen=MAX_KEPT), int(row[1]))
