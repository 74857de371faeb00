"""What a module or the run builds once (the corpus's bucket and its plans) is built in a home of
the run's, never the real user's, and by the same user a test is: its plans' scans are then the
cached answer for every test that copies it (tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracetui.redact.identity import Identity


@pytest.fixture(scope="module")
def built_once_as() -> tuple[str, str]:
    return os.environ["HOME"], Identity.from_environment().fingerprint()


def test_a_fixture_built_once_has_a_home_of_the_runs(built_once_as, tmp_path_factory):
    home, _ = built_once_as
    assert Path(home).is_relative_to(tmp_path_factory.getbasetemp())
    assert Path(home).name == "home"


def test_a_fixture_built_once_is_the_same_user_as_the_test(built_once_as):
    home, fingerprint = built_once_as
    assert os.environ["HOME"] != home  # each test has a home of its own
    assert Identity.from_environment().fingerprint() == fingerprint
