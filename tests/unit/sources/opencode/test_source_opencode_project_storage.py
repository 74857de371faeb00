"""OpenCode up to 0.5.x kept each project's JSON storage in its data folder's `project/<project>/storage/`
(`session/info/<ses>.json`, `session/message/<ses>/<msg>.json`, `session/part/<ses>/<msg>/<prt>.json`),
not in `storage/` as later builds do: a pinned 0.5.28 still wrote it in January 2026. Those sessions
must be found in the default folders, and a tree later builds copied into `storage/` (their first
storage migration copies the old one, leaving it in place) is the same session, not two. Hand-made
objects of the real shapes."""

from __future__ import annotations

from pathlib import Path

import orjson

from tracetui.bucket import Bucket
from tracetui.bucket.locations import discover
from tracetui.model import SessionFilter, StepKind
from tracetui.sources import registry

SES = "ses_4a4a4a4a4ffeAbCdEfGhIjKlMn"
USER, REPLY = "msg_b5b5b5b5b001AbCdEfGhIjKlMn", "msg_b5b5b5b5c001AbCdEfGhIjKlMn"
CREATED = 1768400000000


def write(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2))


def legacy_project(data: Path, project: str = "global") -> Path:
    """One session of 0.5.x: a prompt and a reply, under data/project/<project>/storage."""
    root = data / "project" / project / "storage" / "session"
    title = "New session - 2026-01-14T14:13:20.000Z"
    write(root / "info" / f"{SES}.json",
          {"id": SES, "version": "0.5.28", "title": title, "time": {"created": CREATED, "updated": CREATED}})
    write(root / "message" / SES / f"{USER}.json",
          {"id": USER, "role": "user", "sessionID": SES, "time": {"created": CREATED + 10}})
    write(root / "part" / SES / USER / "prt_b5b5b5b5b002AbCdEfGhIjKlMn.json",
          {"id": "prt_b5b5b5b5b002AbCdEfGhIjKlMn", "messageID": USER, "sessionID": SES, "type": "text",
           "text": "how do tides work"})
    write(root / "message" / SES / f"{REPLY}.json",
          {"id": REPLY, "role": "assistant", "sessionID": SES, "mode": "build", "modelID": "some-model",
           "providerID": "some-provider", "path": {"cwd": "/home/u/notes", "root": "/home/u/notes"},
           "cost": 0,
           "tokens": {"input": 120, "output": 30, "reasoning": 0, "cache": {"read": 0, "write": 0}},
           "time": {"created": CREATED + 20, "completed": CREATED + 900}})
    write(root / "part" / SES / REPLY / "prt_b5b5b5b5c002AbCdEfGhIjKlMn.json",
          {"id": "prt_b5b5b5b5c002AbCdEfGhIjKlMn", "messageID": REPLY, "sessionID": SES, "type": "text",
           "text": "The moon pulls the sea."})
    (data / "project" / project / "storage" / "migration").write_text("1")
    write(data / "project" / project / "app.json", {})
    return root


def test_the_default_folders_hold_the_project_storage_of_early_builds(tmp_path):
    data = tmp_path / ".local" / "share" / "opencode"
    legacy_project(data)
    folders = registry.get("opencode").folders({}, tmp_path)
    assert data / "project" in folders
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"opencode": discover("opencode", folders)})
        assert (report.sessions, report.errors) == (1, [])
        session = bucket.session(SES)
    assert [(s.kind, s.text) for s in session.steps if s.kind in (StepKind.USER, StepKind.ASSISTANT)] == [
        (StepKind.USER, "how do tides work"),
        (StepKind.ASSISTANT, "The moon pulls the sea."),
    ]
    assert session.cwd == "/home/u/notes" and session.title == "how do tides work"


def test_a_project_tree_a_later_build_copied_into_storage_is_one_session(tmp_path):
    data = tmp_path / ".local" / "share" / "opencode"
    legacy_project(data)
    copied = data / "storage"
    root = data / "project" / "global" / "storage" / "session"
    info = orjson.loads((root / "info" / f"{SES}.json").read_bytes())
    write(copied / "session" / "global" / f"{SES}.json", {**info, "projectID": "global"})
    for path in (root / "message" / SES).glob("*.json"):
        write(copied / "message" / SES / path.name, orjson.loads(path.read_bytes()))
    for path in (root / "part" / SES).rglob("*.json"):
        write(copied / "part" / path.parent.name / path.name, orjson.loads(path.read_bytes()))
    folders = registry.get("opencode").folders({}, tmp_path)
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"opencode": discover("opencode", folders)})
        assert (report.sessions, report.errors) == (1, [])
        assert [r.id for r in bucket.list_sessions(SessionFilter(agent="opencode"))] == [SES]
        session = bucket.session(SES)
    assert [s.text for s in session.steps if s.kind == StepKind.USER] == ["how do tides work"]
