"""Forks: the session a fork was copied from, the steps it copied, and what the bucket, the CLI and
blame make of them (tests/fixtures/forks: a Pi session and its /fork, a Codex rollout and its fork)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES, corpus_files, requires_corpus
from support.trail_kit import Repo

from tracetui.blame import blame_file
from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.library import MemoryLibrary
from tracetui.model import SessionFilter
from tracetui.sources import RawLog, SessionFiles, read_session
from tracetui.sources.codex import reader as codex
from tracetui.sources.pi import reader as pi
from tracetui.views import fork

FORKS = FIXTURES / "forks"
PI_PARENT = "aaaaaaaa-0000-4000-8000-00000000000a"
PI_FORK = "bbbbbbbb-0000-4000-8000-00000000000b"
CODEX_PARENT = "0199cccc-1111-7222-8333-00000000000c"
CODEX_FORK = "0199dddd-1111-7222-8333-00000000000d"


def pi_file(sid: str) -> Path:
    return next(FORKS.glob(f"*_{sid}.jsonl"))


def codex_file(sid: str) -> Path:
    return next(FORKS.glob(f"rollout-*-{sid}.jsonl"))


def read_pi(path: Path):
    return pi.read(RawLog(str(path), path.read_bytes()), [])


def read_codex(path: Path):
    return codex.read(RawLog(str(path), path.read_bytes()), [])


def copied(session) -> list[str]:
    return [s.id for s in session.steps if "copied" in s.meta]


# ---- Pi --------------------------------------------------------------------------------------


def test_a_pi_fork_names_its_parent_and_marks_the_copied_path():
    s = read_pi(pi_file(PI_FORK))
    assert (s.forked_from, s.forked_at) == (PI_PARENT, "2026-03-01T11:00:00.000Z")
    # the root-to-leaf path Pi wrote first, each entry as the parent has it
    assert copied(s) == ["p0000001", "p0000002", "p0000003", "p0000004"]
    assert [x.id for x in s.steps if "copied" not in x.meta] == ["f0000001", "f0000002", "f0000003", "f0000004"]
    # its own calls only: the parent's write is counted where the parent is listed
    assert sum(1 for x in s.steps if x.kind == "tool_call") == 2
    assert (s.tool_calls, s.applied_edit_calls) == (1, 1)
    assert s.summary_dict()["forked_from"] == PI_PARENT
    assert s.to_dict()["forked_at"] == "2026-03-01T11:00:00.000Z"


def test_a_pi_session_that_is_no_fork_copies_nothing_whatever_its_times():
    s = read_pi(pi_file(PI_PARENT))
    assert (s.forked_from, s.forked_at, copied(s)) == (None, None, [])
    assert "forked_from" not in s.to_dict() and "forked_at" not in s.to_dict()
    assert s.summary_dict()["forked_from"] is None
    # A header written after its first prompt (Pi's own habit) says nothing without parentSession.
    lines = pi_file(PI_PARENT).read_bytes().splitlines(keepends=True)
    head = orjson.loads(lines[0])
    head["timestamp"] = "2026-03-01T12:00:00.000Z"
    late = read_pi_bytes(orjson.dumps(head) + b"\n" + b"".join(lines[1:]))
    assert (late.forked_from, copied(late), late.tool_calls) == (None, [], 1)


def read_pi_bytes(data: bytes, name: str = "x.jsonl"):
    return pi.read(RawLog(name, data), [])


def test_a_v1_branched_file_and_a_parent_path_with_no_id_in_its_name():
    lines = pi_file(PI_FORK).read_bytes().splitlines(keepends=True)
    head = orjson.loads(lines[0])
    del head["parentSession"]
    head["branchedFrom"] = "C:\\Users\\dev\\sessions\\old-session.jsonl"
    s = read_pi_bytes(orjson.dumps(head) + b"\n" + b"".join(lines[1:]))
    assert s.forked_from == "C:\\Users\\dev\\sessions\\old-session.jsonl"  # the logged path as given
    assert copied(s) == ["p0000001", "p0000002", "p0000003", "p0000004"]
    head["branchedFrom"] = "C:\\Users\\dev\\sessions\\2026-03-01T10-00-00-000Z_" + PI_PARENT + ".jsonl"
    assert read_pi_bytes(orjson.dumps(head) + b"\n" + b"".join(lines[1:])).forked_from == PI_PARENT


def test_a_pi_fork_read_on_from_a_snapshot_reads_as_a_whole_read():
    data = pi_file(PI_FORK).read_bytes()
    lines = data.splitlines(keepends=True)
    for cut in (2, 4, 6, 8):
        first, state = pi.resume(None, RawLog("f.jsonl", b"".join(lines[:cut])), [])
        assert state is not None
        again, _ = pi.resume(state, RawLog("f.jsonl", data), [])
        whole = read_pi_bytes(data, "f.jsonl")
        assert again.to_dict() == whole.to_dict(), cut


@requires_corpus
def test_the_real_before_compaction_fixture_is_a_branched_session():
    path = next(p for p in corpus_files("pi") if p.name.endswith("before-compaction.jsonl"))
    s = read_session(SessionFiles("pi", path))
    assert s.forked_from == "d97339c6-6c10-4827-846b-9ff1d9c3dc37"  # from its branchedFrom file name
    assert s.forked_at == "2025-12-09T00:53:29.825Z"
    # 1,001 of its 1,002 entries predate the header: every step but the last entry's is a copy
    own = [x for x in s.steps if "copied" not in x.meta]
    assert len(own) == 1 and own[0].text.startswith("thinking level")
    assert s.tool_calls == 0 and s.applied_edit_calls == 0
    assert sum(1 for x in s.steps if x.kind == "tool_call") > 300
    # the corpus's other Pi sessions are no forks, whatever their headers' times
    for other in corpus_files("pi"):
        if other != path:
            o = read_session(SessionFiles("pi", other))
            assert (o.forked_from, copied(o)) == (None, []), other.name


# ---- Codex -----------------------------------------------------------------------------------


def test_a_codex_fork_names_its_parent_and_marks_the_replayed_history():
    s = read_codex(codex_file(CODEX_FORK))
    assert s.id == CODEX_FORK  # the first session_meta names the session, not the copied one
    assert (s.forked_from, s.forked_at) == (CODEX_PARENT, "2026-02-02T14:00:00.000Z")
    assert copied(s) == ["L3", "L4", "L7", "L8", "L9"]
    # the prompt the fork was made with was written in the copy's burst: it is the fork's own
    prompt = s.step("L11")
    assert prompt is not None and prompt.kind == "user" and "copied" not in prompt.meta
    assert (s.tool_calls, s.applied_edit_calls) == (1, 1)
    assert sum(1 for x in s.steps if x.kind == "tool_call") == 2


def test_a_codex_fork_of_an_older_build_is_known_by_its_second_session_meta():
    lines = codex_file(CODEX_FORK).read_bytes().splitlines(keepends=True)
    first = orjson.loads(lines[0])
    del first["payload"]["forked_from_id"]
    s = codex.read(RawLog("r.jsonl", orjson.dumps(first) + b"\n" + b"".join(lines[1:])), [])
    assert (s.id, s.forked_from) == (CODEX_FORK, CODEX_PARENT)
    assert copied(s) == ["L3", "L4", "L7", "L8", "L9"]


def test_a_codex_rollout_that_is_no_fork_copies_nothing():
    s = read_codex(codex_file(CODEX_PARENT))
    assert (s.forked_from, copied(s)) == (None, [])
    # a resumed rollout repeats its own session_meta: no fork either
    lines = codex_file(CODEX_PARENT).read_bytes().splitlines(keepends=True)
    resumed = codex.read(RawLog("r.jsonl", lines[0] + lines[0] + b"".join(lines[1:])), [])
    assert (resumed.forked_from, copied(resumed)) == (None, [])
    assert read_codex(FIXTURES / "codex" / "current.jsonl").forked_from is None


def test_a_codex_fork_s_copy_ends_where_its_lines_stop_coming_in_one_burst():
    # A fork made without a prompt: the copy, then the user's first turn seconds later.
    lines = codex_file(CODEX_FORK).read_bytes().splitlines(keepends=True)
    kept = [ln for ln in lines if b"lexer too" not in ln]
    s = codex.read(RawLog("r.jsonl", b"".join(kept)), [])
    assert copied(s) == ["L3", "L4", "L7", "L8", "L9"]
    assert "copied" not in s.steps[-1].meta


def test_a_codex_fork_read_on_from_a_snapshot_reads_as_a_whole_read():
    data = codex_file(CODEX_FORK).read_bytes()
    lines = data.splitlines(keepends=True)
    whole = codex.read(RawLog("r.jsonl", data), [])
    for cut in (1, 2, 5, 11, 14):
        _, state = codex.resume(None, RawLog("r.jsonl", b"".join(lines[:cut])), [])
        assert state is not None
        again, _ = codex.resume(state, RawLog("r.jsonl", data), [])
        assert again.to_dict() == whole.to_dict(), cut


def test_a_fork_s_tokens_and_cost_are_its_own_requests_only():
    from tracetui.cost import session_cost

    pi_fork, pi_parent = read_pi(pi_file(PI_FORK)), read_pi(pi_file(PI_PARENT))
    # two requests of its own (100 in, 20 out each); the parent's two copied ones stay the parent's
    assert (pi_fork.tokens.input, pi_fork.tokens.output) == (200, 40)
    assert (pi_parent.tokens.input, pi_parent.tokens.output) == (300, 60)
    assert pi_fork.step("p0000002").tokens is not None  # still shown on the copy
    priced = session_cost(pi_fork)
    assert set(priced.steps) == {"f0000002", "f0000004"}
    # Codex: the copy replays the parent's cumulative count (1000 in, 50 out); the fork's own request
    # is the difference its next count makes (2500 in, 90 out in all)
    cx = read_codex(codex_file(CODEX_FORK))
    assert (cx.tokens.input, cx.tokens.output) == (1500, 40)
    assert set(session_cost(cx).steps) <= {x.id for x in cx.steps if "copied" not in x.meta}


# ---- the views -------------------------------------------------------------------------------


def test_the_fork_point_in_the_parent():
    for parent, child, at in (
        (read_pi(pi_file(PI_PARENT)), read_pi(pi_file(PI_FORK)), "p0000004"),  # by id: Pi copies entries
        (read_codex(codex_file(CODEX_PARENT)), read_codex(codex_file(CODEX_FORK)), "L8"),  # by text
    ):
        assert parent.steps[fork.fork_point(parent, child)].id == at
    line = fork.fork_line(read_pi(pi_file(PI_FORK)))
    assert line == f"fork of {PI_PARENT} at 2026-03-01T11:00:00.000Z; its first 4 steps are copies"
    assert fork.fork_line(read_pi(pi_file(PI_PARENT))) is None


# ---- the bucket and the CLI ------------------------------------------------------------------


@pytest.fixture
def synced(tmp_path) -> Path:
    src = tmp_path / "src"
    (src / "pi").mkdir(parents=True)
    (src / "codex").mkdir(parents=True)
    for sid in (PI_PARENT, PI_FORK):
        shutil.copy(pi_file(sid), src / "pi")
    for sid in (CODEX_PARENT, CODEX_FORK):
        shutil.copy(codex_file(sid), src / "codex")
    bucket = tmp_path / "bucket"
    code = main(["sync", "--bucket", str(bucket), "--source", f"pi={src / 'pi'}", "--source",
                 f"codex={src / 'codex'}", "--json"])  # fmt: skip
    assert code == 0
    return bucket


def test_the_bucket_keeps_a_fork_s_parent_and_copies(synced):
    with Bucket(synced) as bucket:
        rows = {r.id: r for r in bucket.list_sessions(SessionFilter(include_hidden=True))}
        assert {k: r.forked_from for k, r in rows.items()} == {
            PI_PARENT: None, PI_FORK: PI_PARENT, CODEX_PARENT: None, CODEX_FORK: CODEX_PARENT,
        }  # fmt: skip
        assert (rows[PI_FORK].tool_calls, rows[PI_FORK].edits) == (1, 1)
        assert bucket.summary(PI_FORK).forked_from == PI_PARENT
        for sid in (PI_FORK, CODEX_FORK):
            held = bucket.session(sid)
            direct = read_pi(pi_file(sid)) if sid == PI_FORK else read_codex(codex_file(sid))
            assert (held.forked_from, held.forked_at) == (direct.forked_from, direct.forked_at)
            assert copied(held) == copied(direct)
        assert bucket.session(PI_PARENT).forked_at is None


def test_ls_and_show_say_whose_fork_a_session_is(capsys, synced):
    capsys.readouterr()
    assert main(["ls", "--bucket", str(synced), "--all", "--json"]) == 0
    rows = {r["id"]: r for r in orjson.loads(capsys.readouterr().out)}
    assert rows[CODEX_FORK]["forked_from"] == CODEX_PARENT
    assert rows[CODEX_PARENT]["forked_from"] is None
    assert main(["show", "--bucket", str(synced), PI_FORK, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert (doc["forked_from"], doc["forked_at"]) == (PI_PARENT, "2026-03-01T11:00:00.000Z")
    assert main(["show", "--bucket", str(synced), PI_PARENT, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert (doc["forked_from"], doc["forked_at"]) == (None, None)
    assert main(["show", "--bucket", str(synced), PI_FORK]) == 0
    out = capsys.readouterr().out
    assert f"fork:     fork of {PI_PARENT} at 2026-03-01T11:00:00.000Z; its first 4 steps are copies" in out
    assert main(["show", "--bucket", str(synced), PI_PARENT]) == 0
    assert "fork:" not in capsys.readouterr().out


@requires_corpus
def test_show_of_a_fork_with_no_request_of_its_own(capsys, tmp_path):
    path = next(p for p in corpus_files("pi") if p.name.endswith("before-compaction.jsonl"))
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(path, src)
    assert main(["sync", "--bucket", str(tmp_path / "b"), "--source", f"pi={src}", "--json"]) == 0
    capsys.readouterr()
    assert main(["show", "--bucket", str(tmp_path / "b"), "ffae836b"]) == 0
    out = capsys.readouterr().out
    assert "its first 1295 steps are copies" in out
    assert "cost:     none of its own (the requests it copied are its parent's)" in out


# ---- blame -----------------------------------------------------------------------------------


def _logs_in(repo: Path, tmp_path: Path) -> list:
    """The Codex parent and fork, logged in the test's repository."""
    out = []
    for sid in (CODEX_PARENT, CODEX_FORK):
        text = codex_file(sid).read_text().replace("/home/dev/parser", str(repo))
        path = tmp_path / "logs" / codex_file(sid).name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        out.append(read_codex(path))
    return out


def test_blame_gives_a_copied_line_to_the_original_not_the_fork(tmp_path):
    # One commit after the fork takes the parent's line and the fork's own. Codex wrote its copy of
    # the parent's patch at the fork, later than the parent: as "the latest writer" the copy would win.
    repo = Repo(tmp_path / "repo")
    repo.write("README.md", "parser\n")
    repo.commit("start", "2026-02-01T08:00:00+00:00")
    parent, child = _logs_in(repo.path, tmp_path)
    repo.write("notes/todo.md", "# Todo\n- write the parser tests\n- write the lexer tests\n")
    commit = repo.commit("todo", "2026-02-02T15:00:00+00:00")[:7]
    result = blame_file(MemoryLibrary([child, parent]), str(repo.path / "notes/todo.md"), repo=repo.path)
    who = [(x.line, x.writer.session if x.writer else None, x.writer.step if x.writer else None,
            (x.commit or "")[:7]) for x in result.lines]  # fmt: skip
    assert who == [
        (1, CODEX_PARENT, "L6", commit),
        (2, CODEX_PARENT, "L6", commit),
        (3, CODEX_FORK, "L14", commit),  # the fork's own line is the fork's
    ]
    # Without the parent in the bucket the copy is the only witness: it explains the lines.
    alone = blame_file(MemoryLibrary([child]), str(repo.path / "notes/todo.md"), repo=repo.path)
    assert [(x.writer.session, x.writer.step) if x.writer else None for x in alone.lines] == [
        (CODEX_FORK, "L7"), (CODEX_FORK, "L7"), (CODEX_FORK, "L14"),
    ]  # fmt: skip


def test_blame_of_a_pi_copy_goes_to_the_original_at_the_same_time(tmp_path):
    # Pi's copies keep their entries' times: the original and the copy tie on everything but the copy.
    repo = Repo(tmp_path / "repo")
    repo.write("README.md", "greet\n")
    repo.commit("start", "2026-03-01T09:00:00+00:00")
    sessions = []
    for sid in (PI_FORK, PI_PARENT):
        path = tmp_path / "logs" / pi_file(sid).name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pi_file(sid).read_text().replace("/home/dev/greet", str(repo.path)))
        sessions.append(read_pi(path))
    repo.write("greeter.py", "def greet(name):\n    return f'hello {name}'\n")
    repo.commit("greeter", "2026-03-01T10:30:00+00:00")
    for order in (sessions, sessions[::-1]):
        result = blame_file(MemoryLibrary(order), str(repo.path / "greeter.py"), repo=repo.path)
        assert [(x.writer.session, x.writer.step) if x.writer else None for x in result.lines] == [
            (PI_PARENT, "p0000002"), (PI_PARENT, "p0000002"),
        ]  # fmt: skip


def test_an_atif_export_of_a_fork_is_its_own_run(synced, tmp_path):
    from tracetui.export import ExportOptions, export

    with Bucket(synced) as bucket:
        report = export(bucket, tmp_path / "out", ExportOptions("atif", accept_suggested=True))
    assert report.written == 4
    docs = {}
    for path in (tmp_path / "out" / "trajectories").rglob("*.json"):
        doc = orjson.loads(path.read_bytes())
        docs[doc["session_id"]] = doc
    fork_doc, parent_doc = docs[PI_FORK], docs[PI_PARENT]
    extra = fork_doc["extra"]["tracetui"]
    assert (extra["forked_from"], extra["forked_at"], extra["copied_steps"]) == (
        PI_PARENT, "2026-03-01T11:00:00.000Z", 4,
    )  # fmt: skip
    texts = orjson.dumps(fork_doc["steps"]).decode()
    assert "Make the greeting loud" in texts and "Write a greeter module" not in texts
    assert "Write a greeter module" in orjson.dumps(parent_doc["steps"]).decode()
    assert "forked_from" not in parent_doc["extra"]["tracetui"]
    assert docs[CODEX_FORK]["extra"]["tracetui"]["forked_from"] == CODEX_PARENT


def test_a_codex_fork_with_its_system_prompt_is_still_known():
    # Newer builds write the system prompt in session_meta, a step of its own before anything else.
    lines = codex_file(CODEX_FORK).read_bytes().splitlines(keepends=True)
    metas = [orjson.loads(line) for line in lines[:2]]
    for meta in metas:
        meta["payload"]["base_instructions"] = {"text": "You are Codex, a coding agent."}
    data = b"".join(orjson.dumps(m) + b"\n" for m in metas) + b"".join(lines[2:])
    s = codex.read(RawLog("r.jsonl", data), [])
    assert s.forked_from == CODEX_PARENT
    prompt = s.steps[0]
    assert (prompt.id, prompt.kind, "copied" in prompt.meta) == ("L1", "context", False)  # the fork's own
    assert copied(s) == ["L3", "L4", "L7", "L8", "L9"]  # the copied session_meta says the same prompt


# ---- trail -----------------------------------------------------------------------------------


ALL_FOUR = (("pi", PI_PARENT), ("pi", PI_FORK), ("codex", CODEX_PARENT), ("codex", CODEX_FORK))


def _synced_in(repo: Path, tmp_path: Path, logs: tuple[tuple[str, str], ...] = ALL_FOUR) -> Path:
    """The four fork logs (or `logs` of them), written as if in `repo`, synced into a bucket."""
    src = tmp_path / "src"
    for agent, sid in logs:
        path = pi_file(sid) if agent == "pi" else codex_file(sid)
        text = path.read_text().replace("/home/dev/parser", str(repo)).replace("/home/dev/greet", str(repo))
        (src / agent).mkdir(parents=True, exist_ok=True)
        (src / agent / path.name).write_text(text)
    bucket = tmp_path / "bucket"
    with Bucket.open(bucket) as b:
        assert b.sync({a: [src / a] for a in ("pi", "codex") if (src / a).is_dir()}).errors == []
    return bucket


def _committed_work(tmp_path: Path, logs: tuple[tuple[str, str], ...] = ALL_FOUR) -> tuple[Repo, Path]:
    """A repository the four fork logs (or `logs`) are synced in, then one commit of all their work."""
    repo = Repo(tmp_path / "repo")
    repo.write("README.md", "start\n")
    repo.commit("start", "2026-02-01T08:00:00+00:00")
    bucket = _synced_in(repo.path, tmp_path, logs)
    repo.write("notes/todo.md", "# Todo\n- write the parser tests\n- write the lexer tests\n")
    repo.write("greeter.py", "def greet(name):\n    return f'HELLO {name.upper()}!'\n")
    repo.commit("work", "2026-03-01T12:00:00+00:00")
    return repo, bucket


def _trail_rows(capsys, bucket: Path, sid: str) -> list[tuple[str, str, str]]:
    capsys.readouterr()
    assert main(["trail", sid, "--bucket", str(bucket), "--json"]) == 0
    return [(r["step"], r["path"], r["state"]) for r in orjson.loads(capsys.readouterr().out)]


def test_a_fork_s_trail_leaves_its_parent_s_patches_to_the_parent(capsys, tmp_path):
    # The Codex fork replays the parent's todo (L7, a copy of the parent's L6) and adds the lexer line
    # (L14); the Pi fork copies the parent's greeter.py (p0000002) and makes it loud (f0000002). One
    # commit takes everything: each patch is counted once, in the session that made it.
    repo, bucket = _committed_work(tmp_path)
    assert _trail_rows(capsys, bucket, CODEX_PARENT) == [("L6", "notes/todo.md", "alive")]
    assert _trail_rows(capsys, bucket, CODEX_FORK) == [("L14", "notes/todo.md", "alive")]
    assert _trail_rows(capsys, bucket, PI_PARENT) == [("p0000002", "greeter.py", "transformed")]
    assert _trail_rows(capsys, bucket, PI_FORK) == [("f0000002", "greeter.py", "alive")]
    # The plain table counts the fork's own patch and says where the copy's verdict is.
    assert main(["trail", CODEX_FORK, "--bucket", str(bucket)]) == 0
    out = capsys.readouterr().out
    assert "L7" not in out and "L14" in out
    assert "1 patch in 1 file: 1 alive" in out
    assert "1 patch copied from the parent session is left out: the parent's trail judges it" in out
    assert f"(tracetui trail {CODEX_PARENT[:12]})" in out
    # The trail itself still judges the copies (a capsule of the fork replays them, blame may need
    # them as the only witness): `own` is what a face lists.
    from tracetui.trail import trail

    with Bucket.open(bucket) as b:
        fork_session = b.session(CODEX_FORK)
    found = trail(fork_session, repo=str(repo.path))
    assert [(f.patch.step_id, f.patch.copied) for f in found.fates] == [("L7", True), ("L14", False)]
    assert [f.patch.step_id for f in found.own] == ["L14"] and found.copied == 1


def test_a_fork_whose_parent_is_not_in_the_bucket_has_its_copies_judged_apart(capsys, tmp_path):
    # Without the parent no other trail judges the copies, and blame credits their lines to the fork
    # (test_blame_gives_a_copied_line_to_the_original_not_the_fork): its trail lists them with their
    # verdicts, after its own patches, and counts only its own.
    repo, bucket = _committed_work(tmp_path, (("codex", CODEX_FORK), ("pi", PI_FORK)))
    capsys.readouterr()
    assert main(["trail", CODEX_FORK, "--bucket", str(bucket), "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert [(r["step"], r["state"], r.get("copied", False)) for r in rows] == [
        ("L14", "alive", False), ("L7", "alive", True),
    ]  # fmt: skip
    assert main(["trail", CODEX_FORK, "--bucket", str(bucket)]) == 0
    out = capsys.readouterr().out
    assert "L7" in out and "1 patch in 1 file: 1 alive" in out
    assert "1 patch copied from the parent session, which is not in the bucket: judged here" in out
    assert "the parent's trail judges" not in out and "tracetui trail" not in out
    # A fork of copies alone is judged too: the "nothing to judge" of a fork with a parent held.
    assert main(["trail", PI_FORK, "--bucket", str(bucket), "--json"]) == 0
    assert ("p0000002", "transformed", True) in [
        (r["step"], r["state"], r.get("copied", False)) for r in orjson.loads(capsys.readouterr().out)
    ]


def test_the_trail_view_judges_a_fork_s_copies_only_where_the_library_lacks_its_parent(tmp_path):
    from tracetui.views.trail import COPIED, patch_rows, trail_view

    repo, bucket = _committed_work(tmp_path)
    with Bucket.open(bucket) as b:
        child, parent = b.session(CODEX_FORK), b.session(CODEX_PARENT)
    alone = trail_view(child, MemoryLibrary([child]), str(repo.path), None)
    assert alone.copies_judged and alone.counts == {"alive": 1} and alone.copied == 1
    assert alone.states == {"L14": "alive", "L7": "alive"}  # the copy's step is marked in the timeline
    (copy,) = alone.patches["L7"]
    assert copy.copied and copy.state == "alive" and copy.evidence != COPIED
    assert [(r.step_id, r.copied) for r in patch_rows(child, alone)] == [("L14", False), ("L7", True)]
    held = trail_view(child, MemoryLibrary([child, parent]), str(repo.path), None)
    assert not held.copies_judged and held.states == {"L14": "alive"}
    assert [r.step_id for r in patch_rows(child, held)] == ["L14"]
    # Only a named parent the library lacks: a session naming itself, or none, copies nothing to judge.
    assert fork.copies_judged_here(MemoryLibrary([child]), child)
    assert not fork.copies_judged_here(MemoryLibrary([child, parent]), child)
    assert not fork.copies_judged_here(MemoryLibrary([parent]), parent)


def test_a_fork_with_no_patch_of_its_own_is_not_judged_for_a_face(monkeypatch, tmp_path):
    """`trail` and the trail pane list a fork's own patches only: one whose every patch is a copy took
    4 s (a Pi fork of 136 copies on pi-mono) to say it has none. The whole trail still judges them."""
    import dataclasses

    from tracetui.export.labels import outcome
    from tracetui.trail import by_file, trail

    repo, bucket = _committed_work(tmp_path)
    with Bucket.open(bucket) as b:
        fork_session = b.session(PI_FORK)
    copies_only = dataclasses.replace(fork_session, steps=[s for s in fork_session.steps if s.copied or not s.edits])
    judged = trail(copies_only, repo=str(repo.path))
    assert [(f.patch.step_id, f.state) for f in judged.fates] == [("p0000002", "transformed")]
    labels = outcome(copies_only, repo=str(repo.path)).labels()  # an export's and an evaluation's
    real_judge = by_file.judge

    def no_judging(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("judged")

    monkeypatch.setattr(by_file, "judge", no_judging)
    listed = trail(copies_only, repo=str(repo.path), own_only=True)
    assert listed.own == [] and listed.copied == 1 and listed.rows() == judged.rows() == []
    assert [(f.patch.step_id, f.state, f.reason) for f in listed.fates] == [("p0000002", "unknown", by_file.COPIES)]
    assert outcome(copies_only, repo=str(repo.path)).labels() == labels
    # A fork with a patch of its own is judged whole, as without `own_only`.
    monkeypatch.setattr(by_file, "judge", real_judge)
    assert trail(fork_session, repo=str(repo.path), own_only=True).rows() == trail(fork_session, repo=str(repo.path)).rows()


def test_the_trail_view_of_a_fork_shows_a_copy_s_diff_without_a_verdict_or_a_count(tmp_path):
    from tracetui.views.trail import COPIED, from_rows, header_lines, patch_rows

    session = read_pi(pi_file(PI_FORK))
    rows: list[dict[str, Any]] = [
        {"step": "p0000002", "path": "greeter.py", "state": "lost", "diff": "+def greet(name):"},
        {"step": "f0000002", "path": "greeter.py", "state": "alive", "kept": 1, "diff": "+  return 'HI'"},
    ]
    view = from_rows(session, rows)
    assert view.counts == {"alive": 1} and view.copied == 1
    assert view.states == {"f0000002": "alive"}  # the copy gets no state mark in the timeline
    assert [(r.step_id, r.state) for r in patch_rows(session, view)] == [("f0000002", "alive")]
    (copy,) = view.patches["p0000002"]
    assert copy.copied and copy.state is None and copy.evidence == COPIED and copy.diff == "+def greet(name):"
    assert header_lines(view)[0] == "1 patch: 1 alive"
    assert "1 patch copied from the parent session is left out" in header_lines(view)[1]
