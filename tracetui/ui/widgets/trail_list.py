"""The trail pane: what the session's patches came to, then one row per patch; Enter on a patch goes
to its step in the timeline with the step's diff beside it."""

from __future__ import annotations

from rich.cells import set_cell_size
from textual.message import Message

from tracetui.safe_text import safe_line
from tracetui.ui.widgets.virtual_list import Part, VirtualList
from tracetui.views.trail import PatchRow

ABANDONED_TITLE = "patches on abandoned branches"


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

    def show(self, header: list[str], rows: list[PatchRow]) -> None:
        lines: list[str | PatchRow] = list(header)
        self._titles = set()
        kept = [r for r in rows if not r.abandoned]
        abandoned = [r for r in rows if r.abandoned]
        if kept:
            lines.append("")
            self._titles.add(len(lines))
            lines.append("patches")
            lines.extend(kept)
        if abandoned:
            lines.append("")
            self._titles.add(len(lines))
            lines.append(ABANDONED_TITLE)
            lines.extend(abandoned)
        self.lines = lines
        first_patch = next((i for i, line in enumerate(lines) if isinstance(line, PatchRow)), 0)
        self.set_count(len(lines), first_patch)

    def plain_lines(self) -> list[str]:
        return [line if isinstance(line, str) else line.text() for line in self.lines]

    def render_row(self, index: int, width: int, is_cursor: bool) -> list[Part]:
        line = self.lines[index]
        style = self.part_style
        if isinstance(line, str):
            name = "trail-list--title" if index in self._titles else "trail-list--header"
            return [(set_cell_size(" " + safe_line(line), width), style(name))]
        name = f"trail-list--{line.state}"
        state_style = style(name) if name in self.COMPONENT_CLASSES else None
        where = line.step_index if line.step_index is not None else "?"
        head: list[Part] = [
            (f" step {where:>5}  ", style("trail-list--header") if is_cursor else None),
            (f"{(line.state or '-'):<12} ", state_style),
            (f"{(line.commit or '')[:8]:<8}  ", style("trail-list--unknown")),
        ]
        rest = safe_line(line.path) + (f"  ({safe_line(line.evidence)})" if line.evidence else "")
        room = max(0, width - sum(len(t) for t, _ in head))
        head.append((set_cell_size(rest, room), None))
        return head

    def action_choose(self) -> None:
        if 0 <= self.cursor < len(self.lines):
            line = self.lines[self.cursor]
            if isinstance(line, PatchRow):
                self.post_message(self.PatchChosen(line))
