"""Blame: a file at a revision, each line beside the session and step that wrote it (or `human`,
with its commit). Enter on an agent's line goes to that step in its session, with the Context tab
open: what the model could see when it wrote the line."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from tracetui.blame import BlameLine, FileBlame, blame_file
from tracetui.errors import TracetuiError
from tracetui.library import Library
from tracetui.safe_text import safe_line
from tracetui.ui import actions
from tracetui.ui.cells import fit, line as one_line
from tracetui.ui.row_updates import RowUpdates
from tracetui.ui.widgets.key_footer import KeyFooter
from tracetui.ui.widgets.virtual_list import Part, VirtualList
from tracetui.ui.workers import thread_work

WHO_WIDTH = 24


class BlameList(VirtualList):
    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {
        "blame-list--number",
        "blame-list--agent",
        "blame-list--human",
        "blame-list--state",
    }

    DEFAULT_CSS = """
    BlameList > .blame-list--number { color: $text-muted; }
    BlameList > .blame-list--agent { color: $accent; }
    BlameList > .blame-list--human { color: $text-muted; }
    BlameList > .blame-list--state { color: $warning; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[BlameLine] = []
        self._who_width = WHO_WIDTH
        self._state_width = 12
        self._number_width = 5

    def show(self, lines: list[BlameLine]) -> None:
        self.lines = lines
        # Each column as wide as its widest entry (the writer's up to WHO_WIDTH), so the code has the
        # rest: at 80 columns fixed widths left it 32 cells, and a file no agent wrote kept an empty
        # state column.
        self._who_width = min(WHO_WIDTH, max((cell_len(safe_line(_who(line))) for line in lines), default=0))
        states = [len(line.state) for line in lines if line.writer is not None]
        self._state_width = max(states) + 1 if states else 0
        self._number_width = max(3, len(str(max((line.line for line in lines), default=0))))
        first_agent = next((i for i, line in enumerate(lines) if line.writer is not None), 0)
        self.set_count(len(lines), first_agent)

    def render_row(self, index: int, width: int, is_cursor: bool) -> list[Part]:
        line = self.lines[index]
        style = self.part_style
        who = _who(line)
        who_style = style("blame-list--agent" if line.writer is not None else "blame-list--human")
        state = line.state if line.writer is not None else ""
        head: list[Part] = [
            (f"{line.line:>{self._number_width}} ", style("blame-list--number")),
            (fit(safe_line(who), self._who_width) + " ", who_style),
            (f"{state:<{self._state_width}}", style("blame-list--state")),
            ("│ ", style("blame-list--number")),
        ]
        room = max(0, width - sum(cell_len(t) for t, _ in head))
        # Tabs at the code's own stops (the line's start), before safe_line makes each one a space.
        head.append((one_line(line.text.expandtabs(4), room), None))
        return head


def _who(line: BlameLine) -> str:
    if line.writer is not None:
        return f"{line.writer.agent} {line.writer.session[:8]} #{line.writer.index}"
    return f"{line.kind} {(line.commit or '')[:8]}".rstrip()


class BlameReady(Message):
    def __init__(self, result: FileBlame | None, error: str | None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class BlameScreen(RowUpdates, Screen[tuple[str, str] | None]):
    """Dismissed with (session id, step id) when the user goes to a line's step, else None."""

    CSS_PATH = "blame.tcss"
    BINDINGS = actions.bindings("blame")

    def __init__(self, library: Library, file: str, repo: str | None = None, ref: str = "HEAD") -> None:
        super().__init__()
        self.library = library
        self.file = file
        self.repo = repo
        self.ref = ref

    def compose(self) -> ComposeResult:
        yield Static(f"blame · {safe_line(self.file)} · {safe_line(self.ref)}", id="blame-title", markup=False)
        yield BlameList(id="blame-list")
        yield Static("reading the file's history…", id="blame-status", markup=False)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(BlameList).focus()
        self._blame()

    @thread_work("blame")
    def _blame(self) -> None:
        try:
            result = blame_file(self.library, self.file, self.repo, self.ref)
        except (TracetuiError, OSError, ValueError) as exc:
            self.post_message(BlameReady(None, str(exc)))
            return
        self.post_message(BlameReady(result, None))

    def on_blame_ready(self, message: BlameReady) -> None:
        status = self.query_one("#blame-status", Static)
        if message.result is None:
            status.update(safe_line(f"no blame: {message.error}"))
            return
        result = message.result
        lines = result.lines
        agents = sum(1 for line in lines if line.writer is not None)
        sessions = len({line.writer.session for line in lines if line.writer is not None})
        self.query_one("#blame-title", Static).update(
            safe_line(f"blame · {result.path} · {result.ref} ({result.ref_commit[:10]})")
        )
        status.update(safe_line(
            f"{len(lines)} lines: {agents} written by agents in {sessions} session{'s' if sessions != 1 else ''}, "
            f"{len(lines) - agents} by people or unknown · Enter on an agent's line opens its step"
        ))  # fmt: skip
        self.query_one(BlameList).show(lines)

    @on(BlameList.Chosen)
    def _line_chosen(self, message: BlameList.Chosen) -> None:
        lines = self.query_one(BlameList).lines
        if not 0 <= message.index < len(lines):
            return
        writer = lines[message.index].writer
        if writer is None:
            self.notify("no session wrote this line", severity="warning")
            return
        self.dismiss((writer.session, writer.step))

    def action_close(self) -> None:
        self.dismiss(None)


def file_of(path: str) -> str:
    """A path as blame takes it (absolute where it exists, so the repository is found from it)."""
    p = Path(path).expanduser()
    return str(p.resolve()) if p.exists() else path
