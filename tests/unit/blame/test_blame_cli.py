"""`tracetui blame`: the JSON contract, the plain lines (no control byte from a log reaches them),
--commit and --range, and errors in one line. The history is test_blame's, synced from real logs."""

from __future__ import annotations

import re

import orjson
from support.blame_world import CLAUDE_SID, CODEX_SID, PROMPT_A, PROMPT_B, build, synced
from support.collector_watch import collector_watched
from shared_data import FIXTURES

from tracetui.cli import main

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _setup(tmp_path, capsys):
    world = build(tmp_path)
    bucket = tmp_path / "bucket"
    synced(world, bucket)
    capsys.readouterr()
    return world, ["--bucket", str(bucket), "blame"]


def test_blame_json_rows_and_line_ranges(tmp_path, capsys, monkeypatch):
    world, cmd = _setup(tmp_path, capsys)
    monkeypatch.chdir(world.repo.path)
    assert main([*cmd, "app.py", "--json"]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    rows = orjson.loads(out.out)
    keys = ("path", "line", "commit", "session", "step", "index", "agent", "state", "prompt")
    assert all(set(keys) <= set(r) for r in rows)
    assert [(r["line"], r["session"], r["state"]) for r in rows] == [
        (1, None, "human"), (2, None, "human"), (3, None, "human"),
        (4, CLAUDE_SID, "transformed"), (5, CLAUDE_SID, "transformed"),
        (6, None, "human"), (7, None, "human"),
        (8, CODEX_SID, "alive"), (9, CODEX_SID, "alive"),
    ]  # fmt: skip
    assert rows[4]["prompt"] == PROMPT_A and rows[7]["prompt"] == PROMPT_B
    assert rows[5]["commit"] == world.c["c2"]  # a human line says its commit
    # FILE:LINE and FILE:FIRST-LAST, from another folder with --repo
    monkeypatch.chdir(tmp_path)
    assert main([*cmd, "app.py:5", "--repo", str(world.repo.path), "--json"]) == 0
    assert [r["line"] for r in orjson.loads(capsys.readouterr().out)] == [5]
    assert main([*cmd, f"{world.repo.path}/app.py:8-9", "--json", "--ref", world.c["c3"]]) == 0
    assert [(r["line"], r["agent"]) for r in orjson.loads(capsys.readouterr().out)] == [
        (8, "codex"),
        (9, "codex"),
    ]


def test_plain_output_is_one_line_per_source_line_and_safe(tmp_path, capsys):
    world, cmd = _setup(tmp_path, capsys)
    assert main([*cmd, str(world.repo.path / "app.py")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    body = lines[: lines.index("")]
    assert len(body) == 9
    assert body[0].startswith("1 ") and body[0].endswith("| import os") and " human " in body[0]
    assert f"claude {CLAUDE_SID[:8]} #1" in body[4] and "transformed" in body[4]
    assert body[8].endswith("|     return 'bye ' + name")
    # the legend: each writing step with its prompt and how to open it
    # One numbering: the hint names the step as `#1` above does, and `show` takes it (it took no
    # step at all, and the hint named the log's own id, `a0`, which nothing else reads).
    assert f"  open: tracetui show {CLAUDE_SID} --step 1" in lines and "a0" not in out
    bucket = cmd[:2]
    for wanted in ("1", "#1"):
        assert main([*bucket, "show", CLAUDE_SID, "--step", wanted]) == 0
        shown = capsys.readouterr().out
        assert shown.startswith("step 1 · ") and "a0" not in shown
    assert main([*bucket, "show", CLAUDE_SID, "--step", "1", "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert (doc["index"], doc["id"], doc["session"]) == (1, "a0", CLAUDE_SID)  # the log's id: JSON only
    assert main([*bucket, "show", CLAUDE_SID, "--step", "a0"]) == 2
    assert "--step wants a step number" in capsys.readouterr().err
    assert main([*bucket, "show", CLAUDE_SID, "--step", "9999"]) == 1  # a step the session lacks: runtime
    assert "no step 9999" in capsys.readouterr().err
    assert not CONTROL.search(out), "a control byte from the prompt reached the terminal"
    assert "add a greeting" in out


def test_commit_and_range(tmp_path, capsys):
    world, cmd = _setup(tmp_path, capsys)
    repo = ["--repo", str(world.repo.path)]
    assert main([*cmd, "--commit", world.c["c1"], *repo, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert (doc["added"], doc["explained"], doc["share"]) == (3, 3, 1.0)
    assert [(s["session"], s["prompts"]) for s in doc["sessions"]] == [(CLAUDE_SID, [PROMPT_A])]
    assert main([*cmd, "--commit", world.c["c2"], *repo]) == 0
    out = capsys.readouterr().out
    assert "2 added lines: 0 explained by sessions (0%), 2 not" in out
    assert "app.py:7  HUMAN_ONLY = True" in out
    assert main([*cmd, "--range", f"{world.c['h0']}..{world.c['c3']}", *repo, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert [(c["message"].strip(), c["explained"], c["added"]) for c in doc["commits"]] == [
        ("greet", 3, 3),
        ("by hand", 0, 2),
        ("farewell", 2, 2),
    ]
    assert main([*cmd, "--range", f"{world.c['h0']}..{world.c['c3']}", *repo]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "3 commits, 7 added lines: 5 explained by sessions (71%), 2 not"
    assert not CONTROL.search(out)


def test_range_is_a_summary_per_commit_by_default_and_every_line_with_lines(tmp_path, capsys):
    """Issue 40: `blame --range` printed every unexplained line (292 lines for 6 commits) where a pull
    request wants each commit's shares: sessions, steps and shares by default, the rest with --lines."""
    world, cmd = _setup(tmp_path, capsys)
    repo = ["--repo", str(world.repo.path)]
    span = ["--range", f"{world.c['h0']}..{world.c['c3']}"]
    assert main([*cmd, *span, *repo]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "HUMAN_ONLY = True" not in out and "prompt:" not in out and "not explained by any" not in out
    assert lines[-1] == "3 commits, 7 added lines: 5 explained by sessions (71%), 2 not"
    assert [line for line in lines if line.startswith("  ") and "added lines" in line] == [
        "  3 added lines: 3 explained by sessions (100%), 0 not",
        "  2 added lines: 0 explained by sessions (0%), 2 not",
        "  2 added lines: 2 explained by sessions (100%), 0 not",
    ]
    shares = [line for line in lines if re.match(r"  (claude|codex) [0-9a-f]{8}: ", line)]
    assert len(shares) == 2 and all(re.search(r"lines \(100\.0%\), 1 step #\d+$", line) for line in shares)
    assert shares[0].startswith(f"  claude {CLAUDE_SID[:8]}: 3 lines")
    assert len(lines) <= 3 * 2 + len(shares) + 2
    assert main([*cmd, *span, *repo, "--lines"]) == 0
    full = capsys.readouterr().out
    assert "app.py:7  HUMAN_ONLY = True" in full and "prompt: add a greeting" in full
    assert full.splitlines()[-1] == lines[-1]
    assert main([*cmd, "--commit", world.c["c1"], *repo, "--lines"]) == 2  # --lines goes with --range


def test_errors_are_one_line(tmp_path, capsys):
    world, cmd = _setup(tmp_path, capsys)
    repo = ["--repo", str(world.repo.path)]
    assert main([*cmd, "nope.py", *repo]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tracetui: nope.py is not in HEAD") and err.count("\n") == 1
    assert main([*cmd, "app.py:40-50", *repo]) == 1
    assert capsys.readouterr().err == "tracetui: lines 40-50 are outside app.py, which has 9 lines at HEAD\n"
    assert main([*cmd, "app.py", *repo, "--ref", "no-such"]) == 1
    assert capsys.readouterr().err == "tracetui: revision 'no-such' not found in the repository\n"
    assert main([*cmd, "--range", "just-one", *repo, "--json"]) == 2
    out = capsys.readouterr()
    assert orjson.loads(out.out) == {"error": "a range is BASE..HEAD, not 'just-one'"}
    assert main([*cmd, *repo]) == 2
    assert "give one of" in capsys.readouterr().err
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main([*cmd, "x.py", "--repo", str(plain)]) == 1
    assert capsys.readouterr().err == f"tracetui: no git repository at {plain}\n"


def test_hostile_logs_and_hostile_source_lines_never_reach_the_terminal(tmp_path, capsys):
    import sys

    sys.path.insert(0, str(FIXTURES))
    from hostile import FORBIDDEN, hostile_logs

    world = build(tmp_path)
    # a line of the file itself that would act on a terminal, committed by a human
    world.repo.write("app.py", world.repo.read("app.py") + "EVIL = '\x1b]0;pwned\x07\u202e'\n")
    world.repo.commit("evil", "2026-01-01T14:00:00Z")
    sources = hostile_logs(tmp_path / "src", tmp_path / "canary")
    (tmp_path / "canary").mkdir()
    args = []
    for agent, folders in sources.items():
        for folder in folders:
            args += ["--source", f"{agent}={folder}"]
    args += ["--source", f"claude={world.logs / 'claude'}", "--source", f"codex={world.logs / 'codex'}"]
    b = ["--bucket", str(tmp_path / "bucket")]
    assert main([*b, "sync", *args, "--json"]) == 0
    capsys.readouterr()
    repo = ["--repo", str(world.repo.path)]
    runs = [["app.py"], ["--commit", world.c["c1"]], ["--range", f"{world.c['h0']}..HEAD"]]
    for argv in runs:
        for flag in ([], ["--json"]):
            assert main([*b, "blame", *argv, *repo, *flag]) == 0
            out, err = capsys.readouterr()
            for ch in FORBIDDEN:
                assert ch not in out and ch not in err, (argv, flag, ch)
    assert main([*b, "blame", "app.py", *repo, "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert rows[4]["session"] == CLAUDE_SID and rows[-1]["text"] == "EVIL = '\x1b]0;pwned\x07\u202e'"


def test_a_blame_collects_less_while_it_runs_and_puts_the_collector_back(tmp_path, capsys, monkeypatch):
    # Python's collector walked the imported modules and the rows 120 times in a first blame of a long
    # file: the CLI's blame runs under the sync's settings (`collector.fewer_collections`), put back after.
    import tracetui.blame as blame_api
    from tracetui import collector

    world, cmd = _setup(tmp_path, capsys)
    with collector_watched(monkeypatch, blame_api, "blame_file") as watch:
        assert main([*cmd, str(world.repo.path / "app.py"), "--json"]) == 0
        assert len(orjson.loads(capsys.readouterr().out)) == 9
        assert watch.seen and all(y == collector.YOUNG_COLLECTION and f > 0 for y, f in watch.seen)
        assert watch.restored()
