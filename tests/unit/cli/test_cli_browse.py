"""The browsing commands: sync, ls, show, search (design.md's command-line contract)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from shared_data import CORPUS, FIXTURES, ROOT, requires_corpus
from tracetui.cli import main

LS_KEYS = ["id", "agent", "project", "cwd", "title", "started", "ended", "steps", "tool_calls", "edits",
           "tokens", "models", "source", "note", "hidden", "cost_usd", "input_recorded", "cost_lower_bound",
           "forked_from", "subagent_of", "cost_logged", "line_cost"]  # fmt: skip  (the contract: add freely)
STEP_KEYS = {"id", "index", "kind", "role", "tool", "tool_call_id", "text", "timestamp", "parent", "subagent"}
CLAUDE_ID = "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90"
PI_ID = "7d1e5b3a-2c4f-4e8a-9b6d-0f1a2b3c4d5e"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str):
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    return orjson.loads(out)


@pytest.fixture
def src(tmp_path) -> Path:
    shutil.copytree(FIXTURES / "bucket", tmp_path / "src")
    return tmp_path / "src"


@pytest.fixture
def synced(capsys, src, tmp_path) -> str:
    bucket = str(tmp_path / "bucket")
    report = run_json(capsys, "sync", "--bucket", bucket, "--source", f"claude={src / 'claude'}", "--source", f"pi={src / 'pi'}")
    assert report == {"sessions": 2, "new": 2, "updated": 0, "unchanged": 0, "errors": [], "seconds": report["seconds"],
                      "searched": [{"agent": "claude", "path": str(src / "claude"), "exists": True},
                                   {"agent": "pi", "path": str(src / "pi"), "exists": True}]}  # fmt: skip
    return bucket


def tree_hashes(*roots: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for root in roots
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_ls_json_rows_follow_the_contract(capsys, synced):
    rows = run_json(capsys, "ls", "--bucket", synced)
    assert [r["id"] for r in rows] == [PI_ID, CLAUDE_ID]  # newest first
    assert [list(r) for r in rows] == [LS_KEYS, LS_KEYS]
    claude = rows[1]
    assert claude["agent"] == "claude"
    assert claude["project"] == "widgets"
    assert claude["cwd"] == "/home/dev/widgets"
    assert claude["title"] == "List the files in the config folder"
    assert (claude["steps"], claude["tool_calls"], claude["edits"]) == (4, 1, 0)
    assert claude["tokens"] == {"input": 42, "output": 21, "cache_read": 220, "cache_write": 20}
    assert claude["models"] == ["claude-sonnet-4-5"]
    assert claude["source"].endswith(f"{CLAUDE_ID}.jsonl")


def test_ls_filters_and_global_bucket_option(capsys, synced):
    assert [r["id"] for r in run_json(capsys, "ls", "--bucket", synced, "--agent", "pi")] == [PI_ID]
    assert [r["id"] for r in run_json(capsys, "ls", "--bucket", synced, "--project", "widgets")] == [CLAUDE_ID]
    assert run_json(capsys, "ls", "--bucket", synced, "--project", "nope") == []
    # --bucket before the command works too
    assert [r["id"] for r in run_json(capsys, "--bucket", synced, "ls", "--limit", "1")] == [PI_ID]


def test_ls_uses_the_bucket_from_the_environment(capsys, synced, monkeypatch):
    monkeypatch.setenv("TRACETUI_BUCKET", synced)
    assert len(run_json(capsys, "ls")) == 2


def test_plain_ls_is_a_table(capsys, synced):
    code, out, err = run(capsys, "ls", "--bucket", synced)
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0].split() == ["ID", "AGENT", "PROJECT", "STARTED", "STEPS", "EDITS", "COST", "TITLE"]
    assert lines[2].startswith(CLAUDE_ID) and "2026-01-05 10:00" in lines[2]


def test_show_json_by_prefix(capsys, synced):
    doc = run_json(capsys, "show", "6f0c", "--bucket", synced)
    assert doc["id"] == CLAUDE_ID
    assert [s["kind"] for s in doc["steps"]] == ["user", "tool_call", "tool_result", "assistant"]
    assert all(STEP_KEYS <= set(s) for s in doc["steps"])
    call = doc["steps"][1]
    assert (call["tool"], call["tool_call_id"], call["tool_input"]) == ("Bash", "toolu_01", {"command": "ls config", "description": "List config"})
    assert doc["steps"][2]["text"] == "settings.toml\nxylophonic-tuning.yaml\n"


def test_plain_show_makes_control_characters_visible(capsys, src, tmp_path):
    log = next((src / "pi").glob("*.jsonl"))
    log.write_bytes(log.read_bytes().replace(b"Hello there", b"Hello \\u001b]52;c;evil\\u0007there"))
    bucket = str(tmp_path / "b")
    run_json(capsys, "sync", "--bucket", bucket, "--source", f"pi={src / 'pi'}")
    code, out, _ = run(capsys, "show", PI_ID, "--bucket", bucket)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "Hello ␛]52;c;evil␇there" in out


def test_search_json(capsys, synced):
    hits = run_json(capsys, "search", "xylophonic", "--bucket", synced)
    assert len(hits) == 1
    assert list(hits[0])[:3] == ["session", "step", "snippet"]  # the contract's keys, in place; more after
    assert hits[0]["session"] == CLAUDE_ID
    assert run_json(capsys, "search", 'unbalanced "quote ( OR AND* -', "--bucket", synced) == []
    assert len(run_json(capsys, "search", "the", "--bucket", synced, "--limit", "1")) == 1


def test_sync_twice_reports_unchanged(capsys, synced, src):
    report = run_json(capsys, "sync", "--bucket", synced, "--source", f"claude={src / 'claude'}", "--source", f"pi={src / 'pi'}")
    assert (report["new"], report["updated"], report["unchanged"]) == (0, 0, 2)
    code, out, err = run(capsys, "sync", "--bucket", synced, "--source", f"pi={src / 'pi'}")
    assert code == 0 and out.startswith("2 sessions: 0 new, 0 updated, 2 unchanged")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["show", "zzzz"], "no session id starts with 'zzzz'"),
        (["show", ""], "no session id given"),
        (["sync", "--source", "cursor=/tmp"], "unknown agent 'cursor'"),
        (["sync", "--source", "pi"], "--source expects AGENT=PATH"),
        (["sync", "--source", "pi=/definitely/not/here"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_on_stderr(capsys, synced, argv, message):
    code, out, err = run(capsys, *argv, "--bucket", synced)
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("tracetui: ") and message in err


def test_ambiguous_prefix_names_the_candidates(capsys, tmp_path, src):
    second = src / "claude" / "-home-dev-widgets" / "6f0c2a4e-0000-4000-8000-000000000000.jsonl"
    second.write_bytes(
        (src / "claude" / "-home-dev-widgets" / f"{CLAUDE_ID}.jsonl").read_bytes().replace(
            CLAUDE_ID.encode(), b"6f0c2a4e-0000-4000-8000-000000000000"
        )
    )
    bucket = str(tmp_path / "b")
    run_json(capsys, "sync", "--bucket", bucket, "--source", f"claude={src / 'claude'}")
    code, out, err = run(capsys, "show", "6f0c", "--bucket", bucket)
    assert code != 0 and out == ""
    assert err.count("\n") == 1
    assert CLAUDE_ID in err and "6f0c2a4e-0000-4000-8000-000000000000" in err


def test_unusable_bucket_is_one_line(capsys, tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    code, out, err = run(capsys, "ls", "--bucket", str(not_a_dir))
    assert code != 0 and out == "" and err.count("\n") == 1 and "not a directory" in err
    # Only a command that makes a bucket tries to (test_missing_bucket.py: `ls` says there is none).
    code, out, err = run(capsys, "sync", "--source", f"pi={tmp_path}", "--bucket", str(not_a_dir / "sub"))
    assert code != 0 and out == "" and err.count("\n") == 1 and "cannot create the bucket" in err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "index.sqlite").write_bytes(b"this is not a database" * 100)
    # A damaged index is a cache: rebuilt from the copies on the next command, with one line.
    code, out, err = run(capsys, "ls", "--bucket", str(broken), "--json")
    assert code == 0 and out.strip() == "[]" and err.count("\n") == 1 and "rebuilt it from the bucket's copies" in err


def test_every_command_leaves_the_sources_byte_identical(capsys, src, tmp_path):
    roots = [src] + ([CORPUS / "claude", CORPUS / "codex", CORPUS / "pi"] if CORPUS.is_dir() else [])
    before = tree_hashes(*roots)
    bucket = str(tmp_path / "b")
    sources = ["--source", f"claude={src / 'claude'}", "--source", f"pi={src / 'pi'}"]
    if CORPUS.is_dir():
        sources += ["--source", f"codex={CORPUS / 'codex'}", "--source", f"pi={CORPUS / 'pi'}"]
    for argv in (["sync", *sources], ["sync", *sources, "--json"], ["ls"], ["ls", "--json"],
                 ["show", CLAUDE_ID], ["show", PI_ID, "--json"], ["search", "hello"], ["search", "x", "--json"]):  # fmt: skip
        code, _, err = run(capsys, *argv, "--bucket", bucket)
        assert (code, err) == (0, ""), argv
    # Once as a real process, as a user would run it.
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "tracetui", "sync", *sources, "--bucket", str(tmp_path / "b2"), "--json"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert orjson.loads(proc.stdout)["sessions"] >= 2
    assert tree_hashes(*roots) == before


@requires_corpus
def test_corpus_through_the_cli_resync_and_index_rebuild(capsys, tmp_path):
    bucket = tmp_path / "b"
    sources = [arg for agent in ("claude", "codex", "pi") for arg in ("--source", f"{agent}={CORPUS / agent}")]
    doc = run_json(capsys, "sync", "--bucket", str(bucket), *sources)
    assert list(doc) == ["sessions", "new", "updated", "unchanged", "errors", "seconds", "searched"]
    assert doc["sessions"] == doc["new"] > 30
    assert all(list(e) in (["path", "line", "error"], ["path", "line", "error", "recovered"]) for e in doc["errors"])
    assert any(e.get("recovered") for e in doc["errors"])  # pi-mono's session.jsonl: a lost newline
    assert all(e["line"] > 0 and e["path"].startswith(str(CORPUS)) for e in doc["errors"])  # no file failed
    listing = run_json(capsys, "ls", "--bucket", str(bucket), "--all")
    assert len(listing) == doc["sessions"]

    before = os.times()
    again = run_json(capsys, "sync", "--bucket", str(bucket), *sources)
    after = os.times()
    assert (again["new"], again["updated"], again["unchanged"], again["errors"]) == (0, 0, doc["sessions"], [])
    # Nothing read again: the CPU it takes (its own and its workers') is a stat of each log, 0.01 s
    # here. Its wall time is not the measure: another worker's disk flush held one CI run's for 0.85 s.
    cpu = sum(after[:4]) - sum(before[:4])
    assert cpu < 0.5 and again["seconds"] < 5, (cpu, again["seconds"])

    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (bucket / name).unlink(missing_ok=True)
    # The next command rebuilds the index from the copies as the bucket opens, and says so once.
    code, out, err = run(capsys, "sync", "--bucket", str(bucket), *sources, "--json")
    assert code == 0 and err.count("\n") == 1 and f"({doc['sessions']} sessions)" in err
    assert orjson.loads(out)["new"] == 0
    assert run_json(capsys, "ls", "--bucket", str(bucket), "--all") == listing


def test_sync_without_sources_reads_the_agents_default_folders(capsys, src, tmp_path, monkeypatch):
    claude_home = tmp_path / "claude-config"
    shutil.copytree(src / "claude", claude_home / "projects")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude_home))
    pi_home = Path.home() / ".pi" / "agent" / "sessions" / "--home-dev-gadgets--"
    shutil.copytree(src / "pi", pi_home)
    monkeypatch.setenv("TRACETUI_BUCKET", str(tmp_path / "envbucket"))
    report = run_json(capsys, "sync")
    assert (report["sessions"], report["new"]) == (2, 2)
    rows = run_json(capsys, "ls")
    assert sorted(Path(r["source"]).name for r in rows) == [
        f"2026-01-06T09-00-00-000Z_{PI_ID}.jsonl",
        f"{CLAUDE_ID}.jsonl",
    ]
    assert all(r["source"].startswith((str(claude_home), str(Path.home()))) for r in rows)


def test_plain_show_gives_a_tool_call_without_text_its_arguments(capsys, synced):
    code, out, _ = run(capsys, "show", CLAUDE_ID, "--bucket", synced)
    assert code == 0
    [call_line] = [line for line in out.splitlines() if line.startswith("1 ")]
    assert call_line.split()[:3] == ["1", "tool_call", "Bash"]
    assert call_line.endswith('{"command":"ls config","description":"List config"}')
    assert "title:    List the files in the config folder" in out


def test_ls_of_an_empty_bucket_says_how_to_fill_it(capsys, tmp_path):
    (tmp_path / "new").mkdir()  # an empty folder: a path that does not exist is none (test_missing_bucket.py)
    code, out, err = run(capsys, "ls", "--bucket", str(tmp_path / "new"))
    assert code == 0
    assert out.split() == ["ID", "AGENT", "PROJECT", "STARTED", "STEPS", "EDITS", "COST", "TITLE"]
    assert "no sessions yet: run `tracetui sync`" in err
    assert run_json(capsys, "ls", "--bucket", str(tmp_path / "new")) == []


def test_sync_text_counts_one_and_many_in_words(capsys, tmp_path):
    # One Pi session whose log has one bad line: "1 session", "1 line or file skipped".
    log = tmp_path / "pi" / "s.jsonl"
    log.parent.mkdir()
    header = b'{"type":"session","version":3,"id":"11111111-2222-4333-8444-555555555555","timestamp":"2026-01-01T00:00:00Z","cwd":"/tmp/x"}\n'
    log.write_bytes(header + b"this line is not JSON\n")
    code, out, _ = run(capsys, "sync", "--bucket", str(tmp_path / "b"), "--source", f"pi={log.parent}")
    assert code == 0
    assert out.startswith("1 session: 1 new, 0 updated, 0 unchanged")
    assert "\n1 line or file skipped:\n" in out


def test_app_options_before_a_command_are_handed_on_or_refused(capsys, src, tmp_path):
    """`tracetui --source X sync` synced the default folders and said nothing: the command's own
    option overwrote the one before it. Now it is the command's where the command takes it, and one
    line where it does not, never ignored."""
    bucket = str(tmp_path / "bucket")
    report = run_json(capsys, "--source", f"pi={src / 'pi'}", "sync", "--bucket", bucket)
    assert (report["sessions"], report["searched"]) == (1, [{"agent": "pi", "path": str(src / "pi"), "exists": True}])
    for option in (["--theme", "dracula"], ["--repo", str(tmp_path)]):
        code, out, err = run(capsys, *option, "ls", "--bucket", bucket)
        assert code == 2 and f"{option[0]} goes with no command (the app); `tracetui ls` does not take it" in err
    code, out, err = run(capsys, "--source", f"pi={src / 'pi'}", "sync", "--source", f"claude={src / 'claude'}")
    assert code == 2 and "--source is given twice, before and after `sync`" in err


def test_a_line_read_whole_is_not_counted_as_skipped(capsys, tmp_path):
    """A real Pi log has two entries on one line (a lost newline), both read: the sync said
    "1 line or file skipped" and watch "1 unreadable" about a line nothing was lost from."""
    src = tmp_path / "pi"
    src.mkdir()
    head = b'{"type":"session","version":3,"id":"s1","timestamp":"2026-01-06T09:00:00.000Z","cwd":"/w"}\n'
    a = b'{"type":"message","id":"m1","parentId":null,"timestamp":"2026-01-06T09:00:01.000Z","message":{"role":"user","content":"hi"}}'
    b = b'{"type":"message","id":"m2","parentId":"m1","timestamp":"2026-01-06T09:00:02.000Z","message":{"role":"user","content":"again"}}'
    (src / "s.jsonl").write_bytes(head + a + b + b"\n{not json\n")
    code, out, _ = run(capsys, "sync", "--bucket", str(tmp_path / "b"), "--source", f"pi={src}")
    assert code == 0 and "\n1 line or file skipped, 1 odd line read whole:\n" in out
    doc = run_json(capsys, "sync", "--bucket", str(tmp_path / "c"), "--source", f"pi={src}")
    assert [e.get("recovered", False) for e in doc["errors"]] == [True, False]
