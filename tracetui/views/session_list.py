"""The session list's words around its rows: the status line under it, what an empty list says, and
what the listed sessions cost in all (docs/design.md, "The app"). Plain strings, made safe here
(`tracetui.safe_text`); the app measures and cuts them to its cells.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tracetui.bucket import unknown_kind
from tracetui.errors import TracetuiError
from tracetui.library import Library
from tracetui.model import SessionFilter
from tracetui.safe_text import safe_line
from tracetui.views.format import money


def status_line(count: int, query: SessionFilter, *, settling: bool, order: str, read_only: bool, spent: str,
                sync: str, extra: str = "") -> str:  # fmt: skip
    """The line under the list: how many sessions (`settling`: the first rows of a text filter, the
    rest being counted), the filters on, the order, what they cost (`spent`), the sync's progress."""
    plural = "s" if count != 1 else ""
    bits = [f"{count:,} session{plural} so far, counting…" if settling else f"{count:,} session{plural}"]
    if query.agent:
        bits.append(f"agent {query.agent}")
    if query.project:
        bits.append(f"project {query.project}")
    if query.machine:
        bits.append(f"machine {query.machine}")
    if query.user:
        bits.append(f"user {query.user}")
    if query.since or query.until:
        bits.append("dated")
    if order != "date":
        bits.append(f"by {order}")
    if read_only:
        bits.append("read-only")
    wrong = unknown_kind(query.text or "")
    if wrong is not None:
        bits.append(wrong)  # `kind:bogus` is left out of the filter: said, not silently
    if spent and not settling:
        bits.append(spent)
    if sync:
        bits.append(sync)
    if extra:
        bits.append(extra)
    return safe_line(" · ".join(bits))


def empty_lines(
    filtered: bool, syncing: bool, watched: list[Path], fit: Callable[[str], str], failed: str | None = None,
    room: int = 80,
) -> list[str]:
    """What an empty list says: it could not be read (`failed`, the reason, wrapped to `room`), a
    filter matched nothing, or where the first sync looked (each folder as `home_short` writes it, then
    cut by `fit`)."""
    if failed is not None:
        # Not "no session matches": the answer is unknown. The reason names a file: wrapped, not cut.
        reason = textwrap.wrap(safe_line(failed), max(12, room), break_on_hyphens=False)[:8]
        return ["the list could not be read:", *reason, *(["", "Escape clears the filter"] if filtered else [])]
    if filtered:
        return ["no session matches the filter", "Escape clears it"]
    if syncing:
        return ["looking for your agents' logs…"]
    lines = ["no sessions yet. Looked in:"]
    lines += [f"  {fit(home_short(folder))}" for folder in watched]
    lines += ["", "tracetui --source AGENT=PATH reads logs kept elsewhere", "tracetui demo shows what it looks like"]
    return lines if watched else ["no sessions here"]


def home_short(folder: Path) -> str:
    """A folder as a person reads it: `~` for the home folder, controls made visible."""
    text = str(folder)
    home = str(Path.home())
    if text == home or text.startswith(home + "/"):
        text = "~" + text[len(home):]
    return safe_line(text)


def listed_spending(library: Library, query: SessionFilter) -> str | None:
    """What the listed sessions cost in all, as `tracetui cost` adds it up (their hidden runs too:
    they were paid for), from the index's prices: one aggregate the library answers
    (`Library.spent`), no row made, no log read. "" where nothing is listed; None where no total is
    said: an opened capsule, a dataset still being read (its total would be part of one, and pricing
    it took the first screen's time), a query that failed."""
    if library.manifest is not None or not library.is_whole():
        return None
    try:
        spent = library.spent(replace(query, include_hidden=True))
    except TracetuiError:
        return None
    if not spent.sessions:
        return ""
    unpriced = f", {spent.unpriced} unpriced" if spent.unpriced else ""
    return f"{money(spent.priced, spent.lower_bound)} in all{unpriced}"
