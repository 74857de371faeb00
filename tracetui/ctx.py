"""ctx: what the model could see at a step, as far as the log can tell.

More in docs/internals/core.md, `ctx.py`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import orjson

from tracetui.model import Session, Step, StepKind, Tokens

# Kinds the model is sent. Reasoning is included: Claude keeps thinking blocks in the turn, and
# showing it (marked) is more useful than hiding it.
SEEN_KINDS = frozenset(
    {
        StepKind.USER,
        StepKind.ASSISTANT,
        StepKind.REASONING,
        StepKind.TOOL_CALL,
        StepKind.TOOL_RESULT,
        StepKind.CONTEXT,
        StepKind.COMPACTION,
    }
)

CHARS_PER_TOKEN = 4


@dataclass(slots=True)
class CtxItem:
    step_id: str
    index: int
    kind: str
    role: str
    text: str
    tokens: int
    tool: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step_id,
            "index": self.index,
            "kind": self.kind,
            "role": self.role,
            "tool": self.tool,
            "text": self.text,
            "tokens": self.tokens,
        }


@dataclass(slots=True)
class Context:
    step_id: str
    items: list[CtxItem] = field(default_factory=list)
    compacted: bool = False  # a compaction summary stands in for earlier history

    @property
    def tokens(self) -> int:
        return sum(item.tokens for item in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step_id,
            "tokens": self.tokens,
            "compacted": self.compacted,
            "items": [item.to_dict() for item in self.items],
        }


def estimate_tokens(step: Step) -> int:
    size = len(step.text)
    if step.tool_input is not None:
        if isinstance(step.tool_input, str):
            size += len(step.tool_input)
        else:
            size += len(orjson.dumps(step.tool_input, default=str))
    return (size + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


class ContextIndex:
    """Answers `at(step_id)` for one session without rebuilding its lookups each time.

    The UI keeps one per open session, so moving the cursor costs a walk up one branch, not a pass
    over every step.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._by_id = {s.id: s for s in session.steps}
        # Readers without a conversation tree (Codex) leave `parent` unset: there the branch is
        # simply the earlier steps in the same scope (main conversation or one subagent).
        self._has_tree = any(s.parent for s in session.steps)
        # Asking for every step of a long episode (a seal, a capsule) must not cost the square of its
        # length in Python: an item is made once per step, and a branch is its parent's plus one.
        self._items: dict[str, CtxItem] = {}
        self._chains: dict[str, list[Step]] = {}
        self._acyclic = self._has_tree and not _has_cycle(self._by_id)
        self._scopes: dict[str | None, tuple[list[int], list[Step]]] | None = None
        self._kept: dict[tuple[str, int], list[Step]] = {}
        self._prompts: dict[tuple[str, int], Step | None] = {}
        # Where a branch is always its last step's branch plus one step (no cycle in the tree, or no
        # tree), a context without compaction is the previous one plus one item.
        self._linear = self._acyclic or not self._has_tree
        self._seen: dict[str, list[CtxItem]] = {}

    def at(self, step_id: str) -> Context:
        step = self._by_id.get(step_id)
        if step is None:
            raise KeyError(step_id)
        chain = self._branch(step)  # oldest first, ends at `step`
        start, compacted = _after_last_compaction(chain)
        if not compacted and self._linear and len(chain) > 1:
            # The branch is the previous step's plus this one: so is the context.
            before = self._seen.get(chain[-2].id)
            if before is not None:
                items = [*before, self._item(step)] if step.kind in SEEN_KINDS else list(before)
                self._remember_items(step.id, items)
                return Context(step_id, items, compacted)
        kept: list[Step] = []
        standing: list[Step] = []
        if compacted:
            kept = self._kept_before(chain, start)
            prompt = self._prompt_before(chain, start)
            if prompt is not None and not any(_is_system_prompt(s) for s in chain[start + 1 :]):
                standing = [prompt]
        visible = standing + chain[start : start + 1] + kept + chain[start + 1 :]
        items = [self._item(s) for s in visible if s.kind in SEEN_KINDS]
        if not compacted and self._linear:
            self._remember_items(step.id, items)
        return Context(step_id, items, compacted)

    def _remember_items(self, step_id: str, items: list[CtxItem]) -> None:
        if len(self._seen) >= _CHAINS_KEPT:
            del self._seen[next(iter(self._seen))]
        self._seen[step_id] = items

    def _item(self, step: Step) -> CtxItem:
        found = self._items.get(step.id)
        if found is None:
            found = self._items[step.id] = _item(step)
        return found

    def _branch(self, step: Step) -> list[Step]:
        if not self._has_tree:
            return self._scope_prefix(step)
        if self._acyclic:
            return self._cached_chain(step)
        chain: list[Step] = []
        seen: set[str] = set()
        current: Step | None = step
        while current is not None and current.id not in seen:
            seen.add(current.id)
            chain.append(current)
            parent = self._parent(current)
            current = parent
        chain.reverse()
        return chain

    def _parent(self, step: Step) -> Step | None:
        parent = self._by_id.get(step.parent) if step.parent else None
        # A subagent's first step points at the call that spawned it, but the subagent's view
        # of the world starts at its own prompt, not at its parent's history.
        if parent is not None and step.subagent is not None and parent.subagent != step.subagent:
            return None
        return parent

    def _cached_chain(self, step: Step) -> list[Step]:
        """The branch as the walk finds it, built from the parent's (no cycle: checked once)."""
        found = self._chains.get(step.id)
        if found is not None:
            return found
        todo: list[Step] = []
        current: Step | None = step
        while current is not None and current.id not in self._chains:
            todo.append(current)
            current = self._parent(current)
        todo.reverse()
        chain = [*self._chains[current.id], *todo] if current is not None else todo
        self._remember(step.id, chain)
        return chain

    def _remember(self, step_id: str, chain: list[Step]) -> None:
        # A few recent branches are enough for walks in step order; all of them would be quadratic memory.
        if len(self._chains) >= _CHAINS_KEPT:
            del self._chains[next(iter(self._chains))]
        self._chains[step_id] = chain

    def _scope_prefix(self, step: Step) -> list[Step]:
        """Without a tree: the active steps of the step's scope up to it, and the step itself."""
        if self._scopes is None:
            self._scopes = {}
            for s in self.session.steps:
                if s.active:
                    indexes, steps = self._scopes.setdefault(s.subagent, ([], []))
                    indexes.append(s.index)
                    steps.append(s)
        indexes, steps = self._scopes.get(step.subagent, ([], []))
        chain = steps[: bisect.bisect_right(indexes, step.index)]
        if not chain or chain[-1] is not step:
            chain.append(step)
        return chain

    def _kept_before(self, chain: list[Step], compaction_at: int) -> list[Step]:
        """Steps a compaction kept verbatim (Pi's firstKeptEntryId), in order."""
        compaction = chain[compaction_at]
        first_kept = compaction.meta.get("first_kept_entry_id")
        if not first_kept:
            return []
        # The steps before a compaction are its own branch, the same for every step after it.
        key = (compaction.id, compaction_at)
        found = self._kept.get(key)
        if found is not None:
            return found
        kept: list[Step] = []
        for i in range(compaction_at):
            if chain[i].id == first_kept or chain[i].id.split(":", 1)[0] == first_kept:
                kept = chain[i:compaction_at]
                break
        if self._acyclic or not self._has_tree:
            self._kept[key] = kept
        return kept


    def _prompt_before(self, chain: list[Step], compaction_at: int) -> Step | None:
        """The last system prompt before a compaction (once per compaction, as `_kept_before`)."""
        key = (chain[compaction_at].id, compaction_at)
        if key in self._prompts:
            return self._prompts[key]
        found = next((s for s in reversed(chain[:compaction_at]) if _is_system_prompt(s)), None)
        if self._acyclic or not self._has_tree:
            self._prompts[key] = found
        return found


_CHAINS_KEPT = 64


def _is_system_prompt(step: Step) -> bool:
    return step.kind == StepKind.CONTEXT and step.meta.get("system_prompt") is True


def _has_cycle(by_id: dict[str, Step]) -> bool:
    """Whether following `parent` from some step comes back to a step already on the way."""
    done: set[str] = set()
    for start in by_id:
        path: set[str] = set()
        current = by_id.get(start)
        while current is not None and current.id not in done:
            if current.id in path:
                return True
            path.add(current.id)
            current = by_id.get(current.parent) if current.parent else None
        done.update(path)
    return False


def context_at(session: Session, step_id: str) -> Context:
    """The context the model could see at `step_id` (see the module docstring)."""
    return ContextIndex(session).at(step_id)


def _after_last_compaction(chain: list[Step]) -> tuple[int, bool]:
    for i in range(len(chain) - 1, -1, -1):
        if chain[i].kind == StepKind.COMPACTION:
            return i, True
    return 0, False


def _item(step: Step) -> CtxItem:
    return CtxItem(step.id, step.index, step.kind, step.role, step.text, estimate_tokens(step), step.tool)


def sent_tokens(session: Session, index: int, reach: int = 200) -> Tokens | None:
    """What the log says the model was really sent for the context at step `index`: the usage of the
    response that saw it (the step's own, or the next response in the same conversation). None where
    the log gives none, or a compaction or a new prompt comes first.

    It is larger than the estimate: the log keeps no tool definitions or attachments the harness
    adds, and most logs no system prompt (Codex's newer builds and Copilot's do), and the estimate
    counts characters, not the model's tokens."""
    steps = session.steps
    if not 0 <= index < len(steps):
        return None
    scope = steps[index].subagent
    for step in steps[index : index + reach]:
        if step.subagent != scope:
            continue
        if step.index > index and step.kind in (StepKind.USER, StepKind.COMPACTION):
            return None
        if step.tokens is not None and (step.tokens.input or step.tokens.cache_read or step.tokens.cache_write):
            return step.tokens
    return None
