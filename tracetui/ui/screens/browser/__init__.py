"""The browser, the app's main screen (sessions | timeline | step detail, context, diff and trail),
as a package of parts by concern: `screen` (layout, focus, the keys between panes) over mixins for
the list (`listing`), opening a session (`opening`), the step's panes (`panes`), the step handed on
(`step_tools`) and the keys that open other screens (`launchers`), which meet in `base`. Its
workers' messages are in `messages`; the session it shows is `opened.Opened`.
"""

from tracetui.ui.screens.browser.listing import SCREENFUL
from tracetui.ui.screens.browser.opening import PREVIEW_STEPS
from tracetui.ui.screens.browser.screen import BrowserScreen

__all__ = ["PREVIEW_STEPS", "SCREENFUL", "BrowserScreen"]
