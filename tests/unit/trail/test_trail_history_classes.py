"""Classes of history (tests/support/history_branches.py's `CASES`), each with its trail written by hand:
the state, accepting commit and file of each patch, through `trail`, the core call `tracetui trail` makes."""

from __future__ import annotations

import pytest
from support.history_branches import CASES
from support.history_kit import Case

from tracetui.trail import trail


def _fates(case: Case) -> list[tuple]:
    out = []
    for session in case.sessions:
        for f in trail(session, repo=str(case.repo.path)).fates:
            label = next((k for k, v in case.commits.items() if v == f.commit), f.commit)
            now = f.path_now
            out.append((session.id, f.patch.step_id, f.state, label, now))
    return out


# Cases whose hand-written answer the core does not give yet, each with why.
XFAILS: dict[str, str] = {}


def _param(name: str) -> object:
    reason = XFAILS.get(name)
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason)) if reason else name


@pytest.mark.parametrize("name", [_param(n) for n in CASES])
def test_the_trail_of_each_class_of_history(name, tmp_path):
    case = CASES[name](tmp_path)
    assert _fates(case) == case.fates
