"""The open session's two-line header in the app: what it is and what it came to (agent, project,
steps, tokens, price, the trail's counts, a price per kept line), then its title. Plain strings,
made safe here (`tracetui.safe_text`); the app decides what fits its cells (`Header.text`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracetui.library import Library
from tracetui.model import Session, SessionSummary
from tracetui.safe_text import safe_line
from tracetui.views import fork, unread
from tracetui.views.format import human_tokens, line_cost_text, money
from tracetui.views.trail import TrailView, counts_text


@dataclass(frozen=True, slots=True)
class Header:
    facts: str  # the first line: live, agent, project, steps, tokens, price, trail counts
    spent: str  # the price per kept line, after the facts where it fits whole ("" where none)
    warning: str  # what the logs held that their reader could not use ("" where nothing)
    title: str  # the second line: the parent's head, then the session's title

    def text(self, fits: Callable[[str], bool]) -> str:
        """Both lines; the price per kept line only where `fits` says the first line takes it whole (a
        price cut to `$0.0…` reads as another price)."""
        first = self.facts
        if self.spent and fits(first + self.spent + self.warning):
            first += self.spent
        return f"{first}{self.warning}\n{self.title}"


def session_header(session: Session, *, parent_held: bool, trail: TrailView | None, row: SessionSummary | None,
                   steps: int, episode: int | None, live: bool, reading_for: str | None) -> Header:  # fmt: skip
    """The header of `session`: `parent_held`, the library holds the parent it came from; `row`, its
    listing row where it has one (its price); `steps`, how many it has (a preview read fewer);
    `episode`, the steps of the whole session a capsule seals some of; `live`, it grew a moment ago;
    `reading_for`, the key waiting for it to be read whole."""
    title = safe_line(session.title or "(no prompt)")
    head = fork.parent_title(session)
    if head is not None:
        missing = "" if parent_held or fork.parent_of(session) == session.id else " (not in the bucket)"
        title = f"{safe_line(head)}{missing} · {title}"
    states = spent = warning = ""
    if trail is not None and trail.counts:
        states = " · trail: " + counts_text(trail.counts)  # "9 unknown" alone reads as cost
        judged = trail.line_cost
        if judged is not None and judged.decided:  # where git decided nothing, a price per line says nothing
            spent = f" · {line_cost_text(judged, short=True)}"
    not_read = unread.count_text(session)
    if not_read is not None:  # said where the session is seen, long after the sync that met it
        warning = f" · ⚠ {not_read}"
    now = "● live · " if live else ""
    if reading_for is not None:
        now = f"reading every step for {reading_for}… · {now}"
    cost = ""
    # A logged $0.00 (a free model) is a price like any other; a table's 0 is only ever a free model too.
    if row is not None and row.id == session.id and row.cost_usd is not None:
        logged = " as logged" if row.cost_logged else ""  # the agent's own figure, not the table's
        cost = f" · {money(row.cost_usd, row.cost_lower_bound)}{logged}"
    # An episode: its own steps (and tokens) of the session's.
    counted = f"{steps} steps" if episode is None else f"{steps} of {episode} steps"
    tokens = human_tokens(session.tokens.total)
    facts = f"{now}{session.agent} · {safe_line(session.project or '-')} · {counted} · {tokens} tokens{cost}{states}"
    return Header(facts, spent, warning, title)


def episode_of(library: Library) -> int | None:
    """How many steps the session of a capsule that seals only some of them has (None: all, or a bucket)."""
    steps = (library.manifest or {}).get("steps")
    if not isinstance(steps, dict):
        return None
    count, of = steps.get("count"), steps.get("of")
    if isinstance(count, int) and isinstance(of, int) and 0 <= count < of:
        return of
    return None
