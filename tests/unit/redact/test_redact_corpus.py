"""Real sessions and the labelled secrets: no crash, no hang, no structure flagged, thresholds held."""

from __future__ import annotations

import json
import sys
import re
import time

import pytest

from tracetui.redact import AUTO, Identity, iter_fields, scan_session, scan_text
from support.evaluate import evaluate
from tracetui.sources import group, read_session
from support.scan_time import scan_seconds

from shared_data import corpus_files, FIXTURES, requires_corpus, requires_secrets, SECRETS

sys.path.insert(0, str(FIXTURES / "redact"))
import redact_samples  # noqa: E402, F401  (imported for what it sets up)


STRUCTURAL = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?:msg|toolu|call|req)_[A-Za-z0-9]+|[0-9a-f]{40}|[0-9a-f]{64})$"
)


def _sessions(agent):
    files = corpus_files(agent) + corpus_files(agent, "*.json")
    return [read_session(g) for g in group(agent, files)]


@requires_corpus
@pytest.mark.corpus
@pytest.mark.parametrize("agent", ["claude", "codex", "pi", "gemini", "copilot", "opencode"])
def test_real_sessions_scan_fast_and_leave_structure_alone(agent):
    sessions = _sessions(agent)
    assert sessions
    for session in sessions:
        t0 = time.perf_counter()
        found = scan_session(session, Identity(), workers=0)
        size = sum(len(f.text) for f in iter_fields(session))
        # Far below the budget: ~2 MB/s on this machine; a hang or a backtracking blow-up fails here.
        assert time.perf_counter() - t0 < 5 + size / 200_000
        texts = {(f.step, f.name): f.text for f in iter_fields(session)}
        ids = {s.tool_call_id for s in session.steps if s.tool_call_id} | {s.id for s in session.steps}
        for f in found:
            value = texts[(f.step, f.field)][f.start : f.end]
            assert not STRUCTURAL.match(value), (session.id, f.kind, f.detector)
            assert value not in ids
            if f.kind == "high-entropy":
                assert "/" not in value.strip("/") or value.count("/") < 2


@requires_corpus
@pytest.mark.corpus
def test_ids_inside_texts_are_never_covered():
    for session in _sessions("claude") + _sessions("codex"):
        ids = [s.tool_call_id for s in session.steps if s.tool_call_id and len(s.tool_call_id) > 8]
        if not ids:
            continue
        for f in iter_fields(session):
            hits = [x for x in scan_text(f.text) if x.tier == AUTO]
            for tool_id in ids:
                i = f.text.find(tool_id)
                if i >= 0:
                    assert not any(h.start < i + len(tool_id) and i < h.end for h in hits), tool_id


@requires_secrets
def test_the_24000_character_base64_line_is_quick():
    rows = [
        json.loads(line) for line in open(SECRETS / "detect_secrets_plugin_cases.jsonl", encoding="utf-8")
    ]
    longest = max(rows, key=lambda r: len(r["text"]))["text"]
    assert len(longest) >= 24_000
    assert scan_seconds(longest) < 1.0


@requires_secrets
def test_labelled_secrets_thresholds():
    table = evaluate(SECRETS)
    gl = table[("gitleaks", "*")]
    ds = table[("detect-secrets", "*")]
    # Measured values (bench/RESULTS.md, Redaction) with a little room; a regression fails here.
    assert gl.caught / gl.positives >= 0.99  # whole secret scrubbed (sure or suggested): 100%
    assert gl.caught_auto / gl.positives >= 0.99  # whole secret scrubbed without asking: 99.6%
    assert gl.touched / gl.negatives <= 0.02  # hard negatives scrubbed without asking: 1.7% (goal 5%)
    assert gl.flagged / gl.negatives <= 0.03  # flagged at any tier: 2.5% (3 of 120)
    assert gl.flagged_readme / gl.negatives <= 0.02  # less the valid admin key of the api-key rule: 1.7%
    # As labelled, detect-secrets' 28 filler positives (`AP6xxxxxxxxxx`, `AKIAZZZZ…`) are misses by
    # design (92.6%); scored as the placeholders they are, below.
    assert ds.caught / ds.positives >= 0.92
    assert ds.caught_auto / ds.positives >= 0.60  # 63.0%
    # Scored with each case's file type as a log gives it (a Read's or Write's path): 12 -> 6 touched.
    assert ds.touched / ds.negatives <= 0.03  # 2.5% (6 of 236)
    assert ds.flagged / ds.negatives <= 0.04  # 3.8% (9 of 236)
    everything = table[("*", "*")]
    assert everything.caught / everything.positives >= 0.95  # 95.4%
    assert everything.touched / everything.negatives <= 0.025  # 2.2% (8 of 356)
    issue = evaluate(SECRETS, issue_labels=True)[("*", "*")]
    assert issue.caught / issue.positives >= 0.995  # 99.7%
    assert issue.flagged / issue.negatives <= 0.032  # flagged at any tier: 3.1% (12 of 384)
    # The README's scoring: a valid credential of another kind is no false positive of the row's rule.
    assert issue.flagged_readme / issue.negatives <= 0.025  # 2.3% (9 of 384)
