"""The capsule container: a deterministic gzip'd tar, written and read entirely in memory.

Writing follows the reproducible-archive recipe (sorted names, mtime 0, uid/gid 0, no owner
names, fixed mode, gzip header mtime 0 and no file name), so the same members always give the same
bytes.

Reading treats the file as hostile. Nothing is extracted to disk: the gzip stream is inflated by
our own bounded reader (so no header, pax record or member can make us inflate more than the
budget), tar headers are checked before any member's data is read, and only the expected names of
regular files are accepted. The reader also insists the container is in the canonical form the
writer produces (header bytes, one gzip member, no trailing bytes, tar bytes identical to a
rebuild), so any edit to any byte of a capsule is caught, not only edits to member contents.
"""

from __future__ import annotations

import hashlib
import io
import struct
import tarfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from tracetui.errors import TracetuiError


class CapsuleError(TracetuiError):
    """A capsule that cannot be trusted or used; the message names what is wrong."""


# The gzip header every capsule starts with: magic, deflate, FEXTRA set (nothing else), mtime 0,
# "maximum compression", OS unknown, then one extra subfield "TC" holding the sha256 of every byte
# after the header (the deflate stream and gzip's CRC/length trailer).
#
# Why the digest: deflate is not one-to-one. A back-reference can point at another copy of the same
# bytes, or a flipped bit can land in a Huffman code nobody uses, and the file still inflates to the
# same tar, CRC and all; one capsule in three had such a byte in tests. With the digest any edited
# byte fails, without depending on the local zlib compressing exactly like the sealer's did. Tools
# that do not know the subfield skip it, so a capsule is still a plain .tar.gz.
_EXTRA_ID = b"TC"
_DIGEST_LEN = 32
GZIP_PREFIX = (
    b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x02\xff"
    + struct.pack("<H", 4 + _DIGEST_LEN)
    + _EXTRA_ID
    + struct.pack("<H", _DIGEST_LEN)
)
_HEADER_LEN = len(GZIP_PREFIX) + _DIGEST_LEN
TAR_FORMAT = tarfile.USTAR_FORMAT
MEMBER_MODE = 0o644


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for reading an untrusted capsule (sizes in bytes)."""

    max_file: int = 512 * 1024 * 1024  # the .capsule file itself
    max_member: int = 256 * 1024 * 1024
    max_total: int = 1024 * 1024 * 1024  # all inflated bytes, tar headers included
    max_members: int = 16
    max_ratio: int = 200  # inflated bytes per compressed byte...
    ratio_slack: int = 4 * 1024 * 1024  # ...beyond this allowance (tiny capsules compress well)


DEFAULT_LIMITS = Limits()


def write_archive(members: dict[str, bytes]) -> bytes:
    """The capsule bytes for these members (name -> content), deterministic."""
    return frame([tar_bytes(members)])


def frame(chunks: Iterable[bytes]) -> bytes:
    """Tar bytes (in pieces) compressed into the capsule's gzip framing."""
    # Level 9 is what the header's extra-flags byte (0x02) announces; raw deflate (wbits -15)
    # because the gzip framing is written here.
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 8, zlib.Z_DEFAULT_STRATEGY)
    parts: list[bytes] = []
    crc = size = 0
    for chunk in chunks:
        parts.append(deflate.compress(chunk))
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
    parts.append(deflate.flush())
    parts.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    body = b"".join(parts)
    return GZIP_PREFIX + hashlib.sha256(body).digest() + body


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


def read_archive(
    data: bytes, allowed: frozenset[str] | set[str], limits: Limits = DEFAULT_LIMITS
) -> dict[str, bytes]:
    """The members of a capsule, checked for shape and size; raises CapsuleError on anything odd."""
    if len(data) > limits.max_file:
        raise CapsuleError(f"the capsule is {len(data)} bytes, over the {limits.max_file}-byte limit")
    if not data.startswith(b"\x1f\x8b"):
        raise CapsuleError("not a capsule: the file is not gzip-compressed")
    if data[: len(GZIP_PREFIX)] != GZIP_PREFIX or len(data) < _HEADER_LEN:
        raise CapsuleError("the capsule's gzip header is not the one tracetui writes (edited?)")
    if hashlib.sha256(data[_HEADER_LEN:]).digest() != data[len(GZIP_PREFIX) : _HEADER_LEN]:
        raise CapsuleError("the capsule's bytes do not match the checksum in its header (altered or damaged)")
    budget = min(limits.max_total, limits.max_ratio * len(data) + limits.ratio_slack)
    stream = _BoundedInflater(data, budget)
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for info in tar:
                _check_header(info, members, allowed, limits, stream, budget)
                fh = tar.extractfile(info)
                content = fh.read(info.size + 1) if fh is not None else b""
                if len(content) != info.size:
                    raise CapsuleError(f"member {_show(info.name)} is truncated")
                members[info.name] = content
        stream.drain()
    except CapsuleError:
        raise
    except (tarfile.TarError, zlib.error, EOFError, OSError, ValueError) as exc:
        raise CapsuleError(f"the capsule is damaged: {_first_line(exc)}") from None
    if tar_bytes(members) != stream.inflated_prefix():
        raise CapsuleError("the capsule's tar layout is not the canonical one tracetui writes (edited?)")
    return members


def _check_header(
    info: tarfile.TarInfo,
    seen: dict[str, bytes],
    allowed: frozenset[str] | set[str],
    limits: Limits,
    stream: _BoundedInflater,
    budget: int,
) -> None:
    name = info.name
    if name not in allowed:
        raise CapsuleError(f"unexpected member {_show(name)} in the capsule")
    if not info.isreg():
        raise CapsuleError(f"member {_show(name)} is not a regular file (links and devices are refused)")
    if name in seen:
        raise CapsuleError(f"member {_show(name)} appears twice in the capsule")
    if len(seen) >= limits.max_members:
        raise CapsuleError(f"the capsule has more than {limits.max_members} members")
    if info.size < 0:  # base-256 sizes can be negative: the trick behind CVE-2025-8194's endless loop
        raise CapsuleError(f"member {_show(name)} declares a negative size")
    if info.size > limits.max_member:
        raise CapsuleError(
            f"member {_show(name)} declares {info.size} bytes, over the {limits.max_member}-byte limit"
        )
    if stream.inflated + info.size > budget:
        raise CapsuleError(
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

    def readinto(self, buffer) -> int:  # type: ignore[override]
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
                raise CapsuleError("the capsule is truncated (the gzip stream ends early)")
            source = bytes(self._data[self._pos : self._pos + 64 * 1024])
            self._pos += len(source)
        room = self._budget - self.inflated
        out = self._z.decompress(source, min(size, room) + 1)
        self._pending = self._z.unconsumed_tail
        self.inflated += len(out)
        if self.inflated > self._budget:
            raise CapsuleError(f"the capsule inflates beyond {self._budget} bytes (a compression bomb?)")
        self._out += out

    def drain(self) -> None:
        """Inflate to the end of the gzip member (checking its CRC and length); nothing may follow."""
        while not self._z.eof:
            self._inflate_some(64 * 1024)
        if self._z.unused_data or self._pos < len(self._data):
            raise CapsuleError("the capsule has trailing bytes after its gzip stream")

    def inflated_prefix(self) -> bytes:
        return bytes(self._out)


def _show(name: str) -> str:
    from tracetui.safe_text import safe_line

    return repr(safe_line(name[:200]))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
