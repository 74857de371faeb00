"""The line over the app's Context pane: what the model was sent at a step as the context estimate
counts it, beside what the log says was sent (its own count is the truth; the estimate covers only
what the log kept). A plain string; made safe where it quotes a log.
"""

from __future__ import annotations

from tracetui.ctx import Context, sent_tokens
from tracetui.model import Session
from tracetui.views.format import human_tokens


def context_total(context: Context, session: Session, step_id: str) -> str:
    """The estimate at the step `step_id` of `session`, then the log's own count where it has one."""
    note = " · after a compaction" if context.compacted else ""
    items = f"{len(context.items)} item{'' if len(context.items) == 1 else 's'}"
    text = f"≈ {human_tokens(context.tokens)} tokens · {items}{note} (chars/4)"
    index = next((s.index for s in session.steps if s.id == step_id), None)
    sent = sent_tokens(session, index) if index is not None else None
    if sent is not None:
        real = sent.input + sent.cache_read + sent.cache_write
        has_prompt = any((s := session.step(item.step_id)) is not None and s.meta.get("system_prompt") is True
                         for item in context.items)  # fmt: skip
        kept_out = "tool definitions" if has_prompt else "system prompt or tool definitions"
        text += (f"\nthe log says the model was sent {human_tokens(real)} "
                 f"({human_tokens(sent.input)} new, {human_tokens(sent.cache_read)} cached, "
                 f"{human_tokens(sent.cache_write)} cache writes): the log keeps no {kept_out}")  # fmt: skip
    return text
