"""A dataset over http(s) is read from a server someone else runs: one that takes the connection and
then says nothing held `tracetui sql --dataset`, `export --check` and the app's first screen until
aiohttp's total of 300 s a request ran out, and that for each request a read makes (found 2026-11-28
with a server that accepts and never answers: `sql --dataset` still waiting after 100 s). A server
silent for longer than a read's wait is now one line, as one that cannot be reached is.

The wait is shortened here to keep the test short; the server holds every connection open."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from support.silent_server import short_silence, silent_server

from tracetui.cli import main

pytest.importorskip("aiohttp", reason="fsspec's http filesystem needs aiohttp")
pytest.importorskip("duckdb")


@pytest.fixture
def silent() -> Iterator[str]:
    with silent_server("/ds") as url:
        yield url


@pytest.fixture
def short_wait(monkeypatch):
    with short_silence(monkeypatch):
        yield


@pytest.mark.parametrize("argv", [["sql", "--dataset", "{url}", "SELECT count(*) FROM sessions"],
                                  ["export", "--check", "{url}"]])  # fmt: skip
def test_a_server_that_never_answers_is_one_line(silent, short_wait, tmp_path, monkeypatch, capsys, argv):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    codes: list[int] = []
    started = time.monotonic()
    # A thread, so a read that never returns fails the test instead of holding the suite.
    run = threading.Thread(target=lambda: codes.append(main([a.format(url=silent) for a in argv])), daemon=True)
    run.start()
    run.join(60)
    assert codes, f"still waiting on a silent server after {time.monotonic() - started:.0f} s"
    err = capsys.readouterr().err
    assert codes[0] != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
