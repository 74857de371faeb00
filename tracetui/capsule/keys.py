"""The per-capsule key, derived so that sealing stays deterministic.

docs/design.md wants placeholders and fingerprints that reveal nothing about values and do not link
capsules to each other, which calls for a per-capsule random key; sealing must also give the same
bytes twice. Both hold with a key derived from a random secret kept in the user's private bucket
(`capsule.key`, 32 random bytes, mode 0600, never put in a capsule) and the episode:

    key = HMAC-SHA256(secret, "tracetui-capsule/1" | session id | first step id | last step id)

Re-sealing the same episode gives the same key (so the same bytes); another episode, or another
user, gives an unrelated key. The receipt's fingerprint of a scrubbed value is
HMAC-SHA256(key, value)[:12 hex]: the author, who holds the secret, can check which value a
placeholder stood for; nobody else can test guesses against it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from tracetui.regular_file import KEY_MOST, read_regular

KEY_FILE = "capsule.key"
_DOMAIN = b"tracetui-capsule/1"


def bucket_secret(root: Path) -> bytes:
    """The secret in the bucket at `root`, created on first use."""
    path = Path(root) / KEY_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    try:
        os.link(tmp, path)  # never overwrite a secret another process made meanwhile
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    # As a regular file only: a FIFO in its place blocked the seal for ever (NotRegularFile says so).
    try:
        return bytes.fromhex(read_regular(path, KEY_MOST).decode("ascii").strip())
    except ValueError:  # not hex, or not ASCII
        raise _broken(path) from None


def episode_key(secret: bytes, session_id: str, first_step: str, last_step: str) -> bytes:
    message = b"\0".join(x.encode() for x in (session_id, first_step, last_step))
    return hmac.new(secret, _DOMAIN + b"\0" + message, hashlib.sha256).digest()


def fingerprint(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:12]


def _broken(path: Path) -> Exception:
    from tracetui.errors import TracetuiError

    return TracetuiError(f"{path} is not a tracetui capsule key (expected 64 hex digits)")
