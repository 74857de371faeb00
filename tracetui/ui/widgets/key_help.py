"""The key help (f1): one entry per key, its label and its whole help, wrapped to the panel's width.

More in docs/internals/ui.md, `ui/widgets/key_help.py`.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import HelpPanel, KeyPanel, Markdown

from tracetui.safe_text import safe_line
from tracetui.ui.cells import cut, cut_start, wrap

MIN_WIDTH = 40
KEYS_MAX = 12  # the key column's widest: a longer key list ("^c super+c copy") keeps its end
LABEL_SHARE = 0.4  # of the room beside the keys, at most this much for the labels' column
LABELS_FROM = 50  # cells beside the keys from which a row has the label before the help


class KeyRows(Widget):
    """The active bindings, one entry each: keys right-aligned in one column, then the label and its
    help dimmed and wrapped under its start, or on a narrow panel the help alone."""

    COMPONENT_CLASSES = {"key-rows--key", "key-rows--label"}
    DEFAULT_CSS = """
    KeyRows { width: 1fr; height: auto; }
    KeyRows > .key-rows--key { color: $text-accent; text-style: bold; }
    KeyRows > .key-rows--label { color: $foreground; }
    """

    def rows(self) -> list[tuple[str, str, str] | None]:
        """(keys, label, help) per action in the order the screen lists them; None between groups
        (the focused widget's keys, then its screen's, then the app's)."""
        out: list[tuple[str, str, str] | None] = []
        for _, group in groupby(self.screen.active_bindings.values(), key=itemgetter(0)):
            by_action: dict[str, list] = {}
            for _, binding, _, _ in group:
                if not binding.system:
                    by_action.setdefault(binding.action, []).append(binding)
            if not by_action:
                continue
            if out:
                out.append(None)
            for bindings in by_action.values():
                keys = " ".join(dict.fromkeys(self.app.get_key_display(b) for b in bindings))
                first = bindings[0]
                out.append((keys, first.description or "", first.tooltip or ""))
        return out

    def render(self) -> Text:
        return self.drawn(self.size.width or MIN_WIDTH)

    def get_content_height(self, container, viewport, width: int) -> int:
        # As many lines as the wrapped helps take at the width being laid out (not the last one drawn).
        return len(self.drawn(width).plain.split("\n"))

    def drawn(self, width: int) -> Text:
        """The keys at `width` cells: a key, its label and its whole help, wrapped."""
        width = max(1, width)
        rows = self.rows()
        key_room = min(KEYS_MAX, max((cell_len(r[0]) for r in rows if r), default=1), max(1, width // 3))
        room = max(1, width - key_room - 1)
        # The labels in one column (the widest that has help, at most LABEL_SHARE of the room), so
        # the helps start in one column too, each wrapped under its own start: whole, never cut
        # (the footer shows the labels; this is where a key's help is read). On a narrow panel the
        # help alone, which says more.
        labelled = room >= LABELS_FROM
        widest = max((cell_len(r[1]) for r in rows if r and r[2]), default=0)
        label_room = min(widest, int(room * LABEL_SHARE))
        key_style = self.get_component_rich_style("key-rows--key")
        label_style = self.get_component_rich_style("key-rows--label")
        out = Text(no_wrap=True, overflow="crop", end="")
        for n, row in enumerate(rows):
            if n:
                out.append("\n")
            if row is None:
                continue
            keys, label, help_text = (safe_line(x) for x in row)
            key = cut_start(keys, key_room)
            out.append(" " * (key_room - cell_len(key)) + key, key_style)
            out.append(" ")
            if not help_text or not labelled:
                lines = wrap(help_text or label, room)
                out.append(lines[0], label_style)
                for more in lines[1:]:
                    out.append("\n" + " " * (key_room + 1))
                    out.append(more, label_style)
                continue
            shown = cut(label, max(label_room, 1))
            out.append(shown + " " * (label_room - cell_len(shown)), label_style)
            left = max(1, room - label_room - 1)
            lines = wrap(help_text, left)
            out.append(" " + lines[0], "dim")
            for more in lines[1:]:
                out.append("\n" + " " * (key_room + 1 + label_room + 1))
                out.append(more, "dim")
        return out


class OneLineKeys(KeyPanel):
    """Textual's key panel with one row per key (`KeyRows`), recomposed as the bindings change."""

    def compose(self) -> ComposeResult:
        yield KeyRows()


class KeyHelp(HelpPanel):
    """The f1 panel: the focused widget's help where it has one, then its keys, a row each."""

    DEFAULT_CSS = f"""
    KeyHelp {{ min-width: {MIN_WIDTH}; }}
    """

    def compose(self) -> ComposeResult:
        yield Markdown(id="widget-help")
        yield OneLineKeys(id="keys-help")
