"""Every page the writer renders while a test exports (`page.render`'s `Rendered`: the page and the
writer's record of the log's text on it), kept for the test to read."""

from __future__ import annotations

import pytest

from tracetui.export import page as page_module


def pages_made(monkeypatch: pytest.MonkeyPatch) -> list[page_module.Rendered]:
    """A list that each page rendered from now on, in this test, is added to."""
    made: list[page_module.Rendered] = []
    real = page_module.render

    def kept(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(page_module, "render", kept)
    return made
