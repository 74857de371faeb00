"""What a Parquet file's pages claim, read from their headers before any reader inflates them
(docs/internals/dataset.md, "Files held open").

Each page header says how many bytes its page inflates to, and Arrow's reader allocates that much to
inflate it, outside DuckDB's memory limit: an 86 KB file of three pages each claiming 900 MB took
1.1 GB of a `sql --dataset`. The footer does not say (its column sizes are the writer's word, and a
page's own header is what the reader believes), so every page header of every column chunk is read
here: a few hundred bytes a page, a page being about a megabyte of values.
"""

from __future__ import annotations

import os
from typing import Any

from tracetui.dataset.held import FD_FOLDER
from tracetui.errors import TracetuiError
from tracetui.safe_text import clip, safe_line

# The most a file's pages may inflate to, in all: its size times RATIO, at least FLOOR. zstd'd or
# snappy'd columns of text are rarely a tenth of themselves; values repeated by reference are
# dictionary pages and their indices, which inflate to little.
RATIO = 100
FLOOR = 256 << 20
# Pages a file may have: one for each BYTES_A_HEADER of it, at least HEADERS_FLOOR. Each header is read
# in Python (about 5 us); a writer's pages hold about a megabyte of values, or a column's few rows.
BYTES_A_HEADER = 256
HEADERS_FLOOR = 4096
HEADER_MOST = 16 << 20  # Arrow's own bound on a page header (statistics may hold long values)
_FIRST_READ = 1024
_DEPTH = 16  # nested structs a header may hold: statistics, encodings' headers

# Thrift compact types.
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(1, 13)


class _Short(Exception):
    """The header runs past the bytes read so far."""


def check_pages(name: str, metadata: Any, nbytes: int, shown: str) -> None:
    """TracetuiError (one line, naming `shown`) where the pages of the Parquet file `name` (its
    footer `metadata` from pyarrow, `nbytes` long) claim to inflate to more than RATIO times its size
    (at least FLOOR), or where a header cannot be read within its column chunk."""
    most = max(FLOOR, RATIO * nbytes)
    total, headers = 0, [max(HEADERS_FLOOR, nbytes // BYTES_A_HEADER)]
    fd, opened = _descriptor(name)
    try:
        for g in range(metadata.num_row_groups):
            group = metadata.row_group(g)
            for c in range(group.num_columns):
                total += _chunk_claims(fd, group.column(c), nbytes, shown, headers)
                if total > most:
                    why = f"its pages claim to inflate to more than {most >> 20:,} MiB ({nbytes:,} bytes)"
                    raise _refused(shown, why)
    finally:
        if opened:
            os.close(fd)


def _descriptor(name: str) -> tuple[int, bool]:
    """The descriptor to read `name` by, and whether it was opened here: where `held` named it
    (`/proc/self/fd/N`), N itself, read with `pread` (its offset left alone), so the file checked is
    the one held and the check opens none of its own; else `name` opened."""
    folder, _, number = name.rpartition("/")
    if folder == FD_FOLDER and number.isdigit() and number.isascii():
        return int(number), False
    return os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)), True


def _chunk_claims(fd: int, column: Any, nbytes: int, shown: str, headers: list[int]) -> int:
    """The bytes the pages of one column chunk claim to inflate to, each header read in turn
    (`headers`: how many more the file may have)."""
    start, stored_size = column.data_page_offset, column.total_compressed_size
    if not isinstance(start, int) or not isinstance(stored_size, int):
        raise _refused(shown, "a column chunk has no place in the file")
    if column.has_dictionary_page and 0 <= (column.dictionary_page_offset or 0) < start:
        start = column.dictionary_page_offset
    end = start + stored_size
    if start < 0 or stored_size < 0 or end > nbytes:
        raise _refused(shown, "a column chunk lies outside the file")
    claimed, at = 0, start
    while at < end:
        headers[0] -= 1
        if headers[0] < 0:
            raise _refused(shown, "it has more pages than its size allows")
        inflated, stored, length = _header_at(fd, at, end, shown)
        claimed += inflated
        at += length + stored
    return claimed


def _header_at(fd: int, at: int, end: int, shown: str) -> tuple[int, int, int]:
    """(inflated size, stored size, header length) of the page header at `at`."""
    want = _FIRST_READ
    while True:
        data = os.pread(fd, min(want, end - at), at)
        try:
            fields, length = _struct(data, 0, 0)
        except _Short:
            if len(data) < min(want, end - at) or want >= HEADER_MOST or len(data) == end - at:
                raise _refused(shown, "a page header runs past its column chunk") from None
            want *= 16
            continue
        except (IndexError, ValueError):
            raise _refused(shown, "a page header cannot be read") from None
        inflated, stored = fields.get(2, -1), fields.get(3, -1)
        if not isinstance(inflated, int) or not isinstance(stored, int) or inflated < 0 or stored < 0:
            raise _refused(shown, "a page header gives no sizes")
        return inflated, stored, length


def _refused(shown: str, why: str) -> TracetuiError:
    return TracetuiError(f"{safe_line(clip(shown, 300))}: {why}; not read")


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise _Short
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7
        if shift > 70:
            raise ValueError("varint too long")


def _int(data: bytes, at: int) -> tuple[int, int]:
    raw, at = _varint(data, at)
    return (raw >> 1) ^ -(raw & 1), at  # zigzag


def _struct(data: bytes, at: int, depth: int) -> tuple[dict[int, Any], int]:
    """A compact struct's integer fields, and its nested structs' as dicts, by field id; other values
    skipped. Returns the fields and the position after the struct's stop byte."""
    if depth > _DEPTH:
        raise ValueError("nested too deep")
    fields: dict[int, Any] = {}
    last = 0
    while True:
        if at >= len(data):
            raise _Short
        head = data[at]
        at += 1
        if head == 0:
            return fields, at
        kind, delta = head & 0x0F, head >> 4
        if delta:
            fid = last + delta
        else:
            fid, at = _int(data, at)
        last = fid
        if kind in (_I16, _I32, _I64):
            fields[fid], at = _int(data, at)
        elif kind == _STRUCT:
            fields[fid], at = _struct(data, at, depth + 1)
        else:
            at = _skip(data, at, kind, depth)


def _skip(data: bytes, at: int, kind: int, depth: int) -> int:
    if depth > _DEPTH:
        raise ValueError("nested too deep")
    if kind in (_TRUE, _FALSE):
        return at
    if kind == _BYTE:
        at += 1
    elif kind in (_I16, _I32, _I64):
        _, at = _varint(data, at)
        return at
    elif kind == _DOUBLE:
        at += 8
    elif kind == _BINARY:
        size, at = _varint(data, at)
        at += size
    elif kind == _STRUCT:
        _, at = _struct(data, at, depth + 1)
        return at
    elif kind in (_LIST, _SET):
        if at >= len(data):
            raise _Short
        head = data[at]
        at += 1
        count, inner = head >> 4, head & 0x0F
        if count == 15:
            count, at = _varint(data, at)
        for _ in range(count):
            at = _skip(data, at, _BYTE if inner in (_TRUE, _FALSE) else inner, depth + 1)
    elif kind == _MAP:
        count, at = _varint(data, at)
        if count:
            if at >= len(data):
                raise _Short
            kinds = data[at]
            at += 1
            for _ in range(count):
                at = _skip(data, at, kinds >> 4, depth + 1)
                at = _skip(data, at, kinds & 0x0F, depth + 1)
    else:
        raise ValueError(f"no thrift type {kind}")
    if at > len(data):
        raise _Short
    return at


def first_refused(names: list[str], shown: list[str]) -> TracetuiError | None:
    """The refusal of the first of these Parquet files (named as `held` names them, `shown` as listed)
    whose footer or pages claim past its size, else None: what a read that ran out of memory says."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tracetui.dataset.held import claim, size

    for name, path in zip(names, shown, strict=True):
        try:
            nbytes = size(name)
            metadata = pq.ParquetFile(name).metadata
            claim(metadata, nbytes, path)
            check_pages(name, metadata, nbytes, path)
        except TracetuiError as refused:
            return refused
        except (OSError, ValueError, pa.ArrowException):
            continue  # not this file's claims: the reader's own error is the one to tell
    return None
