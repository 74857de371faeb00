"""OpenCode: the three storage forms (JSON storage tree, SQLite database, export documents) read into
the same session, staged into append-only logs the bucket syncs incrementally, and the real files."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import orjson
import pytest
from shared_data import CORPUS, FIXTURES, requires_corpus
from support.narrow import present
from support.opencode_db import fill, schema

from tracetui import ctx
from tracetui.bucket import Bucket
from tracetui.bucket.locations import discover
from tracetui.cli import main
from tracetui.model import Session, SessionFilter, StepKind
from tracetui.sources import RawLog, registry
from tracetui.sources.opencode import reader as opencode
from tracetui.sources.opencode import stage as opencode_stage
from support.sandboxed import requires_sandbox

STORAGE_FIXTURES = FIXTURES / "opencode"
PARENT = "ses_01PARENTaaaaaaaaaaaaaaaaa"
CHILD = "ses_02CHILDbbbbbbbbbbbbbbbbbb"

# Counted by hand from make_fixtures.py: the parent's 22 steps (2 user, 13 assistant turn, compaction,
# user, 5 of the failed turn) plus the subagent's 4 between its start and end.
TREE = {"steps": 28, "tool_calls": 8, "edits": 4, "subagents": 1}
EXPORT = {"steps": 22, "tool_calls": 7, "edits": 4, "subagents": 0}  # the export holds the parent only


def _counts(session) -> dict[str, int]:
    return {
        "steps": len(session.steps),
        "tool_calls": session.tool_calls,
        "edits": session.edit_calls,
        "subagents": len(session.subagents),
    }


def _read(path: Path):
    return opencode.read(RawLog(str(path), path.read_bytes()), [])


def _stage(sources: list[Path], folder: Path):
    found = discover("opencode", sources)
    staged, problems = opencode_stage.stage(found, folder)
    return [_read(p) for p in staged], problems


# --------------------------------------------------------------------------------------------
# The forms


def test_the_json_storage_tree_becomes_one_session_with_its_subagent(tmp_path):
    [session], problems = _stage([STORAGE_FIXTURES / "storage"], tmp_path / "st")
    assert problems == [] and session.errors == []
    assert (session.id, session.agent, session.title, session.cwd) == (
        PARENT,
        "opencode",
        "Fix the cart total",
        "/work/shop",
    )
    assert _counts(session) == TREE
    assert session.models == ["anthropic/claude-sonnet-4"]
    # step-finish parts, each counted once: 100+200+300+50 (parent) + 60 (child) input
    assert session.tokens.to_dict() == {"input": 710, "output": 108, "cache_read": 150, "cache_write": 10}
    assert sum(s.tokens.total for s in session.steps if s.tokens) == session.tokens.total
    assert session.source.endswith(f"{PARENT}.json") and session.version == "1.1.47"
    by_id = {s.id: s for s in session.steps}

    # the subagent sits right after the task call that spawned it; the step's two other calls follow,
    # then the three results in the calls' order (one model step: run side by side)
    kinds = [s.kind for s in session.steps]
    task = kinds.index(StepKind.SUBAGENT_START) - 1
    assert session.steps[task].tool == "task"
    after = session.steps[task + 7 : task + 12]
    assert [(s.kind, s.tool) for s in after] == [
        (StepKind.TOOL_CALL, "write"), (StepKind.TOOL_CALL, "bash"),
        (StepKind.TOOL_RESULT, "task"), (StepKind.TOOL_RESULT, "write"), (StepKind.TOOL_RESULT, "bash"),
    ]
    assert session.steps[task + 7].parent == session.steps[task].id
    assert [s.parent for s in after[1:]] == [s.id for s in after[:-1]]
    [agent] = session.subagents
    assert (agent.id, agent.agent_type, agent.description, agent.spawned_by) == (
        CHILD,
        "explore",
        "Find rounding code",
        "prt_01B07",
    )
    assert [s.subagent for s in session.steps[task + 1 : task + 7]] == [CHILD] * 6  # start, 4 steps, end
    assert by_id["prt_02A1"].parent == f"subagent:{CHILD}:start"

    # calls pair with results by callID
    calls = {s.tool_call_id: s for s in session.steps if s.kind == StepKind.TOOL_CALL}
    results = {s.tool_call_id: s for s in session.steps if s.kind == StepKind.TOOL_RESULT}
    assert set(calls) == set(results)
    position = {s.id: n for n, s in enumerate(session.steps)}
    assert all(position[results[c].id] > position[calls[c].id] for c in calls)
    assert results["toolu_bash1"].meta["exit_code"] == 0

    # edits: the edit's before/after, the write's new file, the patch tool, a failed edit
    [edit] = by_id["prt_01B04"].edits
    assert (edit.path, edit.op, edit.original, edit.content) == (
        "/work/shop/cart.py",
        "update",
        "def total(items):\n    return round(sum(items), 1)\n",
        "def total(items):\n    return round(sum(items), 2)\n",
    )
    [write] = by_id["prt_01B08"].edits
    assert (write.path, write.op) == ("/work/shop/tests/test_cart.py", "create") and write.content.startswith(
        "from cart"
    )
    [patch] = by_id["prt_01F2"].edits
    assert (patch.path, patch.op, len(patch.hunks)) == ("cart.py", "update", 1)
    [failed] = by_id["prt_01F3"].edits
    assert failed.applied is False and results["call_edit2"].is_error

    # compaction carries the summary message's text; the turn's error is a system step
    [compaction] = [s for s in session.steps if s.kind == StepKind.COMPACTION]
    assert compaction.text.startswith("Summary: the cart total") and compaction.meta["auto"] is True
    assert compaction.tokens is not None and compaction.tokens.input == 300
    assert by_id["msg_01F:error"].is_error and by_id["msg_01F:error"].text == "rate limited, try later"
    assert by_id["prt_01B10"].kind == StepKind.SYSTEM and by_id["prt_01B10"].meta["files"][1].endswith(
        "test_cart.py"
    )
    assert by_id["prt_01A2"].kind == StepKind.CONTEXT and by_id["prt_01A2"].text == "[file] cart.py"
    assert [s.index for s in session.steps] == list(range(len(session.steps)))


def test_an_export_document_reads_alone_and_through_a_sync():
    session = _read(STORAGE_FIXTURES / "export.json")
    assert session.errors == [] and _counts(session) == EXPORT
    assert session.id == PARENT and session.title == "Fix the cart total"
    # the task call names a child the export does not hold: the call stays, no subagent is made up
    assert [s.tool for s in session.steps if s.kind == StepKind.TOOL_CALL].count("task") == 1


def test_an_export_written_one_message_per_line_reads():
    session = _read(STORAGE_FIXTURES / "entire_lines.jsonl")
    assert session.errors == [] and session.id == CHILD
    assert _counts(session) == {"steps": 4, "tool_calls": 1, "edits": 0, "subagents": 0}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_database_reads_the_same_session_and_its_latest_writes_in_the_wal(tmp_path):
    data = tmp_path / "opencode"
    data.mkdir()
    db = data / "opencode.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # what OpenCode wrote last stays in the -wal file
    schema(conn)
    fill(conn, STORAGE_FIXTURES / "storage")
    conn.commit()
    assert (data / "opencode.db-wal").stat().st_size > 0
    before = {p.name: (_digest(p), p.stat().st_mtime_ns) for p in data.iterdir()}
    try:
        [session], problems = _stage([db], tmp_path / "st")
        after = {p.name: (_digest(p), p.stat().st_mtime_ns) for p in data.iterdir()}
    finally:
        conn.close()  # (closing checkpoints the WAL: the test's own write, after the comparison)
    assert problems == [] and session.errors == []
    assert _counts(session) == TREE and session.title == "Fix the cart total"
    assert session.source == str(db)
    assert session.tokens.to_dict() == {"input": 710, "output": 108, "cache_read": 150, "cache_write": 10}
    # the agent's files were only read: same bytes, same times, nothing new beside them
    assert after == before and not any(p.name.startswith(".copy") for p in (tmp_path / "st").iterdir())


def test_the_same_sessions_in_storage_and_database_are_one_session(tmp_path):
    """OpenCode leaves its JSON storage behind when it migrates to SQLite: both hold the sessions."""
    data = tmp_path / "opencode"
    shutil.copytree(STORAGE_FIXTURES / "storage", data / "storage")
    with sqlite3.connect(data / "opencode.db") as conn:
        schema(conn)
        fill(conn, STORAGE_FIXTURES / "storage")
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"opencode": [data / "storage", data / "opencode.db"]})
        assert (report.sessions, report.errors) == (1, [])
        [row] = bucket.list_sessions(SessionFilter(agent="opencode"))
        # ls counts the edit calls that succeeded: 3 of the 4 (one edit failed)
        assert (row.id, row.steps, row.tool_calls, row.edits) == (PARENT, 28, 8, 3)


def test_a_database_that_is_not_opencodes_is_one_clear_problem(tmp_path):
    bad = tmp_path / "opencode.db"
    bad.write_bytes(b"not a database at all" * 100)
    staged, problems = opencode_stage.stage([bad], tmp_path / "st")
    assert staged == [] and len(problems) == 1 and "cannot read the OpenCode database" in problems[0].error


# --------------------------------------------------------------------------------------------
# Sync: incremental, history kept


def test_resync_appends_only_what_changed_and_keeps_what_opencode_removed(tmp_path):
    storage = tmp_path / "storage"
    shutil.copytree(STORAGE_FIXTURES / "storage", storage)
    with Bucket.open(tmp_path / "b") as bucket:
        first = bucket.sync({"opencode": [storage]})
        assert (first.sessions, first.new, first.errors) == (1, 1, [])
        [log] = (tmp_path / "b" / "staged" / "opencode").glob("*.jsonl")
        size = log.stat().st_size
        again = bucket.sync({"opencode": [storage]})
        assert (again.unchanged, again.updated) == (1, 0) and log.stat().st_size == size

        # OpenCode rewrites a part in place (the assistant's text grew): one line is appended
        text = next(storage.glob("part/msg_01B/prt_01B11.json"))
        part = orjson.loads(text.read_bytes())
        part["text"] += " And a test covers it."
        text.write_bytes(orjson.dumps(part, option=orjson.OPT_INDENT_2))
        prefix = log.read_bytes()
        report = bucket.sync({"opencode": [storage]})
        assert (report.updated, report.errors) == (1, [])
        grown = log.read_bytes()
        assert grown.startswith(prefix) and grown[len(prefix) :].count(b"\n") == 1
        assert present(bucket.session(PARENT).step("prt_01B11")).text.endswith("covers it.")

        # OpenCode deletes the last turn (a revert): the bucket keeps it, shown as inactive
        shutil.rmtree(storage / "part" / "msg_01F")
        (storage / "message" / PARENT / "msg_01F.json").unlink()
        bucket.sync({"opencode": [storage]})
        session = bucket.session(PARENT)
        assert len(session.steps) == TREE["steps"]
        assert [s.active for s in session.steps if s.id.startswith(("prt_01F", "msg_01F"))] == [False] * 5
        assert all(s.active for s in session.steps if not s.id.startswith(("prt_01F", "msg_01F")))

        # and the whole tree gone (OpenCode's own clean-up): the session stays listed
        shutil.rmtree(storage)
        storage.mkdir()
        bucket.sync({"opencode": [storage]})
        assert [r.id for r in bucket.list_sessions(SessionFilter(agent="opencode"))] == [PARENT]


def test_the_default_folders_follow_xdg_data_home(tmp_path):
    agent = registry.get("opencode")
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    assert agent.folders(env, tmp_path)[:2] == [
        tmp_path / "xdg" / "opencode" / "storage",
        tmp_path / "xdg" / "opencode" / "opencode.db",
    ]
    assert agent.folders({}, tmp_path)[0] == tmp_path / ".local" / "share" / "opencode" / "storage"
    assert agent.folders({"OPENCODE_DB": "/x/y.db"}, tmp_path)[-1] == Path("/x/y.db")


def test_other_json_in_the_data_folder_is_never_copied(tmp_path):
    data = tmp_path / "opencode"
    shutil.copytree(STORAGE_FIXTURES / "storage", data / "storage")
    (data / "auth.json").write_text('{"anthropic": {"type": "api", "key": "sk-ant-not-a-session"}}')
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"opencode": [data]})
        assert (report.sessions, report.errors) == (1, [])
    copied = b"".join(p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert b"sk-ant-not-a-session" not in copied


# --------------------------------------------------------------------------------------------
# The CLI, as a user runs it


def test_sync_ls_show_and_trail_through_the_cli(tmp_path, capsys):
    repo = tmp_path / "shop"
    (repo / "tests").mkdir(parents=True)
    (repo / "cart.py").write_text("def total(items):\n    return round(sum(items or []), 2)\n")
    (repo / "tests" / "test_cart.py").write_text(
        "from cart import total\n\n\ndef test_total():\n    assert total([0.1, 0.2]) == 0.3\n"
    )
    storage = tmp_path / "storage"
    shutil.copytree(STORAGE_FIXTURES / "storage", storage)
    for path in storage.rglob("*.json"):  # the session ran in this repo
        path.write_bytes(path.read_bytes().replace(b"/work/shop", str(repo).encode()))
    b = ["--bucket", str(tmp_path / "b")]
    assert main([*b, "sync", "--source", f"opencode={storage}", "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["new"] == 1
    assert main([*b, "ls", "--json"]) == 0
    [row] = orjson.loads(capsys.readouterr().out)
    # ls counts the edit calls that succeeded: one of the 4 failed
    assert (row["agent"], row["id"], row["steps"], row["edits"]) == ("opencode", PARENT, 28, 3)
    assert main([*b, "show", PARENT, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert len(doc["steps"]) == 28 and doc["subagents"][0]["id"] == CHILD
    assert main([*b, "trail", PARENT, "--json"]) == 0
    trail = orjson.loads(capsys.readouterr().out)
    text = orjson.dumps(trail).decode()
    assert "cart.py" in text and "tests/test_cart.py" in text


# --------------------------------------------------------------------------------------------
# Real files


def _corpus() -> list[Path]:
    return sorted((CORPUS / "opencode").glob("*")) if (CORPUS / "opencode").is_dir() else []


@requires_corpus
@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name[-48:])
def test_every_real_file_reads_alone_without_error(path):
    session = _read(path)
    assert session.errors == [] and session.id.startswith("ses_")


def _independent_export_counts(doc: dict) -> dict[str, int]:
    parts = [p for m in doc["messages"] for p in m["parts"]]
    tools = [p for p in parts if p["type"] == "tool"]
    steps = sum(1 for p in parts if p["type"] in ("text", "reasoning") and p["text"].strip())
    steps += sum(
        1 for p in parts if p["type"] in ("patch", "file", "compaction", "subtask", "agent", "retry")
    )
    steps += sum(2 if p["state"]["status"] in ("completed", "error") else 1 for p in tools)
    steps += sum(1 for m in doc["messages"] if m["info"].get("error"))
    edits = sum(1 for p in tools if p["tool"] in ("edit", "write", "multiedit", "apply_patch", "patch"))
    return {"steps": steps, "tool_calls": len(tools), "edits": edits, "subagents": 0}


@requires_corpus
def test_real_exports_count_as_an_independent_count_says():
    exports = [p for p in _corpus() if p.name.endswith("full.jsonl")]
    assert exports
    for path in exports:
        doc = orjson.loads(path.read_bytes())
        assert _counts(_read(path)) == _independent_export_counts(doc), path.name


@requires_corpus
def test_the_real_storage_layout_rebuilt_from_provenance_syncs(tmp_path):
    home = tmp_path / "home"
    for line in (CORPUS / "provenance.jsonl").read_text().splitlines():
        record = orjson.loads(line)
        if record["file"].startswith("opencode/"):
            target = home / record["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(CORPUS / record["file"], target)
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"opencode": [home]})
        assert (
            report.errors == []
            and report.sessions == len({p.name for p in _corpus() if "full" in p.name}) + 1
        )
        storage = bucket.session("ses_3ee0af9f7ffeE9V7H3oKopazGS")
        # one session over five files: its info, two messages, two parts (a step-finish and a patch)
        assert storage.title == "Project workflow and component interactions in detail"
        assert [s.kind for s in storage.steps] == [StepKind.SYSTEM]
        assert storage.tokens.output == 3333 + 1 and storage.models == ["opencode/big-pickle"]
    assert os.path.isdir(home)


# --------------------------------------------------------------------------------------------
# Capsules


@requires_sandbox
def test_a_capsule_sealed_from_an_opencode_session_replays(tmp_path, capsys):
    sys.path.insert(0, str(FIXTURES / "capsule"))  # the kit, whichever test ran before
    import capsule_kit as kit

    repo, base = kit.make_repo(tmp_path)
    now = int(time.time() * 1000) + 120_000  # after the repository's base commit
    sid, cwd = "ses_0caps", str(repo)
    write = {
        "id": "prt_03",
        "sessionID": sid,
        "messageID": "msg_02",
        "type": "tool",
        "tool": "write",
        "callID": "toolu_w",
        "state": {
            "status": "completed",
            "input": {"filePath": f"{cwd}/test_calc.py", "content": kit.TEST},
            "output": "Wrote file successfully.",
            "metadata": {"exists": False},
            "time": {"start": now + 2000, "end": now + 2100},
        },
    }
    export = {
        "info": {
            "id": sid,
            "slug": "s",
            "version": "1.14.50",
            "projectID": "p",
            "directory": cwd,
            "title": "add a test for add()",
            "time": {"created": now, "updated": now + 5000},
        },
        "messages": [
            {
                "info": {"id": "msg_01", "sessionID": sid, "role": "user", "time": {"created": now + 1000}},
                "parts": [
                    {
                        "id": "prt_01",
                        "sessionID": sid,
                        "messageID": "msg_01",
                        "type": "text",
                        "text": "please add a test for add()",
                    }
                ],
            },
            {
                "info": {
                    "id": "msg_02",
                    "sessionID": sid,
                    "role": "assistant",
                    "parentID": "msg_01",
                    "modelID": "m",
                    "providerID": "p",
                    "path": {"cwd": cwd, "root": cwd},
                    "time": {"created": now + 1500, "completed": now + 3000},
                },
                "parts": [
                    write,
                    {
                        "id": "prt_04",
                        "sessionID": sid,
                        "messageID": "msg_02",
                        "type": "text",
                        "text": "The new test fails: add subtracts.",
                    },
                ],
            },
        ],
    }
    doc = tmp_path / "export.json"
    doc.write_bytes(orjson.dumps(export, option=orjson.OPT_INDENT_2))
    bucket, capsule = str(tmp_path / "b"), tmp_path / "oc.capsule"
    assert main(["sync", "--bucket", bucket, "--source", f"opencode={doc}", "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["sessions"] == 1
    code = main(
        [
            "seal",
            "--bucket",
            bucket,
            sid,
            "-o",
            str(capsule),
            "--repo",
            str(repo),
            "--accept-suggested",
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    sealed = orjson.loads(out)
    assert sealed["ok"] is True and sealed["patches"] == 1 and sealed["base"] == base
    assert main(["replay", str(capsule), "--repo", str(repo), "--check", kit.CHECK, "--json"]) == 1  # reproduces
    verdict = orjson.loads(capsys.readouterr().out)
    assert (verdict["verdict"], verdict["applied"], verdict["failed"]) == ("reproduces", 1, 0)


def test_the_mid_2025_layout_reads_the_same_way(tmp_path):
    """`project/<slug>/storage/session/{info,message,part/<ses>}/…`: a session info with no directory,
    assistant messages carrying the system prompt; ids in the files tie it together."""
    root = tmp_path / "project" / "global" / "storage" / "session"
    sid, mid_u, mid_a = "ses_7legacy", "msg_1user", "msg_2assistant"
    files = {
        root / "info" / f"{sid}.json": {
            "id": sid,
            "version": "0.5.13",
            "time": {"created": 1755840940735, "updated": 1755844397860},
        },
        root / "message" / sid / f"{mid_u}.json": {
            "id": mid_u,
            "role": "user",
            "sessionID": sid,
            "time": {"created": 1755840944000},
        },
        root / "message" / sid / f"{mid_a}.json": {
            "id": mid_a,
            "role": "assistant",
            "system": ["You are opencode"],
            "path": {"cwd": "/home/n", "root": "/home/n"},
            "modelID": "sonic",
            "providerID": "opencode",
            "tokens": {"input": 10, "output": 2, "reasoning": 0, "cache": {"read": 0, "write": 0}},
            "time": {"created": 1755840944034, "completed": 1755841029459},
            "sessionID": sid,
        },
        root / "part" / sid / mid_u / "prt_1.json": {
            "id": "prt_1",
            "messageID": mid_u,
            "sessionID": sid,
            "type": "text",
            "text": "make a site",
        },
        root / "part" / sid / mid_a / "prt_2.json": {
            "id": "prt_2",
            "messageID": mid_a,
            "sessionID": sid,
            "type": "tool",
            "tool": "todowrite",
            "callID": "call_1",
            "state": {
                "status": "completed",
                "input": {"todos": []},
                "output": "[]",
                "title": "0 todos",
                "time": {"start": 1755840947625, "end": 1755840947626},
            },
        },
    }
    for path, obj in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(obj, option=orjson.OPT_INDENT_2))
    [session], problems = _stage([tmp_path / "project"], tmp_path / "st")
    assert problems == [] and session.errors == []
    assert (session.id, session.cwd, session.title, session.version) == (
        sid,
        "/home/n",
        "make a site",
        "0.5.13",
    )
    assert _counts(session) == {"steps": 3, "tool_calls": 1, "edits": 0, "subagents": 0}
    assert session.tokens.input == 10 and session.models == ["opencode/sonic"]


def test_a_resync_with_nothing_changed_opens_no_opencode_file(tmp_path, monkeypatch):
    data = tmp_path / "opencode"
    shutil.copytree(STORAGE_FIXTURES / "storage", data / "storage")
    with sqlite3.connect(data / "opencode.db") as conn:
        schema(conn)
        fill(conn, STORAGE_FIXTURES / "storage")
    sources = [data / "storage", data / "opencode.db"]
    first, _ = opencode_stage.stage(discover("opencode", sources), tmp_path / "st")
    opened: list[str] = []
    real = opencode_stage.open_regular

    def counting(path):
        opened.append(str(path))
        return real(path)

    monkeypatch.setattr(opencode_stage, "open_regular", counting)
    again, problems = opencode_stage.stage(discover("opencode", sources), tmp_path / "st")
    assert (again, problems, opened) == (first, [], [])
    # one part changed: that file is read again (then the tree's material, to append what changed)
    part = data / "storage" / "part" / "msg_01E" / "prt_01E1.json"
    part.write_bytes(part.read_bytes().replace(b"against None", b"against None, please"))
    opencode_stage.stage(discover("opencode", sources), tmp_path / "st")
    assert opened[0] == str(part)


def _export_with(change) -> Session:
    doc = orjson.loads((STORAGE_FIXTURES / "export.json").read_bytes())
    change(doc)
    return opencode.read(RawLog("x.json", orjson.dumps(doc)), [])


def test_a_revert_an_abort_and_a_call_still_running():
    def change(doc):
        doc["info"]["revert"] = {"messageID": "msg_01E"}  # /undo back to the last prompt
        last = doc["messages"][-1]
        last["info"]["error"] = {"name": "MessageAbortedError", "data": {"message": "aborted"}}
        last["parts"][1]["state"] = {
            "status": "running",
            "input": {"patchText": "*** Begin Patch\n*** End Patch"},
            "time": {"start": 1767261682000},
        }

    session = _export_with(change)
    by_id = {s.id: s for s in session.steps}
    assert [s.id for s in session.steps if not s.active] == [
        "prt_01E1",
        "prt_01F2",
        "prt_01F3",
        "prt_01F3:result",
        "msg_01F:error",
    ]
    assert by_id["msg_01F:error"].is_error is False and by_id["msg_01F:error"].text == "aborted"
    assert by_id["prt_01F2"].meta["no_result"] is True and "prt_01F2:result" not in by_id


def test_a_compaction_that_kept_its_last_turns_names_the_first_step_it_kept():
    """OpenCode 1.18 keeps the last turns whole (`tail_start_id`, a message id): the model is sent the
    summary, then those turns, then what came after; the context at a later step says the same."""

    def change(doc):
        doc["messages"][2]["parts"][0]["tail_start_id"] = "msg_01B"

    session = _export_with(change)
    [compaction] = [s for s in session.steps if s.kind == StepKind.COMPACTION]
    assert compaction.meta["tail_start_id"] == "msg_01B"
    assert compaction.meta["first_kept_entry_id"] == "prt_01B02"  # msg_01B's first step: its reasoning
    seen = [item.step_id for item in ctx.context_at(session, "prt_01E1").items]
    kept = [s.id for s in session.steps if s.id.startswith("prt_01B") and s.kind in ctx.SEEN_KINDS]
    assert seen == [compaction.id, *kept, "prt_01E1"]
    # Without the field (older builds), the summary alone stands for what came before.
    plain = _export_with(lambda doc: None)
    assert "first_kept_entry_id" not in next(s for s in plain.steps if s.kind == StepKind.COMPACTION).meta
    assert [i.step_id for i in ctx.context_at(plain, "prt_01E1").items] == [compaction.id, "prt_01E1"]


def test_a_task_call_names_its_child_by_its_output_where_metadata_does_not():
    """1.18's task output opens `<task id="ses_…"`; earlier builds wrote `task_id: ses_…`."""
    assert opencode._task_id('<task id="ses_df2bAb1" state="completed">\n<task_result>') == "ses_df2bAb1"
    assert opencode._task_id("task_id: ses_01X (for resuming)") == "ses_01X"
    assert opencode._task_id("no id here") is None


def test_other_part_types_and_edit_shapes():
    def change(doc):
        user = doc["messages"][0]["parts"]
        user.append(
            {
                "id": "prt_01A3",
                "sessionID": PARENT,
                "messageID": "msg_01A",
                "type": "subtask",
                "prompt": "review the diff",
                "description": "review",
                "agent": "general",
            }
        )
        user.append(
            {"id": "prt_01A4", "sessionID": PARENT, "messageID": "msg_01A", "type": "agent", "name": "plan"}
        )
        user.append({"id": "prt_01A5", "sessionID": PARENT, "messageID": "msg_01A", "type": "hologram"})
        turn = doc["messages"][1]["parts"]
        turn.append(
            {
                "id": "prt_01B13",
                "sessionID": PARENT,
                "messageID": "msg_01B",
                "type": "retry",
                "attempt": 2,
                "error": {"name": "APIError", "data": {"message": "overloaded"}},
                "time": {"created": 1767261660000},
            }
        )
        turn.append(
            {
                "id": "prt_01B14",
                "sessionID": PARENT,
                "messageID": "msg_01B",
                "type": "tool",
                "tool": "multiedit",
                "callID": "c_multi",
                "state": {
                    "status": "completed",
                    "output": "ok",
                    "input": {
                        "filePath": "/w/a.py",
                        "edits": [
                            {"filePath": "/w/a.py", "oldString": "a", "newString": "b"},
                            {"filePath": "/w/a.py", "oldString": "c", "newString": "d", "replaceAll": True},
                        ],
                    },
                },
            }
        )
        turn.append(
            {
                "id": "prt_01B15",
                "sessionID": PARENT,
                "messageID": "msg_01B",
                "type": "tool",
                "tool": "edit",
                "callID": "c_new",
                "state": {
                    "status": "completed",
                    "output": "ok",
                    "input": {"filePath": "/w/new.py", "oldString": "", "newString": "x = 1\n"},
                },
            }
        )

    session = _export_with(change)
    by_id = {s.id: s for s in session.steps}
    assert (by_id["prt_01A3"].kind, by_id["prt_01A3"].text, by_id["prt_01A3"].meta["agent"]) == (
        StepKind.CONTEXT,
        "review the diff",
        "general",
    )
    assert by_id["prt_01A4"].text == "@plan" and session.skipped == {"part/hologram": 1}
    assert by_id["prt_01B13"].is_error and by_id["prt_01B13"].text == "overloaded"
    multi = by_id["prt_01B14"].edits
    assert [(e.old_string, e.new_string, e.replace_all) for e in multi] == [
        ("a", "b", False),
        ("c", "d", True),
    ]
    [new] = by_id["prt_01B15"].edits
    assert (new.op, new.content) == ("write", "x = 1\n")


@requires_corpus
def test_the_corpus_folder_as_it_is_syncs_with_no_error(tmp_path):
    """Flattened names (`owner__repo__…__storage__part__msg__prt.json`) lose the layout: the files are
    tied together by the ids inside them, so the same sessions come out."""
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"opencode": [CORPUS / "opencode"]})
        assert report.errors == []
        rows = {r.id: r for r in bucket.list_sessions(SessionFilter(agent="opencode"))}
    assert rows["ses_3ee0af9f7ffeE9V7H3oKopazGS"].tokens.cache_read == 35352
    assert len(rows) == len([p for p in _corpus() if p.name.endswith("full.jsonl")]) + 1


def test_newer_builds_session_message_rows_read_where_a_session_has_no_message_rows(tmp_path):
    db = tmp_path / "opencode.db"
    with sqlite3.connect(db) as conn:
        schema(conn)
        conn.execute(
            "CREATE TABLE session_message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, "
            "type TEXT NOT NULL, "
            "time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT INTO session (id, project_id, slug, directory, title, version, time_created, "
            "time_updated) "
            "VALUES ('ses_v2', 'p', 's', '/w', 'v2 messages', '2.0.0', 1767261600000, 1767261609000)"
        )
        rows = [
            (
                "evt_1",
                "user",
                {
                    "text": "rename x",
                    "files": [],
                    "agents": [],
                    "references": [],
                    "time": {"created": 1767261601000},
                },
            ),
            (
                "evt_2",
                "assistant",
                {
                    "agent": "build",
                    "model": {"id": "m1", "providerID": "p1"},
                    "time": {"created": 1767261602000},
                    "tokens": {"input": 5, "output": 3, "reasoning": 1, "cache": {"read": 0, "write": 0}},
                    "content": [
                        {"type": "reasoning", "id": "r1", "text": "easy"},
                        {
                            "type": "tool",
                            "id": "call_1",
                            "name": "edit",
                            "state": {
                                "status": "completed",
                                "input": {"filePath": "/w/a.py", "oldString": "x", "newString": "y"},
                                "content": [{"type": "text", "text": "Edit applied."}],
                                "structured": {},
                            },
                            "time": {"created": 1767261603000, "completed": 1767261604000},
                        },
                        {"type": "text", "text": "Done."},
                    ],
                },
            ),
            (
                "evt_3",
                "compaction",
                {"reason": "auto", "summary": "renamed x to y", "time": {"created": 1767261605000}},
            ),
        ]
        for i, (rid, kind, data) in enumerate(rows):
            conn.execute(
                "INSERT INTO session_message VALUES (?,?,?,?,?,?)",
                (rid, "ses_v2", kind, i, i, orjson.dumps(data).decode()),
            )
    [session], problems = _stage([db], tmp_path / "st")
    assert problems == [] and session.errors == []
    kinds = [s.kind for s in session.steps]
    assert kinds == [
        StepKind.USER,
        StepKind.REASONING,
        StepKind.TOOL_CALL,
        StepKind.TOOL_RESULT,
        StepKind.ASSISTANT,
        StepKind.COMPACTION,
    ]
    call = session.steps[2]
    assert (call.tool, call.tool_call_id, call.edits[0].path) == ("edit", "call_1", "/w/a.py")
    assert session.steps[3].text == "Edit applied." and session.steps[5].text == "renamed x to y"
    assert session.models == ["p1/m1"] and session.tokens.output == 4


def test_steps_form_one_line_with_no_false_branch_points(tmp_path):
    from tracetui.views.session_shape import shape_of

    [session], _ = _stage([STORAGE_FIXTURES / "storage"], tmp_path / "st")
    shape = shape_of(session)
    assert shape.branch_points == [] and not shape.has_branches
    main_line = [s for s in session.steps if s.subagent is None]
    assert all(b.parent == a.id for a, b in itertools.pairwise(main_line))
