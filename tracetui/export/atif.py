"""The `atif` format: one ATIF v1.7 trajectory per session (Harbor's Agent Trajectory Interchange
Format), `trajectories/<agent folder>/<session>.json`, one JSON document on one line.

More in docs/internals/export.md, `export/atif.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from tracetui import __version__
from tracetui.capsule.scrub import lines_view
from tracetui.cost import SessionCost, steps_cost
from tracetui.export import write_pool
from tracetui.export.ahead import write_ahead
from tracetui.export.files_made import Written, put, to_write, write_pooled
from tracetui.export.labels import LINE_STATES
from tracetui.export.manifest import safe_component
from tracetui.export.raw import agent_folder
from tracetui.model import Session, Step, StepKind, Tokens
from tracetui.redact.finding import TIERS
from tracetui.redact.plan import DECIDERS
from tracetui.safe_json import plain_json
from tracetui.sources.common.coerce import as_moment
from tracetui.sources.registry import READER_MODULES

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Prepared, Reviewed, Warmed
    from tracetui.model import SessionSummary

SCHEMA_VERSION = "ATIF-v1.7"
AGENT_NAMES = {"claude": "claude-code", "codex": "codex", "pi": "pi", "gemini": "gemini-cli"}
_AGENT_KINDS = (StepKind.ASSISTANT, StepKind.REASONING, StepKind.TOOL_CALL, StepKind.TOOL_RESULT)


class AtifWriter:
    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter

    def digest_extra(self, summary: SessionSummary) -> bytes:
        return b""

    def write(self, reviewed: list[Reviewed], step: Callable[[str], None]) -> None:
        ex = self.exporter
        todo = to_write(ex, reviewed)
        pool = write_pool.start(ex, [item.summary for item in todo])
        if pool is not None:  # made on the write workers, written here (export/write_pool.py)
            write_pooled(ex, reviewed, todo, pool.made(todo, _no_keys, self._made_here), step)
            return
        # One session ahead: its document is built and its gate's scans started on the workers
        # before the one before is judged and written.
        write_ahead(reviewed, self._ready, self._write, ex.keep_session, lambda item: step(item.summary.id))

    def _ready(self, item: Reviewed) -> _Ready | None:
        """The session prepared and its gate warmed; None where its earlier file stays or it could not
        be read (`keep_session` is left for its turn, so the report keeps the sessions' order)."""
        ex = self.exporter
        if ex.dest.unchanged("sessions", item.summary.id, item.digest) is not None:
            return None
        return ready_of(ex, item.summary.id)

    def _made_here(self, item: Reviewed) -> Written | None:
        ready = ready_of(self.exporter, item.summary.id)
        return made_of(self.exporter, ready) if ready is not None else None

    def _write(self, item: Reviewed, ready: _Ready) -> None:
        written = made_of(self.exporter, ready)
        if written is not None:
            put(self.exporter, item, written)


def _no_keys(item: Reviewed) -> None:
    """A trajectory's rows carry no partition's keys (Parquet's do)."""
    return None


def ready_of(ex: Exporter, session_id: str) -> _Ready | None:
    """The session prepared and its gate warmed; None where it could not be read (then refused)."""
    prepared = ex.prepare(session_id)
    if prepared is None:
        return None
    folder = agent_folder(prepared.session.agent)
    ready = _Ready(prepared, f"trajectories/{folder}/{safe_component(session_id)}.json")
    ready.warmed = ex.warm(prepared, ready.build, gate_view)
    return ready


def made_of(ex: Exporter, ready: _Ready) -> Written | None:
    """The session's receipt and trajectory files, as they are written; None where the second gate
    stops it. In the exporting process or a write worker: the same code, so the same bytes."""
    prepared, rel = ready.prepared, ready.rel
    members = ex.gated(prepared, ready.build, gate_view, warmed=ready.warmed)
    if members is None:
        return None
    data = members[rel]
    document = orjson.loads(data)
    receipt_rel, receipt, entry = ex.receipt_file(prepared, data)
    # The receipt goes in the document too, counted on what it carries.
    document["extra"]["tracetui"]["receipt"] = entry["receipt"]
    # Escaped only now: the gate read the strings themselves, which the escapes leave as they are.
    files = [(receipt_rel, receipt), (rel, plain_json(orjson.dumps(document)) + b"\n")]
    return Written(prepared.session.id, prepared.session.agent, files, entry)


@dataclass(slots=True)
class _Ready:
    """A session prepared for its trajectory file, its gate's scans started (`Exporter.warm`)."""

    prepared: Prepared
    rel: str
    warmed: Warmed | None = None

    def build(self) -> dict[str, bytes]:
        """The trajectory from the scrubbed copy as the gate last left it (it may scrub more and build
        it again)."""
        return {self.rel: orjson.dumps(trajectory(self.prepared)) + b"\n"}


def trajectory(prepared: Prepared) -> dict[str, Any]:
    """The session's ATIF document (`extra.tracetui.receipt` is filled in once the receipt is known)."""
    clean = prepared.clean
    own = [s for s in clean.steps if not s.copied]
    main = [s for s in own if not s.subagent]
    by_agent: dict[str, list[Step]] = {}
    for s in own:
        if s.subagent:
            by_agent.setdefault(s.subagent, []).append(s)
    refs = {a.spawned_by: a.id for a in clean.subagents if a.spawned_by and a.id in by_agent}
    document = _trajectory(clean, clean.id, main, refs)
    if by_agent:
        whole = steps_cost(own, list(clean.models)).cost_usd
        if whole is not None:
            document["final_metrics"]["extra"]["session_cost_usd"] = round(whole, 6)
    document["subagent_trajectories"] = [
        _trajectory(clean, f"{clean.id}/{agent_id}", steps, refs, _subagent_extra(clean, agent_id))
        for agent_id, steps in by_agent.items()
    ] or None
    labels = prepared.labels()
    document["extra"] = {
        "tracetui": {
            "version": __version__,
            "title": clean.title,
            "cwd": clean.cwd,
            "started": clean.started,
            "ended": clean.ended,
            "git": clean.git.to_dict() if clean.git else None,
            "labels": labels,
            # Cost per surviving line and what thrown-away patches cost (line_cost.py; null: unknown).
            "line_cost": {k: v for k, v in prepared.line_cost().to_dict().items() if k != "judged"},
            "patches": _patches(prepared),
            "receipt": [],
            "forked_from": _parent_id(clean.forked_from),
            "forked_at": clean.forked_at,
            "copied_steps": (len(clean.steps) - len(own)) or None,
        }
    }
    return _pruned(document)


@dataclass(slots=True)
class _Conversion:
    """The ATIF steps made so far from a trajectory's tracetui steps, and what the next one needs."""

    session: Session
    refs: dict[str, str]  # a subagent call's tracetui step id -> the subagent's id
    priced: SessionCost
    out: list[dict[str, Any]] = field(default_factory=list)
    # tool call id -> the ATIF step that made the call
    call_home: dict[str, dict[str, Any]] = field(default_factory=dict)
    turn: dict[str, Any] | None = None  # the model turn the next agent step joins, if it may
    # id(ATIF step) -> the prices of the responses in it
    costs: dict[int, list[float | None]] = field(default_factory=dict)
    model: str | None = None  # the model the conversation is on, as far as the log said


def _trajectory(
    session: Session,
    trajectory_id: str,
    steps: list[Step],
    refs: dict[str, str],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    totals = Tokens()
    conv = _Conversion(session, refs, steps_cost(steps, list(session.models)))
    for s in steps:
        if s.tokens is not None:
            totals.add(s.tokens)
        if s.model:
            conv.model = s.model
        if s.kind in (StepKind.SUBAGENT_START, StepKind.SUBAGENT_END):
            continue  # the embedded trajectory and the call's reference say it
        if s.kind not in _AGENT_KINDS:
            _add_plain(conv, s)
        elif s.kind == StepKind.TOOL_RESULT:
            _add_result(conv, s)
        else:
            _add_to_turn(conv, s)
    out = conv.out
    for n, step in enumerate(out, 1):
        step["step_id"] = n
        step.pop("_calls", None)
        prices = conv.costs.get(id(step))
        if prices and step["source"] == "agent":
            step["llm_call_count"] = len(prices)
            if "metrics" in step and None not in prices:
                step["metrics"]["cost_usd"] = round(sum(p for p in prices if p is not None), 6)
    return {
        "schema_version": SCHEMA_VERSION,
        "session_id": session.id,
        "trajectory_id": trajectory_id,
        "agent": {
            "name": AGENT_NAMES.get(session.agent, session.agent),
            "version": session.version or "unknown",
            "model_name": session.models[0] if session.models else None,
            "extra": {"models": list(session.models)} if len(session.models) > 1 else None,
        },
        "steps": out,
        "final_metrics": {
            "total_prompt_tokens": totals.input + totals.cache_read + totals.cache_write,
            "total_completion_tokens": totals.output,
            "total_cached_tokens": totals.cache_read,
            "total_cost_usd": round(conv.priced.cost_usd, 6) if conv.priced.cost_usd is not None else None,
            "total_steps": len(out),
            "extra": {"cache_write_tokens": totals.cache_write}
            | ({"usage_lower_bound": True} if conv.priced.partial else {}),
        },
        "extra": extra,
    }


def _add_plain(conv: _Conversion, s: Step) -> None:
    """A step that is not the agent's (the user's, the system's): a step of its own, ending the turn."""
    conv.turn = None
    conv.out.append(_plain_step(s))
    priced = conv.priced
    if s.tokens is not None and s.id in priced.steps:
        # A request made outside a model turn (Copilot's compaction): ATIF keeps `metrics`
        # for agent steps, so its usage and price are the step's extra, and in the totals.
        _add_metrics(conv.out[-1]["extra"], s.tokens)
        if priced.steps[s.id] is not None:
            conv.out[-1]["extra"]["metrics"]["cost_usd"] = round(priced.steps[s.id] or 0.0, 6)


def _add_result(conv: _Conversion, s: Step) -> None:
    """A tool's result: an observation of the step that made the call (else of the turn)."""
    home = conv.call_home.get(s.tool_call_id or "")
    target = home if home is not None else conv.turn
    if target is None:  # a result whose call the log does not have: a step of its own
        target = _agent_step(s)
        conv.out.append(target)
    result: dict[str, Any] = {
        "source_call_id": s.tool_call_id if home is not None else None,
        "content": s.text,
    }
    call_step = _call_step_id(home, s.tool_call_id) if home is not None else None
    child = conv.refs.get(call_step) if call_step is not None else None
    if child is not None:
        result["subagent_trajectory_ref"] = [
            {"trajectory_id": f"{conv.session.id}/{child}", "session_id": conv.session.id}
        ]
    meta = {
        k: v
        for k, v in (("is_error", s.is_error or None), ("exit_code", s.meta.get("exit_code")))
        if v is not None
    }
    if meta:
        result["extra"] = meta
    target.setdefault("observation", {"results": []})["results"].append(result)
    _note(target, s)


def _add_to_turn(conv: _Conversion, s: Step) -> None:
    """The model's text, reasoning or tool call: part of its current turn, or the start of one."""
    turn = conv.turn
    # A new model turn starts after results came back, or where the previous turn already spoke.
    if (
        turn is None
        or "observation" in turn
        or (s.kind in (StepKind.ASSISTANT, StepKind.REASONING) and turn.get("tool_calls"))
    ):
        turn = conv.turn = _agent_step(s)
        conv.out.append(turn)
    if s.kind == StepKind.REASONING:
        turn["reasoning_content"] = _join(turn.get("reasoning_content"), s.text)
    elif s.kind == StepKind.ASSISTANT:
        turn["message"] = _join(turn.get("message") or None, s.text) or ""
    else:
        call_id = s.tool_call_id or s.id
        arguments = s.tool_input if isinstance(s.tool_input, dict) else {"input": s.tool_input}
        turn.setdefault("tool_calls", []).append(
            {"tool_call_id": call_id, "function_name": s.tool or "", "arguments": arguments}
        )
        conv.call_home[call_id] = turn
        turn.setdefault("_calls", {})[call_id] = s.id
    if s.tokens is not None:
        _add_metrics(turn, s.tokens)
    if s.id in conv.priced.steps:  # one API response (a step with usage): its price, None if unknown
        conv.costs.setdefault(id(turn), []).append(conv.priced.steps[s.id])
    if not turn.get("model_name"):
        turn["model_name"] = s.model or conv.model
    _note(turn, s)


def _call_step_id(home: dict[str, Any], call_id: str | None) -> str | None:
    return home.get("_calls", {}).get(call_id or "")


def _agent_step(s: Step) -> dict[str, Any]:
    return {
        "step_id": 0,
        "timestamp": _iso(s.timestamp),
        "source": "agent",
        "model_name": s.model,
        "message": "",
        "extra": {"tracetui_steps": []},
    }


def _plain_step(s: Step) -> dict[str, Any]:
    source = "user" if s.kind == StepKind.USER else "system"
    step: dict[str, Any] = {
        "step_id": 0,
        "timestamp": _iso(s.timestamp),
        "source": source,
        "message": s.text,
        "extra": {"tracetui_steps": [], "kind": s.kind},
    }
    if s.kind == StepKind.COMPACTION:
        step["extra"]["context_management"] = "compaction"
    if s.kind == StepKind.MODEL_CHANGE and s.model:
        step["extra"]["model"] = s.model  # `model_name` is for agent steps only
    _note(step, s)
    return step


def _iso(stamp: str | None) -> str | None:
    """The step's time where it is ISO 8601 as ATIF's validator reads it, else None: a log's odd
    time (`1e20`, a torn byte before it) made an export its own `--check` refused."""
    return stamp if as_moment(stamp) is not None else None


def _note(step: dict[str, Any], s: Step) -> None:
    """Which tracetui steps an ATIF step holds (by index), and whether they are on the final path."""
    step["extra"]["tracetui_steps"].append(s.index)
    if not s.active:
        step["extra"]["inactive"] = True


def _add_metrics(step: dict[str, Any], tokens: Tokens) -> None:
    m = step.setdefault(
        "metrics",
        {"prompt_tokens": 0, "completion_tokens": 0, "cached_tokens": 0, "extra": {"cache_write_tokens": 0}},
    )
    m["prompt_tokens"] += tokens.input + tokens.cache_read + tokens.cache_write
    m["completion_tokens"] += tokens.output
    m["cached_tokens"] += tokens.cache_read
    m["extra"]["cache_write_tokens"] += tokens.cache_write
    if tokens.partial:  # the log counts only part of this request's usage: its figures are floors
        m["extra"]["usage_lower_bound"] = True


def _join(before: str | None, text: str) -> str:
    return f"{before}\n\n{text}" if before else text


def _subagent_extra(session: Session, agent_id: str) -> dict[str, Any]:
    found = next((a for a in session.subagents if a.id == agent_id), None)
    return {
        "subagent": agent_id,
        "agent_type": found.agent_type if found else None,
        "description": found.description if found else None,
    }


def _patches(prepared: Prepared) -> list[dict[str, Any]]:
    from tracetui.export.tables import patch_rows

    out = []
    for row in patch_rows(prepared):
        row = {k: v for k, v in row.items() if k != "session_id"}
        row["timestamp"] = row["timestamp"].isoformat() if row["timestamp"] is not None else None
        out.append(row)
    return out


def _parent_id(parent: str | None) -> str | None:
    """A fork's parent as an id; a logged path (Pi's, where its file name holds no id) is left out:
    no plan reviewed it, and it would carry the user's folders."""
    return parent if parent and "/" not in parent and "\\" not in parent else None


# The words a trajectory's writer chooses from a vocabulary of its own, by the key they are written under;
# `arguments` holds a tool's input as the log has it, its keys the log's text.
_OWN_WORDS: dict[str, frozenset[str]] = {
    "schema_version": frozenset({SCHEMA_VERSION}),
    "source": frozenset({"agent", "user", "system"}),
    "kind": frozenset(StepKind.ALL),
    "context_management": frozenset({"compaction"}),
    "name": frozenset(AGENT_NAMES.values()) | frozenset(READER_MODULES),  # the agent's, as tracetui names it
    "version": frozenset({"unknown", __version__}),
    "state": frozenset(LINE_STATES),
    "op": frozenset({"create", "update", "delete", "write"}),
    # The receipt's rows in `extra.tracetui`: how sure a finding was and who chose its scrub.
    "tier": frozenset(TIERS),
    "decided_by": frozenset(DECIDERS),
}
_LOG_INPUT = "arguments"


def gate_view(data: bytes) -> bytes:
    """What the second gate reads of a trajectory file: each document's strings that came from the log,
    without the format's keys and its own words (`_OWN_WORDS`). A host named `steps` was found in the
    schema's keys, where no scrub could take it out, and the session was refused; where the log held
    the name (a prompt, a tool's input, as a key there too) it is read, and scrubbed, as ever. A line
    that is no JSON, or nested too deep to write again, is read as it is."""
    return lines_view(data, _log_strings)


def _log_strings(obj: Any) -> Any:
    """`obj` with every dict of the format's own made a list of its values, its own words left out."""
    if isinstance(obj, list):
        return [_log_strings(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    values = []
    for k, v in obj.items():
        if k == _LOG_INPUT:
            values.append(v)  # as the log has it: keys and values
        elif not (isinstance(v, str) and v in _OWN_WORDS.get(k, ())):
            values.append(_log_strings(v))
    return values


def _pruned(obj: Any) -> Any:
    """Optional fields left out where they have no value (ATIF readers take absent for None)."""
    if isinstance(obj, dict):
        return {k: _pruned(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_pruned(v) for v in obj]
    return obj
