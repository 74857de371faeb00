"""Records a reader drops, by the tens of thousands: Pi's reader kept a link for every entry that
makes no step (100 to 150 bytes each), and Gemini's every message of that kind by id (300 to 600), so
a log of millions of them took either to 1 GB and more (found 2026-11-28). Pi keeps the latest
10,000 to 20,000 links now, and Gemini the first 10,000 such messages by id, the rest counted where
they stand; Copilot CLI kept every event's time. Each test reads the same log with many and with
twice as many, and the peak of what was allocated may grow by only a few bytes a record. What is no
longer kept is said, once."""

from __future__ import annotations

import importlib
import tracemalloc

import pytest
from shared_data import FIXTURES

from tracetui.sources import RawLog, registry

COPILOT = FIXTURES / "copilot" / "session-state" / "3c4d5e6f-4444-4d4d-9e9e-112233445566"
LOGS = {
    "pi": FIXTURES / "pi" / "v3_tree.jsonl",
    "gemini": FIXTURES / "gemini" / "tmp" / "garden" / "chats" / "session-2026-05-01T10-00-5e0c1a2b.jsonl",
    "copilot": COPILOT / "events.jsonl",
}
FEW = 30_000  # past the 10,000 to 20,000 either keeps
CAPS = [("tracetui.sources.pi.links", "MAX_KEPT"), ("tracetui.sources.gemini.replay", "MAX_HELD")]


def _tiny(n: int) -> bytes:
    return b"".join(b'{"type": "t", "id": "%d"}\n' % k for k in range(n))


def _kinds(n: int) -> bytes:
    line = b'{"type": "k%d", "timestamp": "2026-01-01T00:00:%02dZ", "id": "x%d"}\n'
    return b"".join(line % (k, k % 60, k) for k in range(n))


def _peak(agent: str, data: bytes) -> int:
    tracemalloc.start()
    try:
        registry.get(agent).read(RawLog(str(LOGS[agent]), data), [])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("agent", "make"), [(a, m) for a in sorted(LOGS) for m in (_tiny, _kinds)
                                             if (a, m) != ("copilot", _tiny)])  # fmt: skip
def test_what_a_reader_keeps_of_records_it_drops_stops_growing(agent, make, monkeypatch):
    # Before: Pi 107 bytes a tiny record and 119 one of a kind of its own, Gemini 290 and 612; Copilot
    # CLI's every event's time, 90 bytes one of a kind of its own.
    for name, cap in CAPS:
        try:  # lowered, so a few thousand records are past it (tracemalloc is slow); absent before
            monkeypatch.setattr(importlib.import_module(name), cap, 1_000, raising=False)
        except ImportError:
            pass
    few, many = 5_000, 12_000
    base = LOGS[agent].read_bytes().rstrip(b"\n") + b"\n"
    _peak(agent, base + make(few))  # the reader's modules loaded, its caches filled
    assert (_peak(agent, base + make(many)) - _peak(agent, base + make(few))) / (many - few) < 10


def test_gemini_counts_the_messages_it_no_longer_keeps_and_says_so():
    base = LOGS["gemini"].read_bytes().rstrip(b"\n") + b"\n"
    alone = registry.get("gemini").read(RawLog(str(LOGS["gemini"]), base), [])
    late = b'{"type": "k", "timestamp": "2099-01-01T00:00:00Z", "id": "late"}\n'
    session = registry.get("gemini").read(RawLog(str(LOGS["gemini"]), base + _kinds(FEW) + late), [])
    assert sum(session.skipped.values()) - sum(alone.skipped.values()) == FEW + 1
    assert session.ended == "2099-01-01T00:00:00Z"  # a message not kept by id still has its time
    assert [s.to_dict() for s in session.steps] == [s.to_dict() for s in alone.steps]
    said = [e for e in session.errors if "ids are not kept" in e.error]
    assert len(said) == 1 and said[0].recovered and said[0].line == base.count(b"\n") + 10_001


def test_pi_still_leads_a_chain_of_many_dropped_entries_on_and_says_when_a_link_is_gone():
    # Every entry under the one before it (Pi's own way): the last message's parent is the first's,
    # through 30,000 entries without steps. One branching from the first of them reads as a root.
    head = b'{"type": "session", "version": 3, "id": "S", "timestamp": "2026-01-01T00:00:00Z"}\n'
    user = b'{"type": "message", "id": "%s", "parentId": %s, "message": {"role": "user", "content": "%s"}}\n'
    label = b'{"type": "label", "id": "k%d", "parentId": "%s"}\n'
    chain = b"".join(label % (n, b"a" if n == 0 else b"k%d" % (n - 1)) for n in range(FEW))
    data = head + user % (b"a", b"null", b"one") + chain + user % (b"b", b'"k%d"' % (FEW - 1), b"two")
    session = registry.get("pi").read(RawLog("p.jsonl", data), [])
    steps = {s.text: s for s in session.steps}
    assert steps["two"].parent == steps["one"].id and steps["one"].active
    assert not session.errors
    session = registry.get("pi").read(RawLog("p.jsonl", data + user % (b"c", b'"k0"', b"three")), [])
    steps = {s.text: s for s in session.steps}
    assert steps["three"].parent is None and not steps["one"].active
    said = [e for e in session.errors if "links are not kept" in e.error]
    assert len(said) == 1 and said[0].recovered and said[0].line == FEW + 4


def test_gemini_s_messages_not_kept_still_stand_where_they_were_written():
    # Past the 10,000 kept, a message without a step took a pending compaction as it always did, and
    # a history set again that left it out left the next message under the message before it: the
    # steps are those of the log whose such messages are all kept.
    def log(held: int) -> bytes:
        lines = [b'{"type": "k", "id": "h%d"}' % n for n in range(held)]
        lines += [b'{"type": "user", "id": "A", "content": "one"}',
                  b'{"$set": {"messages": [{"type": "user", "id": "B", "content": "sum"}]}}',
                  b'{"type": "k", "id": "M"}', b'{"$set": {"messages": [{"type": "user", "id": "A"}]}}',
                  b'{"type": "user", "id": "N", "content": "two"}']  # fmt: skip
        return LOGS["gemini"].read_bytes().rstrip(b"\n") + b"\n" + b"\n".join(lines) + b"\n"

    def steps(held: int) -> list[tuple[str, str | None, bool]]:
        session = registry.get("gemini").read(RawLog(str(LOGS["gemini"]), log(held)), [])
        base = LOGS["gemini"].read_bytes().rstrip(b"\n").count(b"\n") + 1
        at = f"@L{base + held + 2}"  # the compaction's line, which the numbers of lines before it move
        return [(s.id.replace(at, ""), (s.parent or "").replace(at, ""), s.active) for s in session.steps]

    assert steps(10_000) == steps(9_000)
