"""`refresh_plans`: many sessions' plans brought up to date by worker processes, a session each, are the
plans, caches and errors one process makes, in the sessions' order; cancelling or leaving early stops
the workers, and a worker that dies leaves its session to the caller's process.

Every value here is made up for these tests.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tracetui.errors import TracetuiError
from tracetui.model import Session, Step
from tracetui.redact import Identity, PlanStore, refresh_plan, refresh_plans
from tracetui.redact import many

ME = Identity(user_names={"jdoe"}, host_names={"build-box-7"})


@pytest.fixture(autouse=True)
def _pool_for_any_text(monkeypatch):
    monkeypatch.setattr(many, "POOL_CHARS", 0)  # these sessions are small: start the workers anyway


def _session(n: int, lines: int = 3) -> Session:
    texts = [
        f"ping ana.ruiz{n}@corp-mail.io from /Users/jdoe/proj{n}",
        f"export GITHUB_TOKEN=ghp_{'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3f'[: 36 - len(str(n))]}{n}",
        "password = 'Zq8#vLm2!pXr" + str(n) + "'\n" * lines,
    ]
    steps = [Step(id=f"s{i}", index=i, kind="user", role="user", text=t) for i, t in enumerate(texts)]
    return Session(id=f"sess-{n:03d}", agent="claude", source="x.jsonl", title=f"run {n}", steps=steps)


def _same(plan) -> dict:
    """A plan as two fresh ones compare: each draws its own random key, and so its own value ids."""
    d = plan.to_dict()
    d.pop("key")
    for span in d["spans"]:
        span.pop("value_id")
    return d


def _plans(store: PlanStore, sessions: list[Session]) -> list[dict]:
    return [_same(store.load(s.id)) for s in sessions]


def _watch_spawns(monkeypatch) -> list[subprocess.Popen]:
    started: list[subprocess.Popen] = []
    spawn = many.spawn

    def watched(module: str):
        proc = spawn(module)
        started.append(proc)
        return proc

    monkeypatch.setattr(many, "spawn", watched)
    return started


def test_plans_made_by_the_workers_are_those_made_one_at_a_time(tmp_path):
    sessions = [_session(n) for n in range(7)]
    serial = PlanStore(tmp_path / "a" / "plans", tmp_path / "a" / "cache")
    alone = [_same(refresh_plan(s, serial, ME)) for s in sessions]
    pooled = PlanStore(tmp_path / "b" / "plans", tmp_path / "b" / "cache")
    got = list(refresh_plans(iter(sessions), pooled, ME, count=len(sessions), workers=2))
    assert [s.id for s, _ in got] == [s.id for s in sessions]  # in the sessions' order
    assert [_same(p) for _, p in got] == alone == _plans(pooled, sessions)
    assert any(span["kind"] == "email" for plan in alone for span in plan["spans"])
    for s in sessions:  # the same scan cache, byte for byte
        assert pooled.cache_path(s.id).read_bytes() == serial.cache_path(s.id).read_bytes()


def test_sessions_whose_fields_are_all_cached_start_no_worker(tmp_path, monkeypatch):
    sessions = [_session(n) for n in range(4)]
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    first = [p.to_dict() for _, p in refresh_plans(sessions, store, ME, workers=2)]
    started = _watch_spawns(monkeypatch)
    assert [p.to_dict() for _, p in refresh_plans(sessions, store, ME, workers=2)] == first
    assert started == []
    # A session with a field the cache lacks goes to a worker; the cached ones stay here.
    got = list(refresh_plans(sessions + [_session(9)], store, ME, workers=2))
    assert [p.to_dict() for _, p in got][:4] == first and len(started) == 1


def test_a_damaged_plan_is_raised_as_refresh_plan_raises_it(tmp_path):
    sessions = [_session(n) for n in range(3)]
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    store.path(sessions[1].id).parent.mkdir(parents=True)
    store.path(sessions[1].id).write_text("[1, 2")
    with pytest.raises(TracetuiError) as alone:
        refresh_plan(sessions[1], store, ME)
    with pytest.raises(TracetuiError) as pooled:
        list(refresh_plans(sessions, store, ME, workers=2))
    assert str(pooled.value) == str(alone.value) and "damaged" in str(alone.value)


def test_cancelling_stops_the_workers_and_yields_no_more(tmp_path, monkeypatch):
    started = _watch_spawns(monkeypatch)
    sessions = [_session(n, lines=4000) for n in range(8)]
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    got: list = []
    # Cancelled once the first plan is in, while the workers hold the next sessions (as the Review
    # screen's worker is cancelled when the screen closes mid-scan).
    for item in refresh_plans(sessions, store, ME, workers=2, cancelled=lambda: len(got) > 0):
        got.append(item)
    assert [s.id for s, _ in got] == [sessions[0].id]
    assert started and all(p.poll() is not None for p in started)


def test_cancelling_while_a_worker_scans_stops_it(tmp_path, monkeypatch):
    started = _watch_spawns(monkeypatch)
    sessions = [_session(n, lines=4000) for n in range(4)]
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    asked = []

    def cancelled() -> bool:  # true from the wait for the first answer on, once a worker has started
        asked.append(1)
        return bool(started) and len(asked) > 2

    assert list(refresh_plans(sessions, store, ME, workers=2, cancelled=cancelled)) == []
    assert started and all(p.poll() is not None for p in started)


def test_a_caller_that_stops_reading_stops_the_workers(tmp_path, monkeypatch):
    started = _watch_spawns(monkeypatch)
    sessions = [_session(n, lines=2000) for n in range(8)]
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    plans = refresh_plans(sessions, store, ME, workers=2)
    first, _ = next(plans)
    assert first.id == sessions[0].id
    plans.close()
    assert started and all(p.poll() is not None for p in started)


def test_a_worker_that_dies_or_cannot_start_leaves_its_session_to_this_process(tmp_path, monkeypatch):
    def dying(module: str):
        return subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.buffer.read(4)"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    monkeypatch.setattr(many, "spawn", dying)
    sessions = [_session(n) for n in range(3)]
    serial = PlanStore(tmp_path / "a" / "plans", tmp_path / "a" / "cache")
    alone = [_same(refresh_plan(s, serial, ME)) for s in sessions]
    store = PlanStore(tmp_path / "b" / "plans", tmp_path / "b" / "cache")
    assert [_same(p) for _, p in refresh_plans(sessions, store, ME, workers=2)] == alone

    def failing(module: str):
        raise OSError("no more processes")

    monkeypatch.setattr(many, "spawn", failing)
    store = PlanStore(tmp_path / "c" / "plans", tmp_path / "c" / "cache")
    assert [_same(p) for _, p in refresh_plans(sessions, store, ME, workers=2)] == alone


def test_one_session_or_one_core_is_refreshed_here(tmp_path, monkeypatch):
    def refuse(module: str):
        raise AssertionError("no worker for one session")

    monkeypatch.setattr(many, "spawn", refuse)
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    assert len(list(refresh_plans([_session(1)], store, ME, count=1))) == 1
    assert len(list(refresh_plans([_session(2), _session(3)], store, ME, workers=1))) == 2


def test_too_little_to_scan_starts_no_worker(tmp_path, monkeypatch):
    started = _watch_spawns(monkeypatch)
    monkeypatch.setattr(many, "POOL_CHARS", 400)
    sessions = [_session(n) for n in range(6)]  # 152 characters each to scan
    serial = PlanStore(tmp_path / "a" / "plans", tmp_path / "a" / "cache")
    alone = [_same(refresh_plan(s, serial, ME)) for s in sessions]
    store = PlanStore(tmp_path / "b" / "plans", tmp_path / "b" / "cache")
    assert [_same(p) for _, p in refresh_plans(sessions[:2], store, ME, workers=2)] == alone[:2]
    assert started == []
    # Past POOL_CHARS the rest go to the workers, in the sessions' order still.
    assert [_same(p) for _, p in refresh_plans(sessions, store, ME, workers=2)] == alone
    assert started


def test_text_scanner_workers_find_what_one_process_finds(monkeypatch):
    # The export's second gate scans on every core: batches go to workers, findings come back in the
    # order of the texts, the same as `scan_text` gives here.
    from tracetui.redact import TextScanner, scan_text

    texts = [_session(n).steps[i].text or "" for n in range(6) for i in range(3)] + ["nothing here"]
    monkeypatch.setattr(many, "POOL_CHARS", len(texts[0]) + 1)
    scanner = TextScanner(workers=2)
    scanner.BATCH_CHARS = 100  # several batches, so both workers take some
    try:
        first = scanner.scan(texts[:1], ME)
        assert scanner._pool is None  # too little for workers: scanned here
        found = scanner.scan(texts, ME)  # what was scanned here counts: now worth the workers
        assert scanner._pool is not None and len(scanner._pool.procs) == 2  # the workers did scan
        again = scanner.scan(texts[:2], ME)  # the running pool serves the next session's gate too
    finally:
        scanner.close()
    assert found == [scan_text(t, ME) for t in texts]
    assert again == found[:2] and first == found[:1]
    assert any(found) and found[-1] == []


def test_text_scanner_submissions_overlap_and_answer_each_in_its_order(monkeypatch):
    # An export submits the next session's texts before it asks for the last one's findings: each
    # submission's answers are its own, in its order, whichever is asked for first.
    from tracetui.redact import TextScanner, scan_text

    texts = [_session(n).steps[i].text or "" for n in range(6) for i in range(3)] + ["nothing here"]
    monkeypatch.setattr(many, "POOL_CHARS", 1)
    scanner = TextScanner(workers=2)
    scanner.BATCH_CHARS = 100
    try:
        one = scanner.submit(texts[:10], ME)
        two = scanner.submit(texts[10:], ME)
        assert one.done is None and one.tickets and two.tickets  # started, not waited for
        second = scanner.results(two)
        first = scanner.results(one)
        assert scanner.results(one) is first  # asked again: the same answer, nothing waited for
    finally:
        scanner.close()
    assert first + second == [scan_text(t, ME) for t in texts]
    assert any(first) or any(second)
