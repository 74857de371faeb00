"""One actions table: every binding, palette command and key-help line comes from it, and a user's
keymap file moves any key by the action's id."""

from __future__ import annotations

import inspect

from textual.binding import Binding
from textual.dom import DOMNode

import tracetui.ui as ui_package
from tracetui.cli import main
from tracetui.ui import actions
from tracetui.ui.app import TraceApp
from tracetui.ui.commands import ActionCommands
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.screens.redact_editor import RedactEditor
from tracetui.ui.screens.replay import ReplayScreen
from tracetui.ui.screens.seal import SealScreen
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.widgets.virtual_list import VirtualList

from pilot_steps import open_claude, settle

SIZE = (160, 45)


def _ui_classes() -> list[type[DOMNode]]:
    import importlib
    import pkgutil

    found = []
    for info in pkgutil.walk_packages(ui_package.__path__, "tracetui.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == info.name:
                found.append(cls)
    return found


def test_every_binding_of_the_app_is_a_row_of_the_table():
    classes = _ui_classes()
    assert {TraceApp, BrowserScreen, Timeline, VirtualList, TextView, RedactEditor, SealScreen, ReplayScreen} <= set(
        classes
    )
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", []):
            assert isinstance(binding, Binding), f"{cls.__name__} declares a key outside the table: {binding}"
            row = actions.BY_ID.get(binding.id or "")
            assert row is not None, f"{cls.__name__}: {binding.key} -> {binding.action} has no id in the table"
            assert (row.keys, row.action, row.label) == (binding.key, binding.action, binding.description)


def test_ids_are_unique_and_name_their_scope():
    ids = [a.id for a in actions.ACTIONS]
    assert len(ids) == len(set(ids))
    scopes = {"app", "browser", "timeline", "list", "text", "redact", "seal", "replay", "prompt", "export", "blame", "review", "confirm", "evals"}
    assert {a.scope for a in actions.ACTIONS} == scopes
    for scope in scopes:
        keys = [k for b in actions.bindings(scope) for k in b.key.split(",")]  # type: ignore[union-attr]
        assert len(keys) == len(set(keys)), f"two actions share a key in {scope}"


async def test_the_palette_lists_the_table_rows(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE):
        listed = [name for name, _, _ in ActionCommands(app.screen)._commands() if not name.startswith("Theme:")]
    expected = [a.palette for a in actions.ACTIONS if a.palette and a.needs is None]
    assert listed == expected


def test_keymap_file_is_checked(tmp_path):
    path = tmp_path / "keymap.toml"
    path.write_text(
        '"browser.seal" = "S"\n'
        '"browser.nope" = "x"\n'
        '"browser.redact" = 3\n'
        '"browser.trail" = "ctrl+y, T"\n'
    )
    keymap = actions.load_keymap(path)
    assert keymap.keys == {"browser.seal": "S", "browser.trail": "ctrl+y,T"}
    assert len(keymap.problems) == 2
    assert "browser.nope" in keymap.problems[0] and "browser.redact" in keymap.problems[1]
    path.write_text("this is = = not toml")
    broken = actions.load_keymap(path)
    assert broken.keys == {} and "was not read" in broken.problems[0]
    assert actions.load_keymap(tmp_path / "absent.toml") == actions.Keymap({}, [])


async def test_a_keymap_moves_a_key_everywhere_it_shows(demo, tmp_path):
    from tracetui.ui.screens.seal import SealScreen

    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"browser.seal" = "S"\n"browser.agent" = "nope.not a key"\n')
    _, library = demo
    app = TraceApp(library, keymap_file=keymap)
    async with app.run_test(size=SIZE) as pilot:
        await open_claude(app, pilot)
        await pilot.press("s")
        await settle(app, pilot, 2)
        assert not isinstance(app.screen, SealScreen)  # the old key no longer seals
        warnings = [n.message for n in app._notifications]
        assert any("browser.agent" in w for w in warnings)  # the bad line is named, not applied
        await pilot.press("S")
        await settle(app, pilot, 2)
        assert isinstance(app.screen, SealScreen)


def test_cli_lists_the_keys_with_the_users_moves(tmp_path, monkeypatch, capsys):
    import orjson

    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"browser.seal" = "S"\n')
    monkeypatch.setattr("tracetui.ui.actions.keymap_path", lambda: keymap)
    assert main(["keys", "--json"]) == 0
    out = orjson.loads(capsys.readouterr().out)
    rows = {r["id"]: r for r in out["actions"]}
    assert rows["browser.seal"]["keys"] == "S" and rows["browser.seal"]["default"] == "s"
    assert out["keymap"] == str(keymap) and len(rows) == len(actions.ACTIONS)


def test_a_key_two_actions_of_one_scope_hold_is_reported_by_keys(tmp_path, monkeypatch, capsys):
    """`"browser.detail" = "c"` took the Context key: nothing said so, and `c` did one of the two."""
    import orjson

    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"browser.detail" = "c"\n"list.down" = "j"\n')  # the second is no clash: its own key
    monkeypatch.setattr("tracetui.ui.actions.keymap_path", lambda: keymap)
    loaded = actions.load_keymap(keymap)
    assert loaded.problems == [
        "keymap: c is the key of browser.detail and browser.context (in browser); only browser.detail gets it"
    ]
    assert main(["keys"]) == 0
    assert "browser.detail and browser.context" in capsys.readouterr().err
    assert main(["keys", "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["problems"] == loaded.problems
    keymap.write_text('"browser.detail" = "d"\n')  # its own key again: nothing to say
    assert actions.load_keymap(keymap).problems == []


async def test_a_keymap_clash_is_a_notification_and_the_key_does_what_it_says(demo, tmp_path):
    from textual.widgets import TabbedContent

    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"browser.detail" = "c"\n')
    _, library = demo
    app = TraceApp(library, keymap_file=keymap)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        said = [n.message for n in app._notifications if "browser.context" in n.message]
        assert said and "only browser.detail gets it" in said[0]
        await pilot.press("f")  # the diff tab, then the clashing key
        await settle(app, pilot, 1)
        assert screen.query_one(TabbedContent).active == "diff"
        await pilot.press("c")
        await settle(app, pilot, 1)
        assert screen.query_one(TabbedContent).active == "detail"
