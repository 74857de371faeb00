"""A whole sync skips its plan only when nothing the plan reads has changed since a quiet sync
(`tracetui.bucket.unchanged`); every change that matters still reaches the index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from support.small_bucket import CLAUDE_ID, PI_ID, bucket, sources  # noqa: F401 (fixtures)

from tracetui.bucket import sync_plan, unchanged

PI_LINE = (
    '{"type":"message","id":"e9","parentId":"e2","timestamp":"2026-01-06T09:00:09.000Z",'
    '"message":{"role":"user","content":[{"type":"text","text":"zebracorn arrives"}]}}\n'
)


@pytest.fixture
def plans(monkeypatch) -> list[int]:
    """How many times a whole sync ran its plan."""
    ran: list[int] = []
    real = sync_plan._plan

    def counted(*args, **kwargs):
        ran.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("tracetui.bucket.sync._plan", counted)
    return ran


def _pi_log(sources) -> Path:
    return next(sources["pi"][0].glob("*.jsonl"))


def _sidecars(bucket) -> list[Path]:
    return sorted((bucket.root / "raw").glob("*.json"))


def test_a_quiet_sync_keeps_a_digest_and_the_next_one_skips_the_plan(bucket, sources, plans):
    assert bucket.count_sessions() == 2
    first = bucket.sync(sources)  # the cold sync had work: this one finds none and keeps the digest
    assert (first.new, first.updated, first.unchanged, first.errors) == (0, 0, 2, [])
    assert plans == [1]
    again = bucket.sync(sources)
    assert plans == [1]  # the plan was not run
    assert (again.sessions, again.new, again.updated, again.unchanged, again.errors) == (2, 0, 0, 2, [])


def _grow(bucket, sources) -> None:
    with _pi_log(sources).open("a") as fh:
        fh.write(PI_LINE)


def _touch(bucket, sources) -> None:
    log = _pi_log(sources)
    st = log.stat()
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _lose_a_sidecar(bucket, sources) -> None:
    _sidecars(bucket)[0].unlink()


def _rewrite_a_sidecar(bucket, sources) -> None:
    sidecar = _sidecars(bucket)[0]
    sidecar.write_bytes(sidecar.read_bytes() + b" ")


def _add_a_log(bucket, sources) -> None:
    log = _pi_log(sources)
    twin = log.with_name(log.name.replace("7d1e5b3a", "7d1e5b3b"))
    twin.write_bytes(log.read_bytes().replace(PI_ID.encode(), b"7d1e5b3b" + PI_ID[8:].encode()))


def _remove_a_session(bucket, sources) -> None:
    bucket.remove(CLAUDE_ID)


def _forget_the_groups(bucket, sources) -> None:
    conn = bucket._conn()
    conn.execute("UPDATE groups SET sig = 'stale'")


@pytest.mark.parametrize(
    "change",
    [_grow, _touch, _lose_a_sidecar, _rewrite_a_sidecar, _add_a_log, _remove_a_session, _forget_the_groups],
)
def test_any_change_the_plan_reads_runs_the_plan(bucket, sources, plans, change):
    bucket.sync(sources)
    digest = unchanged.recorded(bucket._conn())
    assert digest is not None
    change(bucket, sources)
    bucket.sync(sources)
    assert plans == [1, 1]


def test_what_changed_reaches_the_index_after_a_skipped_plan(bucket, sources):
    bucket.sync(sources)
    bucket.sync(sources)  # skipped
    _grow(bucket, sources)
    report = bucket.sync(sources)
    assert report.updated == 1
    assert [h.session for h in bucket.search("zebracorn")] == [PI_ID]
    _add_a_log(bucket, sources)
    assert bucket.sync(sources).new == 1
    _remove_a_session(bucket, sources)
    after = bucket.sync(sources)
    assert after.sessions == 2 and CLAUDE_ID not in {s.id for s in bucket.list_sessions()}


def test_a_lost_sidecar_is_rebuilt_and_said_after_a_skipped_plan(bucket, sources):
    bucket.sync(sources)
    _lose_a_sidecar(bucket, sources)
    report = bucket.sync(sources)
    assert any("was damaged; rebuilt it" in e.error for e in report.errors)
    assert len(_sidecars(bucket)) == 2


def test_a_sync_with_something_to_say_keeps_no_digest_and_says_it_again(bucket, sources, plans, tmp_path):
    outside = tmp_path / "outside.jsonl"
    outside.write_bytes(_pi_log(sources).read_bytes())
    (sources["pi"][0] / "2026-01-07T09-00-00-000Z_linked.jsonl").symlink_to(outside)  # leaves its folder
    for _ in range(2):
        report = bucket.sync(sources)
        assert any("of its source folder" in e.error for e in report.errors), report.errors
    assert unchanged.recorded(bucket._conn()) is None
    assert plans == [1, 1]


def test_a_new_version_runs_the_plan(bucket, sources, plans, monkeypatch):
    bucket.sync(sources)
    monkeypatch.setattr(unchanged, "__version__", "99.0")
    bucket.sync(sources)
    assert plans == [1, 1]
