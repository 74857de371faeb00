"""Cost per surviving line (tracetui/line_cost.py): a request's price goes to the patches it wrote,
split by their added lines; what reverted or lost patches cost is `wasted_usd`; $ per surviving line
is evals' one definition; unknown prices stay None, never 0; the figures a trail at HEAD judged are
remembered for `ls` and `cost` while the session keeps its steps."""

from __future__ import annotations

import pytest

from tracetui.evals.scores import SCORES, SessionLabels
from tracetui.line_cost import LineCost, line_cost, per_surviving_line, recorded, recorded_all, remember
from tracetui.model import Session, Step, Tokens

# Models the price table does not know: each request's price is the log's own figure, made up here.
MODEL = "made-up-model-for-tests"


def _session(prices: list[float | None]) -> Session:
    """Requests 0, 1, 2...: each a priced reasoning step, then an edit call (`eN`) of the same response."""
    steps: list[Step] = []
    for n, price in enumerate(prices):
        tokens = Tokens(input=10, output=5, logged_usd=price)
        steps.append(Step(id=f"r{n}", index=len(steps), kind="reasoning", role="assistant", model=MODEL, tokens=tokens))
        steps.append(Step(id=f"e{n}", index=len(steps), kind="tool_call", role="assistant", tool="Edit"))
    return Session(id="s1", agent="claude", source="x", steps=steps, models=[MODEL])


def test_a_request_s_price_goes_to_the_patches_it_wrote():
    # request 0 ($1.00) wrote 3 lines alive and 1 line lost; request 1 ($0.50) wrote 4 lines reverted;
    # request 2 ($2.00) wrote nothing that survives or not (uncommitted).
    found = line_cost(_session([1.0, 0.5, 2.0]), [("e0", 3, "alive"), ("e0", 1, "lost"), ("e1", 4, "reverted"),
                                                  ("e2", 5, "uncommitted")])  # fmt: skip
    assert found.cost_usd == pytest.approx(3.5)
    assert found.wasted_usd == pytest.approx(1.0 * 1 / 4 + 0.5)
    assert (found.alive, found.lost, found.reverted, found.undecided) == (3, 1, 4, 5)
    assert found.per_line_usd == pytest.approx(3.5 / 3)
    d = found.to_dict()
    assert d["per_surviving_line_usd"] == pytest.approx(1.166667) and d["wasted_usd"] == pytest.approx(0.75)


def test_unknown_prices_stay_unknown_never_zero():
    # request 1 has no price at all: the session's cost is unknown, and so what its lost patch cost
    found = line_cost(_session([1.0, None]), [("e0", 2, "alive"), ("e1", 2, "lost")])
    assert found.cost_usd is None and found.wasted_usd is None and found.per_line_usd is None
    assert found.to_dict()["per_surviving_line_usd"] is None
    # nothing thrown away: nothing was wasted, whatever the price; no line kept: no price per line
    assert line_cost(_session([None]), [("e0", 2, "alive")]).wasted_usd == 0.0
    assert line_cost(_session([1.0]), [("e0", 2, "lost")]).per_line_usd is None


def test_evals_cost_score_is_the_same_definition():
    cohort = [SessionLabels("a", None, alive=3, transformed=1, cost_usd=2.0),
              SessionLabels("b", None, reverted=4, cost_usd=1.0),
              SessionLabels("c", None, alive=5, cost_usd=None)]  # fmt: skip
    score = SCORES["cost_per_surviving_line"][0]
    assert score(cohort) == per_surviving_line((s.cost_usd, s.decided, s.surviving) for s in cohort)
    assert score(cohort) == (pytest.approx(3.0 / 4), 2)


def test_remembered_while_the_session_keeps_its_steps(tmp_path):
    session = _session([1.0])
    found = line_cost(session, [("e0", 2, "alive")])
    remember(tmp_path, session, found)
    again = recorded(tmp_path, session.id, len(session.steps))
    assert again is not None and again.judged is not None
    assert again.to_dict() | {"judged": None} == found.to_dict()
    assert recorded(tmp_path, session.id, len(session.steps) + 1) is None  # it grew since: judge again
    assert recorded(tmp_path, "other", 2) is None and recorded(None, session.id, 2) is None
    remember(tmp_path, session, LineCost(1.0, 0.0, ref="v1.0"))  # another reference: not HEAD's figure
    assert recorded(tmp_path, session.id, len(session.steps)) == again
    for path in (tmp_path / "line-cost").iterdir():
        path.write_bytes(b'{"v": 1, "session": "s1", "steps": 2, "cost_usd": "lots"}')
    assert recorded(tmp_path, session.id, len(session.steps)) is None  # damaged: no figure


def test_a_listing_reads_only_what_was_judged(tmp_path):
    session = _session([1.0])
    assert recorded_all(tmp_path, [(session.id, 2)]) == {}  # no folder yet: nothing judged
    remember(tmp_path, session, line_cost(session, [("e0", 2, "alive")]))
    found = recorded_all(tmp_path, [(session.id, 2), ("never-judged", 5), (session.id + "x", 2)])
    assert list(found) == [session.id] and found[session.id].alive == 2
    assert recorded_all(None, [(session.id, 2)]) == {} and recorded_all(tmp_path, [(session.id, 3)]) == {}


def test_a_trail_that_decided_nothing_says_nothing_of_waste():
    """A session judged where no clone held its patches (all undecided) is not a group's "$0.00 thrown
    away": the group has no judged session until one decides a patch."""
    from tracetui.spending import Total

    group = Total(key="g")
    group.judge(LineCost(2.0, 0.0, undecided=5))
    assert group.to_dict()["line_cost"] == {
        "judged": 0, "wasted_usd": None, "per_surviving_line_usd": None, "surviving_lines": 0,
    }
    group.judge(LineCost(1.0, 0.25, alive=3, reverted=1))
    assert group.to_dict()["line_cost"] == {
        "judged": 1, "wasted_usd": 0.25, "per_surviving_line_usd": pytest.approx(1 / 3), "surviving_lines": 3,
    }


@pytest.mark.parametrize(
    ("found", "said"),
    [
        (LineCost(2.0, 0.0), "no added line to judge"),
        (LineCost(2.0, 0.0, undecided=7), "no patch decided at HEAD (7 added lines uncommitted, or in no clone found)"),
        (LineCost(1.0, 0.5, alive=2, lost=1), "$0.5 per surviving line (2 of 3 decided added lines alive or "
                                              "transformed); $0.5 on reverted or lost patches (1 lines)"),
    ],
)
def test_show_says_when_git_decided_nothing(found, said):
    from tracetui.views.format import line_cost_text

    assert line_cost_text(found) == said
