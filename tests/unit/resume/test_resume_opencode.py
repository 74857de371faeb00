"""The OpenCode writer (issue 39): a session written up to step N as a document `opencode import`
reads, read back by tracetui to the same steps; new ids for every object (the import skips a row whose
id it already holds), nothing spent, the command importing it first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from support.narrow import present
from support.resume_kit import sent_text

from shared_data import FIXTURES, corpus_files, requires_corpus

from tracetui.model import Session, Step, StepKind
from tracetui.resume import write_session
from tracetui.sources import RawLog, group, read_session, registry

NOT_CARRIED = (StepKind.SUBAGENT_START, StepKind.SUBAGENT_END)


def _staged(paths: list[Path], folder: Path) -> list[tuple[Session, bytes]]:
    staged, problems = present(registry.get("opencode").stage)(paths, folder)
    assert problems == []
    return [(read_session(files), files.main.read_bytes()) for files in group("opencode", staged)]


@pytest.fixture(scope="module")
def storage(tmp_path_factory) -> tuple[Session, bytes]:
    """The fixture's storage tree (a subagent, a compaction, a message that ended in an error)."""
    files = sorted(p for p in (FIXTURES / "opencode" / "storage").rglob("*.json"))
    [found] = _staged(files, tmp_path_factory.mktemp("staged"))
    return found


def _shape(steps: list[Step]) -> list[tuple]:
    return [(s.kind, s.text, s.tool, s.tool_call_id, s.tool_input, s.is_error) for s in steps
            if s.subagent is None and s.kind not in NOT_CARRIED]


def _carried(session: Session) -> list[int]:
    return [s.index for s in session.steps if s.active and s.subagent is None and s.kind not in NOT_CARRIED]


def _round_trip(session: Session, data: bytes, number: int, home: Path) -> dict:
    resumed = write_session(session, [RawLog(session.source, data)], number, cwd="/home/dev/shop", env={}, home=home)
    back = read_session(group("opencode", [Path(resumed.path)])[0])
    # A patch part (a SYSTEM step naming the files a model step changed) is OpenCode's undo's order to
    # revert them: a fork carries none (tests/unit/hostile/test_hostile_resume_settings.py).
    expected = [s for s in session.steps if s.index <= number and s.active and s.subagent is None
                and not (s.kind == StepKind.SYSTEM and "snapshot" in s.meta)]
    assert back.id == resumed.session_id and back.errors == [] and back.tokens.total == 0
    # A file OpenCode would fetch is carried as the text it sends in its place (on copies: the session
    # is the module's).
    expected = [replace(s, text=sent_text(s)) for s in expected]
    assert _shape(back.steps) == _shape(expected), (session.source, number)
    return orjson.loads(Path(resumed.path).read_bytes())


def test_every_step_of_a_session_written_reads_back_to_that_step(storage, tmp_path):
    session, data = storage
    for number in _carried(session):
        doc = _round_trip(session, data, number, tmp_path / f"h{number}")
        old = {s.id.split(":", 1)[0] for s in session.steps}
        new = [m["info"]["id"] for m in doc["messages"]] + [p["id"] for m in doc["messages"] for p in m["parts"]]
        assert not old & set(new) and new == sorted(new, key=lambda i: (i[:3], i))  # fresh, in order
        assert all(m["info"]["sessionID"] == doc["info"]["id"] for m in doc["messages"])


def test_a_call_chosen_without_its_result_is_one_opencode_never_ran(storage, tmp_path):
    session, data = storage
    call = next(s for s in session.steps if s.kind == StepKind.TOOL_CALL and s.subagent is None)
    doc = _round_trip(session, data, call.index, tmp_path)
    last = doc["messages"][-1]["parts"][-1]
    assert last["type"] == "tool" and last["state"]["status"] == "pending" and "output" not in last["state"]


def test_the_command_imports_the_document_then_continues_it(storage, tmp_path):
    session, data = storage
    done = write_session(session, [RawLog(session.source, data)], _carried(session)[-1], cwd="/home/dev/my shop",
                         env={"XDG_DATA_HOME": str(tmp_path / "xdg")}, home=tmp_path)
    path = tmp_path / "xdg" / "opencode" / "tracetui-resume" / f"{done.session_id}.json"
    assert done.path == str(path) and path.is_file()
    assert done.setup == [["opencode", "import", str(path)]] and done.argv == ["opencode", "--session", done.session_id]
    assert done.command == f"cd '/home/dev/my shop' && opencode import {path} && opencode --session {done.session_id}"
    assert done.to_dict()["setup"] == done.setup
    assert done.session_id.startswith("ses_") and len(done.session_id) == 30
    assert any(d.startswith("the steps inside subagent runs") for d in done.dropped)


def _said(steps: list[Step]) -> list[tuple]:
    """Prompts, answers, calls (their arguments become the target's) and results, in order; each result
    right after its call, as OpenCode's tool part holds a call with its result."""
    results = {s.tool_call_id: s for s in steps if s.kind == StepKind.TOOL_RESULT}
    out: list[tuple] = []
    for s in steps:
        if s.subagent is None and s.kind in (StepKind.USER, StepKind.ASSISTANT):
            out.append((s.kind, s.text))
        elif s.subagent is None and s.kind == StepKind.TOOL_CALL:
            out.append((s.kind,))
            if s.tool_call_id in results:
                out.append((StepKind.TOOL_RESULT, results[s.tool_call_id].text))
    return out


@pytest.mark.parametrize("source", ["claude", "codex", "pi"])
def test_another_agent_s_session_continued_in_opencode_reads_back_with_its_history(source, tmp_path):
    from tracetui.sources.common.carried import carried

    logs = {"claude": sorted((FIXTURES / "claude" / "projects").rglob("*.jsonl")),
            "codex": [FIXTURES / "codex" / "current.jsonl"], "pi": sorted((FIXTURES / "pi").rglob("*.jsonl"))}[source]
    tried = 0
    for files in group(source, logs):
        if files.main.name.startswith("agent-"):
            continue
        session = read_session(files)
        main = [s.index for s in session.steps if s.active and s.subagent is None and s.kind not in NOT_CARRIED]
        for number in sorted({main[len(main) // 2], main[-1]}) if main else []:
            upto = [s for s in session.steps if s.index <= number and s.active and s.subagent is None]
            items, _ = carried(upto)
            if not items:
                continue
            done = write_session(session, [RawLog(session.source, files.main.read_bytes())], number, agent="opencode",
                                 cwd="/home/dev/shop", env={}, home=tmp_path / f"h{tried}")
            back = read_session(group("opencode", [Path(done.path)])[0])
            assert back.errors == [] and back.tokens.total == 0
            ids = {i.source_id for i in items}
            expected = [s for s in upto if s.id in ids]
            shell = [s for s in back.steps if s.kind == StepKind.TOOL_CALL and s.tool == "bash"]
            assert all(set(s.tool_input) == {"command"} for s in shell)  # a shell call is OpenCode's bash
            assert _said(back.steps) == _said(expected), (session.source, number)
            tried += 1
    assert tried >= 2


@requires_corpus
@pytest.mark.corpus
def test_a_corpus_session_written_at_a_step_reads_back_to_that_step(tmp_path):
    material = corpus_files("opencode", "*")
    if not material:
        pytest.skip("no OpenCode logs in the corpus")
    tried = 0
    for session, data in _staged(material, tmp_path / "staged"):
        carried = _carried(session)
        for number in sorted({carried[len(carried) // 2], carried[-1]}) if carried else []:
            _round_trip(session, data, number, tmp_path / f"h{tried}")
            tried += 1
    assert tried


def test_an_older_error_is_written_in_the_shape_the_import_decodes(storage, tmp_path):
    """1.18's import refused a whole document over an APIError without `isRetryable` (the fixture's,
    as older builds wrote it); an error of a name it does not know becomes an UnknownError."""
    from tracetui.sources.opencode.writer import _error

    session, data = storage
    doc = _round_trip(session, data, _carried(session)[-1], tmp_path)
    [error] = [m["info"]["error"] for m in doc["messages"] if "error" in m["info"]]
    assert error["name"] == "APIError" and error["data"]["isRetryable"] is False
    assert _error({"name": "Odd", "data": {"message": "m"}}) == {"name": "UnknownError", "data": {"message": "m"}}


def test_a_compaction_that_kept_turns_names_their_copies(tmp_path):
    """1.18's compaction keeps its last turns (`tail_start_id`): a fork names the kept message's copy,
    as OpenCode's own fork does (with the old id OpenCode would send the whole history before it)."""
    doc = orjson.loads((FIXTURES / "opencode" / "export.json").read_bytes())
    doc["messages"][2]["parts"][0]["tail_start_id"] = "msg_01B"
    source = tmp_path / "export.json"
    source.write_bytes(orjson.dumps(doc))
    session = read_session(group("opencode", [source])[0])
    after = next(s for s in session.steps if s.id == "prt_01E1")
    written = _round_trip(session, source.read_bytes(), after.index, tmp_path / "h")
    [part] = [p for m in written["messages"] for p in m["parts"] if p["type"] == "compaction"]
    assert part["tail_start_id"] == written["messages"][1]["info"]["id"]  # msg_01B's copy
    back = read_session(group("opencode", [next((tmp_path / "h").rglob("*.json"))])[0])
    [compaction] = [s for s in back.steps if s.kind == StepKind.COMPACTION]
    assert compaction.meta["first_kept_entry_id"] == written["messages"][1]["parts"][1]["id"]  # its reasoning
