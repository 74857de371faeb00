"""This machine's stable id in a team dataset (docs/dataset.md, "Layout").

The id names the machine's partition (`machine=<id>`) in every dataset it exports into, so it must not
change from one export to the next: it is made once and kept in the user's state folder. It is the name
the user chose, or a hash of the host's name and machine id, which the dataset's readers cannot turn
back into the host's name (a laptop called after its owner).
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from pathlib import Path

import orjson

from tracetui.dataset.location import check_machine
from tracetui.errors import TracetuiError
from tracetui.regular_file import read_regular

_FILE = "machine.json"
_LIMIT = 4096


def state_file() -> Path:
    from platformdirs import user_state_path

    return user_state_path("tracetui") / _FILE


def machine_id(name: str | None = None) -> str:
    """The machine's id: `name` (checked) when given, else `TRACETUI_MACHINE`, else the one kept in the
    state folder, made there on first use."""
    chosen = name or os.environ.get("TRACETUI_MACHINE")
    if chosen:
        return check_machine(chosen)
    path = state_file()
    try:
        data = orjson.loads(read_regular(path, _LIMIT))
        if isinstance(data, dict) and isinstance(data.get("machine"), str):
            return check_machine(data["machine"])
    except FileNotFoundError:
        pass
    except (OSError, orjson.JSONDecodeError, TracetuiError) as exc:
        raise TracetuiError(f"{path} cannot be read ({exc}); remove it or pass --machine NAME") from None
    made = _hashed_id()
    _write(path, orjson.dumps({"machine": made}))
    return made


def _hashed_id() -> str:
    """`m-` and 12 hex digits of the host's name, /etc/machine-id (where there is one) and the user's home
    folder: two accounts on one host keep their own state folders and export their own buckets, so
    each must have a partition of its own, or one's manifest would replace the other's."""
    parts = [socket.gethostname(), str(Path.home())]
    for where in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            parts.append(Path(where).read_text(encoding="ascii", errors="replace").strip())
            break
        except OSError:
            continue
    return "m-" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".machine-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
