"""Command palette entries: jump to a session or a step, toggle panes, switch theme."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any, cast

from rich.cells import cell_len
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tracetui.bucket import SearchHit, holds_run
from tracetui.library import Library
from tracetui.model import SessionFilter
from tracetui.safe_text import safe_line
from tracetui.ui import actions
from tracetui.ui.cells import cut
from tracetui.ui.host import Browsing, Host, is_capsule
from tracetui.views.format import step_summary

MAX_HITS = 30


def long_enough(query: str) -> bool:
    """Whether the palette asks the library: two characters, or one that is a word alone (`库`, `✅`).
    One letter of a spaced script would match most of the bucket at each first key typed."""
    return len(query) >= 2 or (len(query) == 1 and holds_run(query))


def _library(app: Any) -> Library:
    """What the palette reads: the library of the screen in front (a capsule opened over the bucket
    has its own), else the app's."""
    host = cast(Host, app)
    browser = host.browser()
    return browser.library if browser is not None else host.library


def _help(text: str, width: int = 200) -> str:
    """A palette entry's help line, in `width` cells: Textual reads it as markup, and it quotes ids
    and times from logs and capsules, so brackets are escaped and controls made visible (no action,
    link or crash)."""
    # Every bracket escaped, not only whole tags (textual.markup.escape): a cut can leave a tag's
    # opening without its end ("[@click=…"), which the markup parser refuses with an error.
    return cut(safe_line(text), width).replace("[", "\\[")


def _browser(app: Any) -> Any:
    return cast(Host, app).browser()


class ActionCommands(Provider):
    """The app's commands (the palette rows of `actions.ACTIONS`) and its themes, by name."""

    def _commands(self):
        app = self.app
        for name, help_text, action in actions.palette_entries(is_capsule(_library(app))):
            yield name, help_text, partial(app.run_action, action)
        for name in sorted(app.available_themes):
            yield f"Theme: {name}", "Switch the colour theme (remembered)", partial(cast(Host, app).pick_theme, name)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            if not name.startswith("Theme:"):
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class SessionCommands(Provider):
    """Jump to a session by its title, project or id (asks the library in a thread)."""

    async def search(self, query: str) -> Hits:
        query = query.strip()
        if not long_enough(query):
            return
        library = _library(self.app)
        try:
            rows = await asyncio.to_thread(library.list_sessions, SessionFilter(text=query), limit=MAX_HITS)
        except Exception:
            rows = []
        matcher = self.matcher(query)
        for row in rows:
            label = f"{row.agent} · {row.project or '-'} · {row.title or '(no prompt)'}"
            label = cut(safe_line(label), room(self.app))
            score = max(matcher.match(label), 0.1)
            yield Hit(score, Content(label), partial(self._open, row.id),
                      help=_help(f"session {row.id[:12]} · {row.started or ''}", room(self.app)))

    def _open(self, session_id: str) -> None:
        browser = _browser(self.app)
        if browser is not None:
            browser.open_session(session_id, focus=True)


def step_hits(session, query: str, limit: int = MAX_HITS) -> list[tuple[int, str]]:
    """Steps matching a number (`#120`, `120`) or text, first `limit` in order."""
    query = query.strip().lstrip("#")
    out: list[tuple[int, str]] = []
    if query.isdigit():
        n = int(query)
        if 0 <= n < len(session.steps):
            out.append((n, f"step {n} · {safe_line(step_summary(session.steps[n]))}"))
        return out
    needle = query.lower()
    for i, step in enumerate(session.steps):
        if needle in (step.tool or "").lower() or needle in step.text[:2000].lower():
            out.append((i, f"step {i} · {step.kind} · {safe_line(step_summary(step))}"))
            if len(out) >= limit:
                break
    return out


class StepCommands(Provider):
    """Jump to a step of the open session by number or text (the app subclasses it per session)."""

    session: Any = None
    browser: Browsing | None = None

    async def search(self, query: str) -> Hits:
        if not query.strip():
            return
        for index, label in step_hits(self.session, query):
            step_id = self.session.steps[index].id
            yield Hit(1.0, Content(cut(label, room(self.app))), partial(self._go, step_id),
                      help=_help(f"id {step_id}", room(self.app)))

    def _go(self, step_id: str) -> None:
        if self.browser is not None:
            self.browser.go_to_step(step_id)


def hit_label(hit: SearchHit, width: int = 90) -> Content:
    """A search hit's snippet in `width` cells, the matched word highlighted (controls made visible
    first: the offsets are re-found in the safe text, so a control character before the match cannot
    shift the highlight)."""
    raw = hit.snippet or hit.step
    text = safe_line(raw)
    start = end = 0
    if hit.match is not None:
        a, b = hit.match
        start, end = len(safe_line(raw[:a])), len(safe_line(raw[:b]))
        if cell_len(text[:end]) > width - 1:  # keep the match in view
            cut_at = max(0, start - 20)
            text, start, end = "…" + text[cut_at:], start - cut_at + 1, end - cut_at + 1
    shown = cut(text, width)
    content = Content(shown)
    # A cut text ends in … (one character past what it kept of the text).
    kept = len(shown) - 1 if shown != text else len(shown)
    if min(end, kept) > start:
        content = content.stylize("reverse bold", start, min(end, kept))
    return content


def hit_where(hit: SearchHit, width: int = 120) -> str:
    """Where a hit is, as a person reads it: the agent, the session's title, the step, the date, in
    `width` cells: the title gives way first, so the step and the date stay in view."""
    step = f"step {hit.index}" if hit.index is not None else f"step {safe_line(hit.step)}"
    tail = [step] + ([hit.timestamp[:16].replace("T", " ")] if hit.timestamp else [])
    agent = safe_line(hit.agent or "?")
    fixed = cell_len(agent) + sum(cell_len(b) for b in tail) + 3 * len(tail) + 3
    title = cut(safe_line(hit.title or hit.session[:12]), min(50, max(8, width - fixed)))
    return cut(" · ".join([agent, title, *tail]), width)


def room(app: Any) -> int:
    """The cells a palette entry's line has: the palette's width less its options' padding and the
    scrollbar. Longer lines wrapped, and a hit took three or four rows at 80 columns."""
    return max(20, (app.size.width or 80) - 6)


class SearchCommands(Provider):
    """Full-text search over every session's steps (asks the library in a thread)."""

    async def search(self, query: str) -> Hits:
        query = query.strip()
        if not long_enough(query):
            return
        library = _library(self.app)
        try:
            hits = await asyncio.to_thread(library.search, query, 30)
        except Exception as exc:
            self.app.notify(safe_line(f"search failed: {exc}"), severity="error", markup=False)
            return
        for hit in hits:
            width = room(self.app)
            yield Hit(1.0, hit_label(hit, width), partial(self._go, hit.session, hit.step),
                      help=_help(hit_where(hit, width), width))

    def _go(self, session_id: str, step_id: str) -> None:
        browser = _browser(self.app)
        if browser is not None:
            browser.open_session(session_id, step_id=step_id, focus=True)

