"""What a source folder can hold besides logs: folders and links named like logs, loops of links,
devices, FIFOs, unreadable files, names that are not UTF-8, a line nested past any parser's depth.
A sync never hangs, says one line where it skips a log it was meant to read, and still reads the
good logs beside them."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess

import orjson
import pytest
from shared_data import ROOT
from support.cli_zygote import forked_cli

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter

FIXTURES = ROOT / "tests" / "fixtures"
GOOD = FIXTURES / "pi" / "v3_tree.jsonl"


def _tracetui(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    # A child forked from the worker's warm CLI (cli_zygote.py): a FIFO or an endless view can hang
    # it, never the test; nothing here is about what a new Python imports or reads on stdin.
    return forked_cli(*args, env={**os.environ, **env}, timeout=timeout)


@pytest.fixture
def odd_folder(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "good.jsonl")
    (folder / "dir.jsonl").mkdir()
    (folder / "loop.jsonl").symlink_to(folder / "loop.jsonl")
    (folder / "dangling.jsonl").symlink_to(folder / "nowhere")
    (folder / "null.jsonl").symlink_to("/dev/null")
    (folder / "zero.jsonl").symlink_to("/dev/zero")
    (folder / "up").symlink_to(folder)  # a loop of folders
    os.mkfifo(folder / "fifo.jsonl")
    return folder


def test_a_folder_of_odd_files_syncs_its_one_log_without_hanging(odd_folder, tmp_path):
    out = _tracetui("--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={odd_folder}", "--json")
    assert out.returncode == 0, out.stderr
    assert orjson.loads(out.stdout)["sessions"] == 1
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("name", ["dir.jsonl", "loop.jsonl", "dangling.jsonl", "null.jsonl", "zero.jsonl"])
def test_an_odd_file_named_as_the_source_is_one_line(odd_folder, tmp_path, name):
    out = _tracetui("--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={odd_folder / name}")
    assert "Traceback" not in out.stderr
    assert out.returncode == 0 or out.stderr.count("\n") == 1, out.stderr


def test_a_line_nested_past_any_parser_is_reported_and_the_rest_kept(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    lines = GOOD.read_bytes().splitlines()
    deep = b'{"type":"message","id":"deep","message":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    (folder / "s.jsonl").write_bytes(b"\n".join([*lines[:3], deep, *lines[3:]]) + b"\n")
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"pi": [folder]})
        (row,) = bucket.list_sessions(SessionFilter(include_hidden=True))
        plain = len(bucket.session(row.id).steps)
    assert report.sessions == 1
    assert any(e.line == 4 for e in report.errors)
    with Bucket.open(tmp_path / "b2") as bucket:
        folder2 = tmp_path / "src2"
        folder2.mkdir()
        shutil.copyfile(GOOD, folder2 / "s.jsonl")
        bucket.sync({"pi": [folder2]})
        (row,) = bucket.list_sessions(SessionFilter(include_hidden=True))
        assert len(bucket.session(row.id).steps) == plain, "the deep line cost only itself"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_log_is_one_line_and_the_others_sync(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "good.jsonl")
    locked = folder / "locked.jsonl"
    shutil.copyfile(FIXTURES / "pi" / "v1_linear.jsonl", locked)
    locked.chmod(0)
    try:
        out = _tracetui("--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={folder}", "--json")
    finally:
        locked.chmod(0o644)
    assert "Traceback" not in out.stderr
    assert orjson.loads(out.stdout)["sessions"] >= 1


def test_a_log_whose_name_is_not_utf8_is_read_or_named_in_one_line(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "good.jsonl")
    shutil.copyfile(FIXTURES / "pi" / "v1_linear.jsonl", os.fsencode(folder) + b"/bad\xff\xfe.jsonl")
    out = _tracetui("--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={folder}", "--json")
    assert "Traceback" not in out.stderr
    assert out.returncode == 0 and orjson.loads(out.stdout)["sessions"] >= 1


# -- the environment ----------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["PAGER", "EDITOR", "VISUAL"])
def test_a_pager_or_editor_variable_shlex_cannot_read_still_gives_a_command(variable, tmp_path):
    from tracetui.ui import external

    env = {variable: "less '-R"}
    command = (
        external.pager_command(env) if variable == "PAGER" else external.editor_command(env, tmp_path, 3)
    )
    assert command[0] == "less"


def test_the_bucket_and_agent_folders_named_by_the_environment_never_hang(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for bucket in ("/dev/null", str(fifo), str(GOOD)):
        out = _tracetui("ls", TRACETUI_BUCKET=bucket)
        assert out.returncode != 0 and out.stderr.count("\n") == 1, out.stderr
        assert "Traceback" not in out.stderr
    agents = {
        "CODEX_HOME": "/dev/null",
        "CLAUDE_CONFIG_DIR": str(fifo),
        "PI_CODING_AGENT_DIR": "x\x1b]0;t\x07",
        "GEMINI_CLI_HOME": str(GOOD),
        "COPILOT_HOME": "/dev/zero",
        "XDG_DATA_HOME": str(fifo),
        "HOME": str(tmp_path),
    }
    out = _tracetui("--bucket", str(tmp_path / "b"), "sync", timeout=60, **agents)
    assert "Traceback" not in out.stderr and "\x1b" not in out.stdout + out.stderr, out.stderr


# -- an OpenCode database is someone's file too -------------------------------------------------

_ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT"
HOSTILE_SCHEMAS = {
    "an endless view for its sessions": [
        f"CREATE VIEW Session AS {_ENDLESS} 'ses_' || x AS id, NULL AS parent_id, x AS time_updated FROM n",
        "CREATE TABLE message (id TEXT, session_id TEXT, data TEXT, time_updated INTEGER)",
        "CREATE TABLE part (id TEXT, message_id TEXT, session_id TEXT, data TEXT, time_updated INTEGER)",
    ],
    "an endless view for its messages": [
        "CREATE TABLE session (id TEXT, parent_id TEXT, time_updated INTEGER, data TEXT)",
        "INSERT INTO session VALUES ('ses_1', NULL, 1, '{}')",
        (
            f"CREATE VIEW message AS {_ENDLESS} 'msg_' || x AS id, 'ses_1' AS session_id, '{{}}' AS data,"
            " x AS time_updated FROM n"
        ),
        "CREATE TABLE part (id TEXT, message_id TEXT, session_id TEXT, data TEXT, time_updated INTEGER)",
    ],
    "a virtual table for its parts": [
        "CREATE TABLE session (id TEXT, parent_id TEXT, time_updated INTEGER, data TEXT)",
        "CREATE TABLE message (id TEXT, session_id TEXT, data TEXT, time_updated INTEGER)",
        "CREATE VIRTUAL TABLE part USING fts5(id, message_id, session_id, data, time_updated)",
    ],
}


@pytest.mark.parametrize("schema", list(HOSTILE_SCHEMAS))
def test_an_opencode_database_of_endless_views_is_refused_in_one_line(tmp_path, schema):
    import sqlite3

    db = tmp_path / "opencode.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        for statement in HOSTILE_SCHEMAS[schema]:
            conn.execute(statement)
        conn.commit()
    out = _tracetui(
        "--bucket", str(tmp_path / "b"), "sync", "--source", f"opencode={db}", "--json", timeout=60
    )
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    errors = orjson.loads(out.stdout)["errors"]
    assert [e["path"] for e in errors] == [str(db)] and "not a table" in errors[0]["error"]


def test_an_opencode_database_that_is_not_one_is_one_line(tmp_path):
    db = tmp_path / "opencode.db"
    db.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    out = _tracetui(
        "--bucket", str(tmp_path / "b"), "sync", "--source", f"opencode={db}", "--json", timeout=60
    )
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert [e["path"] for e in orjson.loads(out.stdout)["errors"]] == [str(db)]


# -- the bucket's own files, edited by someone else (a bucket copied from another machine) ---------

BAD_SIDECAR_FIELDS = [(f, v) for f in ("offset", "stored", "gen") for v in ("x", None, [1])] + [
    (f, v) for f in ("path", "agent") for v in (None, [1])
]


@pytest.mark.parametrize(("field", "value"), BAD_SIDECAR_FIELDS, ids=lambda v: repr(v))
def test_a_sidecar_field_of_the_wrong_type_counts_as_damage(tmp_path, field, value):
    folder = tmp_path / "src"
    folder.mkdir()
    log = folder / "a.jsonl"
    shutil.copyfile(GOOD, log)
    bucket = ["--bucket", str(tmp_path / "b")]
    assert _tracetui(*bucket, "sync", "--source", f"pi={folder}").returncode == 0
    (sidecar,) = (tmp_path / "b" / "raw").glob("*.json")
    doc = orjson.loads(sidecar.read_bytes())
    doc[field] = value
    sidecar.write_bytes(orjson.dumps(doc))
    with log.open("ab") as fh:  # the log grew: the sync reads the sidecar to append to the copy
        fh.write(b'{"type":"message","id":"zz","parentId":null,"timestamp":"2026-01-01T00:00:00Z",'
                 b'"message":{"role":"user","content":"more"}}\n')  # fmt: skip
    out = _tracetui(*bucket, "sync", "--source", f"pi={folder}", "--json")
    assert "Traceback" not in out.stderr, out.stderr[-300:]
    assert orjson.loads(out.stdout)["sessions"] == 1


def test_a_bucket_index_whose_sessions_table_is_an_endless_view_is_refused(tmp_path):
    import sqlite3

    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "a.jsonl")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert _tracetui(*bucket, "sync", "--source", f"pi={folder}").returncode == 0
    with contextlib.closing(sqlite3.connect(tmp_path / "b" / "index.sqlite")) as conn:
        conn.execute("ALTER TABLE sessions RENAME TO kept")
        conn.execute(f"CREATE VIEW sessions AS {_ENDLESS} kept.* FROM kept, n")
        conn.commit()
    out = _tracetui(*bucket, "ls", timeout=10)
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("edit", ["a list", "a number", "a span", "a value"])
def test_a_redaction_plan_of_the_wrong_shape_is_one_line(tmp_path, edit):
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "a.jsonl")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert _tracetui(*bucket, "sync", "--source", f"pi={folder}").returncode == 0
    assert _tracetui(*bucket, "scan", "33333333").returncode == 0
    (plan,) = (tmp_path / "b" / "plans").glob("*.plan.json")
    doc = orjson.loads(plan.read_bytes())
    changed = {
        "a list": [],
        "a number": 1,
        "a span": {**doc, "spans": [1]},
        "a value": {**doc, "values": [1]},
    }
    plan.write_bytes(orjson.dumps(changed[edit]))
    for command in (
        ["scan", "33333333"],
        ["seal", "33333333", "--accept-suggested", "-o", str(tmp_path / "c")],
    ):
        out = _tracetui(*bucket, *command)
        assert "Traceback" not in out.stderr, out.stderr[-300:]
        assert out.returncode == 1 and "is damaged" in out.stderr and out.stderr.count("\n") == 1, out.stderr


def test_a_planted_log_reusing_a_sessions_id_does_not_hide_it(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    real = folder / "b-real.jsonl"
    shutil.copyfile(GOOD, real)
    header = real.read_bytes().splitlines()[0]
    fake = b'{"type":"message","id":"f1","parentId":null,"timestamp":"2026-02-01T09:00:00.000Z",'
    fake += b'"message":{"role":"user","content":"nothing to see"}}'
    (folder / "a-planted.jsonl").write_bytes(header + b"\n" + fake + b"\n")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert _tracetui(*bucket, "sync", "--source", f"pi={folder}").returncode == 0
    rows = orjson.loads(_tracetui(*bucket, "ls", "--all", "--json").stdout)
    assert max(r["steps"] for r in rows) == 14
    # The planted copy's text is not found under the session's name, and a second sync keeps it so.
    assert orjson.loads(_tracetui(*bucket, "search", "nothing to see", "--json").stdout) == []
    again = orjson.loads(_tracetui(*bucket, "sync", "--source", f"pi={folder}", "--json").stdout)
    assert (again["new"], again["updated"]) == (0, 0)
    assert [r["steps"] for r in orjson.loads(_tracetui(*bucket, "ls", "--all", "--json").stdout)] == [14]


def test_a_step_shard_whose_steps_table_is_an_endless_view_is_made_anew(tmp_path):
    """The step shards are bucket files like the index: a view planted in one is damage, set aside,
    and the shard made again from the copies (search and show finish, and find the session's text)."""
    import sqlite3

    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "a.jsonl")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert _tracetui(*bucket, "sync", "--source", f"pi={folder}").returncode == 0
    (shard,) = (tmp_path / "b").glob("steps-*.sqlite")
    with contextlib.closing(sqlite3.connect(shard)) as conn:
        conn.execute("ALTER TABLE held RENAME TO kept")
        conn.execute(f"CREATE VIEW held AS {_ENDLESS} kept.* FROM kept, n")
        conn.commit()
    out = _tracetui(*bucket, "sync", "--source", f"pi={folder}", "--json", timeout=20)
    assert "Traceback" not in out.stderr and orjson.loads(out.stdout)["sessions"] == 1
    out = _tracetui(*bucket, "ls", "--json", timeout=20)
    assert "Traceback" not in out.stderr and len(orjson.loads(out.stdout)) == 1
