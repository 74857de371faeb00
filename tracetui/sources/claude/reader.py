"""The Claude Code reader: `~/.claude/projects/<slug>/<sessionId>.jsonl` (+ subagents) -> `Session`.

The format and this reader's choices: docs/formats/claude.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from tracetui.model import GitInfo, LineError, LineErrors, Session, Step, StepKind, Subagent, TitleLinks, Tokens
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.claude import files as claude_files
from tracetui.sources.claude import resume as claude_resume
from tracetui.sources.claude.lines import Line
from tracetui.sources.claude.steps import FilePart, Reader, mark_copied
from tracetui.sources.claude.usage import unlogged, unlogged_step
from tracetui.sources.claude.subagents import own_run_kind
from tracetui.sources.claude.tree import link_steps, mark_active, resolve_parents
from tracetui.sources.common import resumable, titles
from tracetui.sources.common.resumable import ResumeState
from tracetui.sources.common.jsonl import lines, loads_within_depth
from tracetui.sources.registry import Agent

NAME = "claude"
WARMUP_PROMPT = "Warmup"


def group(paths: list[Path]) -> list[SessionFiles]:
    """Which files make up which session (see `claude_files`)."""
    return claude_files.group(paths)


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one session: the main transcript plus subagent transcripts and `.meta.json` sidecars."""
    return _read(main, companions, None, False)[0]


def resume(
    previous: ResumeState | None, main: RawLog, companions: list[RawLog]
) -> tuple[Session, ResumeState | None]:
    """`read`, starting from `previous` (a state an earlier call returned) when it fits the main
    transcript's bytes, and the state to read on from next time (see `claude_resume`)."""
    return _read(main, companions, previous, True)


def _read(
    main: RawLog, companions: list[RawLog], previous: ResumeState | None, want_state: bool
) -> tuple[Session, ResumeState | None]:
    state: ResumeState | None = None
    if not want_state:
        reader = Reader(main)
        main_uuids = reader.read_file(main, None, None)
    else:
        reader, part, state = _read_main(main, previous)
        main_uuids = part.by_uuid
    main_lines = list(reader.lines)
    resolve_parents(main_uuids, main_lines)
    if reader.fork_parent is not None:
        _copied_ancestors(main_lines)
    if (reader.version or "").startswith("1.0."):
        _resumed_copy(main_lines)
    metas = _read_sidecars(companions, reader.errors)
    _read_subagent_files(reader, companions, main_uuids)
    own = _own_run(main, metas) if reader.main_is_agent else None
    _apply_sidecars(reader, metas)
    _link_conversations(reader, main_lines)

    steps, subagents = reader.runs.assemble(reader.lines, reader.by_id)
    mark_relogged(steps, reader.calls)
    queued_only = _queued_steps(reader.queued_first) if not steps else []
    if queued_only:  # nothing but the prompt queue: the prompt, never answered
        steps = queued_only
    if own is not None:
        subagents.insert(0, own)
    total = _session_tokens(steps, reader.tokens)
    _add_unlogged(reader, steps, total)
    session_id = claude_files.main_session_id(main.path) or reader.session_id or Path(main.path).stem
    if own is not None:
        session_id = f"{reader.session_id or 'unknown'}-agent-{own.id}"
    title, hidden = _title_and_hidden(reader, steps, total, main_uuids, own, bool(queued_only))
    cwd = reader.cwd if reader.cwd is not None else _companion_field(companions, "cwd")
    session = Session(
        id=session_id,
        agent=NAME,
        source=main.path,
        cwd=cwd,
        title=title,
        hidden=hidden,
        started=reader.first_ts,
        ended=reader.last_ts,
        version=reader.version if reader.version is not None else _companion_field(companions, "version"),
        models=reader.models,
        tokens=total,
        git=GitInfo(branch=reader.branch) if reader.branch else None,
        steps=steps,
        subagents=subagents,
        files=[main.path, *(log.path for log in companions)],
        errors=reader.errors,
        skipped=reader.skipped,
    )
    if reader.fork_parent is not None:
        session.forked_from = reader.fork_parent
        session.forked_at = reader.fork_own_ts
    if own is None and not reader.main_is_agent:
        session.title_links = _title_links(reader, main_lines, main_uuids)
    return session, state


LEAVES = 8  # records after a conversation's last message a summary may name as its leaf
GIVEN = 512  # titles one transcript gives others, the last kept (a hostile log may hold millions)


def _title_links(reader: Reader, main_lines: list[Line], main_uuids: Mapping[str, Line]) -> TitleLinks | None:
    """What Claude Code's resume picker titles across the transcripts of a project folder: a summary
    names the last record of the conversation it sums up, and is written into whichever transcript
    was open then (1.0.x often into a new one that holds nothing else). The ids this conversation
    ends on are its last message's and the records after it; the summaries of this file that name
    no record of it are titles it gives others."""
    leaves: list[str] = []
    for line in reversed(main_lines):
        if line.scope is not None or not line.uuid:
            continue
        if line.type in ("user", "assistant"):
            leaves.append(line.uuid)  # the last message, however many records came after it
            break
        if len(leaves) < LEAVES:
            leaves.append(line.uuid)
    given: dict[str, str] = {}
    for text, leaf in reversed(reader.summaries):
        if len(given) >= GIVEN:
            break
        if leaf and leaf not in main_uuids and leaf not in given and text.strip():
            given[leaf] = titles.clip(text)
    # Settled as `titles.session_title` chooses: one of the agent's own titles has words.
    settled = any(title and title.strip() for title in _own_titles(reader, main_uuids))
    if not leaves and not given:
        return None
    return TitleLinks(leaves, given, settled)


def _copied_ancestors(main_lines: list[Line]) -> None:
    """The lines a fork's copies hang from are copies too: 2.1.332's --fork-session marks only the
    responses it copied (`requestSessionId`), and the prompts they answer come before them."""
    done: set[int] = set()
    for line in main_lines:
        if line.scope is not None or not any(s.copied for s in line.steps):
            continue
        up = line.parent
        while up is not None and up.scope is None and id(up) not in done:
            done.add(id(up))
            if not any(s.copied for s in up.steps):
                mark_copied(up, up.uuid or "")
            up = up.parent


def _resumed_copy(main_lines: list[Line]) -> None:
    """Claude Code 1.0.x (from 2.0.0 a resume writes on in the same file) resumed a session into a new
    transcript that begins with the earlier conversation written again, every line of it stamped with
    one instant (the resume's), with no mark saying so. Two responses are never written in the same
    millisecond of a live session, so the leading lines sharing the first one's time are copies where
    they hold two responses or more."""
    run: list[Line] = []
    responses: set[str] = set()
    for line in main_lines:
        if line.scope is not None:
            continue
        if run and line.timestamp != run[0].timestamp:
            break
        if not isinstance(line.timestamp, str):
            return
        run.append(line)
        if line.message_id is not None:
            responses.add(line.message_id)
    if len(responses) < 2:
        return
    for line in run:
        if not any(s.copied for s in line.steps):  # a fork's marks name their parent: kept
            mark_copied(line, "")


def _read_sidecars(companions: list[RawLog], errors: LineErrors) -> dict[str, dict[str, Any]]:
    """The subagents' `.meta.json` sidecars, by agent id (one that cannot be read is an error)."""
    metas: dict[str, dict[str, Any]] = {}
    for log in companions:
        if claude_files.is_meta(log.path):
            meta = _read_meta(log, errors)
            aid = claude_files.agent_id_from_name(log.path)
            if aid and meta is not None:
                metas[aid] = meta
    return metas


def _read_subagent_files(reader: Reader, companions: list[RawLog], main_uuids: dict[str, Line]) -> None:
    """Each subagent transcript read into its run, after the main one."""
    for log in companions:
        if claude_files.is_meta(log.path):
            continue
        aid = _first_agent_id(log.data) or claude_files.agent_id_from_name(log.path) or Path(log.path).stem
        agent = reader.runs.get(aid)
        agent.source = log.path
        agent.has_transcript = True
        start = len(reader.lines)
        by_uuid = reader.read_file(log, agent, main_uuids)
        resolve_parents(by_uuid, reader.lines[start:])


def _own_run(main: RawLog, metas: dict[str, dict[str, Any]]) -> Subagent:
    """A main transcript that is a subagent's: the session IS the subagent, listed (with its
    sidecar's facts, taken out of `metas`) rather than nested in itself."""
    own_id = _first_agent_id(main.data) or claude_files.agent_id_from_name(main.path) or "unknown"
    sidecar = metas.pop(own_id, {})
    return Subagent(
        own_id,
        _str_or_none(sidecar.get("agentType")) or own_run_kind(own_id),
        _str_or_none(sidecar.get("description")),
        None,
        main.path,
    )


def _apply_sidecars(reader: Reader, metas: dict[str, dict[str, Any]]) -> None:
    for aid, meta in metas.items():
        agent = reader.runs.get(aid)
        if isinstance(meta.get("agentType"), str):
            agent.agent_type = meta["agentType"]
        if isinstance(meta.get("description"), str):
            agent.description = meta["description"]


def _link_conversations(reader: Reader, main_lines: list[Line]) -> None:
    """The runs matched and finished, then the tree and active path, one conversation at a time."""
    reader.runs.match_inline()
    reader.runs.finish_agents(reader.by_id)
    main_convo = [ln for ln in main_lines if ln.scope is None]
    link_steps(main_convo, None)
    mark_active(main_convo)
    for agent in reader.runs.agents.values():
        link_steps(agent.lines, f"subagent:{agent.id}:start")
        mark_active(agent.lines)


def _add_unlogged(reader: Reader, steps: list[Step], total: Tokens) -> None:
    """The requests Claude Code's own totals count and no transcript line holds, a step per model at
    the end, counted in the session's tokens (`usage.unlogged`)."""
    if len(reader.costs) < 2:
        return
    first, last = reader.costs
    for model, tokens in sorted(unlogged(first, last, steps).items()):
        parent = steps[-1].id if steps else None
        # An id that stays as the log grows (the last cost-state moves): a review's decision on the
        # step's text, and a row in the index, outlive the next sync.
        step_id = "cost-state:" + hashlib.sha1(model.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        steps.append(unlogged_step(step_id, len(steps), last.at, parent, model, tokens))
        total.add(tokens)


def _session_tokens(steps: list[Step], tokens: dict[tuple[Any, ...], Tokens]) -> Tokens:
    # A fork's copies keep their usage on their steps, but the parent spent it: not the session's.
    copied = {id(s.tokens) for s in steps if s.tokens is not None and s.copied}
    total = Tokens()
    for t in tokens.values():
        if id(t) not in copied:
            total.add(t)
    return total


def _own_titles(reader: Reader, main_uuids: Mapping[str, Line]) -> tuple[str | None, ...]:
    """The agent's own titles of this conversation, best first: the user's rename, the agent's title,
    the last summary naming one of its lines. A summary names the conversation that ends at its leaf;
    one naming another conversation of the folder (one this resumed, or one the picker summed up)
    is only a title of last resort here (`_title_and_hidden`) and a title of that one's (`_title_links`)."""
    own_summary = next((text for text, leaf in reversed(reader.summaries) if leaf in main_uuids), None)
    return reader.custom_title, reader.ai_title, own_summary


def _title_and_hidden(
    reader: Reader,
    steps: list[Step],
    total: Tokens,
    main_uuids: dict[str, Line],
    own: Subagent | None,
    queued_only: bool,
) -> tuple[str | None, str | None]:
    """The session's title, and why it is hidden from the list (None: shown)."""
    main_is_agent = reader.main_is_agent
    nothing_own = not any(s.subagent is None for s in steps)
    title = titles.session_title(
        _own_titles(reader, main_uuids),
        steps,
        fallback=reader.summaries[0][0] if reader.summaries else None,
        # A main transcript with no line of its own (left empty, or its lines lost) beside runs
        # that hold the conversation (a /btw side question's copy of it) is named by their prompts.
        runs=nothing_own and not main_is_agent,
    )
    hidden = titles.HIDDEN_QUEUED if queued_only else titles.why_hidden(steps, total)
    warmup = _is_warmup(steps, True) if main_is_agent else nothing_own and _is_warmup(steps, False)
    if hidden is None and warmup:
        # A subagent file read alone, or a main transcript with nothing of its own (2.0.x left an
        # empty one when a resume moved on to another session id) beside its warm-up runs, whose
        # "Warmup" prompt 2.0.60 did not always write (the reply alone).
        hidden = titles.HIDDEN_WARMUP
    if hidden is None and own is not None and own_run_kind(own.id) is not None and not _holds_talk(steps):
        # A compaction's summarizer or a prompt suggestion whose session was not kept: listed, it read
        # as a session titled by Claude Code's own instructions ("[SUGGESTION MODE: ..."). One that
        # holds the conversation it served (a summarizer's copy of it, the user's prompts and the
        # model's edits, then its own instruction) is that conversation's only record: listed.
        hidden = titles.HIDDEN_OWN_RUN
    return title, hidden


def _read_main(main: RawLog, previous: ResumeState | None) -> tuple[Reader, FilePart, ResumeState | None]:
    """The main transcript read (from `previous` when it fits), snapshotting the reader after the
    last complete line."""
    expected = resumable.stamp(NAME, claude_resume.LAYOUT)
    data = main.data
    restored = None
    if previous is not None and resumable.usable(previous, expected, [(main.path, data)]):
        try:
            spans = resumable.Spans(data, previous.marks[0].consumed)
            restored = claude_resume.restore(orjson.loads(previous.body), main, spans)
        except Exception:  # a damaged snapshot: read the whole transcript
            restored = None
    if restored is not None:
        assert previous is not None
        reader, part = restored
        start, lines = previous.marks[0].consumed, previous.marks[0].lines
    else:
        reader, part, start, lines = Reader(main), FilePart(b""), 0, 0
    consumed = resumable.cut(data)
    part.data, part.first_line = data[start:consumed], lines + 1
    reader.read_file(main, None, None, part)
    lines += data.count(b"\n", start, consumed)
    state = None
    if (
        restored is not None
        and previous is not None
        and not resumable.worth_a_new_snapshot(previous, consumed)
    ):
        state = previous
    elif consumed and not reader.waiting:
        # (A result still waiting for its call's line is not snapshotted: read whole next time.)
        marks = [resumable.Mark(main.path, consumed, lines, resumable.tail_hash(data, consumed))]
        spans = resumable.Spans(data, consumed)
        state = resumable.snapshot(lambda: claude_resume.state(reader, part, spans), expected, marks)
    if consumed < len(data):
        part.data, part.first_line = data[consumed:], lines + 1
        reader.read_file(main, None, None, part)
    return reader, part, state


# -- small helpers ---------------------------------------------------------------------------------


def _queued_steps(queued: list[list[Any]]) -> list[Step]:
    """A transcript whose records are only its prompt queue: the prompts as USER steps
    `queued@L<line of the enqueue>` (meta `queued`). The run ended before a prompt reached the
    conversation (a harness's probe stopped at once, a prompt typed during start-up and left): no
    user line, no answer. [] when no prompt has any text."""
    steps: list[Step] = []
    for text, ts, no in queued:
        if isinstance(text, str) and text.strip():
            parent = steps[-1].id if steps else None
            step = Step(f"queued@L{no}", len(steps), StepKind.USER, "user", text, timestamp=ts, parent=parent)
            step.meta["queued"] = True
            steps.append(step)
    return steps


def mark_relogged(steps: list[Step], first_calls: Mapping[str, Step]) -> None:
    """Mark the copies a resumed session wrote again: the same `tool_use` id on new lines.

    Resuming can re-log the earlier history under new line uuids, so one call (and its result) shows
    up twice. One copy stays the call: the one on the active path, else the first. The others get
    `meta["relogged"]` = the kept step's id and no edits, so a call is counted and patched once. The
    kept copy carries the edits its result refined (the reader refines the first call it saw).
    """
    calls: dict[str, list[Step]] = {}
    results: dict[str, list[Step]] = {}
    for step in steps:
        if step.tool_call_id is None:
            continue
        if step.kind == StepKind.TOOL_CALL:
            calls.setdefault(step.tool_call_id, []).append(step)
        elif step.kind == StepKind.TOOL_RESULT:
            results.setdefault(step.tool_call_id, []).append(step)
    for call_id, copies in calls.items():
        if len(copies) < 2:
            continue
        keep = next((s for s in copies if s.active), copies[0])
        refined = first_calls.get(call_id)
        edits = refined.edits if refined is not None else keep.edits
        for step in copies:
            if step is not keep:
                step.meta["relogged"] = keep.id
                step.edits = []
        keep.edits = edits
    for copies in results.values():
        if len(copies) < 2:
            continue
        keep = next((s for s in copies if s.active), copies[0])
        for step in copies:
            if step is not keep:
                step.meta["relogged"] = keep.id


def _holds_talk(steps: list[Step]) -> bool:
    """Whether a run Claude Code started itself holds prompts beside its own instruction (its one
    prompt): the conversation it was given, copied into its transcript."""
    return sum(1 for _ in titles.first_prompts(steps)) > 1


def _is_warmup(steps: list[Step], need_prompt: bool) -> bool:
    """Every prompt is Claude Code's cache warm-up (2.0.x wrote these beside every session, parent
    transcript or not; two runs, Explore's and Plan's, at each start), and there is one if
    `need_prompt`."""
    prompts = [s.text.strip() for s in steps if s.kind == StepKind.USER]
    return (bool(prompts) or not need_prompt) and all(p == WARMUP_PROMPT for p in prompts)


def _companion_field(companions: list[RawLog], key: str) -> str | None:
    """The first `cwd` (or `version`) a subagent transcript names: a main transcript with no line
    of its own (an empty file beside its subagents) names none, and its project and version are
    still theirs."""
    for log in companions:
        if claude_files.is_meta(log.path):
            continue
        # A line at a time, each split as `splitlines` splits: all at once, the list of every
        # line of a subagent's transcript was held beside it.
        for raw in (part for line in lines(log.data) for part in line.splitlines()):
            try:
                rec = loads_within_depth(raw)
            except orjson.JSONDecodeError:
                continue
            value = rec.get(key) if isinstance(rec, dict) else None
            if isinstance(value, str) and value:
                return value
    return None


def _read_meta(log: RawLog, errors: LineErrors) -> dict[str, Any] | None:
    try:
        value = loads_within_depth(log.data) if log.data.strip() else None
    except orjson.JSONDecodeError as exc:
        errors.append(LineError(log.path, 1, f"not valid JSON: {str(exc)[:100]}"))
        return None
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(LineError(log.path, 1, "expected a JSON object"))
        return None
    return value


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _first_agent_id(data: bytes) -> str | None:
    """The agent id the first 20 lines name. Looked for in place: data.split(b"\n", 20) made its last
    piece a copy of the rest of the log, and only a line that names one is copied to be parsed."""
    start = 0
    for _ in range(20):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if data.find(b'"agentId"', start, end) >= 0:
            try:
                rec = loads_within_depth(data[start:end])
            except orjson.JSONDecodeError:
                rec = None
            if isinstance(rec, dict) and isinstance(rec.get("agentId"), str) and rec["agentId"]:
                return rec["agentId"]
        if end >= len(data):
            break
        start = end + 1
    return None


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    config = Path(env["CLAUDE_CONFIG_DIR"]) if env.get("CLAUDE_CONFIG_DIR") else home / ".claude"
    return [config / "projects"]


AGENT = Agent(
    name=NAME,
    label="Claude Code",
    patterns=("*.jsonl", "*.meta.json"),
    folders=_folders,
    group=group,
    read=read,
    env=("CLAUDE_CONFIG_DIR",),
    resume=resume,
    folder_cwd=claude_files.in_cwd_folder,
)
