"""A widget's component styles (a list's cursor row, a footer key's letter) are kept by what their
rules test along the widget's path (ui/parsed_css.py): after focus moves, a pane class, a theme
change and back, each is what Textual's own matching gives."""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet

from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_claude, settle


def _component_rules(node) -> dict:
    return {name: dict(styles.base._rules) for name, styles in node._component_styles.items()}


def _as_textual_matches(app) -> list[str]:
    """The nodes whose kept component styles differ from Textual's matching made afresh."""
    wrong = []
    for node in app.screen.walk_children(with_self=True):
        if not node._get_component_classes():
            continue
        kept = _component_rules(node)
        Stylesheet._process_component_classes(app.stylesheet, node)  # Textual's, nothing kept
        if _component_rules(node) != kept:
            wrong.append(f"{type(node).__name__}#{node.id}")
    return wrong


async def test_component_styles_follow_focus_classes_and_theme_as_textual_matches_them(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        focused = _component_rules(timeline)["virtual-list--cursor"]
        for keys in (("tab",), ("tab",), ("shift+tab",), ("escape",), ("enter",)):
            await pilot.press(*keys)
            await settle(app, pilot)
            assert _as_textual_matches(app) == [], keys
        timeline.focus()
        await settle(app, pilot)
        assert _component_rules(timeline)["virtual-list--cursor"] == focused
        screen.query_one("#filter").focus()
        await settle(app, pilot)
        assert _component_rules(timeline)["virtual-list--cursor"] != focused  # a list's cursor, not focused
        assert _as_textual_matches(app) == []
        themes = [name for name in app.available_themes if name != app.theme]
        app.theme = themes[0]
        await settle(app, pilot)
        assert _as_textual_matches(app) == []


async def test_a_component_style_that_an_ancestors_class_or_id_decides_follows_it():
    from textual.app import App, ComposeResult
    from textual.containers import Vertical
    from textual.widget import Widget

    from tracetui.ui.parsed_css import ParsedOnce

    class Probe(Widget):
        COMPONENT_CLASSES = {"probe--part", "probe--other"}

    class ProbeApp(App):
        CSS = """
        Probe > .probe--part { color: blue; }
        Screen.-on Probe > .probe--part { color: red; }
        #left Probe > .probe--part { background: green; }
        """

        def __init__(self) -> None:
            super().__init__()
            self.stylesheet = ParsedOnce(variables=self.stylesheet._variables)

        def compose(self) -> ComposeResult:
            with Vertical(id="left"):
                yield Probe(id="a")
            with Vertical(id="right"):
                yield Probe(id="b")

    def part(app, probe: str) -> dict:
        return dict(app.query_one(f"#{probe}", Probe)._component_styles["probe--part"].base._rules)

    app = ProbeApp()
    async with app.run_test() as pilot:
        first = {name: part(app, name) for name in "ab"}
        assert first["a"] != first["b"]  # the id of an ancestor decides
        for on in (True, False, True):
            app.screen.set_class(on, "-on")
            await pilot.pause()
            assert _as_textual_matches(app) == []
            assert (part(app, "a") != first["a"]) is on and (part(app, "b") != first["b"]) is on
