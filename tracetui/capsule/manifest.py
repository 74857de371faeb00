"""Capsule v1: member names, canonical JSON, and the manifest that binds the members together.

Everything in a capsule is serialised canonically (orjson, sorted keys, one record per line for
the .jsonl members), so one input has exactly one encoding: sealing is deterministic, the capsule
id (sha256 of the manifest bytes) is stable, and a reader can reject records that do not
round-trip byte for byte (which is how duplicate JSON keys and other parser disagreements are
refused rather than silently resolved).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import orjson

from tracetui.capsule.archive import CapsuleError
from tracetui.safe_text import exception_line
from tracetui.sources.common.jsonl import loads_whole

FORMAT = "tracetui.capsule/1"
MANIFEST = "capsule.json"
TRACE = "trace.jsonl"
CTX = "ctx.jsonl"
TRAIL = "trail.jsonl"
README = "README.md"
SIGNATURE = "capsule.json.sig"
PAYLOAD = (TRACE, CTX, TRAIL, README)  # the members the manifest lists, with sha256 and size
ALLOWED = frozenset((MANIFEST, SIGNATURE, *PAYLOAD))


def canonical(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def canonical_lines(records: list[Any]) -> bytes:
    return b"".join(canonical(r) + b"\n" for r in records)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def member_entry(data: bytes) -> dict[str, Any]:
    return {"sha256": digest(data), "size": len(data)}


def capsule_id(manifest_bytes: bytes) -> str:
    return digest(manifest_bytes)


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest, checked for form; raises CapsuleError naming the problem."""
    manifest = parse_canonical(data, MANIFEST)
    if not isinstance(manifest, dict):
        raise CapsuleError(f"{MANIFEST} is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise CapsuleError(f"{MANIFEST} has format {manifest.get('format')!r}, expected {FORMAT!r}")
    members = manifest.get("members")
    if not isinstance(members, dict):
        raise CapsuleError(f"{MANIFEST} does not list its members")
    for name, entry in members.items():
        if name not in PAYLOAD:
            raise CapsuleError(f"{MANIFEST} lists an unexpected member {name!r}")
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("size"), int)
        ):
            raise CapsuleError(f"{MANIFEST} has a malformed entry for member {name}")
    return manifest


def parse_canonical(data: bytes, member: str) -> Any:
    try:
        obj = loads_whole(data)  # TooDeep too: a value deeper than orjson writes has no canonical form
    except orjson.JSONDecodeError as exc:
        raise CapsuleError(f"member {member} is not valid JSON ({exception_line(exc, 120)})") from None
    if canonical(obj) != data:
        raise CapsuleError(f"member {member} is not in canonical form (duplicate keys or edited by hand?)")
    return obj


MAX_LINE = 32 * 1024 * 1024  # one record; parsing it costs several times this in memory
# What one record may parse to: each JSON value is an object of its own (an empty list 56 bytes, a
# dict of one key 184), so a 32 MB line of `[],` would be 600 MB parsed. Commas and colons count the
# values before the line is parsed (docs/internals/capsule.md, "What opening may cost").
MAX_RECORD_VALUES = 1_000_000


def lines(data: bytes, member: str) -> Iterator[tuple[int, bytes, int]]:
    """(line number, line, offset of its newline) for each line of a .jsonl member, each line checked
    for size and for how many values it holds before anything parses it (the member is not split
    whole: that was a second copy of it)."""
    if data and not data.endswith(b"\n"):
        raise CapsuleError(f"member {member} does not end with a newline")
    start = number = 0
    while start < len(data):
        end = data.index(b"\n", start)
        number += 1
        if end - start > MAX_LINE:
            raise CapsuleError(
                f"member {member} line {number} is {end - start} bytes, over the {MAX_LINE}-byte limit"
            )
        line = data[start:end]
        if line.count(b",") + line.count(b":") > MAX_RECORD_VALUES:
            raise CapsuleError(f"member {member} line {number} holds over {MAX_RECORD_VALUES} JSON values, "
                               "the limit of one record")  # fmt: skip
        yield number, line, end
        start = end + 1


def parse_record(line: bytes, member: str, number: int) -> dict[str, Any]:
    """One line of a .jsonl member: a canonical JSON object."""
    try:
        obj = parse_canonical(line, member)
    except CapsuleError as exc:
        raise CapsuleError(f"{exc} (line {number})") from None
    if not isinstance(obj, dict):
        raise CapsuleError(f"member {member} line {number} is not a JSON object")
    return obj


def parse_lines(data: bytes, member: str) -> list[dict[str, Any]]:
    """Records of a .jsonl member; every line must be a canonical JSON object."""
    return [parse_record(line, member, number) for number, line, _ in lines(data, member)]
