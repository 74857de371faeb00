"""A Codex subagent with a rollout of its own names the session that spawned it (Session.subagent_of), as a
fork names its parent: the reader, the bucket's rows, `ls`/`show` (plain and JSON), the views the app's
title and parent key use, and the parent's spawning step that leads to the child (tests/codex_subagents)."""

from __future__ import annotations

import orjson
import pytest
from codex_subagents import CHILD, GONE, ORPHAN, PARENT, SPAWN_CALL, child_rollout, parent_rollout, write_pair
from shared_data import corpus_files, requires_corpus

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.library import MemoryLibrary
from tracetui.model import Session, SessionFilter, StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex
from tracetui.views import fork


def read(data: bytes, sid: str = CHILD):
    return codex.read(RawLog(f"/x/rollout-2026-05-02T09-00-03-{sid}.jsonl", data), [])


def test_a_spawned_subagent_names_the_session_that_ran_it_and_the_parent_names_it_back():
    child, parent = read(child_rollout()), read(parent_rollout(), PARENT)
    assert child.subagent_of == PARENT and child.forked_from is None
    assert parent.subagent_of is None
    call = next(s for s in parent.steps if s.tool_call_id == SPAWN_CALL and s.kind == StepKind.TOOL_CALL)
    assert fork.spawned_child(call) == CHILD
    assert [fork.spawned_child(s) for s in parent.steps].count(None) == len(parent.steps) - 1
    # Where the child came from in the parent: its spawning call, by the parent's own step.
    assert fork.parent_of(child) == PARENT and fork.parent_point(parent, child) == call.index
    assert fork.parent_title(child) == "↳ subagent of 019e1111"
    assert fork.subagent_line(child) == f"subagent of {PARENT} (Ada explorer)"
    assert fork.parent_title(parent) is None and fork.subagent_line(parent) is None


def test_a_subagent_the_parent_does_not_name_lands_at_the_parent_s_last_step_before_it():
    parent = read(parent_rollout(child="019e1111-0000-7000-8000-0000000000ee"), PARENT)
    child = read(child_rollout())
    point = fork.parent_point(parent, child)
    assert child.started == "2026-05-02T09:00:03.000Z"
    assert parent.steps[point].timestamp == child.started  # the last one at its time (the call itself)
    assert parent.steps[point + 1].timestamp > child.started


def test_a_subagent_read_on_from_a_snapshot_names_its_parent_as_a_whole_read_does():
    data = child_rollout()
    cut = data.index(b"\n", data.index(b"map the parser")) + 1
    log = f"/x/rollout-2026-05-02T09-00-03-{CHILD}.jsonl"
    _, state = codex.resume(None, RawLog(log, data[:cut]), [])
    resumed, _ = codex.resume(state, RawLog(log, data), [])
    assert resumed.subagent_of == PARENT
    assert resumed.to_dict() == read(data).to_dict()


def test_a_session_keeps_the_link_through_its_dict_and_a_memory_library():
    child = read(child_rollout())
    assert Session.from_dict(child.to_dict()).subagent_of == PARENT
    assert "subagent_of" not in read(parent_rollout(), PARENT).to_dict()  # said only of a subagent
    library = MemoryLibrary([child])
    assert library.summary(CHILD).subagent_of == PARENT


@pytest.fixture
def synced(tmp_path):
    src = write_pair(tmp_path / "src", orphan=True)
    b = Bucket.open(tmp_path / "bucket")
    b.sync(sources={"codex": [src]})
    b.close()
    return tmp_path / "bucket"


def test_the_bucket_keeps_the_link_in_its_rows_and_sessions(synced):
    b = Bucket.open(synced)
    try:
        assert b.summary(CHILD).subagent_of == PARENT
        assert b.summary(PARENT).subagent_of is None
        assert b.session(CHILD).subagent_of == PARENT
        assert {r.id: r.subagent_of for r in b.list_sessions(SessionFilter(include_hidden=True))} == {
            PARENT: None, CHILD: PARENT, ORPHAN: GONE}
    finally:
        b.close()


def test_ls_and_show_say_which_session_ran_a_subagent(capsys, synced):
    capsys.readouterr()
    assert main(["ls", "--bucket", str(synced), "--json"]) == 0
    rows = {r["id"]: r for r in orjson.loads(capsys.readouterr().out)}
    assert (rows[CHILD]["subagent_of"], rows[PARENT]["subagent_of"]) == (PARENT, None)
    assert rows[CHILD]["forked_from"] is None
    assert main(["ls", "--bucket", str(synced)]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(CHILD))
    assert "↳ 019e1111 map the parser" in line
    assert main(["show", "--bucket", str(synced), CHILD, "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["subagent_of"] == PARENT
    assert main(["show", "--bucket", str(synced), PARENT, "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["subagent_of"] is None  # every session says
    assert main(["show", "--bucket", str(synced), CHILD]) == 0
    out = capsys.readouterr().out
    assert f"subagent: subagent of {PARENT} (Ada explorer)\n" in out
    assert main(["show", "--bucket", str(synced), PARENT]) == 0
    assert "subagent:" not in capsys.readouterr().out


def test_show_says_in_one_line_that_the_parent_is_not_in_the_bucket(capsys, synced):
    capsys.readouterr()
    assert main(["show", "--bucket", str(synced), ORPHAN]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("subagent:")]
    assert lines == [f"subagent: subagent of {GONE} (Ada explorer); not in this bucket"]


def test_a_hostile_parent_id_is_one_plain_line(capsys, tmp_path):
    evil = "[b]evil\n\x1b[2J\u202e\x9b31m/../x"
    src = tmp_path / "src"
    src.mkdir()
    (src / f"rollout-2026-05-02T09-00-03-{CHILD}.jsonl").write_bytes(child_rollout(CHILD, evil))
    assert main(["sync", "--bucket", str(tmp_path / "b"), "--source", f"codex={src}"]) == 0
    capsys.readouterr()
    assert main(["show", "--bucket", str(tmp_path / "b"), CHILD]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("subagent:")]
    assert len(lines) == 1 and lines[0].endswith("; not in this bucket")
    assert not any(c in out for c in "\x1b\u202e\x9b")
    assert main(["ls", "--bucket", str(tmp_path / "b"), "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)[0]["subagent_of"] == evil  # the log's word, as data


@requires_corpus
def test_real_rollouts_made_parent_and_subagent_link_both_ways(tmp_path, capsys):
    # Two real rollouts of one user, the later one's session_meta said to be spawned by the earlier
    # (as codex-rs writes a spawned thread's): read as before, plus the link (the corpus has no
    # multi-agent run of its own).
    files = sorted(corpus_files("codex", "Xu-Wentao__dotfile__*.jsonl"))[:2]
    if len(files) < 2:
        pytest.skip("two Codex rollouts of one user are not in the corpus")
    first, second = (codex.read(RawLog(str(p), p.read_bytes()), []) for p in files)
    lines = files[1].read_bytes().splitlines(keepends=True)
    head = orjson.loads(lines[0])
    assert head["type"] == "session_meta"
    head["payload"]["source"] = {"subagent": {"thread_spawn": {"parent_thread_id": first.id, "depth": 1}}}
    src = tmp_path / "src"
    src.mkdir()
    (src / files[0].name).write_bytes(files[0].read_bytes())
    (src / files[1].name).write_bytes(orjson.dumps(head) + b"\n" + b"".join(lines[1:]))
    child = codex.read(RawLog(str(src / files[1].name), (src / files[1].name).read_bytes()), [])
    assert (child.id, child.subagent_of, first.subagent_of) == (second.id, first.id, None)
    # The same steps as the log read as it is, and one SYSTEM step saying what ran it.
    extra = [s for s in child.steps if s.meta.get("event") == "subagent"]
    assert len(extra) == 1 and first.id in extra[0].text
    own = [(s.kind, s.text) for s in child.steps if s is not extra[0]]
    assert own == [(s.kind, s.text) for s in second.steps]
    assert 0 <= fork.parent_point(first, child) < len(first.steps)
    assert main(["sync", "--bucket", str(tmp_path / "b"), "--source", f"codex={src}"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", str(tmp_path / "b"), "--all", "--json"]) == 0
    rows = {r["id"]: r["subagent_of"] for r in orjson.loads(capsys.readouterr().out)}
    assert rows == {first.id: None, second.id: first.id}
    assert main(["show", "--bucket", str(tmp_path / "b"), second.id]) == 0
    assert f"subagent: subagent of {first.id}\n" in capsys.readouterr().out
