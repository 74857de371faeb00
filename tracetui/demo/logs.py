"""Hand-made session logs for the demo, one per agent, each in that agent's real on-disk format.

The content is invented for the demo (a tiny shop). The sessions edit the files of the demo
repository (`repo.py`) so the trail has something to follow: Claude Code adds three functions,
Codex adds a tax module and a debug helper nobody kept, Pi documents the cart in the README.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, cast

import orjson

from tracetui.demo import repo as R

CLAUDE_SESSION = "7d3c1a52-3f0e-4c71-9a6b-2e5d8c41f0a1"
CLAUDE_AGENT = "a4f81c2d09b7e3a65"
CODEX_SESSION = "019b7a10-5c2e-7d41-8f3a-6b0e9c2d1a47"
PI_SESSION = "5e2b9f14-8a3d-4c6e-b071-d94f2a6c3e58"


# Made-up secrets and personal data the demo's test run prints, so review can be tried in the demo:
# sure findings (a live-looking Stripe key, a password in a URL) and suggestions (an e-mail, a test
# card number, a street address). None of them is real.
DEMO_LEAKS = (
    "-- captured log --\n"
    "payments: PAYMENTS_URL=https://shop:Tr4vel-Pl4n9@payments.demo-shop.io/v1\n"
    "payments: STRIPE_SECRET_KEY=sk_live_51Demo7Qf3Lk9Xw2Rt8Vn4Bc6\n"
    "orders: receipt sent to ana.ruiz@demo-shop.io for card 4242 4242 4242 4242\n"
    "orders: ship from 1200 Harbor Road, Portland\n"
)


def _dump(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))


def structured_patch(before: str, after: str) -> list[dict[str, Any]]:
    """jsdiff-style hunks (what Claude Code stores in toolUseResult.structuredPatch)."""
    a, b = before.splitlines(), after.splitlines()
    hunks = []
    for group in difflib.SequenceMatcher(None, a, b).get_grouped_opcodes(3):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines: list[str] = []
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                lines.extend(" " + line for line in a[x1:x2])
                continue
            lines.extend("-" + line for line in a[x1:x2])
            lines.extend("+" + line for line in b[y1:y2])
        hunks.append({"oldStart": i1 + 1, "oldLines": i2 - i1, "newStart": j1 + 1, "newLines": j2 - j1, "lines": lines})
    return hunks


# -- Claude Code -------------------------------------------------------------------------------


class _Claude:
    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self.lines: list[dict[str, Any]] = []
        self.n = 0
        self.last: str | None = None

    def _uuid(self) -> str:
        self.n += 1
        return f"c1a0d0e0-0000-4000-8000-{self.n:012d}"

    def _base(self, kind: str, when: str, parent: str | None, **extra: Any) -> dict[str, Any]:
        uid = self._uuid()
        rec = {
            "parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": self.cwd,
            "sessionId": CLAUDE_SESSION, "version": "2.1.90", "gitBranch": "main", "type": kind,
            "uuid": uid, "timestamp": f"2026-01-12T{when}Z",
        }
        rec.update(extra)
        self.lines.append(rec)
        self.last = uid
        return rec

    def user(self, when: str, text: str, parent: str | None = "last") -> str:
        parent = self.last if parent == "last" else parent
        return self._base("user", when, parent, message={"role": "user", "content": text})["uuid"]

    def assistant(self, when: str, block: dict[str, Any], msg: str, parent: str | None = "last", usage=None) -> str:
        parent = self.last if parent == "last" else parent
        usage = usage or {"input_tokens": 1200, "output_tokens": 180, "cache_creation_input_tokens": 800,
                          "cache_read_input_tokens": 14000}
        message = {"id": f"msg_demo{msg}", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                   "content": [block], "stop_reason": None, "stop_sequence": None, "usage": usage}
        return self._base("assistant", when, parent, message=message, requestId=f"req_demo{msg}")["uuid"]

    def result(self, when: str, tool_id: str, text: str, structured: Any, is_error: bool = False) -> str:
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_id, "content": text}
        if is_error:
            block["is_error"] = True
        return self._base("user", when, self.last, message={"role": "user", "content": [block]},
                          toolUseResult=structured)["uuid"]


def claude_session(root: Path, cwd: str) -> list[Path]:
    c = _Claude(cwd)
    path = Path(cwd) / "shop" / "cart.py"
    c.user("09:05:00.000", "Add a discount helper and a price formatter to the cart in shop/cart.py.")
    c.assistant("09:05:03.120", {"type": "thinking", "thinking": "I should read the cart module first, then add "
                                 "two small functions next to total().", "signature": "sig-demo"}, "01")
    c.assistant("09:05:04.010", {"type": "tool_use", "id": "toolu_demo01", "name": "Read",
                                 "input": {"file_path": str(path)}}, "01")
    c.result("09:05:04.300", "toolu_demo01", R.CART_0,
             {"type": "text", "file": {"filePath": str(path), "content": R.CART_0, "numLines": 5, "startLine": 1,
                                       "totalLines": 5}})
    edits = [
        ("02", "09:05:10.500", R.CART_0, R.CART_1, "    return sum(price * qty for price, qty in items)\n",
         "    return sum(price * qty for price, qty in items)\n" + R.DISCOUNT),
        ("03", "09:05:18.250", R.CART_1, R.CART_2, "    return round(amount * (100 - percent) / 100, 2)\n",
         "    return round(amount * (100 - percent) / 100, 2)\n" + R.FORMAT),
    ]
    for msg, when, before, after, old, new in edits:
        tid = f"toolu_demo{msg}"
        c.assistant(when, {"type": "tool_use", "id": tid, "name": "Edit",
                           "input": {"file_path": str(path), "old_string": old, "new_string": new}}, msg)
        c.result(when[:-3] + "900", tid, f"The file {path} has been updated.",
                 {"filePath": str(path), "oldString": old, "newString": new, "originalFile": before,
                  "structuredPatch": structured_patch(before, after), "userModified": False, "replaceAll": False})
    # A subagent looks for the tests.
    c.assistant("09:05:25.000", {"type": "tool_use", "id": "toolu_demo04", "name": "Agent",
                                 "input": {"description": "Find the cart tests", "subagent_type": "Explore",
                                           "prompt": "Which test files cover shop/cart.py?"}}, "04")
    spawn_line = c.last
    sub = _subagent(cwd, str(Path(cwd) / "tests" / "test_cart.py"))
    c.result("09:05:41.000", "toolu_demo04", "tests/test_cart.py covers total(); nothing covers the new helpers.",
             {"status": "completed", "prompt": "Which test files cover shop/cart.py?", "agentId": CLAUDE_AGENT,
              "agentType": "Explore", "content": [{"type": "text", "text": "tests/test_cart.py covers total()."}],
              "totalDurationMs": 16000, "totalTokens": 5400, "totalToolUseCount": 2})
    del spawn_line
    answer = c.assistant("09:05:45.000", {"type": "text", "text": "Added `apply_discount` and `format_price`. "
                                          "Only `total` has a test so far."}, "05")
    # The user asks for coupons, reads the answer, then rewinds and asks for something else instead.
    c.user("09:06:30.000", "Also support coupon codes.", parent=answer)
    c.assistant("09:06:34.000", {"type": "text", "text": "Coupons need a table of codes; shall I add one?"}, "06")
    c.user("09:07:10.000", "Skip coupons. Keep the old total around as legacy_total for callers.", parent=answer)
    c.assistant("09:07:14.000", {"type": "tool_use", "id": "toolu_demo07", "name": "Edit",
                                 "input": {"file_path": str(path),
                                           "old_string": '    return "$" + str(amount)\n',
                                           "new_string": '    return "$" + str(amount)\n' + R.LEGACY}}, "07")
    c.result("09:07:14.600", "toolu_demo07", f"The file {path} has been updated.",
             {"filePath": str(path), "oldString": '    return "$" + str(amount)\n',
              "newString": '    return "$" + str(amount)\n' + R.LEGACY, "originalFile": R.CART_2,
              "structuredPatch": structured_patch(R.CART_2, R.CART_3), "userModified": False, "replaceAll": False})
    c.assistant("09:07:20.000", {"type": "tool_use", "id": "toolu_demo08", "name": "Bash",
                                 "input": {"command": "python -m pytest -q", "description": "Run the tests"}}, "08")
    c.result("09:07:23.400", "toolu_demo08", ".\n1 passed in 0.02s",
             {"stdout": ".\n1 passed in 0.02s", "stderr": "", "interrupted": False, "isImage": False})
    before_compact = c.last
    boundary = c._base("system", "09:20:00.000", None, subtype="compact_boundary", content="Conversation compacted",
                       isMeta=False, level="info", logicalParentUuid=before_compact,
                       compactMetadata={"trigger": "manual", "preTokens": 48210})
    c._base("user", "09:20:00.500", boundary["uuid"], isCompactSummary=True, isVisibleInTranscriptOnly=True,
            message={"role": "user", "content": "This session is being continued from a previous conversation "
                     "that ran out of context. Summary: the cart gained apply_discount, format_price and "
                     "legacy_total; the one test passes."})
    c.user("09:21:00.000", "Commit it.")
    c.assistant("09:21:03.000", {"type": "tool_use", "id": "toolu_demo09", "name": "Bash",
                                 "input": {"command": "git commit -am 'Cart: discounts, price formatting'"}}, "09")
    c.result("09:21:03.700", "toolu_demo09", "[main 4b1e2c9] Cart: discounts, price formatting",
             {"stdout": "[main 4b1e2c9] Cart: discounts, price formatting", "stderr": "", "interrupted": False,
              "isImage": False})
    c.assistant("09:21:06.000", {"type": "text", "text": "Committed."}, "10")
    slug = "".join(ch if ch.isalnum() else "-" for ch in cwd)
    folder = root / "projects" / slug
    main = folder / f"{CLAUDE_SESSION}.jsonl"
    _dump(main, c.lines)
    sub_path = folder / CLAUDE_SESSION / "subagents" / f"agent-{CLAUDE_AGENT}.jsonl"
    _dump(sub_path, sub)
    meta = sub_path.with_name(f"agent-{CLAUDE_AGENT}.meta.json")
    meta.write_bytes(orjson.dumps({"agentType": "Explore", "description": "Find the cart tests"}))
    return [main, sub_path, meta]


def _subagent(cwd: str, test_path: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    parent = None
    for n, (kind, when, message, extra) in enumerate([
        ("user", "09:05:26.000", {"role": "user", "content": "Which test files cover shop/cart.py?"}, {}),
        ("assistant", "09:05:29.000", {"id": "msg_demosub1", "type": "message", "role": "assistant",
                                       "model": "claude-haiku-4-5", "stop_reason": None, "stop_sequence": None,
                                       "content": [{"type": "tool_use", "id": "toolu_demosub1", "name": "Glob",
                                                    "input": {"pattern": "tests/**/*.py"}}],
                                       "usage": {"input_tokens": 900, "output_tokens": 40,
                                                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 3000}},
         {"requestId": "req_demosub1"}),
        ("user", "09:05:29.400", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_demosub1",
                                                               "content": test_path}]},
         {"toolUseResult": {"filenames": [test_path], "durationMs": 12, "numFiles": 1, "truncated": False}}),
        ("assistant", "09:05:40.000", {"id": "msg_demosub2", "type": "message", "role": "assistant",
                                       "model": "claude-haiku-4-5", "stop_reason": "end_turn", "stop_sequence": None,
                                       "content": [{"type": "text", "text": "tests/test_cart.py covers total()."}],
                                       "usage": {"input_tokens": 1000, "output_tokens": 30,
                                                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 3400}},
         {"requestId": "req_demosub2"}),
    ], 1):
        uid = f"5ab0d0e0-0000-4000-8000-{n:012d}"
        rec = {"parentUuid": parent, "isSidechain": True, "userType": "external", "cwd": cwd,
               "sessionId": CLAUDE_SESSION, "version": "2.1.90", "gitBranch": "main", "agentId": CLAUDE_AGENT,
               "type": kind, "message": message, "uuid": uid, "timestamp": f"2026-01-12T{when}Z",
               **cast(dict[str, Any], extra)}
        lines.append(rec)
        parent = uid
    return lines


# -- Codex CLI ---------------------------------------------------------------------------------


def codex_session(root: Path, cwd: str) -> list[Path]:
    lines: list[dict[str, Any]] = []

    def put(when: str, kind: str, payload: dict[str, Any]) -> None:
        lines.append({"timestamp": f"2026-01-13T{when}Z", "type": kind, "payload": payload})

    put("10:00:00.000", "session_meta", {
        "id": CODEX_SESSION, "timestamp": "2026-01-13T10:00:00.000Z", "cwd": cwd, "originator": "codex_cli_rs",
        "cli_version": "0.98.0", "instructions": None, "source": "cli", "model_provider": "openai",
        "git": {"commit_hash": "0000000000000000000000000000000000000000", "branch": "main"},
    })
    put("10:00:00.100", "turn_context", {"cwd": cwd, "approval_policy": "on-request",
                                         "sandbox_policy": {"type": "workspace-write"}, "model": "gpt-5-codex",
                                         "effort": "medium", "summary": "auto"})
    put("10:00:01.000", "response_item", {"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": f"<environment_context>\n  <cwd>{cwd}</cwd>\n</environment_context>"}]})
    prompt = "Add sales tax by region in a new shop/tax.py module."
    put("10:00:01.000", "response_item", {"type": "message", "role": "user",
                                          "content": [{"type": "input_text", "text": prompt}]})
    put("10:00:01.000", "event_msg", {"type": "user_message", "message": prompt, "images": []})
    put("10:00:05.000", "response_item", {"type": "reasoning", "summary": [
        {"type": "summary_text", "text": "**Planning a tax module**\n\nA rates table and one function."}],
        "content": None, "encrypted_content": "gAAAA-demo"})
    put("10:00:05.000", "event_msg", {"type": "agent_reasoning", "text": "**Planning a tax module**"})
    tax_patch = "*** Begin Patch\n*** Add File: shop/tax.py\n" + "".join(
        "+" + line + "\n" for line in R.TAX.splitlines()) + "*** End Patch\n"
    put("10:00:12.000", "response_item", {"type": "custom_tool_call", "status": "completed", "call_id": "call_demo1",
                                          "name": "apply_patch", "input": tax_patch})
    put("10:00:12.400", "response_item", {"type": "custom_tool_call_output", "call_id": "call_demo1",
                                          "output": "Success. Updated the following files:\nA shop/tax.py\n"})
    debug_patch = ("*** Begin Patch\n*** Update File: shop/cart.py\n@@\n"
                   " def legacy_total(items):\n     return total(items)\n+\n+\n+def debug_dump(items):\n"
                   "+    print(items)\n*** End Patch\n")
    put("10:00:20.000", "response_item", {"type": "custom_tool_call", "status": "completed", "call_id": "call_demo2",
                                          "name": "apply_patch", "input": debug_patch})
    put("10:00:20.300", "response_item", {"type": "custom_tool_call_output", "call_id": "call_demo2",
                                          "output": "Success. Updated the following files:\nM shop/cart.py\n"})
    put("10:00:25.000", "response_item", {"type": "function_call", "name": "exec_command", "call_id": "call_demo3",
                                          "arguments": orjson.dumps({"cmd": "python -m pytest -q", "workdir": cwd,
                                                                     "yield_time_ms": 10000}).decode()})
    put("10:00:27.100", "response_item", {"type": "function_call_output", "call_id": "call_demo3",
                                          "output": "Chunk ID: 1a2b\nWall time: 2.1 seconds\nProcess exited with "
                                                    "code 0\nOriginal token count: 12\nOutput:\n.\n1 passed in 0.02s\n"
                                                    + DEMO_LEAKS})
    put("10:00:27.200", "event_msg", {"type": "token_count", "info": {
        "total_token_usage": {"input_tokens": 21000, "cached_input_tokens": 16000, "output_tokens": 900,
                              "reasoning_output_tokens": 300, "total_tokens": 21900},
        "last_token_usage": {"input_tokens": 7000, "cached_input_tokens": 6000, "output_tokens": 200,
                             "reasoning_output_tokens": 64, "total_tokens": 7200},
        "model_context_window": 272000}, "rate_limits": None})
    answer = "Added shop/tax.py with `with_tax(amount, region)`, plus a `debug_dump` helper in the cart."
    put("10:00:30.000", "response_item", {"type": "message", "role": "assistant",
                                          "content": [{"type": "output_text", "text": answer}]})
    put("10:00:30.000", "event_msg", {"type": "agent_message", "message": answer})
    path = root / "sessions" / "2026" / "01" / "13" / f"rollout-2026-01-13T10-00-00-{CODEX_SESSION}.jsonl"
    _dump(path, lines)
    return [path]


# -- Pi --------------------------------------------------------------------------------------


def pi_session(root: Path, cwd: str) -> list[Path]:
    lines: list[dict[str, Any]] = [{"type": "session", "version": 3, "id": PI_SESSION,
                                    "timestamp": "2026-01-14T14:00:00.000Z", "cwd": cwd}]
    counter = [0]

    def entry(when: str, kind: str, parent: str | None, **fields: Any) -> str:
        counter[0] += 1
        eid = f"{0x7a000000 + counter[0]:08x}"
        lines.append({"type": kind, "id": eid, "parentId": parent, "timestamp": f"2026-01-14T{when}Z", **fields})
        return eid

    def usage(i: int, o: int) -> dict[str, Any]:
        return {"input": i, "output": o, "cacheRead": 0, "cacheWrite": 0, "totalTokens": i + o,
                "cost": {"input": 0.001, "output": 0.002, "cacheRead": 0, "cacheWrite": 0, "total": 0.003}}

    def assistant(when: str, parent: str, content: list, stop: str = "stop", model: str = "claude-sonnet-4-5") -> str:
        return entry(when, "message", parent, message={
            "role": "assistant", "content": content, "api": "anthropic-messages", "provider": "anthropic",
            "model": model, "usage": usage(3000, 150), "stopReason": stop, "timestamp": 0})

    readme = str(Path(cwd) / "README.md")
    model = entry("14:00:00.100", "model_change", None, provider="anthropic", modelId="claude-sonnet-4-5")
    u1 = entry("14:00:01.000", "message", model, message={"role": "user", "content": "Document the cart in the README.",
                                                           "timestamp": 0})
    a1 = assistant("14:00:06.000", u1, [{"type": "thinking", "thinking": "A short section naming the functions."},
                                        {"type": "toolCall", "id": "toolu_pidemo1", "name": "read",
                                         "arguments": {"path": readme}}], stop="toolUse")
    r1 = entry("14:00:06.200", "message", a1, message={"role": "toolResult", "toolCallId": "toolu_pidemo1",
                                                       "toolName": "read",
                                                       "content": [{"type": "text", "text": R.README_0}],
                                                       "isError": False, "timestamp": 0})
    old, new = "A tiny shop used by the tracetui demo.\n", R.README_PI[len("# demo-shop\n\n"):]
    a2 = assistant("14:00:12.000", r1, [{"type": "toolCall", "id": "toolu_pidemo2", "name": "edit",
                                         "arguments": {"path": readme, "oldText": old, "newText": new}}],
                   stop="toolUse")
    r2 = entry("14:00:12.300", "message", a2, message={
        "role": "toolResult", "toolCallId": "toolu_pidemo2", "toolName": "edit",
        "content": [{"type": "text", "text": f"Successfully replaced text in {readme}."}],
        "details": {"diff": "  1 # demo-shop\n  2 \n  3 A tiny shop used by the tracetui demo.\n+ 4 \n+ 5 ## Cart\n+ 6 \n"
                            "+ 7 `total`, `apply_discount` and `format_price` live in `shop/cart.py`.",
                    "firstChangedLine": 4},
        "isError": False, "timestamp": 0})
    a3 = assistant("14:00:15.000", r2, [{"type": "text", "text": "The README now has a Cart section."}])
    # A branch: the user asked for a changelog, then went back in /tree and asked for a summary.
    u2 = entry("14:01:00.000", "message", a3, message={"role": "user", "content": "Add a CHANGELOG too.",
                                                        "timestamp": 0})
    assistant("14:01:04.000", u2, [{"type": "text", "text": "Which release should the first entry name?"}])
    entry("14:02:00.000", "compaction", a3, summary="The README gained a Cart section; nothing was committed.",
          firstKeptEntryId=a3, tokensBefore=9100)
    entry("14:02:01.000", "model_change", lines[-1]["id"], provider="anthropic", modelId="claude-haiku-4-5")
    u3 = entry("14:02:05.000", "message", lines[-1]["id"], message={
        "role": "user", "content": "Summarise what changed, in one line.", "timestamp": 0})
    assistant("14:02:07.000", u3, [{"type": "text", "text": "README: new Cart section (not committed yet)."}],
              model="claude-haiku-4-5")
    slug = "--" + cwd.strip("/").replace("/", "-").replace("\\", "-").replace(":", "-") + "--"
    path = root / "sessions" / slug / f"2026-01-14T14-00-00-000Z_{PI_SESSION}.jsonl"
    _dump(path, lines)
    return [path]
