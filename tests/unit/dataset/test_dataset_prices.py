"""The prices a dataset's list shows (issue 37): the one each sessions row carries (`cost_usd`, the
exporting machine's own), with no step read and no price table loaded; a row that carries none, or
one no session costs, priced from its steps' token columns; in background mode (`tracetui
--dataset`) by a thread once the first screen is drawn, the app told by the version."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.datasets import MACHINES
from tracetui.bucket import Bucket

pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from tracetui.dataset import library as dataset_library  # noqa: E402
from tracetui.dataset import open_dataset  # noqa: E402
from tracetui.model import SessionFilter  # noqa: E402

HOSTILE = (-1.0, math.nan, math.inf, 1e12)  # prices no session costs


def _rewrite(source: Path, dest: Path, change) -> Path:
    """A copy of the dataset at `source` whose sessions files are `change(table, start)` (start: the
    number of sessions rows before this file's, in the files' sorted order)."""
    shutil.copytree(source, dest)
    start = 0
    for path in sorted(dest.rglob("*.parquet")):
        if "sessions" in path.parts:
            table = pq.read_table(path)
            pq.write_table(change(table, start), path)
            start += table.num_rows
    return dest


def _without_cost(table, start):
    return table.drop_columns(["cost_usd"])


def _costs(library, **kwargs) -> dict[str, float | None]:
    return {r.id: r.cost_usd for r in library.list_sessions(**kwargs)}


@pytest.fixture(scope="module")
def team(team_dataset_root, tmp_path_factory):
    """The team dataset, each exported session's bucket price, and the prices a library works out
    from the steps of a copy whose rows carry none (an older export's)."""
    dataset = team_dataset_root / "dataset"
    buckets = {m: Bucket.open(team_dataset_root / f"bucket-{m}") for m in MACHINES}
    exported = {r.id: r.cost_usd for b in buckets.values() for r in b.list_sessions(SessionFilter(include_hidden=True))
                if r.hidden is None}  # fmt: skip
    for bucket in buckets.values():
        bucket.close()
    older = _rewrite(dataset, tmp_path_factory.mktemp("older") / "ds", _without_cost)
    library = open_dataset(str(older))
    from_steps = _costs(library)
    library.close()
    assert set(from_steps) == set(exported) and any(v is not None for v in exported.values())
    return dataset, exported, older, from_steps


def test_the_list_takes_the_price_its_rows_carry_and_reads_no_step_for_it(team, monkeypatch):
    dataset, exported, _, from_steps = team
    read: list[str] = []
    original = dataset_library.DatasetLibrary._token_rows

    def token_rows(self, files, sids):
        read.extend(sids or ["every session"])
        return original(self, files, sids)

    monkeypatch.setattr(dataset_library.DatasetLibrary, "_token_rows", token_rows)
    library = open_dataset(str(dataset))
    try:
        assert _costs(library) == pytest.approx(exported)
        # Only the sessions their machine could not price are priced from their steps (here too, none).
        assert sorted(read) == sorted(sid for sid, cost in exported.items() if cost is None)
        assert all(from_steps[sid] is None for sid in read)
        by_cost = [r.cost_usd for r in library.list_sessions(order="cost")]
        known = sorted((c for c in exported.values() if c is not None), reverse=True)
        assert by_cost[: len(known)] == pytest.approx(known)
    finally:
        library.close()


def test_a_price_no_session_costs_is_worked_out_from_the_steps(team, tmp_path):
    dataset, exported, _, from_steps = team
    targets = sorted(sid for sid, cost in exported.items() if cost is not None)[: len(HOSTILE)]
    bad = dict(zip(targets, HOSTILE, strict=True))  # session -> a price no session costs

    def poison(table, start):
        ids = table.column("session_id").to_pylist()
        costs = [bad.get(sid, cost) for sid, cost in zip(ids, table.column("cost_usd").to_pylist(), strict=True)]
        return table.set_column(table.schema.get_field_index("cost_usd"), "cost_usd", pa.array(costs, pa.float64()))

    library = open_dataset(str(_rewrite(dataset, tmp_path / "poisoned", poison)))
    try:
        shown = _costs(library)
    finally:
        library.close()
    assert len(targets) == len(HOSTILE) and all(from_steps[sid] is not None for sid in targets)
    assert {sid: shown[sid] for sid in targets} == pytest.approx({sid: from_steps[sid] for sid in targets})
    others = {sid: cost for sid, cost in exported.items() if sid not in bad}
    assert {sid: shown[sid] for sid in others} == pytest.approx(others)

    def as_text(table, start):  # a cost_usd column of the wrong type is read as absent
        return table.set_column(table.schema.get_field_index("cost_usd"), "cost_usd",
                                pa.array(["$5"] * table.num_rows, pa.string()))  # fmt: skip

    library = open_dataset(str(_rewrite(dataset, tmp_path / "text", as_text)))
    try:
        assert _costs(library) == pytest.approx(from_steps)
    finally:
        library.close()


def test_in_background_mode_the_page_is_priced_by_a_thread_after_it_shows(team):
    _, _, older, from_steps = team
    library = open_dataset(str(older), background=True)
    try:
        before = library.version()
        first = _costs(library, limit=200)
        assert set(first) == set(from_steps) and all(cost is None for cost in first.values())
        pricer = library._pricer
        assert pricer is not None
        pricer.join(10)
        assert not pricer.is_alive() and library.version() != before
        assert _costs(library, limit=200) == pytest.approx(from_steps)
        # A second page of the same sessions asks for nothing more: no thread, the prices kept.
        assert _costs(library, limit=200) == pytest.approx(from_steps) and library._pricer is None
    finally:
        library.close()


def test_closing_stops_the_pricing_thread(team):
    _, _, older, _ = team
    library = open_dataset(str(older), background=True)
    library.list_sessions()
    pricer = library._pricer
    library.close()
    assert pricer is not None and not pricer.is_alive()


def test_the_first_screen_loads_neither_the_export_nor_the_price_table(team, tmp_path):
    """In a fresh process, as `tracetui --dataset` draws: over a dataset whose rows all carry a price."""
    dataset, _, _, _ = team
    priced = _rewrite(dataset, tmp_path / "priced", lambda t, s: t.set_column(
        t.schema.get_field_index("cost_usd"), "cost_usd", pa.array([0.25] * t.num_rows, pa.float64())))  # fmt: skip
    code = (
        "import json, sys\n"
        "from tracetui.dataset import open_dataset\n"
        f"library = open_dataset({str(priced)!r}, background=True)\n"
        "library.count_sessions(); page = library.list_sessions(limit=200)\n"
        "library.agents(); library.projects(); library.machines()\n"
        "loaded = sorted(m for m in ('genai_prices', 'tracetui.export', 'tracetui.redact') if m in sys.modules)\n"
        "print(json.dumps({'loaded': loaded, 'costs': [r.cost_usd for r in page]}))\n"
        "library.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["loaded"] == [] and found["costs"] and set(found["costs"]) == {0.25}


def test_a_pricing_failure_leaves_the_rows_unpriced_and_the_thread_quiet(team, monkeypatch):
    import threading

    _, _, older, _ = team
    raised: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))

    def broken(found, wanted, models):
        raise RuntimeError("a bug in the pricing")

    monkeypatch.setattr(dataset_library.prices, "from_tokens", broken)
    library = open_dataset(str(older), background=True)
    try:
        before = library.version()
        library.list_sessions()
        pricer = library._pricer
        assert pricer is not None
        pricer.join(10)
        assert not pricer.is_alive() and not raised and library.version() != before
        assert all(r.cost_usd is None for r in library.list_sessions()) and library._pricer is None
    finally:
        library.close()


def test_the_spending_aggregate_is_what_the_listed_rows_add_up_to(team, tmp_path):
    """`Library.spent` (the list's total): the stored prices summed by DuckDB, a row that carries none
    or one no session costs priced from its steps, as the list shows each row."""
    from tracetui.model import spent_of

    dataset, exported, older, _ = team
    targets = sorted(sid for sid, cost in exported.items() if cost is not None)[: len(HOSTILE)]
    bad = dict(zip(targets, HOSTILE, strict=True))

    def poison(table, start):
        ids = table.column("session_id").to_pylist()
        costs = [bad.get(sid, cost) for sid, cost in zip(ids, table.column("cost_usd").to_pylist(), strict=True)]
        return table.set_column(table.schema.get_field_index("cost_usd"), "cost_usd", pa.array(costs, pa.float64()))

    poisoned = _rewrite(dataset, tmp_path / "poisoned", poison)
    every = SessionFilter(include_hidden=True)
    for root in (dataset, older, poisoned):
        library = open_dataset(str(root))
        try:
            for where in (every, SessionFilter(agent="codex", include_hidden=True)):
                spent, summed = library.spent(where), spent_of(library.list_sessions(where))
                assert (spent.sessions, spent.unpriced, spent.output_only) == (
                    summed.sessions, summed.unpriced, summed.output_only)
                assert spent.cost_usd == pytest.approx(summed.cost_usd, rel=1e-12)
            assert library.spent(every).sessions == len(exported)
        finally:
            library.close()
