"""What the seal's second gate found in each text it scanned, kept between seals of a session.

More in docs/internals/capsule.md, `capsule/gate_memo.py`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

import orjson

from tracetui.errors import TracetuiError
from tracetui.redact.detect import detectors_salt
from tracetui.redact.finding import AUTO, GATE_OUT_OF_TIME, Finding
from tracetui.redact.identity import Identity
from tracetui.redact.reviewed import KEY_FILE, ReviewedScans, detectors_code, user_key
from tracetui.regular_file import CACHE_MOST, read_regular

__all__ = ["KEY_FILE", "GateMemo"]
_FORMAT = "tracetui.gate-memo/2"


def _digest(text: str, key: bytes) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16, key=key).hexdigest()


class GateMemo:
    """Sure findings per text digest; `path` None keeps nothing (no bucket cache)."""

    def __init__(self, path: Path | None, salt: str, key: bytes = b"", most: int | None = None) -> None:
        self.key = key or secrets.token_bytes(32)  # no key given: this seal's own, nothing kept
        self.path = path if key else None
        self.salt = salt
        self.known: dict[str, list[list]] = self._load() if self.path is not None else {}
        self.used: dict[str, list[list]] = {}
        # Texts held at once by a memo that keeps nothing (`export --check`'s over a whole export):
        # past it, it starts again, so memory stays flat.
        self.most = most if self.path is None else None
        # The review's scans of the session's fields, taken where the gate may (`redact.reviewed`).
        self.reviewed: ReviewedScans | None = None
        # Each text's digest as `missing` made it, for `fill` and `sure` to take (not kept by a memo
        # that holds at most `most` texts: its texts come and go).
        self._digests: dict[str, str] = {}

    @classmethod
    def for_session(cls, cache_dir: Path | None, session_id: str, identity: Identity) -> GateMemo:
        salt = f"{detectors_salt(identity)}:{detectors_code()}"
        key = user_key() if cache_dir is not None else None
        if cache_dir is None or key is None:
            return cls(None, salt)
        name = hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return cls(Path(cache_dir) / "gate" / f"{name}.json", salt, key)

    def sure(self, text: str, scan: Callable[[str], list[Finding]]) -> list[Finding]:
        """The sure findings in `text`: remembered, or scanned now."""
        key = self._digest_of(text)
        rows = self.known.get(key)
        if rows is None:
            rows = [[f.start, f.end, f.kind, f.detector] for f in scan(text) if f.tier == AUTO]
            self._bound()
            self.known[key] = rows
        if self.path is not None and not _out_of_time(rows):  # a slow moment is not the text's answer
            self.used[key] = rows
        return [Finding(int(a), int(b), str(k), AUTO, str(d)) for a, b, k, d in rows]

    def missing(self, texts: list[str]) -> list[str]:
        """The texts of `texts` neither remembered nor scanned yet, for `fill` to scan them at once;
        what the review scanned whole of them (`reviewed`) is remembered now, as if scanned."""
        if self.most is None:
            self._digests.update((t, _digest(t, self.key)) for t in texts if t not in self._digests)
        out = [t for t in texts if self._digest_of(t) not in self.known]
        if self.reviewed is None or not out:
            return out
        rest: list[str] = []
        for text in out:
            found = self.reviewed.take(text)
            if found is None:
                rest.append(text)
            else:
                self.fill([text], [found])
        return rest

    def fill(self, texts: list[str], found: list[list[Finding]]) -> None:
        """Remember each text's findings, scanned elsewhere (another process) by the same detectors."""
        for text, findings in zip(texts, found, strict=True):
            self._bound()
            self.known[self._digest_of(text)] = [[f.start, f.end, f.kind, f.detector] for f in findings if f.tier == AUTO]

    def _digest_of(self, text: str) -> str:
        key = self._digests.get(text)
        return _digest(text, self.key) if key is None else key

    def _bound(self) -> None:
        if self.most is not None and len(self.known) >= self.most:
            self.known.clear()

    def save(self) -> None:
        """Keep what this seal used (older texts go: the memo stays the size of one episode)."""
        if self.path is None or not self.used:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".gate-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps({"format": _FORMAT, "salt": self.salt, "texts": self.used}))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a memo that cannot be written only costs time next seal

    def _load(self) -> dict[str, list[list]]:
        assert self.path is not None
        try:
            data = orjson.loads(read_regular(self.path, CACHE_MOST))
        except (OSError, orjson.JSONDecodeError, TracetuiError):  # also a FIFO, or a file too large
            return {}  # a cache: one that cannot be read (a FIFO in its place blocked the seal) is empty
        if (
            not isinstance(data, dict)
            or data.get("format") != _FORMAT
            or data.get("salt") != self.salt
            or not isinstance(data.get("texts"), dict)
        ):
            return {}
        texts: dict[str, list[list]] = {}
        for key, rows in data["texts"].items():
            if isinstance(rows, list) and all(_row_ok(r) for r in rows):
                texts[key] = rows
        return texts


def _out_of_time(rows: list[list]) -> bool:
    return any(row[3] == GATE_OUT_OF_TIME for row in rows)


def _row_ok(row: object) -> bool:
    return (
        isinstance(row, list)
        and len(row) == 4
        and isinstance(row[0], int)
        and isinstance(row[1], int)
        and 0 <= row[0] < row[1]
        and isinstance(row[2], str)
        and isinstance(row[3], str)
    )
