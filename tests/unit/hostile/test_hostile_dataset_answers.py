"""An http(s) dataset's server decides how long each answer is, and fsspec read every answer whole into
memory: the page listing a folder (`sql --dataset`, `export --check`, the app) and the answer to a
range of a file (a parquet footer, a block of a copy). A listing sent gzip'd (2 MB, 2 GB inflated, as
aiohttp inflates what a server says is gzip) or without end took 2.3 GB before a MemoryError, and a
`206` answering an 8-byte range with megabytes was read whole. Found 2026-11-28 with such a server.
An answer is now read up to the range asked, or `ANSWER_LIMIT` where no range was, and refused past
it in one line."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tracetui.cli import main
from tracetui.dataset import location
from tracetui.dataset.location import open_location

pytest.importorskip("aiohttp", reason="fsspec's http filesystem needs aiohttp")

LIMIT = 1 << 20  # the answer limit these tests set, so a bomb of a few MB is past it
CHUNK = b"<a>" + b"x" * 65533


class _Hostile(http.server.BaseHTTPRequestHandler):
    inflated = gzip.compress(b"<html>" + b" " * (8 * LIMIT), compresslevel=9)

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's names)
        self.send_response(206 if "Range" in self.headers else 200)
        self.send_header("Content-Type", "text/html")
        if self.path.endswith("/gzip/"):
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(self.inflated)))
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self.do_HEAD()
        # Gzip'd, or without end: HTTP/1.0 ends an answer with its connection, and this one runs on
        # (64 MB here) until the reader hangs up, a range's answer too.
        try:
            if self.path.endswith("/gzip/"):
                self.wfile.write(self.inflated)
                return
            for _ in range(1024):
                self.wfile.write(CHUNK)
        except OSError:
            return

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(location, "ANSWER_LIMIT", LIMIT, raising=False)
    location._http_options.cache_clear()
    yield
    location._http_options.cache_clear()


@pytest.mark.parametrize("folder", ["/endless/", "/gzip/"])
def test_a_listing_past_the_limit_is_one_line(small_limit, folder, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with _server() as url:
        capsys.readouterr()
        assert main(["sql", "--dataset", url + folder, "SELECT count(*) FROM sessions"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "MB" in err and "answer" in err, err


def test_a_range_is_answered_with_the_range_at_most(small_limit):
    with _server() as url:
        fs = open_location(url + "/endless/").fs
        with pytest.raises(Exception, match="answer"):
            fs.cat_file(url + "/endless/part.parquet", start=0, end=8)
