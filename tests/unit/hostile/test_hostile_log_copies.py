"""A reader that copies a whole log to ask one thing of it holds the log twice (found 2026-11-28):
OpenCode's asked whether a log was blank of `data.strip()`, a copy of it all; Claude Code's looked
for the working folder a subagent's transcript names in `data.splitlines()`, every line at once;
Gemini CLI's asked whether a `.json` log that is not one document opens an object of `data.lstrip()`.
Each test reads the same log with few and with many lines: the peak of what was allocated may grow
by only a few bytes a line."""

from __future__ import annotations

import tracemalloc

from shared_data import FIXTURES

from tracetui.sources import RawLog, registry


def _peak(agent: str, main: RawLog, companions: list[RawLog]) -> int:
    tracemalloc.start()
    try:
        registry.get(agent).read(main, companions)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _grown(agent: str, log: str, base: bytes, line: bytes, companion: str | None = None) -> float:
    """What the peak grows by a line, read with 20,000 and with 60,000 lines after `base`."""
    def read(n: int) -> int:
        data = base + line * n
        if companion is None:
            return _peak(agent, RawLog(log, data), [])
        return _peak(agent, RawLog(log, b""), [RawLog(companion, data)])

    read(10)  # the reader's modules loaded, its caches filled
    return (read(60_000) - read(20_000)) / 40_000


def test_opencode_asks_whether_a_log_is_blank_without_copying_it():
    log = FIXTURES / "opencode" / "entire_lines.jsonl"
    # Before: some 100 bytes a line of 100 (a copy of the log).
    assert _grown("opencode", str(log), log.read_bytes(), b"[" + b" " * 98 + b"]\n") < 10


def test_claude_looks_for_a_subagent_s_folder_a_line_at_a_time():
    folder = "/home/dev/.claude/projects/-home-dev-shop"
    main, companion = f"{folder}/s1.jsonl", f"{folder}/s1/subagents/agent-a1.jsonl"
    line = b'{"type": "k", "note": "' + b"x" * 70 + b'"}\n'  # no cwd: each line is looked at
    # Before: some 140 bytes a line of 96 (each line a bytes object, all of them at once).
    assert _grown("claude", main, b"", line, companion) < 10


def test_gemini_asks_whether_a_json_log_opens_an_object_without_copying_it():
    log = "/home/dev/.gemini/tmp/garden/chats/session-2026-05-01T10-00-5e0c1a2b.json"
    # Lines, not one document, after a blank: `data.lstrip()` copied them all (some 20 bytes a line).
    assert _grown("gemini", log, b" \n", b'{"type": "t", "id": "1"}\n') < 2
