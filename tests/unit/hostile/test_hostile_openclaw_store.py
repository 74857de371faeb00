"""Round 6 of hostile input, the new surfaces: OpenClaw's session store (`sessions.json`), read after a
sync to tie a child its parent's log names only by key, and the subagent tie in the bucket. The store is
the agent's file in the user's folders: it may be huge, deeply nested, of the wrong types, name ids that
are paths or hold markup and control bytes, be a FIFO or a link to a device; sessions may name each
other as parents. Nothing may crash a sync, hang it or tie a child to a bogus id.

The store is a folder's, yet every parent waiting on a key read and parsed it again, at each sync a
watcher ran: 200 parents beside a 22 MB store cost 33 s of CPU for one changed log. It is read once a
folder now.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from openclaw_subagents import (
    CHILD_NEW,
    CHILD_OLD,
    CHILD_QUIET,
    KEY_NEW,
    KEY_QUIET,
    PARENT,
    answer,
    header,
    message,
    parent_log,
    spawn,
    spawned,
    user,
    write_sessions,
)

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.model import SessionFilter
from tracetui.sources.pi import openclaw_spawn
from tracetui.views import fork


def _ties(bucket: Bucket) -> dict[str, str | None]:
    return {r.id: r.subagent_of for r in bucket.list_sessions(SessionFilter(include_hidden=True))}


def _waiting_parent(sid: str, key: str) -> bytes:
    """A parent that spawned one child and never saw it announced: the store alone can tie it."""
    rows = [header(sid, 10), message("p1", None, 10, user("go")), message("p2", "p1", 11, spawn("c1", "t")),
            message("p3", "p2", 11, spawned("c1", key)), message("p4", "p3", 12, answer("started"))]
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def test_the_store_is_read_once_a_folder_however_many_parents_wait_on_it(tmp_path, monkeypatch):
    src = write_sessions(tmp_path / "src")
    (src / f"{PARENT}.jsonl").write_bytes(parent_log(announce=False))
    for n in range(12):
        sid = f"6b000000-0000-4000-8000-{n:012d}"
        (src / f"{sid}.jsonl").write_bytes(_waiting_parent(sid, f"agent:main:subagent:waiting-{n}"))
    (src / "sessions.json").write_bytes(orjson.dumps({KEY_NEW: {"sessionId": CHILD_NEW}}))
    opened: list[str] = []
    real = openclaw_spawn.open_regular

    def counting(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(openclaw_spawn, "open_regular", counting)
    b = Bucket.open(tmp_path / "bucket")
    try:
        b.sync(sources={"pi": [src]})
        assert opened == ["sessions.json"]
        assert _ties(b)[CHILD_NEW] == PARENT
        (src / f"{CHILD_QUIET}.jsonl").write_bytes((src / f"{CHILD_QUIET}.jsonl").read_bytes() + orjson.dumps(
            message("k3", "k2", 40, user("more"))) + b"\n")  # a watcher's sync after one change
        b.sync(sources={"pi": [src]})
        assert opened == ["sessions.json"] * 2
    finally:
        b.close()


_STORES = {
    "a list": b"[]",
    "a string": b'"agent:main:subagent:x"',
    "a number past a double": b"1e999",
    "entries of the wrong types": orjson.dumps(
        {KEY_NEW: "x", KEY_QUIET: {"sessionId": 5}, "agent:main:subagent:y": {"sessionId": [CHILD_OLD]}}),
    "an id that is a path": orjson.dumps({KEY_NEW: {"sessionId": f"../../{CHILD_NEW}"}}),
    "an id with markup": orjson.dumps({KEY_NEW: {"sessionId": "[@click=app.quit]x[/]"}}),
    "a key with a NUL and an ESC": orjson.dumps({KEY_NEW + "\x00\x1b[2J": {"sessionId": CHILD_NEW}}),
    "a lone surrogate": b'{"' + KEY_NEW.encode() + b'": {"sessionId": "\\ud800"}}',
    "a list nested 5000 deep": b"[" * 5000 + b"]" * 5000,
    "an object nested 5000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "the parent as its own child": orjson.dumps({KEY_NEW: {"sessionId": PARENT}}),
    "200,000 keys": orjson.dumps(
        {f"agent:main:subagent:{'k' * 150}{n}": {"sessionId": CHILD_OLD} for n in range(200_000)}),
}


@pytest.mark.parametrize("shape", [*_STORES, "a FIFO", "a link to /dev/zero", "a sparse 70 MB file",
                                   "a folder", "a link to itself"])
def test_a_hostile_store_ties_nothing_and_the_sync_goes_on(tmp_path, shape):
    src = write_sessions(tmp_path / "src")
    (src / f"{PARENT}.jsonl").write_bytes(parent_log(announce=False))
    store = src / "sessions.json"
    if shape == "a FIFO":
        os.mkfifo(store)
    elif shape == "a link to /dev/zero":
        store.symlink_to("/dev/zero")
    elif shape == "a sparse 70 MB file":
        with open(store, "wb") as fh:
            fh.truncate(70 << 20)
    elif shape == "a folder":
        store.mkdir()
    elif shape == "a link to itself":
        store.symlink_to(store)
    else:
        store.write_bytes(_STORES[shape])
    b = Bucket.open(tmp_path / "bucket")
    try:
        report = b.sync(sources={"pi": [src]})
        assert report.sessions == 4
        assert _ties(b) == {PARENT: None, CHILD_OLD: None, CHILD_NEW: None, CHILD_QUIET: None}
    finally:
        b.close()


def _announcing(sid: str, key: str, child: str, minute: int) -> bytes:
    """A session that spawned `child` under `key` and announced its end (2026.4's completion event)."""
    event = ("[Internal task completion event]\nsource: subagent\n"
             f"session_key: {key}\nsession_id: {child}\nstatus: completed successfully\n")
    rows = [header(sid, minute), message("a1", None, minute, user("go")),
            message("a2", "a1", minute, spawn("c1", "t")), message("a3", "a2", minute, spawned("c1", key)),
            message("a4", "a3", minute + 1, user(event)), message("a5", "a4", minute + 1, answer("done"))]
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def test_two_sessions_each_the_other_s_parent_and_one_its_own(tmp_path, capsys):
    src = tmp_path / "src" / ".openclaw" / "agents" / "main" / "sessions"
    src.mkdir(parents=True)
    one, two, alone = PARENT, CHILD_NEW, CHILD_OLD
    (src / f"{one}.jsonl").write_bytes(_announcing(one, KEY_NEW, two, 10))
    (src / f"{two}.jsonl").write_bytes(_announcing(two, KEY_QUIET, one, 20))
    (src / f"{alone}.jsonl").write_bytes(_announcing(alone, "agent:main:subagent:me", alone, 30))
    bucket = tmp_path / "bucket"
    b = Bucket.open(bucket)
    try:
        b.sync(sources={"pi": [src]})
        ties = _ties(b)
        assert ties == {one: two, two: one, alone: None}  # a session is never its own parent
        a, c = b.session(one), b.session(two)
        for parent, child in ((a, c), (c, a)):  # each view takes one step, none walks a chain
            assert fork.parent_title(child) == f"↳ subagent of {parent.id[:8]}"
            assert parent.steps[fork.parent_point(parent, child)].tool == "sessions_spawn"
    finally:
        b.close()
    capsys.readouterr()
    assert main(["ls", "--bucket", str(bucket), "--all", "--json"]) == 0
    assert main(["show", "--bucket", str(bucket), one]) == 0
    assert main(["show", "--bucket", str(bucket), two]) == 0
