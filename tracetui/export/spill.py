"""What an export's review found of each session (its redaction plan and its outcome), kept on disk
for the write to take instead of working it out again (docs/internals/export.md, `export/run.py`).

One JSON file a session in a private folder (`mkdtemp`, the user's alone) in the bucket's cache: not
the system's temporary folder, which is often memory (tmpfs), and the files hold the log's text
unscrubbed, as the bucket does. The folder goes when the export ends, however it ends; one a killed
export left behind goes with the next export's start. Nothing is held in memory between the two, so
memory stays flat on any bucket. Never pickle: the files are read back as data, not code.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Self

import orjson

from tracetui.export.labels import Outcome
from tracetui.model import Hunk
from tracetui.redact import Plan
from tracetui.trail import Fate, Patch

PREFIX = "tracetui-export-spill-"  # distinct in the system's temporary folder too (a library without a cache)
Fingerprint = tuple[int, str | None]


class Spill:
    """The review's plan and outcome of each session, kept by `keep` and taken once by `take`.
    A context manager: the folder is removed when the block ends."""

    def __init__(self, parent: Path | None) -> None:
        self.parent = parent  # None: the system's temporary folder (a library without a cache)
        self.dir: Path | None = None  # made with the first session kept

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def keep(self, session_id: str, fingerprint: Fingerprint, plan_json: bytes, found: Outcome) -> None:
        """Keep the session's plan (as `Plan.to_dict`'s JSON) and outcome. A session whose outcome
        JSON cannot carry (a lone surrogate of a log in a patch's line) is not kept: the write then
        works it out again, as it would any session."""
        try:
            head = orjson.dumps({"session": session_id, "fingerprint": list(fingerprint)})
            body = orjson.dumps(found, default=_set_as_list)
        except (orjson.JSONEncodeError, TypeError):
            return
        folder = self.made()
        if folder is None:
            return  # a spill that cannot be written only costs time: the write works the session out again
        try:
            # Three lines: orjson writes no newline inside a document (a string's own is escaped).
            (folder / _name(session_id)).write_bytes(b"\n".join((head, plan_json, body)))
        except OSError:
            pass

    def made(self) -> Path | None:
        """The spill's folder, made now if it is not yet (export workers keep sessions in it too);
        None where it cannot be made."""
        if self.dir is None:
            try:
                folder = self.parent if self.parent is not None else Path(tempfile.gettempdir())
                folder.mkdir(parents=True, exist_ok=True)
                sweep(folder)
                self.dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=folder))
            except OSError:
                return None
        return self.dir

    def take(self, session_id: str, fingerprint: Fingerprint) -> tuple[Plan, Outcome] | None:
        """The plan and outcome kept of the session, where it has the fingerprint it had then (a sync
        that grew it since makes the write review it again); None otherwise. Taken once: the file goes."""
        if self.dir is None:
            return None
        path = self.dir / _name(session_id)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        path.unlink(missing_ok=True)
        try:
            head, plan_json, body = data.split(b"\n", 2)
            kept = orjson.loads(head)
            if kept["session"] != session_id or tuple(kept["fingerprint"]) != fingerprint:
                return None
            return Plan.from_dict(orjson.loads(plan_json)), outcome_from(orjson.loads(body))
        except (ValueError, KeyError, TypeError):  # not as `keep` wrote it: worked out again, as ever
            return None


def _name(session_id: str) -> str:
    """A file name for any session id (an id is the log's to choose)."""
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest() + ".json"


def _set_as_list(value: Any) -> Any:
    if isinstance(value, set):  # Patch.removed_from
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not kept")


# Patch fields JSON gives back as lists that are tuples or a set in the patch (every other field is
# a str, an int, a bool, None, a list of str or a dict of str to int, which JSON gives back as they were).
_TUPLES = ("taken_back", "written_again", "overwritten")


def outcome_from(d: dict[str, Any]) -> Outcome:
    """The `Outcome` whose `orjson.dumps` (with sets as lists) gave `d`: equal to it, patches and all."""
    fates = [Fate(**{**f, "patch": _patch(f["patch"])}) for f in d["fates"]]
    return Outcome(**{**d, "fates": fates})


def _patch(d: dict[str, Any]) -> Patch:
    p = Patch(**{**d, "hunks": [Hunk(**h) for h in d["hunks"]]})
    for name in _TUPLES:
        value = getattr(p, name)
        if value is not None:
            setattr(p, name, [tuple(x) for x in value])
    if p.undone_by is not None:
        p.undone_by = (p.undone_by[0], p.undone_by[1])
    if p.removed_from is not None:
        p.removed_from = set(p.removed_from)
    return p


def sweep(folder: Path) -> None:
    """Remove the spill folders of exports that are gone (killed before their end removed them):
    each is named after its process, and only the user's own are looked at."""
    for found in folder.glob(f"{PREFIX}*-*"):
        pid = found.name[len(PREFIX) :].split("-", 1)[0]
        try:
            if not pid.isdigit() or found.is_symlink() or found.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(found, ignore_errors=True)
        except OSError:
            continue  # alive under another user, or the folder just went
