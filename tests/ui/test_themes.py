"""Themes are TOML files; a broken one is reported, not fatal."""

from __future__ import annotations

from pathlib import Path

from tracetui.library import MemoryLibrary
from tracetui.ui.themes import bundled_dirs, load_themes

ROOT = Path(__file__).resolve().parents[2]


def test_bundled_themes_load_dark_light_and_ansi():
    loaded = load_themes([ROOT / "themes"])
    assert loaded.errors == []
    by_name = {t.name: t for t in loaded.themes}
    assert set(by_name) == {"tracetui-dark", "tracetui-light", "tracetui-ansi"}
    assert by_name["tracetui-dark"].dark is True
    assert by_name["tracetui-light"].dark is False
    assert by_name["tracetui-ansi"].ansi is True
    # The app's bundled themes are exactly the top-level files users copy and change.
    assert [d.resolve() for d in bundled_dirs()] == [(ROOT / "themes").resolve()]


def test_a_built_package_carries_the_themes():
    import tomllib

    # Inside the package they are reached through a link that a wheel turns into real files.
    link = ROOT / "tracetui" / "ui" / "bundled_themes"
    assert link.is_symlink() and link.resolve() == (ROOT / "themes").resolve()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "bundled_themes/*.toml" in config["tool"]["setuptools"]["package-data"]["tracetui.ui"]


def test_broken_files_are_reported_one_sentence_each(tmp_path):
    (tmp_path / "a-bad-toml.toml").write_text("name = \n", encoding="utf-8")
    (tmp_path / "b-no-primary.toml").write_text('name = "x"\n', encoding="utf-8")
    (tmp_path / "c-bad-colour.toml").write_text('primary = "not a colour"\n', encoding="utf-8")
    (tmp_path / "d-unknown.toml").write_text('primary = "#112233"\nsparkle = true\n', encoding="utf-8")
    (tmp_path / "e-good.toml").write_text('primary = "#112233"\n[variables]\nfoo = "#000000"\n', encoding="utf-8")
    loaded = load_themes([tmp_path])
    assert [t.name for t in loaded.themes] == ["e-good"]
    assert loaded.themes[0].variables == {"foo": "#000000"}
    assert len(loaded.errors) == 4
    assert loaded.errors[0].startswith("theme a-bad-toml.toml was skipped: it is not valid TOML")
    assert loaded.errors[1] == "theme b-no-primary.toml was skipped: it has no `primary` colour"
    assert loaded.errors[2] == "theme c-bad-colour.toml was skipped: `primary` is not a colour: 'not a colour'"
    assert loaded.errors[3] == "theme d-unknown.toml was skipped: it has unknown keys: sparkle"


def test_a_user_theme_replaces_a_bundled_one_of_the_same_name(tmp_path):
    (tmp_path / "mine.toml").write_text('name = "tracetui-dark"\nprimary = "#ff0000"\n', encoding="utf-8")
    loaded = load_themes([ROOT / "themes", tmp_path])
    darks = [t for t in loaded.themes if t.name == "tracetui-dark"]
    assert len(darks) == 1 and darks[0].primary == "#ff0000"


async def test_app_starts_with_a_broken_theme_and_says_so(tmp_path):
    from tracetui.ui.app import TraceApp

    (tmp_path / "broken.toml").write_text("[[[", encoding="utf-8")
    app = TraceApp(MemoryLibrary([]), theme_dirs=[ROOT / "themes", tmp_path])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "tracetui-dark"
        messages = [n.message for n in app._notifications]
        assert any("broken.toml was skipped" in m for m in messages)


def test_numbers_and_flags_of_the_wrong_kind_are_refused_on_reading(tmp_path):
    """`luminosity_spread = "abc"` or `1e308`, `text_alpha = []`, `dark = "yes"` passed the file's
    check, and the colours made from them failed only when the theme was used: at the app's start,
    for a remembered theme (a traceback), or when ctrl+t picked it."""
    cases = {
        "spread-text": 'luminosity_spread = "abc"', "spread-huge": "luminosity_spread = 1e308",
        "spread-nan": "luminosity_spread = nan", "alpha-list": "text_alpha = []", "alpha-inf": "text_alpha = inf",
        "dark-text": 'dark = "yes"', "ansi-text": 'ansi = "x"',
    }  # fmt: skip
    for name, line in cases.items():
        (tmp_path / f"{name}.toml").write_text(f'primary = "#112233"\n{line}\n', encoding="utf-8")
    (tmp_path / "fine.toml").write_text('primary = "#112233"\nluminosity_spread = 0.2\ntext_alpha = 0.9\n'
                                        "dark = false\n", encoding="utf-8")  # fmt: skip
    loaded = load_themes([tmp_path])
    assert [t.name for t in loaded.themes] == ["fine"], loaded.errors
    assert len(loaded.errors) == len(cases)
    for theme in loaded.themes:
        theme.to_color_system().generate()


async def test_app_starts_on_a_remembered_theme_whose_numbers_are_wrong(tmp_path):
    from tracetui.ui.app import TraceApp

    (tmp_path / "odd.toml").write_text('primary = "#112233"\nluminosity_spread = "abc"\n', encoding="utf-8")
    app = TraceApp(MemoryLibrary([]), theme="odd", theme_dirs=[ROOT / "themes", tmp_path])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.is_running and app.theme != "odd"


async def test_thousands_of_broken_themes_and_keymap_entries_are_a_few_toasts(tmp_path):
    """Each problem with the user's keymap or themes was a toast: 50,000 unknown keymap ids took the
    app 9 s to start. Now a few, then how many more."""
    from tracetui.ui import actions, app as app_module
    from tracetui.ui.app import TraceApp

    shown = getattr(app_module, "STARTUP_TOASTS", 5)

    for i in range(300):
        (tmp_path / f"broken-{i:03d}.toml").write_text("[[[", encoding="utf-8")
    keymap = actions.keymap_path()
    keymap.parent.mkdir(parents=True, exist_ok=True)
    keymap.write_text("".join(f'nope{i} = "x"\n' for i in range(3000)), encoding="utf-8")
    app = TraceApp(MemoryLibrary([]), theme_dirs=[ROOT / "themes", tmp_path])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert len(messages) == shown + 1, len(messages)
        assert messages[-1].startswith("and ") and int(messages[-1].split()[1]) >= 3300 - shown
