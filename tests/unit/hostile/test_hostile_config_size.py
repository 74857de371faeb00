"""The user's config files as a stranger could leave them (a dotfiles repository, a shared machine):
TOML nested a thousand deep (tomllib recurses: a RecursionError stopped the app's start and
`tracetui keys`), and a sparse file of gigabytes (read whole into memory). Each is one sentence and
the defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import ROOT

from tracetui import settings
from tracetui.errors import TracetuiError
from tracetui.ui import actions, themes

DEEP = "[" * 5000 + "]" * 5000
SPARSE = 64 << 20  # bytes: past the limit, yet cheap for the old code to read in a test


def _write(path: Path, kind: str, head: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "deep":
        path.write_text(f"{head}x = {DEEP}\n", encoding="utf-8")
    else:
        with open(path, "wb") as fh:
            fh.write(head.encode())
            fh.truncate(SPARSE)


def _said(problem: str, kind: str) -> bool:
    return ("nest too deep" in problem) if kind == "deep" else ("KB" in problem and "too large" in problem)


@pytest.mark.parametrize("kind", ["deep", "huge"])
def test_settings_file_is_one_problem_and_the_defaults(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(settings, "config_dir", lambda: tmp_path)
    _write(tmp_path / settings.SETTINGS_NAME, kind, 'theme = "nord"\n')
    read = settings.read_settings()
    assert read.theme is None and len(read.problems) == 1 and "\n" not in read.problems[0]
    assert _said(read.problems[0], kind), read.problems


@pytest.mark.parametrize("kind", ["deep", "huge"])
def test_remembering_a_theme_over_such_a_file(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(settings, "config_dir", lambda: tmp_path)
    path = tmp_path / settings.SETTINGS_NAME
    _write(path, kind)
    if kind == "deep":  # a file never read is written afresh (as any broken one is)
        settings.remember_theme("nord")
        assert settings.read_settings().theme == "nord"
    else:  # a file this large is nobody's settings: left alone, and said
        with pytest.raises(TracetuiError, match="too large"):
            settings.remember_theme("nord")
        assert path.stat().st_size == SPARSE


@pytest.mark.parametrize("kind", ["deep", "huge"])
def test_keymap_is_one_problem_and_no_keys_moved(tmp_path, kind):
    path = tmp_path / "keymap.toml"
    _write(path, kind)
    keymap = actions.load_keymap(path)
    assert keymap.keys == {} and len(keymap.problems) == 1 and _said(keymap.problems[0], kind), keymap


@pytest.mark.parametrize("kind", ["deep", "huge"])
def test_theme_is_skipped_in_one_sentence_and_the_others_load(tmp_path, kind):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "mine.toml").write_text('primary = "#336699"\n')
    _write(folder / "odd.toml", kind, 'primary = "#336699"\n')
    loaded = themes.load_themes([folder])
    assert [t.name for t in loaded.themes] == ["mine"]
    assert len(loaded.errors) == 1 and "odd.toml" in loaded.errors[0]
    if kind == "huge":
        assert "KB" in loaded.errors[0]


def test_the_keys_command_with_a_deep_keymap_says_one_line(tmp_path):
    config = tmp_path / "config"
    _write(config / "tracetui" / "keymap.toml", "deep")
    env = {**os.environ, "XDG_CONFIG_HOME": str(config), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "tracetui", "keys"], capture_output=True, text=True, env=env,
                         timeout=60, check=False)  # fmt: skip
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-500:]
    assert "nest too deep" in out.stderr and out.stderr.count("\n") == 1


def test_an_action_given_thousands_of_keys_is_left_out_in_one_sentence(tmp_path):
    """100,000 keys on one action (a 700 KB keymap, under the size limit) made the key help take
    ten times as long to open, and the app's start twice as long."""
    path = tmp_path / "keymap.toml"
    many = ",".join(f"x{i}" for i in range(100_000))
    # ctrl+d alone: F is the fork key, and a clash would be a second problem (trapsapp's check)
    path.write_text(f'"browser.detail" = "{many}"\n"browser.diff" = "ctrl+d"\n', encoding="utf-8")
    keymap = actions.load_keymap(path)
    assert keymap.keys == {"browser.diff": "ctrl+d"}
    [problem] = keymap.problems
    assert "browser.detail" in problem and "100,000" in problem


@pytest.mark.parametrize("kind", ["deep", "huge"])
def test_a_recipe_as_a_stranger_could_leave_it_is_one_sentence(tmp_path, kind):
    # A recipe comes with a team's dataset: `tracetui export --recipe FILE` read a deep one into a
    # RecursionError and a traceback (found 2026-11-26).
    from tracetui.dataset import RecipeError, load_recipe

    recipe = tmp_path / "recipe.toml"
    _write(recipe, kind, 'name = "r"\n')
    with pytest.raises(RecipeError) as caught:
        load_recipe(recipe)
    said = str(caught.value)
    assert "\n" not in said and (("nest too deep" in said) if kind == "deep" else ("KB" in said))
