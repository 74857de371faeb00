"""A team dataset over http(s) whose server is down or silent. fsspec's listing of an http folder
swallows a connection's failure and lists nothing, so `tracetui sql --dataset http://…` said the
local cache folder (`~/.cache/tracetui/sql/remote-…`) "holds no sessions table": a path the user
never gave, and no word of the server. It now names the URL and why, in one line: the connection
was refused, or the server did not answer. Found 2026-11-28 by a red team, with a dead port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from support.silent_server import short_silence, silent_server

from tracetui.cli import main

pytest.importorskip("aiohttp", reason="fsspec's http filesystem needs aiohttp")
pytest.importorskip("duckdb")


def _dead_port() -> int:
    # A port just bound and closed: nothing listens there, so a connection is refused at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent() -> Iterator[str]:
    with silent_server("/team") as url:
        yield url


@pytest.fixture
def short_wait(monkeypatch):
    with short_silence(monkeypatch):
        yield


def _sql(url: str, tmp_path, monkeypatch, capsys) -> str:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    codes: list[int] = []
    argv = ["sql", "--dataset", url, "SELECT count(*) FROM sessions"]
    run = threading.Thread(target=lambda: codes.append(main(argv)), daemon=True)
    run.start()
    run.join(60)
    assert codes and codes[0] != 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert str(tmp_path / "cache") not in err, err  # the cache folder is no name the user gave
    return err


def test_a_dead_server_is_named_with_its_refusal(tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{_dead_port()}/team/"
    err = _sql(url, tmp_path, monkeypatch, capsys)
    assert url.rstrip("/") in err and "refused" in err, err


def test_a_silent_server_is_named_with_its_silence(silent, short_wait, tmp_path, monkeypatch, capsys):
    err = _sql(silent, tmp_path, monkeypatch, capsys)
    assert silent in err and "did not answer" in err, err
