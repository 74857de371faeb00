"""The footer offers only keys that do something on the screen as it is."""

from __future__ import annotations

from support.narrow import present
from textual.widgets import Input, TabbedContent
from textual.widgets._footer import FooterKey

from tracetui.ui.app import TraceApp

from pilot_steps import open_by_id, settle


def _offered(app) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


async def test_a_narrow_screen_offers_the_tabs_only_where_they_show(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        listed = _offered(app)
        assert "Quit" in listed and not {"Detail", "Context", "Diff", "Trail"} & set(listed)
        await pilot.press("d")  # not a key here: nothing changes
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Detail" in _offered(app)
        await pilot.press("f")
        await settle(app, pilot, 1)
        assert app.screen.query_one("#right", TabbedContent).active == "diff"
        await pilot.press("escape")
        await settle(app, pilot, 1)
        assert "Diff" not in _offered(app)


async def test_a_wide_screen_offers_the_tabs_beside_the_list(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        assert {"Detail", "Context", "Diff", "Trail"} <= set(_offered(app))


async def test_the_key_help_lists_no_sideways_scrolling_for_lists_that_never_scroll_sideways(demo):
    from tracetui.ui.widgets.session_list import SessionList

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.focused, SessionList)
        actions = {binding.action for _, binding, _, _ in app.screen.active_bindings.values()}
        assert "cursor_down" in actions
        assert not {"scroll_left", "scroll_right", "page_left", "page_right"} & actions


async def test_go_to_step_and_search_are_offered_only_where_they_can_land(demo):
    from tracetui.ui.screens.review import ReviewScreen

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        assert {"Go to step", "Search"} <= set(_offered(app))
        await pilot.press("R")  # the review across sessions
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert not {"Go to step", "Search"} & set(_offered(app))
        await pilot.press("ctrl+g")  # not offered, and no "open a session first" over the review
        await settle(app, pilot, 1)
        assert isinstance(app.screen, ReviewScreen)
        assert not [n for n in app._notifications if "open a session" in n.message]


async def test_the_review_screen_leaves_the_palette_hint_out_where_the_others_do(demo):
    # Its footer was Textual's own: `^p palette` at 80 columns, where every other screen gives that
    # room to its keys, and the pinned Close could be cut before it.
    from tracetui.ui.screens.review import ReviewScreen

    _, library = demo
    app = TraceApp(library)
    for size, palette in (((80, 24), False), ((160, 45), True)):
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            browser = bool(app.screen.query(".-command-palette"))
            await pilot.press("R")
            await settle(app, pilot, 4)
            assert isinstance(app.screen, ReviewScreen)
            assert bool(app.screen.query(".-command-palette")) is palette is browser
            offered = _offered(app)
            assert {"Close", "Keys"} <= set(offered) and {"Accept", "Reject"} <= set(offered)
        app = TraceApp(library)


async def test_a_filter_key_with_the_list_hidden_shows_the_list_it_filters(demo):
    # Reading a session hides the list; `a` (Agent) then changed the hidden list's filter and only a
    # toast said so: the key acted on nothing on show.
    from tracetui.ui.widgets.session_list import SessionList

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert screen.has_class("-hide-sessions")
        await pilot.press("a")
        await settle(app, pilot, 1)
        assert not screen.has_class("-hide-sessions")
        assert isinstance(app.focused, SessionList) and app.focused.region.height > 0
        assert "agent:" in screen.query_one("#filter", Input).value


async def test_the_subagent_key_shows_on_a_call_that_spawned_a_held_subagent_as_the_parent_key_shows(tmp_path):
    # `C` (browser.spawned_child) was in the palette and the key help only: the footer showed `F` on
    # the subagent and nothing on the parent's spawning call, the one step the way back starts from.
    from codex_subagents import CHILD, PARENT, SPAWN_CALL, parent_rollout, write_pair

    from tracetui.bucket import Bucket
    from tracetui.ui.widgets.timeline import Timeline

    held = Bucket.open(tmp_path / "held")
    held.sync(sources={"codex": [write_pair(tmp_path / "src")]})
    app = TraceApp(held)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_by_id(app, pilot, CHILD)
        assert "Parent" in _offered(app) and "Subagent" not in _offered(app)
        await pilot.press("F")  # the parent, at its spawning call
        await settle(app, pilot)
        timeline = screen.query_one(Timeline)
        assert screen.opened is not None and present(screen.opened).session.id == PARENT
        assert present(screen.opened).session.steps[present(timeline.step_index())].tool_call_id == SPAWN_CALL
        assert "Subagent" in _offered(app) and "Parent" not in _offered(app)
        await pilot.press("end")  # a step that spawned nothing
        await settle(app, pilot, 1)
        assert "Subagent" not in _offered(app)
        screen.jump_to_step(next(s.id for s in present(screen.opened).session.steps if s.tool_call_id == SPAWN_CALL))
        await settle(app, pilot, 1)
        assert "Subagent" in _offered(app)  # back on the call: offered again
        await pilot.press("C")
        await settle(app, pilot)
        assert present(screen.opened).session.id == CHILD
    held.close()

    # The parent alone: its call names a subagent the bucket does not hold, so no key.
    (tmp_path / "alone" / "2026").mkdir(parents=True)
    (tmp_path / "alone" / "2026" / f"rollout-2026-05-02T09-00-00-{PARENT}.jsonl").write_bytes(parent_rollout())
    alone = Bucket.open(tmp_path / "alone-bucket")
    alone.sync(sources={"codex": [tmp_path / "alone"]})
    app = TraceApp(alone)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_by_id(app, pilot, PARENT)
        screen.jump_to_step(next(s.id for s in present(screen.opened).session.steps if s.tool_call_id == SPAWN_CALL))
        await settle(app, pilot, 1)
        assert present(screen.opened).session.steps[present(screen.query_one(Timeline).step_index())].tool_call_id == SPAWN_CALL
        assert "Subagent" not in _offered(app)
    alone.close()


def _composed(footer) -> list[tuple]:
    """What the footer would draw composed afresh (its compose binds each key to it: run as its own)."""
    from textual._context import active_message_pump

    token = active_message_pump.set(footer)
    try:
        return _drawn(footer.compose())
    finally:
        active_message_pump.reset(token)


def _drawn(keys) -> list[tuple]:
    return [(k.key, k.key_display, k.description, k.action, k._disabled, str(k.tooltip or ""),
             sorted(k.classes)) for k in keys]  # fmt: skip


async def test_keys_that_change_are_the_mounted_keys_redrawn_as_a_new_footer_draws_them(demo):
    """A change of the keys on offer redraws the keys already mounted (`KeyFooter._redraw`): what it
    shows is what a footer composed afresh shows, in the same order, the palette hint last."""
    from tracetui.ui.widgets.key_footer import KeyFooter

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(KeyFooter)
        first = list(footer.query_children(FooterKey))
        kept = 0
        for keys in (("enter",), ("tab",), ("f",), ("escape",), ("escape",), ("tab", "tab")):
            before = _drawn(footer.query_children(FooterKey))
            await pilot.press(*keys)
            await settle(app, pilot, 1)
            now = [k for k in footer.query_children(FooterKey) if not k._pruning]
            assert _drawn(now) == _composed(footer), keys
            assert now[-1].has_class("-command-palette")
            kept += before != _drawn(now) and any(k in first for k in now)
        assert kept >= 3, "the keys were mounted afresh, not redrawn"
