"""The timeline pane: one line per step of the open session.

Subagent steps fold under the step that spawned them, steps of abandoned branches (rewinds) hide
behind one marker row until `b` shows them, and compactions draw as a rule. A fork's copies of its
parent's steps are drawn dim, and the last of them says where the copy ends (FORK_POINT). The row list comes
from `tracetui.views.session_shape`, built in a worker for big sessions, and only visible rows are drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style as RichStyle
from textual.message import Message

from tracetui.model import Session, Step, StepKind
from tracetui.preview_head import HeadFacts, step_label
from tracetui.safe_text import safe_line
from tracetui.ui import actions
from tracetui.ui.cells import cut, fit, line
from tracetui.ui.widgets.virtual_list import Part, VirtualList
from tracetui.views.fork import copy_end
from tracetui.views.format import human_duration, is_failure, step_summary
from tracetui.views.session_shape import (
    Marker,
    Shape,
    branch_leaves,
    branch_path,
    build_rows,
    depth,
    duration_ms,
)

ICONS = {
    StepKind.USER: "❯",
    StepKind.ASSISTANT: "●",
    StepKind.REASONING: "∴",
    StepKind.TOOL_CALL: "⚙",
    StepKind.TOOL_RESULT: "↳",
    StepKind.COMPACTION: "≡",
    StepKind.SUBAGENT_START: "⤷",
    StepKind.SUBAGENT_END: "⤶",
    StepKind.MODEL_CHANGE: "⇄",
    StepKind.CONTEXT: "·",
    StepKind.SYSTEM: "!",
}

# Survival badges for edit steps (docs/design.md's states), shortest first-glance form.
BADGES = {
    "alive": "● alive",
    "transformed": "◐ transformed",
    "reverted": "↺ reverted",
    "lost": "✕ lost",
    "uncommitted": "○ uncommitted",
    "unknown": "? unknown",
}

LABEL_MIN, LABEL_NARROW, LABEL_MAX = 10, 12, 16  # cells of the label column (`_label_room`)
FORK_POINT = "↱ copy of parent ends"  # right of a fork's last copied step
RANGE_BAR = "┃"  # the gutter of steps inside the marked episode
MARK = "◆"  # the gutter of a marked step


class Timeline(VirtualList):
    BINDINGS = actions.bindings("timeline")

    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {
        "timeline--user",
        "timeline--assistant",
        "timeline--reasoning",
        "timeline--tool",
        "timeline--result",
        "timeline--error",
        "timeline--compaction",
        "timeline--subagent",
        "timeline--system",
        "timeline--time",
        "timeline--branch",
        "timeline--inactive",
        "timeline--alive",
        "timeline--transformed",
        "timeline--reverted",
        "timeline--lost",
        "timeline--uncommitted",
        "timeline--unknown",
        "timeline--range",
        "timeline--copied",
    }

    DEFAULT_CSS = """
    Timeline > .timeline--user { color: $primary; text-style: bold; }
    Timeline > .timeline--assistant { color: $foreground; }
    Timeline > .timeline--reasoning { color: $text-muted; text-style: italic; }
    Timeline > .timeline--tool { color: $warning; }
    Timeline > .timeline--result { color: $text-muted; }
    Timeline > .timeline--error { color: $error; }
    Timeline > .timeline--compaction { color: $accent; text-style: bold; }
    Timeline > .timeline--subagent { color: $secondary; }
    Timeline > .timeline--system { color: $text-muted; }
    Timeline > .timeline--time { color: $text-muted; }
    Timeline > .timeline--branch { color: $secondary; text-style: italic; }
    Timeline > .timeline--inactive { color: $text-disabled; }
    Timeline > .timeline--alive { color: $success; }
    Timeline > .timeline--transformed { color: $warning; }
    Timeline > .timeline--reverted { color: $error; }
    Timeline > .timeline--lost { color: $error; text-style: bold; }
    Timeline > .timeline--uncommitted { color: $text-muted; }
    Timeline > .timeline--unknown { color: $text-muted; }
    Timeline > .timeline--range { color: $accent; text-style: bold; }
    Timeline > .timeline--copied { color: $text-muted; text-style: dim; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None
        self.shape: Shape | None = None
        self.rows: list[int] = []
        self.markers: list[Marker] = []
        self.expanded: set[str] = set()
        self.show_branches = False
        self.branch = -1  # -1: the final path; else which abandoned branch (index into leaves)
        self._leaves: list[int] = []
        self._path: set[int] | None = None
        self.states: dict[str, str] = {}  # step id -> survival state of its patches
        self.rated: dict[str, str] = {}  # step id -> a person's rating of it (good or bad)
        self._cwd = ""
        self._widest_label = 0
        self.marks: list[int] = []  # step positions marked as the episode's ends (at most two)
        self.copy_end: int | None = None  # a fork's last step copied from its parent
        self._head: Head | None = None  # the rows are a preview's first of more (`show`)

    class MarksChanged(Message):
        """The marked step range changed (`Timeline.mark_range()` has the new one)."""

    # -- data -----------------------------------------------------------------------------------
    def show(self, session: Session, shape: Shape, rows: list[int], markers: list[Marker], cursor: int = 0,
             facts: Facts | None = None, head: Head | None = None) -> None:
        """`facts`: `facts_of(session)`, made in the worker that read it (a walk of every step).
        `head`: the rows are the first of more (a preview that read only the steps it draws)."""
        self.session, self.shape = session, shape
        self._head = head
        facts = facts or facts_of(session)
        self._widest_label, self.copy_end = facts.widest_label, facts.copy_end
        self._cwd = (session.cwd or "").rstrip("/\\")
        self.rows, self.markers = rows, markers
        self.expanded = set()
        self.show_branches = False
        self.branch, self._leaves, self._path = -1, [], None
        self.states = {}
        self.marks = []
        self._title_marks()
        self.set_count(head.rows if head is not None else len(rows), cursor)

    def _whole_head(self, row: int) -> None:
        """The rest of a preview's head read before a row past the rows held is drawn or the cursor
        goes there: the screen is the one the whole head draws."""
        head = self._head
        if head is not None and row >= head.held:
            self._head = None
            head.read()

    def fill(self, session: Session, shape: Shape, rows: list[int], markers: list[Marker],
             facts: Facts | None) -> None:  # fmt: skip
        """The rest of a preview's head (`Head.read`): the rows drawn stay as they are."""
        self.session, self.shape, self.rows, self.markers = session, shape, rows, markers
        facts = facts or facts_of(session)
        self._widest_label, self.copy_end = facts.widest_label, facts.copy_end
        if len(rows) != self.count:  # the session changed since its preview was read: shown anew
            self.call_later(self.set_count, len(rows), min(self.cursor, max(0, len(rows) - 1)))

    def on_focus(self) -> None:
        self.whole_head()  # the keys can go anywhere now

    def whole_head(self) -> None:
        """Every row of a preview's head held (its steps read), for what may reach any of them."""
        self._whole_head(self.count)

    def grow(self, session: Session, shape: Shape, rows: tuple[list[int], list[Marker]] | None = None,
             follow: bool = True, facts: Facts | None = None) -> None:
        """The open session read again, longer (its agent is still writing). Folds, shown branches
        and marks stay, the cursor stays on its step, and a cursor on the last row follows the new
        steps. Steps are matched by id: a growing subagent moves the indexes of the steps after it.
        `rows`: the rows already built for these folds on the final path (in the worker that read it).
        `follow` False: the cursor stays where it is even on the last row (a preview's first steps
        read whole are not new steps to follow). `facts` as for `show`.

        Nothing here walks every step on the UI thread (a million steps read whole took 2.8 s of it
        here, every key waiting): the cursor's and the marks' steps are looked for where they were
        first, and the facts come from the worker."""
        old = self.session
        if old is None:
            return
        self._head = None
        at_end = follow and self.cursor >= self.count - 1
        keep = self.step_index()
        keep_id = old.steps[keep].id if keep is not None else None
        marked = [(old.steps[i].id, i) for i in self.marks if i < len(old.steps)]
        self.session, self.shape = session, shape
        facts = facts or facts_of(session)
        self._widest_label, self.copy_end = facts.widest_label, facts.copy_end
        self.branch, self._leaves, self._path = -1, [], None  # a branch's indexes may have moved
        self.marks = [i for i in (_find(session, old_at, m) for m, old_at in marked) if i is not None]
        if rows is not None:
            self.rows, self.markers = rows
        else:
            self.rows, self.markers = build_rows(session, shape, self.expanded, self.show_branches, self._path)
        kept = _find(session, keep, keep_id) if keep is not None and keep_id is not None else None
        row = self.row_of_step(kept) if kept is not None else None
        cursor = len(self.rows) - 1 if at_end or row is None else row
        self._title_marks()
        self.set_count(len(self.rows), max(0, cursor))
        self.invalidate()

    def clear(self) -> None:
        self.session = self.shape = self._head = None
        self.copy_end = None
        self.rows, self.markers = [], []
        self.marks = []
        self._title_marks()
        self.set_count(0)

    def set_states(self, states: dict[str, str]) -> None:
        self.states = states
        self.invalidate()

    def step_index(self, row: int | None = None) -> int | None:
        """The step under a row (the cursor's by default); None on a marker row."""
        row = self.cursor if row is None else row
        self._whole_head(row)
        if not (0 <= row < len(self.rows)):
            return None
        value = self.rows[row]
        return value if value >= 0 else None

    def row_of_step(self, index: int) -> int | None:
        for row, value in enumerate(self.rows):
            if value == index:
                return row
        return None

    def reveal_step(self, index: int) -> None:
        """Put the cursor on a step, unfolding its subagent or showing its branch if needed."""
        self.whole_head()
        if self.session is None or self.shape is None:
            return
        step = self.session.steps[index]
        changed = False
        agent = step.subagent
        while agent is not None and agent not in self.expanded:
            self.expanded.add(agent)
            changed = True
            spawner = self.shape.spawner.get(agent)
            agent = self.session.steps[spawner].subagent if spawner is not None else None
        on_view = (index in self._path) if self._path is not None else step.active
        if step.subagent is None and not on_view and not self.show_branches:
            self.show_branches = True
            changed = True
        if changed:
            self._rebuild(index)
        row = self.row_of_step(index)
        if row is not None:
            self.cursor = row

    def _rebuild(self, keep_step: int | None) -> None:
        assert self.session is not None and self.shape is not None
        self.rows, self.markers = build_rows(self.session, self.shape, self.expanded, self.show_branches, self._path)
        row = self.row_of_step(keep_step) if keep_step is not None else None
        self.set_count(len(self.rows), row if row is not None else min(self.cursor, len(self.rows) - 1))

    # -- the marked episode ---------------------------------------------------------------------
    def mark_range(self) -> tuple[int, int] | None:
        """The marked episode as step positions, both ends included; None without marks.

        One mark runs from it to the session's last step (like `--steps A:`).
        """
        if self.session is None or not self.marks:
            return None
        if len(self.marks) == 1:
            return (self.marks[0], len(self.session.steps) - 1)
        return (min(self.marks), max(self.marks))

    def seal_steps(self) -> tuple[int, int] | None:
        """The marked episode as step indexes (what `seal(steps=...)` takes)."""
        span = self.mark_range()
        if span is None or self.session is None:
            return None
        return (self.session.steps[span[0]].index, self.session.steps[span[1]].index)

    def action_toggle_mark(self) -> None:
        index = self.step_index()
        if index is None or self.session is None:
            self.app.bell()
            return
        if index in self.marks:
            self.marks.remove(index)
        elif len(self.marks) < 2:
            self.marks.append(index)
        else:
            self.marks = [index]  # a third mark starts a new range
        self._title_marks()
        self.invalidate()
        self.post_message(self.MarksChanged())

    def clear_marks(self) -> None:
        self.marks = []
        self._title_marks()
        self.invalidate()
        self.post_message(self.MarksChanged())

    def _title_marks(self) -> None:
        steps = self.seal_steps()
        if steps is None:
            self.border_title = None
        elif len(self.marks) == 1:
            self.border_title = f"steps {steps[0]}–{steps[1]} (mark the end with m)"
        else:
            self.border_title = f"steps {steps[0]}–{steps[1]}"

    # -- actions --------------------------------------------------------------------------------
    def _agents_at_cursor(self) -> list[str]:
        index = self.step_index()
        if index is None or self.shape is None:
            return []
        return self.shape.children.get(index, [])

    def action_unfold(self) -> None:
        agents = [a for a in self._agents_at_cursor() if a not in self.expanded]
        if agents:
            self.expanded.update(agents)
            self._rebuild(self.step_index())

    def action_fold(self) -> None:
        index = self.step_index()
        if index is None or self.session is None or self.shape is None:
            return
        agents = [a for a in self._agents_at_cursor() if a in self.expanded]
        target = index
        if not agents:
            agent = self.session.steps[index].subagent
            if agent is None:
                return
            agents = [agent]
            target = self.shape.spawner.get(agent, index)
        self.expanded.difference_update(agents)
        self._rebuild(target)

    def action_choose(self) -> None:
        index = self.step_index()
        if index is None:
            marker = self._marker_at_cursor()
            if marker is not None:
                self.show_branches = True
                self._rebuild(marker.first)
            return
        if self._agents_at_cursor():
            agents = self._agents_at_cursor()
            if all(a in self.expanded for a in agents):
                self.action_fold()
            else:
                self.action_unfold()
            return
        super().action_choose()

    def _marker_at_cursor(self) -> Marker | None:
        if 0 <= self.cursor < len(self.rows) and self.rows[self.cursor] < 0:
            return self.markers[-1 - self.rows[self.cursor]]
        return None

    def action_toggle_branches(self) -> None:
        if self.session is None:
            return
        self.show_branches = not self.show_branches
        index = self.step_index()
        if index is not None and not self.session.steps[index].active and not self.show_branches:
            index = None
        self._rebuild(index)
        self.notify("showing abandoned branches" if self.show_branches else "showing the final path only",
                    timeout=2, markup=False)

    def action_switch_branch(self) -> None:
        """Cycle: each abandoned branch on its own, then the final path again."""
        if self.session is None:
            return
        if not self._leaves:
            self._leaves = branch_leaves(self.session)
        if not self._leaves:
            self.notify("this session has no other branches", timeout=2, markup=False)
            return
        self.branch = self.branch + 1 if self.branch + 1 < len(self._leaves) else -1
        self.show_branches = False
        if self.branch < 0:
            self._path = None
            at = self.step_index()
            self._rebuild(at if at is not None and self.session.steps[at].active else None)
            self.notify("the final path", timeout=2, markup=False)
            return
        leaf = self._leaves[self.branch]
        self._path = branch_path(self.session, leaf)
        self._rebuild(leaf)
        self.notify(f"branch {self.branch + 1} of {len(self._leaves)}: ends at step {leaf}", timeout=2,
                    markup=False)

    def _jump(self, candidates: list[int], forward: bool) -> None:
        here = self.step_index()
        here = here if here is not None else -1
        ordered = candidates if forward else list(reversed(candidates))
        for index in ordered:
            if (index > here) if forward else (index < here):
                self.reveal_step(index)
                return
        self.app.bell()

    def action_next_branch(self) -> None:
        if self.shape is not None:
            self._jump(self.shape.branch_points, True)

    def action_previous_branch(self) -> None:
        if self.shape is not None:
            self._jump(self.shape.branch_points, False)

    def action_next_edit(self) -> None:
        self._move_to_next(lambda step: bool(step.edits), 1)

    def action_next_error(self) -> None:
        self._move_to_next(is_failure, 1)

    def action_previous_error(self) -> None:
        self._move_to_next(is_failure, -1)

    def _move_to_next(self, wanted: Callable[[Step], bool], direction: int) -> None:
        """The cursor to the next (or previous) row whose step is `wanted`; a bell where none is."""
        if self.session is None:
            return
        rows = range(self.cursor + 1, len(self.rows)) if direction > 0 else range(self.cursor - 1, -1, -1)
        for row in rows:
            index = self.rows[row]
            if index >= 0 and wanted(self.session.steps[index]):
                self.cursor = row
                return
        self.app.bell()

    # -- drawing --------------------------------------------------------------------------------
    def render_row(self, row: int, width: int, is_cursor: bool) -> list[Part]:
        self._whole_head(row)
        session, shape = self.session, self.shape
        if session is None or shape is None or row >= len(self.rows):
            return []
        style = self.part_style
        value = self.rows[row]
        if value < 0:
            marker = self.markers[-1 - value]
            where = "another branch" if self._path is not None else "an abandoned branch"
            text = f"  ↶ {marker.count} step{'s' if marker.count != 1 else ''} on {where} (enter or b shows, v switches)"
            return [(cut(text, width), style("timeline--branch"))]
        step = session.steps[value]
        if step.kind == StepKind.COMPACTION:
            label = f" ≡ compacted at {_clock(step.timestamp)} "
            rule = "━" * max(0, (width - cell_len(label)) // 2)
            return [(cut(rule + label + rule, width), style("timeline--compaction"))]
        level = depth(session, shape, value)
        gutter = "  " + "│ " * level
        kind_style = self._kind_style(step)
        copied = step.copied
        if not step.active:
            gutter = " ┊" + gutter[2:]  # same width, so the columns stay aligned
            kind_style = style("timeline--inactive")
        elif copied:
            kind_style = style("timeline--copied")
        span = self.mark_range()
        in_range = span is not None and span[0] <= value <= span[1]
        icon = ICONS.get(step.kind, "?")
        label = step_label(step)
        fold = ""
        agents = shape.children.get(value)
        if agents:
            open_ = all(a in self.expanded for a in agents)
            n = sum(shape.sizes.get(a, 0) for a in agents)
            fold = f"{'▾' if open_ else '▸'} {n} subagent steps "
        state = self.states.get(step.id)
        badge = BADGES.get(state, state) if state else ""
        badge_style = style(f"timeline--{state}") if f"timeline--{state}" in self.COMPONENT_CLASSES else None
        ms = duration_ms(session, shape, value)
        took = f" {human_duration(ms):>6}" if ms is not None else ""
        left: list[Part] = [
            (gutter, style("timeline--subagent") if level else None),
        ]
        if in_range:
            # The first cell of the gutter is always blank, so the bar keeps the columns aligned.
            left = [(MARK if value in self.marks else RANGE_BAR, style("timeline--range")),
                    (gutter[1:], style("timeline--subagent") if level else None)]
        left += [
            (f"{icon} ", kind_style),
            (f"{_clock(step.timestamp)} ", style("timeline--time")),
            (fit(safe_line(label), self._label_room(width)) + " ", kind_style),
        ]
        if fold:
            left.append((fold, style("timeline--subagent")))
        head = sum(cell_len(t) for t, _ in left)
        # On a narrow pane the duration goes first, then the badge shrinks to its symbol.
        if took and width - head - cell_len(badge) - len(took) - 3 < 6:
            took = ""
        if badge and width - head - cell_len(badge) - 3 < 4:
            badge = badge.split(" ", 1)[0]
        right: list[Part] = [(" ", None)]
        if value == self.copy_end and width - head - len(FORK_POINT) - 3 >= 12:
            right.append((f" {FORK_POINT}", style("timeline--branch")))
        if badge:
            right.append((f" {badge}", badge_style))
        verdict = self.rated.get(step.id)
        if verdict is not None:
            right.append((" ✓" if verdict == "good" else " ✗", style("timeline--branch")))
        if took:
            right.append((took, style("timeline--time")))
        right.append((" ", None))
        used = head + sum(cell_len(t) for t, _ in right)
        room = max(0, width - used)
        summary = step_summary(step)
        if self._cwd and summary.startswith(self._cwd):
            summary = summary[len(self._cwd):].lstrip("/\\")  # paths inside the project read shorter
        summary = line(summary, room)
        dim = "timeline--inactive" if not step.active else "timeline--copied" if copied else None
        left.append((summary, style(dim) if dim else None))
        return left + right

    def _label_room(self, width: int) -> int:
        """The label column: as wide as the session's widest label, so every summary starts in one
        column (a 13-letter `shell_command` pushed its row's summary out of line), from 10 cells up
        to 16, or 12 on a narrow pane, where a longer one is cut."""
        return max(LABEL_MIN, min(self._widest_label, LABEL_MAX if width >= 70 else LABEL_NARROW))

    def _kind_style(self, step) -> RichStyle:
        style = self.part_style
        if step.is_error:
            return style("timeline--error")
        if step.subagent is not None and step.kind in (StepKind.SUBAGENT_START, StepKind.SUBAGENT_END):
            return style("timeline--subagent")
        name = {
            StepKind.USER: "timeline--user",
            StepKind.ASSISTANT: "timeline--assistant",
            StepKind.REASONING: "timeline--reasoning",
            StepKind.TOOL_CALL: "timeline--tool",
            StepKind.TOOL_RESULT: "timeline--result",
            StepKind.SUBAGENT_START: "timeline--subagent",
            StepKind.SUBAGENT_END: "timeline--subagent",
        }.get(step.kind, "timeline--system")
        return style(name)


@dataclass(frozen=True, slots=True)
class Head:
    """A preview's rows when it read only the steps it draws (`preview_head`): `rows` in all, the first
    `held` drawn from the steps read, and `read`, which reads the rest and hands it to `fill`."""

    rows: int
    held: int
    read: Callable[[], None]


@dataclass(frozen=True, slots=True)
class Facts:
    """What the timeline draws from every step of a session, worked out once off the UI thread."""

    widest_label: int
    copy_end: int | None


def facts_of(session: Session) -> Facts:
    return Facts(widest_label(session), copy_end(session))


def facts_of_head(head: HeadFacts) -> Facts:
    """The facts of a session's head from its summary (what a preview that read fewer steps draws)."""
    return Facts(max((cell_len(safe_line(label)) for label in head.labels), default=0), head.copy_end)


def _find(session: Session, was_at: int, step_id: str) -> int | None:
    """Where the step `step_id` (at `was_at` before) is in `session`: most often where it was (a
    session grows at its end), else where a growing subagent moved it."""
    steps = session.steps
    if was_at < len(steps) and steps[was_at].id == step_id:
        return was_at
    return next((i for i, step in enumerate(steps) if step.id == step_id), None)


def widest_label(session: Session) -> int:
    """The cells of the session's widest step label (tool names: `shell_command`, an MCP tool's)."""
    labels = {step_label(step) for step in session.steps}
    return max((cell_len(safe_line(label)) for label in labels), default=0)


def _clock(stamp: str | None) -> str:
    # Timestamps are ISO-8601 UTC; the wall-clock part is what a reader scans for.
    if not stamp or len(stamp) < 19:
        return "--:--:--"
    return stamp[11:19]
