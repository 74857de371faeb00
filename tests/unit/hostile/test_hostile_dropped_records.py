"""Records a reader drops, in a hostile log: values nested near the depth limit, records of kinds the
reader does not know, huge ones, tiny ones. Pi's reader held every record it read, and Gemini's every
message, until the session was built: 200 MB of such lines took either to 1.6 to 2 GB (found
2026-11-28). What a reader keeps of a record it drops now is a compact form (Pi: its key and where
its children go on to; Gemini: a message's id, type and time), never its body: each test reads the
same log with few and with many such records, and the peak of what was allocated may grow by only
so much a record. Also: a resumed Pi read past MAX_LINE_ERRORS counted a torn last line twice."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.model import MAX_LINE_ERRORS
from tracetui.sources import RawLog, registry

LOGS = {
    "pi": FIXTURES / "pi" / "v3_tree.jsonl",
    "gemini": FIXTURES / "gemini" / "tmp" / "garden" / "chats" / "session-2026-05-01T10-00-5e0c1a2b.jsonl",
}
DEEP = b'{"a": ' + b"[" * 1100 + b"]" * 1100 + b"}\n"
BLOB = 200_000


def _kinds(n: int) -> bytes:
    line = b'{"type": "k%d", "timestamp": "2026-01-01T00:00:00Z", "uuid": "u%d", "id": "i%d", "content": ""}\n'
    return b"".join(line % (k, k, k) for k in range(n))


def _tiny(n: int) -> bytes:
    return b"".join(b'{"type": "t", "id": "%d"}\n' % k for k in range(n))


def _huge(n: int) -> bytes:
    line = b'{"type": "h%d", "id": "h%d", "timestamp": "2026-01-01T00:00:00Z", "content": "", "blob": "%s"}\n'
    return b"".join(line % (k, k, b"x" * BLOB) for k in range(n))


def _peak(agent: str, data: bytes) -> int:
    tracemalloc.start()
    try:
        registry.get(agent).read(RawLog(str(LOGS[agent]), data), [])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# (agent, what, few, many, the most the peak may grow by a record). Before: Pi 13,400 bytes a deep
# line, 770 a record of its own kind, 560 a tiny one; Gemini 470 to 520 a tiny one (its replay's maps
# of each message are some 290 of them); a huge record's whole size (Pi and Gemini).
CASES = [
    ("pi", DEEP.__mul__, 30, 90, 1_000),
    ("pi", _kinds, 2_000, 6_000, 350),
    ("pi", _tiny, 2_000, 6_000, 300),
    ("pi", _huge, 2, 12, BLOB // 20),
    ("gemini", _huge, 2, 12, BLOB // 20),
    ("gemini", _tiny, 2_000, 6_000, 400),
    ("gemini", DEEP.__mul__, 30, 90, 1_000),
]


@pytest.mark.parametrize(("agent", "make", "few", "many", "most"), CASES)
def test_a_dropped_record_costs_a_compact_form_not_its_body(agent, make, few, many, most):
    base = LOGS[agent].read_bytes().rstrip(b"\n") + b"\n"
    _peak(agent, base + make(3))  # the reader's modules loaded, its caches filled
    grown = _peak(agent, base + make(many)) - _peak(agent, base + make(few))
    assert grown / (many - few) < most


def test_pi_s_read_keeps_the_log_whole_not_a_copy_of_it():
    # Whether a log was OpenClaw's trace was asked of `data.split(b"\n", 1)[0]`: a copy of the rest.
    base = LOGS["pi"].read_bytes().rstrip(b"\n") + b"\n"
    _peak("pi", base)
    pad = (b" " * 999 + b"\n") * 4_000  # 4 MB of blank lines: read, and nothing kept
    assert _peak("pi", base + pad) - _peak("pi", base) < 1_000_000


def test_claude_s_agent_id_is_looked_for_without_a_copy_of_the_log():
    # The agent id of a subagent's transcript was looked for in `data.split(b"\n", 20)`: its last piece
    # a copy of all but the first 20 lines.
    path = FIXTURES / "claude" / "projects" / "-home-dev-shop" / "agent-abc1234.jsonl"
    base = path.read_bytes().rstrip(b"\n") + b"\n"

    def peak(data: bytes) -> int:
        tracemalloc.start()
        try:
            registry.get("claude").read(RawLog(str(path), data), [])
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(base)
    pad = (b" " * 999 + b"\n") * 4_000  # 4 MB of blank lines: read, and nothing kept
    assert peak(base + pad) - peak(base) < 1_000_000


def test_a_resumed_pi_read_past_the_cap_counts_a_torn_last_line_once():
    # The snapshot kept the count of every unreadable line once MAX_LINE_ERRORS were listed, the
    # torn last line's too, which the resumed read read again.
    pi = registry.get("pi")
    assert pi.resume is not None
    base = LOGS["pi"].read_bytes().rstrip(b"\n") + b"\n"
    for bad in (10, MAX_LINE_ERRORS + 5):
        torn = base + b"[]\n" * bad + b'{"type": "message", "tor'
        _, state = pi.resume(None, RawLog("p.jsonl", torn), [])
        assert state is not None
        for grown in (torn, torn + b'n"}\n', torn + b"n\n[]\n"):
            whole = pi.read(RawLog("p.jsonl", grown), [])
            resumed, _ = pi.resume(state, RawLog("p.jsonl", grown), [])
            assert [e.to_dict() for e in resumed.errors] == [e.to_dict() for e in whole.errors]
            assert resumed.to_dict() == whole.to_dict()


def test_pi_entries_without_steps_still_lead_on_to_their_parents(tmp_path: Path):
    # Entries that make no step are kept only as links: a chain through them, an id used again, a
    # cycle, and a v1 compaction naming one by its place read as when every entry was kept.
    def log(*records: str) -> bytes:
        return "\n".join(records).encode() + b"\n"

    head = '{"type": "session", "version": 3, "id": "S", "timestamp": "2026-01-01T00:00:00Z"}'
    user = '{"type": "message", "id": "%s", "parentId": %s, "message": {"role": "user", "content": "%s"}}'
    odd = '{"type": "kx", "id": "%s", "parentId": %s}'
    data = log(head, user % ("a", "null", "one"), odd % ("k", '"a"'), odd % ("j", '"k"'), user % ("b", '"j"', "two"),
               odd % ("k", '"b"'), user % ("c", '"k"', "three"), odd % ("x", '"y"'), odd % ("y", '"x"'),
               user % ("d", '"y"', "four"))  # fmt: skip
    session = registry.get("pi").read(RawLog("p.jsonl", data), [])
    steps = {s.text: s for s in session.steps}
    assert steps["two"].parent == steps["one"].id  # through k and j
    assert steps["three"].parent == steps["one"].id  # k again is k@L6: c's parent k is the first
    assert steps["four"].parent is None and steps["four"].active
    assert not steps["one"].active
    v1 = log('{"type": "session", "version": 1, "timestamp": "2026-01-01T00:00:00Z"}',
             '{"type": "message", "message": {"role": "user", "content": "hi"}}', '{"type": "kx"}',
             '{"type": "compaction", "summary": "s", "firstKeptEntryIndex": 2}')  # fmt: skip
    session = registry.get("pi").read(RawLog("p.jsonl", v1), [])
    assert [s.meta.get("first_kept_entry_id") for s in session.steps if s.kind == "compaction"] == ["L3"]
