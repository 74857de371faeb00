"""Text cut to a number of terminal cells, for every row the app draws itself (docs/design.md, "The
app": a one-line label that is cut ends in `…`).

Widths are counted in cells as the terminal draws them (Rich's table, which Textual's strips use):
a wide character takes two, a combining mark none and stays with the letter it marks, and a tab is
spaces. Cutting by characters, or padding with `set_cell_size` alone, let a row end mid-word with
nothing to say that more was there. Callers pass text already made safe (`tracetui.safe_text`).
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size

from tracetui.safe_text import safe_line

ELLIPSIS = "…"
TAB = 4  # a tab's stops, as the detail pane's (safe_text makes a tab four spaces)
# Emoji sequences terminals draw at different widths: a variation selector asking for the emoji
# form (U+FE0F: `⚠️` is two cells in Rich's count and some terminals, one in tmux and xterm) and
# the joiner of a ZWJ sequence (`👨‍👩‍👧`: one glyph of two cells where the terminal joins it, three
# of six where it does not). Drawn without them, every terminal draws what Rich counts, so a row's
# right border stays in its column.
_UNSURE = str.maketrans("", "", "\ufe0f\u200d")


def drawable(text: str) -> str:
    """`text` as every terminal draws it at the width Rich counts: the emoji variation selector and
    zero-width joiners left out (`⚠️` reads `⚠`, a family its three people)."""
    if text.isascii() or ("\ufe0f" not in text and "\u200d" not in text):
        return text
    return text.translate(_UNSURE)


def cut(text: str, room: int, more: bool = False) -> str:
    """`text` in at most `room` cells: whole when it fits, else its start and `…` in the last cell.
    `more`: the text is a slice of a longer one, so it is cut even where the slice fits."""
    text = drawable(text)
    if "\t" in text:
        text = text.expandtabs(TAB)
    if room <= 0:
        return ""
    if text.isascii():
        if len(text) <= room and not (more and len(text) == room):
            return text + ELLIPSIS if more else text
        return text[: room - 1] + ELLIPSIS
    cells, keep = 0, None
    for i, ch in enumerate(text):  # stops at the first character past the room
        width = get_character_cell_size(ch)
        if cells + width > room:
            keep = i if keep is None else keep
            break
        if keep is None and cells + width > room - 1:
            keep = i  # where the text ends if `…` needs the last cell
        cells += width
    else:
        if not more:
            return text
        if keep is None:
            return text + ELLIPSIS
    return text[:keep] + ELLIPSIS


def pad(text: str, room: int) -> str:
    """`text` followed by spaces up to `room` cells (left as it is when it is as wide or wider)."""
    text = drawable(text)
    return text + " " * max(0, room - cell_len(text))


def fit(text: str, room: int) -> str:
    """`text` in exactly `room` cells: padded with spaces when shorter, else cut as `cut` does."""
    return pad(cut(text, room), room)


def line(text: str, room: int) -> str:
    """Untrusted text as a row's column of exactly `room` cells: made safe (newlines read ⏎), padded,
    `…` where cut. Only the start of a long text is read: a step may hold megabytes on one line."""
    limit = 4 * room + 16  # past the room however many combining marks or controls' stand-ins
    return pad(cut(safe_line(text[:limit]), room, more=len(text) > limit), room)


def wrap(text: str, room: int) -> list[str]:
    """`text` as lines of at most `room` cells, broken between words (a word wider than the room is
    broken where the room ends); at least one line. For short texts read whole (the key help)."""
    text = drawable(text)
    if "\t" in text:
        text = text.expandtabs(TAB)
    room = max(1, room)
    lines: list[str] = []
    current, used = "", 0
    for word in text.split():
        width = cell_len(word)
        while width > room:  # a word longer than a line: its first room's worth here, the rest below
            if current:
                lines.append(current)
                current, used = "", 0
            head, cells = "", 0
            for ch in word:
                size = get_character_cell_size(ch)
                if cells + size > room and head:  # one character at least: a wide one in a room of one
                    break
                head, cells = head + ch, cells + size
            lines.append(head)
            word = word[len(head):]
            width = cell_len(word)
        if not word:
            continue
        if current and used + 1 + width <= room:
            current, used = f"{current} {word}", used + 1 + width
        elif current:
            lines.append(current)
            current, used = word, width
        else:
            current, used = word, width
    if current or not lines:
        lines.append(current)
    return lines


def cut_start(text: str, room: int) -> str:
    """`text` in at most `room` cells, keeping its end (a path's file name): `…` then the last cells."""
    text = drawable(text)
    if "\t" in text:
        text = text.expandtabs(TAB)
    if room <= 0:
        return ""
    if cell_len(text) <= room:
        return text
    cells, start = 0, len(text)
    while start > 0:  # from the end: bounded by the room
        width = get_character_cell_size(text[start - 1])
        if cells + width > room - 1:
            break
        start -= 1
        cells += width
    # A combining mark cannot open the text: it belongs to the letter that was cut away.
    while start < len(text) and get_character_cell_size(text[start]) == 0:
        start += 1
    return ELLIPSIS + text[start:]
