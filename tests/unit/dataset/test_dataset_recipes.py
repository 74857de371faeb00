"""Recipes (issue 37, docs/recipes.md): a recipe from tests/fixtures/recipes selects, projects and
exports; every hostile one gets one line and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.datasets import three_session_bucket
from shared_data import FIXTURES

from tracetui.cli import main
from tracetui.dataset import RecipeError, load_recipe

pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

RECIPES = FIXTURES / "recipes"
TOKEN = "ghp_" + "Tq7Wm2Xv9Lp4Zs8Nc3Hd6Jf1Gb5Ya0Ue2Rk7"  # made up here


@pytest.fixture(scope="module")
def bucket(tmp_path_factory) -> Path:
    return three_session_bucket(tmp_path_factory.mktemp("recipes"))


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TRACETUI_MACHINE", "box1")
    return tmp_path


def _run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_recipe_selects_and_exports_like_an_export(bucket, env, capsys):
    dest = env / "out"
    code, out, err = _run(capsys, "--bucket", str(bucket), "export", "--recipe", str(RECIPES / "pi-sessions.toml"),
                          str(dest), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["recipe"] == "pi-sessions" and report["sessions"] == 2
    sessions = pq.read_table(dest / "data" / "sessions", partitioning=None).to_pylist()
    assert {r["agent"] for r in sessions} == {"pi"} and len(sessions) == 2
    assert (dest / "manifest.json").is_file()


def test_a_recipe_projects_columns_and_sql_over_its_own_rows(bucket, env, capsys):
    dest = env / "out"
    code, out, err = _run(capsys, "--bucket", str(bucket), "export", "--recipe", str(RECIPES / "tool-usage.toml"),
                          str(dest), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert sorted(report["files"]) == ["data/sessions/machine=box1/part-00000.parquet",
                                       "data/tool_usage/machine=box1/part-00000.parquet"]
    sessions = pq.read_table(dest / report["files"][0]).to_pylist()
    assert set(sessions[0]) == {"session_id", "agent", "steps", "tool_calls"}
    # Both agents chosen, but the labels keep only sessions with added lines (unknown or alive): the
    # Claude Code session made no patch.
    assert {r["agent"] for r in sessions} == {"pi"} and len(sessions) == 2
    usage = pq.read_table(dest / "data/tool_usage/machine=box1/part-00000.parquet").to_pylist()
    # The SQL saw exactly the selected sessions' calls: their sum is the sessions' tool_calls.
    assert sum(r["calls"] for r in usage) == sum(r["tool_calls"] for r in sessions) > 0
    assert not (dest / "data" / "steps").exists()  # nothing the recipe did not ask for


@pytest.mark.parametrize("name, says", [
    ("unknown-key", "unknown key 'select.selct'"),
    ("wrong-type", "select.agents must be a list"),
    ("not-toml", "not valid TOML"),
    ("control-characters", "description must be text"),
    ("attach", "only a SELECT is run, not ATTACH"),
    ("install", "only a SELECT is run, not LOAD"),
    ("two-statements", "give one SELECT statement, not 2"),
    ("copy", "only a SELECT is run, not COPY"),
    ("sql-on-raw", "need output.format parquet"),
    ("unknown-agent", "unknown agent"),
    ("bad-name", "name must be a name"),
])  # fmt: skip
def test_a_malformed_recipe_gets_one_line(name, says):
    with pytest.raises(RecipeError) as caught:
        load_recipe(RECIPES / "hostile" / f"{name}.toml")
    line = str(caught.value)
    assert says in line and "\n" not in line and "\x1b" not in line


@pytest.mark.parametrize("name", ["read-file", "read-by-name"])
def test_a_recipe_that_reaches_for_a_file_is_stopped_and_writes_nothing(bucket, env, capsys, name):
    dest = env / "out"
    code, out, err = _run(capsys, "--bucket", str(bucket), "export", "--recipe",
                          str(RECIPES / "hostile" / f"{name}.toml"), str(dest))
    assert code == 1
    assert "the query failed" in err and err.count("\n") == 1
    assert "root:" not in out + err and not dest.exists()


def test_recipe_files_are_bounded_and_sql_cannot_rebuild_a_secret(bucket, env, capsys):
    huge = env / "huge.toml"
    huge.write_text('name = "huge"\ndescription = "' + "x" * 70_000 + '"\n')
    with pytest.raises(RecipeError, match="larger than 64 KB"):
        load_recipe(huge)
    # A projection that pieces a token together from parts the scrub never saw whole.
    half = len(TOKEN) // 2
    rebuild = env / "rebuild.toml"
    rebuild.write_text(
        'name = "rebuild"\n[review]\naccept_suggested = true\n[output]\n'
        f"sql = \"SELECT '{TOKEN[:half]}' || '{TOKEN[half:]}' AS token, count(*) AS n FROM sessions\"\n"
    )
    dest = env / "out"
    code, _, err = _run(capsys, "--bucket", str(bucket), "export", "--recipe", str(rebuild), str(dest))
    assert code == 1 and "second gate refuses" in err and TOKEN not in err
    assert not dest.exists()


def test_a_recipe_takes_no_selection_options(bucket, env, capsys):
    code, _, err = _run(capsys, "--bucket", str(bucket), "export", "--recipe", str(RECIPES / "pi-sessions.toml"),
                        str(env / "out"), "--agent", "pi")
    assert code == 2 and "leave out --agent" in err


def test_a_dataset_that_cannot_be_written_is_one_line_and_the_next_export_finishes(bucket, env, capsys, monkeypatch):
    from tracetui.dataset.location import Location

    url = f"file://{env / 'ds'}"
    real = Location.put  # each file's upload (a local dataset's through its folders' descriptors)
    calls = []

    def refuse(self, rel, source):
        calls.append(rel)
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied")
        return real(self, rel, source)

    monkeypatch.setattr(Location, "put", refuse)
    args = ("--bucket", str(bucket), "export", url, "--format", "parquet", "--accept-suggested", "--agent", "pi")
    code, _, err = _run(capsys, *args)
    assert code == 1 and err.count("\n") == 1 and "Permission denied" in err and "export again" in err
    monkeypatch.setattr(Location, "put", real)
    code, out, err = _run(capsys, *args, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert "machines/box1/manifest.json" in report["uploaded"]
    sessions = pq.read_table(env / "ds" / "data" / "sessions", partitioning=None).to_pylist()
    assert sorted(r["machine"] for r in sessions) == ["box1", "box1"]


def test_a_projection_is_not_written_into_an_export(bucket, env, capsys):
    dest = env / "out"
    assert _run(capsys, "--bucket", str(bucket), "export", "--recipe", str(RECIPES / "pi-sessions.toml"), str(dest))[0] == 0
    before = sorted(p for p in dest.rglob("*"))
    code, _, err = _run(capsys, "--bucket", str(bucket), "export", "--recipe", str(RECIPES / "tool-usage.toml"), str(dest))
    assert code == 1 and "holds an export" in err and err.count("\n") == 1
    assert sorted(p for p in dest.rglob("*")) == before
