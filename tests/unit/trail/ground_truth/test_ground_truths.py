"""Every repository's hand-checked trail, row by row: each truth_*.py here holds one repository's
reasoning, constants, rows and own checks, and declares how its trail is judged (a `GroundTruth`).
Each trail is judged once (`judged_once`); where its log or mirror is absent, its rows skip, saying
why."""

from __future__ import annotations

import importlib

import pytest
from _pytest.mark import ParameterSet
from shared_data import TESTS
from support.ground_truth import GroundTruth, judged_once

HERE = TESTS / "unit" / "trail" / "ground_truth"


def _truths() -> list[GroundTruth]:
    # Found by name, so a new repository's module needs no line here; imported under the name mypy
    # gives it (tests/ is on the path: `unit` is a namespace package).
    names = sorted(p.stem for p in HERE.glob("truth_*.py"))
    modules = [importlib.import_module(f"unit.trail.ground_truth.{name}") for name in names]
    return [value for module in modules for value in vars(module).values() if isinstance(value, GroundTruth)]


TRUTHS = _truths()


def _marks(truth: GroundTruth) -> list[pytest.MarkDecorator]:
    # One xdist worker takes a repository's rows and checks (CI runs `--dist loadgroup`), so its trail
    # is judged once in a run, not once in each worker that drew one of its rows.
    group = pytest.mark.xdist_group(f"ground-truth-{truth.name}")
    return [group, pytest.mark.corpus] if truth.corpus else [group]


def _rows() -> list[ParameterSet]:
    """Each row of each repository, its id `name:label`; a row given as pytest.param keeps its id and
    marks (a strict xfail and its reason)."""
    rows = []
    for truth in TRUTHS:
        for row in truth.rows:
            if isinstance(row, ParameterSet):
                [want] = row.values
                own, label = row.marks, row.id
            else:
                want, own, label = row, (), truth.label(row)
            rows.append(pytest.param(truth, want, marks=[*_marks(truth), *own], id=f"{truth.name}:{label}"))
    return rows


def _checks() -> list[ParameterSet]:
    return [
        pytest.param(truth, check, marks=_marks(truth), id=f"{truth.name}:{check.__name__}")
        for truth in TRUTHS
        for check in truth.checks
    ]


@pytest.mark.parametrize("truth,want", _rows())
def test_hand_checked_patch_gets_its_true_state(tmp_path_factory, truth, want):
    f = truth.fate(judged_once(truth.judge, tmp_path_factory), want)
    assert truth.have(f, want) == want


@pytest.mark.parametrize("truth,check", _checks())
def test_what_is_particular_to_a_repository_holds(tmp_path_factory, truth, check):
    check(judged_once(truth.judge, tmp_path_factory))


def test_every_row_has_its_own_id():
    # pytest would suffix a repeated id: a row asserted twice, or two rows that read as one
    ids = [p.id for p in _rows()]
    assert len(ids) == len(set(ids))
