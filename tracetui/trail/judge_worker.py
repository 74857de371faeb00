"""A worker that judges some of a trail's patches: `python -m tracetui.trail.judge_worker`, started
and fed by `two_cores` through the shared worker pool.

Its setup is a `two_cores.JudgeSetup`: it opens the clone, takes the history the trail's process
walked, and makes the probes as that process did (`judging.judging`), so that its fates are the ones
that process would give. Each job is a list of the patches' places; the answer their fates' fields.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import Any

import pygit2

from tracetui import collector
from tracetui.trail.fates import Fate
from tracetui.trail.file_versions import FileVersions
from tracetui.trail.history import History
from tracetui.trail.judging import judging
from tracetui.trail.two_cores import FIELDS, JudgeSetup
from tracetui.worker_pipes import recv, send
from tracetui.worker_pool import pickled_answer, set_up


def prepared(setup: JudgeSetup) -> tuple[Callable[[int], Fate], FileVersions]:
    repo = pygit2.Repository(setup.repo)
    return judging(repo, setup.patches, History(repo, **setup.history), setup)


def serve() -> None:
    """Set up from the first message (a failure is answered once, and this worker returns: the trail's
    process then judges every patch itself), then answer each list of places it is sent."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    ready = set_up(stdin, stdout, lambda first: prepared(pickle.loads(first)))
    if ready is None:
        return
    judge, files = ready
    try:
        while (message := recv(stdin)) is not None:
            answer: tuple[str, Any]
            try:
                fates = [(i, judge(i)) for i in pickle.loads(message)]
                answer = ("answer", [(i, tuple(getattr(f, name) for name in FIELDS)) for i, f in fates])
            except Exception as exc:  # the trail's process judges these patches again, and meets it there
                answer = ("error", exc)
            send(stdout, pickled_answer(answer, "judging patches"))
            # After the answer: this worker is killed once the trail's process has the last one.
            files.facts.store(merge=False)
    finally:
        files.clear()


if __name__ == "__main__":
    with collector.paused():  # as the trail's process judges (`judging._collector_paused`)
        serve()
    sys.stdout.flush()
    os._exit(0)  # the heap of counted versions is not torn down object by object: the trail waits
