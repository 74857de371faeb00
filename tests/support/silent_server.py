"""A server on 127.0.0.1 that accepts every connection and never sends a byte: what a read from a
dataset someone else serves must give up on, in one line."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def silent_server(path: str) -> Iterator[str]:
    """The server's URL with `path`; every connection it took is closed on the way out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    done = threading.Event()

    def hold() -> None:
        listener.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    worker = threading.Thread(target=hold, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}{path}"
    finally:
        done.set()
        worker.join(5)
        for conn in held:
            conn.close()
        listener.close()


@contextmanager
def short_silence(monkeypatch, seconds: float = 1.0) -> Iterator[None]:
    """The silence a dataset read allows (`location.SILENCE_SECONDS`) cut to `seconds`, its cached http
    options made again on the way in and out."""
    from tracetui.dataset import location

    monkeypatch.setattr(location, "SILENCE_SECONDS", seconds, raising=False)
    location._http_options.cache_clear()
    try:
        yield
    finally:
        location._http_options.cache_clear()
