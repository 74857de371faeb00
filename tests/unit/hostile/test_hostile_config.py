"""The user's config folder holding odd files: a FIFO, a device or a folder where settings.toml, the
keymap or a theme is looked for is one sentence and the defaults, never a hang (a plain read of a
FIFO waits for a writer for ever, of /dev/zero reads until memory runs out)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tracetui import settings
from tracetui.errors import TracetuiError
from tracetui.ui import actions, themes

ODD = ["fifo", "device", "folder"]


def _plant(path: Path, odd: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if odd == "fifo":
        os.mkfifo(path)
    elif odd == "device":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()


def _within(seconds: float, fn: Callable[[], Any]) -> Any:
    """fn's result, or a failure when it has not returned in time (a blocked read never does)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail("reading the config file did not return: it blocked")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _unblock(path: Path) -> None:
    """Release a reader left blocked on the FIFO (the failing case), so the run can end: a writer
    that opens and closes gives it an end of file. With no reader the open fails, which is fine."""
    if path.is_fifo():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass


@pytest.mark.parametrize("odd", ODD)
def test_odd_settings_file_is_one_problem_and_the_defaults(tmp_path, monkeypatch, odd):
    monkeypatch.setattr(settings, "config_dir", lambda: tmp_path)
    path = tmp_path / settings.SETTINGS_NAME
    _plant(path, odd)
    try:
        read = _within(5, settings.read_settings)
    finally:
        _unblock(path)
    assert read.theme is None and len(read.problems) == 1
    assert "\n" not in read.problems[0]
    with pytest.raises(TracetuiError) as info:
        _within(5, lambda: settings.remember_theme("nord"))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("odd", ODD)
def test_odd_keymap_file_is_one_problem_and_no_keys_moved(tmp_path, odd):
    path = tmp_path / "keymap.toml"
    _plant(path, odd)
    try:
        keymap = _within(5, lambda: actions.load_keymap(path))
    finally:
        _unblock(path)
    assert keymap.keys == {} and len(keymap.problems) == 1 and "\n" not in keymap.problems[0]


@pytest.mark.parametrize("odd", ["fifo", "device"])  # a folder named x.toml: glob finds it, read refuses it
def test_odd_theme_file_is_skipped_in_one_sentence_and_the_others_load(tmp_path, odd):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "mine.toml").write_text('primary = "#336699"\n')
    path = folder / "odd.toml"
    _plant(path, odd)
    try:
        loaded = _within(5, lambda: themes.load_themes([folder]))
    finally:
        _unblock(path)
    assert [t.name for t in loaded.themes] == ["mine"]
    assert len(loaded.errors) == 1 and "odd.toml" in loaded.errors[0]


def test_the_keys_command_with_a_fifo_keymap_ends(tmp_path):
    import subprocess
    import sys

    config = tmp_path / "config"
    _plant(config / "tracetui" / "keymap.toml", "fifo")
    env = {**os.environ, "XDG_CONFIG_HOME": str(config), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "tracetui", "keys"], capture_output=True, text=True, env=env,
                         timeout=30, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr[-300:]
    assert "is a FIFO" in out.stderr and out.stderr.count("\n") == 1


BAD_THEMES = {
    "a variable that ends the stylesheet":
        '[variables]\n"footer-key-foreground" = "red; } Screen { display: none; } X {"\n',
    "a colour variable of words": '[variables]\n"footer-key-foreground" = "red on blue"\n',
    "a text style of colours": '[variables]\n"link-style" = "bold red"\n',
    "a name of controls": 'name = "evil\\u001b]0;pwned\\u0007[bold]x"\n',
    # Textual does not resolve a reference in a theme's variable: a rule that used one stopped the app.
    "a variable naming another": '[variables]\n"footer-key-foreground" = "$accent"\n',
    "a colour naming itself": '[variables]\n"primary" = "$primary 50%"\n',
}


@pytest.mark.parametrize("case", sorted(BAD_THEMES))
def test_a_theme_the_stylesheet_cannot_take_is_skipped_in_one_sentence(tmp_path, case):
    """Loaded as it was, picking it (or starting with it remembered) stopped the app: Textual reads
    every variable into its stylesheet, and a value of the wrong kind is a stylesheet error."""
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "odd.toml").write_text('primary = "#336699"\n' + BAD_THEMES[case])
    (folder / "mine.toml").write_text(
        'primary = "#336699"\n[variables]\n"link-style" = "bold not underline"\n'
        '"input-selection-background" = "#81a1c1 35%"\n"text-muted" = "auto 60%"\n'
    )
    loaded = themes.load_themes([folder])
    assert [t.name for t in loaded.themes] == ["mine"]
    assert len(loaded.errors) == 1 and "odd.toml" in loaded.errors[0]
    assert all(ch.isprintable() for ch in loaded.errors[0])


async def test_the_app_starts_and_switches_to_every_theme_that_loads(tmp_path):
    """The proof that a theme which loads is one the stylesheet takes: the app switches to it."""
    from tracetui.library import MemoryLibrary
    from tracetui.ui.app import TraceApp

    folder = tmp_path / "themes"
    folder.mkdir()
    for n, case in enumerate(sorted(BAD_THEMES)):
        (folder / f"odd{n}.toml").write_text(f'name = "odd{n}"\nprimary = "#336699"\n' + BAD_THEMES[case])
    app = TraceApp(MemoryLibrary([]), theme_dirs=[folder])
    async with app.run_test(size=(100, 30)) as pilot:
        for name in [t for t in app.available_themes if t.startswith("odd")]:
            app.theme = name
            await pilot.pause()
        assert app.is_running
