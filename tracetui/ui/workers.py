"""The app's thread workers, named by their group.

Textual names a worker it is not given a description for by the repr of every argument, made on the
UI thread when the worker starts: a worker handed a whole session (its trail, a seal) or a big step's
blocks spent 15-20 ms of the UI thread's CPU writing out a string nobody reads. Every thread worker
of the app is started through `thread_work`, which names it by its group instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work


def thread_work(group: str, *, exclusive: bool = True, exit_on_error: bool = False) -> Callable[[Any], Any]:
    return work(thread=True, exclusive=exclusive, group=group, exit_on_error=exit_on_error, description=group)
