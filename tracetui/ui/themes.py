"""Themes are TOML files: the bundled ones, then the user's (`<config dir>/themes/*.toml`).

Each file holds exactly the fields of `textual.theme.Theme` (plus an optional `[variables]`
table). A file that does not parse or does not make a theme is reported, never fatal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_path
from textual.color import Color
from textual.css.constants import VALID_STYLE_FLAGS
from textual.css.tokenize import tokenize_values
from textual.theme import Theme

from tracetui.regular_file import FileTooLarge, NotRegularFile, read_regular
from tracetui.settings import CONFIG_LIMIT, NotToml, load_toml, valid_theme_name

COLOR_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
                "background", "surface", "panel", "boost")


@dataclass(slots=True)
class ThemeLoad:
    themes: list[Theme] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one sentence per broken file


def bundled_dirs() -> list[Path]:
    """Where the shipped themes live.

    The files are the repository's top-level themes/ (to copy and change); `bundled_themes` beside
    this module is a link to it, which a built package carries as a real folder. A checkout where
    the link did not survive (it is then a small text file) falls back to the top-level folder.
    """
    here = Path(__file__).resolve().parent
    for folder in (here / "bundled_themes", here.parent.parent / "themes"):
        if folder.is_dir():
            return [folder]
    return []


def user_dir() -> Path:
    return user_config_path("tracetui") / "themes"


def load_themes(dirs: list[Path] | None = None) -> ThemeLoad:
    result = ThemeLoad()
    seen: set[str] = set()
    for folder in dirs if dirs is not None else [*bundled_dirs(), user_dir()]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = theme_from_file(path)
            except ValueError as exc:
                result.errors.append(f"theme {path.name} was skipped: {exc}")
                continue
            if theme.name in seen:  # a later (user) file with the same name replaces the bundled one
                result.themes = [t for t in result.themes if t.name != theme.name]
            seen.add(theme.name)
            result.themes.append(theme)
    return result


def theme_from_file(path: Path) -> Theme:
    try:
        # Not read_text: a FIFO or a device named x.toml would block the app's start for ever.
        data = load_toml(read_regular(path, CONFIG_LIMIT).decode("utf-8"))
    except NotRegularFile:
        raise ValueError("it is not a regular file") from None
    except FileTooLarge:
        raise ValueError(f"it is over {CONFIG_LIMIT >> 10:,} KB") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"it could not be read ({exc.__class__.__name__})") from None
    except NotToml as exc:
        raise ValueError(f"it is not valid TOML ({exc})") from None
    return theme_from_dict(data, default_name=path.stem)


def theme_from_dict(data: dict, default_name: str) -> Theme:
    data = dict(data)
    data.setdefault("name", default_name)
    if not isinstance(data["name"], str) or not valid_theme_name(data["name"]):
        raise ValueError("its name is not a theme's name (letters, digits and . _ + -)")
    if not isinstance(data.get("primary"), str):
        raise ValueError("it has no `primary` colour")
    allowed = set(COLOR_FIELDS) | {"name", "dark", "luminosity_spread", "text_alpha", "variables", "ansi"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"it has unknown keys: {', '.join(unknown)}")
    for key in COLOR_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"`{key}` must be a colour string")
        _check_colour(key, value)
    for key in ("dark", "ansi"):
        if key in data and not isinstance(data[key], bool):
            raise ValueError(f"`{key}` must be true or false")
    for key in ("luminosity_spread", "text_alpha"):
        # Textual takes any value here and fails only as it makes the colours: when the theme is
        # used, at the app's start for a remembered one.
        value = data.get(key)
        if key in data and (isinstance(value, bool) or not isinstance(value, int | float)
                            or not math.isfinite(value) or not 0 <= value <= 1):  # fmt: skip
            raise ValueError(f"`{key}` must be a number from 0 to 1")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError("`variables` must be a table of strings")
    for key, value in variables.items():
        _check_variable(key, value)
    data["variables"] = dict(variables)
    try:
        return Theme(**data)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


_ALPHA = re.compile(r"\d{1,3}(?:\.\d+)?%")
_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9-]{0,63}")


def _check_variable(key: str, value: str) -> None:
    """A variable the stylesheet can take. Textual reads every variable into its stylesheet as the
    theme is picked: a value it cannot tokenize, or of the wrong kind where a rule uses it, is a
    stylesheet error that stopped the app (at its start, when the theme was the remembered one).
    Textual's own variables are text styles (`*-style`: bold, not underline...) or colours, with an
    alpha (`#81a1c1 35%`, `auto 87%`). Not another variable (`$accent`, `$primary 50%`): Textual
    does not resolve a reference inside a theme's variable, and a rule that used one stopped the app."""
    if not _VARIABLE_NAME.fullmatch(key):
        raise ValueError("a variable's name is not a CSS variable's name")
    try:
        tokenize_values({key: value})
    except Exception:
        raise ValueError(f"`{key}` is not a value the stylesheet can read") from None
    words = value.split()
    if key.endswith("-style") or "-style-" in key:
        if not words or any(w not in VALID_STYLE_FLAGS for w in words):
            raise ValueError(f"`{key}` must be a text style (such as bold, not underline)")
        return
    if len(words) == 2 and _ALPHA.fullmatch(words[1]):
        words = words[:1]
    if words and words[0].startswith("$"):
        raise ValueError(f"`{key}` names another variable: a theme's variables must be colours")
    if len(words) != 1 or not (words[0] in ("auto", "initial") or _is_colour(words[0])):
        raise ValueError(f"`{key}` must be a colour, with an alpha if any (#81a1c1 35%)")


def _is_colour(value: str) -> bool:
    if value.startswith("ansi_"):
        return True
    try:
        Color.parse(value)
    except Exception:
        return False
    return True


def _check_colour(key: str, value: str) -> None:
    if value.startswith("ansi_"):
        return
    try:
        Color.parse(value)
    except Exception:
        raise ValueError(f"`{key}` is not a colour: {value!r}") from None
