"""The second gate never passes a text it could not scan in time (`redact.scan.gate_scan`).

A detector that took super-linear time on some text (base32's did, until 2026-11-25) hung the gate,
which scanned without a budget; with the review's fallback (the format rules alone) a text made to
outrun the detectors would leave half read. The gate now scans each text within its budget and calls
one it cannot finish a sure finding, which stops the seal or export; the memo keeps no such answer.
"""

from __future__ import annotations

import time

import pytest

from tracetui.capsule.gate_memo import GateMemo
from tracetui.capsule.scrub import Scrubbed, gate_findings
from tracetui.model import Session
from tracetui.redact import AUTO, TextScanner
from tracetui.redact.scan import GATE_OUT_OF_TIME

SLOW = "a text no detector finishes"
MEMBER = {"trace.jsonl": b'{"text": "' + SLOW.encode() + b'", "other": "plain words"}'}


@pytest.fixture
def slow_detectors(monkeypatch):
    """Detectors that never finish on SLOW, within a budget of 0.05 s."""
    from tracetui.redact import detect, scan

    real = detect.scan_text

    def scan_text(text, identity=None, **kwargs):
        if text != SLOW:
            return real(text, identity, **kwargs)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            pass
        return []

    monkeypatch.setattr(detect, "scan_text", scan_text)  # `gate_scan`'s own (a recipe's gate)
    monkeypatch.setattr("tracetui.redact.many.scan_text", scan_text)  # the scanner of many texts
    monkeypatch.setattr("tracetui.capsule.scrub.scan_text", scan_text)  # the seal's and export's gate
    monkeypatch.setattr(scan, "field_budget", lambda length: 0.05)


def _scrubbed() -> Scrubbed:
    return Scrubbed(Session("s", "claude", "x"), [], [])


def test_a_text_the_gate_cannot_scan_in_time_is_a_sure_finding(slow_detectors):
    started = time.monotonic()
    found = gate_findings(MEMBER, _scrubbed())
    assert time.monotonic() - started < 5
    assert [(g.member, g.kind, g.tier, g.detector, g.value) for g in found] == [
        ("trace.jsonl", "unscanned", AUTO, GATE_OUT_OF_TIME, SLOW)
    ]


def test_texts_scanned_in_time_pass_as_before(slow_detectors):
    assert gate_findings({"trace.jsonl": b'{"text": "plain words"}'}, _scrubbed()) == []


def test_the_memo_answers_for_the_run_and_keeps_nothing_of_it(slow_detectors, tmp_path):
    path = tmp_path / "gate.json"
    memo = GateMemo(path, "salt", key=b"k" * 32)
    first = gate_findings(MEMBER, _scrubbed(), memo=memo)
    assert [g.detector for g in first] == [GATE_OUT_OF_TIME]
    memo.save()
    again = GateMemo(path, "salt", key=b"k" * 32)
    assert again.missing([SLOW, "plain words"]) == [SLOW]  # the clean text is remembered, not the slow one


def test_the_scanner_of_many_texts_says_it_too(slow_detectors):
    scanner = TextScanner(workers=1)
    try:
        found = scanner.scan([SLOW, "plain words"], None)
    finally:
        scanner.close()
    assert [[(f.kind, f.tier, f.detector) for f in fs] for fs in found] == [
        [("unscanned", AUTO, GATE_OUT_OF_TIME)],
        [],
    ]


def test_one_timer_times_every_text_of_a_gate(monkeypatch):
    import signal

    armed: list[float] = []
    real = signal.setitimer

    def setitimer(which, seconds, interval=0.0):
        armed.append(seconds)
        return real(which, seconds, interval)

    monkeypatch.setattr(signal, "setitimer", setitimer)
    texts = b"\n".join(b'{"text": "line %d of plain words"}' % i for i in range(200))
    assert gate_findings({"trace.jsonl": texts}, _scrubbed()) == []
    assert len(armed) == 2  # armed and stopped once for the 201 texts, not twice for each
