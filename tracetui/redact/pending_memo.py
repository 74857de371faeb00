"""What a review found waiting in each session, kept beside its plan so the next review of an unchanged
session reads neither the session nor its fields: opening the Review screen again on a big bucket
scanned every field's hash and read every session, tens of seconds at 400 MB.

More in docs/internals/redact.md, `redact/pending_memo.py`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from tracetui.redact.detect import detectors_salt
from tracetui.redact.plan import Plan, PlanStore
from tracetui.redact.review import Occurrence, Pending
from tracetui.regular_file import keep_cache, kept_cache

FORMAT = "tracetui.pending/1"


class PendingMemo:
    """The memo of one plan store for one review: the keys of the chosen sessions, read at once."""

    def __init__(self, store: PlanStore, review_key: bytes, content_keys: Callable[[list[str]], dict[str, str]]) -> None:
        self.store = store
        self.dir = store.cache_dir / "pending"
        self._content_keys = content_keys
        self._content: dict[str, str] = {}
        # What every session's waiting values hang on besides it and its plan: the detectors, who the
        # user is (the scan's identity), and the review key that names each value.
        self.shared = hashlib.sha256(orjson.dumps([FORMAT, detectors_salt(),
                                                   hashlib.sha256(review_key).hexdigest()])).hexdigest()  # fmt: skip

    def known(self, ids: list[str]) -> dict[str, tuple[Plan | None, Pending]]:
        """The sessions whose memo was made from what they and their plans are now: their plan (None
        where nothing waits: no plan is read) and their waiting values."""
        self._content = self._content_keys(ids)
        out: dict[str, tuple[Plan | None, Pending]] = {}
        for sid in ids:
            found = self._recall(sid)
            if found is not None:
                out[sid] = found
        return out

    def remember(self, session_id: str, waiting: Pending) -> None:
        """Keep what a review found waiting in a session whose plan is now saved as it found it; a
        memo that cannot be written only costs the next review its time."""
        key = self._key(session_id)
        if key is None:
            return
        rows = [[gid, list(o.span.key), o.index, o.hint] for gid, o in waiting]
        # Private, as every kept cache file is: a hint shows a value's first letters.
        keep_cache(self._path(session_id), orjson.dumps({"format": FORMAT, "key": key, "values": rows}))

    def _recall(self, session_id: str) -> tuple[Plan | None, Pending] | None:
        key = self._key(session_id)
        if key is None:
            return None
        data = kept_cache(self._path(session_id), FORMAT)
        if data is None or data.get("key") != key or not isinstance(data.get("values"), list):
            return None
        rows = data["values"]
        if not rows:
            return None, []
        plan = self.store.load(session_id)
        if plan is None:
            return None
        spans = {s.key: s for s in plan.spans}
        waiting: Pending = []
        for row in rows:
            occurrence = _occurrence(session_id, row, spans)
            if occurrence is None:
                return None  # not what this plan holds: read the session again
            waiting.append(occurrence)
        return plan, waiting

    def _key(self, session_id: str) -> str | None:
        """The digest of the session (its index row and steps' signature), its plan file and the
        shared part; None where the library or the store cannot say."""
        content = self._content.get(session_id)
        if content is None:
            return None
        plan = self.store.file_digest(session_id)
        if plan is None:
            return None
        return hashlib.sha256(f"{self.shared}\0{content}\0{plan}".encode()).hexdigest()

    def _path(self, session_id: str) -> Path:
        return self.dir / self.store.path(session_id).name.replace(".plan.json", ".pending.json")


def _occurrence(session_id: str, row: Any, spans: dict[Any, Any]) -> tuple[str, Occurrence] | None:
    if not (isinstance(row, list) and len(row) == 4 and isinstance(row[0], str) and isinstance(row[1], list)):
        return None
    gid, where, index, hint = row
    if len(where) != 4 or not (index is None or type(index) is int) or not isinstance(hint, str):
        return None
    try:
        span = spans.get(tuple(where))
    except TypeError:  # a place with a list or an object in it: no span's
        return None
    if span is None:
        return None
    return gid, Occurrence(session_id, span, index, hint)
