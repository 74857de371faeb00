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
        # A key made compact after it mounts is styled twice (a class added is a restyle).
        compact = "-compact" if self.compact else ""
        for binding, enabled, tooltip in shown:
            yield self._key(binding, enabled, tooltip, compact)
        if palette is not None:
            yield self._hint(palette, compact)

    async def recompose(self) -> None:
        if self._bindings_ready and self.is_attached and self._drawn is not None:
            shown, palette = self._plan()
            look = self._look(shown, palette)
            if look == self._drawn:
                return  # the same keys at the same width: nothing to rebuild
            self._drawn = look
            await self._redraw(shown, palette)
            return
        await super().recompose()

    async def _redraw(self, shown: list[tuple[Binding, bool, str]], palette: ActiveBinding | None) -> None:
        """The keys drawn by changing the keys already mounted, and mounting or removing only those
        beyond them. Textual's recompose removed every key, laid the screen out without them, then
        mounted and styled new ones and laid it out again: two or three layouts of the whole screen
        for each change of the keys on offer (a focus moved between panes, a session opened), 60-100
        ms of the UI thread at 120x40."""
        mounted = [k for k in self.query_children(FooterKey) if not k._pruning]  # not those on their way out
        keys = [k for k in mounted if not k.has_class("-command-palette")]
        hint = next((k for k in mounted if k.has_class("-command-palette")), None)
        compact = "-compact" if self.compact else ""
        for key, (binding, enabled, tooltip) in zip(keys, shown):
            _restyle(key, self.app.get_key_display(binding), binding, enabled, tooltip, compact)
        gone = keys[len(shown):]
        made = [self._key(binding, on, tooltip, compact) for binding, on, tooltip in shown[len(keys):]]
        if palette is not None and hint is not None:
            tip = palette.binding.tooltip or palette.binding.description
            _restyle(hint, self.app.get_key_display(palette.binding), palette.binding, palette.enabled, tip,
                     f"-command-palette {compact}")  # fmt: skip
        elif hint is not None:
            gone.append(hint)
        elif palette is not None:
            made.append(self._hint(palette, compact))
        if gone:
            self.remove_children(gone)  # removed before the next layout, as the mounts below are made
        if made:  # before the palette hint where one stays: the keys keep their order
            stays = hint is not None and hint not in gone
            await (self.mount_all(made, before=hint) if stays else self.mount_all(made))
        self.refresh(layout=True)

    def _key(self, binding: Binding, enabled: bool, tooltip: str, compact: str) -> FooterKey:
        return FooterKey(
            binding.key,
            self.app.get_key_display(binding),
            binding.description,
            binding.action,
            disabled=not enabled,
            tooltip=tooltip,
            classes=compact,
        ).data_bind(compact=Footer.compact)

    def _hint(self, palette: ActiveBinding, compact: str) -> FooterKey:
        return FooterKey(
            palette.binding.key,
            self.app.get_key_display(palette.binding),
            palette.binding.description,
            palette.binding.action,
            classes=f"-command-palette {compact}",
            disabled=not palette.enabled,
            tooltip=palette.binding.tooltip or palette.binding.description,
        )

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


def _restyle(key: FooterKey, display: str, binding: Binding, enabled: bool, tooltip: str,
             classes: str) -> None:  # fmt: skip
    """A mounted key made to draw another binding: its words, its action and its classes (a class
    that changes restyles that key alone)."""
    changed = (key.key_display, key.description) != (display, binding.description)
    key.key, key.key_display, key.action = binding.key, display, binding.action
    key.description = binding.description
    key._disabled = not enabled
    key.tooltip = tooltip or None
    wanted = set(classes.split()) | ({"-disabled"} if not enabled else set())
    if set(key.classes) != wanted:
        key.set_classes(" ".join(sorted(wanted)))
    if changed:
        key.refresh(layout=True)
