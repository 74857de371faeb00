"""A focus move between the sessions list and the panes restyles only the panes `-browsing` sizes
(`BrowserScreen.on_descendant_focus`): every widget's styles are those a restyle of the whole screen
gives, at the three layouts."""

from __future__ import annotations

import pytest
from pilot_steps import open_claude, settle

from tracetui.ui.app import TraceApp


def _styles(screen) -> dict:
    return {node: (dict(node.styles.base._rules), dict(node._component_styles))
            for node in screen.walk_children(with_self=True)}  # fmt: skip


@pytest.mark.parametrize("size", [(160, 48), (120, 40), (80, 24)])
async def test_a_focus_move_styles_every_widget_as_a_whole_restyle(demo, size):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=size) as pilot:
        screen = await open_claude(app, pilot)
        # The rules that name the class style #left or #right themselves (what is restyled).
        named = [s for rule in app.stylesheet.rules for s in rule.selector_set if "-browsing" in s.css]
        assert named, "no rule names -browsing"
        for selectors in named:
            assert selectors.selectors[-1].css in ("#left", "#right"), selectors.css
        moves = (("sessions", True), ("timeline", False), ("sessions", True), ("detail", False))
        for pane, browsing in moves:
            await app.run_action(f"screen.focus_pane('{pane}')")
            await settle(app, pilot)
            assert screen.has_class("-browsing") is browsing, pane
            ours = _styles(screen)
            app.update_styles(screen)
            assert _styles(screen) == ours, pane
