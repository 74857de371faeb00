"""The main flows, driven by keys on the demo data: open, filter, search, steps, ctx, theme."""

from __future__ import annotations

from support.narrow import present
from textual.widgets import Input

from tracetui.ctx import sent_tokens
from tracetui.ui.app import TraceApp
from tracetui.views.format import human_tokens
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.ctx_list import CtxList
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.trail_list import TrailList
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_claude, settle

SIZE = (160, 45)


def timeline_text(screen) -> list[str]:
    timeline = screen.query_one(Timeline)
    return [timeline.render_line(y).text for y in range(min(timeline.count, 40))]


async def test_opens_on_the_sessions_newest_first(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        assert sessions.count == 3
        assert [present(sessions.summary(i)).agent for i in range(3)] == ["pi", "codex", "claude"]
        assert app.focused is sessions
        assert "3 sessions" in str(app.screen.query_one("#sessions-status").render())


async def test_filter_by_agent_and_by_words(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        await pilot.press("slash", *"agent:codex")
        await settle(app, pilot)
        assert sessions.count == 1
        assert present(sessions.summary(0)).agent == "codex"
        await pilot.press("escape")  # clears the box and gives the keys back to the list
        await settle(app, pilot)
        assert sessions.count == 3
        assert app.focused is sessions
        await pilot.press("slash", *"coupon")  # a word only the Claude session's abandoned branch has (FTS)
        await settle(app, pilot)
        assert sessions.count == 1
        assert present(sessions.summary(0)).agent == "claude"


async def test_agent_key_cycles_the_agent_filter(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert app.screen.query_one("#filter", Input).value == "agent:claude"
        assert app.screen.query_one(SessionList).count == 1


async def test_moving_through_steps_updates_detail_and_badges(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        assert app.focused is timeline
        rows = timeline_text(screen)
        assert "● alive" in rows[4]
        assert "◐ transformed" in rows[6]
        assert any("↺ reverted" in r for r in rows)
        assert any("compacted at 09:20:00" in r for r in rows)
        assert any("2 steps on an abandoned branch" in r for r in rows)
        await pilot.press("down", "down", "down", "down")
        await settle(app, pilot, 1)
        step = present(screen.opened).session.steps[present(timeline.step_index())]
        assert step.tool == "Edit"
        detail = "\n".join(screen.query_one("#detail-view", TextView).plain_lines())
        assert "── Edit input" in detail
        assert "+def apply_discount(amount, percent):" in detail
        await pilot.press("f")
        await settle(app, pilot, 1)
        diff = "\n".join(screen.query_one("#diff-view", TextView).plain_lines())
        assert "shop/cart.py · alive" in diff
        await pilot.press("t")
        await settle(app, pilot, 1)
        trail = "\n".join(screen.query_one(TrailList).plain_lines())
        assert "3 patches: 1 reverted 1 transformed 1 alive" in trail
        title = str(screen.query_one("#session-title").render())
        assert " · trail: 1 reverted 1 transformed 1 alive" in title  # said as the trail's, not bare counts


async def test_subagent_unfolds_and_branches_show(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        folded = timeline.count
        spawn_row = next(r for r in range(timeline.count) if "subagent steps" in timeline.render_line(r).text)
        timeline.cursor = spawn_row
        await pilot.press("enter")
        assert timeline.count == folded + 6
        assert "│ " in timeline.render_line(spawn_row + 1).text
        await pilot.press("left")
        assert timeline.count == folded
        await pilot.press("b")
        assert timeline.count == folded - 1 + 2  # the marker row gives way to the two steps
        assert any("Also support coupon codes." in timeline.render_line(r).text for r in range(timeline.count))


async def test_context_pane_counts_tokens(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        await pilot.press("end", "c")
        await settle(app, pilot)
        ctx = screen.context
        assert ctx is not None and ctx.compacted
        ctx_list = screen.query_one(CtxList)
        assert ctx_list.count == len(ctx.items) == 5  # summary, prompt, call, result, answer
        total = str(screen.query_one("#ctx-total").render())
        first, *rest = total.splitlines()
        assert first == f"≈ {ctx.tokens} tokens · 5 items · after a compaction (chars/4)"
        # where the log gives the real count, it stands beside the estimate, with why they differ
        sent = sent_tokens(present(screen.opened).session, present(screen.current_step()))
        assert sent is not None and rest and rest[0].startswith("the log says the model was sent")
        assert human_tokens(sent.input + sent.cache_read + sent.cache_write) in rest[0]
        rows = [ctx_list.render_line(y).text for y in range(5)]
        assert "⚙ Bash         git commit -am 'Cart:" in rows[2]  # a call shows its command


async def test_switch_theme_with_a_key(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.theme == "tracetui-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "tracetui-light"
        await pilot.press("ctrl+t")
        assert app.theme == "tracetui-ansi"
    # the pick is remembered for the next start (in the tests' own config folder)
    from tracetui.settings import remembered_theme

    assert remembered_theme() == "tracetui-ansi"


async def test_jump_to_step_through_the_palette(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        await pilot.press("ctrl+g")
        await settle(app, pilot, 1)
        await pilot.press(*"22")
        await settle(app, pilot)  # the palette's hits for "22"
        await pilot.press("enter")
        await settle(app, pilot, 1)
        timeline = screen.query_one(Timeline)
        assert timeline.step_index() == 22


async def test_search_opens_the_hit(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+f")
        await settle(app, pilot, 1)
        # A word only the Claude session holds: "legacy_total" is in the Codex session's diff too, and
        # which of the two hits came first depended on which keystroke's search answered last.
        await pilot.press(*"coupons")
        # The palette searches off the UI thread at each keystroke: its last search done, its hits stand.
        from textual.command import CommandList

        await settle(app, pilot)
        assert app.screen.query_one(CommandList).option_count
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        assert screen.opened is not None and present(screen.opened).session.agent == "claude"


async def test_narrow_terminal_shows_one_pane_at_a_time(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert screen.has_class("-narrow")
        assert screen.query_one(Timeline).display is True
        assert screen.query_one("#middle").styles.display == "none"
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.has_class("-hide-sessions")
        assert screen.query_one("#left").styles.display == "none"


async def test_r_opens_the_redaction_editor_on_the_open_session(demo):
    from tracetui.ui.screens.redact_editor import RedactEditor

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        await pilot.press("r")
        await settle(app, pilot, 2)
        assert isinstance(app.screen, RedactEditor)
        assert app.screen.session.id == present(screen.opened).session.id


async def test_background_sync_reports_progress_then_refreshes_the_list(demo):
    from tracetui.library import MemoryLibrary

    _, library = demo
    rows = library.list_sessions()
    sessions = [library.session(r.id) for r in rows]
    lib = MemoryLibrary(sessions[:1])

    def sync(progress):
        progress("syncing 1/2 files")
        # The index gained sessions while the app was open: the app holds this object, so refill it.
        lib.__init__(sessions)  # type: ignore[misc]
        return "synced: 2 new, 0 updated"

    app = TraceApp(lib, sync=sync)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.screen.query_one(SessionList).count == 3
        assert any(n.message == "synced: 2 new, 0 updated" for n in app._notifications)
        assert app.sync_status == ""


async def test_clicking_a_marker_row_twice_shows_the_branch(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        row = next(r for r in range(timeline.count) if "abandoned branch" in timeline.render_line(r).text)
        before = timeline.count
        await pilot.click(Timeline, offset=(5, row + 1))  # +1: the pane's top border
        await pilot.click(Timeline, offset=(5, row + 1))
        assert timeline.show_branches and timeline.count == before + 1


async def test_f1_lists_the_keys_of_the_focused_pane(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert len(app.screen.query("HelpPanel")) == 1
        await pilot.press("f1")
        await pilot.pause()
        assert len(app.screen.query("HelpPanel")) == 0


async def test_palette_jumps_to_a_session_by_its_words(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await settle(app, pilot, 1)
        await pilot.press(*"sales tax")
        await settle(app, pilot)  # the palette's hits for the words
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        assert screen.opened is not None and present(screen.opened).session.agent == "codex"
        assert app.focused is screen.query_one(Timeline)


async def test_v_switches_to_the_abandoned_branch_and_back(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)

        def texts() -> str:
            return "\n".join(timeline.render_line(r).text for r in range(timeline.count))

        assert "Skip coupons" in texts() and "Also support coupon codes." not in texts()
        await pilot.press("v")
        assert "Also support coupon codes." in texts() and "Skip coupons" not in texts()
        assert "on another branch" in texts()
        step = present(screen.opened).session.steps[present(timeline.step_index())]
        assert step.text == "Coupons need a table of codes; shall I add one?"  # the branch's last step
        await pilot.press("v")
        assert "Skip coupons" in texts() and "Also support coupon codes." not in texts()



async def test_the_header_gives_cost_per_surviving_line_once_the_trail_is_judged(demo):
    """The Claude session's header: beside the trail's counts, $ per surviving line and what its
    reverted or lost patches cost, the figures `show` and `ls --json` read (line_cost.py)."""
    from tracetui.line_cost import recorded
    from tracetui.views.format import line_cost_text, money

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:  # a header far too narrow for the whole line
        screen = await open_claude(app, pilot)
        await pilot.press("t")
        await settle(app, pilot, 1)
        title = str(screen.query_one("#session-title").render())
        assert screen.trail is not None and screen.opened is not None
        found = screen.trail.view.line_cost
        assert found is not None and found.reverted and found.wasted_usd is not None and found.wasted_usd > 0
        assert found.per_line_usd is not None
        whole = (f" · trail: 1 reverted 1 transformed 1 alive · {money(found.per_line_usd)}/kept line, "
                 f"{money(found.wasted_usd)} thrown away")  # fmt: skip
        # The trail pane says it in full; the header says it where it fits whole, never cut.
        assert line_cost_text(found) in screen.trail.header
        assert whole not in title and "kept line" not in title
        await pilot.resize_terminal(320, 40)
        await settle(app, pilot, 1)
        assert whole in str(screen.query_one("#session-title").render())
        # the same figures the CLI reads, remembered where the app judged the trail
        session = present(screen.opened).session
        kept = recorded(library.cache_dir, session.id, len(session.steps))
        assert kept is not None and kept.to_dict() | {"judged": None} == found.to_dict()
