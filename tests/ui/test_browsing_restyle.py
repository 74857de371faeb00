"""A change of the browser's pane classes (`-browsing` on a focus move between the sessions list and the
panes, `-hide-sessions` as a session opens and Escape goes back, `-code-tab` for the Diff and Trail
tabs, `-zoom`) restyles only the screen and the panes they size (`BrowserBase.set_pane_classes`):
every widget's styles are those a restyle of the whole screen gives, at the three layouts."""

from __future__ import annotations

import pytest
from pilot_steps import open_claude, settle

from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser.base import PANE_CLASSES, PANES


def _styles(screen) -> dict:
    return {node: (dict(node.styles.base._rules), dict(node._component_styles))
            for node in screen.walk_children(with_self=True)}  # fmt: skip


# Each move and the classes the screen has after it.
MOVES: tuple[tuple[str, set[str]], ...] = (
    ("screen.focus_pane('sessions')", {"-browsing"}),
    ("screen.focus_pane('timeline')", set()),
    ("screen.toggle_sessions", {"-hide-sessions"}),
    ("screen.tab('diff')", {"-hide-sessions", "-code-tab"}),
    ("screen.toggle_zoom", {"-hide-sessions", "-code-tab", "-zoom"}),
    ("screen.back", {"-hide-sessions", "-code-tab"}),
    ("screen.tab('detail')", {"-hide-sessions"}),
    ("screen.focus_pane('sessions')", {"-browsing"}),
    ("screen.select_cursor", {"-hide-sessions"}),  # Enter on a session: the list steps aside
    ("screen.focus_pane('timeline')", {"-hide-sessions"}),
    ("screen.back", {"-browsing"}),  # Escape on the steps: the list again
)


@pytest.mark.parametrize("size", [(160, 48), (120, 40), (80, 24)])
async def test_a_pane_class_change_styles_every_widget_as_a_whole_restyle(demo, size):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=size) as pilot:
        screen = await open_claude(app, pilot)
        # The rules that name one of the classes style one of the panes themselves (what is restyled).
        for name in PANE_CLASSES:
            named = [s for rule in app.stylesheet.rules for s in rule.selector_set if name in s.css]
            assert named, f"no rule names {name}"
            for selectors in named:
                assert selectors.selectors[-1].css.split(":")[0] in PANES, selectors.css
        for action, classes in MOVES:
            if action == "screen.select_cursor":
                await pilot.press("enter")
            else:
                await app.run_action(action)
            await settle(app, pilot)
            assert screen.classes & PANE_CLASSES == classes, action
            ours = _styles(screen)
            app.update_styles(screen)
            assert _styles(screen) == ours, action
