"""Sealing an episode (a session, or a range of its steps) into a capsule.

More in docs/internals/capsule.md, `capsule/seal.py`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tracetui import __version__
from tracetui.capsule import manifest as mf
from tracetui.capsule import scrub
from tracetui.capsule.archive import GZIP_PREFIX, CapsuleError, write_archive
from tracetui.capsule.gate_memo import GateMemo
from tracetui.capsule.gitcmd import (
    commit_before,
    is_commit_id,
    remote_url,
    repo_root,
    resolve_commit,
    strip_credentials,
)
from tracetui.capsule.keys import episode_key
from tracetui.capsule.opened import TRACE_DEPTH, check_carried
from tracetui.capsule.schema import flattened
from tracetui.capsule.scope import SealRefused, in_scope, seal_scope
from tracetui.capsule.signing import sign
from tracetui.ctx import ContextIndex
from tracetui.errors import TracetuiError
from tracetui.model import Session, Step
from tracetui.redact import (
    AUTO,
    AUTO_D,
    Plan,
    PlanSpan,
    PlanStore,
    PlanValue,
    build_plan,
    iter_fields,
    session_identity,
)
from tracetui.redact.plan import ACCEPTED, GATE, REJECTED, assign_placeholders, field_key, text_hash


@dataclass(slots=True)
class SealResult:
    capsule_id: str
    data: bytes
    path: Path | None
    manifest: dict[str, Any]
    steps: int
    patches: int
    receipt: list[dict[str, Any]] = field(default_factory=list)
    signed: bool = False
    gate_added: int = 0  # sure spans the second gate added to the plan (scrubbed; `scan` lists them)

    def to_dict(self) -> dict[str, Any]:
        return {
            "capsule": self.capsule_id,
            "path": str(self.path) if self.path else None,
            "bytes": len(self.data),
            "steps": self.steps,
            "patches": self.patches,
            "receipt": self.receipt,
            "signed": self.signed,
            "gate_added": self.gate_added,
            "base": self.manifest.get("repo", {}).get("base"),
        }


def seal(
    session: Session,
    plan: Plan | None,
    steps: tuple[int | None, int | None] | None = None,
    repo: str | Path | None = None,
    out: str | Path | None = None,
    accept_suggested: bool = False,
    *,
    secret: bytes | None = None,
    ref: str = "HEAD",
    base: str | None = None,
    sign_key: str | Path | None = None,
    store: PlanStore | None = None,
    cache_dir: Path | None = None,
) -> SealResult:
    """Seal the episode; write it to `out` when given. Raises SealRefused or TracetuiError.

    `cache_dir` is the bucket's cache: the patches' fates come from the trail's cache there (the one
    `tracetui trail` and the app's trail pane fill), so a seal judges a patch only when the repository
    or the session changed since it was last judged; the second gate keeps what it found per text
    there too (gate_memo.py).

    What the second gate finds is recorded in `plan` (and saved to `store` when given), so the next
    `scan` lists it and a decision on it holds: see `_gate_round`.
    """
    scope = seal_scope(session, plan, steps)
    refusal = scope.refusal()
    if refusal is not None and not accept_suggested:
        raise refusal
    if plan is None:
        plan = build_plan(session, ())  # no findings, but the field hashes a gate span needs
    episode = scope.episode
    key = episode_key(secret, session.id, episode[0].id, episode[-1].id) if secret is not None else None
    root = _find_root(session, repo)
    rows = _fate_rows(session, root, ref, cache_dir)
    repo_info = _repo_info(session, root, base, episode)
    identity = session_identity(session)
    memo = GateMemo.for_session(cache_dir, session.id, identity)
    gate = _Gate(session, plan, scope.included, accept_suggested)
    try:
        for _ in range(_GATE_ROUNDS):
            scrubbed = scrub.prepare(
                session, plan, accept_suggested, key, scope.included, gate.scrub, frozenset(gate.keep)
            )
            built = _build(session, scrubbed, {s.id for s in episode}, rows, repo_info, accept_suggested, key)
            found = scrub.gate_findings(built.members, scrubbed, identity, built.structural, memo)
            if not found:
                break
            gate.round(found)
        else:
            gate.stop(found)
    finally:
        memo.save()
        if gate.changed and store is not None:
            store.save(plan)
    members = built.members
    try:
        check_carried(members)  # a capsule its reader would refuse is never written
    except CapsuleError as exc:
        raise TracetuiError(f"the episode is too big for one capsule: {exc}; seal a part of it "
                            "(--steps A:B)") from None
    if sign_key is not None:
        members[mf.SIGNATURE] = sign(members[mf.MANIFEST], Path(sign_key))
    data = write_archive(members)
    path = Path(out) if out is not None else None
    if path is not None:
        _write_atomic(path, data)
    return SealResult(
        capsule_id=mf.capsule_id(members[mf.MANIFEST]),
        data=data,
        path=path,
        manifest=built.manifest,
        steps=built.steps,
        patches=built.patches,
        receipt=built.receipt,
        signed=sign_key is not None,
        gate_added=gate.added,
    )


# A round scrubs what the gate found in the session's fields; a second can meet a value whose context
# changed; a third would mean the plan cannot converge, and the seal stops instead of looping.
_GATE_ROUNDS = 3


@dataclass(slots=True)
class _Built:
    members: dict[str, bytes]
    manifest: dict[str, Any]
    structural: frozenset[str]
    steps: int
    patches: int
    receipt: list[dict[str, Any]]


def _build(
    session: Session,
    scrubbed: scrub.Scrubbed,
    episode_ids: set[str],
    rows: list[tuple[Any, dict[str, Any]]],
    repo_raw: dict[str, Any],
    accept_suggested: bool,
    key: bytes | None,
) -> _Built:
    """Every member of the capsule, from the scrubbed session (pure: the same input, the same bytes)."""
    clean = scrubbed.session
    clean_steps = [s for s in clean.steps if s.id in episode_ids]
    # `clean` has been through the plan and the value map already; the trail has not (its
    # context lines come from git), nor has the repository's description.
    # A log may nest a tool's input past what a capsule's reader takes (an attack on the code that
    # shows it): what is that deep is sealed as a placeholder, so the capsule opens.
    trace = [flattened(s.to_dict(), TRACE_DEPTH) for s in clean_steps]
    ctx_records = _ctx_records(clean, clean_steps, episode_ids)
    trail_records = _trail_records(rows, episode_ids, scrubbed)
    payload = {
        mf.TRACE: mf.canonical_lines(trace),
        mf.CTX: mf.canonical_lines(ctx_records),
        mf.TRAIL: mf.canonical_lines(trail_records),
    }
    # The receipt speaks of what the capsule carries, never of the part of the session left home.
    receipt = scrub.carried_receipt(scrubbed.receipt, b"".join(payload.values()))
    repo_info = scrubbed.deep(repo_raw)
    head = _session_head(clean, clean_steps)
    payload[mf.README] = _readme(head, len(trace), len(trail_records), repo_info, receipt).encode()
    manifest = {
        "format": mf.FORMAT,
        "tool": {"name": "tracetui", "version": __version__},
        "agent": clean.agent,
        "session": head,
        "steps": {
            "first": clean_steps[0].index,
            "last": clean_steps[-1].index,
            "count": len(clean_steps),
            "of": len(clean.steps),
        },
        "repo": repo_info,
        "members": {name: mf.member_entry(data) for name, data in sorted(payload.items())},
        "receipt": receipt,
        "redaction": {
            "rejected": scrubbed.rejected,
            "accept_suggested": accept_suggested,
            "fingerprint": "hmac-sha256(per-capsule key, value)[:12]" if key is not None else None,
        },
    }
    structural = {repo_raw.get("base"), *(e["sha256"] for e in manifest["members"].values())}
    structural.update(r.get("commit") for r in trail_records)
    return _Built(
        members={mf.MANIFEST: mf.canonical(manifest), **payload},
        manifest=manifest,
        structural=frozenset(x for x in structural if x),
        steps=len(clean_steps),
        patches=len(trail_records),
        receipt=receipt,
    )


class _Gate:
    """What the seal does with the second gate's findings (docs/design.md, "One detector pass").

    A value the gate finds that a field in the capsule's scope holds is a sure finding the plan's scan
    missed (other detectors, or a context the scrub changed): it becomes a sure span of the plan, at
    every place the carried fields hold it, scrubbed like any sure finding and listed by `scan` (where
    it can be rejected). A value no field holds (a patch's context lines from git, the repository's
    description) cannot be scrubbed without a person: scrubbing git's text can break the replay. It
    becomes a `PlanValue` waiting for a decision, and the seal refuses, naming member, kind and the
    way to decide; accepted it is scrubbed by value, rejected it is kept. `--accept-suggested` scrubs it
    by value for this seal (the plan keeps it undecided, so a later review still asks): a user who
    decided everything the review showed is never refused for text the review could not show, though
    scrubbing git's context lines can cost the replay. Either way the seal never dead-ends on a finding
    nobody can decide.
    """

    def __init__(self, session: Session, plan: Plan, included: frozenset[str], accept_suggested: bool = False) -> None:
        self.session = session
        self.accept_suggested = accept_suggested
        self.plan = plan
        self.fields = [f for f in iter_fields(session) if in_scope(f.step, f.name, included)]
        self.scrub: dict[str, PlanValue] = {}
        self.keep: set[str] = set()
        self.changed = False
        self.added = 0  # spans added to the plan

    def round(self, found: list[scrub.GateFinding]) -> None:
        """Record `found` in the plan; raises SealRefused when something waits for a person."""
        undecided: list[dict[str, Any]] = []
        stuck: list[scrub.GateFinding] = []
        progress = False
        seen: set[str] = set()
        for g in found:
            if g.value in seen:
                continue
            seen.add(g.value)
            if g.value in self.scrub or g.value in self.keep:
                stuck.append(g)  # decided, yet still there: nothing more this seal can do
                continue
            if self._add_spans(g):
                progress = True
                continue
            entry = self._entry(g)
            if entry.decision == ACCEPTED:
                self.scrub[g.value] = entry
                progress = True
            elif entry.decision == REJECTED:
                self.keep.add(g.value)
                progress = True
            elif self.accept_suggested:
                self.scrub[g.value] = entry
                progress = True
            else:
                undecided.append(g.row())
        if self.changed:
            assign_placeholders(self.plan, self.session)
        if undecided:
            kinds = sorted({row["kind"] for row in undecided})
            n = len(undecided)
            raise SealRefused(
                f"the second gate found {n} finding{'' if n == 1 else 's'} in text no field of the session "
                f"holds (a patch's context from git, the repository's description), so no scan could; "
                f"nothing was written. Decide {'it' if n == 1 else 'them'} by kind ({', '.join(kinds)}): "
                "accept to scrub, reject to keep",
                undecided,
                kinds,
            )
        if not progress:
            self.stop(stuck or found)

    def stop(self, found: list[scrub.GateFinding]) -> None:
        rows = [g.row() for g in found]
        where = "; ".join(f"{r['member']} line {r['line']}: {r['kind']}" for r in rows[:3])
        raise SealRefused(
            f"the second gate found {len(found)} sure finding(s) left in the sealed bytes that the plan "
            f"could not scrub ({where}); nothing was written. This is a bug: please report it. Meanwhile, "
            "mark each spot by hand in the app's redaction editor (R on the session list, enter on the "
            "value) or seal a step range (--steps) that leaves it out",
            rows,
        )

    def _add_spans(self, g: scrub.GateFinding) -> int:
        """Sure spans wherever a carried field holds the value (and no span of the plan covers it)."""
        by_field: dict[tuple[str | None, str], list[PlanSpan]] = {}
        for span in self.plan.spans:
            by_field.setdefault((span.step, span.field), []).append(span)
        n = 0
        value_id = self.plan.value_id(g.value)
        for f in self.fields:
            i = f.text.find(g.value)
            while i >= 0:
                j = i + len(g.value)
                spans = by_field.get((f.step, f.name), [])
                if not any(s.start < j and i < s.end for s in spans):
                    span = PlanSpan(f.step, f.name, i, j, g.kind, AUTO, GATE + g.detector, AUTO_D, value_id)
                    self.plan.spans.append(span)
                    self.plan.fields.setdefault(field_key(f.step, f.name), text_hash(f.text))
                    n += 1
                i = f.text.find(g.value, j)
        if n:
            self.changed = True
            self.added += n
        return n

    def _entry(self, g: scrub.GateFinding) -> PlanValue:
        value_id = self.plan.value_id(g.value)
        entry = self.plan.value(value_id)
        if entry is None:
            entry = PlanValue(value_id, g.kind, g.tier, GATE + g.detector, g.member)
            self.plan.values.append(entry)
            self.changed = True
        return entry


def _session_head(session: Session, steps: list[Step]) -> dict[str, Any]:
    used = {s.subagent for s in steps if s.subagent}
    return {
        "id": session.id,
        "agent": session.agent,
        "title": session.title,
        "cwd": session.cwd,
        "started": session.started,
        "ended": session.ended,
        "version": session.version,
        "models": list(session.models),
        "tokens": session.tokens.to_dict(),
        # Where a subagent was read from names the user's disk: left out.
        "subagents": [{**a.to_dict(), "source": None} for a in session.subagents if a.id in used],
    }


def _ctx_records(session: Session, steps: list[Step], episode_ids: set[str]) -> list[dict[str, Any]]:
    """What each episode step saw, by reference, so the member grows with the episode, not its square.

    Two kinds of line. `{"item": {...}}` carries, once, a step from before the episode that some
    context includes (with its text; steps inside the episode are in trace.jsonl). `{"step": id,
    "tokens", "compacted", "from", "items"}` lists the step ids of one context; when the previous
    context is a prefix of it (the usual case: one more step on the same branch), `from` names that
    step and `items` holds only the ids added.
    """
    index = ContextIndex(session)
    carried: set[str] = set()
    records: list[dict[str, Any]] = []
    prev_ids: list[str] | None = None
    prev_step: str | None = None
    for step in steps:
        ctx = index.at(step.id)
        ids = [item.step_id for item in ctx.items]
        for item in ctx.items:
            if item.step_id not in episode_ids and item.step_id not in carried:
                carried.add(item.step_id)
                records.append({"item": item.to_dict()})
        record: dict[str, Any] = {
            "step": ctx.step_id,
            "tokens": ctx.tokens,
            "compacted": ctx.compacted,
            "from": None,
            "items": ids,
        }
        if prev_ids is not None and len(ids) >= len(prev_ids) and ids[: len(prev_ids)] == prev_ids:
            record["from"], record["items"] = prev_step, ids[len(prev_ids) :]
        records.append(record)
        prev_ids, prev_step = ids, ctx.step_id
    return records


def _fate_rows(
    session: Session, root: Path | None, ref: str, cache_dir: Path | None
) -> list[tuple[Any, dict[str, Any]]]:
    """Each patch of the session with its fate at `ref` (unknown without a repository), and among them,
    at their steps, the files shell steps wrote whole with a text the log holds (`shell_patches`)."""
    from tracetui.trail import SHELL, session_patches, shell_patches
    from tracetui.trail import trail as trail_of

    if root is not None:
        found = trail_of(session, repo=root, ref=ref, cache_dir=cache_dir)
        # A shell step's write is judged by the trail too; the capsule carries it as it always has
        # (`_with_shell_writes`, its format's `origin`), once.
        rows = [(f.patch, f.to_dict()) for f in found.fates if f.patch.origin != SHELL]
        logged = found.root
    else:
        unknown = {"state": "unknown", "commit": None}
        rows = [(p, unknown) for p in session_patches(session) if p.origin != SHELL]
        logged = None
    return _with_shell_writes(session, rows, shell_patches(session, logged))


# What a capsule says of a shell step's write, carried whole so the file exists at replay (the trail
# judges it too, but a capsule's records of shell writes keep their format: docs/capsule-format.md).
SHELL_REASON = "written whole by a shell command: carried so the file exists at replay, not judged"


def _with_shell_writes(
    session: Session, rows: list[tuple[Any, dict[str, Any]]], shell: list[Any]
) -> list[tuple[Any, dict[str, Any]]]:
    """`rows` with each shell write placed before the first row of a later step, so a replay writes the
    file before the edits that follow it; the rows' own order is kept."""
    if not shell:
        return rows
    order = {s.id: i for i, s in enumerate(session.steps)}
    fate = {"state": "unknown", "commit": None, "reason": SHELL_REASON}
    waiting = list(shell)[::-1]  # in step order, taken from the end
    out: list[tuple[Any, dict[str, Any]]] = []
    for patch, found in rows:
        at = order.get(patch.step_id, -1)
        while waiting and order.get(waiting[-1].step_id, -1) < at:
            out.append((waiting.pop(), fate))
        out.append((patch, found))
    out.extend((p, fate) for p in reversed(waiting))
    return out


def _trail_records(
    rows: list[tuple[Any, dict[str, Any]]], episode_ids: set[str], scrubbed: scrub.Scrubbed
) -> list[dict[str, Any]]:
    from tracetui.trail import SHELL, unified_diff

    records = []
    for patch, fate in rows:
        if patch.step_id not in episode_ids:
            continue
        record = {
            "step": patch.step_id,
            "path": patch.path,
            "old_path": patch.old_path,
            "op": patch.op,
            "hunks": [h.to_dict() for h in patch.hunks],
            "diff": unified_diff(patch),
            "exact": patch.exact,
            "added": len(patch.added),
            "removed": len(patch.removed),
            "state": fate.get("state"),
            "commit": fate.get("commit"),
            "kept": fate.get("kept", 0),
            "changed": fate.get("changed", 0),
            "dropped": fate.get("dropped", 0),
        }
        if patch.old_path is not None:
            record["move_to"] = patch.path
            record["path"] = patch.old_path
        if patch.origin == SHELL:
            # A shell step's write (docs/capsule-format.md): its text is the command's, scrubbed below
            # as every other record is.
            record["origin"] = SHELL
            record["reason"] = fate.get("reason")
        clean = scrubbed.deep(record)
        # A patch's op and state are words of the format's own vocabulary and its commit a hash of
        # the repository, never text from the log: a value scrubbed by value that happened to be one
        # ("update", read from a .env file) turned them into placeholders, and the capsule failed
        # its own check.
        for key in ("op", "state", "commit", "origin", "reason"):
            if key in record:
                clean[key] = record[key]
        for key in ("path", "move_to", "old_path"):
            # A path inside the repository names one of its files: the replay needs it exact, and a
            # scrub of a user name that happens to be part of it ("src/alice/...") would break it.
            # Secrets in it are still scrubbed; paths outside the repository are scrubbed as text.
            value = record.get(key)
            if isinstance(value, str) and scrub.is_repo_relative(value):
                clean[key] = scrubbed.repo_path(value)
        records.append(clean)
    return records


@dataclass(slots=True)
class SealBase:
    """The repository a seal from the app reads (trail and base), and the base commit it stamps."""

    repo: Path | None
    commit: str | None
    note: str  # for a person: why this repository, or why none (the path is `repo`)

    def to_dict(self) -> dict[str, Any]:
        return {"repo": str(self.repo) if self.repo else None, "base": self.commit, "note": self.note}


def seal_base(
    session: Session, steps: tuple[int | None, int | None] | None = None, repo: str | Path | None = None
) -> SealBase:
    """Which repository sealing `session` should read, and the base it would stamp. `repo` (the app's
    `--repo`, one clone for every session) is taken only when the session belongs to it
    (`trail.belongs`); else the repository of the session's own cwd
    on this machine; else none, and the base is the log's own commit where it is shaped as one.
    Runs git: call it off the UI thread."""
    from tracetui.capsule.scope import select_steps
    from tracetui.trail import belongs

    episode = select_steps(session, steps)
    root: Path | None = None
    note = ""
    if repo is not None:
        if belongs(session, repo):
            root = repo_root(Path(repo))
            note = "the --repo clone, which this session belongs to"
        else:
            note = "--repo is not this session's repository: "
    if root is None:
        root = _find_root(session, None)
        note += "the session's own repository" if root is not None else "no repository of the session's here"
    info = _repo_info(session, root, None, episode)
    return SealBase(root, info.get("base"), note)


def _find_root(session: Session, repo: str | Path | None) -> Path | None:
    """The repository given, else the one the session ran in when it is on this machine."""
    if repo is not None:
        return repo_root(Path(repo))
    if session.cwd and Path(session.cwd).is_dir():
        try:
            return repo_root(Path(session.cwd))
        except CapsuleError:
            return None
    return None


def _repo_info(session: Session, root: Path | None, base: str | None, episode: list[Step]) -> dict[str, Any]:
    """The repository's remote and the commit the episode started from."""
    remote = session.git.remote if session.git and session.git.remote else None
    if root is None:
        logged = session.git.commit if session.git and episode[0] is session.steps[0] else None
        # The log's text, unchecked by any git: a base only where it is shaped as a commit id.
        commit = base or (logged if is_commit_id(logged) else None)
        return {
            "remote": _strip(remote),
            "base": commit,
            "branch": session.git.branch if session.git else None,
        }
    if base is not None:
        commit = resolve_commit(root, base)
        if commit is None:
            raise CapsuleError(f"--base {base!r} is not a commit in {root}")
    else:
        commit = None
        if session.git and session.git.commit and episode[0] is session.steps[0]:
            commit = resolve_commit(root, session.git.commit)
        start = next((s.timestamp for s in episode if s.timestamp), None)
        before = _plus_minute(start) if start else None
        if commit is None and before:
            # A minute of slack for clocks, as the trail allows: a commit made as the step ran.
            commit = commit_before(root, before)
        if commit is None:
            commit = resolve_commit(root, "HEAD")
    return {
        "remote": remote_url(root) or _strip(remote),
        "base": commit,
        "branch": session.git.branch if session.git else None,
    }


def _strip(url: str | None) -> str | None:
    return strip_credentials(url) if url else None


def _plus_minute(timestamp: str) -> str | None:
    # Only a time that parses reaches git's date parser: a log's text (a NUL, an option) never does.
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00")) + timedelta(seconds=60)
    except (ValueError, OverflowError):
        return None
    return moment.isoformat()


def _readme(
    head: dict[str, Any], steps: int, patches: int, repo: dict[str, Any], receipt: list[dict[str, Any]]
) -> str:
    lines = [
        "# tracetui capsule",
        "",
        (
            f"An episode of a {head.get('agent')} session ({steps} steps, {patches} patches), "
            f"sealed by tracetui {__version__}."
        ),
        "",
        "Verify it: `tracetui capsule verify FILE`. Browse it: `tracetui open FILE`.",
        "Replay it on your checkout: `tracetui replay FILE --repo PATH --check 'your test command'`.",
        "Replay never runs anything taken from the capsule; the check is your own command.",
        "",
        f"Base commit: {repo.get('base') or 'unknown'}.",
        (
            f"Redactions: {sum(int(r.get('count', 0)) for r in receipt)} spans under {len(receipt)} "
            "placeholders (listed in capsule.json, without their values)."
        ),
        "",
    ]
    return "\n".join(lines)


def _replaceable(path: Path) -> bool:
    """Whether a capsule may be written over `path`: nothing there, an empty file, or a capsule."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(GZIP_PREFIX))
    except FileNotFoundError:
        return True
    except OSError:
        return True  # unreadable: the write says why
    return head in (b"", GZIP_PREFIX)


def _write_atomic(path: Path, data: bytes) -> None:
    path = path.expanduser()
    if path.is_dir():
        raise TracetuiError(f"{path} is a directory; give a file name for the capsule")
    if path.is_symlink() or (os.path.lexists(path) and not path.is_file()):
        # os.replace would put the capsule where the link or the FIFO was: the user's, and lost.
        what = "a symbolic link" if path.is_symlink() else "a FIFO or a special file"
        raise TracetuiError(f"{path} is {what}; give a new file name for the capsule")
    parent = path.parent
    if not parent.is_dir():
        raise TracetuiError(f"the directory {parent} does not exist")
    if not _replaceable(path):  # a capsule sealed again is replaced; a file of the user's is not
        raise TracetuiError(f"{path} is there and is no capsule; give a new file name for the capsule")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
    except OSError as exc:  # a folder that takes no files (/proc), no permission, a full disk
        raise TracetuiError(f"cannot write the capsule {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TracetuiError(f"cannot write the capsule {path}: {exc.strerror or exc}") from None
        raise
