"""A worker for the generic pool's tests (`tracetui/worker_pool.py`): `python -m support.echo_worker`.

A job is `SECONDS TEXT`: it sleeps that long, then answers TEXT; `die` ends the process without an
answer (as the kernel kills one out of memory). Where SETUP is set, the first message is a setup:
`bad` fails it, `die` ends the process in it, anything else heads every answer (`setup:TEXT`).
"""

from __future__ import annotations

import os
import sys
import time

from tracetui.worker_pipes import recv, send
from tracetui.worker_pool import set_up

SETUP = "TRACETUI_TEST_SETUP"


def _made(setup: bytes) -> bytes:
    if setup == b"bad":
        raise ValueError("no such cache folder")
    if setup == b"die":
        os._exit(9)
    return setup + b":"


def serve() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    head = b""
    if os.environ.get(SETUP):
        made = set_up(stdin, stdout, _made)
        if made is None:
            return
        head = made
    while (job := recv(stdin)) is not None:
        if job == b"die":
            os._exit(9)
        seconds, _, text = job.partition(b" ")
        time.sleep(float(seconds))
        send(stdout, head + text)


if __name__ == "__main__":
    serve()
