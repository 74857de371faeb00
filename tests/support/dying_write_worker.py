"""A Parquet export's write worker that dies on one session or fails on another, as the env says:
`python -m support.dying_write_worker`, put in `write_pool.WORKER`'s place by the write pool's tests."""

from __future__ import annotations

import os

from tracetui.export import write_worker

DIE_ON = "TRACETUI_TEST_DIE_ON"  # the session whose worker is killed (as the kernel kills one out of memory)
FAIL_ON = "TRACETUI_TEST_FAIL_ON"  # the session whose write raises


def _write_one(ex, session_id, keys):  # type: ignore[no-untyped-def]
    if session_id == os.environ.get(DIE_ON):
        os._exit(9)
    if session_id == os.environ.get(FAIL_ON):
        raise RuntimeError("planted failure")
    return real(ex, session_id, keys)


real = write_worker.write_one
write_worker.write_one = _write_one

if __name__ == "__main__":
    write_worker.serve()
