"""Claude Code forks (`/branch`, alias `/fork`; `--fork-session`): a new transcript whose copied
entries carry `forkedFrom: {sessionId, messageUuid}` (tests/fixtures/forks/claude, written by
make_claude_forks.py: a parent and its fork made after the parent's first answer)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES, corpus_files, requires_corpus
from support.narrow import present
from support.trail_kit import Repo

from tracetui.blame import blame_file

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.cost import session_cost
from tracetui.library import MemoryLibrary
from tracetui.model import SessionFilter
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code
from tracetui.views import fork

FOLDER = FIXTURES / "forks" / "claude"
PARENT = "eeeeeeee-0000-4000-8000-00000000000e"
FORK = "ffffffff-0000-4000-8000-00000000000f"
COPIES = ["cp-01", "cp-02", "cp-03", "cp-04"]  # the copied turn_duration line gives no step
FORKED_AT = "2026-04-01T11:00:00.000Z"


def path_of(sid: str) -> Path:
    return FOLDER / "-home-dev-calc" / f"{sid}.jsonl"


def read(sid: str = FORK, data: bytes | None = None):
    path = path_of(sid)
    return claude_code.read(RawLog(str(path), path.read_bytes() if data is None else data), [])


def records(sid: str = FORK) -> list[dict]:
    return [orjson.loads(line) for line in path_of(sid).read_bytes().splitlines()]


def join(recs: list[dict]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in recs)


def with_mark(mark, where=lambda r: "forkedFrom" in r) -> bytes:
    """The fork with every copied entry's mark replaced by `mark` (removed when it is ...)."""
    out = []
    for rec in records():
        if where(rec):
            if mark is ...:
                del rec["forkedFrom"]
            else:
                rec["forkedFrom"] = mark
        out.append(rec)
    return join(out)


def copied(session) -> list[str]:
    return [s.id for s in session.steps if "copied" in s.meta]


# ---- the reader ------------------------------------------------------------------------------


def test_a_claude_fork_names_its_parent_its_time_and_its_copies():
    s = read()
    assert s.id == FORK
    assert (s.forked_from, s.forked_at) == (PARENT, FORKED_AT)  # its first entry of its own
    assert copied(s) == COPIES
    # each copy names the step it is in the parent (the parent's uuid, from messageUuid)
    assert [s.step(i).meta["copy_of"] for i in COPIES] == ["p-01", "p-02", "p-03", "p-04"]
    assert all(s.step(i).meta["copied"] is True for i in COPIES)  # the form Pi's and Codex's take
    assert [x.id for x in s.steps if "copied" not in x.meta] == ["f-01", "f-02", "f-03", "f-04"]
    # its own call and edit only: the parent's Write is counted where the parent is listed
    assert sum(1 for x in s.steps if x.kind == "tool_call") == 2
    assert (s.tool_calls, s.applied_edit_calls) == (1, 1)
    assert s.summary_dict()["forked_from"] == PARENT
    assert s.to_dict()["forked_at"] == FORKED_AT
    assert s.skipped == {}  # content-replacement is known bookkeeping


def test_a_claude_session_that_is_no_fork_says_so():
    s = read(PARENT)
    assert (s.forked_from, s.forked_at, copied(s)) == (None, None, [])
    assert "forked_from" not in s.to_dict() and s.summary_dict()["forked_from"] is None
    # the fork's own part alone (its copy cut away) is no fork either
    own = [r for r in records() if "forkedFrom" not in r]
    alone = read(data=join(own))
    assert (alone.forked_from, alone.forked_at, copied(alone)) == (None, None, [])


def test_a_claude_fork_s_tokens_and_cost_are_its_own_requests_only():
    fork_s, parent = read(), read(PARENT)
    assert (fork_s.tokens.input, fork_s.tokens.output) == (450, 70)  # 200+250 in, 30+40 out
    assert (parent.tokens.input, parent.tokens.output) == (300, 60)
    assert fork_s.step("cp-02").tokens is not None  # still shown on the copy: the parent spent it
    assert set(session_cost(fork_s).steps) == {"f-02", "f-04"}


def test_the_fork_point_is_the_parent_s_step_the_last_copy_names():
    parent = read(PARENT)
    assert parent.steps[fork.fork_point(parent, read())].id == "p-04"
    # The copy's own uuid is no id in the parent: only messageUuid finds it there, where a search by
    # kind and text would take the parent's later answer that says the same.
    recs = records(PARENT)
    later = next(r for r in recs if r["uuid"] == "p-07")
    later["message"]["content"][0]["text"] = "Wrote calc.py with add."
    again = read(PARENT, join(recs))
    assert again.steps[fork.fork_point(again, read())].id == "p-04"
    line = fork.fork_line(read())
    assert line == f"fork of {PARENT} at {FORKED_AT}; its first 4 steps are copies"


def test_copies_without_a_message_uuid_are_copies_found_by_kind_and_text():
    marks = []
    for rec in records():
        if "forkedFrom" in rec:
            del rec["forkedFrom"]["messageUuid"]
        marks.append(rec)
    s = read(data=join(marks))
    assert (s.forked_from, copied(s)) == (PARENT, COPIES)
    assert not any("copy_of" in x.meta for x in s.steps)
    parent = read(PARENT)
    assert parent.steps[fork.fork_point(parent, s)].id == "p-04"


def test_copies_that_keep_the_parent_s_uuids_are_found_by_id():
    # Builds that keep each copied entry's uuid (only sessionId, parentUuid and forkedFrom change).
    out = []
    for rec in records():
        if "forkedFrom" in rec:
            rec["uuid"] = rec["forkedFrom"]["messageUuid"]
            parent = rec.get("parentUuid")
            rec["parentUuid"] = parent[1:] if isinstance(parent, str) else None
        elif rec.get("parentUuid") == "cp-05":
            rec["parentUuid"] = "p-05"
        out.append(rec)
    s = read(data=join(out))
    assert copied(s) == ["p-01", "p-02", "p-03", "p-04"]
    assert [x.meta["copy_of"] for x in s.steps if "copied" in x.meta] == ["p-01", "p-02", "p-03", "p-04"]
    parent = read(PARENT)
    assert parent.steps[fork.fork_point(parent, s)].id == "p-04"
    assert (s.tokens.input, s.tool_calls) == (450, 1)


def test_a_copied_response_of_several_blocks_names_each_block_s_step_in_the_parent():
    recs = records()
    answer = next(r for r in recs if r.get("uuid") == "cp-04")
    answer["message"]["content"].append({"type": "text", "text": "It adds two numbers."})
    s = read(data=join(recs))
    assert [(x.id, x.meta.get("copy_of")) for x in s.steps if "copied" in x.meta][-2:] == [
        ("cp-04", "p-04"), ("cp-04:1", "p-04:1"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "mark",
    [PARENT, [PARENT, "p-01"], {}, {"sessionId": 42}, {"sessionId": ""}, {"sessionId": None},
     {"sessionId": [PARENT]}, {"messageUuid": "p-01"}, True, 7, "x" * 500, {"sessionId": "ee\x00ee"}],
    ids=["string", "list", "empty", "id-int", "id-empty", "id-null", "id-list", "no-id", "true", "int",
         "long", "id-nul"],
)  # fmt: skip
def test_a_mark_of_another_shape_is_counted_never_a_fork(mark):
    s = read(data=with_mark(mark))
    assert (s.forked_from, s.forked_at, copied(s)) == (None, None, [])
    assert s.skipped == {"forkedFrom (not understood)": 5}  # the five copied entries
    assert len(s.steps) == 8 and s.tool_calls == 2 and s.errors == []


def test_a_null_mark_is_no_mark():
    s = read(data=with_mark(None))
    assert (s.forked_from, copied(s), s.skipped) == (None, [], {})


def test_an_over_long_id_is_no_id():
    s = read(data=with_mark({"sessionId": "a" * 201, "messageUuid": "p-01"}))
    assert (s.forked_from, copied(s)) == (None, [])
    s = read(data=with_mark({"sessionId": PARENT, "messageUuid": "b" * 201}))
    assert (s.forked_from, copied(s)) == (PARENT, COPIES)
    assert not any("copy_of" in x.meta for x in s.steps)


def test_two_parents_in_one_file_the_first_is_taken_and_the_rest_counted():
    recs = records()
    for rec in recs:
        if rec.get("uuid") in ("cp-03", "cp-04"):
            rec["forkedFrom"]["sessionId"] = "99999999-0000-4000-8000-000000000009"
    s = read(data=join(recs))
    assert s.forked_from == PARENT
    assert s.skipped == {"forkedFrom (a second parent)": 2}
    assert copied(s) == COPIES  # they still say they were copied: no steps of the fork's own
    assert "copy_of" not in s.step("cp-03").meta and s.step("cp-02").meta["copy_of"] == "p-02"
    assert (s.tokens.input, s.tool_calls) == (450, 1)


@pytest.mark.parametrize(
    "parent",
    ["../../../../etc/passwd", "/tmp/x/../y", "C:\\Users\\dev\\.claude\\x.jsonl",
     "[b]evil[/b]\x1b[2J\u202e\x9b31m\x07", "a\nb\rc\td"],
)  # fmt: skip
def test_a_hostile_parent_id_is_kept_as_data(parent, tmp_path, capsys):
    data = with_mark({"sessionId": parent, "messageUuid": "p-01"})
    s = read(data=data)
    assert s.forked_from == parent and copied(s) == COPIES
    # through the bucket and the CLI: a string in JSON, plain text in `show`, never a path
    src = tmp_path / "src" / "-home-dev-calc"
    src.mkdir(parents=True)
    (src / f"{FORK}.jsonl").write_bytes(data)
    bucket = tmp_path / "bucket"
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["sync", "--bucket", str(bucket), "--source", f"claude={src.parent}", "--json"]) == 0
    assert main(["show", "--bucket", str(bucket), FORK, "--json"]) == 0
    capsys.readouterr()
    assert main(["show", "--bucket", str(bucket), FORK, "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["forked_from"] == parent
    assert main(["show", "--bucket", str(bucket), FORK]) == 0
    out = capsys.readouterr().out
    fork_lines = [ln for ln in out.splitlines() if ln.startswith("fork:")]
    assert len(fork_lines) == 1  # one line, whatever line breaks the id holds
    assert not any(c in out for c in "\x1b\u202e\x9b\x07\r")
    after = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    assert all(p.parts[0] in ("src", "bucket") for p in after - set(before))  # nothing written elsewhere
    assert not any("passwd" in p.name or p.name == "y" for p in after)


def test_a_claude_fork_read_on_from_a_snapshot_reads_as_a_whole_read():
    data = path_of(FORK).read_bytes()
    lines = data.splitlines(keepends=True)
    whole = read(data=data)
    for cut in range(1, len(lines)):
        _, state = claude_code.resume(None, RawLog(str(path_of(FORK)), b"".join(lines[:cut])), [])
        assert state is not None
        again, _ = claude_code.resume(state, RawLog(str(path_of(FORK)), data), [])
        assert again.to_dict() == whole.to_dict(), cut
        assert (again.forked_from, again.forked_at) == (PARENT, FORKED_AT), cut


# ---- the bucket and the CLI ------------------------------------------------------------------


@pytest.fixture
def synced(tmp_path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(FOLDER, src)
    bucket = tmp_path / "bucket"
    assert main(["sync", "--bucket", str(bucket), "--source", f"claude={src}", "--json"]) == 0
    return bucket


def test_the_bucket_keeps_a_claude_fork_s_parent_copies_and_tokens(synced):
    with Bucket(synced) as bucket:
        rows = {r.id: r for r in bucket.list_sessions(SessionFilter(include_hidden=True))}
        assert {k: r.forked_from for k, r in rows.items()} == {PARENT: None, FORK: PARENT}
        assert (rows[FORK].tool_calls, rows[FORK].edits) == (1, 1)
        held = bucket.session(FORK)
        assert (held.forked_from, held.forked_at) == (PARENT, FORKED_AT)
        assert copied(held) == COPIES and present(held.step("cp-04")).meta["copy_of"] == "p-04"
        assert (held.tokens.input, held.tokens.output) == (450, 70)
        parent = bucket.session(PARENT)
        assert parent.steps[fork.fork_point(parent, held)].id == "p-04"


def test_ls_and_show_say_whose_fork_a_claude_session_is(capsys, synced):
    capsys.readouterr()
    assert main(["ls", "--bucket", str(synced), "--all", "--json"]) == 0
    rows = {r["id"]: r for r in orjson.loads(capsys.readouterr().out)}
    assert (rows[FORK]["forked_from"], rows[PARENT]["forked_from"]) == (PARENT, None)
    assert (rows[FORK]["tokens"]["input"], rows[FORK]["tokens"]["output"]) == (450, 70)
    assert (rows[FORK]["tool_calls"], rows[FORK]["edits"]) == (1, 1)
    assert main(["show", "--bucket", str(synced), FORK, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert (doc["forked_from"], doc["forked_at"]) == (PARENT, FORKED_AT)
    assert (doc["tokens"]["input"], doc["tokens"]["output"]) == (450, 70)
    priced = {st["id"] for st in doc["steps"] if st["cost_usd"]}
    assert priced == {"f-02", "f-04"}  # the copies' requests are the parent's
    assert main(["show", "--bucket", str(synced), FORK]) == 0
    out = capsys.readouterr().out
    assert f"fork:     fork of {PARENT} at {FORKED_AT}; its first 4 steps are copies" in out
    assert "tokens:   input 450, output 70" in out


# ---- blame -----------------------------------------------------------------------------------


def test_blame_gives_a_claude_copy_s_line_to_the_original(tmp_path):
    # The copy keeps its entry's time: the parent's Write and the fork's copy of it tie on all but that.
    repo = Repo(tmp_path / "repo")
    repo.write("README.md", "calc\n")
    repo.commit("start", "2026-04-01T09:00:00+00:00")
    sessions = {}
    for sid in (FORK, PARENT):
        path = tmp_path / "logs" / "-home-dev-calc" / f"{sid}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(path_of(sid).read_text().replace("/home/dev/calc", str(repo.path)))
        sessions[sid] = claude_code.read(RawLog(str(path), path.read_bytes()), [])
    repo.write("calc.py", "def add(a, b):\n    return a + b\n")
    repo.commit("add", "2026-04-01T10:30:00+00:00")
    both = [sessions[FORK], sessions[PARENT]]
    for order in (both, both[::-1]):
        result = blame_file(MemoryLibrary(order), str(repo.path / "calc.py"), repo=repo.path)
        assert [(x.writer.session, x.writer.step) if x.writer else None for x in result.lines] == [
            (PARENT, "p-02"), (PARENT, "p-02"),
        ]  # fmt: skip
    # Without the parent the copy is the only witness: it explains the lines.
    alone = blame_file(MemoryLibrary([sessions[FORK]]), str(repo.path / "calc.py"), repo=repo.path)
    assert [(x.writer.session, x.writer.step) if x.writer else None for x in alone.lines] == [
        (FORK, "cp-02"), (FORK, "cp-02"),
    ]  # fmt: skip


# ---- real logs -------------------------------------------------------------------------------


def _forked(path: Path, fork_id: str, keep_uuids: bool) -> bytes | None:
    """A fork of a real transcript made as Claude Code makes one: its main conversation's entries up
    to its middle copied (user, assistant, attachment, system; no sidechain), then a turn of its own.
    None for a transcript of fewer than four such entries."""
    recs = []
    for line in path.read_bytes().splitlines():
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(rec, dict) and rec.get("type") in ("user", "assistant", "attachment", "system"):
            if rec.get("isSidechain") is not True and isinstance(rec.get("uuid"), str):
                recs.append(rec)
    if len(recs) < 4:
        return None
    recs = recs[: len(recs) // 2]
    out, last = [], None
    for rec in recs:
        uuid = rec["uuid"]
        rec = {k: v for k, v in rec.items() if k != "slug"}
        rec.update(sessionId=fork_id, forkedFrom={"sessionId": "parent-of-" + fork_id, "messageUuid": uuid})
        if not keep_uuids:
            rec["uuid"], rec["parentUuid"] = "fork-" + uuid, last
            last = rec["uuid"]
        out.append(rec)
    own = {"type": "user", "sessionId": fork_id, "uuid": "own-1", "parentUuid": last or recs[-1]["uuid"],
           "timestamp": "2099-01-01T00:00:00.000Z",
           "message": {"role": "user", "content": "Go on"}}  # fmt: skip
    return join(out + [own])


@requires_corpus
def test_forks_of_real_transcripts():
    mains = [p for p in corpus_files("claude") if not claude_code.claude_files.is_agent_file(p)]
    assert mains
    tried = 0
    for path in mains[:12]:
        parent = claude_code.read(RawLog(str(path), path.read_bytes()), [])
        assert (parent.forked_from, copied(parent)) == (None, []), path.name  # no corpus file is a fork
        for keep in (True, False):
            data = _forked(path, FORK, keep)
            if data is None:
                continue
            s = claude_code.read(RawLog(f"/x/{FORK}.jsonl", data), [])
            assert s.forked_from == "parent-of-" + FORK and s.forked_at == "2099-01-01T00:00:00.000Z"
            own = [x for x in s.steps if "copied" not in x.meta]
            assert [x.text for x in own if x.kind == "user"] == ["Go on"], path.name
            # nothing of the copy is the fork's: no call, no edit, no token
            assert (s.tool_calls, s.applied_edit_calls, s.tokens.total) == (0, 0, 0), path.name
            mine = [x for x in s.steps if "copied" in x.meta]
            if mine and parent.step(mine[-1].meta.get("copy_of", "")) is not None:
                at = parent.steps[fork.fork_point(parent, s)]
                assert at.id == mine[-1].meta["copy_of"], path.name
                tried += 1
    assert tried
