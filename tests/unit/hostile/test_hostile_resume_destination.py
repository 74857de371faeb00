"""Where `tracetui resume` writes is named from the session's working folder, which the log (or
`--cwd`) chooses: Claude Code's project folder, Pi's session folder, Gemini CLI's slug folder and its
`.project_root` marker. Each hostile shape of it either writes inside the agent's store, where the
agent looks, or is refused in one line with nothing written. Before: a C1 control, a bidi override or
a zero-width space named Pi's folder and passed into every file; half a surrogate pair failed with a
TypeError; `/home/dev/` put the session in `-home-dev-`, where `claude --resume` run in /home/dev never
looks; a name Pi or Gemini CLI could not hold failed as the file system's refusal of a long path (or
"no free project folder"). `..`, relative paths, C0 controls and NUL were refused already."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.resume import TARGETS, write_session
from tracetui.sources import RawLog, group, read_session

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _session() -> Session:
    return read_session(group("codex", [FIXTURES / "codex" / "current.jsonl"])[0])


def _last(session: Session) -> int:
    return max(s.index for s in session.steps if s.active and s.subagent is None and s.text)


def _everything(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def _refused(agent: str, cwd: str, home: Path, match: str) -> None:
    """The resume is refused in one line and writes nothing under `home`."""
    before = _everything(home)
    session = _session()
    with pytest.raises(TracetuiError, match=match) as caught:
        write_session(session, None, _last(session), agent=agent, cwd=cwd, env={}, home=home, now=NOW)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300
    assert _everything(home) == before


UNDRAWN = {
    "c1": "/home/dev\x9b31m",  # 0x9B alone is a CSI on an 8-bit terminal
    "bidi": "/home/dev/\u202eboj",  # shows as `/home/dev/job`
    "zero-width": "/home/d\u200bev",  # shows as `/home/dev`
    "surrogate": "/home/\ud800x",  # no file name or JSON text encodes it
    "nul": "/home/\x00x",
}


@pytest.mark.parametrize("agent", TARGETS)
@pytest.mark.parametrize("case", sorted(UNDRAWN))
def test_a_working_folder_with_what_no_terminal_draws_is_refused(tmp_path, agent, case):
    _refused(agent, UNDRAWN[case], tmp_path, "not a plain absolute path")


@pytest.mark.parametrize("agent", TARGETS)
def test_a_working_folder_of_what_a_terminal_draws_is_taken(tmp_path, agent):
    """An emoji's joiner, a variation selector, an accent: drawn, as `safe_carried` keeps them."""
    session = _session()
    cwd = "/home/dev/\U0001F468\u200d\U0001F4BB/caf\u00e9/\u2764\ufe0f"
    done = write_session(session, None, _last(session), agent=agent, cwd=cwd, env={}, home=tmp_path, now=NOW)
    assert done.cwd == cwd and Path(done.path).is_file()


@pytest.mark.parametrize("agent", ["claude", "pi", "gemini"])
def test_a_trailing_slash_puts_the_session_where_the_agent_looks(tmp_path, agent):
    """The agents name the folder from their process's cwd, which never ends in `/`."""
    session = _session()
    plain = write_session(session, None, _last(session), agent=agent, cwd="/home/dev/shop", env={},
                          home=tmp_path / "a", now=NOW)  # fmt: skip
    slashed = write_session(session, None, _last(session), agent=agent, cwd="/home/dev/shop/", env={},
                            home=tmp_path / "b", now=NOW)  # fmt: skip
    folder = Path(plain.path).parent.relative_to(tmp_path / "a")
    assert Path(slashed.path).parent.relative_to(tmp_path / "b") == folder
    assert slashed.cwd == "/home/dev/shop" and slashed.command.startswith("cd /home/dev/shop && ")


def test_a_claude_fork_of_a_log_whose_cwd_ends_in_a_slash_names_the_folder_claude_runs_in(tmp_path):
    """Its lines' cwd, which Claude Code takes as the session's project path, lost no `/` before."""
    log = FIXTURES / "claude/projects/-home-dev-shop/11111111-1111-4111-8111-111111111111.jsonl"
    lines = [orjson.loads(raw) for raw in log.read_bytes().splitlines()]
    for rec in lines:
        if "cwd" in rec:
            rec["cwd"] = "/home/dev/shop/"
    path = tmp_path / "projects" / "-home-dev-shop-" / log.name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines) + b"\n")
    [files] = group("claude", [path])
    session = read_session(files)
    last = max(s.index for s in session.steps if s.active and s.subagent is None)
    done = write_session(session, [RawLog(str(path), path.read_bytes())], last, env={}, home=tmp_path,
                         now=NOW)  # fmt: skip
    assert Path(done.path).parent.name == "-home-dev-shop"
    records = [orjson.loads(raw) for raw in Path(done.path).read_bytes().splitlines()]
    assert records and {r["cwd"] for r in records} == {"/home/dev/shop"}


@pytest.mark.parametrize("cwd", ["/" + "é" * 150, "/x/" + "日" * 90], ids=["latin", "cjk"])
def test_a_pi_folder_name_past_what_a_file_system_holds_is_refused_saying_so(tmp_path, cwd):
    """Under 250 characters, over 255 bytes: the file system refused the path, naming no limit."""
    _refused("pi", cwd, tmp_path, "too long for Pi's session folders .* bytes")


def test_a_gemini_slug_past_what_a_file_system_holds_is_refused_saying_so(tmp_path):
    """Each name tried failed to open, and the resume said there was no free project folder."""
    (tmp_path / ".gemini" / "tmp").mkdir(parents=True)
    _refused("gemini", "/home/" + "a" * 300, tmp_path, "too long for Gemini CLI's project folders")


def test_a_link_planted_as_gemini_s_marker_is_refused_and_written_through_never(tmp_path):
    """`.project_root` is the one name a resume writes that anyone can foresee."""
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    folder = home / ".gemini" / "tmp" / "shop"
    folder.mkdir(parents=True)
    elsewhere.mkdir()
    (folder / ".project_root").symlink_to(elsewhere / "written")
    _refused("gemini", "/home/dev/shop", home, "already exists")
    assert list(elsewhere.iterdir()) == []
