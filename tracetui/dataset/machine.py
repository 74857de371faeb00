"""This machine's stable id in a team dataset (docs/dataset.md, "Layout").

The id names the machine's partition (`machine=<id>`) in every dataset it exports into, so it must not
change from one export to the next: it is made once and kept in the user's state folder. It is the name
the user chose, or a hash of the host's name, the home folder and the platform's machine id, which the
dataset's readers can neither turn back into the host's name (a laptop called after its owner) nor
confirm by a guess. Where the platform has no machine id, a random one takes its place.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
import subprocess
import sys
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
    """`m-` and 12 hex digits of the host's name, the user's home folder and the platform's machine id:
    two accounts on one host keep their own state folders and export their own buckets, so each must
    have a partition of its own, or one's manifest would replace the other's. Without a machine id
    (none readable) the host's name and home alone let a teammate confirm a guess (`alices-macbook`,
    `/Users/alice`): a random secret stands in, so the id then lasts as long as its state file."""
    secret = platform_id() or secrets.token_hex(16)
    parts = [socket.gethostname(), str(Path.home()), secret]
    return "m-" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


_MAC_UUID = re.compile(r'"IOPlatformUUID"\s*=\s*"([0-9A-Fa-f\-]{16,64})"')


def platform_id() -> str | None:
    """The machine's own id, where the platform keeps one no user name or host name gives: systemd's
    /etc/machine-id, macOS's IOPlatformUUID, Windows's MachineGuid; None where none can be read."""
    for where in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            found = Path(where).read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            continue
        if found:
            return found
    if sys.platform == "darwin":
        try:
            out = subprocess.run(["/usr/sbin/ioreg", "-rd1", "-c", "IOPlatformExpertDevice"],
                                 capture_output=True, text=True, timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        match = _MAC_UUID.search(out)
        return match.group(1) if match else None
    if sys.platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography") as key:
                value, _ = winreg.QueryValueEx(key, "MachineGuid")
        except OSError:
            return None
        return value if isinstance(value, str) and value else None
    return None


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
