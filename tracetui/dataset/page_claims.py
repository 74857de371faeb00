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
from dataclasses import dataclass
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

# Page header fields (parquet.thrift's PageHeader): the page's type, a data page's own header (v1, v2).
_DICTIONARY_PAGE = 2
_DATA_PAGE_HEADER, _DATA_PAGE_V2_HEADER = 5, 8
_OFFSET = 4  # what each value of text costs besides its bytes: Arrow's offset, Parquet's length
SMALL = 1 << 20  # a dictionary whose values make no more than this is counted as that, its page not read

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
    repeats: list[_Repeat] = []  # the text columns with a dictionary, and what their values may make
    fd, opened = _descriptor(name)
    try:
        for g in range(metadata.num_row_groups):
            group = metadata.row_group(g)
            for c in range(group.num_columns):
                pages, repeat = _chunk_claims(fd, group.column(c), g, nbytes, shown, headers)
                total += pages
                if total > most:
                    why = f"its pages claim to inflate to more than {most >> 20:,} MiB ({nbytes:,} bytes)"
                    raise _refused(shown, why)
                if repeat is not None:
                    repeats.append(repeat)
        repeated = sum(r.bound for r in repeats)
        if total + repeated > most and not _within(fd, name, metadata, repeats, most - total):
            why = f"its values repeat dictionary entries to more than {most >> 20:,} MiB ({nbytes:,} bytes)"
            raise _refused(shown, why)
    finally:
        if opened:
            os.close(fd)


@dataclass(frozen=True, slots=True)
class _Repeat:
    """A text column chunk with a dictionary: its values, where its dictionary page's bytes are (stored
    and inflated sizes), and the most its values make written out, each the whole page (`bound`)."""

    group: int
    column: Any
    values: int
    where: int
    stored: int
    inflated: int

    @property
    def bound(self) -> int:
        return self.values * (self.inflated + _OFFSET)


def _within(fd: int, name: str, metadata: Any, repeats: list[_Repeat], most_left: int) -> bool:
    """Whether what the dictionaries' values make stays within `most_left`, each column's bound made
    tighter, the largest first, until the rest fit: each value the longest entry (the page inflated and
    its entries read), then, past SMALL, each value its own entry (`_exact_repeated`). Asked once every
    page of the file is checked, so what these read is bounded."""
    left = sum(r.bound for r in repeats)
    for repeat in sorted(repeats, key=lambda r: r.bound, reverse=True):
        if left <= most_left or repeat.bound <= SMALL:
            break
        tighter = repeat.bound
        if repeat.values * _OFFSET <= most_left:  # else even empty entries are too many
            longest = _longest_entry(fd, repeat.column, repeat.where, repeat.stored, repeat.inflated)
            tighter = tighter if longest is None else repeat.values * (longest + _OFFSET)
            # The exact count holds each value's index and its entry's length: within the budget too.
            exact_fits = 2 * repeat.values * _OFFSET <= most_left
            if exact_fits and tighter > SMALL and left - repeat.bound + tighter > most_left:
                exact = _exact_repeated(name, metadata, repeat.group, repeat.column.path_in_schema)
                tighter = tighter if exact is None else min(exact, tighter)
        left += tighter - repeat.bound
    return left <= most_left


def _exact_repeated(name: str, metadata: Any, group: int, path: str) -> int | None:
    """The bytes the values of the text column `path` of row group `group` make once written out, read
    by pyarrow with every text column kept as dictionary indices (no value written out); None where it
    cannot be read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    leaves = [metadata.schema.column(i) for i in range(metadata.num_columns)]
    texts = [leaf.path for leaf in leaves if leaf.physical_type == "BYTE_ARRAY"]
    try:
        reader = pq.ParquetFile(name, metadata=metadata, read_dictionary=texts)
        table = reader.read_row_group(group, columns=[path])
        return sum(_written_out(chunk) for column in table.columns for chunk in column.chunks)
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return None


def _written_out(values: Any) -> int:
    """The bytes an array's dictionary-encoded text makes written out (its values and offsets), nested
    lists and structs walked."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    if pa.types.is_dictionary(kind):
        lengths = pc.take(pc.binary_length(values.dictionary), values.indices)
        return int(pc.sum(lengths).as_py() or 0) + _OFFSET * len(values)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_map(kind):
        return _written_out(values.flatten())
    if pa.types.is_struct(kind):
        return sum(_written_out(values.field(i)) for i in range(kind.num_fields))
    return 0


def _descriptor(name: str) -> tuple[int, bool]:
    """The descriptor to read `name` by, and whether it was opened here: where `held` named it
    (`/proc/self/fd/N`), N itself, read with `pread` (its offset left alone), so the file checked is
    the one held and the check opens none of its own; else `name` opened."""
    folder, _, number = name.rpartition("/")
    if folder == FD_FOLDER and number.isdigit() and number.isascii():
        return int(number), False
    return os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)), True


def _chunk_claims(
    fd: int, column: Any, group: int, nbytes: int, shown: str, headers: list[int]
) -> tuple[int, _Repeat | None]:
    """The bytes the pages of one column chunk claim to inflate to, each header read in turn
    (`headers`: how many more the file may have), and, for a text column with a dictionary, its
    `_Repeat`."""
    start, stored_size = column.data_page_offset, column.total_compressed_size
    if not isinstance(start, int) or not isinstance(stored_size, int):
        raise _refused(shown, "a column chunk has no place in the file")
    if column.has_dictionary_page and 0 <= (column.dictionary_page_offset or 0) < start:
        start = column.dictionary_page_offset
    end = start + stored_size
    if start < 0 or stored_size < 0 or end > nbytes:
        raise _refused(shown, "a column chunk lies outside the file")
    claimed, at, values = 0, start, 0
    entries: tuple[int, int, int] | None = None  # the dictionary page: where its bytes are, stored, inflated
    while at < end:
        headers[0] -= 1
        if headers[0] < 0:
            raise _refused(shown, "it has more pages than its size allows")
        inflated, stored, length, fields = _header_at(fd, at, end, shown)
        claimed += inflated
        if fields.get(1) == _DICTIONARY_PAGE and entries is None:
            entries = (at + length, stored, inflated)
        values += _page_values(fields)
        at += length + stored
    if entries is None or column.physical_type != "BYTE_ARRAY":
        return claimed, None
    return claimed, _Repeat(group, column, max(values, column.num_values or 0), *entries)


def _header_at(fd: int, at: int, end: int, shown: str) -> tuple[int, int, int, dict[int, Any]]:
    """(inflated size, stored size, header length, its integer and struct fields) of the page header
    at `at`."""
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
        return inflated, stored, length, fields


def _page_values(fields: dict[int, Any]) -> int:
    """The values a data page (v1 or v2) says it holds; 0 for any other page."""
    for key in (_DATA_PAGE_HEADER, _DATA_PAGE_V2_HEADER):
        header = fields.get(key)
        if isinstance(header, dict) and isinstance(header.get(1), int) and header[1] > 0:
            return int(header[1])
    return 0


def _longest_entry(fd: int, column: Any, where: int, stored: int, inflated: int) -> int | None:
    """The longest entry of a PLAIN dictionary page of byte arrays (4-byte little-endian length, then
    the bytes); None where the page cannot be inflated or read as one."""
    import pyarrow as pa

    try:
        data = os.pread(fd, stored, where)
    except OSError:
        return None
    if len(data) != stored:
        return None
    codec = str(column.compression or "").lower()
    if codec != "uncompressed":
        # pyarrow names LZ4_RAW pages and the old Hadoop-framed LZ4 ones both "LZ4": each way is tried.
        ways = [("lz4_raw", 0), ("lz4_raw", 8), ("lz4", 0)] if codec.startswith("lz4") else [(codec, 0)]
        for name, skip in ways:
            try:
                data = pa.Codec(name).decompress(data[skip:], decompressed_size=inflated).to_pybytes()
                break
            except (OSError, ValueError, pa.ArrowException):  # an unknown codec, a page that does not inflate
                continue
        else:
            return None
    longest, at, view = 0, 0, memoryview(data)
    while at + _OFFSET <= len(view):
        size = int.from_bytes(view[at : at + _OFFSET], "little")
        at += _OFFSET + size
        longest = max(longest, size)
    return longest if at == len(view) else None


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
