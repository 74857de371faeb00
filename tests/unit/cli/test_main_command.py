"""The main command (`tracetui` with no subcommand): --source and --theme, the remembered theme,
the config folder in --help, and what a first run with no logs says."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from shared_data import FIXTURES
from tracetui import settings
from tracetui.cli import app_commands, main
from tracetui.errors import TracetuiError
from tracetui.sources import registry


@pytest.fixture
def app_runs(monkeypatch):
    """Stand in for the terminal and the app: record what the app would be opened with, and run
    its background sync at once."""
    opened: list[dict] = []

    def run(library, **kwargs):
        if kwargs.get("sync"):
            kwargs["synced"] = kwargs["sync"](lambda text: None)
        opened.append({"library": library, **kwargs})

    monkeypatch.setattr(app_commands, "_need_terminal", lambda: None)
    monkeypatch.setattr(app_commands, "_run", run)
    return opened


def test_main_command_takes_source_and_theme(app_runs, tmp_path):
    bucket = tmp_path / "b"
    pi = FIXTURES / "bucket" / "pi"
    assert main(["--bucket", str(bucket), "--source", f"pi={pi}", "--theme", "tracetui-light"]) == 0
    (opened,) = app_runs
    assert opened["theme"] == "tracetui-light"
    assert opened["synced"].startswith("synced: 1 new")
    assert [s.agent for s in opened["library"].list_sessions()] == ["pi"]  # read from --source, not ~


def test_main_command_starts_with_the_remembered_theme(app_runs, tmp_path):
    assert main(["--bucket", str(tmp_path / "b")]) == 0
    assert app_runs[-1]["theme"] is None  # nothing remembered yet: the app's default
    settings.remember_theme("tracetui-ansi")
    assert main(["--bucket", str(tmp_path / "b")]) == 0
    assert app_runs[-1]["theme"] == "tracetui-ansi"
    assert main(["--bucket", str(tmp_path / "b"), "--theme", "tracetui-dark"]) == 0
    assert app_runs[-1]["theme"] == "tracetui-dark"  # this run only
    assert settings.remembered_theme() == "tracetui-ansi"


def test_main_command_refuses_a_bad_source_in_one_line(capsys, tmp_path):
    assert main(["--source", "nobody=/x"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"tracetui: unknown agent 'nobody' in --source 'nobody=/x': expected {registry.spoken_names()}"
    )


def test_remember_theme_keeps_the_rest_of_the_file():
    path = settings.settings_path()
    assert settings.remembered_theme() is None
    path.parent.mkdir(parents=True)
    path.write_text('# mine\ntheme = "old"\n\n[later]\ntheme = "not this one"\n')
    assert settings.remember_theme("tracetui-light") == path
    assert path.read_text() == '# mine\ntheme = "tracetui-light"\n\n[later]\ntheme = "not this one"\n'
    assert settings.remembered_theme() == "tracetui-light"
    path.write_text("[later]\nx = 1\n")
    settings.remember_theme("tracetui-dark")
    assert path.read_text() == 'theme = "tracetui-dark"\n[later]\nx = 1\n'


def test_broken_settings_are_one_sentence_and_rewritten_on_the_next_pick():
    path = settings.settings_path()
    path.parent.mkdir(parents=True)
    path.write_text("theme = [unclosed\n")
    read = settings.read_settings()
    assert read.theme is None and len(read.problems) == 1 and "not valid TOML" in read.problems[0]
    settings.remember_theme("tracetui-ansi")
    assert settings.remembered_theme() == "tracetui-ansi"
    path.write_text('theme = "\\u001b[31m"\n')  # a theme name never carries a control character
    assert settings.remembered_theme() is None and settings.read_settings().problems


@pytest.mark.parametrize("name", ["", "a b", 'x"y', "\x1b[2J", "x" * 200, "../etc"])
def test_remember_theme_refuses_what_is_no_theme_name(name):
    with pytest.raises(TracetuiError):
        settings.remember_theme(name)
    assert not settings.settings_path().exists()


def test_help_prints_the_config_folder(capsys, monkeypatch):
    # A long path with hyphens, as a test runner's or a user's can be: it must stay one line to copy.
    long = Path("/home/a-user-with-a-long-name/some-deep-folder/another-hyphenated-one/.config/tracetui")
    monkeypatch.setattr(settings, "config_dir", lambda: long)
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "config folder (settings.toml, keymap.toml, themes/):" in out
    assert f"\n  {long}\n" in out
    assert "--source AGENT=PATH" in out and "--theme NAME" in out


def test_first_sync_and_ls_with_no_logs_say_where_they_looked(capsys, tmp_path):
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert "No agent logs were found. Looked in:" in out
    for where in ("~/.claude/projects", "~/.codex/sessions", "~/.codex/archived_sessions", "~/.pi/agent/sessions"):
        assert where in out
    assert "(not there)" in out and "--source AGENT=PATH" in out
    assert main(["sync", "--bucket", bucket, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["sessions"] == 0
    assert {(f["agent"], f["exists"]) for f in doc["searched"]} == {(a, False) for a in registry.names()}
    assert main(["ls", "--bucket", bucket]) == 0
    err = capsys.readouterr().err
    assert "no sessions yet" in err and "~/.pi/agent/sessions" in err and "--source AGENT=PATH" in err


def test_a_sync_that_finds_sessions_does_not_lecture(capsys, tmp_path):
    assert main(["sync", "--bucket", str(tmp_path / "b"), "--source", f"pi={FIXTURES / 'bucket' / 'pi'}"]) == 0
    out = capsys.readouterr().out
    assert "Looked in" not in out
