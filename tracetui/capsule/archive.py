"""The capsule container: a deterministic gzip'd tar, written and read entirely in memory.

Writing follows the reproducible-archive recipe (sorted names, mtime 0, uid/gid 0, no owner
names, fixed mode, gzip header mtime 0 and no file name), so the same members always give the same
bytes.

Reading treats the file as hostile. Nothing is extracted to disk. This module checks the size,
the gzip header and its checksum; inflating and parsing the tar happen in an isolated child
process under a time limit (`tar_members`), which bounds the inflated size, checks each header
before reading its member, accepts only the expected names of regular files and insists on the
canonical form the writer produces (one gzip member, no trailing bytes, tar bytes identical to a
rebuild), so any edit to any byte of a capsule is caught, not only edits to member contents.
"""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tracetui.capsule import tar_members
from tracetui.capsule.tar_members import tar_bytes
from tracetui.errors import TracetuiError
from tracetui.safe_text import safe_line


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


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for reading an untrusted capsule (sizes in bytes)."""

    max_file: int = 512 * 1024 * 1024  # the .capsule file itself
    # What a capsule may inflate to bounds what reading it costs: parsed JSON takes several times
    # its bytes in memory. A 1,000-step episode of a real session inflates to a few tens of MB.
    max_member: int = 128 * 1024 * 1024
    max_total: int = 256 * 1024 * 1024  # all inflated bytes, tar headers included
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


def read_archive(
    data: bytes, allowed: frozenset[str] | set[str], limits: Limits = DEFAULT_LIMITS
) -> dict[str, bytes]:
    """The members of a capsule, checked for shape and size; raises CapsuleError on anything odd.

    The file's size, gzip header and checksum are checked here; everything that parses the
    compressed bytes runs in an isolated child (`tar_members`)."""
    if len(data) > limits.max_file:
        raise CapsuleError(f"the capsule is {len(data)} bytes, over the {limits.max_file}-byte limit")
    if not data.startswith(b"\x1f\x8b"):
        raise CapsuleError("not a capsule: the file is not gzip-compressed")
    if data[: len(GZIP_PREFIX)] != GZIP_PREFIX or len(data) < _HEADER_LEN:
        raise CapsuleError("the capsule's gzip header is not the one tracetui writes (edited?)")
    if hashlib.sha256(data[_HEADER_LEN:]).digest() != data[len(GZIP_PREFIX) : _HEADER_LEN]:
        raise CapsuleError("the capsule's bytes do not match the checksum in its header (altered or damaged)")
    budget = min(limits.max_total, limits.max_ratio * len(data) + limits.ratio_slack)
    config = {
        "allowed": sorted(allowed),
        "max_members": limits.max_members,
        "max_member": limits.max_member,
        "budget": budget,
    }
    command = [sys.executable, "-I", "-S", str(Path(tar_members.__file__))]
    head = json.dumps(config).encode() + b"\n"
    try:
        pipe = subprocess.PIPE
        proc = subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=pipe)
    except OSError as exc:
        raise CapsuleError(f"cannot start the capsule reader: {exc}") from None
    with proc:
        return _members_from(proc, head, data, budget)


def _members_from(proc: subprocess.Popen[bytes], head: bytes, data: bytes, budget: int) -> dict[str, bytes]:
    """What the reader child answers, read member by member as it comes (`subprocess.run` held its whole
    output, joined it and sliced it again: three copies of every inflated byte), within READ_TIMEOUT."""
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(READ_TIMEOUT, stop)
    timer.start()
    errors: list[bytes] = []
    feeder = threading.Thread(target=_feed, args=(proc, head, data), daemon=True)
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read(1 << 16) if proc.stderr else b""),
                             daemon=True)  # fmt: skip
    feeder.start()
    drain.start()
    try:
        assert proc.stdout is not None
        try:
            members = tar_members.read_stream(proc.stdout, budget)
            cut = False
        except (ValueError, struct.error):
            members, cut = {}, True
        proc.wait()
        feeder.join()
        drain.join()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if timed_out.is_set():
        raise CapsuleError(f"reading the capsule took over {READ_TIMEOUT:g} s (a hostile archive?)")
    if proc.returncode == tar_members.REFUSED:
        said = b"".join(errors).decode("utf-8", "replace").strip().splitlines() or ["the capsule is damaged"]
        raise CapsuleError(safe_line(said[0]))
    if proc.returncode != 0:
        raise CapsuleError(f"the capsule made its reader fail (exit code {proc.returncode})")
    if cut:
        raise CapsuleError("the capsule reader's answer was cut short")
    return members


def _feed(proc: subprocess.Popen[bytes], head: bytes, data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(head)
        proc.stdin.write(data)
        proc.stdin.close()
    except OSError:  # the reader ended early (it refused the capsule, or was killed): its exit says why
        pass


# Reading a capsule takes well under a second; this only bounds a parser that hangs.
READ_TIMEOUT = 60.0
