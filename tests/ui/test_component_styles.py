"""A node's rules and a widget's component styles (a list's cursor row, a footer key's letter) are kept
by what their rules test along the node's path (ui/parsed_css.py): after focus moves, a pane class, a
theme change and back, each is what Textual's own matching gives."""

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


def _as_textual_applies(app) -> list[str]:
    """The nodes whose rules (and the flags Textual sets with them) differ from what Textual's own
    `apply` makes afresh, each with the rules that differ."""
    wrong = []
    for node in [app, *app.screen.walk_children(with_self=True)]:
        kept = (dict(node.styles.base._rules), node._has_hover_style, node._has_focus_within,
                node._has_order_style, node._has_odd_or_even)  # fmt: skip
        Stylesheet.apply(app.stylesheet, node)  # Textual's, nothing kept
        made = (dict(node.styles.base._rules), node._has_hover_style, node._has_focus_within,
                node._has_order_style, node._has_odd_or_even)  # fmt: skip
        if made != kept:
            differ = sorted(k for k in kept[0].keys() | made[0].keys() if kept[0].get(k) != made[0].get(k))
            wrong.append(f"{type(node).__name__}#{node.id} {differ or kept[1:]}")
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
            assert _as_textual_applies(app) == [], keys
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
        assert _as_textual_applies(app) == []


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


async def test_a_nodes_rules_that_its_ancestors_or_its_place_decide_are_textuals():
    """The rules of a node (not its component classes) kept by its path's signature: an ancestor's
    class, id and focus, the node's own pseudo-classes and its place among its siblings. Compared at
    each step with the same app on Textual's own stylesheet (a fresh `apply` is not the reference:
    Textual leaves a focus-within rule of a parent's children as it was when focus leaves)."""
    from textual.app import App, ComposeResult
    from textual.containers import Vertical
    from textual.layout import Layout
    from textual.widget import Widget

    from tracetui.ui.parsed_css import ParsedOnce

    class Cell(Widget, can_focus=True):
        pass

    class CellApp(App):
        CSS = """
        Cell { color: blue; height: 1; }
        Screen.-on Cell { color: red; }
        #left Cell { background: green; }
        Vertical:focus-within > Cell { text-style: bold; }
        Cell:focus { text-style: italic; }
        Cell:first-child { border-top: solid red; }
        Cell:odd { padding-left: 1; }
        Vertical.-wide Cell:last-child { width: 5; }
        """

        def __init__(self, kept: bool) -> None:
            super().__init__()
            if kept:
                self.stylesheet = ParsedOnce(variables=self.stylesheet._variables)

        def compose(self) -> ComposeResult:
            for side in ("l", "r"):
                with Vertical(id="left" if side == "l" else "right"):
                    for n in range(3):
                        yield Cell(id=f"{side}{n}")

    def seen(app) -> dict[str, dict]:
        # A layout is an object of each parse (two apps, two parses): its name says what it is.
        def value(v):
            return getattr(v, "name", v) if isinstance(v, Layout) else v

        return {f"{type(n).__name__}#{n.id}": {k: value(v) for k, v in n.styles.base._rules.items()}
                for n in app.screen.walk_children()}  # fmt: skip

    async def steps(kept: bool) -> list[dict[str, dict]]:
        app = CellApp(kept)
        said = []
        async with app.run_test() as pilot:
            said.append(seen(app))
            for step in range(5):
                app.screen.set_class(step % 2 == 0, "-on")
                app.query_one("#right", Vertical).set_class(step < 2, "-wide")
                app.query_one(f"#{'lr'[step % 2]}{step % 3}", Cell).focus()
                await pilot.pause()
                said.append(seen(app))
            await app.query_one("#l0", Cell).remove()  # l1 is first now, and odd
            await pilot.pause()
            said.append(seen(app))
        return said

    kept, textuals = await steps(True), await steps(False)
    assert len({repr(sorted(step.items())) for step in textuals}) == len(textuals)  # each step changes some
    first = textuals[0]
    assert first["Cell#l1"] != first["Cell#r1"] and first["Cell#l0"] != first["Cell#l1"]
    for n, (mine, theirs) in enumerate(zip(kept, textuals, strict=True)):
        differ = {k: {r for r in v.keys() | mine[k].keys() if v.get(r) != mine[k].get(r)}
                  for k, v in theirs.items() if mine.get(k) != v}  # fmt: skip
        assert mine == theirs, (n, differ)
