"""Opening a capsule someone else sealed: verified in memory, then served read-only.

`open_capsule` checks everything before it hands out anything: the container's shape and bounds
(archive.read_archive), the manifest's form, that the members present are exactly the members
listed, each member's size and sha256, and that every record is canonical JSON of the expected
shape. Only then does it build the `OpenedCapsule`, which answers the same read calls as the
bucket (list_sessions, session, search...) so the app can browse a capsule like a one-session
bucket. Text stays as sealed; whoever puts it on a terminal passes it through `safe_text`.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tracetui.bucket import ListHead, SearchHit
from tracetui.capsule import manifest as mf
from tracetui.capsule.schema import check_fate, check_manifest, depth, step_problem, subagent_ok, tokens_ok
from tracetui.regular_file import NotRegularFile, open_regular

# Contexts are stored as deltas, so their entries grow with the episode, not its square; a capsule
# listing more than this is built to exhaust memory.
MAX_CONTEXT_REFS = 4_000_000
# What opening may cost is bounded by what a stranger controls, not by the file's size (a 310 KB file
# of 50,000 one-line patches took 143 MB to open): the values parsed and kept, and the patches, each
# kept as its bytes and parsed again whenever replay, bisect or the trail pane reads it.
# docs/internals/capsule.md, "What opening may cost", has the figures behind each.
MAX_VALUES = 2_000_000
MAX_PATCHES = 100_000
TRACE_DEPTH = 64  # a tool input nested deeper than this is an attack on the code that shows it
from tracetui.capsule.archive import DEFAULT_LIMITS, CapsuleError, Limits, read_archive
from tracetui.capsule.signing import SignatureCheck, check
from tracetui.capsule.trail_records import TrailRecords
from tracetui.errors import NotFound, TracetuiError
from tracetui.library import MemoryLibrary, RecordedTrail
from tracetui.model import (EVERY, Session, SessionFilter, SessionSummary, Spent, Step, StepKind, Subagent,
                            Tokens)
from tracetui.preview_head import HeadFacts


@dataclass(slots=True)
class MemberInfo:
    name: str
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@dataclass(slots=True)
class OpenedCapsule:
    path: Path
    capsule_id: str
    manifest: dict[str, Any]
    members: list[MemberInfo]
    signature: bytes | None
    readme: str
    _session: Session
    # trail.jsonl: patches + states at sealing, parsed as read (a list where a test builds one by hand)
    fates: Sequence[dict[str, Any]] = field(default_factory=TrailRecords)
    _ctx: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ctx_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    _manifest_bytes: bytes = b""
    read_only: bool = True
    kind: str = "capsule"
    # A capsule keeps no redaction plans or caches and has no bucket folder (tracetui.library).
    root: Path | None = None
    plans_dir: Path | None = None
    cache_dir: Path | None = None
    notices: list[str] = field(default_factory=list)
    _library: MemoryLibrary = field(init=False, repr=False)

    # -- what the capsule says about itself -------------------------------------------------

    @property
    def receipt(self) -> list[dict[str, Any]]:
        return list(self.manifest.get("receipt") or [])

    @property
    def repo(self) -> dict[str, Any]:
        return dict(self.manifest.get("repo") or {})

    @property
    def base(self) -> str | None:
        return self.repo.get("base")

    @property
    def steps(self) -> list[Step]:
        return self._session.steps

    def context(self, step_id: str) -> dict[str, Any]:
        """The context recorded at sealing for one step: {"step", "tokens", "compacted", "items"},
        items as `Context.to_dict()` gives them (step, index, kind, role, tool, text, tokens)."""
        record = self._ctx.get(step_id)
        if record is None:
            raise NotFound(f"the capsule has no recorded context for step {step_id}")
        parts: list[list[str]] = []
        current: dict[str, Any] | None = record
        while current is not None:
            parts.append(current["items"])
            current = self._ctx.get(current["from"]) if current["from"] else None
        by_id = {s.id: s for s in self._session.steps}
        items = []
        for part in reversed(parts):
            for ref in part:
                step = by_id.get(ref)
                if step is not None:
                    items.append(_item(step))
                else:
                    items.append(dict(self._ctx_items.get(ref) or {"step": ref, "text": "", "tokens": 0}))
        return {"step": step_id, "tokens": record["tokens"], "compacted": record["compacted"], "items": items}

    def check_signature(
        self, allowed_signers: Path | None = None, identity: str | None = None
    ) -> SignatureCheck:
        return check(self._manifest_bytes, self.signature, allowed_signers, identity)

    # -- the bucket's read side: a one-session library -------------------------------------

    def __post_init__(self) -> None:
        self._library = MemoryLibrary([self._session])

    # A capsule's one session is what was opened, so it is listed whatever its `hidden` says.
    def list_sessions(
        self, where: SessionFilter = EVERY, *, limit: int | None = None, offset: int = 0, order: str = "date"
    ) -> list[SessionSummary]:
        return self._library.list_sessions(_with_hidden(where), limit=limit, offset=offset, order=order)

    def count_sessions(self, where: SessionFilter = EVERY) -> int:
        return self._library.count_sessions(_with_hidden(where))

    def spent(self, where: SessionFilter = EVERY) -> Spent:
        return self._library.spent(_with_hidden(where))

    def first_sessions(self, where: SessionFilter = EVERY, *, limit: int = 50, order: str = "date") -> ListHead:
        return self._library.first_sessions(_with_hidden(where), limit=limit, order=order)

    def projects(self) -> list[str]:
        return self._library.projects()

    def stopping(self, stop: Callable[[], bool]) -> AbstractContextManager[None]:
        return self._library.stopping(stop)

    def version(self) -> int | None:
        return None  # a capsule never changes

    def recorded_trail(self, session_id: str) -> RecordedTrail | None:
        return RecordedTrail(self.fates, "as sealed in the capsule")

    def loading(self) -> str | None:
        return None  # read whole (and verified) before it opens

    def is_whole(self) -> bool:
        return True

    def summary(self, id_or_prefix: str) -> SessionSummary:
        return self._library.summary(id_or_prefix)

    def remove(self, id_or_prefix: str) -> object:
        raise TracetuiError("a capsule is read-only: its session cannot be removed")

    def agents(self) -> list[str]:
        return self._library.agents()

    def resolve(self, id_or_prefix: str) -> str:
        return self._library.resolve(id_or_prefix)

    def session(self, id_or_prefix: str) -> Session:
        return self._library.session(id_or_prefix)

    def session_head(self, id_or_prefix: str, steps: int) -> Session:
        return self._library.session_head(id_or_prefix, steps)

    def session_preview(self, id_or_prefix: str, steps: int) -> tuple[Session, HeadFacts | None]:
        return self._library.session_preview(id_or_prefix, steps)

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        return self._library.search(query, limit)

    def close(self) -> None:
        pass


def _with_hidden(where: SessionFilter) -> SessionFilter:
    return replace(where, include_hidden=True)


def open_capsule(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> OpenedCapsule:
    """Read and verify a capsule in memory; raises CapsuleError (a TracetuiError) naming any problem."""
    path = Path(path)
    members = read_archive(_read_file(path, limits), mf.ALLOWED, limits)  # the file's bytes go once read
    if mf.MANIFEST not in members:
        raise CapsuleError(f"the capsule has no {mf.MANIFEST}")
    manifest_bytes = members[mf.MANIFEST]
    manifest = mf.parse_manifest(manifest_bytes)
    check_manifest(manifest)
    listed = manifest["members"]
    infos: list[MemberInfo] = []
    for name in mf.PAYLOAD:
        if name not in listed:
            raise CapsuleError(f"{mf.MANIFEST} does not list member {name}")
        if name not in members:
            raise CapsuleError(f"member {name} is listed in {mf.MANIFEST} but missing from the capsule")
        content = members[name]
        entry = listed[name]
        if len(content) != entry["size"]:
            raise CapsuleError(f"member {name} is {len(content)} bytes, the manifest says {entry['size']}")
        actual = mf.digest(content)
        if actual != entry["sha256"]:
            raise CapsuleError(f"member {name} does not match its sha256 in the manifest (altered)")
        infos.append(MemberInfo(name, len(content), actual))
    extra = sorted(set(members) - set(mf.PAYLOAD) - {mf.MANIFEST, mf.SIGNATURE})
    if extra:  # unreachable with today's allow-list, kept so widening it cannot skip the check
        raise CapsuleError(f"member {extra[0]} is not listed in {mf.MANIFEST}")

    # Parsed JSON costs memory per value, not per byte: a capsule of tiny values (a list of a million
    # one-letter ids) would take gigabytes. Commas and colons bound the count before anything parses.
    # The trace and the contexts stay parsed; the trail stays bytes (`_trail`), one record parsed at a time.
    _values_fit(members)
    steps = [_step(r, i) for i, r in enumerate(mf.parse_lines(members.pop(mf.TRACE), mf.TRACE), 1)]
    ctx_records = mf.parse_lines(members.pop(mf.CTX), mf.CTX)
    fates = _trail(members.pop(mf.TRAIL))
    try:
        readme = members[mf.README].decode("utf-8")
    except UnicodeDecodeError:
        raise CapsuleError(f"member {mf.README} is not UTF-8 text") from None
    session = _session(manifest, steps, path)
    ctx, ctx_items = _ctx(ctx_records)
    return OpenedCapsule(
        path=path,
        capsule_id=mf.capsule_id(manifest_bytes),
        manifest=manifest,
        members=infos,
        signature=members.get(mf.SIGNATURE),
        readme=readme,
        _session=session,
        fates=fates,
        _ctx=ctx,
        _ctx_items=ctx_items,
        _manifest_bytes=manifest_bytes,
    )


def _values_fit(members: dict[str, bytes]) -> None:
    values = sum(members[m].count(b",") + members[m].count(b":") for m in (mf.TRACE, mf.CTX))
    if values > MAX_VALUES:
        raise CapsuleError(f"the capsule's trace and contexts hold over {MAX_VALUES} JSON values, "
                           "the limit a capsule may carry")  # fmt: skip


def check_carried(members: dict[str, bytes], limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise CapsuleError where `members` (a capsule being sealed) pass a limit `open_capsule` holds a
    capsule to: what a seal writes, any reader opens."""
    total = 0
    for name, data in members.items():
        if len(data) > limits.max_member:
            raise CapsuleError(f"member {name} would be {len(data):,} bytes, over the "
                               f"{limits.max_member:,}-byte limit")  # fmt: skip
        total += len(data) + 1024  # its tar header and padding, at most
    if total > limits.max_total:
        raise CapsuleError(f"the capsule would inflate to {total:,} bytes, over the "
                           f"{limits.max_total:,}-byte limit")  # fmt: skip
    _values_fit(members)
    if members[mf.TRAIL].count(b"\n") > MAX_PATCHES:
        raise CapsuleError(f"member {mf.TRAIL} would hold over {MAX_PATCHES} patches, the limit a capsule "
                           "may carry")  # fmt: skip
    for name in (mf.TRACE, mf.CTX, mf.TRAIL):
        for _ in mf.lines(members[name], name):  # each record's size and values
            pass


def _trail(data: bytes) -> TrailRecords:
    """trail.jsonl checked record by record and kept as its bytes: no parsed record outlives its check."""
    ends = array("Q")
    steps: list[str] = []
    for number, line, end in mf.lines(data, mf.TRAIL):
        if number > MAX_PATCHES:
            raise CapsuleError(
                f"member {mf.TRAIL} holds over {MAX_PATCHES} patches, the limit a capsule may carry"
            )
        record = mf.parse_record(line, mf.TRAIL, number)
        check_fate(record, f"member {mf.TRAIL} line {number}")
        ends.append(end)
        steps.append(record["step"])
    return TrailRecords(data, ends, steps)


def _read_file(path: Path, limits: Limits) -> bytes:
    try:
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_file:
                raise CapsuleError(f"{path.name} is {size} bytes, over the {limits.max_file}-byte capsule limit")
            # What fstat says, not the limit: read(limit) sets aside the limit's 512 MB before reading.
            return fh.read(size + 1)
    except NotRegularFile as exc:
        raise CapsuleError(str(exc)) from None
    except FileNotFoundError:
        raise NotFound(f"capsule file {path} does not exist") from None
    except IsADirectoryError:
        raise CapsuleError(f"{path} is a directory, not a capsule") from None
    except OSError as exc:
        raise CapsuleError(f"cannot read {path}: {exc.strerror}") from None


_STR_OR_NONE = ("timestamp", "tool", "tool_call_id", "parent", "subagent", "model", "cwd")


def _step(record: dict[str, Any], line: int) -> Step:
    where = f"member {mf.TRACE} line {line}"
    if depth(record, TRACE_DEPTH) > TRACE_DEPTH:
        raise CapsuleError(f"{where} is nested too deeply")
    if not isinstance(record.get("id"), str) or not isinstance(record.get("index"), int):
        raise CapsuleError(f"{where} has no step id or index")
    if record.get("kind") not in StepKind.ALL:
        raise CapsuleError(f"{where} has an unknown step kind")
    if not isinstance(record.get("role"), str) or not isinstance(record.get("text", ""), str):
        raise CapsuleError(f"{where} has a malformed role or text")
    for key in _STR_OR_NONE:
        if not isinstance(record.get(key), (str, type(None))):
            raise CapsuleError(f"{where} has a malformed {key}")
    if not tokens_ok(record.get("tokens")):
        raise CapsuleError(f"{where} has malformed tokens")
    try:
        step = Step.from_dict(record)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CapsuleError(f"{where} is not a valid step") from None
    problem = step_problem(step)
    if problem is not None:
        raise CapsuleError(f"{where} has a malformed {problem}")
    return step


def _session(manifest: dict[str, Any], steps: list[Step], path: Path) -> Session:
    head = manifest.get("session")
    if (
        not isinstance(head, dict)
        or not isinstance(head.get("id"), str)
        or not isinstance(head.get("agent"), str)
    ):
        raise CapsuleError(f"{mf.MANIFEST} does not describe its session")
    for key in ("cwd", "title", "started", "ended", "version"):
        if not isinstance(head.get(key), (str, type(None))):
            raise CapsuleError(f"{mf.MANIFEST} has a malformed session {key}")
    if not tokens_ok(head.get("tokens")):
        raise CapsuleError(f"{mf.MANIFEST} has malformed session tokens")
    try:
        tokens = Tokens.from_dict(head.get("tokens"))
        subagents = [Subagent.from_dict(a) for a in head.get("subagents") or ()]
        models = [str(m) for m in head.get("models") or ()]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CapsuleError(f"{mf.MANIFEST} has a malformed session description") from None
    if not all(subagent_ok(a) for a in subagents):
        raise CapsuleError(f"{mf.MANIFEST} has a malformed subagent")
    if _an_episode(manifest):
        tokens = _episode_tokens(steps)
    return Session(
        id=head["id"],
        agent=head["agent"],
        source=str(path),
        cwd=head.get("cwd"),
        title=head.get("title"),
        started=head.get("started"),
        ended=head.get("ended"),
        version=head.get("version"),
        models=models,
        tokens=tokens,
        steps=steps,
        subagents=subagents,
        files=[str(path)],
    )


def _an_episode(manifest: dict[str, Any]) -> bool:
    """Whether the capsule holds a range of its session's steps, not all of them."""
    steps = manifest.get("steps")
    if not isinstance(steps, dict):
        return False
    count, of = steps.get("count"), steps.get("of")
    return isinstance(count, int) and isinstance(of, int) and count < of


def _episode_tokens(steps: list[Step]) -> Tokens:
    """What the episode's own requests used: the manifest's session tokens are the whole session's.
    A fork's copies are left out, as everywhere (the parent paid for them)."""
    total = Tokens()
    for step in steps:
        if step.tokens is not None and not step.copied:
            total.add(step.tokens)
    return total


def _ctx(records: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """ctx.jsonl checked: carried items, and contexts whose `from` names an earlier context."""
    contexts: dict[str, dict[str, Any]] = {}
    items: dict[str, dict[str, Any]] = {}
    refs_total = 0
    for number, record in enumerate(records, 1):
        where = f"member {mf.CTX} line {number}"
        if "item" in record:
            item = record["item"]
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("step"), str)
                or not isinstance(item.get("text"), str)
            ):
                raise CapsuleError(f"{where} has a malformed item")
            items[item["step"]] = item
            continue
        step, refs, base = record.get("step"), record.get("items"), record.get("from")
        if (
            not isinstance(step, str)
            or not isinstance(refs, list)
            or not all(isinstance(r, str) for r in refs)
        ):
            raise CapsuleError(f"{where} has a malformed context")
        refs_total += len(refs)
        if refs_total > MAX_CONTEXT_REFS:
            raise CapsuleError(f"member {mf.CTX} lists more than {MAX_CONTEXT_REFS} context entries")
        if base is not None and (not isinstance(base, str) or base not in contexts):
            raise CapsuleError(f"{where} refers to a context that does not come before it")
        if not isinstance(record.get("tokens"), int) or not isinstance(record.get("compacted"), bool):
            raise CapsuleError(f"{where} has a malformed context")
        contexts[step] = record
    return contexts, items


def _item(step: Step) -> dict[str, Any]:
    from tracetui.ctx import estimate_tokens

    return {
        "step": step.id,
        "index": step.index,
        "kind": step.kind,
        "role": step.role,
        "tool": step.tool,
        "text": step.text,
        "tokens": estimate_tokens(step),
    }
