"""`tracetui export --check URL` of a dataset served over http(s): a server's page of links gives no
file's size, and the check took every such size for 0, so each file the manifest lists (the card, the
receipts) was reported as of another size than the manifest's. A size the listing does not give is no
mismatch: the file's digest decides, as it does for every file. And the page's links are
percent-encoded (`machine%3Dm1`): taken as names, every table file was missing from its partition and
a stray outside any; decoded, they are the manifest's names.

A machine's export of the Pi fixture into a dataset, served by Python's http.server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from support.fixture_bucket import synced

from tracetui.cli import main

pytest.importorskip("aiohttp", reason="fsspec's http filesystem needs aiohttp")
pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")


@pytest.fixture
def dataset(tmp_path, monkeypatch) -> Path:
    for name in ("CACHE", "STATE", "CONFIG", "DATA"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    bucket = synced(tmp_path, main)
    url = (tmp_path / "ds").as_uri()
    assert main([*bucket, "export", url, "--machine", "m1", "--format", "parquet", "--accept-suggested",
                 "--json"]) == 0  # fmt: skip
    return tmp_path / "ds"


def _served(folder: Path) -> Iterator[str]:
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    handler = functools.partial(quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def _check(url: str, capsys) -> dict:
    capsys.readouterr()
    main(["export", "--check", url, "--json"])
    return orjson.loads(capsys.readouterr().out)


def test_a_size_the_listing_does_not_give_is_no_mismatch(dataset, capsys):
    for url in _served(dataset):
        found = _check(url, capsys)
    assert found["files"] == 6
    assert [p for p in found["problems"] if "size" in p["problem"]] == []


def test_the_digest_still_decides(dataset, capsys):
    [receipt] = (dataset / "machines" / "m1" / "receipts").rglob("*.json")
    data = receipt.read_bytes()
    receipt.write_bytes(data.replace(b"{", b"[", 1))  # the same size, other bytes
    for url in _served(dataset):
        found = _check(url, capsys)
    rel = receipt.relative_to(dataset).as_posix()
    assert {"file": rel, "problem": "its bytes differ from machine m1's manifest digest"} in found["problems"]


def test_a_served_export_checks_clean(dataset, capsys):
    for url in _served(dataset):
        found = _check(url, capsys)
    assert found["problems"] == []
    assert found["ok"] and found["machines"] == ["m1"] and found["sessions"] == 1
    assert found["rows"]["sessions"] == 1 and found["rows"]["steps"] > 0
