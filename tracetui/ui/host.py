"""The app as its screens and its palette see it: protocols, so they need not import the app.

The app imports its screens and its palette's providers; they ask it only for what these protocols
declare, so no import points back up at `tracetui.ui.app` (import-linter checks for cycles).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from tracetui.library import FOREIGN_KINDS, Library


class Browsing(Protocol):
    """The browser screen, as the palette's providers use it."""

    @property
    def library(self) -> Library: ...

    def open_session(self, session_id: str, step_id: str | None = None, focus: bool = False,
                     preview: bool = False) -> None: ...  # fmt: skip

    def go_to_step(self, step_id: str) -> None: ...


class Host(Protocol):
    """What the app keeps beyond Textual's `App`: its library, repository, caches, sync and themes."""

    library: Library
    repo: str | None
    cache_dir: Path | None
    sync_status: str
    watched: list[Path]

    def sync_now(self) -> None: ...

    def pick_theme(self, name: str) -> None: ...

    def browser(self) -> Browsing | None:
        """The browser screen when it is the screen in front, else None."""
        ...


def is_capsule(library: Library) -> bool:
    """An opened capsule (read-only, with a manifest), as opposed to a bucket."""
    return library.manifest is not None


def is_foreign(library: Library) -> bool:
    """Someone else's sessions (a capsule, a team's dataset): the folders they name are a stranger's
    word, and nothing in them is the user's to redact, seal or export."""
    return library.kind in FOREIGN_KINDS
