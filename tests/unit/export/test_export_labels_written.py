"""The lines a label counts as added (`line_identity.written`, docs/internals/evals.md): what a patch wrote
of its own, not lines it took out and put back changed only in whitespace. The export's labels and the
evaluation count the same (tests/support/history_evals.py's `wrapped_in_a_block` for the evaluation)."""

from __future__ import annotations

import pytest

from tracetui.export.labels import Outcome
from tracetui.trail import Fate
from tracetui.trail.patch import Patch

# (what the step did, its removed lines, its added lines, the lines it wrote)
CASES = [
    ("wrapped lines in an if", ["a = 1", "b = 2"], ["if ok:", "    a = 1", "    b = 2"], 1),
    ("re-indented one line only", ["    value = compute()"], ["value = compute()"], 0),
    ("re-spaced inside the line", ["x=f(a,b)"], ["x = f(a, b)"], 0),
    ("moved a line the diff could not align", ["else:", "old_call()"], ["new_call()", "else:"], 1),
    ("moved a blank line and a bracket", ["", "}"], ["}", ""], 2),  # they say nothing of whose
    ("reworded a line", ["total = a + b"], ["total = a + b + c"], 1),
    ("wrote a new file", [], ["first", "", "second"], 3),
    ("wrote a line twice where one was", ["log(x)"], ["log(x)", "log(x)"], 1),
]


@pytest.mark.parametrize("what, removed, added, wrote", CASES, ids=[c[0] for c in CASES])
def test_a_label_counts_the_lines_a_patch_wrote(what, removed, added, wrote):
    patch = Patch("s0", "a.py", "update", [], added, removed)
    other = Patch("s1", "b.py", "create", [], ["new"], [])
    labels = Outcome(fates=[Fate(patch, "alive"), Fate(other, "lost")]).labels()
    assert (labels["lines_added"], labels["lines_alive"], labels["lines_lost"]) == (wrote + 1, wrote, 1)
