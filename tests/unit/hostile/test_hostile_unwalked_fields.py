"""Round 6 of hostile input: text the redaction never read. A tool's name (an MCP server's), a model's
name (a custom provider's), the agent's version and a JSON key of a tool's input are the log's text, and
every format carries them, but no field held them: a token there made the seal and every export but raw
refuse (the second gate found it, and nobody could decide it: "text no field of the session holds"), a
random password there went out, since the gate reads sure findings only. And a field is named by its
keys, so a token keying a tool's input was printed by `scan`, a refused seal's list and the plan, where
values never are. Each is a field now; a key that is no name is one of its own, named by position.
Values are made up here.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.cli import main
from tracetui.model import Session, Step
from tracetui.redact.fields import iter_fields, rewrite_fields

SID = "5d5d5d5d-1111-4222-8333-444455556666"
TOKEN = "ghp_" + "Wc4Nq8Lx2Vm7Tz3Rk9Hs1Jd6Fb5Gp0Ya2UeQ"
_rng = random.Random(62)
PASSWORD = "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(40))  # entropy alone


def test_names_keys_and_versions_are_fields_and_a_key_that_is_no_name_is_renamed():
    step = Step("s1", 0, "tool_call", "assistant", tool=f"mcp__{TOKEN}__q", model=f"m-{TOKEN}",
                tool_input={"file_path": "/srv/a", TOKEN: "v", "nested": {PASSWORD: {"x": "y"}}})
    session = Session("s", "claude", "/logs/a.jsonl", version=TOKEN, models=["gpt", TOKEN], steps=[step])
    fields = {(f.step, f.name): f.text for f in iter_fields(session)}
    assert fields[("s1", "tool")] == step.tool and fields[("s1", "model")] == step.model
    assert fields[(None, "version")] == TOKEN and fields[(None, "models[1]")] == TOKEN
    assert fields[("s1", "tool_input{#1}")] == TOKEN and fields[("s1", "tool_input[#1]")] == "v"
    assert fields[("s1", "tool_input.nested{#0}")] == PASSWORD
    assert fields[("s1", "tool_input.nested[#0].x")] == "y"
    assert not any(TOKEN[4:] in name or PASSWORD in name for _, name in fields)
    out = rewrite_fields(session, lambda _s, _n, text: text.replace(TOKEN, "<T>").replace(PASSWORD, "<P>"))
    assert out.steps[0].tool_input == {"file_path": "/srv/a", "<T>": "v", "nested": {"<P>": {"x": "y"}}}
    assert list(out.steps[0].tool_input) == ["file_path", "<T>", "nested"]  # in place, in order
    assert (out.steps[0].tool, out.steps[0].model, out.version, out.models) == (
        "mcp__<T>__q", "m-<T>", "<T>", ["gpt", "<T>"])


def test_keys_that_read_as_names_keep_their_names():
    from tracetui.redact.fields import names_a_key

    for key in ("file_path", "x-api-key", "-i", "sha256", "issue_number", "dangerouslyDisableSandbox"):
        assert names_a_key(key), key
    for key in (TOKEN, PASSWORD, "AKIAQ3EGVP7XJ5RTNW2K", "a" * 40, "\x1b[2J", "clé"):
        assert not names_a_key(key), key


def _log(folder: Path) -> Path:
    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": SID,
            "version": "2.0.30", "gitBranch": "main"}
    usage = {"input_tokens": 1, "output_tokens": 1}
    records = [
        {**base, "parentUuid": None, "uuid": "w-1", "timestamp": "2026-03-03T10:00:01.000Z", "type": "user",
         "message": {"role": "user", "content": "look it up"}},
        {**base, "parentUuid": "w-1", "uuid": "w-2", "timestamp": "2026-03-03T10:00:02.000Z",
         "type": "assistant", "requestId": "req_1", "message": {
             "id": "msg_1", "type": "message", "role": "assistant", "model": f"proxy/{TOKEN}",
             "usage": usage,
             "content": [{"type": "tool_use", "id": "toolu_1", "name": "mcp__vault__get",
                          "input": {"path": "kv/app", TOKEN: "read", PASSWORD: "write"}}],
             "stop_reason": None}},
        {**base, "parentUuid": "w-2", "uuid": "w-3", "timestamp": "2026-03-03T10:00:03.000Z", "type": "user",
         "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                                  "content": "ok"}]}},
    ]
    project = folder / "-srv-app"
    project.mkdir(parents=True)
    (project / f"{SID}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder


def test_a_token_in_a_model_name_or_a_key_is_scrubbed_and_never_named(tmp_path, capsys):
    bucket = str(tmp_path / "bucket")
    assert main(["--bucket", bucket, "sync", "--source", f"claude={_log(tmp_path / 'logs')}", "--json"]) == 0
    capsys.readouterr()
    assert main(["--bucket", bucket, "scan", SID, "--json"]) == 0
    listed = capsys.readouterr().out
    assert TOKEN[4:] not in listed and PASSWORD not in listed
    assert {f["field"] for f in json.loads(listed)} >= {"model", "tool_input{#1}", "tool_input{#2}"}
    out = tmp_path / "s.capsule"
    assert main(["--bucket", bucket, "seal", SID, "--accept-suggested", "-o", str(out), "--json"]) == 0
    members = b"".join(read_archive(out.read_bytes(), ALLOWED).values())
    assert TOKEN[4:].encode() not in members and PASSWORD.encode() not in members
    for fmt in ("parquet", "atif"):
        capsys.readouterr()
        assert main(["--bucket", bucket, "export", str(tmp_path / fmt), "--format", fmt, "--accept-suggested",
                     "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["written"] == 1
