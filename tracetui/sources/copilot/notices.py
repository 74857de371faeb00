"""The Copilot CLI events a session shows as notices, and those it passes over (format:
docs/formats/copilot.md)."""

from __future__ import annotations

from typing import Any

from tracetui.sources.common.coerce import as_int, as_str


# `user.message` sources of text Copilot itself puts in the conversation as the user's turn (a loaded
# skill's context: `skill-<name>`, right after its `skill.invoked`), not typed by the user.
_INJECTED_SOURCES = ("skill-",)


# Events that are known and deliberately not steps.
_QUIET = frozenset(
    {
        "assistant.turn_start",
        "assistant.turn_end",
        "hook.start",
        "permission.requested",
        "permission.completed",
        "session.usage_checkpoint",
        "session.workspace_file_changed",
        "session.compaction_start",
        "session.resume",
        "session.permissions_changed",
        # Persisted by newer builds (the SDK's session-events schema), with nothing for the spine:
        "session.remote_steerable_changed",
        "session.schedule_created",
        "session.schedule_cancelled",
        "session.schedule_rearmed",
        "session.session_limits_changed",
        "session.auto_mode_resolved",
        "session.binary_asset",
        "session.canvas.recorded",
        "session.canvas.removed",
        "tool_search.activated",
        "external_tool.requested",
        # 1.0.102's schema (`schemas/session-events.schema.json`), persisted: receipts and settings
        # that repeat what other events hold or carry nothing the model was sent.
        "session.completion_receipt",
        "session.mode_notice_delivered",
        "session.model_deselected",
        "session.permission_recovery",
        "session.request_body_compression_disabled",
        "subagent.configured",
        "mcp.oauth_recovery_completed",
        "human_response.recorded",  # the answer reaches the model as its tool's result
        "skill.invoked_ref",  # a skill invoked again: its text is the earlier `skill.invoked`'s
        "skill.context_delivered_ref",
        # Historical, decode-only: no runtime writes them now.
        "permission.assentDetected",
        "permission.carriedForward",
        "permission.contextualAuthorization",
        "permission.messageAuthorization",
        "permission.messageAuthorizationDegraded",
        "permission.messageAuthorizationRead",
    }
)


_SYSTEM = {
    "session.info": ("infoType", "message"),
    "session.warning": ("warningType", "message"),
    "session.error": ("errorType", "message"),
    "system.notification": ("kind", "message"),
}


def _handoff(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    meta = {k: data[k] for k in ("sourceType", "remoteSessionId", "host") if isinstance(data.get(k), str)}
    parts = [as_str(data.get("summary")), as_str(data.get("context"))]
    return "\n\n".join(p for p in parts if p.strip()) or "session handed off", meta


def _truncation(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    removed = as_int(data.get("messagesRemovedDuringTruncation"))
    tokens = as_int(data.get("tokensRemovedDuringTruncation"))
    meta = {"messages_removed": removed, "tokens_removed": tokens}
    if isinstance(data.get("performedBy"), str):
        meta["performed_by"] = data["performedBy"]
    return f"context truncated: {removed} messages ({tokens} tokens) removed", meta


def _context_changed(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    keys = ("cwd", "gitRoot", "branch", "headCommit", "repository")
    meta = {k: data[k] for k in keys if isinstance(data.get(k), str)}
    return f"working directory: {as_str(data.get('cwd'))}", meta


def _context_cleared(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cleared = as_int(data.get("messagesCleared"))
    return f"context cleared: {cleared} messages", {"messages_cleared": cleared}


def _plan_changed(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"plan {as_str(data.get('operation')) or 'changed'}", {}


def _agent_selected(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = as_str(data.get("agentDisplayName")) or as_str(data.get("agentName"))
    return (f"agent selected: {name}" if name else "agent selected"), (
        {"agent": data["agentName"]} if isinstance(data.get("agentName"), str) else {}
    )


def _autopilot(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    status = as_str(data.get("status"))
    text = f"autopilot objective {as_str(data.get('operation')) or 'changed'}"
    return (f"{text} ({status})" if status else text), {}


# Events of newer builds that say something happened to the session: (text, meta) from their data.
_NOTICES = {
    "session.handoff": _handoff,
    "session.truncation": _truncation,
    "session.context_changed": _context_changed,
    "session.context_cleared": _context_cleared,
    "session.plan_changed": _plan_changed,
    "subagent.selected": _agent_selected,
    "subagent.deselected": lambda data: ("agent deselected", {}),
    "session.autopilot_objective_changed": _autopilot,
}
