"""The trail pane: what the session's patches came to, then one row per patch; Enter on a patch goes
to its step in the timeline with the step's diff beside it."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message

from tracetui.safe_text import safe_line
from tracetui.ui.cells import cut_start, fit
from tracetui.ui.widgets.virtual_list import Part, VirtualList
from tracetui.views.trail import PatchRow

ABANDONED_TITLE = "patches on abandoned branches"
COPIED_TITLE = "copied from the parent session, not in the bucket (not counted)"
NOTE_INDENT = 7  # a note under a patch row starts past its step number


class _Note(str):
    """A line under a patch row saying why its state is what it is (why it is unknown), wrapped."""


class TrailList(VirtualList):
    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {
        "trail-list--header",
        "trail-list--title",
        "trail-list--alive",
        "trail-list--transformed",
        "trail-list--reverted",
        "trail-list--lost",
        "trail-list--uncommitted",
        "trail-list--unknown",
    }

    DEFAULT_CSS = """
    TrailList > .trail-list--header { color: $text; text-style: bold; }
    TrailList > .trail-list--title { color: $accent; text-style: bold; }
    TrailList > .trail-list--alive { color: $success; }
    TrailList > .trail-list--transformed { color: $warning; }
    TrailList > .trail-list--reverted { color: $error; }
    TrailList > .trail-list--lost { color: $error; text-style: bold; }
    TrailList > .trail-list--uncommitted { color: $secondary; }
    TrailList > .trail-list--unknown { color: $text-muted; }
    """

    class PatchChosen(Message):
        """Enter on a patch: go to the step that made it."""

        def __init__(self, row: PatchRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # Each line is a header (str) or a patch; a title line names the block of patches after it.
        self.lines: list[str | PatchRow] = []
        self._titles: set[int] = set()
        self._header: list[str] = []
        self._rows: list[PatchRow] = []
        self._commits = True
        self._columns_at: dict[int, int] = {}  # the pane's width -> its patch rows' columns
        self._wrapped_at = 0

    def show(self, header: list[str], rows: list[PatchRow]) -> None:
        self._header, self._rows = header, rows
        self._commits = any(r.commit for r in rows)
        self._columns_at.clear()
        self._build(None)

    def _room(self) -> int:
        # The pane's width less the leading space and the scrollbar's column (a long trail has one).
        return max(10, (self.size.width or 80) - 2)

    def _build(self, keep: PatchRow | None) -> None:
        """The lines at the pane's width: the header's sentences (where the paths were read, how to
        pass --repo) wrapped, never cut; the cursor stays on `keep`, else goes to the first patch."""
        rows = self._rows
        self._wrapped_at = room = self._room()
        lines: list[str | PatchRow] = []
        for text in self._header:
            lines.extend(_wrap(safe_line(text), room))
        self._titles = set()
        kept = [r for r in rows if not r.abandoned and not r.copied]
        abandoned = [r for r in rows if r.abandoned and not r.copied]
        copied = [r for r in rows if r.copied]
        for title, block in (("patches", kept), (ABANDONED_TITLE, abandoned), (COPIED_TITLE, copied)):
            if not block:
                continue
            lines.append("")
            self._titles.add(len(lines))
            lines.append(title)
            for row in block:
                lines.append(row)
                if row.reason:
                    # Under the row, wrapped, never cut: the row's own width goes to its path.
                    note = _wrap("why: " + safe_line(row.reason), max(10, room - NOTE_INDENT))
                    lines.extend(_Note(" " * NOTE_INDENT + piece) for piece in note)
        self.lines = lines
        first_patch = next((i for i, line in enumerate(lines) if isinstance(line, PatchRow)), 0)
        at = next((i for i, line in enumerate(lines) if line is keep), first_patch) if keep else first_patch
        self.set_count(len(lines), at)

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        if self._header and self._room() != self._wrapped_at:
            current = self.lines[self.cursor] if 0 <= self.cursor < len(self.lines) else None
            self._build(current if isinstance(current, PatchRow) else None)

    def plain_lines(self) -> list[str]:
        return [line if isinstance(line, str) else line.text() for line in self.lines]

    def render_row(self, index: int, width: int, is_cursor: bool) -> list[Part]:
        line = self.lines[index]
        style = self.part_style
        if isinstance(line, _Note):
            return [(fit(" " + line, width), style("trail-list--unknown"))]
        if isinstance(line, str):
            name = "trail-list--title" if index in self._titles else "trail-list--header"
            return [(fit(" " + safe_line(line), width), style(name))]
        name = f"trail-list--{line.state}"
        state_style = style(name) if name in self.COMPONENT_CLASSES else None
        where = line.step_index if line.step_index is not None else "?"
        columns = self._columns(width)
        step_text = f" step {where:>5}  " if columns in (COMMIT, STEP_WORD) else f" {where:>5} "
        head: list[Part] = [(step_text, style("trail-list--header") if is_cursor else None),
                            (f"{(line.state or '-'):<12} ", state_style)]  # fmt: skip
        if columns in (COMMIT, COMMIT_BARE):
            head.append((f"{(line.commit or '')[:8]:<8}  ", style("trail-list--unknown")))
        path = safe_line(line.path)
        evidence = f"  ({safe_line(line.evidence)})" if line.evidence else ""
        room = max(0, width - sum(len(t) for t, _ in head))
        # A path cut at its front leaves three cells, so the evidence after it still shows its cut: "  …".
        path = cut_start(path, room - 3 if evidence and cell_len(path) > room - 3 else room)
        head.append((fit(path + evidence, room), None))
        return head

    def _columns(self, width: int) -> int:
        """Which columns a patch row has at this width, one choice for the whole pane so the columns
        stay aligned (chosen row by row, a short path kept its commit and a long one's row had no
        "step": the states no longer stood in one column). The file is what a row is about: where the
        paths do not fit, the word "step" goes, then the commit (the patch's diff names it), before
        paths are cut at their front."""
        columns = self._columns_at.get(width)
        if columns is None:
            rows = [line for line in self.lines if isinstance(line, PatchRow)]
            widest = max((cell_len(safe_line(r.path)) for r in rows), default=0)
            # A path with evidence after it needs three cells more, for the evidence's cut to show: "  …".
            wanted = min(widest, PATH_ROOM) + (3 if any(r.evidence for r in rows) else 0)
            choices = ([COMMIT, COMMIT_BARE] if self._commits else []) + [STEP_WORD, BARE]
            columns = next((c for c in choices if width - HEAD_CELLS[c] >= wanted), BARE)
            self._columns_at[width] = columns
        return columns

    def action_choose(self) -> None:
        if 0 <= self.cursor < len(self.lines):
            line = self.lines[self.cursor]
            if isinstance(line, PatchRow):
                self.post_message(self.PatchChosen(line))


PATH_ROOM = 24  # cells of a long path a row makes room for by giving up its commit column
# A patch row's columns (TrailList._columns): with the commit; with it and without the word "step"
# (the number says it: the commit is worth more than the word); without the commit; without either.
COMMIT, COMMIT_BARE, STEP_WORD, BARE = 3, 2, 1, 0
HEAD_CELLS = {COMMIT: 13 + 13 + 10, COMMIT_BARE: 7 + 13 + 10, STEP_WORD: 13 + 13, BARE: 7 + 13}


def _wrap(text: str, room: int) -> list[str]:
    if cell_len(text) <= room:
        return [text]
    return [piece.plain.rstrip() for piece in Content(text).wrap(room)] or [text]
