"""A capsule's gzip'd tar: written canonically, and read in a child process of its own.

Python's tarfile had parser flaws fixed only in 3.11.13 (security-notes 5.2: filter bypasses, and
an endless loop on negative offsets while merely listing members). A capsule comes from someone
else, so everything that touches its compressed bytes runs here, in a separate interpreter started
with `-I -S` (the standard library only) and under a time limit: a parser that hangs or blows up
costs that child, not the app. The parent has checked the file's size, gzip header and checksum.

More in docs/internals/capsule.md, `capsule/tar_members.py`.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import tarfile
import zlib
from typing import Any

REFUSED = 3
TAR_FORMAT = tarfile.USTAR_FORMAT
MEMBER_MODE = 0o644
_NAME = struct.Struct(">I")
_SIZE = struct.Struct(">Q")


class Refused(Exception):
    """The capsule is not one tracetui may read; the message says why."""


def tar_bytes(members: dict[str, bytes]) -> bytes:
    """The uncompressed canonical tar of these members."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=TAR_FORMAT) as tar:
        for name in sorted(members):
            data = members[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = MEMBER_MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def read_members(
    data: bytes, allowed: set[str], max_members: int, max_member: int, budget: int
) -> dict[str, bytes]:
    """The members of the gzip'd tar `data`; raises Refused."""
    stream = _BoundedInflater(data, budget)
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for info in tar:
                _check(info, members, allowed, max_members, max_member, stream.inflated, budget)
                fh = tar.extractfile(info)
                content = fh.read(info.size + 1) if fh is not None else b""
                if len(content) != info.size:
                    raise Refused(f"member {_show(info.name)} is truncated")
                members[info.name] = content
        stream.drain()
    except Refused:
        raise
    except (tarfile.TarError, zlib.error, EOFError, OSError, ValueError) as exc:
        raise Refused(f"the capsule is damaged: {_first_line(exc)}") from None
    if tar_bytes(members) != stream.inflated_prefix():
        raise Refused("the capsule's tar layout is not the canonical one tracetui writes (edited?)")
    return members


def _check(  # noqa: PLR0913 - the limits, spelled out: this module shares no config type
    info: tarfile.TarInfo,
    seen: dict[str, bytes],
    allowed: set[str],
    max_members: int,
    max_member: int,
    inflated: int,
    budget: int,
) -> None:
    name = info.name
    if name not in allowed:
        raise Refused(f"unexpected member {_show(name)} in the capsule")
    if not info.isreg():
        raise Refused(f"member {_show(name)} is not a regular file (links and devices are refused)")
    if name in seen:
        raise Refused(f"member {_show(name)} appears twice in the capsule")
    if len(seen) >= max_members:
        raise Refused(f"the capsule has more than {max_members} members")
    if info.size < 0:  # base-256 sizes can be negative: the trick behind CVE-2025-8194's endless loop
        raise Refused(f"member {_show(name)} declares a negative size")
    if info.size > max_member:
        raise Refused(f"member {_show(name)} declares {info.size} bytes, over the {max_member}-byte limit")
    if inflated + info.size > budget:
        raise Refused(
            f"member {_show(name)} would inflate the capsule beyond {budget} bytes (a compression bomb?)"
        )


class _BoundedInflater(io.RawIOBase):
    """A read-only stream of the inflated gzip data that refuses to inflate more than `budget`.

    It keeps the inflated bytes (bounded by the budget anyway) so the tar layout can be compared
    with a canonical rebuild afterwards.
    """

    def __init__(self, data: bytes, budget: int) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._budget = budget
        self._z = zlib.decompressobj(wbits=31)  # gzip wrapper: CRC32 and length are checked at the end
        self._pending = b""
        self._out = bytearray()
        self._read_pos = 0
        self.inflated = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = len(buffer)
        while len(self._out) - self._read_pos < want and not self._z.eof:
            self._inflate_some(max(want, 64 * 1024))
        chunk = self._out[self._read_pos : self._read_pos + want]
        buffer[: len(chunk)] = chunk
        self._read_pos += len(chunk)
        return len(chunk)

    def _inflate_some(self, size: int) -> None:
        if self._pending:
            source, self._pending = self._pending, b""
        else:
            if self._pos >= len(self._data):
                raise Refused("the capsule is truncated (the gzip stream ends early)")
            source = bytes(self._data[self._pos : self._pos + 64 * 1024])
            self._pos += len(source)
        room = self._budget - self.inflated
        out = self._z.decompress(source, min(size, room) + 1)
        self._pending = self._z.unconsumed_tail
        self.inflated += len(out)
        if self.inflated > self._budget:
            raise Refused(f"the capsule inflates beyond {self._budget} bytes (a compression bomb?)")
        self._out += out

    def drain(self) -> None:
        """Inflate to the end of the gzip member (checking its CRC and length); nothing may follow."""
        while not self._z.eof:
            self._inflate_some(64 * 1024)
        if self._z.unused_data or self._pos < len(self._data):
            raise Refused("the capsule has trailing bytes after its gzip stream")

    def inflated_prefix(self) -> bytes:
        return bytes(self._out)


def _show(name: str) -> str:
    # repr() turns control characters into escapes; the parent makes the whole line safe again.
    return repr(name[:200])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def encode(members: dict[str, bytes]) -> bytes:
    out = bytearray()
    for name, content in members.items():
        raw = name.encode("utf-8", "surrogateescape")
        out += _NAME.pack(len(raw)) + raw + _SIZE.pack(len(content)) + content
    return bytes(out)


def decode(data: bytes) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    view = memoryview(data)
    pos = 0
    while pos < len(view):
        (n,) = _NAME.unpack_from(view, pos)
        pos += _NAME.size
        name = bytes(view[pos : pos + n]).decode("utf-8", "surrogateescape")
        pos += n
        (size,) = _SIZE.unpack_from(view, pos)
        pos += _SIZE.size
        if pos + size > len(view):
            raise ValueError("the member list from the capsule reader is cut short")
        members[name] = bytes(view[pos : pos + size])
        pos += size
    return members


def read_stream(fh: Any, budget: int) -> dict[str, bytes]:
    """The members `main` wrote to `fh`, each read straight into its own bytes (no whole copy of the
    output, joined and then sliced, beside them); ValueError when cut short or over `budget` bytes."""
    members: dict[str, bytes] = {}
    while head := fh.read(_NAME.size):
        if len(head) < _NAME.size:
            raise ValueError("the member list from the capsule reader is cut short")
        (n,) = _NAME.unpack(head)
        raw = fh.read(n)
        size_bytes = fh.read(_SIZE.size)
        if len(raw) < n or len(size_bytes) < _SIZE.size:
            raise ValueError("the member list from the capsule reader is cut short")
        (size,) = _SIZE.unpack(size_bytes)
        budget -= size
        if budget < 0:
            raise ValueError("the capsule reader gave more than its budget")
        content = fh.read(size)
        if len(content) < size:
            raise ValueError("the member list from the capsule reader is cut short")
        members[raw.decode("utf-8", "surrogateescape")] = content
    return members


def main() -> int:
    stdin = sys.stdin.buffer
    config = json.loads(stdin.readline())
    data = stdin.read()
    try:
        members = read_members(
            data, set(config["allowed"]), config["max_members"], config["max_member"], config["budget"]
        )
    except Refused as exc:
        sys.stderr.write(f"{exc}\n")
        return REFUSED
    out = sys.stdout.buffer
    for name in list(members):  # one member at a time: no second copy of them all
        out.write(encode({name: members.pop(name)}))
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
