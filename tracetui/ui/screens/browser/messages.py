"""What the browser's workers post back to it: a session read (or read again, or read whole), the
list's rows, a step's detail, context or trail made ready, or why a read failed. Each carries
what it answers (a session id, a list generation, a detail key), so an answer that comes after the
question changed is dropped.
"""

from __future__ import annotations

from textual.message import Message

from tracetui.ctx import Context
from tracetui.ui import trail_view
from tracetui.ui.screens.browser.opened import Opened
from tracetui.ui.widgets.text_view import Document


class SessionReady(Message):
    def __init__(self, opened: Opened, step_id: str | None) -> None:
        super().__init__()
        self.opened = opened
        self.step_id = step_id


class SessionGrown(Message):
    """The open session, read again after its log grew (`live`)."""

    def __init__(self, opened: Opened, live: bool = True) -> None:
        super().__init__()
        self.opened = opened
        self.live = live


class RestRead(Message):
    """A previewed session read whole (its steps past the preview's head), or why it was not."""

    def __init__(self, session_id: str, opened: Opened | None, error: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.opened = opened
        self.error = error


class ListReady(Message):
    """Rows for the session list. `settled` False: the first rows a text filter surely keeps, found by
    bounded work (`Library.first_sessions`); the whole answer and its count follow from the same
    worker, unless a newer filter cancels it. `failed`: why the list could not be read (it is empty)."""

    def __init__(
        self, generation: int, count: int, first: list, cursor_id: str | None, settled: bool = True,
        failed: str | None = None,
    ) -> None:
        super().__init__()
        self.generation = generation
        self.count = count
        self.first = first
        self.cursor_id = cursor_id
        self.settled = settled
        self.failed = failed


class DetailReady(Message):
    def __init__(self, key: tuple[str, int, int], document: Document) -> None:
        super().__init__()
        self.key = key
        self.document = document


class ContextReady(Message):
    def __init__(self, session_id: str, step_id: str, context: Context | None, error: str | None) -> None:
        super().__init__()
        self.session_id = session_id
        self.step_id = step_id
        self.context = context
        self.error = error


class TrailReady(Message):
    def __init__(self, session_id: str, result: trail_view.TrailResult) -> None:
        super().__init__()
        self.session_id = session_id
        self.result = result


class Failed(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
