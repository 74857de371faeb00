"""An export worker that dies on one session or fails on another, as the environment says:
`python -m support.dying_write_worker`, put in `write_pool.WORKER`'s place by the pool's tests."""

from __future__ import annotations

import os
from typing import Any

from tracetui.export import write_worker

DIE_ON = "TRACETUI_TEST_DIE_ON"  # the session whose worker is killed (as the kernel kills one out of memory)
FAIL_ON = "TRACETUI_TEST_FAIL_ON"  # the session whose work raises
IN = "TRACETUI_TEST_IN"  # where: "review" or "write"


def _planted(stage: str, session_id: str) -> None:
    if os.environ.get(IN) != stage:
        return
    if session_id == os.environ.get(DIE_ON):
        os._exit(9)
    if session_id == os.environ.get(FAIL_ON):
        raise RuntimeError("planted failure")


def _review_one(ex: Any, session_id: str, judge: bool) -> Any:
    _planted("review", session_id)
    return review_one(ex, session_id, judge)


def _write_one(ex: Any, session_id: str, keys: dict[str, Any] | None) -> Any:
    _planted("write", session_id)
    return write_one(ex, session_id, keys)


review_one, write_one = write_worker.review_one, write_worker.write_one
write_worker.review_one, write_worker.write_one = _review_one, _write_one

if __name__ == "__main__":
    write_worker.serve()
