"""The user's config folder and the few choices tracetui remembers there (`settings.toml`).

The folder is platformdirs' user config folder for `tracetui` (`~/.config/tracetui` on Linux,
`~/Library/Application Support/tracetui` on macOS); it holds `settings.toml`, the keymap (`keymap.toml`) and the user's
own themes (`themes/`). `settings.toml` is written by tracetui (the app remembers the theme picked
with ctrl+t) and may be edited by hand: a write changes only its own line and keeps the rest.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.errors import TracetuiError
from tracetui.regular_file import read_regular

SETTINGS_NAME = "settings.toml"
# The most a config file (settings, keymap, a theme) may hold: hand-written ones are a few KB, and a
# sparse file of gigabytes in their place was read whole into memory as the app started.
CONFIG_LIMIT = 1 << 20
_NAME_LIMIT = 100
# A theme's name as tracetui and Textual spell them: no spaces, quotes or control characters.
_THEME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


def config_dir() -> Path:
    """The platform's user config folder for tracetui."""
    from platformdirs import user_config_path

    return user_config_path("tracetui")


def capsules_dir() -> Path:
    """Where the app offers to write a sealed capsule: the user data folder's `capsules/`, outside
    any checkout (a capsule written into the working tree got committed, or deleted with a demo)."""
    from platformdirs import user_data_path

    return user_data_path("tracetui") / "capsules"


def settings_path() -> Path:
    return config_dir() / SETTINGS_NAME


@dataclass(slots=True)
class Settings:
    theme: str | None = None
    problems: list[str] = field(default_factory=list)  # one sentence each, for the user


def read_settings() -> Settings:
    """What settings.toml says; a missing file is no problem, a broken one is one sentence."""
    path = settings_path()
    try:
        text = _read(path)
    except FileNotFoundError:
        return Settings()
    except TracetuiError as exc:  # not a regular file, or too large
        return Settings(problems=[f"{exc}; using the defaults"])
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(problems=[f"{path} could not be read ({exc.__class__.__name__}); using the defaults"])
    try:
        data = load_toml(text)
    except NotToml as exc:
        return Settings(problems=[f"{path} is not valid TOML ({exc}); using the defaults"])
    out = Settings()
    theme = data.get("theme")
    if theme is not None:
        if isinstance(theme, str) and valid_theme_name(theme):
            out.theme = theme
        else:
            out.problems.append(f"{path}: `theme` must be a theme's name; it is left out")
    return out


def remembered_theme() -> str | None:
    """The theme the user last picked, or None (none picked, or the file is broken)."""
    return read_settings().theme


def remember_theme(name: str) -> Path:
    """Keep `name` as the theme to start with; returns the file written. TracetuiError (one
    sentence) when the name is not a theme's name or the file cannot be written."""
    if not valid_theme_name(name):
        raise TracetuiError(f"{name[:_NAME_LIMIT]!r} is not a theme's name")
    return _set_line("theme", json.dumps(name))


def _read(path: Path) -> str:
    # A FIFO or a device in the file's place (a plain read waits for a writer, or reads /dev/zero until
    # memory runs out) is NotRegularFile, which says so in one line; a huge file is FileTooLarge.
    return read_regular(path, CONFIG_LIMIT).decode("utf-8")


class NotToml(ValueError):
    """A file that is not TOML, or nests its arrays or tables too deep to read (`load_toml`)."""


def load_toml(text: str) -> dict[str, Any]:
    """A TOML file's table (settings, a theme, the keymap, a recipe); NotToml where it is not TOML,
    or nests its arrays or tables too deep for tomllib (which recurses: a thousand `[` was a
    RecursionError that stopped the app's start, and a recipe's `export --recipe`)."""
    import tomllib  # here: every command reads the config folder's name, few read a TOML file

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NotToml(str(exc)) from None
    except RecursionError:
        raise NotToml("its arrays or tables nest too deep") from None


def valid_theme_name(name: str) -> bool:
    """Whether `name` is spelled as tracetui and Textual spell a theme's name."""
    return len(name) <= _NAME_LIMIT and bool(_THEME_NAME.fullmatch(name))


def _set_line(key: str, toml_value: str) -> Path:
    """Write `key = value` in settings.toml: its line replaced where it is (before any [table]),
    else added first; everything else stays as it was. Atomic: a crash leaves the old file."""
    path = settings_path()
    try:
        old = _read(path)
    except FileNotFoundError:
        old = ""
    except TracetuiError:  # not a regular file, or too large: it says so
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise TracetuiError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    line = f"{key} = {toml_value}"
    lines = old.splitlines()
    own = re.compile(rf"\s*{re.escape(key)}\s*=")
    at = None
    for i, current in enumerate(lines):
        if current.lstrip().startswith("["):
            break
        if own.match(current):
            at = i
            break
    if at is None:
        lines.insert(0, line)
    else:
        lines[at] = line
    text = "\n".join(lines) + "\n"
    import tempfile

    try:
        load_toml(text)
    except NotToml:
        # The file was broken before (or held a multi-line value there): start it afresh rather
        # than keep writing a file that is never read.
        text = line + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".settings.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise TracetuiError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
