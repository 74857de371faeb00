"""An OpenClaw trajectory event whose `type` is an object or a list, found by structural fuzzing
(2026-11-28): looked up among the known types, it raised TypeError (unhashable) and cost the whole
session; it is now counted as an event of no type, and the other events are read."""

from __future__ import annotations

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.sources import RawLog, registry

TRACE = FIXTURES / "pi" / "cccccccc-aaaa-4bbb-8ccc-00000000000c.trajectory.jsonl"


@pytest.mark.parametrize("odd", [{}, [], [1], {"a": 1}])
def test_an_event_whose_type_is_not_text_is_skipped_and_the_rest_read(odd):
    lines = TRACE.read_bytes().splitlines()
    plain = registry.get("pi").read(RawLog(str(TRACE), TRACE.read_bytes()), [])
    last = orjson.loads(lines[-1])
    last["type"] = odd
    lines.append(orjson.dumps(last))
    session = registry.get("pi").read(RawLog(str(TRACE), b"\n".join(lines) + b"\n"), [])
    assert [(s.kind, s.text) for s in session.steps] == [(s.kind, s.text) for s in plain.steps]
    assert session.skipped.get("trajectory/(no type)") == 1
