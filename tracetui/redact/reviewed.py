"""The review's findings the export's second gate may take instead of scanning a text again.

The review keeps what it found in each field in the session's scan cache, in the bucket. The gate
takes an entry only where the review ran every detector over exactly that text to the end, with the
detectors' code and the identity of the gate's own scan, and the user's key vouches for it: the
bucket may be shared, synced or received, and a planted entry must never answer "nothing here".
More in docs/internals/redact.md, `redact/reviewed.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from tracetui import settings
from tracetui.redact.detect import detectors_salt
from tracetui.redact.field_key import field_key
from tracetui.redact.finding import Finding
from tracetui.redact.identity import Identity
from tracetui.regular_file import KEY_MOST, FileTooLarge, NotRegularFile, is_plain_file, read_regular

KEY_FILE = "gate-memo.key"
GATE = "gate"  # the scan cache's section the gate reads: the code digest and each whole entry's mark
# A session's scan cache is tens of KB (110 KB the largest of a 405 MB bucket): past this, not read.
MOST_BYTES = 64 << 20
_PERSON = b"tracetui.whole"  # the marks' own use of the user's key, apart from the gate memo's


@lru_cache(maxsize=1)
def detectors_code() -> str:
    """A digest of what decides what a detector reports: the redaction package's source (its
    subpackages' too: the format rules live in `redact/rules/`) and the version of detect-secrets."""
    import tracetui.redact as redact

    h = hashlib.sha256()
    h.update(_detect_secrets_version())  # its plugins decide too
    top = Path(redact.__file__).parent
    for path in sorted(top.rglob("*.py")):
        try:
            h.update(path.relative_to(top).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            h.update(os.urandom(16))  # unreadable: never reuse
    return h.hexdigest()[:16]


def _detect_secrets_version() -> bytes:
    """detect-secrets' own record of its version (`__version__.py`), read without importing it or
    `importlib.metadata` (0.011 s of CPU, a tenth of what blame's gate costs when it scans nothing)."""
    try:
        spec = importlib.util.find_spec("detect_secrets")
        folder = spec.submodule_search_locations if spec is not None else None
        return (Path(next(iter(folder))) / "__version__.py").read_bytes() if folder else os.urandom(16)
    except (OSError, ImportError, ValueError):
        return os.urandom(16)  # unknown: never reuse


def user_key() -> bytes | None:
    """The user's memo key (made on first use, private), or None where none can be read or made."""
    path = settings.config_dir() / KEY_FILE
    none_yet = False  # a key of another length is replaced
    try:
        key = _read_key(path)
        if len(key) == 32:
            return key
    except FileNotFoundError:
        none_yet = True
    except (OSError, ValueError, NotRegularFile, FileTooLarge):
        return None  # not ours to repair: the memo is off, the gate scans everything
    key = secrets.token_bytes(32)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".gate-memo-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="ascii") as fh:  # mkstemp's file is the user's alone (0600)
            fh.write(key.hex())
        if none_yet:
            # The first key made is everyone's: review workers making theirs at once would each mark
            # with a key the gate then no longer reads.
            try:
                os.link(tmp, path)
                return key
            except FileExistsError:
                return _made_meanwhile(path)
            except OSError:
                pass  # no hard links here: the last key made wins, as it did
        os.replace(tmp, path)
        tmp = None
    except OSError:
        return None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return key


def _read_key(path: Path) -> bytes:
    return bytes.fromhex(read_regular(path, KEY_MOST).decode("ascii").strip())


def _made_meanwhile(path: Path) -> bytes | None:
    try:
        key = _read_key(path)
    except (OSError, ValueError, NotRegularFile, FileTooLarge):
        return None
    return key if len(key) == 32 else None


def _mark(key: bytes, salt: str, code: str, digest: str, rows: Any) -> str:
    h = hashlib.blake2b(digest_size=16, key=key, person=_PERSON)
    h.update(orjson.dumps([salt, code, digest, rows]))
    return h.hexdigest()


def read_cache(path: str | Path, salt: str) -> dict[str, Any] | None:
    """A session's scan cache made for this salt (these detectors, this identity): the review's and
    the gate's one reader. None where it is not the bucket's own plain file of at most MOST_BYTES (a
    link may name a FIFO or another user's file), is damaged, or was made for another salt."""
    if not is_plain_file(path):
        return None
    try:
        data = orjson.loads(read_regular(path, MOST_BYTES))  # a FIFO would block a plain read
    except (OSError, NotRegularFile, FileTooLarge, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("salt") != salt or not isinstance(data.get("fields"), dict):
        return None  # other detectors or another identity
    return data


def gate_section(
    salt: str, fields: dict[str, list[dict]], whole: set[str], carried: dict[str, str]
) -> dict[str, Any] | None:
    """What a scan cache keeps for the gate: a mark for each entry of `fields` scanned whole here
    (`whole`), and `carried` marks (read from the cache, never checked nor made again: a forged one
    stays forged). None where the user has no key: then the gate takes nothing."""
    key = user_key()
    if key is None:
        return None
    code = detectors_code()
    marks: dict[str, str] = {}
    for d, rows in fields.items():  # in the fields' order: a cache's bytes are the same wherever made
        if d in whole:
            marks[d] = _mark(key, salt, code, d, rows)
        elif d in carried:
            marks[d] = carried[d]
    return {"code": code, "marks": marks}


def carried_marks(data: dict[str, Any]) -> dict[str, str]:
    """The marks of a scan cache (already checked for the salt) worth keeping: of this code."""
    gate = data.get(GATE)
    if not isinstance(gate, dict) or gate.get("code") != detectors_code():
        return {}
    if not isinstance(gate.get("marks"), dict):
        return {}
    return {d: m for d, m in gate["marks"].items() if isinstance(m, str)}


class ReviewedScans:
    """A session's scan cache as the gate reads it: once, at the first text it asks for."""

    def __init__(self, path: Path | None, identity: Identity) -> None:
        self.path = path
        self.identity = identity
        self._read: tuple[bytes, str, str, dict[str, Any], dict[str, Any]] | None = None

    def take(self, text: str) -> list[Finding] | None:
        """The review's findings in `text`, where it scanned exactly this text whole with the
        gate's detectors, code and identity and the user's key vouches for it; None: scan it."""
        if self._read is None:
            self._read = self._load()
        key, salt, code, fields, marks = self._read
        if not marks:
            return None
        digest = field_key(text)  # the key of a text of no known syntax, as the gate's scan has it
        mark, rows = marks.get(digest), fields.get(digest)
        if not isinstance(mark, str) or not isinstance(rows, list):
            return None
        if not hmac.compare_digest(mark, _mark(key, salt, code, digest, rows)):
            return None
        return _findings(rows, len(text))

    def _load(self) -> tuple[bytes, str, str, dict[str, Any], dict[str, Any]]:
        salt, code = detectors_salt(self.identity), detectors_code()
        nothing: tuple[bytes, str, str, dict[str, Any], dict[str, Any]] = (b"", salt, code, {}, {})
        key = user_key() if self.path is not None else None
        data = read_cache(self.path, salt) if key is not None and self.path is not None else None
        if key is None or data is None:
            return nothing
        gate = data.get(GATE)
        if not isinstance(gate, dict) or gate.get("code") != code or not isinstance(gate.get("marks"), dict):
            return nothing  # written by older code (no marks), or by other detectors' code
        return key, salt, code, data["fields"], gate["marks"]


def _findings(rows: list[Any], length: int) -> list[Finding] | None:
    """The rows as the scan gave them, or None where one is not a finding within the text."""
    out: list[Finding] = []
    for row in rows:
        if not isinstance(row, dict):
            return None
        start, end = row.get("start"), row.get("end")
        kind, tier, detector = row.get("kind"), row.get("tier"), row.get("detector")
        if (
            type(start) is not int or type(end) is not int or not 0 <= start < end <= length
            or not isinstance(kind, str) or not isinstance(tier, str) or not isinstance(detector, str)
        ):  # fmt: skip
            return None
        out.append(Finding(start, end, kind, tier, detector))
    return out
