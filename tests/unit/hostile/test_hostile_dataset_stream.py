"""A remote dataset's files are copied into the user's cache before DuckDB reads them
(tracetui.dataset.mirror), each held to the size its listing gives and all of them to the room the
disk can spare. An http(s) listing gives no size at all (fsspec reads it from the server's page of
links), and a file of no stated size was copied with no ceiling: a server that streams without end
filled the user's disk (2.5 GB in 10 s over loopback, found 2026-11-28 with `tracetui sql --dataset
http://…`). Such a file is now held to what the disk can spare, and stopped in one line past it.

Here the disk is made to look small (64 MiB free) and the server stops by itself at 256 MiB, so the
old code ends too, having written all of it."""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tracetui.cli import main
from tracetui.dataset import mirror

pytest.importorskip("aiohttp", reason="fsspec's http filesystem needs aiohttp")
pytest.importorskip("duckdb")

MiB = 1 << 20
STREAMED = 256 * MiB
TABLES = ("sessions", "steps", "tool_calls", "patches")
PAGES = {"/": ["data/", "machines/"], "/data/": [f"{t}/" for t in TABLES], "/machines/": ["x/"],
         **{f"/data/{t}/": ["machine=x/"] for t in TABLES},
         **{f"/data/{t}/machine=x/": ["part-00000.parquet"] for t in TABLES}}  # fmt: skip


class _Streamer(http.server.BaseHTTPRequestHandler):
    """A dataset's pages of links, and Parquet files of no stated length that go on for STREAMED bytes."""

    protocol_version = "HTTP/1.0"

    def do_GET(self, head: bool = False) -> None:
        path = self.path.split("?")[0]
        path = path + "/" if path + "/" in PAGES else path
        if path in PAGES:
            body = "".join(f"<a href='{name}'>{name}</a>\n" for name in PAGES[path]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
            return
        self.send_response(200 if path.endswith(".parquet") else 404)
        self.end_headers()  # no Content-Length: the body ends when the connection does
        if head or not path.endswith(".parquet"):
            return
        chunk = b"\0" * MiB
        try:
            for _ in range(STREAMED // MiB):
                self.wfile.write(chunk)
        except OSError:
            pass  # the reader stopped

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Streamer)
    worker = threading.Thread(target=httpd.serve_forever, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        worker.join(10)


def _cached_bytes(top: Path) -> int:
    return sum(p.stat().st_size for p in top.rglob("*") if p.is_file())


def test_a_file_of_no_stated_size_is_held_to_the_room_the_disk_can_spare(server, tmp_path, monkeypatch,
                                                                          capsys):
    for name in ("CACHE", "STATE", "CONFIG", "DATA"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    real = shutil.disk_usage

    def small_disk(path: Any) -> Any:
        usage = real(path)
        return type(usage)(usage.total, usage.total - 64 * MiB, 64 * MiB)

    monkeypatch.setattr(mirror.shutil, "disk_usage", small_disk)
    code = main(["sql", "SELECT count(*) FROM sessions", "--dataset", server])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert "can spare" in err
    assert _cached_bytes(tmp_path / "cache") < 64 * MiB
