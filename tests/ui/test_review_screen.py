"""Pilot test of the cross-session Review screen: values listed once, each decided once, after asking."""

from __future__ import annotations

from tracetui.demo.build import build, open_library
from tracetui.redact import PlanStore
from tracetui.ui.app import TraceApp

from pilot_steps import settle

SIZE = (160, 45)


async def test_review_lists_the_demo_values_and_decides_one_everywhere(tmp_path):
    from tracetui.ui.screens.confirm import ConfirmScreen
    from tracetui.ui.screens.review import ReviewScreen

    demo = build(tmp_path / "demo")
    library = open_library(demo)
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await settle(app, pilot, 4)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        kinds = sorted(g.kind for g in screen.groups)
        assert kinds == ["card-number", "email", "street-address"]  # the demo's suggestions, once each
        status = str(screen.query_one("#review-status").render())
        assert "3 decisions left" in status
        shown = "".join(str(c) for row in range(3) for c in screen.query_one("DataTable").get_row_at(row))
        assert "4242" not in shown and "ana.ruiz" not in shown  # never the values
        first = screen.current
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "1 finding in 1 session" in app.screen.question
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is screen and len(screen.groups) == 2
        assert "2 decisions left" in str(screen.query_one("#review-status").render())
    store = PlanStore(demo.bucket / "plans")
    [occurrence] = first.occurrences
    plan = store.load(occurrence.session)
    assert {s.decision for s in plan.spans if s.kind == first.kind} == {"accepted"}


async def test_field_names_from_a_log_are_not_read_as_markup(tmp_path):
    from tracetui.library import MemoryLibrary
    from tracetui.model import Session, Step
    from tracetui.ui.screens.review import ReviewScreen

    hostile = "[bold red]x[/]\x1b[31m"
    step = Step(id="s0", index=0, kind="tool_call", role="assistant", text="",
                tool_input={hostile: "mail ana.ruiz@corp-mail.io"})
    library = MemoryLibrary([Session(id="h1", agent="claude", source="x.jsonl", steps=[step])])
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(ReviewScreen(library, store))
        await settle(app, pilot, 4)
        table = app.screen.query_one("DataTable")
        cell = table.get_row_at(0)[3]
        assert "[bold red]" in cell.plain and "\x1b" not in cell.plain
