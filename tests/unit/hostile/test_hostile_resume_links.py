"""`tracetui resume` writes into the agent's own store (`~/.claude`, `~/.codex`, `~/.pi/agent`,
`~/.gemini`, OpenCode's data folder, `~/.copilot`). A folder on the way there that someone replaced
with a symbolic link (the project's folder, a Codex date folder, Gemini's slug folder) took the new
session, and Gemini's `.project_root` marker, wherever it pointed. Now every folder below the
store's root is walked without following a link: the resume is refused in one line and writes
nothing, here or where the link points. The store's root itself may be a link (a dotfiles setup)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.resume import write_session
from tracetui.sources import group, read_session

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
CWD = "/home/dev/shop"

# Each agent's store (under the home), and the folders on the way to its new file, outermost first.
WAYS = {
    "claude": (".claude", ["projects", "projects/-home-dev-shop"]),
    "codex": (".codex", ["sessions", "sessions/2026", "sessions/2026/01", "sessions/2026/01/02"]),
    "pi": (".pi/agent", ["sessions", "sessions/--home-dev-shop--"]),
    "gemini": (".gemini", ["tmp", "tmp/shop", "tmp/shop/chats"]),
    "opencode": (".local/share/opencode", ["tracetui-resume"]),
    "copilot": (".copilot", ["session-state"]),
}
CASES = [(agent, way) for agent, (_root, ways) in WAYS.items() for way in ways]


def _session() -> Session:
    return read_session(group("codex", [FIXTURES / "codex" / "current.jsonl"])[0])


def _last(session: Session) -> int:
    return max(s.index for s in session.steps if s.active and s.subagent is None and s.text)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


@pytest.mark.parametrize("agent, way", CASES)
def test_a_linked_folder_on_the_way_takes_no_resumed_session(tmp_path, agent, way):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    root = home / WAYS[agent][0]
    planted = root / way
    planted.parent.mkdir(parents=True, exist_ok=True)
    elsewhere.mkdir()
    planted.symlink_to(elsewhere, target_is_directory=True)
    before = _files(home)
    session = _session()
    with pytest.raises(TracetuiError, match="symbolic link") as caught:
        write_session(session, None, _last(session), agent=agent, cwd=CWD, env={}, home=home, now=NOW)
    assert "\n" not in str(caught.value)
    assert _files(elsewhere) == [] and _files(home) == before


@pytest.mark.parametrize("agent", sorted(WAYS))
def test_a_store_whose_own_root_is_a_link_still_takes_the_session(tmp_path, agent):
    home, real = tmp_path / "home", tmp_path / "dotfiles" / agent
    root = home / WAYS[agent][0]
    root.parent.mkdir(parents=True)
    real.mkdir(parents=True)
    root.symlink_to(real, target_is_directory=True)
    session = _session()
    done = write_session(session, None, _last(session), agent=agent, cwd=CWD, env={}, home=home, now=NOW)
    assert Path(done.path).is_file() and Path(done.path).resolve().is_relative_to(real)


def test_the_cli_refuses_a_linked_project_folder_in_one_line(tmp_path, capsys, monkeypatch):
    from tracetui.cli import main

    bucket = str(tmp_path / "bucket")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={FIXTURES / 'claude' / 'projects'}"]) == 0
    capsys.readouterr()
    config, elsewhere = tmp_path / "c", tmp_path / "elsewhere"
    (config / "projects").mkdir(parents=True)
    elsewhere.mkdir()
    (config / "projects" / "-home-dev-shop").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    code = main(["resume", "11111111", "--step", "3", "--bucket", bucket])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "symbolic link" in err and err.count("\n") == 1
    assert _files(elsewhere) == []
