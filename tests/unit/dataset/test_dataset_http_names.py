"""A file of an http(s) dataset read back by the name its listing gave: `Location.rel` decodes the
page's percent-encoded links, and `Location.path` must encode the name again. It did not: a name
with `#` or `?` lost its end to the URL's fragment or query (not found), and one holding `%20` read
the file named with a space instead, silently.

A folder served by Python's http.server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from tracetui.dataset.location import open_location

pytest.importorskip("aiohttp", reason="fsspec's http filesystem needs aiohttp")

NAMES = ["plain", "a b", "a#b", "a?b", "a%b", "a%20b", "a+b", "a=b", "é"]


def test_each_listed_name_reads_its_own_file(tmp_path):
    folder = tmp_path / "ds" / "data" / "x"
    folder.mkdir(parents=True)
    for name in NAMES:
        (folder / f"{name}.parquet").write_text(f"content of {name}", encoding="utf-8")
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    handler = functools.partial(quiet, directory=str(tmp_path / "ds"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        location = open_location(f"http://127.0.0.1:{server.server_port}/")
        read: dict[str, str] = {}
        for listed in location.fs.find(location.root, withdirs=False):
            rel = location.rel(str(listed))
            assert rel is not None
            with location.fs.open(location.path(rel), "rb") as fh:
                read[rel] = fh.read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()
    assert read == {f"data/x/{name}.parquet": f"content of {name}" for name in NAMES}


def test_a_table_glob_keeps_its_wildcards():
    location = open_location("http://127.0.0.1:9/ds")
    assert location.table_glob("steps") == "http://127.0.0.1:9/ds/data/steps/machine=*/*/*/*.parquet"
