"""The footer: the focused pane's keys, cut to what fits, never cutting the keys a user must always
find (the pinned rows of `actions.ACTIONS`: f1 for every key, and the way out of each screen).

Textual's footer draws every key and lets the last ones run under the palette hint at the right,
so a narrow terminal lost `q Quit` and `f1 Keys` and showed stray letters. This one decides which
keys fit before drawing: the pinned ones first, then the others in their order, and the palette
hint only where there is room for it (ctrl+p is in the key help too).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tracetui.ui import actions

PALETTE_MIN_WIDTH = 100  # below this the palette hint gives its room to the pane's keys


class KeyFooter(Footer):
    # What the footer last drew: Textual recomposes it on every change of the screen's bindings (each
    # focus move, each key that refreshes them), and rebuilding the same keys was a tenth of the app's
    # work in a walk through its panes.
    _drawn: tuple | None = None

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown, palette = self._plan()
        self._drawn = self._look(shown, palette)
        self.styles.grid_size_columns = len(shown)
        # A key made compact after it mounts is styled twice (a class added is a restyle).
        compact = "-compact" if self.compact else ""
        for binding, enabled, tooltip in shown:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
                classes=compact,
            ).data_bind(compact=Footer.compact)
        if palette is not None:
            yield FooterKey(
                palette.binding.key,
                self.app.get_key_display(palette.binding),
                palette.binding.description,
                palette.binding.action,
                classes=f"-command-palette {compact}",
                disabled=not palette.enabled,
                tooltip=palette.binding.tooltip or palette.binding.description,
            )

    async def recompose(self) -> None:
        if self._bindings_ready and self.is_attached and self._drawn is not None:
            if self._look(*self._plan()) == self._drawn:
                return  # the same keys at the same width: nothing to rebuild
        await super().recompose()

    def _plan(self) -> tuple[list[tuple[Binding, bool, str]], ActiveBinding | None]:
        """The keys to draw, in their order, and the palette hint where it has room."""
        active = self.screen.active_bindings
        # A screen may keep a key that does nothing there out of the footer (`footer_hides`), while
        # pressing it still says why.
        hides: Callable[[str], bool] = getattr(self.screen, "footer_hides", lambda action: False)
        keys: list[tuple[Binding, bool, str]] = []
        seen: set[str] = set()
        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen and not hides(binding.action):  # one per action, as Textual's
                seen.add(binding.action)
                keys.append((binding, enabled, tooltip))
        width = self.size.width
        palette = None
        roomy = not width or width >= PALETTE_MIN_WIDTH
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and roomy:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        fits = self._fitting(keys, width - (self._cells(palette.binding) + 1 if palette else 0))
        return [k for k in keys if k[0] in fits], palette

    def _look(self, shown: list[tuple[Binding, bool, str]], palette: ActiveBinding | None) -> tuple:
        keys = tuple((b.key, self.app.get_key_display(b), b.description, b.action, on, tip) for b, on, tip in shown)
        hint = None if palette is None else (palette.binding.key, palette.binding.description, palette.enabled)
        return keys, hint, self.compact, self.size.width

    def _cells(self, binding: Binding) -> int:
        """What a compact key takes: `key label ` (the key, a space, the label, a space)."""
        return cell_len(self.app.get_key_display(binding)) + 1 + cell_len(binding.description) + 1

    def _fitting(self, keys: list[tuple[Binding, bool, str]], room: int) -> set[Binding]:
        if room <= 0 and not self.size.width:
            return {b for b, _, _ in keys}  # not laid out yet: the resize that follows decides
        pinned = [b for b, _, _ in keys if b.id in actions.BY_ID and actions.BY_ID[b.id].pinned]
        order = pinned + [b for b, _, _ in keys if b not in pinned]
        shown: set[Binding] = set()
        for binding in order:
            cost = self._cells(binding)
            if cost <= room:
                shown.add(binding)
                room -= cost
            elif binding not in pinned:
                break  # keep the footer's order: no later key jumps into a gap
        return shown

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)
