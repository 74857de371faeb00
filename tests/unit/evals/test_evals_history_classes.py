"""Classes of history the evals' labels can be wrong on (tests/support/history_evals.py), each with its
labels written by hand: through `evaluate`, the core call `tracetui eval` makes, judged in the class's
repository (`--repo`)."""

from __future__ import annotations

import pytest
from support.history_evals import CLASSES

import tracetui.evals as evals_api
from tracetui.library import MemoryLibrary


@pytest.mark.parametrize("name", list(CLASSES))
def test_the_eval_labels_of_each_class_of_history(name, tmp_path):
    case = CLASSES[name](tmp_path)
    library = MemoryLibrary([case.session])
    found = evals_api.evaluate(library, "agent", ratings=[], repo=case.repo.path, workers=1)
    [labels] = [s for c in found.cohorts for s in c.sessions]
    have = (labels.alive, labels.transformed, labels.reverted, labels.lost, labels.undecided)
    assert (have, labels.tests_last_exit) == (case.lines, case.tests_last_exit)
