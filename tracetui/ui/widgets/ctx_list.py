"""The context pane: what the model could see at the chosen step, one item per line with tokens."""

from __future__ import annotations

from rich.cells import cell_len

from tracetui.ctx import Context
from tracetui.model import Session
from tracetui.safe_text import safe_line
from tracetui.ui.cells import fit, line as one_line
from tracetui.views.format import human_tokens, step_summary
from tracetui.ui.widgets.timeline import ICONS
from tracetui.ui.widgets.virtual_list import Part, VirtualList


class CtxList(VirtualList):
    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {"ctx-list--tokens", "ctx-list--kind", "ctx-list--bar"}

    DEFAULT_CSS = """
    CtxList > .ctx-list--tokens { color: $text-muted; }
    CtxList > .ctx-list--kind { color: $primary; }
    CtxList > .ctx-list--bar { color: $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.context: Context | None = None
        self.session: Session | None = None
        self._largest = 1

    def show(self, context: Context | None, session: Session | None = None) -> None:
        self.context = context
        self.session = session
        self._largest = max((item.tokens for item in context.items), default=1) if context else 1
        # An empty pane says why: at a session's first steps (a model change, a system line) the log
        # shows nothing sent to the model yet.
        self.empty_lines = ["nothing sent to the model yet at this step"] if context is not None else []
        self.set_count(len(context.items) if context else 0, cursor=(len(context.items) - 1) if context else 0)

    def render_row(self, index: int, width: int, is_cursor: bool) -> list[Part]:
        assert self.context is not None
        item = self.context.items[index]
        style = self.part_style
        bar = "█" * max(1, round(6 * item.tokens / self._largest)) if item.tokens else ""
        label = item.tool or item.kind
        head: list[Part] = [
            (f" {human_tokens(item.tokens):>6} ", style("ctx-list--tokens")),
            (f"{bar:<6} ", style("ctx-list--bar")),
            (f"{ICONS.get(item.kind, '?')} {fit(safe_line(label), 12)} ", style("ctx-list--kind")),
        ]
        room = max(0, width - sum(cell_len(t) for t, _ in head))
        text = item.text.strip()
        if not text and self.session is not None and 0 <= item.index < len(self.session.steps):
            text = step_summary(self.session.steps[item.index])  # a tool call's command or path
        cwd = (self.session.cwd or "").rstrip("/\\") if self.session is not None else ""
        if cwd and text.startswith(cwd):
            text = text[len(cwd):].lstrip("/\\")  # paths inside the project read shorter, as in the timeline
        newline = text.find("\n", 0, 4 * room + 16)  # the first line only, and only its start read
        head.append((one_line(text if newline < 0 else text[:newline], room), None))
        return head
