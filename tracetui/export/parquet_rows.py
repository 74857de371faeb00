"""A Parquet file's rows as JSON lines, decoded in a child process under a memory and a CPU limit.

More in docs/internals/export.md, `export/parquet_rows.py`.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tracetui.safe_text import exception_line

# What `--check` decodes of one Parquet file at most: the file's size times RATIO, at least FLOOR, at
# most MAX_DECODED. A Parquet file can hold one value and repeat it by reference (a dictionary and its
# run-length indices): 200 KB of file were 2 GB of text decoded. zstd'd text is rarely a tenth of itself.
DECODED_RATIO = 50
DECODED_FLOOR = 64 << 20
MAX_DECODED = 1 << 30
# The child's own budget beyond what its imports took: an honest page is at most a row group (16 MB
# of text, or one huge row: a 64 MB tool output), decoded into a batch and its JSON.
MEMORY = 768 << 20
CPU_SECONDS = 120  # decoding 1 GB of rows as JSON takes about 20 s
QUIET_SECONDS = 600  # the child said nothing (and is not waiting on the parent) for this long
_READ_ROWS = 256  # rows decoded at a time
_CHUNK = 8 << 20  # JSON lines handed on at a time
_FRAME = struct.Struct("<cQQ")  # kind, lines before, length
_ASK = struct.Struct("<QQ")  # the path's length (its bytes follow), the file's decoded limit
_DATA, _ERROR, _END = b"d", b"e", b"z"


class Unreadable(Exception):
    """The file cannot be checked; the message is one line, about the file (never its contents)."""


def decoded_limit(size: int) -> int:
    return min(MAX_DECODED, max(DECODED_FLOOR, size * DECODED_RATIO))


def rows_as_json(path: Path, limit: int | None = None) -> Iterator[tuple[int, bytes]]:
    """A parquet file's rows as JSON lines (for `--check`'s detectors), a few MB at a time, each piece
    with the number of lines before it, decoded in a bounded child process; Unreadable (one line) for
    a file that is no Parquet, that decodes to more than `limit` (decoded_limit of its size) bytes, or
    whose decoding needs more memory or CPU than the child has."""
    with ParquetRows() as reader:
        yield from reader.rows(path, limit)


FILES_A_CHILD = 64  # files one child decodes before a new one takes over


class ParquetRows:
    """One bounded child that decodes file after file (`rows`): starting one costs a Python and
    pyarrow's import, about 0.45 s of CPU, which a check of a hundred files paid a hundred times.
    Each file has its own CPU budget; a child that dies on one (a bomb, a quiet one) is replaced for
    the next, and one is replaced after FILES_A_CHILD files, so memory pyarrow keeps cannot add up and
its hard CPU limit covers them all."""

    def __init__(self) -> None:
        self._child: subprocess.Popen[bytes] | None = None
        self._served = 0

    def __enter__(self) -> ParquetRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(self, path: Path, limit: int | None = None) -> Iterator[tuple[int, bytes]]:
        """`rows_as_json` of one file, in this reader's child."""
        if limit is None:
            limit = decoded_limit(path.stat().st_size)
        child = self._ready()
        assert child.stdin is not None
        done = False
        try:
            name = os.fsencode(path)
            try:
                child.stdin.write(_ASK.pack(len(name), limit) + name)
                child.stdin.flush()
            except OSError:
                raise _ChildEnded from None
            while True:
                kind, before, length = _FRAME.unpack(_read(child, _FRAME.size))
                body = _read(child, length)
                if kind == _DATA:
                    yield before, body
                elif kind == _ERROR:
                    done = True
                    raise Unreadable(body.decode("utf-8", "replace"))
                else:
                    done = True
                    return
        except _ChildEnded:
            child.wait()
            raise Unreadable(_ended(child.returncode)) from None
        finally:
            self._served += 1
            if not done or self._served >= FILES_A_CHILD:
                self.close()  # mid-file (its reader stopped, or the child died): its stream is lost

    def close(self) -> None:
        child, self._child, self._served = self._child, None, 0
        if child is None:
            return
        if child.poll() is None:
            child.kill()
        child.wait()
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()

    def _ready(self) -> subprocess.Popen[bytes]:
        if self._child is not None and self._child.poll() is None:
            return self._child
        self.close()
        # -I: no user site, no PYTHON* variables, and not the current folder on the path (a
        # `pyarrow.py` in the export being checked would otherwise be imported and run).
        command: list[str | bytes] = [sys.executable, "-I", "-c", _CHILD, __file__]
        self._child = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True
        )
        return self._child


class _ChildEnded(Exception):
    pass


def _read(child: subprocess.Popen[bytes], n: int) -> bytes:
    """n bytes of the child's output, or _ChildEnded when it stops or stays quiet too long."""
    assert child.stdout is not None
    fd = child.stdout.fileno()
    parts: list[bytes] = []
    deadline = time.monotonic() + QUIET_SECONDS
    while n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            child.kill()
            raise _ChildEnded
        part = os.read(fd, min(n, 1 << 20))
        if not part:
            raise _ChildEnded
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


def _ended(code: int | None) -> str:
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"decoding it took more than {CPU_SECONDS} s of CPU or went quiet; not checked further"
    return f"decoding it needs over {MEMORY >> 20} MB of memory (its pages claim more); not checked further"


# The child: load this file as a module of its own (not the tracetui package), then decode each
# file the parent asks for, until its stdin ends.
_CHILD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("_tracetui_parquet_rows", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
sys.exit(module.child_main())
"""


def child_main() -> int:
    out = sys.stdout.buffer
    asks = sys.stdin.buffer
    try:
        pa, pq = _pyarrow()
    except Unreadable as exc:
        pa = pq = None
        missing = str(exc)
    _bound_self()
    while True:
        head = asks.read(_ASK.size)
        if len(head) < _ASK.size:
            return 0
        length, limit = _ASK.unpack(head)
        path = os.fsdecode(asks.read(length))
        try:
            if pa is None:
                raise Unreadable(missing)
            _bound_cpu()
            for before, body in _decode(pa, pq, path, limit):
                out.write(_FRAME.pack(_DATA, before, len(body)) + body)
                out.flush()
        except MemoryError:
            return 1  # the parent words it: the limit was reached
        except Unreadable as exc:
            message = str(exc).encode()
            out.write(_FRAME.pack(_ERROR, 0, len(message)) + message)
        else:
            out.write(_FRAME.pack(_END, 0, 0))
        out.flush()


def _bound_self() -> None:
    """RLIMIT_AS at what the imports took plus MEMORY; RLIMIT_CPU's hard limit at the most a child's
    files may take together (SIGKILL past it, should SIGXCPU not end it)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            mapped = int(fh.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        mapped = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (mapped + MEMORY, mapped + MEMORY))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    most = int(time.process_time()) + 1 + FILES_A_CHILD * (CPU_SECONDS + 1) + 5
    if hard == resource.RLIM_INFINITY or most < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (most, most))


def _bound_cpu() -> None:
    """RLIMIT_CPU's soft limit at CPU_SECONDS more than used so far: each file has its own budget,
    and SIGXCPU ends the child past it (a hard limit cannot be raised again, so it bounds them all)."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(time.process_time()) + 1 + CPU_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise Unreadable("checking parquet needs pyarrow (pip install pyarrow)") from None
    return pa, pq


def _decode(pa: Any, pq: Any, path: str, limit: int) -> Iterator[tuple[int, bytes]]:
    """Text columns are read as they are stored, dictionary and indices, so a batch costs what the
    file holds; what a batch would cost as text is summed from the dictionary values' lengths before
    any of it is made."""
    out: list[bytes] = []
    size = total = before = 0
    try:
        probe = pq.ParquetFile(path)
        text_paths = [
            c.path for c in (probe.schema.column(i) for i in range(len(probe.schema)))
            if c.physical_type in ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY")
        ]  # fmt: skip
        reader = pq.ParquetFile(path, read_dictionary=text_paths)
        for batch in reader.iter_batches(batch_size=_READ_ROWS):
            total += sum(_decoded_size(pa, column) for column in batch.columns)
            if total > limit:
                raise Unreadable(f"it decodes to more than {limit >> 20} MB of rows; not checked further")
            for row in _times_as_text(pa, batch).to_pylist():
                line = orjson.dumps(row, default=str)
                out.append(line)
                size += len(line) + 1
            if size >= _CHUNK:
                yield before, b"\n".join(out)
                before += len(out)
                out, size = [], 0
    except MemoryError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise Unreadable(f"it cannot be read as Parquet ({exception_line(exc, 200)})") from None
    if out or not before:
        yield before, b"\n".join(out)


def _times_as_text(pa: Any, batch: Any) -> Any:
    """The batch with its timestamps and durations as text, in a struct, list or map too: pyarrow makes
    each such value a Python object by asking pandas first, whose import cost a child about 0.5 s of
    CPU (half of what checking a small export took) and its memory budget, and one past year 9999 in a
    struct made the whole file unreadable. The detectors read the time either way."""
    wanted = [_as_text_type(pa, c.type) for c in batch.columns]
    if all(w is None for w in wanted):
        return batch
    columns = [c if w is None else c.cast(w) for c, w in zip(batch.columns, wanted)]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _as_text_type(pa: Any, kind: Any) -> Any:
    """`kind` with every timestamp and duration in it made a string; None where it holds none."""
    types = pa.types
    if types.is_timestamp(kind) or types.is_duration(kind):
        return pa.string()
    if types.is_struct(kind):
        fields = [kind.field(i) for i in range(kind.num_fields)]
        made = [_as_text_type(pa, f.type) for f in fields]
        if all(m is None for m in made):
            return None
        return pa.struct([f if m is None else f.with_type(m) for f, m in zip(fields, made)])
    if types.is_map(kind):
        key, item = _as_text_type(pa, kind.key_type), _as_text_type(pa, kind.item_type)
        if key is None and item is None:
            return None
        return pa.map_(key or kind.key_type, item or kind.item_type, kind.keys_sorted)
    if types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind):
        value = _as_text_type(pa, kind.value_type)
        if value is None:
            return None
        field = kind.value_field.with_type(value)
        if types.is_fixed_size_list(kind):
            return pa.list_(field, kind.list_size)
        return pa.large_list(field) if types.is_large_list(kind) else pa.list_(field)
    return None


def _decoded_size(pa: Any, column: Any) -> int:
    """About what `column` costs once every value is made: a dictionary's values counted at each
    index that names them, lists and structs by their parts, the rest as stored (8 bytes a value for
    the Python object each becomes)."""
    import pyarrow.compute as pc

    kind = column.type
    per_value = 8 * len(column)
    if pa.types.is_dictionary(kind):
        values = column.dictionary
        if pa.types.is_string(values.type) or pa.types.is_binary(values.type) or pa.types.is_large_string(
            values.type
        ):
            lengths = pc.binary_length(values)
        else:
            lengths = pa.array([8] * len(values), pa.int64())
        used = pc.sum(pc.take(lengths, column.indices)).as_py() or 0
        return int(used) + per_value
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _decoded_size(pa, column.flatten()) + per_value
    if pa.types.is_struct(kind):
        return sum(_decoded_size(pa, child) for child in column.flatten()) + per_value
    if pa.types.is_map(kind):
        return _decoded_size(pa, column.keys) + _decoded_size(pa, column.items) + per_value
    return int(column.nbytes) + per_value
