"""The one error type the core raises for bad input: its message is a single clear sentence.

The CLI prints it on one line and exits non-zero; the UI shows it as a notification.
"""


class TracetuiError(Exception):
    """Bad input or an unusable resource, explained in one sentence for the user."""


class NotFound(TracetuiError):
    """Something the user named does not exist (session id, file, revision)."""


class Stopped(TracetuiError):
    """A read the caller gave up on (`Bucket.stopping`): a newer question made its answer moot."""


class UsageError(TracetuiError):
    """A command line (or filter) that cannot mean anything: options that do not go together, a value
    of the wrong shape. The CLI exits 2 for it, as for argparse's own usage errors; a runtime failure
    (a missing session, a refused export) is a plain TracetuiError and exits 1."""


NO_ID = "no session id given"


def given_id(id_or_prefix: str) -> str:
    """A session id (or prefix) as the user gave it, without the blanks around it. UsageError when
    nothing is left: an empty id is a command line of the wrong shape (exit 2) whatever the library,
    not a session that is missing (exit 1)."""
    key = (id_or_prefix or "").strip()
    if not key:
        raise UsageError(NO_ID)
    return key
