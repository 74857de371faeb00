"""Patches a script applied. Codex's code mode (0.14x, seen in 437 real rollouts of 0.137 to 0.146 from
the VS Code extension) runs an `exec` tool whose JavaScript calls `tools.apply_patch(patch)`: the
patch sits in a string of the script, and the rollout records what was applied only in a
`patch_apply_end` event whose call_id (`exec-<uuid>`) names no item. The reader took every
patch_apply_end for the echo of an apply_patch call, so 97 patches of those rollouts (109 scripts)
were no edit of the session: missing from the trail. Hand-made rollouts of the same shapes."""

from __future__ import annotations


from support.codex_scripts import applied, DIFF, done, PATCH, rollout, SCRIPT, script, user

from tracetui.model import StepKind


def test_a_patch_a_script_applied_is_an_edit_of_the_call_that_ran_it():
    changes = {
        "/w/game/src/buff.lua": {"type": "update", "unified_diff": DIFF, "move_path": None},
        "/w/game/src/new.lua": {"type": "add", "content": "return {}\n"},
        "/w/game/src/old.lua": {"type": "delete", "content": "-- gone\n"},
    }
    s = rollout(user("make the buff stronger"), script("call_1", SCRIPT),
                applied("exec-6f0e0000-0000-4000-8000-000000000001", changes), done("call_1"))  # fmt: skip
    call = next(st for st in s.steps if st.kind == StepKind.TOOL_CALL)
    assert call.tool == "exec" and call.meta["script_patches"] == 1
    assert [(e.path, e.op, e.applied) for e in call.edits] == [
        ("/w/game/src/buff.lua", "update", True),
        ("/w/game/src/new.lua", "create", True),
        ("/w/game/src/old.lua", "delete", True),
    ]
    hunk = call.edits[0].hunks[0]
    assert (hunk.old_start, hunk.old_lines) == (3, 3)
    assert hunk.lines == [" local M = {}", "-return 1", "+return 2", " "]
    assert call.edits[1].content == "return {}\n"
    assert s.skipped == {}


def test_a_failed_script_patch_applied_nothing_and_an_apply_patch_call_is_not_counted_twice():
    changes = {"/w/game/src/buff.lua": {"type": "update", "unified_diff": DIFF, "move_path": None}}
    own = ("response_item", {"type": "custom_tool_call", "status": "completed", "call_id": "call_2",
                             "name": "apply_patch", "input": PATCH})  # fmt: skip
    s = rollout(
        user("try again"),
        script("call_1", SCRIPT),
        applied("exec-6f0e0000-0000-4000-8000-000000000002", changes, success=False),
        done("call_1", "Script failed\nError: patch did not apply"),
        own,
        applied("call_2", changes),
        done("call_2", "Success. Updated the following files:\nM /w/game/src/buff.lua\n"),
    )
    first, second = (st for st in s.steps if st.kind == StepKind.TOOL_CALL)
    assert [e.applied for e in first.edits] == [False]
    assert second.tool == "apply_patch" and len(second.edits) == 1 and second.edits[0].applied
    assert "script_patches" not in second.meta


def test_many_calls_left_waiting_and_many_script_patches_read_in_linear_time():
    # A hostile rollout: 20,000 calls that never get an output, then 20,000 patches no call names. Each
    # patch looks for the call that ran it among the latest calls only, not all of them again.
    import time

    n = 20_000
    calls = [script(f"call_{i}", "text('no patch here')") for i in range(n)]
    patches = [applied(f"exec-{i}", {f"/w/game/f{i}.lua": {"type": "add", "content": "x\n"}}) for i in range(n)]
    start = time.process_time()
    s = rollout(user("go"), *calls, *patches)
    assert time.process_time() - start < 10
    assert sum(len(step.edits) for step in s.steps) == n
