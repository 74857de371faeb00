"""At 80x24: a field's placeholder that does not fit ends in `…`, the replay screen's check command
has room to be typed, the key help (f1) is one row a key, and the session list's header follows the
columns its rows have when the key help narrows it."""

from __future__ import annotations

from rich.cells import cell_len

from pilot_steps import settle
from tracetui.ui.app import TraceApp

NARROW = (80, 24)


async def test_the_replay_check_field_has_room_and_its_placeholder_ends_in_an_ellipsis(sealed_demo):
    # At 80 columns the field sat between six buttons, 12 cells wide: `your own ch` and nothing to
    # say more was there.
    from tracetui.capsule import open_capsule
    from tracetui.ui.widgets.cut_input import CutInput

    demo, path = sealed_demo
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        field = app.screen.query_one("#replay-check", CutInput)
        room = field.scrollable_content_region.width
        assert room >= 40, room
        shown = field.render_line(0).text.rstrip()
        full = "your own check command, e.g. pytest -x tests/test_cart.py"
        assert field.placeholder == full  # drawn cut, kept whole
        assert shown.endswith("…") and full.startswith(shown[:-1]) and cell_len(shown) <= room, shown
        # Every button of the step row is on the screen, whole.
        for name in ("replay-next", "replay-all", "replay-run", "replay-judge", "replay-bisect"):
            region = app.screen.query_one(f"#{name}").region
            assert region.right <= NARROW[0] and region.width >= 6, (name, region)


async def test_a_placeholder_that_fits_is_drawn_whole(demo):
    from tracetui.ui.widgets.cut_input import CutInput

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        field = app.screen.query_one("#filter", CutInput)
        whole = "/ filter: words, kind:context|KIND|all, agent:…, project:…"
        assert field.render_line(0).text.strip() == whole


async def test_the_filter_placeholder_says_kind_even_where_the_pane_cuts_it(demo):
    # Two columns at 100: the list's field has 44 cells; the search's kind: terms come before the rest.
    from tracetui.ui.widgets.cut_input import CutInput

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        field = app.screen.query_one("#filter", CutInput)
        room = field.scrollable_content_region.width
        shown = field.render_line(0).text.rstrip()
        assert room < cell_len(field.placeholder) and cell_len(shown) <= room
        assert shown.endswith("…") and "kind:context|KIND|all" in shown, shown


async def test_the_key_help_shows_each_keys_whole_help_wrapped_to_the_panel(demo):
    # Textual's panel was 30 cells at 80 columns and wrapped each key's help a word or two a line;
    # then one row a key cut the helps with `…`, so most were never read whole (issue 40).
    from tracetui.ui.widgets.key_help import KeyHelp, KeyRows

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        panel = app.screen.query_one(KeyHelp)
        assert panel.region.width >= 40
        rows = app.screen.query_one(KeyRows)
        keys = [r for r in rows.rows() if r is not None]
        lines = str(rows.render()).split("\n")
        width = rows.size.width
        assert all(cell_len(line) <= width for line in lines)
        assert not any(line.rstrip().endswith("…") for line in lines)
        assert len(lines) > len(keys) + 2  # some helps take more than one line
        assert rows.size.height == len(lines)  # laid out at the height the wrapped helps take
        words = " ".join(" ".join(line.split()) for line in lines)
        for _, label, help_text in keys:
            assert " ".join((help_text or label).split()) in words, help_text
        shown = next(i for i, line in enumerate(lines) if line.lstrip().startswith("/ "))
        assert lines[shown].lstrip().startswith("/ Filter sessions: words")
        # Its lines after the first start under its text, not under the keys.
        column = lines[shown].index("/ ") + 2
        assert lines[shown + 1][:column].strip() == "" and lines[shown + 1][column] != " "
        await pilot.press("f1")
        await settle(app, pilot)
        assert not app.screen.query("HelpPanel")


async def test_the_session_list_header_follows_the_width_its_rows_are_drawn_at(demo):
    # With the key help open beside it, a real terminal narrowed the list with no Resize: the rows
    # dropped their date and project while the header kept "when agent project".
    from tracetui.ui.widgets.session_list import SessionList, header_text

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        header = app.screen.query_one("#sessions-header")
        assert str(header.render()) == header_text(sessions.scrollable_content_region.width)
        sessions.render_row(0, 38, False)  # drawn narrower than the last Resize said
        await settle(app, pilot)
        assert str(header.render()) == header_text(38) and str(header.render()).startswith("agent")
