"""Closing a bucket while another thread's statement runs: the app quit during a sync, the CLI closed
the bucket, and SQLite's connection was closed under the sync's running query (a segmentation fault
in test_live's F5 test, once in a full run)."""

from __future__ import annotations

import threading

from tracetui.bucket import Bucket


def test_a_close_lets_another_threads_running_statement_finish(tmp_path):
    bucket = Bucket.open(tmp_path / "bucket")
    running, release = threading.Event(), threading.Event()
    seen: list[object] = []

    def held() -> int:
        running.set()
        release.wait(10)
        return 1

    def work() -> None:
        try:
            conn = bucket._conn()  # the thread's own connection, as a sync's reads use it
            conn.create_function("held", 0, held)
            seen.append(conn.execute("SELECT held()").fetchone()[0])
            seen.append(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0)
        except Exception as exc:  # the connection closed under it
            seen.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    assert running.wait(10)
    bucket.close()  # from this thread, while the other's statement runs
    release.set()
    thread.join(10)
    assert seen == [1, True]


def test_a_close_closes_this_threads_connection_and_an_ended_threads(tmp_path):
    bucket = Bucket.open(tmp_path / "bucket")
    mine = bucket._conn()
    theirs: list = []
    thread = threading.Thread(target=lambda: theirs.append(bucket._conn()))
    thread.start()
    thread.join(10)
    bucket.close()
    for conn in (mine, theirs[0]):
        try:
            conn.execute("SELECT 1")
        except Exception as exc:
            assert "closed" in str(exc)
        else:
            raise AssertionError("a connection close() should have closed is open")
    assert bucket.count_sessions() == 0  # the bucket opens a new one when next asked
