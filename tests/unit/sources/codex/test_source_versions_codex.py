"""Codex record kinds newer (or rarer) builds write, on hand-made rollouts: tool search, image
generation, remote compaction items, inter-agent messages, rollbacks and renamed turn events."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

T = "2026-05-01T10:00:0{}.000Z"


def rollout(*records: tuple[str, dict[str, Any]]) -> bytes:
    lines = [
        {
            "timestamp": T.format(0),
            "type": "session_meta",
            "payload": {
                "id": "019e0000-0000-7000-8000-000000000001",
                "cwd": "/w/p",
                "cli_version": "0.130.0",
            },
        },
        {"timestamp": T.format(0), "type": "turn_context", "payload": {"cwd": "/w/p", "model": "gpt-5.5"}},
    ]
    lines += [{"timestamp": T.format(1), "type": kind, "payload": payload} for kind, payload in records]
    return b"\n".join(orjson.dumps(x) for x in lines) + b"\n"


def read(data: bytes):
    return codex.read(
        RawLog("/x/rollout-2026-05-01T10-00-00-019e0000-0000-7000-8000-000000000001.jsonl", data), []
    )


def user(text: str) -> tuple[str, dict[str, Any]]:
    return (
        "response_item",
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    )


def test_tool_search_call_and_output_pair_as_a_call_and_its_result():
    s = read(
        rollout(
            user("find the db tool"),
            (
                "response_item",
                {
                    "type": "tool_search_call",
                    "call_id": "ts_1",
                    "status": "completed",
                    "execution": "client",
                    "arguments": {"query": "postgres"},
                },
            ),
            (
                "response_item",
                {
                    "type": "tool_search_output",
                    "call_id": "ts_1",
                    "status": "completed",
                    "execution": "client",
                    "tools": [{"name": "query_db", "description": "run SQL"}],
                },
            ),
        )
    )
    assert s.skipped == {}
    call, result = s.steps[-2:]
    assert (call.kind, call.tool, call.tool_call_id, call.tool_input) == (
        StepKind.TOOL_CALL,
        "tool_search",
        "ts_1",
        {"query": "postgres"},
    )
    assert (result.kind, result.tool, result.tool_call_id) == (StepKind.TOOL_RESULT, "tool_search", "ts_1")
    assert "query_db" in result.text


def test_image_generation_keeps_the_prompt_not_the_image():
    s = read(
        rollout(
            user("draw a cat"),
            (
                "response_item",
                {
                    "type": "image_generation_call",
                    "id": "ig_1",
                    "status": "completed",
                    "revised_prompt": "a grey cat on a mat",
                    "result": "iVBORw0KGgo" + "A" * 5000,
                },
            ),
        )
    )
    assert s.skipped == {}
    call = s.steps[-1]
    assert (call.kind, call.tool, call.tool_input) == (
        StepKind.TOOL_CALL,
        "image_generation",
        {"revised_prompt": "a grey cat on a mat"},
    )
    assert "AAAA" not in orjson.dumps(call.to_dict()).decode()


def test_remote_compaction_item_and_its_compacted_record_are_one_boundary():
    s = read(
        rollout(
            user("long work"),
            ("response_item", {"type": "compaction", "encrypted_content": "gAAAA..."}),
            (
                "compacted",
                {
                    "message": "",
                    "replacement_history": [
                        {
                            "type": "message",
                            "role": "user",
                            "content": [{"type": "input_text", "text": "long work"}],
                        },
                        {"type": "compaction", "encrypted_content": "gAAAA..."},
                    ],
                },
            ),
            ("response_item", {"type": "context_compaction", "encrypted_content": "gBBBB..."}),
        )
    )
    assert s.skipped == {}
    compactions = [x for x in s.steps if x.kind == StepKind.COMPACTION]
    assert len(compactions) == 2
    assert "long work" in compactions[0].text and compactions[0].meta["replacement_count"] == 2
    assert compactions[1].meta == {"encrypted": True}


def test_inter_agent_messages_are_kept_with_their_author():
    s = read(
        rollout(
            user("split the work"),
            (
                "inter_agent_communication",
                {
                    "author": "/root/researcher",
                    "recipient": "/root",
                    "other_recipients": [],
                    "content": "found three call sites",
                    "trigger_turn": True,
                },
            ),
            ("inter_agent_communication_metadata", {"trigger_turn": True}),
            (
                "response_item",
                {
                    "type": "agent_message",
                    "author": "/root",
                    "recipient": "/root/researcher",
                    "content": [{"type": "input_text", "text": "now fix them"}],
                },
            ),
            ("world_state", {"agents_md": "..."}),
        )
    )
    assert s.skipped == {}
    told, tells = s.steps[-2:]
    assert (told.kind, told.text, told.meta["author"], told.meta["recipient"]) == (
        StepKind.CONTEXT,
        "found three call sites",
        "/root/researcher",
        "/root",
    )
    assert (tells.text, tells.meta["author"]) == ("now fix them", "/root")


def test_rollback_takes_the_last_turns_off_the_active_path():
    s = read(
        rollout(
            user("first"),
            (
                "response_item",
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "one"}]},
            ),
            user("second"),
            (
                "response_item",
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "two"}]},
            ),
            user("third"),
            ("event_msg", {"type": "thread_rolled_back", "num_turns": 2}),
            user("again"),
        )
    )
    assert s.skipped == {}
    by_text = {x.text: x for x in s.steps}
    assert by_text["first"].active and by_text["one"].active
    assert not by_text["second"].active and not by_text["two"].active and not by_text["third"].active
    rollback = by_text["rolled back 2 turns"]
    assert rollback.kind == StepKind.SYSTEM and rollback.active and rollback.meta == {"num_turns": 2}
    assert by_text["again"].active


def test_renamed_turn_events_and_namespaced_calls():
    s = read(
        rollout(
            ("event_msg", {"type": "turn_started", "turn_id": "t1"}),
            ("event_msg", {"type": "thread_settings_applied"}),
            user("list my issues"),
            (
                "response_item",
                {
                    "type": "function_call",
                    "name": "list_issues",
                    "namespace": "mcp__github",
                    "arguments": '{"state": "open"}',
                    "call_id": "c1",
                },
            ),
            ("event_msg", {"type": "turn_complete", "turn_id": "t1"}),
        )
    )
    assert s.skipped == {}
    call = s.steps[-1]
    assert (call.tool, call.meta["namespace"], call.tool_input) == (
        "list_issues",
        "mcp__github",
        {"state": "open"},
    )


def test_resumed_read_matches_a_whole_read_across_a_rollback():
    data = rollout(
        user("first"),
        (
            "response_item",
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "one"}]},
        ),
        user("second"),
        ("event_msg", {"type": "thread_rolled_back", "num_turns": 1}),
    )
    cut = data.index(b'"second"')
    cut = data.rindex(b"\n", 0, cut) + 1
    log = "/x/rollout-2026-05-01T10-00-00-019e0000-0000-7000-8000-000000000001.jsonl"
    _, state = codex.resume(None, RawLog(log, data[:cut]), [])
    resumed, _ = codex.resume(state, RawLog(log, data), [])
    assert resumed.to_dict() == read(data).to_dict()


def plan_turn(answer: str) -> bytes:
    return rollout(
        user("plan it"),
        (
            "event_msg",
            {
                "type": "item_completed",
                "turn_id": "t1",
                "item": {"type": "Plan", "id": "t1-plan", "text": "# Plan\n1. a\n2. b"},
            },
        ),
        ("event_msg", {"type": "agent_message", "message": "Here is the plan."}),
        (
            "response_item",
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": answer}]},
        ),
    )


def test_a_plan_the_answer_lost_is_kept():
    s = read(plan_turn("Here is the plan."))
    assert [(x.kind, x.text, x.meta) for x in s.steps[-2:]] == [
        (StepKind.ASSISTANT, "# Plan\n1. a\n2. b", {"plan": True}),
        (StepKind.ASSISTANT, "Here is the plan.", {}),
    ]
    assert s.skipped == {}


def test_a_plan_the_answer_carries_shows_once():
    s = read(plan_turn("Here is the plan.\n\n# Plan\n1. a\n2. b\n"))
    assert [x.text for x in s.steps if x.kind == StepKind.ASSISTANT] == [
        "Here is the plan.\n\n# Plan\n1. a\n2. b\n"
    ]


def test_a_resumed_read_between_a_plan_and_its_answer_matches_a_whole_read():
    log = "/x/rollout-2026-05-01T10-00-00-019e0000-0000-7000-8000-000000000001.jsonl"
    for answer in ("Here is the plan.", "Here is the plan.\n# Plan\n1. a\n2. b"):
        data = plan_turn(answer)
        cut = data.index(b'"agent_message"')
        cut = data.rindex(b"\n", 0, cut) + 1
        _, state = codex.resume(None, RawLog(log, data[:cut]), [])
        resumed, _ = codex.resume(state, RawLog(log, data), [])
        assert resumed.to_dict() == read(data).to_dict()


def test_goal_changes_are_steps_and_usage_updates_are_not():
    def goal(status: str, used: int) -> tuple[str, dict[str, Any]]:
        return (
            "event_msg",
            {
                "type": "thread_goal_updated",
                "threadId": "t",
                "goal": {"threadId": "t", "objective": "migrate to v2", "status": status, "tokensUsed": used},
            },
        )

    s = read(rollout(user("go"), goal("active", 0), goal("active", 500), goal("complete", 900)))
    assert s.skipped == {}
    goals = [(x.kind, x.text, x.meta) for x in s.steps if x.meta.get("goal_status")]
    assert goals == [
        (StepKind.SYSTEM, "migrate to v2", {"goal_status": "active"}),
        (StepKind.SYSTEM, "migrate to v2", {"goal_status": "complete"}),
    ]


def test_a_spawned_subagent_is_named_on_its_call_and_echo_events_are_known():
    s = read(
        rollout(
            user("split"),
            (
                "response_item",
                {
                    "type": "function_call",
                    "name": "spawn_agent",
                    "arguments": '{"message": "scan"}',
                    "call_id": "c9",
                },
            ),
            ("event_msg", {"type": "collab_agent_spawn_begin", "call_id": "c9", "prompt": "scan"}),
            (
                "event_msg",
                {
                    "type": "collab_agent_spawn_end",
                    "call_id": "c9",
                    "new_thread_id": "019e0000-0000-7000-8000-0000000000c9",
                    "new_agent_nickname": "Scout",
                    "new_agent_role": "worker",
                    "prompt": "scan",
                },
            ),
            ("response_item", {"type": "function_call_output", "call_id": "c9", "output": "spawned"}),
            ("event_msg", {"type": "patch_apply_end", "call_id": "x", "success": True, "changes": {}}),
            ("event_msg", {"type": "mcp_tool_call_end", "call_id": "y"}),
            ("event_msg", {"type": "thread_context_usage_updated", "usage": {}}),
        )
    )
    assert s.skipped == {}
    call = next(x for x in s.steps if x.tool == "spawn_agent" and x.kind == StepKind.TOOL_CALL)
    assert call.meta == {
        "agent_thread": "019e0000-0000-7000-8000-0000000000c9",
        "agent_nickname": "Scout",
        "agent_role": "worker",
    }


def test_a_v2_subagent_s_activity_names_its_thread_on_the_spawning_call():
    """Multi-agent v2 (0.14x) writes no collab_agent_spawn_end: the spawn's output holds only the task
    path, and `sub_agent_activity` (event_id: the spawning call) names the child's thread. Seen in a
    real 0.145 rollout whose three spawn calls named no child, with the events counted as skipped."""
    spawn = {"type": "function_call", "name": "spawn_agent", "namespace": "collaboration", "call_id": "c7",
             "arguments": '{"task_name": "audit_timers", "message": "audit the timers"}'}  # fmt: skip
    activity = {"type": "sub_agent_activity", "event_id": "c7", "occurred_at_ms": 1783000000000,
                "agent_thread_id": "019e0000-0000-7000-8000-0000000000c7", "agent_path": "/root/audit_timers",
                "kind": "started"}  # fmt: skip
    s = read(
        rollout(
            user("split the audit"),
            ("response_item", spawn),
            ("response_item", {"type": "function_call_output", "call_id": "c7",
                               "output": '{"task_name":"/root/audit_timers"}'}),  # fmt: skip
            ("event_msg", activity),
            ("event_msg", activity | {"kind": "finished"}),
        )
    )
    assert s.skipped == {}
    call = next(x for x in s.steps if x.tool == "spawn_agent" and x.kind == StepKind.TOOL_CALL)
    assert call.meta["agent_thread"] == "019e0000-0000-7000-8000-0000000000c7"
    assert call.meta["agent_path"] == "/root/audit_timers"


def test_an_item_made_of_codex_s_own_parts_is_context_not_a_prompt():
    """0.14x opens a session with one user item of several parts, each Codex's own: a
    `<recommended_plugins>` block, the AGENTS.md instructions and the environment context. Read as
    the user's prompt (its first part is a block no list named), it titled 231 of 437 real 0.137-0.146
    rollouts "# AGENTS.md instructions". An item with a part of the user's stays a prompt."""
    parts = [
        "<recommended_plugins>\nHere is a list of plugins available.\n- Sheets\n</recommended_plugins>",
        "# AGENTS.md instructions for /w/p\n\n<INSTRUCTIONS>\nUse tabs.\n</INSTRUCTIONS>",
        "<environment_context>\n  <cwd>/w/p</cwd>\n  <shell>zsh</shell>\n</environment_context>",
    ]
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": t} for t in parts]}
    both = [{"type": "input_text", "text": parts[0]}, {"type": "input_text", "text": "fix the parser"}]
    mixed = {"type": "message", "role": "user", "content": both}
    s = read(rollout(("response_item", item), user("why does the timer leak?"), ("response_item", mixed)))
    assert [x.kind for x in s.steps] == [StepKind.CONTEXT, StepKind.USER, StepKind.USER]
    assert s.title == "why does the timer leak?"


def test_a_resumed_read_remembers_the_goal_shown():
    log = "/x/rollout-2026-05-01T10-00-00-019e0000-0000-7000-8000-000000000001.jsonl"
    event = {"type": "thread_goal_updated", "goal": {"objective": "ship it", "status": "active"}}
    data = rollout(user("go"), ("event_msg", event), ("event_msg", event))
    cut = data.rindex(b"\n", 0, len(data) - 1) + 1
    _, state = codex.resume(None, RawLog(log, data[:cut]), [])
    resumed, _ = codex.resume(state, RawLog(log, data), [])
    assert resumed.to_dict() == read(data).to_dict()
    assert [x.text for x in resumed.steps].count("ship it") == 1


def test_audio_and_file_parts_are_named_not_dropped():
    content = [
        {"type": "input_text", "text": "listen"},
        {"type": "input_audio", "audio_url": "data:audio/wav;base64,AAAA"},
        {"type": "input_file", "filename": "spec.pdf", "file_data": "JVBERi0"},
    ]
    s = read(rollout(("response_item", {"type": "message", "role": "user", "content": content})))
    assert s.steps[-1].text == "listen\n[audio]\n[file] spec.pdf"


def injected(content: str, source: str) -> tuple[str, dict[str, Any]]:
    return ("event_msg", {"type": "injected_message", "content": content, "source": source})


def test_an_injected_message_names_its_sender_on_the_item_the_model_saw():
    wrapped = "<timer_message>\n<timer_id>t-7</timer_id>\n<content>\ncheck the queue & report\n</content>\n"
    s = read(
        rollout(
            user("watch the build"),
            ("response_item", {"type": "message", "role": "assistant",
                               "content": [{"type": "output_text", "text": "watching"}]}),
            user(wrapped + "</timer_message>"),
            injected("check the queue & report", "timer t-7"),
            ("response_item", {"type": "message", "role": "assistant",
                               "content": [{"type": "output_text", "text": "queue empty"}]}),
        )
    )
    assert s.skipped == {}
    timer = [st for st in s.steps if st.meta.get("injected_source")]
    assert [(st.kind, st.meta["injected_source"]) for st in timer] == [(StepKind.CONTEXT, "timer t-7")]
    assert "check the queue" in timer[0].text
    assert sum("check the queue" in st.text for st in s.steps) == 1


def _reply(text: str) -> tuple[str, dict[str, Any]]:
    part = {"type": "output_text", "text": text}
    return ("response_item", {"type": "message", "role": "assistant", "content": [part]})


# What codex-rs writes for one injected message: the wrapped item the model saw (its content escaped
# as codex-rs escapes an envelope: & < > and ", never an apostrophe) and the event naming the sender.
_CONTENT = 'don\'t "wait" <now> & report'
_TIMER_ITEM = ("<timer_message>\n<timer_id>t-9</timer_id>\n<content>\n"
               "don't &quot;wait&quot; &lt;now&gt; &amp; report\n</content>\n</timer_message>")
_CODEX_ITEM = ("<codex_message>\n<source>ci bot</source>\n<queued_at>1767000000</queued_at>\n<content>\n"
               "don't &quot;wait&quot; &lt;now&gt; &amp; report\n</content>\n<meta />\n</codex_message>")


@pytest.mark.parametrize("event_first", [False, True], ids=["item-then-event", "event-then-item"])
@pytest.mark.parametrize(("item", "source"), [(_TIMER_ITEM, "timer t-9"), (_CODEX_ITEM, "ci bot")],
                         ids=["timer", "codex_message"])
def test_an_injected_message_is_one_step_with_its_sender_in_either_order(event_first, item, source):
    pair = [injected(_CONTENT, source), user(item)]
    if not event_first:
        pair.reverse()
    s = read(rollout(user("watch the build"), _reply("watching"), *pair, _reply("reported")))
    assert s.skipped == {}
    held = [st for st in s.steps if "report" in st.text and st.role == "user"]
    assert len(held) == 1, [(st.id, st.text) for st in s.steps]  # once, whichever came first
    step = held[0]
    assert (step.kind, step.text, step.meta.get("injected_source")) == (StepKind.CONTEXT, item, source)
    assert "event" not in step.meta  # the item the model saw, not the event's copy
    assert [st.text for st in s.steps if st.kind == StepKind.ASSISTANT] == ["watching", "reported"]
    assert [st.index for st in s.steps] == list(range(len(s.steps)))


def test_an_injected_event_before_its_item_waits_across_a_resumed_read():
    log = "/x/rollout-2026-05-01T10-00-00-019e0000-0000-7000-8000-000000000001.jsonl"
    data = rollout(
        user("watch"), _reply("ok"), injected(_CONTENT, "timer t-9"), user(_TIMER_ITEM), _reply("done")
    )
    cut = data.index(b"\n", data.index(b"injected_message")) + 1  # the snapshot ends after the event
    _, state = codex.resume(None, RawLog(log, data[:cut]), [])
    resumed, _ = codex.resume(state, RawLog(log, data), [])
    assert resumed.to_dict() == read(data).to_dict()
    assert sum("report" in st.text for st in resumed.steps) == 1


def test_an_injected_event_takes_no_other_item_and_a_prompt_is_not_taken_for_it():
    # The event's content is not in the wrapped item that follows: two different facts, both kept.
    other = "<timer_message>other</timer_message>"
    s = read(rollout(user("go"), injected("deploy finished", "ci"), user(other)))
    assert [st.text for st in s.steps if st.kind == StepKind.CONTEXT] == ["deploy finished", other]
    # A person typing what an outside sender also said stays the person's prompt.
    s = read(rollout(user("go"), _reply("ok"), injected("ship it", "ci"),
                     ("event_msg", {"type": "user_message", "message": "ship it"})))
    assert [(st.kind, st.text) for st in s.steps[-2:]] == [
        (StepKind.CONTEXT, "ship it"), (StepKind.USER, "ship it")]


def test_an_injected_message_without_its_item_is_a_context_step_of_its_own():
    s = read(rollout(user("hello"), injected("deploy finished", "external ci")))
    assert s.skipped == {}
    step = s.steps[-1]
    assert (step.kind, step.role, step.text) == (StepKind.CONTEXT, "user", "deploy finished")
    assert step.meta["injected_source"] == "external ci"


def test_the_auto_reviewers_verdict_is_a_system_step_with_its_reason():
    def assessment(status: str, **more: Any) -> tuple[str, dict[str, Any]]:
        return ("event_msg", {"type": "guardian_assessment", "id": "g1", "turn_id": "t1", "status": status,
                              "action": {"type": "command", "source": "shell", "command": "rm -rf build",
                                         "cwd": "/w/p"}, **more})

    s = read(
        rollout(
            user("clean up"),
            assessment("in_progress"),
            assessment("denied", risk_level="high", rationale="deletes more than was asked"),
        )
    )
    assert s.skipped == {}
    verdicts = [st for st in s.steps if st.meta.get("event") == "guardian_assessment"]
    assert len(verdicts) == 1
    step = verdicts[0]
    assert step.kind == StepKind.SYSTEM
    assert "denied" in step.text and "rm -rf build" in step.text and "deletes more" in step.text
    assert (step.meta["status"], step.meta["risk_level"]) == ("denied", "high")


def test_a_spawned_subagents_rollout_links_back_to_the_thread_that_spawned_it():
    parent = "019e0000-0000-7000-8000-00000000000a"
    lines = [
        {"timestamp": T.format(0), "type": "session_meta", "payload": {
            "id": "019e0000-0000-7000-8000-000000000001", "cwd": "/w/p", "cli_version": "0.140.0",
            "source": {"subagent": {"thread_spawn": {"parent_thread_id": parent, "depth": 1,
                                                     "agent_nickname": "Ada", "agent_role": "explorer"}}}}},
        {"timestamp": T.format(1), "type": "response_item", "payload": {
            "type": "message", "role": "user", "content": [{"type": "input_text", "text": "map the repo"}]}},
    ]
    s = read(b"\n".join(orjson.dumps(x) for x in lines) + b"\n")
    assert s.skipped == {}
    link = [st for st in s.steps if st.meta.get("spawned_by")]
    assert len(link) == 1 and link[0].kind == StepKind.SYSTEM
    assert (link[0].meta["spawned_by"], link[0].meta["agent_nickname"], link[0].meta["agent_depth"]) == (
        parent, "Ada", 1)
    assert parent in link[0].text
    assert [st.text for st in s.steps if st.kind == StepKind.USER] == ["map the repo"]
    assert s.forked_from is None  # spawned, not forked: nothing of the parent's was copied


def _usage(total_in: int, total_out: int) -> tuple[str, dict[str, Any]]:
    usage = {"input_tokens": total_in, "cached_input_tokens": 0, "output_tokens": total_out}
    return ("event_msg", {"type": "token_count", "info": {"total_token_usage": usage}})


def _said(text: str) -> list[tuple[str, dict[str, Any]]]:
    """An answer as both forms record it: the streamed event, then the item."""
    return [
        ("event_msg", {"type": "agent_message", "message": text}),
        ("response_item", {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}),
    ]


def _call(call_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("response_item", {"type": "function_call", "name": "shell_command", "call_id": call_id,
                           "arguments": '{"command": "ls"}'}),
        ("response_item", {"type": "function_call_output", "call_id": call_id, "output": "Exit code: 0\nOutput:\n"}),
    ]


def _own_usage(s) -> list[tuple[str, int]]:
    return [(st.tool or st.text, st.tokens.input) for st in s.steps if st.tokens is not None]


@pytest.mark.parametrize("ahead", [True, False])
def test_each_responses_usage_is_on_its_own_step_written_before_or_after_its_items(ahead):
    # Up to 0.6x a response's token_count is written before its items (after its streamed events), from
    # 0.7x after them; three responses of 10, 20 and 30 input tokens, in each order.
    said = _said("Done.")
    responses = [_call("c1"), _call("c2"), said[1:]]
    records: list[tuple[str, dict[str, Any]]] = [user("look"), ("event_msg", {"type": "user_message", "message": "look"})]
    total = 0
    for i, items in enumerate(responses, 1):
        total += 10 * i
        usage = [_usage(total, i)]
        if i == 3:
            records += said[:1]  # the answer's streamed event comes first in both orders
        records += usage + items if ahead else items + usage
    s = read(rollout(*records))
    assert _own_usage(s) == [("shell_command", 10), ("shell_command", 20), ("Done.", 30)]
    assert s.tokens.input == 60


def test_a_rollout_resumed_by_a_later_version_places_each_turns_usage_by_its_own_order():
    first = [user("one"), _usage(10, 1), *_call("c1"), _usage(30, 2), *_said("A.")]  # 0.6x: usage first
    second = [user("two"), *_call("c2"), _usage(60, 3), *_said("B."), _usage(100, 4)]  # 0.7x: items first
    s = read(rollout(*first, *second))
    assert _own_usage(s) == [("shell_command", 10), ("A.", 20), ("shell_command", 30), ("B.", 40)]
