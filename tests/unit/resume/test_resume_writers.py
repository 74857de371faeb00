"""The resume writers (issue 39): a session written up to step N reads back, through tracetui's own
reader, as a fork holding the same steps up to N; hostile input never chooses where we write."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES, corpus_files, requires_corpus
from support.narrow import present

from tracetui.errors import TracetuiError
from tracetui.model import Session, Step, StepKind
from tracetui.resume import write_session
from tracetui.resume.place import checked_cwd, target_file
from tracetui.safe_text import safe_carried
from tracetui.sources import RawLog, group, read_session

# Steps a reader makes from records a resumed session does not copy: a prompt only queued (the
# queue-operation lines), the markers of a subagent run (its files stay the source's).
NOT_CARRIED = (StepKind.SUBAGENT_START, StepKind.SUBAGENT_END)


def _sessions(agent: str, files: list[Path]) -> list[tuple[Session, bytes]]:
    out = []
    for files_of in group(agent, files):
        if files_of.main.name.startswith("agent-"):
            continue  # a subagent's transcript read alone: Claude Code resumes none
        if agent == "codex" and b'"payload"' not in files_of.main.read_bytes()[:4096]:
            continue  # before 0.30 (refused, said in one line): no lines to cut at
        session = read_session(files_of)
        out.append((session, files_of.main.read_bytes()))
    return out


def _shape(steps: list[Step]) -> list[tuple]:
    return [(s.kind, s.text, s.tool, s.tool_call_id, s.is_error) for s in steps
            if s.subagent is None and s.kind not in NOT_CARRIED and not s.id.startswith("queued@")]


def _points(session: Session) -> list[int]:
    """A middle step and the last one, of the main conversation's active path."""
    main = [s.index for s in session.steps if s.active and s.subagent is None and s.kind not in NOT_CARRIED
            and not s.id.startswith("queued@") and not s.id.endswith(":model")]
    return sorted({main[len(main) // 2], main[-1]}) if main else []


def _round_trip(session: Session, data: bytes, number: int, home: Path) -> None:
    source = session.source
    resumed = write_session(session, [RawLog(source, data)], number, cwd="/home/dev/shop", env={}, home=home)
    back = read_session(group(session.agent, [Path(resumed.path)])[0])
    # The system prompt a Codex rollout (or a Claude Code `prompt_snapshot`) logs is the source's setting,
    # not its history: a fork leaves it out and the program sends its own (test_hostile_resume_settings.py,
    # test_hostile_resume_system_prompt.py).
    expected = [s for s in session.steps if s.index <= number and s.active and s.subagent is None
                and s.meta.get("from") != "base_instructions" and not s.meta.get("system_prompt")]
    assert back.id == resumed.session_id and back.forked_from == session.id
    assert back.errors == []
    # Each terminal control of the log's text is carried made visible (tracetui/resume/inert.py).
    assert _shape(back.steps) == [(kind, safe_carried(text), *rest) for kind, text, *rest in _shape(expected)], (
        session.source, number)
    assert back.tokens.total == 0  # a fork: the parent spent them
    if session.agent == "claude":  # (Codex's reader takes a copy's trailing prompt as the fork's own)
        assert all(s.copied for s in _main(back.steps))


def _main(steps: list[Step]) -> list[Step]:
    return [s for s in steps if s.subagent is None and s.kind not in NOT_CARRIED]


def _fixture_logs(agent: str) -> list[Path]:
    if agent == "pi":
        return sorted((FIXTURES / "pi").rglob("*.jsonl"))
    if agent == "claude":
        return sorted((FIXTURES / "claude" / "projects").rglob("*.jsonl"))
    if agent == "copilot":  # events.jsonl folders and a flat log of the 1.0.1x builds
        return sorted(p for p in (FIXTURES / "copilot" / "session-state").rglob("*") if p.is_file())
    if agent == "gemini":  # the v1 document, v2 lines (a rewind, a compaction), the late and a2a builds
        return sorted(p for name in ("gemini", "gemini-late", "gemini-a2a") for p in (FIXTURES / name).rglob("*")
                      if p.is_file())
    return [FIXTURES / "codex" / name for name in ("current.jsonl", "compaction.jsonl")]


@pytest.mark.parametrize("agent", ["claude", "codex", "gemini"])
def test_a_fixture_session_written_at_a_step_reads_back_to_that_step(agent, tmp_path):
    tried = 0
    for session, data in _sessions(agent, _fixture_logs(agent)):
        for number in _points(session):
            _round_trip(session, data, number, tmp_path / f"h{tried}")
            tried += 1
    assert tried >= 2


@requires_corpus
@pytest.mark.corpus
@pytest.mark.parametrize("agent", ["claude", "codex", "gemini"])
def test_a_corpus_session_written_at_a_step_reads_back_to_that_step(agent, tmp_path):
    pattern = "**/*.json*" if agent == "gemini" else "**/*.jsonl"  # Gemini's v1 sessions are documents
    logs = [p for p in corpus_files(agent, pattern) if p.stat().st_size < 5_000_000]
    if not logs:
        pytest.skip(f"no {agent} logs in the corpus")
    tried = 0
    for session, data in _sessions(agent, logs):
        for number in _points(session):
            _round_trip(session, data, number, tmp_path / f"h{tried}")
            tried += 1
    assert tried


@pytest.mark.parametrize("cwd", ["relative/dir", "/home/dev/../../etc", "/home/dev/./x", "/home/dev\x1b[2J",
                                 "/home/dev\nrm -rf", "", None, "/a//b"])
def test_a_working_folder_that_is_not_plain_is_refused(cwd):
    with pytest.raises(TracetuiError, match="working folder"):
        checked_cwd(cwd)


def test_the_folder_is_the_agents_naming_of_the_cwd_and_never_leaves_its_home(tmp_path):
    path = target_file("claude", "/home/dev/../x y;$(rm)", "abc", "2026-01-02T03:04:05.000Z", {}, tmp_path)
    assert path.parent.parent == tmp_path / ".claude" / "projects"
    assert "/" not in path.parent.name and path.parent.name.startswith("-home-dev----x-y-")
    codex = target_file("codex", "/w", "id1", "2026-01-02T03:04:05.000Z", {"CODEX_HOME": str(tmp_path / "c")}, tmp_path)
    assert codex == tmp_path / "c" / "sessions" / "2026" / "01" / "02" / "rollout-2026-01-02T03-04-05-id1.jsonl"
    with pytest.raises(TracetuiError, match="too long"):
        target_file("claude", "/" + "d" * 240, "abc", "2026-01-02T03:04:05.000Z", {}, tmp_path)


def test_a_resume_never_writes_over_a_file_or_through_a_link(tmp_path):
    (session, data), *_ = _sessions("codex", _fixture_logs("codex"))
    number = _points(session)[0]
    first = write_session(session, [RawLog(session.source, data)], number, cwd="/w", env={}, home=tmp_path)
    planted = Path(first.path)
    folder = planted.parent
    os.symlink(tmp_path / "elsewhere", folder / "link")
    from tracetui.folder_fd import write_new
    with pytest.raises(TracetuiError, match="already exists"):
        write_new(planted, b"x")
    with pytest.raises(TracetuiError):
        write_new(folder / "link", b"x")
    assert not (tmp_path / "elsewhere").exists()


def test_the_source_log_is_never_changed_and_steps_off_the_path_are_refused(tmp_path):
    sessions = _sessions("claude", _fixture_logs("claude"))
    for session, data in sessions:
        before = Path(session.source).read_bytes()
        off = next((s for s in session.steps if not s.active), None)
        if off is not None:
            with pytest.raises(TracetuiError, match="off the path"):
                write_session(session, [RawLog(session.source, data)], off.index, cwd="/w", env={}, home=tmp_path)
        inside = next((s for s in session.steps if s.subagent is not None), None)
        if inside is not None:
            with pytest.raises(TracetuiError, match="subagent"):
                write_session(session, [RawLog(session.source, data)], inside.index, cwd="/w", env={}, home=tmp_path)
        assert Path(session.source).read_bytes() == before
    with pytest.raises(TracetuiError, match="no step 99999"):
        write_session(sessions[0][0], [RawLog("x", sessions[0][1])], 99999, cwd="/w", env={}, home=tmp_path)


# ---- another agent: rebuilt from the steps, what is left out said ---------------------------------

def _said(steps: list[Step]) -> list[tuple]:
    """What any agent's format holds of a history: prompts, answers, and each call's result text."""
    out: list[tuple] = []
    for s in steps:
        if s.kind in (StepKind.USER, StepKind.ASSISTANT) and s.subagent is None:
            out.append((s.kind, s.text))
        elif s.kind == StepKind.TOOL_RESULT and s.subagent is None:
            out.append((s.kind, s.text))
        elif s.kind == StepKind.TOOL_CALL and s.subagent is None:
            out.append((s.kind,))
    return out


def _results_after_their_calls(steps: list[Step]) -> list[Step]:
    """Gemini CLI keeps a call's result in the call's own record: calls made together (each, then the
    results) read back each followed by its result."""
    results = {s.tool_call_id: s for s in steps if s.kind == StepKind.TOOL_RESULT}
    out = []
    for s in steps:
        if s.kind != StepKind.TOOL_RESULT:
            out.append(s)
            if s.kind == StepKind.TOOL_CALL and s.tool_call_id in results:
                out.append(results[s.tool_call_id])
    return out


@pytest.mark.parametrize("source, target", [("claude", "codex"), ("codex", "claude"), ("claude", "pi"),
                                            ("codex", "pi"), ("pi", "pi"), ("pi", "claude"), ("claude", "gemini"),
                                            ("codex", "gemini"), ("pi", "gemini"), ("gemini", "claude"),
                                            ("claude", "copilot"), ("codex", "copilot"), ("copilot", "copilot"),
                                            ("copilot", "claude"), ("gemini", "copilot")])
def test_a_session_continued_in_another_agent_reads_back_with_its_history(source, target, tmp_path):
    from tracetui.sources.common.carried import carried

    tried = 0
    for session, data in _sessions(source, _fixture_logs(source)):
        for number in _points(session):
            upto = [s for s in session.steps if s.index <= number and s.active and s.subagent is None]
            items, _ = carried(upto)
            if not items:
                continue
            done = write_session(session, [RawLog(session.source, data)], number, agent=target, cwd="/home/dev/shop",
                                 env={}, home=tmp_path / f"h{tried}")
            back = read_session(group(target, [Path(done.path)])[0])
            # Copilot CLI's events have no field naming a session they were carried from.
            carried_from = None if target == "copilot" else session.id
            assert back.errors == [] and back.forked_from == carried_from and back.tokens.total == 0
            assert back.skipped == {}
            kept = {id(s) for s in upto}
            expected = [s for s in upto if id(s) in kept]
            ids = {i.source_id for i in items}
            expected = [s for s in expected if s.id in ids]
            if target == "gemini":
                expected = _results_after_their_calls(expected)
            assert _said(back.steps) == _said(expected), (session.source, number)
            tried += 1
    assert tried >= 2


def test_what_another_agent_cannot_hold_is_listed(tmp_path):
    (session, data), *_ = _sessions("codex", [FIXTURES / "codex" / "current.jsonl"])
    last = _points(session)[-1]
    done = write_session(session, [RawLog(session.source, data)], last, agent="claude", cwd="/w", env={},
                         home=tmp_path)
    assert any(d.startswith("what the source agent injected") for d in done.dropped), done.dropped
    assert "tool calls with no result: 1" in done.dropped  # the web search Codex's server ran
    assert done.argv[:2] == ["claude", "--resume"]
    shells = [s for s in session.steps if s.kind == StepKind.TOOL_CALL and s.index <= last]
    back = read_session(group("claude", [Path(done.path)])[0])
    calls = [s for s in back.steps if s.kind == StepKind.TOOL_CALL]
    assert len(calls) == len(shells) - 1 and {s.tool for s in calls} == {"Bash", "apply_patch"}



def test_a_codex_resume_s_command_leaves_no_daemon_running(tmp_path):
    """`codex resume ID` (0.171) starts a shared app-server daemon that outlives the session: two
    `codex app-server` processes ran on after the TUI quit. `--no-daemon` runs it without one."""
    (session, data), *_ = _sessions("codex", [FIXTURES / "codex" / "current.jsonl"])
    done = write_session(session, [RawLog(session.source, data)], _points(session)[-1], cwd="/w", env={},
                         home=tmp_path)
    assert done.argv == ["codex", "resume", "--no-daemon", done.session_id]
    assert done.command == f"cd /w && codex resume --no-daemon {done.session_id}"


def test_a_claude_resume_decodes_each_line_of_the_transcript_once(tmp_path, monkeypatch):
    """The fork and what is told of it (`notes`) each decoded the whole transcript: a resume of the
    corpus' largest (3.2 MB) spent twice the time it needs there."""
    from support.resume_kit import PLANT_LOGS, forked_at_last

    from tracetui.sources.claude import writer as claude_writer

    decoded: list[bytes] = []
    real = claude_writer.loads_within_depth

    def counted(raw: bytes) -> object:
        decoded.append(raw)
        return real(raw)

    monkeypatch.setattr(claude_writer, "loads_within_depth", counted)
    log = FIXTURES / PLANT_LOGS["claude"]
    _session, done = forked_at_last(log, "claude", tmp_path)
    assert Path(done.path).is_file()
    assert sorted(decoded) == sorted(log.read_bytes().splitlines())

# ---- the command line: one line of command on stdout, the rest on stderr --------------------------

@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> str:
    from tracetui.cli import main

    bucket = str(tmp_path_factory.mktemp("resume-cli") / "bucket")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={FIXTURES / 'claude' / 'projects'}"]) == 0
    return bucket


def test_the_cli_writes_the_session_and_prints_the_one_command(tmp_path, capsys, monkeypatch, synced):
    import orjson

    from tracetui.cli import main

    bucket = synced
    capsys.readouterr()
    home = tmp_path / "agent-home"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude"))
    sid = "11111111-1111-4111-8111-111111111111"
    source = (FIXTURES / "claude" / "projects" / "-home-dev-shop" / f"{sid}.jsonl").read_bytes()
    assert main(["resume", sid[:8], "--step", "3", "--bucket", bucket]) == 0
    out, err = capsys.readouterr()
    line = out.strip()
    assert "\n" not in line and line.startswith("cd /home/dev/shop && claude --resume ")
    new_id = line.rsplit(" ", 1)[1]
    written = home / ".claude" / "projects" / "-home-dev-shop" / f"{new_id}.jsonl"
    assert written.is_file() and str(written) in err
    assert (FIXTURES / "claude" / "projects" / "-home-dev-shop" / f"{sid}.jsonl").read_bytes() == source
    assert main(["resume", sid, "--step", "#2", "--bucket", bucket, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["source_id"] == sid and doc["step"] == 2 and doc["argv"][:2] == ["claude", "--resume"]
    assert Path(doc["path"]).is_file()


@pytest.mark.parametrize("argv, message", [
    (["--step", "x1"], "--step wants a step number"),
    (["--step", "1", "--from", "x.capsule"], "--cwd names the folder to continue in"),
    (["--step", "1", "--from", "/no/such.capsule", "--cwd", "/w"], "no/such.capsule"),
    (["--step", "1", "--cwd", "../up"], "not a plain absolute path"),
])
def test_the_cli_refuses_in_one_line(tmp_path, capsys, monkeypatch, argv, message, synced):
    from tracetui.cli import main

    bucket = synced
    capsys.readouterr()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "c"))
    code = main(["resume", "11111111", *argv, "--bucket", bucket])
    out, err = capsys.readouterr()
    assert code in (1, 2) and out == "" and message in err and err.count("\n") == 1
    assert not (tmp_path / "c").exists()


def test_a_capsule_s_session_continues_in_the_replay_s_clone(tmp_path, capsys, monkeypatch):
    import sys

    import orjson

    from tracetui.cli import main

    sys.path.insert(0, str(FIXTURES / "capsule"))
    import capsule_kit as kit

    repo, _base = kit.make_repo(tmp_path)
    projects = tmp_path / "claude"
    kit.write_claude_log(projects, repo)
    bucket = str(tmp_path / "bucket")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={projects}"]) == 0
    capsule = tmp_path / "ep.capsule"
    assert main(["seal", "--bucket", bucket, kit.CLAUDE_SESSION[:8], "-o", str(capsule), "--repo", str(repo),
                 "--accept-suggested"]) == 0
    capsys.readouterr()
    clone = tmp_path / "clone"
    clone.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "x"))
    monkeypatch.setenv("GEMINI_CLI_HOME", str(tmp_path / "g"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "o"))
    for agent in ("claude", "codex", "gemini", "opencode"):
        code = main(["resume", kit.CLAUDE_SESSION[:8], "--step", "2", "--from", str(capsule), "--cwd", str(clone),
                     "--agent", agent, "--json"])
        out, err = capsys.readouterr()
        assert (code, err) == (0, ""), err
        doc = orjson.loads(out)
        assert doc["cwd"] == str(clone) and doc["agent"] == agent
        back = read_session(group(agent, [Path(doc["path"])])[0])
        assert back.forked_from == (None if agent == "opencode" else doc["source_id"]) and back.errors == []
        assert [s.kind for s in back.steps][0] == StepKind.USER


def test_a_subagent_s_own_steps_are_listed_as_left_out(tmp_path):
    with_runs = [(s, d) for s, d in _sessions("claude", _fixture_logs("claude")) if s.subagents]
    assert with_runs
    session, data = with_runs[0]
    last = _points(session)[-1]
    done = write_session(session, [RawLog(session.source, data)], last, cwd="/w", env={}, home=tmp_path)
    assert any(d.startswith("the steps inside subagent runs") for d in done.dropped), done.dropped


def test_every_agent_tracetui_reads_it_writes_and_no_other():
    from tracetui.errors import TracetuiError
    from tracetui.resume.write import TARGETS
    from tracetui.sources import registry

    assert sorted(TARGETS) == sorted(registry.names())
    (session, data), *_ = _sessions("codex", [FIXTURES / "codex" / "current.jsonl"])
    with pytest.raises(TracetuiError, match="tracetui writes sessions for .*; not aider"):
        write_session(session, [RawLog(session.source, data)], 1, agent="aider", cwd="/w", env={})


def test_the_help_names_every_agent_tracetui_writes():
    """The help is built without importing the writers (`tracetui --help` stays lean), so it names them
    by hand: this keeps it true."""
    from tracetui.cli import build_parser
    from tracetui.resume.write import TARGETS

    text = build_parser().commands["resume"].format_help()
    assert all(agent in text for agent in TARGETS)


# ---- Gemini CLI: the project folder its registry gives the working folder -------------------------

def test_gemini_sessions_go_where_the_cli_s_registry_looks(tmp_path):
    import orjson

    from tracetui.sources.gemini.project_folder import chats_folder, slugify

    gemini = tmp_path / ".gemini"
    (gemini / "tmp" / "shop").mkdir(parents=True)
    (gemini / "tmp" / "shop" / ".project_root").write_text("/elsewhere/shop")  # another root owns `shop`
    (gemini / "tmp" / "found").mkdir()
    (gemini / "tmp" / "found" / ".project_root").write_text("/w/found\n")
    (gemini / "projects.json").write_bytes(orjson.dumps({"projects": {"/w/known": "kn", "/w/evil": "../../x"}}))
    assert chats_folder("/w/known", gemini).chats == gemini / "tmp" / "kn" / "chats"
    assert chats_folder("/w/known", gemini).marker is None
    found = chats_folder("/w/found", gemini)  # the registry lost it; the marker says whose it is
    assert (found.chats, found.marker) == (gemini / "tmp" / "found" / "chats", None)
    new = chats_folder("/home/dev/shop", gemini)  # a slug the CLI would claim, its marker to write
    assert new.chats == gemini / "tmp" / "shop-1" / "chats" and new.marker == gemini / "tmp" / "shop-1" / ".project_root"
    evil = chats_folder("/w/evil", gemini)  # a slug that is no plain name is passed over
    assert evil.chats == gemini / "tmp" / "evil" / "chats"
    assert slugify("My Project!") == "my-project" and slugify("...") == "project"


def test_a_gemini_file_is_named_a_minute_back_so_the_cli_never_starts_into_it():
    from tracetui.sources.gemini.writer import file_name

    assert file_name("abcdef12-0000", "2026-01-02T03:04:05.000Z") == "session-2026-01-02T03-03-abcdef12.jsonl"
    assert file_name("abcdef12-0000", "2026-01-01T00:00:30.000Z") == "session-2025-12-31T23-59-abcdef12.jsonl"


def test_a_gemini_session_is_resumed_by_id_after_its_project_marker(tmp_path):
    sessions = _sessions("gemini", _fixture_logs("gemini"))
    session, data = next((s, d) for s, d in sessions if s.source.endswith(".jsonl"))
    number = _points(session)[0]
    done = write_session(session, [RawLog(session.source, data)], number, cwd="/home/dev/shop", env={},
                         home=tmp_path)
    assert done.argv == ["gemini", "--resume", done.session_id]
    assert done.command == f"cd /home/dev/shop && gemini --resume {done.session_id}"
    path = Path(done.path)
    assert path.parent == tmp_path / ".gemini" / "tmp" / "shop" / "chats"
    assert path.name.startswith("session-") and path.name.endswith(f"-{done.session_id[:8]}.jsonl")
    assert (path.parent.parent / ".project_root").read_text() == "/home/dev/shop"
    again = write_session(session, [RawLog(session.source, data)], number, cwd="/home/dev/shop",
                          env={"GEMINI_CLI_HOME": str(tmp_path / "g")}, home=tmp_path)
    assert Path(again.path).parent == tmp_path / "g" / ".gemini" / "tmp" / "shop" / "chats"


def test_a_gemini_session_only_logs_json_remembers_is_rebuilt_from_its_prompts(tmp_path):
    """The first builds kept prompts alone (`logs.json`, staged as a prompt log): no records to copy,
    so the session is rebuilt from its steps, in Gemini's own format."""
    import orjson

    from tracetui.sources import registry

    logs = tmp_path / "src" / "shop" / ".gemini" / "logs.json"
    logs.parent.mkdir(parents=True)
    logs.write_bytes(orjson.dumps([{"sessionId": 1749157231, "messageId": n, "type": "user", "message": text,
                                    "timestamp": f"2025-06-0{n + 1}T10:00:00Z"}
                                   for n, text in enumerate(["review the code", "and the tests"])]))
    staged, problems = present(registry.get("gemini").stage)([logs], tmp_path / "staged")
    [files] = [f for f in group("gemini", staged)]
    session = read_session(files)
    assert session.version == "gemini-logs" and problems == []
    done = write_session(session, [RawLog(session.source, files.main.read_bytes())], 1, cwd="/home/dev/shop", env={},
                         home=tmp_path / "h")
    back = read_session(group("gemini", [Path(done.path)])[0])
    assert [(s.kind, s.text) for s in back.steps] == [(s.kind, s.text) for s in session.steps]


def test_a_claude_fork_keeps_what_2_1_3xx_sent_for_an_attachment(tmp_path):
    """2.1.3xx writes on an attachment line what it sent the model (`rendered`, in `renderedRole`), and
    tracetui shows that; on an answer, which lines make one reply (`apiBlockIndex`). The fork's
    allowlist of keys keeps them, so the fork reads back with the same steps."""
    log = FIXTURES / "claude/projects/-home-dev-shop/11111111-1111-4111-8111-111111111111.jsonl"
    lines = [orjson.loads(raw) for raw in log.read_bytes().splitlines()]
    first = next(n for n, r in enumerate(lines) if r.get("type") == "user")
    sent = {"type": "attachment", "uuid": "r-att", "parentUuid": lines[first]["uuid"], "isSidechain": False,
            "sessionId": lines[first]["sessionId"], "timestamp": lines[first]["timestamp"],
            "cwd": lines[first]["cwd"], "attachment": {"type": "todo_reminder", "content": []},
            "rendered": [{"content": "<system-reminder>\nKeep the list short.\n</system-reminder>"}],
            "renderedRole": "system"}
    lines.insert(first + 1, sent)
    lines[first + 2]["parentUuid"] = "r-att"
    for rec in lines:
        if rec.get("type") == "assistant":
            rec["apiBlockIndex"] = 0
    path = tmp_path / "projects" / "-home-dev-shop" / log.name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines) + b"\n")
    [files] = group("claude", [path])
    session = read_session(files)
    assert any(s.text == "Keep the list short." for s in session.steps)
    last = max(s.index for s in session.steps if s.active and s.subagent is None)
    resumed = write_session(session, [RawLog(str(path), path.read_bytes())], last, cwd="/home/dev/shop",
                            env={}, home=tmp_path / "home")
    records = [orjson.loads(raw) for raw in Path(resumed.path).read_bytes().splitlines()]
    assert [r["renderedRole"] for r in records if "rendered" in r] == ["system"]
    assert all(r["apiBlockIndex"] == 0 for r in records if r["type"] == "assistant")
    back = read_session(group("claude", [Path(resumed.path)])[0])
    assert _shape([s for s in back.steps if s.active]) == _shape(
        [s for s in session.steps if s.active and s.index <= last])
