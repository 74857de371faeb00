"""The tracetui app: a shell around the browser screen, over any library (Bucket or capsule).

The data source is a constructor argument, so the same app shows a user's bucket, the demo, or a
capsule opened read-only. An optional `sync` callable runs in a worker after the first paint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from rich.console import Console, RenderableType
from rich.segment import Segment, Segments
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.notifications import SeverityLevel

from tracetui import collector
from tracetui.errors import Stopped, TracetuiError
from tracetui.library import Library
from tracetui.safe_text import safe_copy, safe_line, safe_text
from tracetui.settings import remember_theme
from tracetui.ui import actions
from tracetui.ui.commands import ActionCommands, SessionCommands
from tracetui.ui.external import COPY_LIMIT
from tracetui.ui.lean_strips import install as lean_strips
from tracetui.ui.parsed_css import ParsedOnce
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.themes import load_themes
from tracetui.ui.workers import alive, thread_work

DEFAULT_THEME = "tracetui-dark"

# (progress) -> one-line result; one that also takes `paths` (the files the watcher saw change, None:
# all) is told them, so it can sync only those logs' sessions.
SyncFunction = Callable[..., str]


LIVE_POLL_SECONDS = 0.4  # how often the app asks the bucket whether another process changed it


class SyncDone(Message):
    def __init__(self, text: str, ok: bool, quiet: bool = False) -> None:
        super().__init__()
        self.text = text
        self.ok = ok
        self.quiet = quiet  # a live sync: no toast unless it failed


class SyncProgress(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


STARTUP_TOASTS = 5  # problems with the user's keymap and themes shown as the app starts


class TraceApp(App):
    TITLE = "tracetui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ActionCommands, SessionCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = actions.bindings("app")

    def __init__(
        self,
        library: Library,
        *,
        sync: SyncFunction | None = None,
        repo: str | None = None,
        cache_dir: str | Path | None = None,
        theme: str | None = None,
        open_session: str | None = None,
        theme_dirs: list[Path] | None = None,
        keymap_file: Path | None = None,
        watch: list[Path] | None = None,
    ) -> None:
        super().__init__()
        lean_strips()  # a frame's strips without the caches they never use (ui/lean_strips.py)
        # Each CSS source parsed once, not again for each screen pushed (ui/parsed_css.py).
        self.stylesheet = ParsedOnce(variables=self.stylesheet._variables)
        # The user's keys (docs: `tracetui keys`): applied before any screen binds, so every
        # footer, the key help and the palette show the keys the user chose.
        keymap = actions.load_keymap(keymap_file)
        self._keymap_problems = keymap.problems
        self._clashes_told: set[frozenset[str]] = set()
        self.set_keymap(keymap.keys)
        self.library = library
        self.repo = repo
        self.cache_dir: Path | None = Path(cache_dir) if cache_dir is not None else library.cache_dir
        self.sync_status = ""
        self._sync = sync
        # Live (docs/design.md, "The app"): the agents' folders are watched and synced on change,
        # and the bucket's version is polled, so a sync in another process shows here too.
        self.watched = list(watch or [])  # every folder the sync reads, present or not (the empty list names them)
        self._watch = [p for p in self.watched if p.is_dir()]
        self._quitting = threading.Event()
        self._seen_version: int | None = None
        self._resync_pending = False
        self._pending_paths: set[str] | None = set()  # what the pending sync covers (None: everything)
        self._syncing = False
        self._open_first = open_session
        loaded = load_themes(theme_dirs)
        self._theme_errors = loaded.errors
        for t in loaded.themes:
            self.register_theme(t)
        wanted = theme or DEFAULT_THEME
        self.theme = wanted if wanted in self.available_themes else "textual-dark"
        if library.read_only:
            self.sub_title = f"{library.kind} (read-only)"

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, whoever raises it, shows its text as plain text: messages quote paths,
        ids and errors that came from logs or capsules, so markup is off and controls are visible."""
        super().notify(safe_text(str(message)), title=safe_line(str(title)), severity=severity,
                       timeout=timeout, markup=False)  # fmt: skip

    def copy_to_clipboard(self, text: str) -> None:
        """Every copy, whoever makes it, with its controls made visible (`safe_copy`: it is pasted
        later, perhaps into a shell); one over `COPY_LIMIT` is not sent."""
        text = safe_copy(text)
        if len(text.encode("utf-8")) > COPY_LIMIT:
            self.notify("too long to copy: use the pager (P)", severity="warning")
            return
        super().copy_to_clipboard(text)

    def _print_error_renderables(self) -> None:
        """What Textual prints as the app ends, a crash's traceback above all (Rich's, with each
        frame's locals), with every control made visible as the CLI's own tracebacks are: its message
        and its locals quote log strings, and Rich wrote their ESC, CSI and bidi overrides raw."""
        self._exit_renderables[:] = [_inert(self.error_console, r) for r in self._exit_renderables]
        super()._print_error_renderables()

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """A keymap gave a key to two actions: say so once (Textual keeps the first binding)."""
        ids = frozenset(b.id or b.action for b in clashed_bindings)
        if ids not in self._clashes_told:
            self._clashes_told.add(ids)
            self.notify(f"keymap: one key for {', '.join(sorted(ids))}; the first one keeps it",
                        severity="warning", timeout=8)  # fmt: skip

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # On a form (the replay and seal screens) letters are for typing: `q` must not quit the app
        # because a button has focus. Ctrl+Q still quits; Escape leaves the form.
        if action == "quit" and getattr(self.screen, "FORM", False):
            return False
        if action in ("jump_step", "search_steps", "evals"):
            # Both land on a step in the browser: over a review, an editor or a dialog they did
            # nothing (a search hit chosen there was dropped), so they are offered only there.
            return isinstance(self.screen, BrowserScreen)
        return True

    async def on_mount(self) -> None:
        # The version the list is first read at or after: read before the browser starts its list,
        # whose worker (and a dataset's pricing thread) may run to the end while the screen mounts;
        # read after, a change they made was taken as seen, and the list kept its unpriced rows.
        first_version = self.library.version()
        # Awaited: a session to open first needs the screen's widgets in place.
        browser = BrowserScreen()
        await self.push_screen(browser)
        # A few toasts, then how many more: a keymap of 50,000 unknown ids (or a themes folder of as
        # many broken files) made as many toasts, and the app took 9 s to start.
        problems = [*self._theme_errors, *self._keymap_problems]
        for error in problems[:STARTUP_TOASTS]:
            self.notify(safe_line(error), severity="warning", timeout=8, markup=False)
        if len(problems) > STARTUP_TOASTS:
            more = len(problems) - STARTUP_TOASTS
            said = f"and {more} more problems with the keymap and themes (`tracetui keys` lists the keymap's)"
            self.notify(said, severity="warning", timeout=8, markup=False)
        for notice in self.library.notices:
            self.notify(notice, severity="warning", timeout=10)
        self.library.notices.clear()
        if self._open_first:
            browser.open_session(self._open_first, focus=True)
        if self._sync is not None:
            self.sync_status = "syncing…"
            self._syncing = True
            self._run_sync(self._sync)
        self._seen_version = first_version
        if self._seen_version is not None:
            self.set_interval(LIVE_POLL_SECONDS, self._check_version)
        if self._watch and self._sync is not None:
            self._watch_logs(self._watch)

    def on_ready(self) -> None:
        # The first screen is drawn: what the app keeps for its whole run is kept out of full collections.
        collector.ui_started()

    def on_unmount(self) -> None:
        self._quitting.set()
        collector.ui_stopped()
        # A replay's temporary worktree must not outlive the app, however it is left.
        for screen in list(self.screen_stack):
            close = getattr(screen, "close_replay", None)
            if close is not None:
                close()

    # -- sync -----------------------------------------------------------------------------------
    @thread_work("sync")
    def _run_sync(self, sync: SyncFunction, quiet: bool = False, paths: set[str] | None = None) -> None:
        def progress(note: str) -> None:
            # A sync outliving the app kept the process waiting at exit for its thread (a minute on a
            # cold bucket): once the app closes, the sync's next progress report stops it, its open
            # batch rolled back as after a crash (the bucket's rows stay readable).
            if self._quitting.is_set():
                raise Stopped("the app closed during the sync")
            self.post_message(SyncProgress(note))

        try:
            text = sync(progress) if paths is None or not _takes_paths(sync) else sync(progress, paths=paths)
            self.post_message(SyncDone(text, True, quiet))
        except Exception as exc:  # sync failing must leave the app usable on what is indexed
            self.post_message(SyncDone(f"sync failed: {exc}", False, quiet))

    # -- live ------------------------------------------------------------------------------------
    @thread_work("watch")
    def _watch_logs(self, folders: list[Path]) -> None:
        from tracetui.folder_watch import watch

        # A burst of writes (an agent streaming a response) is one change after the debounce.
        # The watcher names the files that changed: the sync looks at their sessions only (all of
        # them where folders came or went: None). No link in the folders is followed (folder_watch).
        for changes in watch(folders, self._quitting):
            named = None if changes is None else {path for _, path in changes}
            self.call_from_thread(self._logs_changed, named)

    def sync_now(self) -> None:
        """A sync on request (the refresh key): quiet, of everything, and never two at once."""
        self._logs_changed(None)

    def _logs_changed(self, paths: set[str] | None = None) -> None:
        if self._sync is None:
            return
        if self._syncing:  # one more after the running sync, not one per change: it covers them all
            self._resync_pending = True
            if self._pending_paths is not None:
                self._pending_paths = None if paths is None else self._pending_paths | paths
            return
        self._syncing = True
        self._run_sync(self._sync, quiet=True, paths=paths)

    def _check_version(self) -> None:
        if self._quitting.is_set():
            return
        try:
            version = self.library.version()
        except Exception:  # a damaged index heals on the next read; polling must never crash
            return
        self._show_loading()
        if version == self._seen_version:
            return
        self._seen_version = version
        for screen in self.screen_stack:
            # A tick while the app closes found the browser with its widgets already removed.
            if isinstance(screen, BrowserScreen) and alive(screen):
                screen.forget_filters()  # new sessions can bring new agents and projects
                screen.refresh_sessions(keep=screen.opened.session.id if screen.opened else None)
                screen.refresh_open_session()

    def _show_loading(self) -> None:
        """A dataset read in the background (`Library.loading`) says how far it is in the status
        line, where a sync's progress goes (a dataset is never synced)."""
        if self._sync is not None:
            return
        note = self.library.loading() or ""
        if note != self.sync_status:
            self.sync_status = note
            if note and self.library.is_whole():
                # What stopped the read or what it left out, said once in full: the status line cuts it.
                self.notify(safe_line(note), severity="warning", timeout=10, markup=False)
            if alive(self.screen):  # a tick while the app closes finds its widgets gone
                self._refresh_status()

    def on_sync_progress(self, message: SyncProgress) -> None:
        self.sync_status = message.text
        self._refresh_status()

    def on_sync_done(self, message: SyncDone) -> None:
        self._syncing = False
        self.sync_status = "" if message.ok else message.text
        if message.ok and message.text and not message.quiet:
            self.notify(safe_line(message.text), timeout=4, markup=False)
        elif not message.ok:
            self.notify(safe_line(message.text), severity="error", markup=False)
        for screen in self.screen_stack:
            # A sync ending as the app closes found the browser with its widgets already removed.
            if isinstance(screen, BrowserScreen) and alive(screen):
                screen.refresh_sessions(keep=screen.opened.session.id if screen.opened else None)
                screen.refresh_open_session()
        if self._resync_pending:
            paths, self._pending_paths = self._pending_paths, set()
            self._resync_pending = False
            self._logs_changed(paths)

    def _refresh_status(self) -> None:
        if isinstance(self.screen, BrowserScreen):
            self.screen._status()

    # -- actions --------------------------------------------------------------------------------
    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_show_help_panel(self) -> None:
        """The key help, one row a key (`widgets/key_help.py`), in place of Textual's."""
        from tracetui.ui.widgets.key_help import KeyHelp

        if not self.screen.query("HelpPanel"):
            self.screen.mount(KeyHelp())

    def action_next_theme(self) -> None:
        names = sorted(n for n in self.available_themes if n.startswith("tracetui-")) or sorted(self.available_themes)
        current = names.index(self.theme) if self.theme in names else -1
        self.pick_theme(names[(current + 1) % len(names)])

    def pick_theme(self, name: str) -> None:
        """The user chose a theme (ctrl+t, the palette): use it now and start with it next time."""
        self.theme = name
        try:
            remember_theme(name)
            self.notify(f"theme: {name} (remembered)", timeout=1.5)
        except TracetuiError as exc:
            self.notify(f"theme: {name} (not remembered: {exc})", severity="warning", timeout=4)

    def browser(self) -> BrowserScreen | None:
        """The browser screen when it is the screen in front, else None (`host.Host`)."""
        screen = self.screen
        return screen if isinstance(screen, BrowserScreen) else None

    # The next three work only on the browser (check_action offers them only there): it does them.
    def action_jump_step(self) -> None:
        browser = self.browser()
        if browser is None:
            self.notify("open a session first", severity="warning", markup=False)
            return
        browser.ask_step()

    def action_open_capsule(self) -> None:
        from tracetui.ui.screens.path_prompt import PathPrompt

        def answered(path: str | None) -> None:
            if path:
                self._open_capsule(path)

        self.push_screen(PathPrompt("The capsule to open (it is verified first, then browsed read-only):",
                                    "path/to/file.capsule"), answered)  # fmt: skip

    @thread_work("capsule")
    def _open_capsule(self, path: str) -> None:
        from tracetui.capsule import open_capsule

        try:
            capsule = open_capsule(Path(path).expanduser())
        except (TracetuiError, OSError) as exc:
            self.call_from_thread(self.notify, f"not opened: {exc}", severity="error")
            return
        self.call_from_thread(self._show_capsule, capsule)

    def _show_capsule(self, capsule: Library) -> None:
        self.push_screen(BrowserScreen(capsule))
        self.notify("a capsule, read-only: q (or Escape from its list) closes it", timeout=4)

    def action_blame_file(self) -> None:
        browser = self.browser()
        if browser is not None:
            browser.ask_blame()

    def action_search_steps(self) -> None:
        browser = self.browser()
        if browser is not None:
            browser.ask_search()

    def action_evals(self) -> None:
        browser = self.browser()
        if browser is not None:
            browser.show_evals()


def _takes_paths(sync: SyncFunction) -> bool:
    import inspect

    try:
        return "paths" in inspect.signature(sync).parameters
    except (TypeError, ValueError):
        return False


def _inert(console: Console, renderable: RenderableType) -> Segments:
    """`renderable` rendered, each piece of its text through `safe_text` (its styles kept)."""
    pieces = console.render(renderable)
    return Segments([Segment(safe_text(s.text), s.style) for s in pieces if not s.control])
