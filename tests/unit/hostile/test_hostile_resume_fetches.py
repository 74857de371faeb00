"""A URL in a log that the agent's program fetches once the session is resumed. OpenCode 1.18.33 sends a
user's file part of a type the model reads (an image, a PDF), and a tool's attachment, by the URL the
part holds, and its AI SDK downloads it from the user's machine for every request (checked on the
program, on loopback): a log's `https://…/u123.png` was a beacon saying who resumed it and when, and
where the download failed (no network, a dead host, `file:`) every prompt of the resumed session failed.
OpenCode itself stores what it read as a `data:` URL. Found 2026-11-30 by the eighteenth red team.

A copy now holds such a part as the text OpenCode sends for media it strips, and leaves such an
attachment out; a `data:` file, and a type OpenCode never sends (a text file, a folder), stay whole.

Claude Code 2.1.332 sends an image or document block held by reference (`source` a `url`, or a `file` of
the Files API) as it is, and the API fetches it for every request: the log's author learnt of each
prompt, could serve the model other content than the log showed, and a dead URL failed every prompt. A
Claude fork holds such a block as a line saying it was left out; a `base64` one stays."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
from shared_data import FIXTURES
from support.narrow import present

from tracetui.resume import write_session
from tracetui.sources import RawLog, group, read_session, registry
from tracetui.sources.claude import writer as claude_writer

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
                                    "type": "file", "filename": "shot.png", **a}
                                   for n, a in enumerate(attachments)]
    call.write_bytes(orjson.dumps(doc))
    stage = present(registry.get("opencode").stage)
    logs, problems = stage(sorted(storage.rglob("*.json")), tmp_path / "staged")
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
    user = next(m for m in doc["messages"]
                if any(p.get("text") == "now guard against None" for p in m["parts"]))
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


def _claude_forked(tmp_path: Path, content: list, result: list) -> bytes:
    """A two-turn Claude Code log whose first prompt holds `content` and whose tool result holds `result`,
    forked at its last step: the written transcript."""
    base = {"isSidechain": False, "userType": "external", "cwd": "/home/dev/shop", "version": "2.1.90",
            "sessionId": "22222222-2222-4222-8222-222222222222"}
    lines = [
        {**base, "parentUuid": None, "uuid": "u1", "timestamp": "2026-01-05T10:00:01.000Z", "type": "user",
         "message": {"role": "user", "content": [{"type": "text", "text": "look at this"}, *content]}},
        {**base, "parentUuid": "u1", "uuid": "a1", "timestamp": "2026-01-05T10:00:02.000Z",
         "type": "assistant",
         "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-test",
                     "content": [{"type": "tool_use", "id": "toolu_1", "name": "Read",
                                  "input": {"file_path": "a.png"}}],
                     "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}}},
        {**base, "parentUuid": "a1", "uuid": "u2", "timestamp": "2026-01-05T10:00:03.000Z", "type": "user",
         "message": {"role": "user",
                     "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": result}]}},
        {**base, "parentUuid": "u2", "uuid": "a2", "timestamp": "2026-01-05T10:00:04.000Z",
         "type": "assistant",
         "message": {"id": "msg_2", "type": "message", "role": "assistant", "model": "claude-opus-test",
                     "content": [{"type": "text", "text": "Seen."}], "stop_reason": "end_turn",
                     "usage": {"input_tokens": 1, "output_tokens": 1}}},
    ]
    log = tmp_path / "src" / "22222222-2222-4222-8222-222222222222.jsonl"
    log.parent.mkdir()
    log.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    [files] = group("claude", [log])
    session = read_session(files)
    last = max(s.index for s in session.steps if s.active and s.subagent is None)
    resumed = write_session(session, [RawLog(str(files.main), files.main.read_bytes())], last,
                            cwd="/home/dev/shop", env={}, home=tmp_path / "home")
    return Path(resumed.path).read_bytes()


def test_a_claude_block_the_api_would_fetch_is_carried_as_a_line_saying_so(tmp_path):
    written = _claude_forked(
        tmp_path,
        [{"type": "image", "source": {"type": "url", "url": BEACON}},
         {"type": "document", "source": {"type": "file", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}}],
        [{"type": "text", "text": "the screenshot"},
         {"type": "image", "source": {"type": "url", "url": BEACON}}])
    assert b"beacon.example.com" not in written and b"file_011" not in written
    lines = [orjson.loads(line) for line in written.splitlines()]
    prompt = lines[0]["message"]["content"]
    assert [b["type"] for b in prompt] == ["text", "text", "text"]
    assert prompt[1]["text"] == claude_writer._BY_REFERENCE.format(kind="Image")
    [result] = [b for line in lines for b in line["message"]["content"] if b.get("type") == "tool_result"]
    assert [b["type"] for b in result["content"]] == ["text", "text"]


def test_a_claude_block_held_in_the_log_itself_is_carried_whole(tmp_path):
    held = [{"type": "image",
             "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"}}]
    lines = [orjson.loads(line) for line in _claude_forked(tmp_path, held, held[:1]).splitlines()]
    assert lines[0]["message"]["content"][1:] == held
    [result] = [b for line in lines for b in line["message"]["content"] if b.get("type") == "tool_result"]
    assert result["content"] == held[:1]
