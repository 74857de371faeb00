"""`results.log_members` writes a writer's log strings as a row does: what the gate's memo answers
ahead for a session (`blame.log_gate`) is what a blame prints of it."""

from __future__ import annotations

from tracetui.blame import LOG_MEMBERS, BlameLine, Contribution, Posting
from tracetui.blame.results import log_members


def test_a_writer_s_log_members_are_the_row_s():
    w = Posting(session="s-1", agent="claude", step="st-9", index=9, patch=2, path="/home/jdoe/r/app.py",
                time=1.0, timestamp="2026-01-01T10:00:00Z", active=True, prompt_step="u-8", prompt="add it",
                remote=None, commit=None)  # fmt: skip
    row = BlameLine("app.py", 3, "x = 1", "c" * 40, "agent", "committed", writer=w).to_dict()
    assert log_members(w) == {k: row[k] for k in LOG_MEMBERS & row.keys()}
    c = Contribution("s-1", "claude", "st-9", 9, "2026-01-01T10:00:00Z", "add it", "u-8").to_dict()
    assert {k: c[k] for k in LOG_MEMBERS & c.keys()} == {k: log_members(w)[k] for k in LOG_MEMBERS & c.keys()}
