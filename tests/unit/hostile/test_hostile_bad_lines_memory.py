"""A log of many bad lines (a torn object, a line that is no object, two entries on one line) read by
each reader: every reader kept an error a line as it read, whatever was capped after, and 200 MB of
such lines took a reader to 0.6 GB and more (found 2026-11-28). Each collects them in a `LineErrors`
now: the first MAX_LINE_ERRORS listed, the rest counted, so the counts still sum to the bad lines.
A resumed read (the JSONL readers' snapshots) keeps the count too. The kinds of record a reader
skips are the log's own names, one a line if it likes: past MAX_SKIPPED_KINDS they are counted in one."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path

import orjson
import pytest

from shared_data import ROOT
from tracetui.model import MAX_LINE_ERRORS, LineError, Session
from tracetui.sources import RawLog, registry


def _bench_logs() -> dict[str, Path]:
    """Each agent's fixture log, as the bench of bad lines reads it (one table for both)."""
    spec = importlib.util.spec_from_file_location("bench_bad_lines", ROOT / "bench" / "bench_bad_lines.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.LOGS)


LOGS = _bench_logs()
BAD = MAX_LINE_ERRORS + 5_000  # of each kind
LOST = [b"[]", b'{"type": "user", "message": "torn']
ODD = b'{"type": "x", "id": "1", "timestamp": NaN}'  # read in full by Python's parser: said, not lost


def _counts(errors: list[LineError]) -> tuple[int, int]:
    return sum(e.count for e in errors if not e.recovered), sum(e.count for e in errors if e.recovered)


def _hostile(agent: str) -> tuple[bytes, tuple[int, int]]:
    """The agent's fixture log with BAD lines of each kind after it, and the counts its own errors
    have (lost, odd) read alone."""
    base = LOGS[agent].read_bytes().rstrip(b"\n") + b"\n"
    alone = registry.get(agent).read(RawLog(str(LOGS[agent]), base), [])
    return base + b"".join(line + b"\n" for line in [*LOST, ODD] for _ in range(BAD)), _counts(alone.errors)


@pytest.mark.parametrize("agent", sorted(LOGS))
def test_each_reader_lists_the_first_bad_lines_and_counts_the_rest(agent):
    data, (lost, odd) = _hostile(agent)
    session = registry.get(agent).read(RawLog(str(LOGS[agent]), data), [])  # the reader's own, uncapped after
    assert len(session.errors) <= MAX_LINE_ERRORS + 2
    got_lost, got_odd = _counts(session.errors)
    # OpenCode's reader also says the odd line's object is none of its own: read, and not used.
    assert got_lost - lost == (3 if agent == "opencode" else 2) * BAD
    assert got_odd - odd == BAD
    assert session.steps, "the log's own records are still read"


@pytest.mark.parametrize("agent", ["claude", "codex", "pi"])
def test_a_resumed_read_keeps_the_count(agent):
    data, _ = _hostile(agent)
    whole = registry.get(agent).read(RawLog(str(LOGS[agent]), data), [])
    resume = registry.get(agent).resume
    assert resume is not None
    half = data.index(b"\n", len(data) // 2) + 1
    _, state = resume(None, RawLog(str(LOGS[agent]), data[:half]), [])
    assert state is not None
    session, _ = resume(state, RawLog(str(LOGS[agent]), data), [])
    assert len(session.errors) <= MAX_LINE_ERRORS + 2
    assert _counts(session.errors) == _counts(whole.errors)


def test_the_collector_keeps_its_cap_however_it_is_given_errors():
    from tracetui.model import LineErrors  # imported here: the readers' tests above run on any version
    errors = LineErrors(most=3)
    errors.extend(LineError("p", n, "bad") for n in range(1, 6))
    errors.append(LineError("p", 6, "odd", True))
    errors.insert(0, LineError("p", 0, "header"))
    assert [e.line for e in errors[:3]] == [0, 1, 2]
    assert [(e.count, e.recovered) for e in errors[3:]] == [(3, False), (1, True)]
    assert errors[3].error == "and 3 more lines or files not read"  # line 3 too, past the header
    again = pickle.loads(pickle.dumps(errors))  # to a sync's worker and back
    assert isinstance(again, LineErrors) and again == errors
    again.append(LineError("p", 7, "bad"))
    assert len(again) == 5 and again[3].count == 4
    more = LineErrors(errors, most=3)  # a capped list gathered into another keeps its counts
    more.extend(errors)
    assert _counts(more) == (12, 2) and len(more) == 5
    errors.clear()
    errors.append(LineError("p", 1, "bad"))
    assert errors == [LineError("p", 1, "bad")]


def _kinds(agent: str, many: int) -> bytes:
    """`many` records the agent's reader skips, each of a kind of its own (`k<n>`)."""
    if agent == "opencode":  # a part of a type of its own in the fixture's first message
        info = orjson.loads(LOGS[agent].read_bytes().split(b"\n")[0])["info"]
        return b"".join(orjson.dumps({"info": info, "parts": [{"id": f"p{n}", "messageID": info["id"],
                                      "type": f"k{n}"}]}) + b"\n" for n in range(many))  # fmt: skip
    line = '{"type": "k%d", "timestamp": "2026-01-01T00:00:00Z", "uuid": "u%d", "id": "i%d", "content": ""}\n'
    return "".join(line % (n, n, n) for n in range(many)).encode()


@pytest.mark.parametrize("agent", sorted(LOGS))
def test_each_reader_counts_a_thousand_kinds_of_skipped_record_and_the_rest_in_one(agent):
    from tracetui.model import MAX_SKIPPED_KINDS, OTHER_KINDS

    base = LOGS[agent].read_bytes().rstrip(b"\n") + b"\n"
    alone = registry.get(agent).read(RawLog(str(LOGS[agent]), base), [])
    many = MAX_SKIPPED_KINDS + 500
    session = registry.get(agent).read(RawLog(str(LOGS[agent]), base + _kinds(agent, many)), [])
    assert len(session.skipped) == MAX_SKIPPED_KINDS + 1 and OTHER_KINDS in session.skipped
    assert sum(session.skipped.values()) - sum(alone.skipped.values()) == many


def test_a_skipped_kind_s_name_is_cut():
    from tracetui.model import NAME_MOST, count_skipped

    session = Session(id="s", agent="claude", source="x")
    count_skipped(session.skipped, "k" * 1_000_000)
    count_skipped(session.skipped, "k" * 999_999, 2)
    assert [(len(k), v) for k, v in session.skipped.items()] == [(NAME_MOST, 3)]


SPLITS = [b"", b"\n", b"a", b"a\n", b"\n\nab\nc", b"abc\ndef\n\n", b"a\nb\nc\nd\ne\nf\ng\n"]


@pytest.mark.parametrize("data", SPLITS)
def test_a_log_s_lines_are_split_one_at_a_time_as_split_whole(data):
    # Split whole, 2 M short lines were 2 M bytes objects at once: 510 MB for a 200 MB log, 395 now.
    from tracetui.model import LineErrors
    from tracetui.sources.common import jsonl

    whole = data.split(b"\n")
    assert list(jsonl.lines(data)) == (whole[:-1] if whole[-1] == b"" else whole)
    log = b"".join(b'{"type": "a", "id": "%d"}\n' % n if n % 3 else b"[]\n" for n in range(40))
    errors = LineErrors()
    got = [(n, r["id"]) for n, _, r in jsonl.iter_entries("f", log, errors)]
    assert got == [(n + 1, str(n)) for n in range(40) if n % 3]
    assert [e.line for e in errors] == list(range(1, 41, 3))
