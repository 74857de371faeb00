"""The face-neutral trail view: worst state per step, the final path counted, abandoned branches apart."""

from __future__ import annotations

from typing import Any

from tracetui.model import Session, Step
from tracetui.views.trail import TrailView, from_rows, header_lines, patch_rows


def patch_lines(session: Session, view: TrailView) -> tuple[list[str], list[str]]:
    """One line per patch, in step order: those on the final path, and those on abandoned branches."""
    rows = patch_rows(session, view)
    return [r.text() for r in rows if not r.abandoned], [r.text() for r in rows if r.abandoned]


def _session() -> Session:
    steps = [
        Step(id="a", index=0, kind="tool_call", role="assistant", tool="Edit"),
        Step(id="b", index=1, kind="tool_call", role="assistant", tool="Edit", active=False),
        Step(id="c", index=2, kind="tool_call", role="assistant", tool="Write"),
    ]
    return Session(id="s1", agent="claude", source="x.jsonl", steps=steps)


def test_worst_state_per_step_and_abandoned_patches_apart():
    rows: list[dict[str, Any]] = [
        {"step": "a", "path": "x.py", "state": "alive", "kept": 2},
        {"step": "a", "path": "y.py", "state": "reverted"},
        {"step": "b", "path": "x.py", "state": "lost"},
        {"step": "c", "path": "z.py", "state": "transformed", "commit": "abcdef1234"},
    ]
    view = from_rows(_session(), rows)
    assert view.states == {"a": "reverted", "b": "lost", "c": "transformed"}
    assert view.counts == {"alive": 1, "reverted": 1, "transformed": 1}
    assert view.abandoned == 1
    assert header_lines(view) == ["3 patches: 1 reverted 1 transformed 1 alive",
                                  "1 more on abandoned branches, listed last"]  # fmt: skip
    kept, abandoned = patch_lines(_session(), view)
    assert [line.split()[1] for line in kept] == ["0", "0", "2"]
    assert abandoned[0].split()[:3] == ["step", "1", "lost"]


def test_rows_of_the_wrong_shape_are_not_trusted():
    # A capsule's sealed rows are a stranger's data: wrong types are dropped or shown as unknown.
    rows = [{"step": 3, "state": "alive"}, {"step": "a", "state": True, "commit": ["x"], "path": None}]
    view = from_rows(_session(), rows)
    assert view.states == {} and view.counts == {}
    assert view.patches["a"][0].state is None and view.patches["a"][0].commit is None
    assert view.patches["a"][0].path == "?"


def test_an_unknown_row_carries_its_reason_apart_from_its_counts():
    rows = [
        {"step": "a", "path": "x.ipynb", "state": "unknown", "kept": 0, "changed": 0, "dropped": 0,
         "reason": "notebook cells are not matched line by line"},
        {"step": "c", "path": "z.py", "state": "alive", "kept": 2, "changed": 0, "dropped": 0},
    ]  # fmt: skip
    view = from_rows(_session(), rows)
    unknown, alive = view.patches["a"][0], view.patches["c"][0]
    assert (unknown.evidence, unknown.reason) == ("", "notebook cells are not matched line by line")
    assert (alive.evidence, alive.reason) == ("2 kept, 0 changed, 0 dropped", "")
    kept, _ = patch_lines(_session(), view)
    assert kept[0].endswith("x.ipynb  why: notebook cells are not matched line by line")
