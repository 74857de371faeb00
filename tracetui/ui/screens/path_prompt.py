"""A one-line question for a path (the capsule to open): Enter answers, Escape cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tracetui.ui import actions
from tracetui.ui.widgets.cut_input import CutInput


class PathPrompt(ModalScreen[str | None]):
    CSS_PATH = "path_prompt.tcss"
    FORM = True  # letters are for typing (TraceApp.check_action)
    BINDINGS = actions.bindings("prompt")

    def __init__(self, question: str, placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(self.question, id="prompt-question", markup=False)
            yield CutInput(placeholder=self.placeholder, id="prompt-path")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _answer(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
