"""The session list as a user reads it: column headers over the columns, dates with the year where it
is not this one, a date filter in the box, and sorting by date, tokens, steps or duration."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.library import MemoryLibrary
from tracetui.model import SessionFilter
from tracetui.ui.app import TraceApp
from tracetui.ui.query import parse_query
from tracetui.ui.widgets.session_list import SessionList, columns, header_text, when_text

from pilot_steps import settle

SIZE = (160, 45)


def test_the_header_stands_over_its_columns():
    for width in (30, 45, 60, 72, 100):
        header = header_text(width)
        assert len(header) <= width
        names = [name for name, _ in columns(width)]
        assert header.split() == names
    # the numbers are right-aligned under right-aligned names
    assert header_text(80).endswith(" steps tokens")
    assert header_text(100).endswith(" steps tokens     cost")


def test_dates_carry_the_year_only_when_it_is_not_this_one():
    assert when_text("2026-01-14T14:00:00.000Z", "2026") == "01-14 14:00"
    assert when_text("2025-12-31T23:59:00Z", "2026") == "2025-12-31"
    assert when_text(None, "2026") == ""


def test_the_filter_box_reads_dates():
    now = datetime(2026, 3, 10, 15, 30, tzinfo=timezone(timedelta(hours=2)))
    q = parse_query("since:2026-03-01 until:2026-03-05 agent:codex tax", now)
    assert (q.agent, q.text, q.since, q.until) == ("codex", "tax", "2026-02-28T22:00:00", "2026-03-05T22:00:00")
    today = parse_query("today", now)
    assert (today.since, today.until, today.text) == ("2026-03-09T22:00:00", "2026-03-10T22:00:00", None)
    assert parse_query("7d", now).since == "2026-03-03T13:30:00"
    assert parse_query("36h", now).since == "2026-03-09T01:30:00"
    # not a date: kept as words to search for
    assert parse_query("since:soon 7days", now).text == "since:soon 7days"


@pytest.fixture(params=["bucket", "memory"])
def library(request, demo, tmp_path):
    d, bucket_library = demo
    if request.param == "bucket":
        return bucket_library
    sessions = [bucket_library.session(r.id) for r in bucket_library.list_sessions()]
    return MemoryLibrary(sessions)


def test_sorting_and_date_bounds_agree_between_the_bucket_and_memory(library):
    rows = library.list_sessions()
    assert [r.started for r in rows] == sorted((r.started for r in rows), reverse=True)
    by_steps = library.list_sessions(order="steps")
    assert [r.steps for r in by_steps] == sorted((r.steps for r in rows), reverse=True)
    by_tokens = library.list_sessions(order="tokens")
    assert [r.tokens.total for r in by_tokens] == sorted((r.tokens.total for r in rows), reverse=True)
    by_duration = library.list_sessions(order="duration")
    assert {r.id for r in by_duration} == {r.id for r in rows}
    newest = rows[0].started[:19]
    assert [r.id for r in library.list_sessions(SessionFilter(since=newest))] == [rows[0].id]
    assert library.count_sessions(SessionFilter(until=newest)) == len(rows) - 1
    assert library.count_sessions(SessionFilter(since=newest, until=newest)) == 0


def test_the_box_gives_the_filter_the_libraries_take_and_a_machine_keeps_none_of_their_own(library):
    box = parse_query("agent:codex machine:beta user:ana 7d", machines=True)
    assert box == SessionFilter(agent="codex", since=box.since, machine="beta", user="ana") and box.narrows()
    assert parse_query("machine:beta").text == "machine:beta"  # a bucket's box: words like any other
    assert not parse_query("").narrows() and not SessionFilter(include_hidden=True).narrows()
    # A bucket's and memory's sessions name no machine or user (a dataset's do): none is theirs.
    assert library.count_sessions() > 0
    assert library.count_sessions(SessionFilter(machine="beta")) == 0
    assert library.list_sessions(SessionFilter(user="ana")) == []
    assert library.first_sessions(SessionFilter(machine="beta", text="the")).rows == []


async def test_o_cycles_the_order_and_the_status_says_it(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        first = present(sessions.summary(0)).id
        await pilot.press("o", "o")  # by cost, then by tokens
        await settle(app, pilot)
        status = str(app.screen.query_one("#sessions-status").render())
        assert "by tokens" in status
        top = max(library.list_sessions(), key=lambda r: r.tokens.total)
        assert present(sessions.summary(0)).id == top.id
        assert first == library.list_sessions()[0].id  # it was newest first before
        header = str(app.screen.query_one("#sessions-header").render())
        assert header.split()[:2] == ["when", "agent"]


async def test_a_first_run_with_no_logs_names_the_folders_it_looked_in(tmp_path):
    folders = [tmp_path / "home" / ".claude" / "projects", tmp_path / "home" / ".codex" / "sessions"]
    bucket = Bucket.open(tmp_path / "bucket")
    app = TraceApp(bucket, sync=lambda progress: "synced: 0 new, 0 updated", watch=folders)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        assert sessions.count == 0
        shown = [sessions.render_line(y).text.strip() for y in range(1, 8)]
        assert shown[0] == "no sessions yet. Looked in:"
        assert shown[1].endswith("/home/.claude/projects") and shown[2].endswith("/home/.codex/sessions")
        assert any("--source AGENT=PATH" in line for line in shown)
        await pilot.press("slash", *"nothing")
        await settle(app, pilot)
        assert sessions.render_line(1).text.strip() == "no session matches the filter"
    bucket.close()


async def test_removing_a_session_asks_first_and_leaves_the_agents_log(tmp_path):
    from tracetui.demo import build, open_library

    from pilot_steps import open_claude

    demo = build(tmp_path / "demo")
    library = open_library(demo)
    logs = {p: p.read_bytes() for p in (tmp_path / "demo").rglob("*.jsonl")}
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        doomed = present(screen.opened).session.id
        screen.action_remove_session()
        await pilot.pause()
        await pilot.press(*"no", "enter")  # anything but yes keeps it
        await settle(app, pilot)
        assert app.screen.query_one(SessionList).count == 3
        screen.action_remove_session()
        await pilot.pause()
        await pilot.press(*"yes", "enter")
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        assert sessions.count == 2
        assert screen.opened is None or present(screen.opened).session.id != doomed  # the list may preview the next one
        assert doomed not in {present(sessions.summary(i)).id for i in range(sessions.count)}
    assert all(p.read_bytes() == data for p, data in logs.items())  # the agent's logs, untouched
