"""The Codex reader's state while it reads a rollout, and the steps it adds, drops and pairs."""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

from tracetui.model import COPIED, Session, Step, Tokens, count_skipped
from tracetui.sources.codex.parts import (
    NAME, SCRIPT_PATCHES, _CONTEXT_LOOKBACK, _FAILURE_PREFIXES, _WALL_TIME_HEAD, _delivers, _id_from_name,
    _injected_alone,
)


class _State:
    """What a read keeps between records; the steps, their pairing and their tokens."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.session = Session(id=_id_from_name(path), agent=NAME, source=path)
        self.slots: list[Step | None] = []  # steps in file order; None = a dropped duplicate
        self.prefix = "L"
        self.last_key: str | None = None
        self.sub = 0
        self.meta_seen = False
        self.first_ts: str | None = None  # stands in for the start when session_meta lacks one
        self.model: str | None = None
        self.turn_cwd: str | None = None
        self.calls: dict[str, Step] = {}
        self.applies: dict[str, bool] = {}  # call id -> whether its input calls apply_patch (asked once)
        self.results: dict[str, Step] = {}
        self.exec_ends: dict[str, dict[str, Any]] = {}  # exit codes seen before their output item
        self.failed_items: set[str] = set()  # calls an item_completed event said failed, before their output
        self.running: dict[str, str] = {}  # unified-exec session id -> call id of its process still running
        # (slot position at the event, delta, whether it is the usage of the response that follows)
        self.token_marks: list[tuple[int, Tokens, bool]] = []
        self.replied = False  # an assistant-side item since the turn's prompt
        self.usage_ahead: bool | None = None  # this turn's order of usage and items, once known
        self.prev_total: tuple[int, int, int] | None = None
        self.prev_usage: dict[str, Any] | None = None  # the total_token_usage prev_total came from
        # Event/item pairing (module docstring): queues of ("event" | "item", slot position).
        self.pending: dict[str, deque[tuple[str, int]]] = {"user": deque(), "assistant": deque()}
        self.reason_events: list[tuple[int, str]] = []
        self.reason_items: list[list[str]] = []  # summary texts not yet claimed by an event
        self.context_since_reply: list[int] = []  # user-role CONTEXT steps since the last reply
        self.thread_name: str | None = None  # the last `thread_name_updated` (/rename); None clears
        self.plan_at: int | None = None  # slot of a Plan item's step the turn's answer may repeat
        self.goal: list[str | None] | None = None  # the last /goal objective and status shown
        self.instructions: str | None = None  # digest of the system prompt last shown as a step
        self.turn_errors: set[str] = set()  # the messages of this turn's error events (`turn_failed`)
        self.first = True  # no record read yet
        # A fork's copy of its parent (module docstring): "head" after the first session_meta until
        # the next record says whether a copy follows; "copy" while the copied burst goes on.
        self.fork: str | None = None
        self.copy_last: datetime | None = None  # the time of the copy's last line so far

    def settle(self, result: Step, call: Step | None) -> None:
        """Decide whether a result reports a failure, and if so mark the call's edits unapplied."""
        head = _WALL_TIME_HEAD.sub("", result.text[:200].lstrip(), count=1)
        exit_code = result.meta.get("exit_code")
        failed = (isinstance(exit_code, int) and exit_code != 0) or head.startswith(_FAILURE_PREFIXES)
        if call is not None and call.edits and not failed and not call.meta.get(SCRIPT_PATCHES):
            # An apply_patch result that is not a success report is a failure (e.g. "error: ...").
            failed = head.startswith("error") or "verification failed" in head
        result.is_error = failed
        if call is not None and failed and not call.meta.get(SCRIPT_PATCHES):
            # (a script's patches went as their own events said, whatever the script did after)
            for edit in call.edits:
                edit.applied = False

    def plan_shown(self, text: str) -> None:
        """The answer after a Plan item: the plan's own step goes when the answer carries it."""
        at, self.plan_at = self.plan_at, None
        plan = self.slots[at] if at is not None and at < len(self.slots) else None
        if at is not None and plan is not None and plan.text.strip()[:2000] in text:
            self.drop(at)

    def since_reply(self, position: int) -> None:
        """A user-role context step a later event (or item) may be the echo of: the last
        _CONTEXT_LOOKBACK of them are kept, so a log of thousands with no reply between costs no
        pass over all of them per event."""
        self.context_since_reply.append(position)
        if len(self.context_since_reply) > _CONTEXT_LOOKBACK:
            del self.context_since_reply[0]

    def injected_event_for(self, text: str) -> str | None:
        """An injected_message event's own step, written before the item that delivers it, gives way
        to the item (one step, not two): its sender ("" where it named none), or None where no such
        event waits."""
        for position in reversed(self.context_since_reply):
            step = self.slots[position]
            if step is not None and _injected_alone(step) and _delivers(text, step.text):
                self.drop(position)
                self.context_since_reply.remove(position)
                return str(step.meta.get("injected_source") or "")
        return None

    # ---- pairing ---------------------------------------------------------------------------

    def pair_item(self, kind: str, position: int) -> None:
        queue = self.pending[kind]
        if queue and queue[0][0] == "event":
            _, event_position = queue.popleft()
            self.drop(event_position)
        else:
            queue.append(("item", position))

    def user_turn(self) -> None:
        """A real prompt starts a turn: the previous turn's replies can no longer pair."""
        self.clear_assistant_pending()
        self.plan_at = None
        self.replied = False
        self.usage_ahead = None

    def assistant_side(self) -> None:
        """The model answered (an item): a later user event cannot be the copy of an earlier prompt."""
        self.pending["user"].clear()
        self.context_since_reply.clear()
        self.replied = True

    def clear_assistant_pending(self) -> None:
        self.pending["assistant"].clear()
        self.reason_events.clear()
        self.reason_items.clear()

    # ---- steps -----------------------------------------------------------------------------

    def add(self, key: str, kind: str, role: str, text: str, ts: str | None) -> Step:
        if key == self.last_key:
            self.sub += 1
            step_id = f"{self.prefix}{key}.{self.sub}"
        else:
            self.last_key = key
            self.sub = 0
            step_id = f"{self.prefix}{key}"
        step = Step(step_id, 0, kind, role, text, ts)  # positional: a Step for nearly every record
        if self.fork == "copy":
            step.meta[COPIED] = True
        if role == "assistant":
            step.model = self.model
        if self.turn_cwd and self.turn_cwd != self.session.cwd:
            step.cwd = self.turn_cwd
        self.slots.append(step)
        return step

    def drop(self, position: int) -> None:
        self.slots[position] = None

    def skip(self, what: str) -> None:
        count_skipped(self.session.skipped, what)
