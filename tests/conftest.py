"""Fixtures every test gets: an isolated home, so no test reads or writes the real user's logs."""

from __future__ import annotations

import gc
import itertools
import os
import re
import shutil
from pathlib import Path

import pytest
from shared_data import CORPUS, FIXTURES, SECRETS, corpus_files, requires_corpus, requires_secrets  # noqa: F401


@pytest.hookimpl(optionalhook=True)  # xdist's hook: unknown under `-p no:xdist`
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: half as many workers again as cores. A worker waits a third of the run on its
    tests' git, agents and CLI children, their fsyncs and their clocks; on two cores, three workers
    took README's command from 253 to 228 s, and four 238 s (bench/RESULTS.md, "Tests")."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + max(1, cores // 2)


AGENTS_TESTS = Path(__file__).parent / "agents"


def xdist_group_of(item: pytest.Item) -> str | None:
    """The one group (`--dist loadgroup`) a test runs in with others on one worker, if any. The first
    rule that applies decides: a test has at most one group, as xdist joins two names into a third.
    - The agents' programs (tests/agents): each module fixture runs its program once, not once a worker.
    - The one fixed snapshot demo (tests/ui): a second worker would wait on its lock until the first
      worker's session ended, and the run with it.
    - A group the test declares.
    - A module's tests that share a fixture built once a module, in a row: handed out in batches, each
      batch on a worker built it again (three times 15 to 27 s for some hostile modules' fixtures)."""
    if item.path.is_relative_to(AGENTS_TESTS):
        return "agents"
    if "snapshot_demo" in getattr(item, "fixturenames", ()):
        return "snapshot-demo"
    declared = next(item.iter_markers("xdist_group"), None)
    if declared is not None:
        return None  # xdist reads it
    defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    if any(d.scope == "module" for fixtures in defs.values() for d in fixtures):
        return item.nodeid.split("::", 1)[0]
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = xdist_group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


_HOMES = itertools.count()


def _isolate(patch: pytest.MonkeyPatch, factory: pytest.TempPathFactory) -> None:
    """Point every place tracetui or an agent looks for the user's files at a new empty home."""
    # Named `home` in a folder of its own: the user names tracetui learns from the environment include
    # $HOME's last part, and the plans' scan caches and the gate's memo are keyed by them. As
    # `home0`, `home1`... every test was another user, and each corpus test scanned every session again.
    # Numbered here, not by `factory.mktemp`: that lists the whole base folder to find the next
    # number, a cost that grew with every test a worker had run (2% of the suite's time).
    home = factory.getbasetemp() / "homes" / str(next(_HOMES)) / "home"
    home.mkdir(parents=True)
    patch.setenv("HOME", str(home))
    for var in ("TRACETUI_BUCKET", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "PI_CODING_AGENT_DIR", "XDG_CONFIG_HOME"):
        patch.delenv(var, raising=False)
    patch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    patch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    # The price memo (`cost_memo`) is a function of the table's version alone: one for the run (a
    # worker's), so each test's processes need not load the table again (38 s of the run's CPU).
    # Its own tests give each process a home of its own.
    prices = factory.getbasetemp() / "prices"
    prices.mkdir(exist_ok=True)
    (home / ".cache" / "tracetui").mkdir(parents=True)
    (home / ".cache" / "tracetui" / "prices").symlink_to(prices, target_is_directory=True)


_TMP_PATHS = itertools.count()


@pytest.fixture
def tmp_path(request, tmp_path_factory):
    """pytest's `tmp_path`, numbered by a counter: pytest's lists the whole base folder to number each
    new one, so every test paid for all the tests its worker had run before it."""
    name = re.sub(r"\W", "_", request.node.name)[:30]
    path = tmp_path_factory.getbasetemp() / "t" / f"{name}{next(_TMP_PATHS)}"
    path.mkdir(parents=True)
    yield path
    # As pytest's own fixture does under `tmp_path_retention_policy = "failed"`: a passed test's folder
    # goes (pytest's report hook records each phase's result under this key, for any `tmp_path`).
    if request.config.getini("tmp_path_retention_policy") == "failed":
        from _pytest.tmpdir import tmppath_result_key

        if request.node.stash.get(tmppath_result_key, {}).get("call", True):
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _isolated_run_home(tmp_path_factory):
    """What a module or the run builds once (the corpus's bucket and its plans, the demo) is built
    before any test's own home is made, so it gets a home too: without one it read the real user's
    (its git email), and its plans, keyed by who the user is, were scanned again by every test."""
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, tmp_path_factory)
        yield


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test may read or write the real user's agent logs or bucket."""
    _isolate(monkeypatch, tmp_path_factory)


@pytest.fixture(autouse=True)
def _thawed_collector():
    """Nothing frozen by an earlier test's big session (`collector.keep_out`): each test starts as a
    new process would, and a test's objects are not kept frozen for the rest of the worker's run."""
    from tracetui import collector

    if collector._kept_out:
        gc.unfreeze()
        collector._kept_out = False


@pytest.fixture
def collector_on():
    """Python's cyclic collector on for the test (a run may start with it off), as it was after."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.fixture(scope="session")
def team_dataset_root(tmp_path_factory):
    """Two machines' buckets exported into one Parquet dataset (`support.datasets.team_dataset`):
    built once for the tests of the library and of the app over it."""
    from support.datasets import team_dataset

    root = tmp_path_factory.mktemp("team")
    team_dataset(root)
    return root
