"""A focused widget that runs a key's binding as soon as the key reaches it.

Textual hands a key to the focused widget, lets it climb through every ancestor's message queue back
to the app, and only then looks it up in the focus chain's bindings (the widget's first, then each
ancestor's, the screen's and the app's): about 0.8 ms of a key's 5 ms at 160x48. The look-up made
where the key lands is the same one over the same chain, so it runs the same binding, sooner. A key
an ancestor has a method for (Textual's screen clears a selection on escape) climbs as before; no
ancestor here has an `on_key`, which `tests/ui/test_keys_here.py` keeps true. The measures:
docs/internals/ui.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object  # a plain mixin: Textual takes default CSS from the first DOM-node base


class KeysHere(_Base):
    async def _on_key(self, event: events.Key) -> None:
        await super()._on_key(event)
        if self.app.focused is not self or _handled_above(self, event):
            return
        if await self.app._check_bindings(event.key):
            event.stop()  # the app would have found the same binding when the key climbed to it


def _handled_above(widget: Widget, event: events.Key) -> bool:
    """Whether a node between the widget and the app has a method for this key (`key_<name>`), which
    Textual calls as the key climbs, before the bindings."""
    names = [f"{prefix}key_{alias}" for alias in event.name_aliases for prefix in ("", "_")]
    app = widget.app
    above = [node for node in widget.ancestors if node is not app]
    return any(getattr(node, name, None) is not None for node in above for name in names)
