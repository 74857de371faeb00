"""A threshold on the gitleaks rules that ../shared/secrets leaves out, rebuilt from gitleaks' own rule
tests by bench/bench_gitleaks_half.py (read from the fetched mirror at run time; skipped without it).

The figures of seed 1 alone, so a change that loses a class of these formats, or starts flagging
their hard negatives, fails here and not only in the bench's table."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from shared_data import ROOT, SECRETS, mirror

GITLEAKS = mirror("gitleaks", "gitleaks")
pytestmark = pytest.mark.skipif(
    GITLEAKS is None or not (SECRETS / "gitleaks_rule_examples.jsonl").is_file(),
    reason="gitleaks' source is not fetched (fetch github:gitleaks/gitleaks) or the labelled secrets are absent",
)


def _bench():
    spec = importlib.util.spec_from_file_location("bench_gitleaks_half", ROOT / "bench" / "bench_gitleaks_half.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_gitleaks_half", module)
    spec.loader.exec_module(module)
    return module


def test_the_other_half_of_gitleaks_rules():
    b = _bench()
    src = b.find_source(str(GITLEAKS))
    assert src is not None
    shared_ids, shared_positives = b.shared_rule_ids(SECRETS / "gitleaks_rule_examples.jsonl")
    rows, unread, positive_texts, _ = b.build(src, [1], shared_ids)
    assert len(rows) >= 100, "the reader of gitleaks' rule files lost most rules"
    table, _ = b.score(rows, shared_positives | positive_texts)
    positives = sum(s.positives for s in table.values())
    found = sum(s.found for s in table.values())
    negatives = sum(s.negatives for s in table.values())
    flagged = sum(s.flagged for s in table.values())
    assert positives > 2000
    assert found / positives >= 0.99, f"{found}/{positives} found with the full span"
    assert flagged / negatives <= 0.035, f"{flagged}/{negatives} negatives flagged"
