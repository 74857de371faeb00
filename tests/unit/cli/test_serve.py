"""`tracetui serve` (issue 40): the app in a browser through textual-serve, bound to 127.0.0.1 and
read-only by default. One process serves the demo; the test fetches the page, then drives a tab as
a browser does (the websocket textual-serve's page opens) and reads the session list from what the
app draws. Where Chromium is installed, a headless Chromium loads the page and the session list is
read from the terminal the page draws (tests/support/headless_chromium.py)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from support.headless_chromium import CHROMIUM, read_terminal
from tracetui.cli import main

pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'tracetui[serve]')")
aiohttp = pytest.importorskip("aiohttp", reason="aiohttp comes with textual-serve")

ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-B]")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from tracetui.demo.build import build, open_library

    demo = build(tmp_path_factory.mktemp("serve") / "demo")
    open_library(demo).close()
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tracetui", "serve", "--bucket", str(demo.bucket),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "TEXTUAL_ANIMATIONS": "none"})  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            assert time.monotonic() < end, "tracetui serve did not listen within 20 s"
            time.sleep(0.1)
    yield url, proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# Under pytest-xdist both tests of the one server run on one worker: one demo built, one server started.
@pytest.mark.slow
@pytest.mark.xdist_group("serve")
def test_serve_shows_the_demo_session_list_in_a_tab(served):
    url, proc = served
    with urllib.request.urlopen(url + "/", timeout=10) as response:
        page = response.read().decode()
    assert response.status == 200 and "tracetui" in page and "/ws" in page

    async def tab() -> str:
        drawn = b""
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url.replace("http", "ws") + "/ws?width=160&height=40") as ws:
                end = time.monotonic() + 25
                while time.monotonic() < end:
                    try:
                        message = await ws.receive(timeout=2)
                    except asyncio.TimeoutError:
                        continue
                    if message.type == aiohttp.WSMsgType.BINARY:
                        drawn += message.data
                    elif message.type != aiohttp.WSMsgType.TEXT:
                        break
                    text = ANSI.sub(b"", drawn).decode("utf-8", "replace")
                    if "sales tax" in text and "read-only" in text:
                        return text
        return ANSI.sub(b"", drawn).decode("utf-8", "replace")

    text = asyncio.run(tab())
    assert "sales tax" in text, text[-2000:]  # the demo's Codex session, in the list
    assert "read-only" in text  # served read-only unless --writable


@pytest.mark.slow
@pytest.mark.xdist_group("serve")
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium; .ci/run does)")
def test_serve_shows_the_demo_session_list_in_headless_chromium(served, tmp_path):
    url, _ = served
    # The page as a browser runs it: its script opens the websocket and xterm.js draws the app.
    text = read_terminal(url + "/", lambda screen: "sales tax" in screen and "read-only" in screen, tmp_path)
    assert "sales tax" in text, text[-2000:] or "the page made no terminal"  # the demo's Codex session
    assert "Add a discount helper" in text and "Document the cart" in text  # and its Claude and Pi ones
    assert "3 sessions" in text and "read-only" in text


def test_serve_binds_loopback_and_read_only_by_default():
    from tracetui.cli import build_parser
    from tracetui.cli.serve import app_command

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and not args.writable
    assert app_command("/b", False).endswith("--bucket /b --read-only")
    assert "--read-only" not in app_command("/b", True)
    # A path with spaces and quotes stays one word in the shell line textual-serve runs.
    assert "'/a b/$(x)'" in app_command("/a b/$(x)", False)


def test_read_only_goes_only_with_the_app(capsys):
    assert main(["--read-only", "ls"]) == 2
    assert "--read-only goes with no command" in capsys.readouterr().err
