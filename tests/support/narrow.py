"""Typed narrowing for tests: a lookup the test expects to succeed, and the screen it expects on top.

A test that reads `session.step("L3").text` fails anyway when the step is missing; these helpers
fail it at the lookup instead, and tell mypy (which checks tests/) the value is there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

T = TypeVar("T")
S = TypeVar("S", bound="Screen[Any]")


def present(value: T | None) -> T:
    """The value, which the test expects to be there (not None)."""
    assert value is not None, "expected a value, got None"
    return value


def on_screen(app: App[Any], kind: type[S]) -> S:
    """The app's top screen, which the test expects to be a `kind`."""
    screen = app.screen
    assert isinstance(screen, kind), f"{type(screen).__name__} is on top, not {kind.__name__}"
    return screen
