"""`tracetui export --format agent-trace`: per session, the Agent Trace records (agent-trace.dev) of
the files its surviving work touches at the reference, valid against the spec's published schema
(test_blame_agent_trace.valid_record: the spec's own file, with jsonschema), the session's lines only, transformed lines as `mixed`, survival in the metadata;
a session with no repository skipped with its reason; `export --check` runs the schema's rules."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES
from support.blame_world import CLAUDE_SID, CODEX_SID, build, synced
from support.agent_trace_schema import valid_record

from tracetui.cli import main

GONE_SID = "cccccccc-2222-4333-8444-666666666666"
# A made-up GitHub token (never a live one) in the model's name the log gives: records name models.
TOKEN = "ghp_Xq3vT9LmZ2pR7sK4wY8nB1cD5fH6jA0eG2iU"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The blame world's two sessions and one logged in a folder that is no repository, exported."""
    tmp = tmp_path_factory.mktemp("agenttrace")
    world = build(tmp)
    claude = next((world.logs / "claude").rglob("*.jsonl"))
    claude.write_bytes(claude.read_bytes().replace(b'"claude-test"', f'"claude-{TOKEN}"'.encode()))
    gone = world.logs / "claude" / "-gone" / f"{GONE_SID}.jsonl"
    gone.parent.mkdir(parents=True)
    gone.write_bytes(claude.read_bytes().replace(CLAUDE_SID.encode(), GONE_SID.encode())
                     .replace(str(world.repo.path).encode(), b"/nonexistent/gone-project"))  # fmt: skip
    bucket = tmp / "bucket"
    synced(world, bucket)
    dest = tmp / "out"
    return world, bucket, dest


def _records(dest: Path, sid: str) -> list[dict]:
    [path] = list(dest.glob(f"traces/*/{sid}.jsonl"))
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_each_session_s_surviving_files_as_records(exported, capsys):
    world, bucket, dest = exported
    capsys.readouterr()
    args = ["--bucket", str(bucket), "export", str(dest), "--format", "agent-trace", "--accept-suggested"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "exported 2 of 3 session(s) as agent-trace" in out and "1 skipped" in out
    [skipped] = [line for line in err.splitlines() if line.startswith("skipped:")]
    assert GONE_SID in skipped and "repository" in skipped
    by_kind: dict[str, set[tuple[int, int]]] = {}
    for sid in (CLAUDE_SID, CODEX_SID):
        [rec] = _records(dest, sid)
        valid_record(rec)
        [f] = rec["files"]
        assert f["path"] == "app.py" and rec["vcs"]["revision"] == world.c["c4"]
        # only the session's own lines: no human range, no other session's
        [conv] = f["conversations"]
        meta = rec["metadata"]["dev.tracetui"]
        assert set(meta["sessions"]) == {sid} and all(r["session"] == sid for r in meta["ranges"])
        for r in conv["ranges"]:
            by_kind.setdefault(r.get("contributor", conv["contributor"])["type"], set()).add(
                (r["start_line"], r["end_line"])
            )
        assert {"alive", "transformed", "reverted", "lost"} <= set(meta["survival"])
    # Claude's lines were edited by hand after its commit: mixed; Codex's are as written: ai
    assert by_kind == {"mixed": {(4, 5)}, "ai": {(8, 9)}}
    assert not list(dest.glob(f"traces/*/{GONE_SID}.jsonl"))
    # the export's gate ran on the records: the token in the model's name never left
    assert all(TOKEN.encode() not in p.read_bytes() for p in dest.rglob("*") if p.is_file())
    [claude] = _records(dest, CLAUDE_SID)
    assert claude["files"][0]["conversations"][0]["contributor"]["model_id"].startswith("<")  # a placeholder
    # the same revision gives the same records: nothing is written again
    assert main(args) == 0
    assert "0 written, 2 unchanged" in capsys.readouterr().out


def test_check_runs_the_schema_rules(exported, capsys):
    _, bucket, dest = exported
    if not (dest / "traces").is_dir():
        assert main(["--bucket", str(bucket), "export", str(dest), "--format", "agent-trace", "--accept-suggested"]) == 0
    capsys.readouterr()
    assert main(["export", "--check", str(dest)]) == 0
    assert "OK" in capsys.readouterr().out
    [path] = list(dest.glob(f"traces/*/{CODEX_SID}.jsonl"))
    manifest = dest / "manifest.json"
    saved, listed = path.read_bytes(), manifest.read_bytes()
    try:
        rec = orjson.loads(saved)
        rec["files"][0]["conversations"][0]["contributor"]["type"] = "robot"
        del rec["timestamp"]
        forged = orjson.dumps(rec) + b"\n"
        path.write_bytes(forged)
        # the manifest made to agree, as a hand-edited export's would: only the schema's rules catch it
        entries = orjson.loads(listed)
        rel = path.relative_to(dest).as_posix()
        entries["files"][rel].update(sha256=hashlib.sha256(forged).hexdigest(), size=len(forged))
        manifest.write_bytes(orjson.dumps(entries))
        assert main(["export", "--check", str(dest), "--json"]) == 1
        problems = [p["problem"] for p in orjson.loads(capsys.readouterr().out)["problems"]]
        assert any("missing timestamp" in p for p in problems)
        assert any("type is not one of" in p for p in problems)
    finally:
        path.write_bytes(saved)
        manifest.write_bytes(listed)


def test_a_recipe_exports_agent_trace(exported, capsys, tmp_path, monkeypatch):
    """`format = "agent-trace"` in a recipe (tests/fixtures/recipes/agent-trace.toml) writes the same
    records as the export, skips the same session, and into a dataset URL is refused in one line."""
    _, bucket, dest = exported
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if not (dest / "traces").is_dir():
        assert main(["--bucket", str(bucket), "export", str(dest), "--format", "agent-trace", "--accept-suggested"]) == 0
    recipe = str(FIXTURES / "recipes" / "agent-trace.toml")
    by_recipe = tmp_path / "by-recipe"
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "export", "--recipe", recipe, str(by_recipe)]) == 0
    out, err = capsys.readouterr()
    assert "recipe attribution: 2 of 3 session(s)" in out
    [skipped] = [line for line in err.splitlines() if line.startswith("skipped:")]
    assert GONE_SID in skipped
    for sid in (CLAUDE_SID, CODEX_SID):
        [rec] = _records(by_recipe, sid)
        valid_record(rec)
        [path] = list(by_recipe.glob(f"traces/*/{sid}.jsonl"))
        assert path.read_bytes() == next(dest.glob(f"traces/*/{sid}.jsonl")).read_bytes()
    assert main(["export", "--check", str(by_recipe)]) == 0
    # The repository is the machine's to name (`--repo` beside `--recipe`), as for an export.
    (tmp_path / "no-repo").mkdir()
    capsys.readouterr()
    args = ["--bucket", str(bucket), "export", "--recipe", recipe, str(tmp_path / "elsewhere")]
    assert main([*args, "--repo", str(tmp_path / "no-repo")]) == 0
    out, err = capsys.readouterr()
    assert "0 of 3 session(s)" in out and err.count("no git repository at") == 3
    # A team dataset takes parquet only: said in one line, nothing written.
    dataset = tmp_path / "dataset"
    assert main(["--bucket", str(bucket), "export", "--recipe", recipe, f"file://{dataset}"]) == 1
    err = capsys.readouterr().err
    assert "takes the parquet format, not output.format agent-trace" in err and err.count("\n") == 1
    assert not dataset.exists()
