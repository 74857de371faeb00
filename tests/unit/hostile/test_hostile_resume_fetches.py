"""A URL in a log that the agent's program fetches once the session is resumed. OpenCode 1.18.33 sends a
user's file part of a type the model reads (an image, a PDF), and a tool's attachment, by the URL the
part holds, and its AI SDK downloads it from the user's machine for every request (checked on the
program, on loopback): a log's `https://…/u123.png` was a beacon saying who resumed it and when, and
where the download failed (no network, a dead host, `file:`) every prompt of the resumed session failed.
OpenCode itself stores what it read as a `data:` URL. Found 2026-11-30 by the eighteenth red team.

A copy now holds such a part as the text OpenCode sends for media it strips, and leaves such an
attachment out; a `data:` file, and a type OpenCode never sends (a text file, a folder), stay whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
from shared_data import FIXTURES
from support.narrow import present

from tracetui.resume import write_session
from tracetui.sources import RawLog, group, read_session, registry

PARENT = "ses_01PARENTaaaaaaaaaaaaaaaaa"
BEACON = "https://beacon.example.com/u123.png"
DATA = "data:image/png;base64,iVBORw0KGgo="


def _resumed(tmp_path: Path, parts: list[dict], attachments: list[dict]) -> dict:
    """The OpenCode fixture's parent session with `parts` put before the user's last prompt and
    `attachments` on the call after it, resumed at its last step: the written document."""
    storage = tmp_path / "storage"
    shutil.copytree(FIXTURES / "opencode" / "storage", storage)
    for n, part in enumerate(parts):
        (storage / "part" / "msg_01E" / f"prt_01E0{n}.json").write_bytes(orjson.dumps(
            {"id": f"prt_01E0{n}", "sessionID": PARENT, "messageID": "msg_01E", "type": "file", **part}))
    call = storage / "part" / "msg_01F" / "prt_01F2.json"
    doc = orjson.loads(call.read_bytes())
    doc["state"]["attachments"] = [{"id": f"prt_01F2{n}", "sessionID": PARENT, "messageID": "msg_01F",
                                    "type": "file", "filename": "shot.png", **a} for n, a in enumerate(attachments)]
    call.write_bytes(orjson.dumps(doc))
    logs, problems = present(registry.get("opencode").stage)(sorted(storage.rglob("*.json")), tmp_path / "staged")
    assert problems == []
    [files] = [f for f in group("opencode", logs) if PARENT.encode() in f.main.read_bytes()[:4096]]
    session = read_session(files)
    last = max(s.index for s in session.steps if s.active and s.subagent is None)
    resumed = write_session(session, [RawLog(str(files.main), files.main.read_bytes())], last,
                            cwd="/home/dev/shop", env={}, home=tmp_path / "home")
    return orjson.loads(Path(resumed.path).read_bytes())


def _parts(doc: dict, message: int) -> list[dict]:
    return doc["messages"][message]["parts"]


def test_a_file_the_program_would_fetch_by_its_url_is_carried_as_the_text_sent_for_it(tmp_path):
    doc = _resumed(tmp_path, [{"mime": "image/png", "url": BEACON, "filename": "shot.png"},
                              {"mime": "application/pdf", "url": "file:///home/dev/spec.pdf"}], [])
    written = orjson.dumps(doc).decode()
    assert "beacon.example.com" not in written and "spec.pdf" not in written
    user = next(m for m in doc["messages"] if any(p.get("text") == "now guard against None" for p in m["parts"]))
    assert [(p["type"], p.get("text")) for p in user["parts"]] == [
        ("text", "[Attached image/png: shot.png]"), ("text", "[Attached application/pdf: file]"),
        ("text", "now guard against None")]
    assert all(p.get("synthetic") is True for p in user["parts"][:2])


def test_an_attachment_the_program_would_fetch_is_left_out_and_one_it_holds_kept(tmp_path):
    doc = _resumed(tmp_path, [], [{"mime": "image/png", "url": BEACON}, {"mime": "image/png", "url": DATA}])
    assert "beacon.example.com" not in orjson.dumps(doc).decode()
    [call] = [p for m in doc["messages"] for p in m["parts"] if p.get("callID") == "call_patch1"]
    assert [a["url"] for a in call["state"]["attachments"]] == [DATA]


def test_a_file_held_as_data_or_never_sent_is_carried_whole(tmp_path):
    kept = [{"mime": "image/png", "url": DATA, "filename": "shot.png"},
            {"mime": "text/plain", "url": "file:///home/dev/shop/cart.py", "filename": "cart.py"},
            {"mime": "application/x-directory", "url": "file:///home/dev/shop/src", "filename": "src"}]
    doc = _resumed(tmp_path, kept, [])
    files = [p for m in doc["messages"] for p in m["parts"] if p["type"] == "file"]
    assert [(p["mime"], p["url"]) for p in files][-3:] == [(k["mime"], k["url"]) for k in kept]
