"""Gemini CLI's stage: the sessions only `logs.json` remembers, and the files several sessions
share cut apart (`split`) (format: docs/formats/gemini.md)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import LineError, LineErrors, Session, Step, StepKind
from tracetui.regular_file import open_regular
from tracetui.sources import RawLog
from tracetui.sources.common import titles
from tracetui.sources.common.coerce import as_dict, as_list, as_str, opt_str
from tracetui.sources.common.jsonl import load_document, loads_within_depth
from tracetui.sources.common.staged_files import load_state, nameable, write_atomic, write_changed
from tracetui.sources.gemini import split as gemini_split
from tracetui.sources.gemini.files import (
    MAX_LOGS,
    NAME,
    PROMPTS_FORMAT,
    PROMPTS_PREFIX,
    _is_logs,
    _is_project_root,
    _not_a_session,
    _short_id,
)
from tracetui.sources.gemini.project import _root_beside, _root_text


def stage(found: list[Path], folder: Path) -> tuple[list[Path], LineErrors]:
    """The files to sync: those found, plus a log of its own for each conversation after the first of
    a file several share (`gemini_split`), plus one prompt log per session that a `logs.json` names and
    no session file holds. The first builds (June 2025, `<project>/.gemini/logs.json`, numeric
    session ids) kept nothing else, and a chat file may be gone since; their prompts are then the
    session. Each prompt log (`<folder>/<key>/gemini-prompts-<session id>.json`) is rewritten only
    when its prompts change, so the bucket copies it again only then.

    `state.json` in `folder` keeps each `logs.json`'s size and mtime with the session ids it names,
    and each session file's with the id its head holds: a sync reads a `logs.json` again only when
    it changed (or a prompt log it should have is missing), and a session file's head only when the
    file changed. A prompt log that no longer stands for anything (its session got a chat file, its
    `logs.json` no longer names it or was deleted) is removed: the bucket keeps its own copy, so
    the session stays listed from it. A `logs.json` not found this time but still on disk (a sync
    of other folders) keeps its prompt logs."""
    problems: LineErrors = LineErrors()
    state = _stage_state(folder / STAGE_STATE)
    sessions = [p for p in found if not _is_logs(p) and not _not_a_session(p)]
    held = {_short_id(p)[:8] for p in sessions}
    # The id a file's name ends with is the agent's habit, not a promise: the id the file holds counts
    # too, or a session whose name says otherwise would be staged again from logs.json, and the
    # prompt log (one step a prompt) could stand in for the whole session under the same id.
    heads: dict[str, list[Any]] = {}
    for path in sessions:
        heads[str(path)] = _head(path, state["heads"].get(str(path)))
    held_ids = {h[2] for h in heads.values() if h[2]}

    def unheld(sid: str) -> bool:
        return not (sid[:8] in held or sid in held_ids or not sid.strip())

    out = list(found)
    # The conversations after the first of a file several share, each a log of its own.
    splittable = [p for p in sessions if nameable(p)]
    parts, split_state = gemini_split.split(splittable, folder, state["split"], problems)
    out.extend(parts)
    logs_state: dict[str, dict[str, Any]] = {}
    for logs in (p for p in found if _is_logs(p)):
        if not nameable(logs):
            continue  # the sync says the path is not UTF-8 and leaves the file alone
        entry, targets = _stage_logs(logs, folder, unheld, state["logs"].get(str(logs)), problems)
        if entry is not None:
            logs_state[str(logs)] = entry
        out.extend(targets)
    for known, entry in state["logs"].items():
        if known in logs_state:
            continue
        if os.path.lexists(known):
            logs_state[known] = entry  # not among this sync's folders: left as it is
        else:
            _remove_prompt_logs(_prompt_logs_in(folder / _logs_key(Path(known))))
    body = {
        "v": STAGE_VERSION,
        "logs": logs_state,
        "heads": {p: h for p, h in heads.items() if nameable(p)},
        "split": split_state,
    }
    try:
        if body != state["loaded"]:  # a sync with nothing new writes nothing
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / STAGE_STATE, orjson.dumps(body))
    except OSError as exc:  # the next sync reads the logs.json files again: slower, nothing lost
        problems.append(LineError(str(folder / STAGE_STATE), 0, f"cannot write: {exc}"))
    return out, problems


STAGE_STATE = "state.json"


STAGE_VERSION = 3  # 2: prompt logs carry the project root (staged again once); 3: shared files cut apart


def _stage_state(path: Path) -> dict[str, dict[str, Any]]:
    """The stage's state as the last sync left it (`loaded`), and its records (`logs`, `heads`),
    each checked: a damaged one is dropped, and its file read again."""
    state = load_state(path)
    if state.get("v") != STAGE_VERSION:
        return {"logs": {}, "heads": {}, "split": {}, "loaded": state}
    logs = {
        p: e
        for p, e in as_dict(state.get("logs")).items()
        if isinstance(e, dict)
        and _is_stamp(e.get("stat"))
        and isinstance(e.get("whole"), bool)
        and isinstance(e.get("sessions"), list)
        and all(isinstance(sid, str) for sid in e["sessions"])
    }
    heads = {
        p: h
        for p, h in as_dict(state.get("heads")).items()
        if isinstance(h, list)
        and len(h) == 3
        and _is_stamp(h[:2])
        and (h[2] is None or isinstance(h[2], str))
    }
    # (each file's record of the split is checked where it is used, `gemini_split.split`)
    return {"logs": logs, "heads": heads, "split": as_dict(state.get("split")), "loaded": state}


def _is_stamp(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    )


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns]


def _head(path: Path, known: list[Any] | None) -> list[Any]:
    """[size, mtime_ns, the id the file's head holds]: read again only when the file changed."""
    try:
        stamp = _stamp(os.stat(path))
    except OSError:
        return [-1, -1, None]
    if known is not None and known[:2] == stamp:
        return known
    return [*stamp, _held_id(path)]


def _logs_key(logs: Path) -> str:
    return hashlib.sha1(str(logs).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _stage_logs(
    logs: Path,
    folder: Path,
    unheld: Callable[[str], bool],
    old: dict[str, Any] | None,
    problems: LineErrors,
) -> tuple[dict[str, Any] | None, list[Path]]:
    """One `logs.json`'s prompt logs: its state record to keep (None: none) and the prompt logs
    that stand for a session now. The others in its folder go, unless it could not be read whole."""
    key = _logs_key(logs)
    staged = folder / key

    def target(sid: str) -> Path:
        return staged / f"{PROMPTS_PREFIX}{_safe_name(sid)}.json"

    try:
        stamp = _stamp(os.stat(logs))
    except OSError as exc:
        problems.append(LineError(str(logs), 0, f"cannot read: {exc.strerror or exc}"))
        return old, []
    if old is not None and old["stat"] == stamp:
        wanted = [target(sid) for sid in old["sessions"] if unheld(sid)]
        present = _prompt_logs_in(staged)  # one listing, not a stat a session
        if not old["whole"]:  # damaged when last read: what it staged before stays as it is
            return old, [t for t in wanted if t in present]
        if present.issuperset(wanted):
            _remove_prompt_logs(present.difference(wanted))
            return old, wanted
        # A session it names lost its chat file since (or its prompt log went): read it again.
    if stamp[0] > MAX_LOGS:
        problems.append(LineError(str(logs), 0, "too large to read; its prompts are not staged"))
        return old, []
    try:
        with open_regular(logs) as fh:
            stamp = _stamp(os.fstat(fh.fileno()))  # the file as read: a write since is seen next time
            data = fh.read(MAX_LOGS + 1)
    except (OSError, TracetuiError) as exc:
        problems.append(LineError(str(logs), 0, f"cannot read: {exc}"))
        return old, []
    if len(data) > MAX_LOGS:
        problems.append(LineError(str(logs), 0, "too large to read; its prompts are not staged"))
        return old, []
    try:
        # As read() reads it (`project`): nested past what orjson writes again, or NaN, it is still staged.
        entries, _ = load_document(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    except orjson.JSONDecodeError:
        # read() of its sessions reports it. Torn by a write, perhaps: nothing is staged from it,
        # and nothing it staged before goes.
        kept = old["sessions"] if old is not None else []
        return {"stat": stamp, "whole": False, "sessions": kept}, [
            t for t in (target(sid) for sid in kept if unheld(sid)) if t.is_file()
        ]
    by_session: dict[str, list[dict[str, Any]]] = {}
    for entry in as_list(entries):
        if isinstance(entry, dict) and isinstance(entry.get("sessionId"), (str, int)):
            by_session.setdefault(str(entry["sessionId"]), []).append(entry)
    out: list[Path] = []
    failed: list[Path] = []  # not written this time: an older copy stays
    root = _root_beside(logs)
    for sid, mine in by_session.items():
        if not unheld(sid):
            continue
        path = target(sid)
        doc: dict[str, Any] = {"format": PROMPTS_FORMAT, "v": 1, "source": str(logs), "sessionId": sid}
        if root is not None:
            doc["root"] = root
        doc["entries"] = mine
        body = orjson.dumps(doc)
        try:
            write_changed(path, body)
        except OSError as exc:
            problems.append(LineError(str(logs), 0, f"cannot stage its session {sid}: {exc}"))
            failed.append(path)
            continue
        out.append(path)
    _remove_prompt_logs(_prompt_logs_in(staged).difference(out, failed))
    # A prompt log not written is not recorded as done: the next sync reads logs.json again.
    return ({"stat": stamp, "whole": True, "sessions": list(by_session)} if not failed else old), out


def _prompt_logs_in(staged: Path) -> set[Path]:
    try:
        return {p for p in staged.iterdir() if p.name.startswith(PROMPTS_PREFIX) and p.suffix == ".json"}
    except OSError:  # not made yet
        return set()


def _remove_prompt_logs(paths: Iterable[Path]) -> None:
    """Prompt logs that stand for no session any more (the bucket keeps its copies)."""
    folders = set()
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
        folders.add(path.parent)
    for folder in folders:
        with contextlib.suppress(OSError):  # kept while it holds anything
            folder.rmdir()


_HELD_ID = re.compile(rb'"sessionId"\s*:\s*("(?:[^"\\]|\\.)*")')


def _held_id(path: Path) -> str | None:
    """The session id a session file holds, from its head (the first key of v1's document and of
    v2's first line); None when it cannot be read there."""
    try:
        with open_regular(path) as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    found = _HELD_ID.search(head)
    if found is None:
        return None
    try:
        value = loads_within_depth(found.group(1))
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, str) else None


def _safe_name(sid: str) -> str:
    """A file name part for a session id: the id itself where it is made of safe characters and short,
    else its safe characters' start and a hash after a `~` (which no id kept as it is holds): ids
    that read alike once made safe (`a/b`, `a:b`, `a_b`, two long ones sharing their first 100
    characters) each kept one prompt log, the last written, and lost the others' sessions."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", sid)
    if safe == sid and len(sid) <= 100:
        return sid
    return f"{safe[:60]}~{hashlib.sha256(sid.encode('utf-8', 'surrogatepass')).hexdigest()[:20]}"


MAX_PLUSES = 64


def _repeated(base: str, k: int) -> str:
    """The name of the k-th repeat of a prompt's id: k `+`s, then a count past MAX_PLUSES."""
    return base + "+" * k if k <= MAX_PLUSES else f"{base}{'+' * MAX_PLUSES}{k}"


def _read_prompts(main: RawLog) -> Session:
    """A session known only from `logs.json`: its prompts, in order, as USER steps."""
    errors: LineErrors = LineErrors()
    session = Session(id="", agent=NAME, source=main.path, files=[main.path], errors=errors)
    session.version = "gemini-logs"
    try:
        doc = loads_within_depth(main.data)
    except orjson.JSONDecodeError as exc:
        errors.append(LineError(main.path, 1, f"not a valid JSON document: {str(exc)[:120]}"))
        return session
    doc = as_dict(doc)
    session.id = as_str(doc.get("sessionId")) or Path(main.path).stem[len(PROMPTS_PREFIX) :]
    source = Path(as_str(doc.get("source")).replace("\\", "/"))
    if source.parent.name == ".gemini":  # the first builds wrote <project>/.gemini/logs.json
        session.cwd = str(source.parent.parent)
    else:  # a short-slug folder's `.project_root`, as staged
        session.cwd = _root_text(as_str(doc.get("root")).encode("utf-8", "surrogatepass"))
    steps: list[Step] = []
    seen: set[str] = set()
    repeats: dict[str, int] = {}  # a repeated id -> the `+`s its next repeat tries first
    for n, entry in enumerate(e for e in as_list(doc.get("entries")) if isinstance(e, dict)):
        number = entry.get("messageId")
        counted = isinstance(number, int) and not isinstance(number, bool)
        base = sid = f"prompt:{number}" if counted else f"prompt#{n}"
        if sid in seen:
            # From where the last repeat stopped: from none each time, 8,000 prompts of one id took
            # 30 s. Past MAX_PLUSES a count follows: the names grew a character a repeat.
            k = repeats.get(base, 1)
            while (sid := _repeated(base, k)) in seen:
                k += 1
            repeats[base] = k + 1
        seen.add(sid)
        text = as_str(entry.get("message"))
        steps.append(Step(sid, len(steps), StepKind.USER, "user", text, opt_str(entry.get("timestamp"))))
    for prev, step in zip(steps, steps[1:], strict=False):
        step.parent = prev.id
    session.steps = steps
    stamps = sorted(s.timestamp for s in steps if s.timestamp)
    session.started, session.ended = (stamps[0], stamps[-1]) if stamps else (None, None)
    session.title = titles.session_title((), steps)
    session.hidden = titles.why_hidden(session.steps, session.tokens)
    if session.hidden is None and steps and all(s.text.lstrip().startswith("/") for s in steps):
        # A prompt log of slash commands only (/mcp list, /quit): the CLI was opened and closed, no
        # model was asked anything. Listed with --all, as an empty session is.
        session.hidden = titles.HIDDEN_COMMANDS
    return session


_UUID_TAIL = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[0-9a-fA-F]{8}")


def restage(path: Path, folder: Path) -> bool:
    """Whether a changed session file the bucket already holds must go through the stage again: one
    the stage cut apart, or one whose name ends with a fixed id (`a2a-serv`), which the sessions its
    writer starts within a minute share, so its new lines may open another. A name ending with a
    UUID's start (or a subagent's whole UUID) is one session's."""
    if (folder / gemini_split.SPLIT / gemini_split.part_key(path)).is_dir():
        return True
    if _is_logs(path) or _is_project_root(path) or _not_a_session(path) or gemini_split.is_part(path):
        return False
    return _UUID_TAIL.fullmatch(_short_id(path)) is None
