"""The session the browser shows, made ready in a worker (`Opened.of`: its shape, rows, context
index and timeline facts, and which of its relatives the library holds), and what a key asked of a
session still being read whole (`AfterWhole`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracetui import collector
from tracetui.ctx import ContextIndex
from tracetui.library import Library
from tracetui.model import Session, SessionSummary
from tracetui.preview_head import HeadFacts
from tracetui.ui.widgets.timeline import Facts, facts_of, facts_of_head
from tracetui.views import fork
from tracetui.views.session_shape import Marker, Shape, build_rows, shape_of

Folds = tuple[frozenset[str], bool]  # the subagents unfolded, and whether abandoned branches show

ROW_OBJECTS = 3  # about how many objects the collector tracks for a timeline row


@dataclass(slots=True)
class Opened:
    session: Session
    shape: Shape
    rows: list[int]
    markers: list[Marker]
    ctx: ContextIndex
    # The library's row for the session when it was read (None where it has none): a change of the
    # library that leaves it equal left the session as it is shown.
    summary: SessionSummary | None = None
    folds: Folds = (frozenset(), False)  # the timeline's folds the rows were built with
    parent: str | None = None  # a fork's or subagent's parent, when the library holds it (the parent key)
    whole: bool = True  # False: a preview's first steps only (`Library.session_head`)
    # The steps that spawned a subagent the library holds (the subagent key), by step id.
    spawners: frozenset[str] = frozenset()
    facts: Facts | None = None  # the timeline's facts of every step (made here, off the UI thread)
    # A preview that read only the steps it draws: the summary of its head (`Library.session_preview`).
    head: HeadFacts | None = None

    @classmethod
    def of(cls, session: Session, summary: SessionSummary | None = None, folds: Folds = (frozenset(), False),
           library: Library | None = None, head: HeadFacts | None = None) -> Opened:
        """A session made ready to show (in a worker: it walks the whole session), its rows built with
        the timeline's folds (unfolded subagents, abandoned branches shown); `head`: the summary of
        the head whose first steps `session` holds."""
        with collector.paused():  # as the bucket reads a session: a full collection freezes the UI thread
            shape = shape_of(session)
            rows, markers = build_rows(session, shape, set(folds[0]), folds[1])
            contexts = ContextIndex(session)
            facts = facts_of_head(head) if head is not None else facts_of(session)
            collector.keep_out(len(rows) * ROW_OBJECTS)
        parent = fork.parent_held(library, session) if library is not None else None
        spawners = fork.spawners_held(library, session) if library is not None else frozenset()
        return cls(session, shape, rows, markers, contexts, summary, folds, parent, spawners=spawners,
                   facts=facts, head=head)


@dataclass(slots=True)
class AfterWhole:
    """What a key asked of a session still being read whole: done once the read is in."""

    session_id: str
    what: str  # the key's label, for what the app says meanwhile ("Seal")
    then: Callable[[], None]
