"""What a blame prints of the logs (a step's prompt, the path it gave, its ids), scrubbed as an export
scrubs it: a prompt by its session's plan, then every such string through the second gate under the
session's identity (the environment's and the homes the session shows), a sure finding a placeholder
of its kind. Each session's answers are remembered in the bucket's cache, keyed by the session's
content, its plan file, the detectors and the user's identity: a blame that prints a string again
reads no session and loads no detector. The forked child that indexes a fresh bucket's sessions
answers them too (`AnswersAhead`), so that bucket's first blame finds them kept.

More in docs/internals/blame.md, `blame/log_gate.py`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tracetui.blame.index import PatchRow, row_posting
from tracetui.blame.results import log_members, session_log_members
from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.redact.detect import DETECTORS_VERSION, scan_text
from tracetui.redact.finding import AUTO, GATE_OUT_OF_TIME
from tracetui.redact.identity import Identity
from tracetui.redact.plan import plan_store
from tracetui.redact.reviewed import detectors_code, user_key
from tracetui.redact.scan import gate_scan, session_identity
from tracetui.redact.value_map import (
    ValueMap,
    inert,
    is_gate_placeholder,
    json_strings,
    new_placeholders,
    planned_values,
)
from tracetui.regular_file import keep_cache, kept_cache, sweep_temp_files

PROMPT_MEMBERS = frozenset({"prompt", "prompts"})  # scrubbed by the plan before the gate
_FORMAT = "tracetui.log-gate/1"
Span = tuple[int, int, str]


@dataclass(slots=True)
class Answer:
    """What one string of a session needs: the plan's spans of it (start, end, placeholder) and the
    gate's sure findings (start, end, kind) in the string the plan's spans leave."""

    plan: list[Span]
    sure: list[Span]

    def planned(self, text: str) -> str:
        out, at = [], 0
        for start, end, placeholder in self.plan:
            out += [text[at:start], placeholder]
            at = end
        return "".join(out) + text[at:] if out else text


@dataclass(slots=True)
class _Context:
    """A session read for the strings not remembered: its plan's value map and its identity."""

    plan: ValueMap | None
    identity: Identity


@dataclass(slots=True)
class _SessionGate:
    """One session's answers: remembered (`known`, by keyed digest), or made from the session read once."""

    library: Any
    session: str
    env: Identity
    path: Path | None  # where its answers are kept; None: nothing kept
    salt: str
    key: bytes
    known: dict[str, list[list[Any]]] = field(default_factory=dict)
    changed: bool = False
    answered: dict[tuple[bool, str], Answer] = field(default_factory=dict)  # this blame's, timed out too
    _context: _Context | None = None
    # Where the line index answers ahead (`AnswersAhead`): the session it read, and its patches' rows'
    # strings, so that neither is read again.
    held: Session | None = None
    members: list[dict[str, Any]] | None = None

    def answer(self, text: str, prompt: bool) -> Answer:
        answer = self.answered.get((prompt, text))
        if answer is None:
            answer = self.answered[prompt, text] = self._answer(text, prompt)
        return answer

    def _answer(self, text: str, prompt: bool) -> Answer:
        digest = hmac.new(self.key, (("p" if prompt else "g") + text).encode("utf-8", "surrogatepass"),
                          hashlib.blake2b).hexdigest()[:32]  # fmt: skip
        row = self.known.get(digest)
        if row is not None:
            return Answer([(a, b, c) for a, b, c in row[0]], [(a, b, c) for a, b, c in row[1]])
        context = self.context()
        answer = Answer(context.plan.spans(text) if prompt and context.plan is not None else [], [])
        planned = answer.planned(text)
        timed_out = False
        if not inert(planned):
            for f in gate_scan(planned, context.identity, scan_text):
                timed_out |= f.detector == GATE_OUT_OF_TIME  # a slow moment is not the text's answer
                if f.tier == AUTO and not is_gate_placeholder(planned[f.start : f.end]):
                    answer.sure.append((f.start, f.end, f.kind))
        if not timed_out:
            self.known[digest] = [[list(s) for s in answer.plan], [list(s) for s in answer.sure]]
            self.changed = True
        return answer

    def context(self) -> _Context:
        if self._context is None:
            self._context = _read(self.library, self.session, self.env, self.held)
            if self.path is not None:
                # Read once: every string the session's patches may print, answered now, so a blame
                # of another of its files, or of a commit, reads it no more (a few ms of scans each).
                rows = self.members if self.members is not None else session_log_members(self.library, self.session)
                for members in rows:
                    for name, value in members.items():
                        if isinstance(value, str) and value:
                            self.answer(value, name in PROMPT_MEMBERS)
        return self._context

    def save(self) -> None:
        if self.path is not None and self.changed:
            keep_cache(self.path, orjson.dumps({"format": _FORMAT, "salt": self.salt, "texts": self.known}))


def _read(library: Any, sid: str, env: Identity, held: Session | None = None) -> _Context:
    try:
        session = held if held is not None else library.session(sid)
    except TracetuiError:  # a session gone from the bucket since the blame: the environment's identity
        return _Context(None, env)
    plan = plan_store(library).load(sid) if library.plans_dir is not None else None
    values = planned_values(session, plan, accept_suggested=True) if plan is not None else {}
    return _Context(ValueMap(values) if values else None, session_identity(session, env))


def logs_gated(doc: Any, library: Any, only: frozenset[str], gates: _Gates | None = None) -> Any:
    """`doc` (a blame's JSON document) with the strings of its members named by `only` (the log's:
    `blame.LOG_MEMBERS`) scrubbed: each member of a dict that names its `session` by that session's
    plan (a prompt: `PROMPT_MEMBERS`) and identity, any other by the environment's. A suggestion still
    undecided is scrubbed too (an export would refuse until it is decided; blame cannot ask). The gate's
    placeholders are numbered over the whole document, a value one placeholder everywhere in it.
    `gates`: the sessions' gates as made already for this library (`AnswersAhead.gates`)."""
    gates = _Gates(library) if gates is None else gates
    try:
        order: dict[str, str] = {}  # each value the gate found -> its kind, in the document's order
        read = set()
        for sid, name, text in _log_strings(doc, only, None):
            asked = (sid, name in PROMPT_MEMBERS, text)
            if asked in read:
                continue  # a session's prompt beside each of the 900 lines it wrote
            read.add(asked)
            answer = gates.get(sid).answer(text, asked[1])
            planned = answer.planned(text)
            for start, end, kind in answer.sure:
                order.setdefault(planned[start:end], kind)
    finally:
        gates.save()
    found = new_placeholders([(kind, value) for value, kind in order.items()], [])
    gate = ValueMap(found) if found else None
    done: dict[tuple[str | None, bool, str], str] = {}

    def scrubbed(sid: str | None, name: str, value: str) -> str:
        prompt = name in PROMPT_MEMBERS
        out = done.get((sid, prompt, value))
        if out is None:
            out = gates.get(sid).answer(value, prompt).planned(value)
            done[sid, prompt, value] = out = gate.text(out) if gate is not None else out
        return out

    return _rebuilt(doc, only, None, scrubbed)


class _Gates:
    """One `_SessionGate` per session, and one (nothing kept) for strings no session names."""

    def __init__(self, library: Any) -> None:
        self.library = library
        self.by_session: dict[str | None, _SessionGate] = {}
        self.env = Identity.from_environment()
        cache = getattr(library, "cache_dir", None)
        self.key = user_key() if cache is not None and hasattr(library, "content_keys") else None
        self.root = Path(cache) / "blame" / "gate" if cache is not None and self.key is not None else None
        self.common = f"{_FORMAT}:{DETECTORS_VERSION}:{detectors_code()}:{self.env.fingerprint()}"

    def get(self, sid: str | None) -> _SessionGate:
        gate = self.by_session.get(sid)
        if gate is None:
            gate = self.by_session[sid] = self._made(sid)
        return gate

    def _made(self, sid: str | None) -> _SessionGate:
        # A gate that keeps nothing needs no key: its digests never leave this process.
        if sid is None:
            return _SessionGate(self.library, "", self.env, None, "", b"k", _context=_Context(None, self.env))
        if self.root is None or self.key is None:
            return _SessionGate(self.library, sid, self.env, None, "", b"k")
        content = self.library.content_keys([sid]).get(sid)
        if content is None:  # not in the bucket: read (and fail to read) as ever, nothing kept
            return _SessionGate(self.library, sid, self.env, None, "", self.key)
        plan = plan_store(self.library).file_digest(sid) if self.library.plans_dir is not None else None
        salt = f"{self.common}:{content}:{plan}"
        name = hashlib.sha256(sid.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        path = self.root / f"{name}.json"
        kept = kept_cache(path, _FORMAT)
        fresh = kept is not None and kept.get("salt") == salt and _rows_ok(kept.get("texts"))
        known = kept["texts"] if kept is not None and fresh else {}
        return _SessionGate(self.library, sid, self.env, path, salt, self.key, known)

    def save(self) -> None:
        saved = False
        for gate in self.by_session.values():
            saved |= gate.path is not None and gate.changed
            gate.save()
        if saved and self.root is not None:
            sweep_temp_files(self.root)  # a memo's writer killed before its rename (a forked child's)


class AnswersAhead:
    """The gate's answers for the sessions a forked child indexes (`index_apart`), made there from the
    sessions read and their patches' rows and kept as a blame keeps them: the blame's own gate then
    reads no session and loads no detector. Made before the fork, it takes what needs the bucket (each
    session's salt and kept answers): the child asks the bucket nothing. Nothing it meets stops the
    index; an answer it does not keep is the blame's own to make, as before."""

    def __init__(self, library: Any, sids: Iterable[str]) -> None:
        self._gates: _Gates | None = None
        try:
            gates = _Gates(library)
            if gates.root is not None:
                self._gates = gates
                self.prepare(sids)
        except Exception:  # noqa: BLE001 - see the class
            self._gates = None

    def prepare(self, sids: Iterable[str]) -> None:
        """More sessions' salts and kept answers taken (before a fork: the child asks no bucket)."""
        if self._gates is not None:
            for sid in sids:
                self._gates.get(sid)

    def __call__(self, sid: str, session: Session | None, rows: list[PatchRow]) -> None:
        """The session's strings answered and kept (`session`, as read for the index; `rows`, its
        patches' as `index.patch_rows` made them)."""
        self.answer(sid, session, lambda: [log_members(row_posting(row)) for row in rows])

    @property
    def gates(self) -> _Gates | None:
        """The sessions' gates as made here, their memos read: what `logs_gated` makes again else."""
        return self._gates

    def unknown(self, sid: str) -> bool:
        """Whether the session's gate keeps its answers and remembers none of them yet (a memo absent,
        or salted otherwise: the detectors, the identity, the session or its plan changed)."""
        gate = self._gates.by_session.get(sid) if self._gates is not None else None
        return gate is not None and gate.path is not None and not gate.known

    def answer(self, sid: str, session: Session | None, members: Callable[[], list[dict[str, Any]]]) -> None:
        """The session's strings answered and kept: `members`, what each of its patches may print
        (`results.log_members`), asked here only where there is something to answer."""
        gate = self._gates.by_session.pop(sid, None) if self._gates is not None else None
        if gate is None or gate.path is None or session is None:
            return
        try:
            gate.held, gate.members = session, members()
            if not gate.members:
                return
            for row in gate.members:
                for name, value in row.items():
                    if isinstance(value, str) and value:
                        gate.answer(value, name in PROMPT_MEMBERS)
            gate.save()
        except Exception:  # noqa: BLE001 - see the class
            pass


def _rows_ok(texts: Any) -> bool:
    def spans(rows: Any) -> bool:
        return isinstance(rows, list) and all(
            isinstance(r, list) and len(r) == 3 and isinstance(r[0], int) and isinstance(r[1], int)
            and 0 <= r[0] <= r[1] and isinstance(r[2], str) for r in rows
        )  # fmt: skip

    return isinstance(texts, dict) and all(
        isinstance(v, list) and len(v) == 2 and spans(v[0]) and spans(v[1]) for v in texts.values()
    )


def _log_strings(obj: Any, only: frozenset[str], sid: str | None) -> Iterator[tuple[str | None, str, str]]:
    """(session, member, string) for every string of `obj`'s members named by `only`, in the order
    the gate reads them; a member's session is the one its dict names."""
    if isinstance(obj, dict):
        here = obj.get("session") if isinstance(obj.get("session"), str) else sid
        for k, v in obj.items():
            if k in only:
                if isinstance(v, str):
                    if v:
                        yield here, k, v
                elif v is not None:
                    for text in json_strings(v):
                        yield here, k, text
            elif isinstance(v, (dict, list)):
                yield from _log_strings(v, only, here)
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, (dict, list)):
                yield from _log_strings(v, only, sid)


def _rebuilt(obj: Any, only: frozenset[str], sid: str | None, text: Any) -> Any:
    """`obj` with each string of its members named by `only` replaced by `text(session, member,
    string)`; a dict or list nothing of which changed is `obj`'s own (4,442 rows of a file, most of
    them unchanged, were rebuilt for 0.02 s)."""
    if isinstance(obj, list):
        items = [_rebuilt(v, only, sid, text) if isinstance(v, (dict, list)) else v for v in obj]
        return obj if all(a is b for a, b in zip(items, obj)) else items
    if not isinstance(obj, dict):
        return obj
    here = obj.get("session") if isinstance(obj.get("session"), str) else sid
    changed: dict[Any, Any] = {}
    for k, v in obj.items():
        if k in only:
            new = _member(v, k, here, text)
        elif isinstance(v, (dict, list)):
            new = _rebuilt(v, only, here, text)
        else:
            continue
        if new is not v:
            changed[k] = new
    return {**obj, **changed} if changed else obj


def _member(value: Any, name: str, sid: str | None, text: Any) -> Any:
    if isinstance(value, str):
        out = text(sid, name, value) if value else value
        return value if out == value else out
    if isinstance(value, dict):
        return {(_member(k, name, sid, text) if isinstance(k, str) else k): _member(v, name, sid, text)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, (list, tuple)):
        return [_member(v, name, sid, text) for v in value]
    return value
