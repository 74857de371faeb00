"""`lean_strips`: a strip holds none of its caches until it uses one, and every operation gives what
Textual's own strip gives."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from textual.color import Color
from textual.filter import ANSIToTruecolor, DimFilter
from textual.strip import Strip

from tracetui.ui import lean_strips

SEGMENTS = [Segment("héllo ", Style(color="red")), Segment("wörld 中文", Style(bold=True)), Segment("  ")]
_EAGER_INIT = Strip.__init__ if Strip.__init__ is not lean_strips._init else None


def _operations(strip: Strip) -> list:
    blue = Style(bgcolor="blue")
    return [
        strip.text, strip.cell_length, list(strip.crop(2, 9)), list(strip.crop(2, 9)),
        [list(s) for s in strip.divide([3, 8, 12])], list(strip.crop_extend(1, 30, blue)),
        list(strip.apply_style(blue)), list(strip.extend_cell_length(25, blue)),
        list(strip.adjust_cell_length(7)), list(strip.simplify()), list(strip.discard_meta()),
        list(strip.apply_filter(ANSIToTruecolor(DEFAULT_TERMINAL_THEME), Color(0, 0, 0))),
        list(strip.apply_filter(DimFilter(), Color(10, 10, 10))), list(strip.apply_offsets(2, 3)),
        strip.render(_console()), list(Strip.join([strip, strip.crop(0, 4)])), strip.link_ids,
    ]


def _console() -> Console:
    return Console(width=80, color_system="truecolor", force_terminal=True)


def test_a_strip_holds_no_cache_until_it_uses_one():
    assert lean_strips.install()
    strip = Strip(SEGMENTS)
    assert all(name not in _set_slots(strip) for name in lean_strips.CACHES)
    strip.crop(1, 4)
    assert "_crop_cache" in _set_slots(strip)
    assert "_divide_cache" not in _set_slots(strip)
    assert lean_strips.install()  # twice is once


def test_every_operation_gives_what_textuals_strip_gives():
    assert lean_strips.install()
    lazy = Strip(SEGMENTS)
    eager = Strip.__new__(Strip)
    if _EAGER_INIT is not None:  # Textual's own `__init__`, kept before the first install
        _EAGER_INIT(eager, SEGMENTS)
    else:
        lean_strips._init(eager, SEGMENTS)
        for name, size in lean_strips.CACHES.items():
            setattr(eager, name, lean_strips.FIFOCache(size))
    assert _operations(lazy) == _operations(eager)
    assert _operations(lazy) == _operations(lazy)  # from its caches now


def _set_slots(strip: Strip) -> set[str]:
    held = set()
    for name in Strip.__slots__:
        try:
            object.__getattribute__(strip, name)
        except AttributeError:
            continue
        held.add(name)
    return held
