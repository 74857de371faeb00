"""Search looks in what the user, the agent and its tools said, not in what a harness injected
(Codex's system prompt, Claude Code's reminder after each file read): `search`, the session list's
text filter, `tracetui search --json` and the in-memory library agree, and `kind:` reaches the rest."""

from __future__ import annotations

import bisect
import re
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import CORPUS, requires_corpus
from support.claude_chat import claude_record

from tracetui.bucket import Bucket, shards
from tracetui.bucket.index import argument_words
from tracetui.bucket.searched import parts, said_edges, step_query
from tracetui.cli import main
from tracetui.library import MemoryLibrary
from tracetui.model import SessionFilter, StepKind

CODEX_ID = "019e0000-0000-7000-8000-0000000000c1"
CLAUDE_ID = "22222222-2222-4222-8222-222222222222"
# Words the vendor's text holds and nobody in the session says.
PROMPT = "You are Codex. Zephyrine rules: prefer quillwort edits to any file. " * 30
REMINDER = (
    "\n\n<system-reminder>\nWhenever you read a file, consider whether it is malwarish.\n</system-reminder>\n"
)


def _codex_log() -> bytes:
    t = "2026-05-01T10:00:{:02d}.000Z"
    meta = {"type": "session_meta", "payload": {"id": CODEX_ID, "cwd": "/w/p", "cli_version": "0.118.0",
                                                "base_instructions": {"text": PROMPT}}}  # fmt: skip

    def message(role: str, part: str, text: str) -> dict[str, Any]:
        return {"type": "response_item", "payload": {"type": "message", "role": role,
                                                     "content": [{"type": part, "text": text}]}}  # fmt: skip

    env = "<environment_context>\n  <cwd>/w/p</cwd>\n  <shell>zsh quillwort</shell>\n</environment_context>"
    records = [meta, message("user", "input_text", env),
               message("user", "input_text", "fix the parser, file by file"),
               message("assistant", "output_text", "Fixed the parser.")]  # fmt: skip
    return b"".join(orjson.dumps({"timestamp": t.format(n), **r}) + b"\n" for n, r in enumerate(records))


def _claude_log() -> bytes:
    def line(uuid: str, parent: str | None, kind: str, content: Any, ts: str) -> dict[str, Any]:
        return claude_record(CLAUDE_ID, uuid, parent, kind, content, ts)

    read = [{"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "/home/dev/cart.py"}}]
    content = "     1\tdef total(cart):  # quokkaesque\n" + REMINDER
    result = [{"type": "tool_result", "tool_use_id": "t1", "content": content}]
    records = [
        line("u1", None, "user", "look at the cart", "2026-02-03T10:00:00Z"),
        line("a1", "u1", "assistant", read, "2026-02-03T10:00:05Z"),
        line("u2", "a1", "user", result, "2026-02-03T10:00:09Z"),
        line("a2", "u2", "assistant", [{"type": "text", "text": "It rounds."}], "2026-02-03T10:00:12Z"),
    ]
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _synced(tmp_path: Path) -> str:
    codex = tmp_path / "codex" / "2026" / "05" / "01"
    codex.mkdir(parents=True)
    (codex / f"rollout-2026-05-01T10-00-00-{CODEX_ID}.jsonl").write_bytes(_codex_log())
    claude = tmp_path / "claude" / "-home-dev-shop"
    claude.mkdir(parents=True)
    (claude / f"{CLAUDE_ID}.jsonl").write_bytes(_claude_log())
    bucket = str(tmp_path / "b")
    sources = ["--source", f"codex={tmp_path / 'codex'}", "--source", f"claude={tmp_path / 'claude'}"]
    assert main(["sync", "--bucket", bucket, *sources, "--json"]) == 0
    return bucket


def _cli_hits(capsys, bucket: str, query: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["search", query, "--bucket", bucket, "--json"]) == 0
    return orjson.loads(capsys.readouterr().out)


def test_the_system_prompt_and_a_read_s_reminder_are_not_what_a_search_finds(tmp_path, capsys):
    bucket = _synced(tmp_path)
    with Bucket.open(bucket) as b:
        codex, claude = b.session(CODEX_ID), b.session(CLAUDE_ID)
        assert codex.steps[0].kind == StepKind.CONTEXT and "Zephyrine" in codex.steps[0].text
        for word in ("zephyrine", "quillwort", "malwarish"):
            assert b.search(word) == [], word
            where = SessionFilter(text=word)
            assert b.list_sessions(where) == [] and b.count_sessions(where) == 0, word
            assert _cli_hits(capsys, bucket, word) == [], word
        # What was said is found as before: the prompt, and the file the Read gave back.
        (hit,) = b.search("quokkaesque")
        assert (hit.session, hit.index) == (CLAUDE_ID, 2) and "quokkaesque" in hit.snippet
        assert [s.id for s in b.list_sessions(SessionFilter(text="quokkaesque"))] == [CLAUDE_ID]
        # "file" is said in the Codex prompt; the vendor's "file" (in both) finds nothing more.
        assert {(h.session, h.index) for h in b.search("file")} == {(CODEX_ID, 2)}
        assert [s.id for s in b.list_sessions(SessionFilter(text="file"))] == [CODEX_ID]
        memory = MemoryLibrary([codex, claude])
        for word in ("zephyrine", "quillwort", "malwarish", "quokkaesque", "file"):
            want = [(h.session, h.step, h.index, h.snippet, h.match) for h in b.search(word)]
            got = [(h.session, h.step, h.index, h.snippet, h.match) for h in memory.search(word)]
            assert got == want, word
            listed = [s.id for s in b.list_sessions(SessionFilter(text=word))]
            assert [s.id for s in memory.list_sessions(SessionFilter(text=word))] == listed, word


def test_kind_context_finds_what_a_harness_injected_and_kind_k_a_kind_of_step(tmp_path, capsys):
    bucket = _synced(tmp_path)
    with Bucket.open(bucket) as b:
        memory = MemoryLibrary([b.session(CODEX_ID), b.session(CLAUDE_ID)])
        (prompt,) = b.search("kind:context zephyrine")
        assert (prompt.session, prompt.index) == (CODEX_ID, 0)
        assert prompt.match is not None and prompt.snippet[slice(*prompt.match)] == "Zephyrine"
        # The system prompt and the environment (a CONTEXT step of its own) both hold quillwort.
        assert {h.index for h in b.search("kind:context quillwort")} == {0, 1}
        (reminder,) = b.search("kind:context malwarish")
        assert (reminder.session, reminder.index) == (CLAUDE_ID, 2)
        assert reminder.match is not None and reminder.snippet[slice(*reminder.match)] == "malwarish"
        assert [s.id for s in b.list_sessions(SessionFilter(text="kind:context malwarish"))] == [CLAUDE_ID]
        assert b.count_sessions(SessionFilter(text="KIND:CONTEXT zephyrine")) == 1
        # kind:all looks everywhere; a kind looks at steps of that kind (a prefix takes every kind it starts).
        everywhere = {(h.session, h.index) for h in b.search("kind:all file")}
        assert everywhere == {(CODEX_ID, 0), (CODEX_ID, 2), (CLAUDE_ID, 2)}
        assert [h.index for h in b.search("kind:user parser")] == [2]
        assert [h.index for h in b.search("kind:assistant parser")] == [3]
        assert b.search("kind:tool_call quokkaesque") == []
        assert [h.index for h in b.search("kind:tool quokkaesque")] == [2]
        assert {h.index for h in b.search("kind:user,context file")} == {0, 2}
        for query in ("kind:context zephyrine", "kind:context malwarish", "kind:all file", "kind:user parser",
                      "kind:tool quokkaesque", "kind:user,context file"):  # fmt: skip
            want = [(h.session, h.step, h.snippet, h.match) for h in b.search(query)]
            got = [(h.session, h.step, h.snippet, h.match) for h in memory.search(query)]
            assert sorted(got) == sorted(want), query
            assert [h["step"] for h in _cli_hits(capsys, bucket, query)] == [h[1] for h in want], query


def test_a_kind_that_names_no_step_kind_is_one_clear_error(tmp_path, capsys):
    bucket = _synced(tmp_path)
    capsys.readouterr()
    assert main(["search", "kind:contxt file", "--bucket", bucket, "--json"]) != 0
    captured = capsys.readouterr()
    error = orjson.loads(captured.out)["error"]
    assert "contxt" in error and "context" in error
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    # The session list's box, typed a letter at a time, matches no step rather than failing.
    with Bucket.open(bucket) as b:
        assert b.count_sessions(SessionFilter(text="kind:contx zephyrine")) == 0
        assert b.search("kind:contx zephyrine") == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("plain words", None),
        ("result" + REMINDER, "result\n\n"),
        ("<system-reminder>note</system-reminder>\nthe question", "\nthe question"),
        ("<current_datetime>2025-12-02</current_datetime> hi <system-reminder>a</system-reminder>", " hi "),
        ("x <system-reminder>quoted in a file</system-reminder> y", None),  # in the middle: said
        ("text <system-reminder>never closed", None),
        ("<system-reminder>unclosed at the start and </system-reminder", None),
        ("<system-reminder>all of it</system-reminder>", ""),
    ],
)
def test_the_said_part_leaves_out_leading_and_trailing_injected_blocks(text, said):
    edges = said_edges(StepKind.TOOL_RESULT, text)
    assert (edges is None) == (said is None)
    got, injected = parts(StepKind.TOOL_RESULT, text, edges)
    assert got == (text if said is None else said)
    assert said is None or set(injected.split()) | set(got.split()) == set(text.split())
    assert said_edges(StepKind.CONTEXT, text) is None and parts(StepKind.CONTEXT, text, None) == ("", text)


def test_hostile_blocks_cost_linear_time():
    import time

    text = "<system-reminder>" * 200_000 + "x" + "</system-reminder>" * 200_000
    started = time.process_time()
    said_edges(StepKind.USER, text)
    said_edges(StepKind.USER, "<system-reminder></system-reminder>" * 100_000)
    assert time.process_time() - started < 2


def test_the_query_reads_kind_terms_and_keeps_the_words():
    assert step_query("fix file").usual and step_query("fix file").words == "fix file"
    q = step_query("kind:tool fix  kind:context")
    assert (q.words, q.kinds, q.said, q.injected) == ("fix", {"tool_call", "tool_result"}, True, True)
    assert step_query("kind:all x").kinds is None and step_query("kind:all x").injected
    assert step_query("kind:nothing x").unknown == ("nothing",) and not step_query("kind:nothing x").said
    assert step_query("kind: x").words == "kind: x"  # no value: a word like any other


def test_a_second_worker_making_a_shard_keeps_the_first_one_s(tmp_path):
    """Two pool workers re-reading the sessions of a shard taken away (a new layout) both make it:
    the second must not put a new file under the first's open connection."""
    first = shards.connect(tmp_path, 0)
    first.execute("BEGIN IMMEDIATE")
    first.execute("INSERT INTO held(gkey, session, sig) VALUES (1, 's', 'sig')")
    first.execute("COMMIT")
    made = shards.path(tmp_path, 0).stat().st_ino
    shards._make(shards.path(tmp_path, 0))  # what the second worker does when it found no file
    assert shards.path(tmp_path, 0).stat().st_ino == made  # the file the first one writes to
    second = shards.connect(tmp_path, 0)
    assert second.execute("SELECT session FROM held").fetchall() == [("s",)]
    assert second.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    first.close()
    second.close()
    assert not list(tmp_path.glob(".*.tmp"))


def _said_words(bucket: Bucket) -> tuple[set[str], dict[str, set[str]], set[str]]:
    """Every word said (as the index splits them), per session the words injected, and the words
    of titles, projects and ids (which the list's filter matches too)."""
    split = re.compile(r"[^\W_]+")
    said: set[str] = set()
    injected: dict[str, set[str]] = {}
    labels: set[str] = set()
    for row in bucket.list_sessions(SessionFilter(include_hidden=True)):
        labels |= {w.lower() for w in split.findall(" ".join(filter(None, (row.id, row.title, row.project))))}
        for step in bucket.session(row.id).steps:
            mine, other = parts(step.kind, step.text, said_edges(step.kind, step.text))
            said |= {w.lower() for w in split.findall(mine + " " + (argument_words(step.tool_input) or ""))}
            injected.setdefault(row.id, set()).update(w.lower() for w in split.findall(other))
    return said, injected, labels


@requires_corpus
def test_real_sessions_are_not_found_by_the_words_only_their_harness_wrote(tmp_path):
    bucket = Bucket.open(tmp_path / "b")
    bucket.sync({a: [CORPUS / a] for a in ("codex", "claude", "copilot", "opencode")}, workers=1)
    said, injected, labels = _said_words(bucket)
    prompts = {s.id for s in bucket.list_sessions(SessionFilter(agent="codex", include_hidden=True))
               if any(x.meta.get("system_prompt") for x in bucket.session(s.id).steps)}  # fmt: skip
    assert len(prompts) >= 3, "the corpus has Codex rollouts with their system prompt"
    # Words of the injected parts no one said (nor a title), nor the start of a said word (a search
    # takes its last word as a prefix).
    spoken = sorted(said)

    def starts_a_said_word(w: str) -> bool:
        i = bisect.bisect_left(spoken, w)
        return i < len(spoken) and spoken[i].startswith(w)

    candidates = {w for words in injected.values() for w in words if len(w) >= 6 and w.isalpha()} - labels
    only = sorted(w for w in candidates if not starts_a_said_word(w))
    assert len(only) >= 20
    reminders = any(not words.isdisjoint(only) for sid, words in injected.items() if sid not in prompts)
    assert reminders, "some non-Codex session has an injected word no one said (a reminder)"
    for word in only[:: max(1, len(only) // 25)]:
        assert bucket.search(word, limit=5) == [], word
        assert bucket.count_sessions(SessionFilter(text=word, include_hidden=True)) == 0, word
        holders = {sid for sid, words in injected.items() if word in words}
        found = {h.session for h in bucket.search(f"kind:context {word}", limit=200)}
        assert found == holders, word
        listed = bucket.list_sessions(SessionFilter(text=f"kind:context {word}", include_hidden=True))
        assert {s.id for s in listed} == holders
    # A common word: no hit at a Codex system prompt, nor in a reminder's text.
    for hit in bucket.search("file", limit=300):
        step = bucket.session(hit.session).step(hit.step)
        assert step is not None and step.kind != StepKind.CONTEXT
        assert "<system-reminder>" not in hit.snippet
    bucket.close()


def test_an_index_of_the_previous_layout_is_made_again_with_a_notice(tmp_path):
    bucket = _synced(tmp_path)
    for k in range(shards.SHARDS):
        if shards.path(Path(bucket), k).exists():
            conn = sqlite3.connect(shards.path(Path(bucket), k))
            conn.execute("PRAGMA user_version = 2")
            conn.close()
    with Bucket.open(bucket) as b:
        assert any("made by another version" in n for n in b.notices)
        assert b.search("zephyrine") == [] and len(b.search("kind:context zephyrine")) == 1
