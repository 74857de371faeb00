"""Hostile Codex rollouts against the search for the call that ran a script's patch (code mode's
patch_apply_end that names no item): calls whose scripts are long and never call apply_patch, then
thousands of patches, each of which looked through those scripts' text again."""

from __future__ import annotations

import time

from support.codex_scripts import applied, rollout, script, user


def test_long_scripts_left_waiting_are_searched_once_not_once_a_patch():
    # 256 calls (the look-back) of 20 KB scripts without apply_patch, then 3,000 patches: every patch
    # searched 5 MB of script text again (a minute here).
    calls = [script(f"call_{i}", "text('no patch here');" + "y" * 20_000) for i in range(256)]
    n = 3000
    add = {"type": "add", "content": "x\n"}
    patches = [applied(f"exec-{i}", {f"/w/game/f{i}.lua": add}) for i in range(n)]
    start = time.process_time()
    s = rollout(user("go"), *calls, *patches)
    assert time.process_time() - start < 4
    ran = [step for step in s.steps if step.edits]
    assert len(ran) == 1
    assert len(ran[0].edits) == n and ran[0].meta["script_patches"] == n


def test_a_call_id_used_again_is_asked_again():
    # The answer kept for an id is the one of the call that holds it now.
    first = script("call_1", "text('nothing')")
    patch_one = applied("exec-1", {"/w/game/a.lua": {"type": "add", "content": "a\n"}})
    second = script("call_1", "text(await tools.apply_patch(p))")
    other = script("call_2", "text('nothing either')")
    patch_two = applied("exec-2", {"/w/game/b.lua": {"type": "add", "content": "b\n"}})
    s = rollout(user("go"), first, patch_one, second, other, patch_two)
    ran = {step.tool_input: [e.path for e in step.edits] for step in s.steps if step.edits}
    assert ran.get("text(await tools.apply_patch(p))") == ["/w/game/b.lua"]
