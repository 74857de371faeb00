"""trail, snapshot: what a session's steps changed and whether it survived; work-tree snapshots."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import orjson

from tracetui.cli import Commands, add_bucket_option, add_json_option, error, open_bucket
from tracetui.cli.output import print_json, print_table
from tracetui.errors import NotFound, TracetuiError, UsageError
from tracetui.safe_text import command_line, safe_line


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser("trail", help="the patches a session made and whether they survived in git")
    p.add_argument("id", metavar="ID", help="a session id or a unique prefix of one")
    p.add_argument(
        "--repo",
        metavar="PATH",
        default=argparse.SUPPRESS,  # so `tracetui --repo CLONE trail ID` keeps the one given before the command
        help="a clone of the session's repository, anywhere (default: the repository of the logged cwd)",
    )
    p.add_argument("--ref", metavar="REV", default="HEAD", help="the revision to judge survival at (default HEAD)")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_trail)

    p = subparsers.add_parser(
        "snapshot",
        help="record the work tree under refs/tracetui/ (for agent hooks; reads the hook's JSON on stdin)",
    )
    p.add_argument("--repo", metavar="PATH", help="the repository (default: the hook's cwd, else the current directory)")
    p.add_argument("--session", metavar="ID", help="the session id (default: the hook's session_id)")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_snapshot)


def _row_note(fate: Any, reason: str | None) -> str | None:
    """What a row's state rests on beyond its counts: why it is unknown, a before-state taken from the
    patch's own removed lines, a shell command's rewrite that removed its lines."""
    said = [f"why {fate.state}: {reason}"] if reason else []
    if fate.patch.before_from == "removed lines":
        said.append("the file before it: its removed lines (the replayed text did not hold them)")
    if fate.patch.overwritten_by is not None:
        said.append(f"overwritten by the shell command of step {fate.patch.overwritten_by}")
    return "; ".join(said) or None


def run_trail(args: argparse.Namespace) -> int:
    from tracetui.trail import on_two_cores, trail
    from tracetui.views import fork
    from tracetui.views.trail import STATE_ORDER, abandoned_steps, copies_line, from_rows

    with open_bucket(args) as bucket:
        session = bucket.session(args.id)
        cache = bucket.cache_dir
        parent = fork.forked_parent_held(bucket, session)
    # A fork's copies are its parent's work, which the parent's trail judges; where the bucket lacks the
    # parent, this log is their only record, so they are judged here and listed last
    # (`fork.copies_judged_here`, from the one look-up above).
    here = parent is None and fork.has_named_copies(session)
    with on_two_cores():  # the user waits on this one answer: the patches judged on two processes
        result = trail(session, repo=getattr(args, "repo", None), ref=args.ref, cache_dir=cache,
                       own_only=not here)  # fmt: skip
    own = result.own
    copies = [f for f in result.fates if f.patch.copied] if here else []
    if args.json:
        print_json([f.to_dict() for f in own + copies])  # a judged copy's row says "copied": true
        return 0
    if result.note:
        print(safe_line(result.note))  # it names the log's cwd: untrusted text
    _print_fates(own)
    if copies:
        print(f"copied from the parent session, which is not in the bucket ({_count(len(copies), 'patch', 'patches')}"
              ", judged here and not counted below):")  # fmt: skip
        _print_fates(copies)
    # The same counting as the app's trail pane: the final path's patches, worst state first, and
    # the patches of abandoned branches apart.
    view = from_rows(session, [f.to_dict() for f in own])
    on_path = [f for f in own if f.patch.step_id not in abandoned_steps(session)]
    files = {f.patch.path for f in on_path}
    counts = ", ".join(f"{view.counts[s]} {s}" for s in STATE_ORDER if view.counts.get(s)) or "nothing to judge"
    print(f"{_count(len(on_path), 'patch', 'patches')} in {_count(len(files), 'file', 'files')}: {counts}")
    if view.abandoned:
        print(f"{_count(view.abandoned, 'more patch', 'more patches')} on abandoned branches (not counted above)")
    if result.copied:
        judge = f" ({command_line('tracetui', 'trail', parent[:12])})" if parent else ""
        print(copies_line(result.copied, here) + judge)
    return 0


def _print_fates(fates: list[Any]) -> None:
    """The fates as a table, each row's note under it; a reason every row shares, once after."""
    rows = []
    for f in fates:
        state = f.state if not f.judged_at else f"{f.state} ({_short_ref(f.judged_at)})"
        path = f.patch.path if not f.path_now else f"{f.patch.path} -> {f.path_now}"
        rows.append((f.patch.step_id, path, state, (f.commit or "")[:10], len(f.patch.added), len(f.patch.removed), f.kept))
    reasons = {f.reason for f in fates}
    # Why a row is unknown, under it; where every row has the same reason (no repository), once after.
    shared = reasons.pop() if len(reasons) == 1 and len(fates) > 1 else None
    if rows:
        notes = [_row_note(f, None if shared else f.reason) for f in fates]
        notes = notes if any(notes) else []
        print_table(("step", "path", "state", "commit", "added", "removed", "kept"), rows, 70, notes)
    if shared:
        print(safe_line(f"why every patch is {fates[0].state}: {shared}"))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _short_ref(name: str) -> str:
    for prefix in ("refs/heads/", "refs/tags/", "refs/remotes/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


HOOK_WAIT_SECONDS = 2.0  # agents write the hook's JSON at once; this only guards against a hang
# A PostToolUse hook carries the tool's whole answer (a file read, a build's log): megabytes are usual.
# Past this the input is refused in one line rather than held.
HOOK_MOST = 256 << 20


def _ready(stream: Any, timeout: float) -> bool:
    import select

    try:
        readable, _, _ = select.select([stream], [], [], timeout)
    except (OSError, ValueError, TypeError):
        return True  # cannot tell (e.g. not a real file): read as before
    return bool(readable)


def _hook_input() -> dict[str, Any] | None:
    """The JSON an agent hook passes on stdin, if any (never waits on a terminal)."""
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return None
        if not _ready(sys.stdin, HOOK_WAIT_SECONDS):
            return None  # an open stdin nobody writes to: not a hook, and no reason to hang
        data = _read_bounded(sys.stdin.buffer, HOOK_MOST)
    except (OSError, ValueError):
        return None
    if not data.strip():
        return None
    from tracetui.trail import hook_document

    try:
        return hook_document(data)
    except orjson.JSONDecodeError:
        raise TracetuiError("the input on stdin is not the JSON an agent hook sends") from None


def _read_bounded(stream: Any, most: int) -> bytes:
    """All of `stream` up to its end, refused in one line past `most` bytes."""
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(1 << 20):
        size += len(chunk)
        if size > most:
            raise TracetuiError(f"the input on stdin runs past {most >> 20} MB: no snapshot taken")
        parts.append(chunk)
    return b"".join(parts)


def run_snapshot(args: argparse.Namespace) -> int:
    import pygit2  # here: the trail's imports load it anyway, and --help needs none of it

    from tracetui.trail import hook_input, take_snapshot

    doc = _hook_input()
    hook = hook_input(doc or {})
    session = args.session or hook.session
    if not session:
        raise UsageError("no session id: pass --session ID or run from an agent hook that sends session_id")
    repo = args.repo or hook.cwd or os.getcwd()
    try:
        snap = take_snapshot(repo, session, tool_use_id=hook.tool_use_id, tool=hook.tool)
    except NotFound:
        if doc:
            return 0  # the agent is working outside git: nothing to record, and no noise in its session
        raise
    except (OSError, pygit2.GitError) as exc:
        message = f"could not record a snapshot of {repo}: {exc}"
        if doc:
            # Exit 1: a hook error the agent reports without blocking the tool call (2 would block).
            error(message, json_too=args.json)
            return 1
        raise TracetuiError(message) from None
    if args.json:
        print_json({"ref": snap.ref, "tree": snap.tree, "session": snap.session,
                    "tool_use_id": snap.tool_use_id, "time": snap.time})  # fmt: skip
    elif not doc:
        # From a hook stay quiet: Claude Code shows a hook's stdout in the transcript.
        print(f"{snap.ref} {snap.tree}")
    return 0
