"""A headless Chromium that loads a page on this machine and reads the terminal it draws.

textual-serve's page draws the app with xterm.js into canvases, so the DOM holds no text. Chromium
is driven over its DevTools protocol (a websocket, through aiohttp, which comes with textual-serve):
a script run before the page's own catches the xterm.js Terminal the page keeps (textual-serve
stores it as `this.terminal` in a closure), and the screen is then read from that Terminal's buffer,
the text xterm.js parsed from the app's bytes and draws. Chromium resolves no host but 127.0.0.1
(`--host-resolver-rules`), so the page's web font and Chromium's own background requests go nowhere.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

# An accessor on Object.prototype: the page's `this.terminal = new Terminal(...)` calls it, and it
# makes the property an ordinary one again (so the page works as before) after keeping the Terminal.
_CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {configurable: true, set(value) {
  Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
  if (value && value.buffer && value.buffer.active) window.__caughtTerminal = value;
}});
"""
_READ_SCREEN = """(() => {
  const terminal = window.__caughtTerminal;
  if (!terminal) return null;
  const buffer = terminal.buffer.active, rows = [];
  for (let i = 0; i < buffer.length; i++) rows.push(buffer.getLine(i).translateToString(true));
  return rows.join("\\n");
})()"""


def _launch(profile: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Chromium, headless on a fresh profile, and the DevTools port it chose (written in the profile)."""
    assert CHROMIUM is not None
    # Its chatter goes to a file: a pipe nobody reads would fill and stall the browser.
    log = profile / "chromium.log"
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    with log.open("wb") as chatter:  # the browser holds its own copy of the file
        proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "--window-size=1600,1000", "--no-first-run",
             "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=chatter,
        )  # fmt: skip
    port_file = profile / "DevToolsActivePort"
    # Its start is not what a test checks: on a loaded 2-core CI machine one took more than 30 s.
    end = time.monotonic() + 120
    while True:
        lines = port_file.read_text().split() if port_file.is_file() else []
        if len(lines) >= 2:  # the port, then the browser's path: the file is whole
            return proc, int(lines[0])
        if proc.poll() is not None:
            err = log.read_text(errors="replace")
            raise AssertionError(f"Chromium exited ({proc.returncode}): {err[-2000:]}")
        if time.monotonic() > end:
            _stop(proc)
            err = log.read_text(errors="replace")
            raise AssertionError(f"Chromium opened no DevTools port within 120 s: {err[-2000:]}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()  # the browser closes its renderers as it exits
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_terminal(url: str, done: Callable[[str], bool], profile: Path, timeout: float = 90) -> str:
    """The text of the terminal the page at `url` draws, once `done` holds for it (or at `timeout`,
    as it then stands; "" where the page made no terminal)."""
    import aiohttp

    proc, port = _launch(profile)

    async def drive() -> str:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                calls = 0

                async def call(method: str, **params: Any) -> dict[str, Any]:
                    nonlocal calls
                    calls += 1
                    await ws.send_json({"id": calls, "method": method, "params": params})
                    while True:  # events come between the answers; only the answer matters here
                        message = await ws.receive_json(timeout=10)
                        if message.get("id") == calls:
                            assert "error" not in message, message
                            return message["result"]

                await call("Page.enable")  # the script below runs in new documents only once enabled
                await call("Page.addScriptToEvaluateOnNewDocument", source=_CATCH_TERMINAL)
                await call("Page.navigate", url=url)
                text = ""
                end = time.monotonic() + timeout
                while time.monotonic() < end:
                    result = await call("Runtime.evaluate", expression=_READ_SCREEN, returnByValue=True)
                    text = result["result"].get("value") or ""
                    if text and done(text):
                        break
                    await asyncio.sleep(0.2)
                return text

    try:
        return asyncio.run(drive())
    finally:
        _stop(proc)
