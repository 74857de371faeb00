"""`KeysHere`: a key bound in the focus chain runs where it lands, once, as the app would have run it;
which holds while nothing between the focused widget and the app handles keys itself."""

from __future__ import annotations

import ast
from pathlib import Path

from textual.app import App
from textual.widget import Widget

import tracetui.ui
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.keys_here import KeysHere
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_claude, settle

UI = Path(tracetui.ui.__file__).parent


def _handles_keys(name: str) -> bool:
    return name in ("on_key", "_on_key") or name.startswith(("key_", "_key_"))


def test_no_widget_or_screen_of_the_app_handles_keys_itself():
    handlers = []
    for path in UI.rglob("*.py"):
        if path.name == "keys_here.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _handles_keys(node.name):
                handlers.append(f"{path.relative_to(UI)}: {node.name}")
    assert handlers == []


def _on_key_overrides(node) -> list[str]:
    """`on_key` handlers a node adds to Textual's base ones (Widget's and App's `_on_key`)."""
    found = []
    for name in ("on_key", "_on_key"):
        handler = getattr(type(node), name, None)
        if handler is not None and handler not in (Widget._on_key, App._on_key, KeysHere._on_key):
            found.append(f"{type(node).__name__}.{name}")
    return found


async def test_nothing_between_the_keys_widgets_and_the_app_has_an_on_key(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_claude(app, pilot)
        takers = [w for w in screen.query("*") if isinstance(w, KeysHere)]
        assert {type(w) for w in takers} >= {Timeline, TextView}
        for widget in takers:
            assert _on_key_overrides(widget) == []
            assert [h for node in widget.ancestors for h in _on_key_overrides(node)] == []


async def test_a_key_an_ancestor_has_a_method_for_still_reaches_it(demo, monkeypatch):
    # Textual's screen clears a mouse selection on escape (`Screen._key_escape`), before the bindings.
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_claude(app, pilot)
        assert isinstance(app.focused, Timeline)
        cleared = []
        monkeypatch.setattr(type(screen), "clear_selection", lambda self: cleared.append(self))
        await pilot.press("escape")
        await settle(app, pilot, 1)
        assert cleared == [screen]


async def test_a_bound_key_runs_once_and_the_apps_keys_still_reach_the_app(demo, monkeypatch):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        assert app.focused is timeline
        runs = []
        down = Timeline.action_cursor_down

        def counted(self) -> None:
            runs.append(1)
            down(self)

        monkeypatch.setattr(Timeline, "action_cursor_down", counted)
        before = timeline.cursor
        await pilot.press("down")
        await settle(app, pilot, 1)
        assert runs == [1] and timeline.cursor == before + 1
        theme = app.theme
        await pilot.press("ctrl+t")  # the app's own binding, not the timeline's
        await settle(app, pilot, 1)
        assert app.theme != theme
