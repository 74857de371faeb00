"""Session titles and hidden sessions (tracetui.sources.common.titles), on hand-made logs of every agent
and over every corpus file through the CLI."""

from __future__ import annotations

from collections import defaultdict

import orjson
import pytest
from support.param_ids import short

from shared_data import CORPUS, requires_corpus
from tracetui.cli import main
from tracetui.model import Step, StepKind, Tokens
from tracetui.sources import RawLog, read_session, registry
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.codex import reader as codex
from tracetui.sources.common import titles
from tracetui.sources.pi import reader as pi
from tracetui.views.format import money

# -- prompt_text: every wrapper the agents, IDEs and gateways put around a prompt -------------------

IDE_OPENED = (
    "<ide_opened_file>The user opened the file /home/u/p/app.py in the IDE. This may or may not be "
    "related to the current task.</ide_opened_file>"
)
IDE_SELECTION = (
    "<ide_selection>The user selected the lines 3 to 9 from /home/u/p/app.py:\ndef f():\n    pass\n\n"
    "This may or may not be related to the current task.</ide_selection>"
)
OPENCLAW = (
    'Conversation info (untrusted metadata):\n```json\n{\n  "message_id": "12",\n  "sender": "Ann"\n}\n```\n\n'
    'Sender (untrusted metadata):\n```json\n{\n  "label": "Ann (42)",\n  "id": "42"\n}\n```\n\n'
    "[Telegram Ann id:42 +2m Wed 2026-03-04 21:58 CST] fix the cron job\n[message_id: 12]"
)

# cc-sdd's `/prompts:kiro-spec-init` and `/prompts:kiro-spec-tasks` as Codex expands them (made-up arguments)
SDD_INIT = (
    "<meta>\ndescription: Start a new specification from a description\n"
    "argument-hint: <project-description>\narguments:\n   project-description: a tide table for the harbour\n"
    "</meta>\n\n# Spec Initialization\n\n"
    "<background_information>\n- **Mission**: begin the spec\n</background_information>\n\n<instructions>\n"
    "## Core Task\nName a feature for a tide table for the harbour.\n</instructions>\n"
)
SDD_TASKS = (
    "<meta>\ndescription: Generate implementation tasks for a specification\n"
    "argument-hint: <feature-name> [-y] [--sequential]\narguments:\n   feature-name: tide-table\n"
    "   -y flag: -y\n   --sequential flag: \n</meta>\n\n"
    "# Implementation Tasks Generator\n\nSteps for **tide-table**."
)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (IDE_OPENED + "\nwhy does the test fail?", "why does the test fail?"),
        (IDE_SELECTION + "explain this", "explain this"),
        (IDE_OPENED, ""),
        ("<ide_diagnostics>3 errors</ide_diagnostics> fix them", "fix them"),
        ("rename it\n<system-reminder>The user changed the file.</system-reminder>", "rename it"),
        ("<system-reminder>Todo list is empty", ""),  # left open: the rest is the reminder's
        ("<command-message>review is running…</command-message>\n<command-name>/review</command-name>\n"
         "<command-args>the parser</command-args>", "/review the parser"),
        ("<command-name>/model</command-name>\n<command-message>model</command-message>\n<command-args></command-args>",
         "/model"),
        ("<command-message>init is analyzing your codebase…</command-message>", "/init"),
        ("<bash-input>ls -la</bash-input>", "ls -la"),
        ("<local-command-stdout>Set model</local-command-stdout>", ""),
        ("<ide_something_new>context</ide_something_new>the ask", "the ask"),  # any harness-style block
        ("# Context from my IDE setup:\n\n## Active file: a.py\n\n## Open tabs:\n- a.py: a.py\n\n"
         "## My request for Codex:\nfix the bug\n", "fix the bug"),
        # the VS Code extension (0.14x: 106 of 437 real rollouts) names the files the user mentioned so
        ("# Files mentioned by the user:\n\n## timer.lua: c:/w/game/timer.lua\n\n## My request for Codex:\n"
         "why does the timer leak?\n", "why does the timer leak?"),
        # Codex Desktop 0.118 (LAF-US/IDAHO-VAULT's real rollouts) hands a conversation on so
        ('\n## Prior conversation with Codex:\n{"conversation":[{"role":"user","content":'
         '[{"content_type":"text","text":"sort the notes"}]}]}\n## My request for Codex:\nclean up the briefs\n',
         "clean up the briefs"),
        ("\n## User Input\n\n```text\nadd a csv importer\n```\n\nYou **MUST** consider the user input.\n\n"
         "## Outline\n\nThe text the user typed", "add a csv importer"),
        ("## User Input\n\n$ARGUMENTS\n\n## Outline\nsteps", "$ARGUMENTS"),
        (OPENCLAW, "fix the cron job"),
        # A prompt template's front matter (cc-sdd's Codex prompts, expanded by `/prompts:…`): named by
        # its heading, then the arguments the user gave, not `<meta> description: …`
        (SDD_INIT, "Spec Initialization: a tide table for the harbour"),
        (SDD_TASKS, "Implementation Tasks Generator: tide-table -y"),
        (SDD_TASKS.replace("tide-table", "").replace("flag: -y", "flag: "), "Implementation Tasks Generator"),
        (SDD_INIT.replace("# Spec Initialization\n\n", ""),
         "Start a new specification from a description: a tide table for the harbour"),
        # YAML's `---` front matter (cc-sdd's older prompts; Codex before it read front matter itself)
        ("---\ndescription: Generate the design\nallowed-tools: Read, Write\nargument-hint: <name>\n---\n\n"
         "# Technical Design\n\n<background_information>\n- **Mission**: design $1\n"
         "</background_information>",
         "Technical Design"),
        # a document the user pasted, whose front matter names no template, is the user's
        ("---\ntitle: Tides\n---\nproofread this", "--- title: Tides --- proofread this"),
        ("<meta>\ndescription: left open\n\n# Heading", "<meta> description: left open # Heading"),
        ("System: [2026-03-11 16:11:21 UTC] Exec completed (code 0)\n\n"
         'Sender (untrusted metadata):\n```json\n{"id": "ui"}\n```\n\n[Wed 2026-03-11 16:14 UTC] 都需要', "都需要"),
        ("[Telegram Verve AI (@verve) id:81 2026-02-09 18:46 GMT+1] hi\n[message_id: 3]", "hi"),
        ("[Chat user] what is in this picture?\n[image]", "[Chat user] what is in this picture?"),
        ("<b>bold</b>", "<b>bold</b>"),  # a user's own tags stay
        ("  plain\n\n  words  ", "plain words"),
    ],
)
def test_prompt_text_strips_every_wrapper(raw, words):
    assert titles.prompt_text(raw) == words


def user(text: str, index: int = 0, subagent: str | None = None) -> Step:
    return Step(f"s{index}", index, StepKind.USER, "user", text, subagent=subagent)


def test_session_title_prefers_the_agents_own_then_a_real_prompt_then_a_weak_one():
    steps = [user(IDE_OPENED, 0), user("/init", 1), user(".", 2), user("add a parser", 3)]
    assert titles.session_title(("", None, "  Named\n by user "), steps) == "Named by user"
    assert titles.session_title((None,), steps) == "add a parser"
    assert titles.session_title((None,), steps[:3]) == "/init"
    assert titles.session_title((None,), steps[:1], fallback="an older summary") == "an older summary"
    assert titles.session_title((None,), [user("the subagent's brief", 0, subagent="a1")]) is None
    long = titles.session_title((), [user("word " * 100)])
    assert long is not None and len(long) == titles.TITLE_LIMIT and long.endswith("…")


@pytest.mark.parametrize(
    ("prompts", "title"),
    [
        (["hi", "Can you read my inbox and sort it?"], "Can you read my inbox and sort it?"),
        (["Hello Claude!", "continue", "port the parser to Rust"], "port the parser to Rust"),
        (["hey there", "yes", "ok.", "add a --json flag to ls"], "add a --json flag to ls"),
        (["继续", "修复登录页面的错误"], "修复登录页面的错误"),
        (["refactor", "make the cache thread-safe"], "make the cache thread-safe"),
        # Nothing later says more: the first opener is still the title.
        (["hi", "continue", "yes"], "hi"),
        # A prompt that says something stays the title, however short, and so does a sentence in a
        # language written without spaces.
        (["fix the login bug", "hi"], "fix the login bug"),
        (["你看下这个项目的前端是否可以切换到bun?", "继续"], "你看下这个项目的前端是否可以切换到bun?"),
        (["hey, can you fix the flaky test?", "go"], "hey, can you fix the flaky test?"),
    ],
)
def test_greetings_and_one_word_openers_give_way_to_a_prompt_that_says_more(prompts, title):
    steps = [user(text, i) for i, text in enumerate(prompts)]
    assert titles.session_title((None,), steps) == title


def test_why_hidden_only_without_prompt_and_model_steps():
    context = Step("c", 0, StepKind.CONTEXT, "user", "<environment_context>x</environment_context>")
    answer = Step("a", 1, StepKind.ASSISTANT, "assistant", "hello")
    assert titles.why_hidden([]) == titles.HIDDEN_EMPTY
    assert titles.why_hidden([context]) == titles.HIDDEN_EMPTY
    assert titles.why_hidden([user(IDE_OPENED)]) is None  # the user sent something: listed, untitled
    assert titles.why_hidden([context, answer]) is None
    assert titles.why_hidden([context], Tokens(0, 12, 0, 0)) is None  # usage kept, its steps lost
    assert titles.why_hidden([user("hi")]) is None


# -- each reader uses it -----------------------------------------------------------------------


def claude_log(path: str, *records: dict) -> RawLog:
    return RawLog(path, b"".join(orjson.dumps(r) + b"\n" for r in records))


def claude_user(uuid: str, content, parent: str | None = None, **extra) -> dict:
    return {"type": "user", "uuid": uuid, "parentUuid": parent, "sessionId": "s1",
            "timestamp": "2026-01-01T00:00:00Z", "message": {"role": "user", "content": content}, **extra}  # fmt: skip


def claude_reply(uuid: str, parent: str, **extra) -> dict:
    return {"type": "assistant", "uuid": uuid, "parentUuid": parent, "sessionId": "s1",
            "timestamp": "2026-01-01T00:00:01Z",
            "message": {"id": f"m{uuid}", "role": "assistant", "model": "claude-x",
                        "content": [{"type": "text", "text": "ok"}]}, **extra}  # fmt: skip


def test_claude_ide_blocks_are_not_the_title():
    prompt = claude_user("u1", [{"type": "text", "text": IDE_OPENED}, {"type": "text", "text": "tidy the imports"}])
    s = claude_code.read(claude_log("/p/s1.jsonl", prompt, claude_reply("a1", "u1")), [])
    assert (s.title, s.hidden) == ("tidy the imports", None)


def test_claude_own_titles_in_order():
    prompt = claude_user("u1", "tidy the imports")
    reply = claude_reply("a1", "u1")
    elsewhere = {"type": "summary", "summary": "An earlier session", "leafUuid": "not-here"}
    here = {"type": "summary", "summary": "Imports tidied", "leafUuid": "a1"}
    ai = {"type": "ai-title", "aiTitle": "Tidy imports", "sessionId": "s1"}
    custom = {"type": "custom-title", "customTitle": "my rename", "sessionId": "s1"}

    def title(*records: dict) -> str | None:
        return claude_code.read(claude_log("/p/s1.jsonl", *records), []).title

    assert title(elsewhere, prompt, reply) == "tidy the imports"  # a resumed session's summary is not it
    assert title(elsewhere) == "An earlier session"  # ... unless nothing else names it
    assert title(elsewhere, here, prompt, reply) == "Imports tidied"
    assert title(elsewhere, here, prompt, reply, ai) == "Tidy imports"
    assert title(elsewhere, here, prompt, reply, ai, custom) == "my rename"


def test_claude_warmup_agent_without_its_parent_is_hidden():
    warm = claude_log(
        "/p/agent-a05b3d3.jsonl",
        claude_user("w1", "Warmup", isSidechain=True, agentId="a05b3d3"),
        claude_reply("w2", "w1", isSidechain=True, agentId="a05b3d3"),
    )
    s = claude_code.read(warm, [])
    assert s.hidden == titles.HIDDEN_WARMUP
    real = claude_log(
        "/p/agent-a05b3d4.jsonl",
        claude_user("w1", "find the config loader", isSidechain=True, agentId="a05b3d4"),
        claude_reply("w2", "w1", isSidechain=True, agentId="a05b3d4"),
    )
    assert claude_code.read(real, []).hidden is None


def test_claude_session_with_no_prompt_is_hidden_but_keeps_its_summary_title():
    s = claude_code.read(claude_log("/p/s1.jsonl", {"type": "summary", "summary": "Old", "leafUuid": "x"}), [])
    assert (s.title, s.hidden, s.steps) == ("Old", titles.HIDDEN_EMPTY, [])


def codex_log(*payloads: tuple[str, dict]) -> RawLog:
    lines = [{"timestamp": "2025-10-05T00:00:00.000Z", "type": "session_meta", "payload": {"id": "c1", "cwd": "/r"}}]
    for i, (kind, payload) in enumerate(payloads):
        lines.append({"timestamp": f"2025-10-05T00:00:{i + 1:02d}.000Z", "type": kind, "payload": payload})
    return RawLog("/x/rollout-c1.jsonl", b"".join(orjson.dumps(line) + b"\n" for line in lines))


def codex_message(role: str, text: str) -> tuple[str, dict]:
    kind = "input_text" if role == "user" else "output_text"
    return ("response_item", {"type": "message", "role": role, "content": [{"type": kind, "text": text}]})


def test_codex_thread_name_wins_and_can_be_cleared():
    prompt = codex_message("user", "## User Input\n\n```text\nbuild the importer\n```\n\n## Outline\n...")
    reply = codex_message("assistant", "done")
    named = ("event_msg", {"type": "thread_name_updated", "thread_id": "c1", "thread_name": "Importer"})
    cleared = ("event_msg", {"type": "thread_name_updated", "thread_id": "c1", "thread_name": None})
    assert codex.read(codex_log(prompt, reply), []).title == "build the importer"
    s = codex.read(codex_log(prompt, reply, named), [])
    assert (s.title, s.skipped) == ("Importer", {})
    assert codex.read(codex_log(prompt, named, cleared, reply), []).title == "build the importer"


def test_codex_custom_prompt_with_front_matter_is_titled_by_what_the_user_asked():
    s = codex.read(codex_log(codex_message("user", SDD_INIT), codex_message("assistant", "named it")), [])
    assert s.title == "Spec Initialization: a tide table for the harbour"


def test_codex_start_up_only_session_is_hidden():
    env = codex_message("user", "<environment_context>\n  <cwd>/r</cwd>\n</environment_context>")
    agents = codex_message("user", "# AGENTS.md instructions for /r\n\n<INSTRUCTIONS>be brief</INSTRUCTIONS>")
    s = codex.read(codex_log(env, agents), [])
    assert (s.title, s.hidden) == (None, titles.HIDDEN_EMPTY)


def pi_log(*entries: dict) -> RawLog:
    head = {"type": "session", "version": 3, "id": "p1", "timestamp": "2026-01-01T00:00:00Z", "cwd": "/w"}
    return RawLog("/logs/p1.jsonl", b"".join(orjson.dumps(e) + b"\n" for e in (head, *entries)))


def pi_message(eid: str, parent: str | None, role: str, content) -> dict:
    return {"type": "message", "id": eid, "parentId": parent, "timestamp": "2026-01-01T00:00:01Z",
            "message": {"role": role, "content": content}}  # fmt: skip


def test_pi_openclaw_envelope_is_not_the_title_and_the_name_wins():
    prompt = pi_message("m1", None, "user", OPENCLAW)
    reply = pi_message("m2", "m1", "assistant", [{"type": "text", "text": "on it"}])
    assert pi.read(pi_log(prompt, reply), []).title == "fix the cron job"
    named = {"type": "session_info", "id": "m3", "parentId": "m2", "name": "cron"}
    assert pi.read(pi_log(prompt, reply, named), []).title == "cron"
    assert pi.read(pi_log(), []).hidden == titles.HIDDEN_EMPTY


# -- the bucket and the CLI --------------------------------------------------------------------


def test_hidden_sessions_are_listed_only_when_asked(capsys, tmp_path):
    logs = tmp_path / "claude" / "-p"
    logs.mkdir(parents=True)
    (logs / "11111111-1111-4111-8111-111111111111.jsonl").write_bytes(
        claude_log("x", claude_user("u1", "tidy the imports"), claude_reply("a1", "u1")).data
    )
    (logs / "22222222-2222-4222-8222-222222222222.jsonl").write_bytes(
        claude_log("x", {"type": "summary", "summary": "Old", "leafUuid": "gone"}).data
    )
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={tmp_path / 'claude'}", "--json"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket, "--json"]) == 0
    assert [(r["title"], r["hidden"]) for r in orjson.loads(capsys.readouterr().out)] == [("tidy the imports", None)]
    assert main(["ls", "--bucket", bucket, "--json", "--all"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert sorted((r["title"], r["hidden"]) for r in rows) == [("Old", "empty"), ("tidy the imports", None)]
    assert main(["ls", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert "tidy the imports" in out and "Old" not in out and "(1 session not listed: empty 1; `tracetui ls --all`)" in out
    assert main(["ls", "--bucket", bucket, "--all"]) == 0
    assert "(empty) Old" in capsys.readouterr().out
    assert main(["show", "--bucket", bucket, "2222", "--json"]) == 0  # still there to show
    assert orjson.loads(capsys.readouterr().out)["hidden"] == "empty"


# -- every corpus file ------------------------------------------------------------------------

WRAPPER_STARTS = ("<ide_", "<command-", "<system-reminder>", "## User Input")


@requires_corpus
def test_no_corpus_title_is_a_wrapper_and_no_two_read_alike_because_of_one(capsys, tmp_path):
    bucket = str(tmp_path / "b")
    agents = [a for a in registry.names() if (CORPUS / a).is_dir()]
    sources = [arg for agent in agents for arg in ("--source", f"{agent}={CORPUS / agent}")]
    assert main(["sync", "--bucket", bucket, *sources, "--json"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket, "--all", "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert len(rows) > 30
    for row in rows:
        title = row["title"] or ""
        assert not title.lstrip().startswith(WRAPPER_STARTS), (row["id"], title)
        assert "\n" not in title and len(title) <= titles.TITLE_LIMIT
    # Two sessions of one project with one title must have been asked the same thing.
    by_title: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for row in rows:
        if row["title"]:
            by_title[(row["project"], row["title"])].append(row["id"])
    for ids in by_title.values():
        if len(ids) > 1:
            firsts = set()
            for sid in ids:
                assert main(["show", "--bucket", bucket, sid, "--json"]) == 0
                steps = orjson.loads(capsys.readouterr().out)["steps"]
                firsts.add(next(" ".join(s["text"].split()) for s in steps if s["kind"] == "user"))
            assert len(firsts) == 1, ids
    # Every session with a prompt is named, and a listed one is never hidden.
    assert all(r["title"] for r in rows if r["hidden"] is None)


@requires_corpus
def test_no_corpus_session_is_titled_by_an_opener_when_a_later_prompt_says_more():
    """The corpus's OpenClaw session opens with `hi`; its next prompt asks for something."""
    named = 0
    for agent in registry.agents():
        folder = CORPUS / agent.name
        if not folder.is_dir():
            continue
        for files in agent.group(sorted(p for p in folder.rglob("*") if p.is_file())):
            session = read_session(files)
            prompts = list(titles.first_prompts(session.steps))
            if session.title is None or titles.clip(prompts[0] if prompts else "") != session.title:
                continue  # the agent's own title, or none: not the first prompt's
            named += 1
            if session.title.lower().strip("!.? ") in OPENERS or titles.is_weak(session.title):
                assert all(titles.is_weak(p) for p in prompts), (files.main.name, session.title)
    assert named > 20


OPENERS = {"hi", "hello", "hey", "continue", "yes", "ok", "go on", "hello there", "hi claude"}


@pytest.mark.parametrize(
    "hostile",
    [
        "<system-reminder>" * 20000,
        "<command-name>x" * 20000,
        "<meta a" * 30000,
        "<meta>\n" + "description: x\n" * 100000,
        "---\n" + "a: b\n  c: d\n" * 100000 + "---\n",
        "<file " * 40000,
        ("a (untrusted x):\n```\n" + "x" * 9000) * 20,
        "## User Input\n" + " \n" * 100000,
        "<ide_x>" * 30000,
        "hello " * 1_000_000,
    ],
    ids=short,
)
def test_prompt_text_takes_linear_time_on_hostile_text(hostile):
    import time

    started = time.perf_counter()
    titles.prompt_text(hostile)
    assert time.perf_counter() - started < 1.0


def test_the_listing_says_what_the_sessions_it_leaves_out_cost(capsys, tmp_path):
    # Claude Code 2.1.2 at times kept a warm-up going: the model called a tool, was answered
    # "Warmup", called it again, for hundreds of turns (a real one cost $78). Hidden as a warm-up
    # it still spent the money, so the line that says it is not listed says what it cost.
    folder = tmp_path / "claude" / "-p"
    agents = folder / "33333333-3333-4333-8333-333333333333" / "subagents"
    agents.mkdir(parents=True)
    (folder / "11111111-1111-4111-8111-111111111111.jsonl").write_bytes(
        claude_log("x", claude_user("u1", "tidy the imports"), claude_reply("a1", "u1")).data
    )
    usage = {"input_tokens": 3, "output_tokens": 20, "cache_read_input_tokens": 2_000_000}
    records = [claude_user("w0", "Warmup", isSidechain=True, agentId="a1b2c3d")]
    for n in range(1, 4):
        call = {"type": "tool_use", "id": f"toolu_{n}", "name": "Glob", "input": {"pattern": "**/*"}}
        message = {"id": f"msg_{n}", "role": "assistant", "model": "claude-opus-4-5-20251101",
                   "content": [call], "usage": usage}  # fmt: skip
        reply = claude_reply(f"w{n}", records[-1]["uuid"], isSidechain=True, agentId="a1b2c3d")
        records.append({**reply, "message": message})
        result = [{"type": "tool_result", "tool_use_id": f"toolu_{n}", "content": "Warmup"}]
        records.append(claude_user(f"r{n}", result, records[-1]["uuid"], isSidechain=True, agentId="a1b2c3d"))
    (agents / "agent-a1b2c3d.jsonl").write_bytes(claude_log("x", *records).data)
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={tmp_path / 'claude'}", "--json"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket, "--json", "--all"]) == 0
    [warmup] = [r for r in orjson.loads(capsys.readouterr().out) if r["hidden"]]
    assert warmup["hidden"] == "warm-up" and warmup["cost_usd"] > 1
    assert main(["ls", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert f"(1 session not listed: warm-up 1; {money(warmup['cost_usd'])} between them; " in out
