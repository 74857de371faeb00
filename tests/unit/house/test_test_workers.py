"""README's `-n auto`: half as many workers again as cores (tests/conftest.py), and the one-process
commands of CONTRIBUTING.md (`-p no:xdist`) still run with that hook in the conftest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

ROOT = Path(__file__).resolve().parents[3]
NO_CONFIG = cast(pytest.Config, None)  # the hook reads no option


@pytest.fixture
def conftest(request):
    """The tests' root conftest as pytest loaded it (`import conftest` finds whichever is first on the
    path: under xdist in a clone, another folder's)."""
    root = ROOT / "tests" / "conftest.py"
    return next(p for p in request.config.pluginmanager.get_plugins() if getattr(p, "__file__", None) == str(root))


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 3), (4, 6), (8, 12)])
def test_auto_is_half_as_many_workers_again_as_cores(conftest, monkeypatch, cores, workers):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert conftest.pytest_xdist_auto_num_workers(NO_CONFIG) == workers


def test_xdist_s_own_variable_still_decides(conftest, monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "5")
    assert conftest.pytest_xdist_auto_num_workers(NO_CONFIG) is None  # left to xdist, which reads it


def test_one_process_without_xdist_runs_the_conftest():
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                           "--collect-only", "tests/unit/house/test_readme_setup.py"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_each_test_has_at_most_one_xdist_group(request):
    """Two groups on one test are a third (xdist joins their names): the snapshot demo's tests that also
    shared a module fixture were so split from the others, their workers waited on each other's lock of
    the one demo, and a run with the corpus hung at 99% (session 57). Checks the tests collected with it:
    all of them in README's command."""
    for item in request.session.items:
        groups = [m.args[0] if m.args else m.kwargs.get("name") for m in item.iter_markers("xdist_group")]
        assert len(groups) <= 1, (item.nodeid, groups)
        if "snapshot_demo" in getattr(item, "fixturenames", ()):
            assert groups == ["snapshot-demo"], item.nodeid


def test_the_root_conftest_alone_puts_tests_in_groups():
    """One place decides a test's group (`xdist_group_of`): a second hook adding its own made two."""
    others = [c for c in (ROOT / "tests").rglob("conftest.py") if c != ROOT / "tests" / "conftest.py"]
    assert others and not [c for c in others if "add_marker" in c.read_text()]


def test_tmp_path_is_a_new_empty_folder(tmp_path):
    assert tmp_path.is_dir() and not any(tmp_path.iterdir())
    (tmp_path / "kept").write_text("until the test passes, under the policy below")


def test_a_passed_test_s_tmp_path_goes_under_the_failed_retention_policy(tmp_path):
    """The conftest's own `tmp_path` (numbered by a counter) keeps pytest's retention option."""
    base = tmp_path / "base"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                           "-o", "tmp_path_retention_policy=failed", f"--basetemp={base}",
                           "tests/unit/house/test_test_workers.py::test_tmp_path_is_a_new_empty_folder"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (base / "t").is_dir() and not list((base / "t").iterdir())
