"""An OpenCode session with a hundred thousand child sessions (a storage tree or database someone else
wrote: a child is a small record naming its parent). The reader gathers a session's descendants
breadth first, and each was looked for among those gathered in a list, and taken from the front of
another: 10,000 children took 0.43 s, 20,000 1.76 s (x4 a doubling; found 2026-11-28 by timing the
readers on hostile shapes), so 100,000 about 45 s. Linear now, in the same order."""

from __future__ import annotations

import time

from tracetui.model import Session
from tracetui.sources.opencode.objects import Objects
from tracetui.sources.opencode.reader import _Reader


def test_a_hundred_thousand_child_sessions_are_gathered_in_linear_time():
    n = 100_000
    kids = {f"c{i:06d}": {"id": f"c{i:06d}", "parentID": "root"} for i in range(n)}
    grandkid = {"g": {"id": "g", "parentID": "c000001"}}
    objects = Objects(sessions={"root": {"id": "root"}, **kids, **grandkid})
    reader = _Reader(Session(id="root", agent="opencode", source="/x"), objects)
    began = time.process_time()
    found = reader.descendants("root")
    assert time.process_time() - began < 3.0  # about 45 s before
    assert found == [*kids, "g"]
