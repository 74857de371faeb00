"""Sealing an episode (a session, or a range of its steps) into a capsule.

The order matters for safety:
1. Refuse while any finding in the text the capsule would carry still needs a decision
   (suggestions; sure findings are scrubbed unless the user rejected them). The refusal lists
   step, field, kind and tier, never a value.
2. Apply the plan to a copy of the session, then build every member from that copy, and pass every
   string of every member through the value scrubber as well: the patches' context lines come from
   git, not from the log, so the plan never saw them, but the same secret gets the same placeholder
   wherever it shows up.
3. Scan the finished members again (the second gate): any sure finding that the user did not
   reject stops the seal.
4. Write canonically (manifest.py, archive.py): the same input gives the same bytes.

What is left out on purpose: the session's source paths (they name the user's disk), and the
capsule's time of sealing (it would break determinism).
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
from tracetui.capsule.archive import CapsuleError, write_archive
from tracetui.capsule.gitcmd import commit_before, remote_url, repo_root, resolve_commit, strip_credentials
from tracetui.capsule.keys import episode_key
from tracetui.capsule.scope import SealRefused, seal_scope
from tracetui.capsule.signing import sign
from tracetui.ctx import ContextIndex
from tracetui.errors import TracetuiError
from tracetui.model import Session, Step
from tracetui.redact import session_identity


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "capsule": self.capsule_id,
            "path": str(self.path) if self.path else None,
            "bytes": len(self.data),
            "steps": self.steps,
            "patches": self.patches,
            "receipt": self.receipt,
            "signed": self.signed,
            "base": self.manifest.get("repo", {}).get("base"),
        }


def seal(
    session: Session,
    plan: Any,
    steps: tuple[int | None, int | None] | None = None,
    repo: str | Path | None = None,
    out: str | Path | None = None,
    accept_suggested: bool = False,
    *,
    secret: bytes | None = None,
    ref: str = "HEAD",
    base: str | None = None,
    sign_key: str | Path | None = None,
) -> SealResult:
    """Seal the episode; write it to `out` when given. Raises SealRefused or TracetuiError."""
    scope = seal_scope(session, plan, steps)
    refusal = scope.refusal()
    if refusal is not None and not accept_suggested:
        raise refusal
    episode = scope.episode
    episode_ids = {s.id for s in episode}
    key = episode_key(secret, session.id, episode[0].id, episode[-1].id) if secret is not None else None
    scrubbed = scrub.prepare(session, plan, accept_suggested, key, scope.included)
    clean = scrubbed.session
    clean_steps = [s for s in clean.steps if s.id in episode_ids]

    # `clean` has been through the plan and the value map already; the trail has not (its
    # context lines come from git), nor has the repository's description.
    trace = [s.to_dict() for s in clean_steps]
    ctx_records = _ctx_records(clean, clean_steps, episode_ids)
    root = _find_root(session, repo)
    trail_records = _trail_records(session, root, ref, episode_ids, scrubbed)
    repo_info = _repo_info(session, root, base, episode)

    payload = {
        mf.TRACE: mf.canonical_lines(trace),
        mf.CTX: mf.canonical_lines(ctx_records),
        mf.TRAIL: mf.canonical_lines(trail_records),
    }
    # The receipt speaks of what the capsule carries, never of the part of the session left home.
    scrubbed.receipt = scrub.carried_receipt(scrubbed.receipt, b"".join(payload.values()))
    head = _session_head(clean, clean_steps)
    payload[mf.README] = _readme(head, len(trace), len(trail_records), repo_info, scrubbed.receipt).encode()
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
        "repo": scrubbed.deep(repo_info),
        "members": {name: mf.member_entry(data) for name, data in sorted(payload.items())},
        "receipt": scrubbed.receipt,
        "redaction": {
            "rejected": scrubbed.rejected,
            "accept_suggested": accept_suggested,
            "fingerprint": "hmac-sha256(per-capsule key, value)[:12]" if key is not None else None,
        },
    }
    manifest_bytes = mf.canonical(manifest)
    members = {mf.MANIFEST: manifest_bytes, **payload}

    structural = {repo_info.get("base"), *(e["sha256"] for e in manifest["members"].values())}
    structural.update(r.get("commit") for r in trail_records)
    leaks = scrub.second_gate(
        members, scrubbed, session_identity(session), frozenset(x for x in structural if x)
    )
    if leaks:
        raise SealRefused(
            f"the second gate found {len(leaks)} sure finding(s) left in the sealed bytes; nothing was written",
            leaks,
        )
    if sign_key is not None:
        members[mf.SIGNATURE] = sign(manifest_bytes, Path(sign_key))
    data = write_archive(members)
    path = Path(out) if out is not None else None
    if path is not None:
        _write_atomic(path, data)
    return SealResult(
        capsule_id=mf.capsule_id(manifest_bytes),
        data=data,
        path=path,
        manifest=manifest,
        steps=len(clean_steps),
        patches=len(trail_records),
        receipt=scrubbed.receipt,
        signed=sign_key is not None,
    )


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


def _trail_records(
    session: Session, root: Path | None, ref: str, episode_ids: set[str], scrubbed: scrub.Scrubbed
) -> list[dict[str, Any]]:
    from tracetui.trail import session_patches, unified_diff
    from tracetui.trail import trail as trail_of

    if root is not None:
        rows = [(f.patch, f.to_dict()) for f in trail_of(session, repo=root, ref=ref).fates]
    else:
        unknown = {"state": "unknown", "commit": None}
        rows = [(p, unknown) for p in session_patches(session)]
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
        clean = scrubbed.deep(record)
        for key in ("path", "move_to", "old_path"):
            # A path inside the repository names one of its files: the replay needs it exact, and a
            # scrub of a user name that happens to be part of it ("src/alice/...") would break it.
            # Secrets in it are still scrubbed; paths outside the repository are scrubbed as text.
            value = record.get(key)
            if isinstance(value, str) and scrub.is_repo_relative(value):
                clean[key] = scrubbed.repo_path(value)
        records.append(clean)
    return records


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
        commit = base or (session.git.commit if session.git and episode[0] is session.steps[0] else None)
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
        if commit is None and start:
            # A minute of slack for clocks, as the trail allows: a commit made as the step ran.
            commit = commit_before(root, _plus_minute(start))
        if commit is None:
            commit = resolve_commit(root, "HEAD")
    return {
        "remote": remote_url(root) or _strip(remote),
        "base": commit,
        "branch": session.git.branch if session.git else None,
    }


def _strip(url: str | None) -> str | None:
    return strip_credentials(url) if url else None


def _plus_minute(timestamp: str) -> str:
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    return (moment + timedelta(seconds=60)).isoformat()


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


def _write_atomic(path: Path, data: bytes) -> None:
    path = path.expanduser()
    if path.is_dir():
        raise TracetuiError(f"{path} is a directory; give a file name for the capsule")
    parent = path.parent
    if not parent.is_dir():
        raise TracetuiError(f"the directory {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
