"""What `show` and the app's title say of lines a reader could not use (tracetui/views/unread.py)."""

from __future__ import annotations

from tracetui.model import LineError, LineErrors, Session
from tracetui.views import unread


def _session(*errors: LineError) -> Session:
    return Session(id="s", agent="claude", source="/logs/s.jsonl", errors=LineErrors(errors))


def test_nothing_lost_says_nothing():
    assert unread.count_text(_session()) is None and unread.report_line(_session()) is None


def test_a_recovered_line_lost_nothing_and_is_not_counted():
    s = _session(LineError("/logs/s.jsonl", 440, "2 entries on one line (a lost newline); all recovered", True))
    assert unread.count_text(s) is None
    assert unread.report_line(s) == "1 odd line read in full"


def test_lost_lines_are_counted_with_the_first_reason_and_where():
    s = _session(
        LineError("/logs/s.jsonl", 7, "not JSON; skipped"),
        LineError("/logs/s.jsonl", 9, "not JSON; skipped"),
        LineError("/logs/s.jsonl", 12, "odd", True),
    )
    assert unread.count_text(s) == "2 lines not read"
    assert unread.report_line(s) == "2 lines not read (first: s.jsonl line 7: not JSON; skipped); 1 odd line read in full"


def test_a_whole_log_error_names_no_line():
    s = _session(LineError("/logs/s.jsonl", 0, "the log is not JSON; skipped"))
    assert unread.report_line(s) == "1 line not read (first: s.jsonl: the log is not JSON; skipped)"
