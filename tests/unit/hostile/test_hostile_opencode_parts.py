"""An OpenCode log of many parts of kinds the reader makes nothing of. The reader takes parts in the
order of their ids, not the log's, so it held every one whole until the session was built: some 460
bytes a part, 584 MB of RSS for 200 MB of them (found 2026-11-28, `bench/bench_bad_lines.py`). It
holds a stub of each now (ids and type: all it reads of them), MAX_HELD of them, and counts the rest
as it reads them, saying so once; the counts still sum."""

from __future__ import annotations

import tracemalloc

import orjson
from shared_data import ROOT

from tracetui.sources import RawLog, registry

LOG = ROOT / "tests" / "fixtures" / "opencode" / "entire_lines.jsonl"
MANY = 25_000  # past the cap (10,000) twice over


def _parts(many: int, blob: int) -> bytes:
    """`many` parts of kinds of their own (`k<n>`, a hundred kinds) in the log's first message."""
    info = orjson.loads(LOG.read_bytes().split(b"\n")[0])["info"]
    line = {"info": info, "parts": [{"id": "", "messageID": info["id"], "type": "", "blob": "x" * blob}]}
    out = bytearray()
    for n in range(many):
        line["parts"][0].update(id=f"p{n:06d}", type=f"k{n % 100}")
        out += orjson.dumps(line) + b"\n"
    return bytes(out)


def _read(data: bytes):
    return registry.get("opencode").read(RawLog(str(LOG), data), [])


def test_parts_of_kinds_the_reader_skips_are_counted_and_held_within_a_bound():
    base = LOG.read_bytes()
    alone = _read(base)
    data = base + _parts(MANY, 200)
    tracemalloc.start()
    try:
        session = _read(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20, peak  # 19 MB before (every part held whole), 6 MB now
    skipped = {k: v for k, v in session.skipped.items() if k.startswith("part/k")}
    assert sum(skipped.values()) == MANY and skipped["part/k7"] == MANY // 100
    notes = [e for e in session.errors if "parts of kinds this reader makes nothing of" in e.error]
    assert len(notes) == 1 and notes[0].recovered and "15,000 more" in notes[0].error
    assert [s.to_dict() for s in session.steps] == [s.to_dict() for s in alone.steps]


def test_a_few_such_parts_read_as_before_and_the_stage_keeps_them_whole():
    from tracetui.model import LineErrors
    from tracetui.sources.opencode.objects import Objects, load_objects

    data = LOG.read_bytes() + _parts(50, 10)
    session = _read(data)
    assert sum(v for k, v in session.skipped.items() if k.startswith("part/k")) == 50
    assert not [e for e in session.errors if "makes nothing of" in e.error]
    whole = Objects()  # as the stage and the writer read: every part as it was written
    load_objects(RawLog(str(LOG), data), whole, LineErrors())
    assert whole.parts["p000049"]["blob"] == "x" * 10
