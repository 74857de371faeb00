"""Values nested between the depth orjson writes (254 levels) and the depth it reads (1,024), found
by structural fuzzing (2026-11-28): such a value parsed, and then failed wherever it was written
again. An OpenCode part or a Gemini logs.json entry 300 levels deep stopped its stage, which cost
every session of that agent (`cannot gather`); a tool input or a call's arguments 300 levels deep
made `show --json` end in a traceback and the export refuse the session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import orjson
import pytest
from support.deep_values import deep_json
from support.hostile_fields import PICKS, each_field, model_problems

from shared_data import FIXTURES
from tracetui.bucket.locations import discover
from tracetui.cli import main
from tracetui.sources import read_session, registry

LEVELS = 300  # past what orjson writes, well within what it reads


def _sessions(agent: str, folder: Path, work: Path) -> list:
    """Every session of `folder` as a sync reads it: through the agent's stage, where it has one."""
    found = registry.get(agent)
    files = discover(agent, [folder])
    if found.stage is not None:
        files, problems = found.stage(files, work / "staged")
        assert not problems, problems
    return [read_session(g) for g in found.group(files)]


@pytest.mark.parametrize("agent", list(PICKS))
def test_any_container_of_any_agents_log_300_levels_deep_keeps_a_writable_session(tmp_path, agent):
    reader = registry.get(agent)
    tried = 0
    for field in each_field(agent, tmp_path):
        if not field.where or not isinstance(field.value, dict | list):
            continue
        field.write(None, deep_json(LEVELS))
        for group in reader.group(field.files):
            session = read_session(group)
            assert not model_problems(session), (field.path.name, field.where)  # orjson writes it
        tried += 1
    assert tried > 5


def _deepen_json(path: Path, key: str) -> None:
    """`key` set, in the JSON document at `path` (or each of its entries), to a value LEVELS deep."""
    doc = orjson.loads(path.read_bytes())
    for entry in doc if isinstance(doc, list) else [doc]:
        entry[key] = "DEEP"
    path.write_bytes(orjson.dumps(doc).replace(b'"DEEP"', deep_json(LEVELS)))


@pytest.mark.parametrize(
    ("agent", "tree", "deepened"),
    [
        ("opencode", FIXTURES / "opencode" / "storage", "part/msg_01B/prt_01B02.json"),
        ("gemini", FIXTURES / "gemini", "tmp/garden/logs.json"),
    ],
)
def test_a_record_300_levels_deep_is_staged_with_every_session(tmp_path, agent, tree, deepened):
    plain, deep = tmp_path / "plain", tmp_path / "deep"
    shutil.copytree(tree, plain)
    shutil.copytree(tree, deep)
    if agent == "gemini":  # logs.json alone: its sessions are staged from it, not from their chats
        for folder in (plain, deep):
            shutil.rmtree(folder / "tmp" / "garden" / "chats")
    _deepen_json(deep / deepened, "extra")
    want = _sessions(agent, plain, tmp_path / "w1")
    got = _sessions(agent, deep, tmp_path / "w2")  # raised: "Recursion limit reached"
    assert [(s.id, len(s.steps)) for s in got] == [(s.id, len(s.steps)) for s in want]
    for session in got:
        assert not model_problems(session)


def _codex_log(folder: Path, as_text: bool, levels: int = LEVELS) -> Path:
    """The Codex fixture with its first call's arguments `levels` deep: as JSON text (as Codex writes
    them) or as the JSON value itself."""
    log = folder / "current.jsonl"
    folder.mkdir()
    lines = (FIXTURES / "codex" / "current.jsonl").read_bytes().splitlines()
    for n, line in enumerate(lines):
        record = orjson.loads(line)
        if record.get("payload", {}).get("type") == "function_call":
            record["payload"]["arguments"] = deep_json(levels).decode() if as_text else "DEEP"
            lines[n] = orjson.dumps(record).replace(b'"DEEP"', deep_json(levels))
            break
    else:
        raise AssertionError("the fixture has no function call")
    log.write_bytes(b"\n".join(lines) + b"\n")
    return log


def test_a_calls_arguments_given_as_json_text_300_levels_deep_keep_the_session_writable(tmp_path):
    log = _codex_log(tmp_path / "codex", as_text=True)
    (session,) = _sessions("codex", log.parent, tmp_path)
    assert not model_problems(session)


# Past 1,024 levels orjson refuses the line, which is read with its values past MAX_DEPTH cut: cut
# at 256 levels, still deeper than orjson writes.
@pytest.mark.parametrize("levels", [LEVELS, 2_000])
@pytest.mark.parametrize("as_text", [False, True])
def test_a_tool_input_nested_deep_is_shown_as_json_and_exported(tmp_path, capsys, as_text, levels):
    _codex_log(tmp_path / "codex", as_text, levels)
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"codex={tmp_path / 'codex'}", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sessions"] == 1 and not [e for e in report["errors"] if "could not" in e["error"]]
    assert main([*bucket, "ls", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert main([*bucket, "show", row["id"], "--json"]) == 0  # a traceback: "Recursion limit reached"
    assert json.loads(capsys.readouterr().out)["steps"]
    dest = tmp_path / "out"
    assert main([*bucket, "export", str(dest), "--format", "atif", "--accept-suggested", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["written"] == 1
    assert main([*bucket, "export", str(dest), "--check"]) == 0


# A made-up token in GitHub's shape at the bottom of the nesting: past the depth the readers keep, so
# only the export's second gate, reading the copy of the log, can see it.
DEEP_TOKEN = "ghp_" + "Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0Xc4Vb7N"


@pytest.mark.parametrize("levels", [LEVELS, 900])
@pytest.mark.parametrize("fmt", ["raw", "parquet", "atif"])
def test_every_format_exports_a_record_too_deep_to_write_and_leaks_nothing(tmp_path, capsys, fmt, levels):
    """The raw export's gate reads each record of the log's copy as JSON written again: a record past
    254 levels ended the export in a traceback ("Recursion limit reached"), and one past Python's
    recursion limit (900 levels) too. Such a record is read as its text: its token is still found."""
    log = _codex_log(tmp_path / "codex", False, levels)
    log.write_bytes(log.read_bytes().replace(b'"the bottom"', f'"{DEEP_TOKEN}"'.encode()))
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"codex={tmp_path / 'codex'}", "--json"]) == 0
    dest = tmp_path / "out"
    capsys.readouterr()
    code = main([*bucket, "export", str(dest), "--format", fmt, "--accept-suggested", "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Recursion" not in err
    assert code == 0, err
    assert main([*bucket, "export", str(dest), "--check"]) == 0
    for path in dest.rglob("*"):
        if path.is_file():
            assert DEEP_TOKEN.encode() not in path.read_bytes(), path.name


@pytest.mark.parametrize("levels", [LEVELS, 2_000])
def test_a_legacy_copilot_document_nested_deep_keeps_a_writable_session(levels):
    """Copilot's early `history-session-state` document was read with orjson alone: a call's arguments
    300 levels deep made a session no writer could write again; 2,000 levels lost the document."""
    from tracetui.sources import RawLog
    from tracetui.sources.copilot import reader as copilot

    doc = {
        "sessionId": "6a6a6a6a-0000-4000-8000-000000000001", "startTime": "2025-10-04T05:35:50.000Z",
        "timeline": [
            {"type": "user", "id": "u1", "timestamp": "2025-10-04T05:35:56.461Z", "text": "look deep"},
            {"type": "tool_call_requested", "id": "r1", "timestamp": "2025-10-04T05:36:04.800Z",
             "callId": "toolu_1", "name": "bash", "arguments": "DEEP"},
        ],
    }  # fmt: skip
    name = "/h/.copilot/history-session-state/session_6a6a6a6a-0000-4000-8000-000000000001_1759556150000.json"
    session = copilot.read(RawLog(name, orjson.dumps(doc).replace(b'"DEEP"', deep_json(levels))), [])
    assert [s.kind for s in session.steps] == ["user", "tool_call"]
    assert not model_problems(session)


@pytest.mark.parametrize("column", ["message", "part", "summary_diffs"])
def test_an_opencode_database_row_nested_deep_keeps_its_session(tmp_path, capsys, column):
    """OpenCode's database keeps each message, part and a session's summary of diffs as JSON text,
    which the stage read with orjson alone and wrote again: one 300 levels deep stopped the stage."""
    import contextlib
    import sqlite3

    db = tmp_path / "opencode.db"
    deep = deep_json(LEVELS).decode()
    message = '{"role": "user", "time": {"created": 1}, "deep": %s}' % (deep if column == "message" else "1")
    part = '{"type": "text", "text": "look deep", "deep": %s}' % (deep if column == "part" else "1")
    with contextlib.closing(sqlite3.connect(db)) as conn:
        times = "time_created INTEGER, time_updated INTEGER"
        conn.execute("CREATE TABLE session (id TEXT, parent_id TEXT, time_updated INTEGER, "
                     "time_created INTEGER, directory TEXT, version TEXT, project_id TEXT, slug TEXT, "
                     "title TEXT, summary_diffs TEXT)")
        conn.execute(f"CREATE TABLE message (id TEXT, session_id TEXT, {times}, data TEXT)")
        conn.execute(f"CREATE TABLE part (id TEXT, message_id TEXT, session_id TEXT, {times}, "
                     "data TEXT)")
        conn.execute("INSERT INTO session VALUES ('ses_1', NULL, 1, 1, '/tmp/w', '1', 'p', 's', 'deep', ?)",
                     ("[%s]" % deep if column == "summary_diffs" else None,))
        conn.execute("INSERT INTO message VALUES ('msg_1', 'ses_1', 1, 1, ?)", (message,))
        conn.execute("INSERT INTO part VALUES ('prt_1', 'msg_1', 'ses_1', 1, 1, ?)", (part,))
        conn.commit()
    assert main(["--bucket", str(tmp_path / "b"), "sync", "--source", f"opencode={db}", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sessions"] == 1 and not report["errors"], report
    assert main(["--bucket", str(tmp_path / "b"), "show", "ses_1", "--json"]) == 0
    assert "look deep" in capsys.readouterr().out


def _claude_log(folder: Path, levels: int) -> Path:
    """The Claude Code fixture with its first tool call's input holding a value `levels` deep."""
    shop = FIXTURES / "claude" / "projects" / "-home-dev-shop"
    source = shop / "11111111-1111-4111-8111-111111111111.jsonl"
    lines = source.read_bytes().splitlines()
    for n, line in enumerate(lines):
        if b'"tool_use"' in line and b'"input":{' in line.replace(b" ", b""):
            lines[n] = line.replace(b'"input": {', b'"input": {"deep": DEEP, ', 1).replace(
                b'"input":{', b'"input":{"deep":DEEP,', 1).replace(b"DEEP", deep_json(levels))
            break
    else:
        raise AssertionError("the fixture has no tool call")
    folder.mkdir(parents=True)
    (folder / source.name).write_bytes(b"\n".join(lines) + b"\n")
    return folder


def _gemini_log(top: Path, levels: int) -> Path:
    """One Gemini CLI session file of the fixture, its first call's args holding a value `levels` deep."""
    name = "session-2026-05-01T10-00-5e0c1a2b.jsonl"
    data = (FIXTURES / "gemini" / "tmp" / "garden" / "chats" / name).read_bytes()
    chats = top / "tmp" / "garden" / "chats"
    chats.mkdir(parents=True)
    deepened = data.replace(b'"args": {', b'"args": {"deep": ' + deep_json(levels) + b", ", 1)
    (chats / name).write_bytes(deepened)
    return top


@pytest.mark.parametrize("agent", ["claude", "codex", "gemini"])
def test_a_session_nested_deep_resumes_in_its_own_agent(tmp_path, capsys, monkeypatch, agent):
    """Resuming in the session's own agent copies its log's lines, read and written again: a record 300
    levels deep ended `resume` in "TypeError: Recursion limit reached" after its answer."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    logs = tmp_path / "logs"
    folder = {"claude": lambda: _claude_log(logs, LEVELS), "codex": lambda: _codex_log(logs, False).parent,
              "gemini": lambda: _gemini_log(logs, LEVELS)}[agent]()
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"{agent}={folder}", "--json"]) == 0
    capsys.readouterr()
    assert main([*bucket, "ls", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert main([*bucket, "resume", row["id"], "--step", str(row["steps"] - 1), "--json"]) == 0
    written = Path(json.loads(capsys.readouterr().out)["path"])
    assert all(orjson.loads(line) for line in written.read_bytes().splitlines() if line.strip())
