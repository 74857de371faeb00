"""The list's spending total is one aggregate the library answers (`Library.spent`), and says what
`tracetui cost` adds up over the same sessions: on the demo's bucket and on a hand-made library."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tracetui.demo.build import build, open_library
from tracetui.demo.synthetic import session
from tracetui.library import MemoryLibrary
from tracetui.model import EVERY, SessionFilter, Spent, Tokens, spent_of
from tracetui.selection import Selection
from tracetui.spending import spending
from tracetui.views.format import money
from tracetui.views.session_list import listed_spending


def _as_before(library, query: SessionFilter) -> str:
    """The figure as the list worked it out before: `tracetui cost`'s total over every listed row."""
    total = spending(library, "agent", Selection.of(query)).total
    if not total.sessions:
        return ""
    unpriced = f", {total.unpriced} unpriced" if total.unpriced else ""
    return f"{money(total.priced, total.lower_bound)} in all{unpriced}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    library = open_library(build(tmp_path_factory.mktemp("demo") / "demo"))
    yield library
    library.close()


@pytest.fixture(scope="module")
def handmade():
    """Six sessions whose prices are set by hand: priced, unpriced, a price of the output alone, and
    a hidden one (paid for: counted)."""
    library = MemoryLibrary([session(12, i) for i in range(6)])
    rows = library._summaries
    for row, cost in zip(rows, (1.25, None, 0.004, 2.5, None, 0.75)):
        row.cost_usd = cost
    rows[3].tokens = Tokens(input=0, output=900)  # the log counted output only: a lower bound
    rows[5].hidden = "warm-up"
    return library


QUERIES = [EVERY, SessionFilter(agent="codex"), SessionFilter(agent="claude"), SessionFilter(project="nowhere")]


@pytest.mark.parametrize("query", QUERIES, ids=["every", "codex", "claude", "none"])
def test_the_demo_total_is_the_one_before(demo, query):
    assert listed_spending(demo, query) == _as_before(demo, query)


def test_the_demo_bucket_aggregate_is_the_rows_sum(demo):
    every = SessionFilter(include_hidden=True)
    rows = demo.list_sessions(every)
    spent, summed = demo.spent(every), spent_of(rows)
    assert rows and replace(spent, cost_usd=0.0) == replace(summed, cost_usd=0.0)
    assert spent.cost_usd == pytest.approx(summed.cost_usd, rel=1e-12)  # summed in another order


@pytest.mark.parametrize("query", QUERIES, ids=["every", "codex", "claude", "none"])
def test_a_handmade_total_is_the_one_before(handmade, query):
    assert listed_spending(handmade, query) == _as_before(handmade, query)


def test_a_handmade_aggregate_counts_hidden_unpriced_and_output_only(handmade):
    spent = handmade.spent(SessionFilter(include_hidden=True))
    assert replace(spent, cost_usd=0.0) == Spent(sessions=6, unpriced=2, output_only=True)
    assert spent.cost_usd == pytest.approx(4.504)
    assert listed_spending(handmade, EVERY) == "≥$4.50 in all, 2 unpriced"
    # Without the hidden one's price (the list never shows it, the total still counts it).
    assert handmade.spent(EVERY).sessions == 5

