"""Cost per surviving line where it is shown: `show` (a line, and `line_cost` in --json), `ls --json`
(a `line_cost` object per row) and `cost --by project|model` (per group and in all), each from the
trail judged earlier (`tracetui trail`), never judging one itself; unknown prices `?`/null, never 0."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from support.blame_world import CLAUDE_SID, CODEX_SID, build

from tracetui.cli import main

PRICED = "claude-sonnet-4-5"  # a model the price table knows, for the Claude session's one request


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("linecost")
    world = build(tmp)
    claude = next((world.logs / "claude").rglob("*.jsonl"))
    claude.write_bytes(claude.read_bytes().replace(b'"claude-test"', f'"{PRICED}"'.encode()))
    bucket = ["--bucket", str(tmp / "bucket")]
    sources = ["--source", f"claude={world.logs / 'claude'}", "--source", f"codex={world.logs / 'codex'}"]
    assert main([*bucket, "sync", *sources, "--json"]) == 0
    return bucket


def _json(capsys, *args: str):
    capsys.readouterr()
    assert main(list(args)) == 0
    return orjson.loads(capsys.readouterr().out)


def test_nothing_is_judged_by_ls_show_or_cost(judged, capsys):
    rows = _json(capsys, *judged, "ls", "--json")
    assert [r["line_cost"] for r in rows] == [None, None]
    assert _json(capsys, *judged, "show", CLAUDE_SID, "--json")["line_cost"] is None
    capsys.readouterr()
    assert main([*judged, "show", CLAUDE_SID]) == 0
    assert f"not judged yet (`tracetui trail {CLAUDE_SID[:12]}` judges it)" in capsys.readouterr().out
    total = _json(capsys, *judged, "cost", "--by", "project", "--json")["total"]
    assert total["line_cost"] == {"judged": 0, "wasted_usd": None, "per_surviving_line_usd": None, "surviving_lines": 0}


def test_a_judged_trail_gives_every_face_its_figures(judged, capsys):
    for sid in (CLAUDE_SID, CODEX_SID):
        _json(capsys, *judged, "trail", sid, "--json")
    rows = {r["id"]: r["line_cost"] for r in _json(capsys, *judged, "ls", "--json")}
    claude, codex = rows[CLAUDE_SID], rows[CODEX_SID]
    # Claude's greeting was committed, then edited by hand: transformed, so surviving; priced
    assert claude["lines"]["transformed"] > 0 and claude["wasted_usd"] == 0.0
    surviving = claude["lines"]["alive"] + claude["lines"]["transformed"]
    assert claude["cost_usd"] > 0
    assert claude["per_surviving_line_usd"] == pytest.approx(claude["cost_usd"] / surviving, abs=1e-6)
    # Codex's model is unknown to the price table: no price, never 0
    assert codex["lines"]["alive"] > 0 and codex["cost_usd"] is None and codex["per_surviving_line_usd"] is None
    shown = _json(capsys, *judged, "show", CLAUDE_SID, "--json")["line_cost"]
    assert shown["per_surviving_line_usd"] == claude["per_surviving_line_usd"]
    capsys.readouterr()
    assert main([*judged, "show", CODEX_SID]) == 0
    assert "? per surviving line (2 of 2 decided added lines alive or transformed)" in capsys.readouterr().out
    by_model = {g["key"]: g["line_cost"] for g in _json(capsys, *judged, "cost", "--by", "model", "--json")["groups"]}
    assert by_model[PRICED]["per_surviving_line_usd"] == claude["per_surviving_line_usd"]
    assert by_model["gpt-test"]["per_surviving_line_usd"] is None and by_model["gpt-test"]["judged"] == 1
    capsys.readouterr()
    assert main([*judged, "cost", "--by", "project"]) == 0
    out = capsys.readouterr().out
    assert "$/kept line" in out and "over the 2 session(s) whose trail at HEAD decided some patch" in out


def test_the_exports_carry_it(judged, capsys, tmp_path):
    """Parquet's sessions table has the columns, ATIF's extra metadata the object: the figures `ls` gives."""
    pq = pytest.importorskip("pyarrow.parquet")
    # Judged here too: under xdist this test may run on a worker that did not run the one before.
    for sid in (CLAUDE_SID, CODEX_SID):
        _json(capsys, *judged, "trail", sid, "--json")
    listed = {r["id"]: r["line_cost"] for r in _json(capsys, *judged, "ls", "--json")}
    for fmt in ("parquet", "atif"):
        assert main([*judged, "export", str(tmp_path / fmt), "--format", fmt, "--accept-suggested", "--json"]) == 0
    rows = {}
    for path in (tmp_path / "parquet" / "data" / "sessions").rglob("*.parquet"):
        rows.update({r["session_id"]: r for r in pq.read_table(path).to_pylist()})
    claude, codex = rows[CLAUDE_SID], rows[CODEX_SID]
    assert claude["cost_per_surviving_line_usd"] == pytest.approx(listed[CLAUDE_SID]["per_surviving_line_usd"], abs=1e-6)
    assert claude["wasted_usd"] == 0.0 and claude["cost_usd"] > 0
    assert codex["cost_usd"] is None and codex["cost_per_surviving_line_usd"] is None  # unknown, never 0
    docs = {d["session_id"]: d for d in map(orjson.loads, map(Path.read_bytes, (tmp_path / "atif").glob("trajectories/*/*.json")))}
    atif = docs[CLAUDE_SID]["extra"]["tracetui"]["line_cost"]
    assert atif["per_surviving_line_usd"] == listed[CLAUDE_SID]["per_surviving_line_usd"]
    # ATIF leaves out what is unknown (as its cost metrics), never 0
    assert "per_surviving_line_usd" not in docs[CODEX_SID]["extra"]["tracetui"]["line_cost"]


def test_a_clone_that_does_not_hold_the_session_keeps_its_figures(judged, capsys, tmp_path):
    """A trail judged in another repository (an export's --repo for other sessions) finds none of the
    session's files there: what its own repository said stays."""
    import pygit2

    # Judged in its own repository first: this test may be the module's only one on its xdist worker.
    _json(capsys, *judged, "trail", CODEX_SID, "--json")
    before = {r["id"]: r["line_cost"] for r in _json(capsys, *judged, "ls", "--json")}[CODEX_SID]
    assert before is not None and before["lines"]["alive"] > 0
    other = pygit2.init_repository(str(tmp_path / "other"))
    (tmp_path / "other" / "x.txt").write_text("x\n")
    index = other.index
    index.add("x.txt")
    index.write()
    sig = pygit2.Signature("t", "t@example.invalid")
    other.create_commit("HEAD", sig, sig, "x", index.write_tree(), [])
    _json(capsys, *judged, "trail", CODEX_SID, "--repo", str(tmp_path / "other"), "--json")
    after = {r["id"]: r["line_cost"] for r in _json(capsys, *judged, "ls", "--json")}[CODEX_SID]
    assert after["lines"] == before["lines"]
