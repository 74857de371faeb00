"""A dataset over http(s) is read from a server someone else runs, and its answers are hostile input:
fsspec reads it with aiohttp, which followed every redirect silently. A server could send `sql
--dataset` or the app to another host, to this machine's own services (127.0.0.1) or to the cloud's
metadata address, a blind request from the reader's machine (SSRF). A redirect that leaves the
server the user named (another scheme, host or port) is now refused in one line that names where it
pointed, and nothing is asked of that place; one within the server (a folder's trailing `/`, which
Python's own http.server sends) is followed as before.

Served by http.server on 127.0.0.1: one server answers every request with a redirect, another
records whatever reaches it."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.datasets import small_dataset

from tracetui.cli import main
from tracetui.dataset.files import locate
from tracetui.errors import TracetuiError

pytest.importorskip("aiohttp", reason="fsspec's http filesystem needs aiohttp")
pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

SQL = "SELECT session_id FROM sessions ORDER BY 1"


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records each path asked of it; answers 200 with a page naming a parquet file."""

    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b"<a href='x.parquet'>x.parquet</a>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        pass


class _Redirector(http.server.BaseHTTPRequestHandler):
    """Answers every request with `status` to `location` (`{path}` is the asked path)."""

    location: str
    status: int

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Location", self.location.format(path=self.path))
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        pass


def _serve(handler: Any) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        worker.join(10)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    for name in ("CACHE", "STATE", "CONFIG", "DATA"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    return tmp_path


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    for url in _serve(handler):
        yield url, hits


def _redirector(location: str, status: int = 302) -> Iterator[str]:
    return _serve(type("Redirector", (_Redirector,), {"location": location, "status": status}))


# Where the redirect points: `{other}` is the recording server (another port of 127.0.0.1).
TARGETS = {
    "another port of loopback": "{other}/stolen{path}",
    "another host, scheme-relative": "//{other_host}/stolen{path}",
    "the metadata address": "http://169.254.169.254/latest/meta-data/",
    "a file": "file:///etc/passwd",
    "a private address": "http://10.0.0.1/admin",
}


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("target", list(TARGETS))
def test_a_redirect_out_of_the_server_is_refused_in_one_line(home, recorder, capsys, target, status):
    other, hits = recorder
    location = TARGETS[target].replace("{other_host}", other.removeprefix("http://")).replace("{other}", other)
    for url in _redirector(location, status):
        code = main(["sql", "--dataset", f"{url}/ds", SQL])
        err = capsys.readouterr().err
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, err
        shown = location.split("{path}")[0].removeprefix("//")
        assert "redirected to" in err and shown in err and "directly if you trust it" in err, err
        with pytest.raises(TracetuiError, match="redirected to"):
            locate(f"{url}/ds")  # the app's `--dataset` lists the dataset here
    assert hits == [], f"the redirect was followed: {hits}"


def test_a_redirect_within_the_server_is_followed(home, capsys):
    """Python's http.server sends a folder asked without its trailing `/` there (301, same server)."""
    folder = small_dataset(home / "served" / "ds")
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    handler = functools.partial(quiet, directory=str(folder.parent))
    for url in _serve(handler):
        assert main(["sql", "--dataset", f"{url}/ds", SQL]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert "s1" in out and "s2" in out
