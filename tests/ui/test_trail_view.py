"""What the trail pane makes of a session's fates: the final path first, abandoned branches apart."""

from __future__ import annotations

from tracetui.model import Session, Step
from tracetui.ui import trail_view


class SealedTrail:
    """A library that, like an opened capsule, holds the trail rows as they were sealed."""

    read_only = True

    def __init__(self, fates):
        self.fates = fates


def _session() -> Session:
    steps = [
        Step(id="a", index=0, kind="tool_call", role="assistant", tool="Edit"),
        Step(id="b", index=1, kind="tool_call", role="assistant", tool="Edit", active=False),
        Step(id="c", index=2, kind="tool_call", role="assistant", tool="Write"),
    ]
    return Session(id="s1", agent="claude", source="x.jsonl", steps=steps)


def test_patches_of_abandoned_branches_are_counted_and_listed_apart():
    fates = [
        {"step": "a", "path": "shop/cart.py", "state": "alive", "diff": ""},
        {"step": "b", "path": "shop/cart.py", "state": "lost", "diff": ""},
        {"step": "c", "path": "README.md", "state": "reverted", "diff": ""},
    ]
    result = trail_view.compute(_session(), SealedTrail(fates), None, None)
    # The header counts only the final path; the rewound edit is mentioned, not mixed in.
    assert result.counts == {"alive": 1, "reverted": 1}
    assert result.abandoned == 1
    titles = [b.title for b in result.summary_blocks]
    assert titles == ["trail", "patches", "patches on abandoned branches"]
    header, kept, rewound = (b.body for b in result.summary_blocks)
    assert header.splitlines()[:2] == ["2 patches: 1 reverted 1 alive",
                                       "1 more on abandoned branches, listed last"]
    assert [line.split()[1] for line in kept.splitlines()] == ["0", "2"]
    assert rewound.split()[:3] == ["step", "1", "lost"]
    # The timeline still gets the abandoned step's badge, for when branches are shown.
    assert result.states == {"a": "alive", "b": "lost", "c": "reverted"}


def test_a_session_without_rewinds_has_no_abandoned_block():
    fates = [{"step": "a", "path": "shop/cart.py", "state": "alive", "diff": ""}]
    result = trail_view.compute(_session(), SealedTrail(fates), None, None)
    assert result.abandoned == 0
    assert [b.title for b in result.summary_blocks] == ["trail", "patches"]
