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
    end = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            assert time.monotonic() < end, "tracetui serve did not listen within 20 s"
            time.sleep(0.1)
    assert proc.stderr is not None
    said = proc.stderr.readline().decode()  # printed before it listens: the address and its token
    printed = re.search(r"at (http://127\.0\.0\.1:\d+/\?token=[\w-]+) ", said)
    assert printed, said
    yield printed.group(1), proc
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
    address, proc = served
    url = address.split("/?")[0]

    async def tab() -> str:
        drawn = b""
        # The printed address sets the token's cookie (kept for an IP address too: unsafe=True).
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(address) as response:
                page = await response.text()
            assert response.status == 200 and "tracetui" in page and "/ws" in page
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
    address, _ = served
    # The page as a browser runs it, at the address printed: its script opens the websocket (the
    # token's cookie set) and xterm.js draws the app.
    text = read_terminal(address, lambda screen: "sales tax" in screen and "read-only" in screen, tmp_path)
    assert "sales tax" in text, text[-2000:] or "the page made no terminal"  # the demo's Codex session
    assert "Add a discount helper" in text and "Document the cart" in text  # and its Claude and Pi ones
    assert "3 sessions" in text and "read-only" in text


def _refused(address: str, path: str, cookie: bool, headers: dict[str, str]) -> int:
    """The status of a request for `path` of the served app (the websocket: its handshake's), with the
    token's cookie or not, and `headers` a stranger sets."""

    async def ask() -> int:
        url = address.split("/?")[0]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            if cookie:
                async with session.get(address) as response:
                    assert response.status == 200
            if path == "/ws":
                try:
                    async with session.ws_connect(url.replace("http", "ws") + "/ws?width=80&height=24", headers=headers):
                        return 101
                except aiohttp.WSServerHandshakeError as exc:
                    return exc.status
            async with session.get(url + path, headers=headers, allow_redirects=False) as response:
                return response.status

    return asyncio.run(ask())


# What a stranger can try against a server on 127.0.0.1: a page of another site opening its websocket
# (browsers let it), a name of theirs resolved to 127.0.0.1 (DNS rebinding), another user of the machine.
STRANGERS = {
    "the-page-without-the-token": ("/", False, {}),
    "a-wrong-token": ("/?token=guessed", False, {}),
    "the-websocket-without-the-token": ("/ws", False, {}),
    "another-site-s-page-on-the-websocket": ("/ws", False, {"Origin": "https://evil.example"}),
    "another-site-s-page-with-the-cookie": ("/ws", True, {"Origin": "https://evil.example"}),
    "a-rebound-name-with-the-cookie": ("/", True, {"Host": "evil.example"}),
    "a-download-without-the-token": ("/download/anything", False, {}),
}


@pytest.mark.slow
@pytest.mark.xdist_group("serve")
@pytest.mark.parametrize("case", sorted(STRANGERS))
def test_only_the_browser_that_opened_the_printed_address_drives_the_app(served, case):
    """Whoever drives the page reads every session the app shows: textual-serve lets anyone who reaches
    the port open its websocket, so `serve` keeps it to the holder of the token it printed."""
    address, _ = served
    path, cookie, headers = STRANGERS[case]
    assert _refused(address, path, cookie, headers) == 403
    # The printed address itself, from the same origin: the page, then its websocket.
    assert _refused(address, "/", True, {}) == 200
    assert _refused(address, "/ws", True, {"Origin": address.split("/?")[0]}) == 101


def test_a_textual_serve_without_the_guards_hook_is_refused_not_served_open(capsys, monkeypatch):
    """The guard goes in where textual-serve makes its application (`_make_app`): a version without
    that hook would serve the app to anyone who reaches the port."""
    import textual_serve.server as served_module

    class Unhooked:
        def __init__(self, *args, **kwargs):
            raise AssertionError("served without the guard")

    monkeypatch.setattr(served_module, "Server", Unhooked)
    assert main(["serve", "--demo", "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no hook for tracetui's guard" in err


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
