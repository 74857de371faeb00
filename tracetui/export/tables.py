"""The four tables of a dataset export (sessions, steps, tool_calls, patches): their columns, each
described once (the dataset card prints these), and the rows of one scrubbed session.

Rows are made from the scrubbed copy of the session (`Prepared.clean`); the patches come from the
trail of the original and are scrubbed by the same value map, with repository paths kept exact as a
capsule keeps them. Agent and month are the hive partition of every table
(`agent=claude/month=2026-05`) and also columns of every row, with the same values, so a reader that
does not discover hive partitions (Hugging Face `datasets` and the Hub's viewer, polars or DuckDB
without the flag) sees the same rows and columns as one that does; `sessions.harness` names the
agent as the community's datasets do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from tracetui.capsule.scrub import is_repo_relative
from tracetui.export.labels import LINE_STATES
from tracetui.export.manifest import safe_component
from tracetui.model import StepKind
from tracetui.sources.registry import AGENT_FOLDERS, READER_MODULES
from tracetui.trail import unified_diff

if TYPE_CHECKING:
    from tracetui.export.run import Prepared

Column = tuple[str, str, str]  # name, type, description

SESSIONS: list[Column] = [
    ("session_id", "string", "The session's id as the agent wrote it."),
    (
        "harness",
        "string",
        "The agent that wrote the log: claude_code, codex, pi, gemini, copilot or opencode.",
    ),
    ("project", "string", "The last folder of the session's working directory."),
    ("title", "string", "The session's title or first prompt, redacted."),
    ("cwd", "string", "The working directory, redacted (the home folder reads <HOME>)."),
    ("started", "timestamp", "When the session's first step happened (UTC)."),
    ("ended", "timestamp", "When its last step happened (UTC)."),
    ("version", "string", "The agent's version, or its log format's."),
    ("models", "list<string>", "Every model that answered in the session."),
    ("git_branch", "string", "The branch the log recorded, if any."),
    (
        "git_remote",
        "string",
        "The repository's remote as the log recorded it, without credentials, redacted.",
    ),
    ("git_commit", "string", "The commit the log recorded at the start, if any."),
    ("steps", "int32", "Steps in the session (rows of `steps`)."),
    (
        "tool_calls",
        "int32",
        "Tool calls in the session (rows of `tool_calls`; a fork's copies of its parent's calls are "
        "rows of `steps` only, meta `copied`).",
    ),
    ("edits", "int32", "Tool calls that edited files (successfully; as `ls` and `show` count)."),
    ("subagents", "int32", "Subagent runs in the session."),
    ("tokens_input", "int64", "Input tokens over the session, each API response counted once."),
    ("tokens_output", "int64", "Output tokens."),
    ("tokens_cache_read", "int64", "Tokens read from the prompt cache."),
    ("tokens_cache_write", "int64", "Tokens written to the prompt cache."),
    ("ref", "string", "The git revision the survival states refer to (--ref)."),
    ("patches", "int32", "Patches (one step's change to one file) the session made (rows of `patches`)."),
    ("lines_added", "int64", "Lines the session's patches added."),
    ("lines_alive", "int64", "Added lines in patches alive at `ref`: there, unchanged."),
    ("lines_transformed", "int64", "Added lines in patches that were committed and later edited."),
    ("lines_reverted", "int64", "Added lines in patches that were committed and later removed."),
    ("lines_lost", "int64", "Added lines in patches that never reached a commit and are not at `ref`."),
    ("lines_uncommitted", "int64", "Added lines in patches in the working tree, not yet committed."),
    ("lines_unknown", "int64", "Added lines whose fate is unknown (no repository on the exporting machine)."),
    ("cost_usd", "float64", "What the session's requests cost at API list prices, USD; null where a price is unknown."),
    (
        "cost_lower_bound",
        "bool",
        "True where the log counts only part of the session's usage (a response logged before its final "
        "token count, usage of requests it dropped): `cost_usd` is then a lower bound.",
    ),
    (
        "wasted_usd",
        "float64",
        "USD spent on patches reverted or lost at `ref` (each request's price split over the patches it "
        "wrote, by added lines); null where one of those requests is unpriced.",
    ),
    (
        "cost_per_surviving_line_usd",
        "float64",
        "`cost_usd` over the added lines alive or transformed at `ref`; null where unknown or none survive.",
    ),
    (
        "tests",
        "tests",
        "Test commands the session ran, in order: step index, command, exit code (null: unknown).",
    ),
    ("tests_last_exit", "int32", "The exit code of the last test command (0: passed), null when none ran."),
    (
        "commits",
        "list<string>",
        "Commits that took the session's work (the commit that accepted each patch).",
    ),
    ("outcome_note", "string", "Why the outcome labels are partial, if they are (e.g. no repository)."),
    ("rating", "string", "A person's rating of the whole session (`tracetui rate`): good, bad, or null."),
    (
        "ratings",
        "string",
        "JSON: every rating people gave the session or its steps: step index (null: the session), "
        "verdict, note, when.",
    ),
    ("redactions", "int32", "Spans replaced by placeholders in this session's rows."),
    (
        "receipt",
        "string",
        "JSON: each placeholder with its kind, tier, count and who decided; never a value.",
    ),
]

STEPS: list[Column] = [
    ("session_id", "string", "The session the step belongs to."),
    ("step_id", "string", "The step's stable id."),
    ("index", "int32", "The step's position in the session (0-based)."),
    (
        "kind",
        "string",
        "user, assistant, reasoning, tool_call, tool_result, compaction, subagent_start, "
        "subagent_end, model_change, context or system.",
    ),
    ("role", "string", "user, assistant, tool or system."),
    ("text", "string", "The step's text, redacted."),
    ("timestamp", "timestamp", "When the step happened (UTC)."),
    ("tool", "string", "The tool's name on tool calls and results."),
    ("tool_call_id", "string", "The id the log gives the call, shared by a call and its result."),
    ("parent", "string", "The step this one follows in the conversation tree."),
    ("subagent", "string", "The subagent run the step belongs to, if any."),
    ("active", "bool", "Whether the step is on the path the session ended on (false: a rewound branch)."),
    ("is_error", "bool", "A tool result that reported a failure."),
    ("model", "string", "The model that wrote the step."),
    ("tokens_input", "int64", "Input tokens of the API response attributed to this step."),
    ("tokens_output", "int64", "Output tokens of that response."),
    ("tokens_cache_read", "int64", "Cache-read tokens of that response."),
    ("tokens_cache_write", "int64", "Cache-write tokens of that response."),
    ("meta", "string", "JSON: small extras the log gives (exit_code, duration_ms...), redacted."),
]

TOOL_CALLS: list[Column] = [
    ("session_id", "string", "The session the call belongs to."),
    ("step_id", "string", "The tool-call step's id."),
    ("index", "int32", "The tool-call step's index."),
    ("tool", "string", "The tool's name."),
    ("tool_call_id", "string", "The id the log gives the call."),
    ("input", "string", "JSON: the call's arguments, redacted."),
    ("timestamp", "timestamp", "When the call was made (UTC)."),
    ("subagent", "string", "The subagent run that made the call, if any."),
    ("result_step_id", "string", "The step holding the call's result, if the log has one."),
    ("result_text", "string", "The result's text, redacted."),
    ("is_error", "bool", "Whether the result reported a failure."),
    ("exit_code", "int32", "The command's exit code where the log gives one."),
    ("edits", "int32", "Files the call edited (the edits that succeeded)."),
]

PATCHES: list[Column] = [
    ("session_id", "string", "The session the patch belongs to."),
    ("step_id", "string", "The step that made the change."),
    ("step_index", "int32", "That step's index."),
    ("patch_index", "int32", "The patch's order in the session."),
    ("path", "string", "The file, relative to the repository root (else the session's cwd)."),
    ("old_path", "string", "The file's name before a move, if it was moved."),
    ("op", "string", "create, update, delete or write."),
    ("tool", "string", "The tool that made the change."),
    ("added", "int32", "Lines added."),
    ("removed", "int32", "Lines removed."),
    ("diff", "string", "The change as a unified diff, redacted."),
    ("exact", "bool", "False when the log gave parts of lines and the ends of the diff may be fragments."),
    ("state", "string", "Survival at `ref`: alive, transformed, reverted, lost, uncommitted or unknown."),
    ("commit", "string", "The commit that accepted the patch, if any."),
    ("kept", "int32", "Evidence lines in place at `ref`."),
    ("changed", "int32", "Evidence lines edited into similar lines."),
    ("dropped", "int32", "Evidence lines gone."),
    ("path_now", "string", "The file's name at `ref` when it was renamed since."),
    ("superseded_by", "string", "A later step of the same session that replaced the patch's lines."),
    ("timestamp", "timestamp", "When the change was made (UTC)."),
]

# The partition keys, last in every table, in the order of the folders (`agent=…/month=…`).
PARTITION: list[Column] = [
    (
        "agent",
        "string",
        "The agent (claude, codex, pi, gemini, opencode, copilot): the partition folder `agent=`, also a "
        "column.",
    ),
    (
        "month",
        "string",
        "The month the session started (YYYY-MM, or unknown): the partition folder `month=`, also a column.",
    ),
]

TABLES: dict[str, list[Column]] = {
    "sessions": SESSIONS + PARTITION,
    "steps": STEPS + PARTITION,
    "tool_calls": TOOL_CALLS + PARTITION,
    "patches": PATCHES + PARTITION,
}
# A team dataset's rows (docs/dataset.md) also name who exported them: the user's chosen name, and the
# machine, the first partition key (`machine=…/agent=…/month=…`). A folder export has neither column.
DATASET_COLUMNS: list[Column] = [
    ("user", "string", "The name the exporting user chose (--user), null when none was given."),
    (
        "machine",
        "string",
        "The exporting machine's stable id: the partition folder `machine=`, also a column.",
    ),
]


# The words the writer fills some columns from, whatever the log said: a host or user named `user` is
# no finding in a `role` (every session was refused so), nor one named `lost` in a `state`.
_AGENTS = frozenset(READER_MODULES)
OWN_WORDS: dict[str, frozenset[str]] = {
    "harness": _AGENTS | frozenset(AGENT_FOLDERS.values()),
    "agent": _AGENTS,
    "kind": frozenset(StepKind.ALL),
    "role": frozenset({"user", "assistant", "tool", "system"}),
    "op": frozenset({"create", "update", "delete", "write"}),
    "state": frozenset(LINE_STATES),
    "rating": frozenset({"good", "bad"}),
    "month": frozenset({"unknown"}),
}
# Every name a row's fields have, each with its own words (`OWN_WORDS`, else none): the gate reads neither
# as text where they are a row's keys and the values under them (`value_map.json_strings`).
OWN_KEYS = {c[0]: OWN_WORDS.get(c[0], frozenset()) for t in TABLES for c in TABLES[t] + DATASET_COLUMNS}


def columns_of(table: str, dataset: bool = False) -> list[Column]:
    """A table's columns: a dataset's put `user` and `machine` before the partition keys."""
    own = TABLES[table][: -len(PARTITION)]
    return own + DATASET_COLUMNS + PARTITION if dataset else TABLES[table]


_MONTH = re.compile(r"^\d{4}-\d{2}")


def month_of(started: str | None) -> str:
    return started[:7] if started and _MONTH.match(started) else "unknown"


def partition(agent: str, started: str | None, machine: str | None = None) -> dict[str, str]:
    """A session's partition keys: its folders' values, and the same values in its rows (a dataset's
    machine first)."""
    keys = {"machine": machine} if machine else {}
    return {**keys, "agent": safe_component(agent), "month": month_of(started)}


def moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json(value: Any) -> str | None:
    if value is None or value == {}:
        return None
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def _int(value: Any) -> int | None:
    return (
        value
        if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
        else None
    )


def rows(
    prepared: Prepared, harness: str, receipt: list[dict[str, Any]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) for every row the session gives, sessions row first."""
    clean = prepared.clean
    yield "sessions", session_row(prepared, harness, receipt)
    results = {s.tool_call_id: s for s in clean.steps if s.kind == StepKind.TOOL_RESULT and s.tool_call_id}
    for s in clean.steps:
        t = s.tokens
        yield (
            "steps",
            {
                "session_id": clean.id,
                "step_id": s.id,
                "index": s.index,
                "kind": s.kind,
                "role": s.role,
                "text": s.text,
                "timestamp": moment(s.timestamp),
                "tool": s.tool,
                "tool_call_id": s.tool_call_id,
                "parent": s.parent,
                "subagent": s.subagent,
                "active": s.active,
                "is_error": s.is_error,
                "model": s.model,
                "tokens_input": t.input if t else None,
                "tokens_output": t.output if t else None,
                "tokens_cache_read": t.cache_read if t else None,
                "tokens_cache_write": t.cache_write if t else None,
                "meta": _json(s.meta),
            },
        )
        if s.kind == StepKind.TOOL_CALL and not s.copied:
            result = results.get(s.tool_call_id) if s.tool_call_id else None
            code = result.meta.get("exit_code") if result is not None else s.meta.get("exit_code")
            yield (
                "tool_calls",
                {
                    "session_id": clean.id,
                    "step_id": s.id,
                    "index": s.index,
                    "tool": s.tool,
                    "tool_call_id": s.tool_call_id,
                    "input": _json(s.tool_input),
                    "timestamp": moment(s.timestamp),
                    "subagent": s.subagent,
                    "result_step_id": result.id if result else None,
                    "result_text": result.text if result else None,
                    "is_error": bool(result.is_error) if result else False,
                    "exit_code": _int(code),
                    "edits": sum(1 for e in s.edits if e.applied),
                },
            )
    for row in patch_rows(prepared):
        yield "patches", row


def session_row(prepared: Prepared, harness: str, receipt: list[dict[str, Any]]) -> dict[str, Any]:
    """The session's one row of the sessions table: its listing, its outcome labels, its price."""
    clean = prepared.clean
    labels = prepared.labels()
    spent = prepared.line_cost()
    git = clean.git
    return {
        "session_id": clean.id,
        "harness": harness,
        "project": clean.project,
        "title": clean.title,
        "cwd": clean.cwd,
        "started": moment(clean.started),
        "ended": moment(clean.ended),
        "version": clean.version,
        "models": list(clean.models),
        "git_branch": git.branch if git else None,
        "git_remote": git.remote if git else None,
        "git_commit": git.commit if git else None,
        "steps": len(clean.steps),
        "tool_calls": clean.tool_calls,
        "edits": clean.applied_edit_calls,  # as `ls` and `show` count them: the edits that succeeded
        "subagents": len(clean.subagents),
        "tokens_input": clean.tokens.input,
        "tokens_output": clean.tokens.output,
        "tokens_cache_read": clean.tokens.cache_read,
        "tokens_cache_write": clean.tokens.cache_write,
        "ref": labels["ref"],
        "patches": labels["patches"],
        "lines_added": labels["lines_added"],
        "lines_alive": labels["lines_alive"],
        "lines_transformed": labels["lines_transformed"],
        "lines_reverted": labels["lines_reverted"],
        "lines_lost": labels["lines_lost"],
        "lines_uncommitted": labels["lines_uncommitted"],
        "lines_unknown": labels["lines_unknown"],
        "cost_usd": spent.cost_usd,
        "cost_lower_bound": spent.lower_bound,
        "wasted_usd": spent.wasted_usd,
        "cost_per_surviving_line_usd": spent.per_line_usd,
        "tests": [
            {"step": t["step"], "command": t["command"], "exit_code": _int(t["exit_code"])}
            for t in labels["tests"]
        ],
        "tests_last_exit": _int(labels["tests_last_exit"]),
        "commits": labels["commits"],
        "outcome_note": labels["note"],
        "rating": labels["rating"],
        "ratings": _json(labels["ratings"]) or "[]",
        "redactions": sum(int(r["count"]) for r in receipt),
        "receipt": _json(receipt) or "[]",
    }


def patch_rows(prepared: Prepared) -> Iterator[dict[str, Any]]:
    """The session's patches with their fates, scrubbed; repository paths kept exact."""
    clean = prepared.clean
    index = {s.id: s.index for s in clean.steps}
    for fate in prepared.outcome.fates:
        p = fate.patch
        row = prepared.scrubbed.values(
            {
                "session_id": clean.id,
                "step_id": p.step_id,
                "step_index": index.get(p.step_id),
                "patch_index": p.index,
                "path": p.path,
                "old_path": p.old_path,
                "op": p.op,
                "tool": p.tool,
                "added": len(p.added),
                "removed": len(p.removed),
                "diff": unified_diff(p),
                "exact": p.exact,
                "state": fate.state,
                "commit": fate.commit,
                "kept": fate.kept,
                "changed": fate.changed,
                "dropped": fate.dropped,
                "path_now": fate.path_now,
                "superseded_by": fate.superseded_by,
                "timestamp": p.timestamp,
            }
        )
        # Words of the format and a hash of the repository, never the log's text (see seal's trail).
        row["op"], row["state"], row["commit"] = p.op, fate.state, fate.commit
        for key in ("path", "old_path", "path_now"):
            value = getattr(p, key, None) if key != "path_now" else fate.path_now
            if isinstance(value, str) and is_repo_relative(value):
                # A file of the repository keeps its exact name (a user name in "src/alice/" stays),
                # as a capsule's trail does; a secret in it is still scrubbed.
                row[key] = prepared.scrubbed.repo_path(value)
        row["timestamp"] = moment(row["timestamp"])
        yield row
