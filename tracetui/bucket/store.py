"""The bucket's own compressed copies of raw logs, and the sidecars that say how far each was read.

One file per source log and generation: `raw/<key>.<gen>.zst` holds the consumed bytes (a grown
log's new bytes are appended as another zstd frame) and `raw/<key>.json` records where it came from,
the source's size and mtime when last seen, how many bytes were consumed (`offset`) and a sha256 of
all of them (`digest`). The sidecar is the truth: it is replaced atomically after the copy is
written, and readers only trust the first `stored` bytes of a copy and the first `offset` bytes of
its content, so a crash mid-write leaves the previous state readable.

More in docs/internals/bucket.md, `bucket/store.py`.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import zstandard

from tracetui.errors import TracetuiError
from tracetui.regular_file import CACHE_MOST, NotRegularFile, fresh_temp, open_regular, read_regular

# Fast compression: the copy is a safety net, and sync time matters more than a few percent of disk.
LEVEL = 1
CODEC = "zstd"  # what new copies are written in
EXTENSIONS = {"zstd": "zst", "gzip": "gz"}
# fsync each copy and sidecar before it replaces the old one. os.replace alone already keeps the
# previous state readable if the process dies; fsync adds safety against power loss.
FSYNC = True
# A log's first copy (nothing of it was kept before) is not fsynced file by file: the sync asks once
# for the whole file system (`flush`), when a worker is done or every FLUSH_SECONDS. A cold sync
# made two fsyncs a log, 8 ms each on a VM's disk: more of its wall time than any stage's CPU.
FLUSH_SECONDS = 5.0
# A line (or a whole-document log) longer than this is copied but never parsed: it would cost
# several times its size in memory, and no agent writes one.
MAX_LINE = 64 << 20
CHUNK = 8 << 20  # how much of a source or a copy is held at once
PROBE = 4096  # sidecars from before the digest fingerprinted the consumed bytes' head and tail


class CopyError(TracetuiError):
    """Writing the bucket's copy of a log failed (a full disk, a read-only folder)."""


class SourceReadError(OSError):
    """Reading the agent's log failed: the log's side, never the bucket's."""


@dataclass(slots=True)
class Generation:
    gen: int
    offset: int  # bytes consumed
    stored: int  # valid length of the compressed copy
    codec: str
    digest: str


@dataclass(slots=True)
class Sidecar:
    path: str  # the source log, absolute
    agent: str
    size: int  # the source's size and mtime when last seen
    mtime_ns: int
    offset: int  # bytes consumed (complete lines only)
    stored: int  # valid length of the compressed copy
    gen: int  # generation of the copy file; a new one when the log shrank or was rewritten
    head: str = ""  # (sidecars before `digest`) sha256 of the first PROBE consumed bytes
    tail: str = ""  # (sidecars before `digest`) sha256 of the last PROBE consumed bytes
    codec: str = "gzip"  # sidecars from before zstd have no codec field: their copies are gzip
    digest: str = ""  # sha256 of every consumed byte ("" in sidecars from before it)
    kept: list[dict[str, Any]] = field(default_factory=list)  # earlier generations (Generation dicts)

    def __post_init__(self) -> None:
        # A sidecar is read back from disk: any field of another type is damage (load() then treats
        # the sidecar as missing and the copy is made again), never a TypeError out of a sync, nor a
        # `gen` of text naming the copy's file.
        for name in ("path", "agent", "head", "tail", "digest"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"malformed {name}")
        for name in ("size", "mtime_ns", "offset", "stored", "gen"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or (value < 0 and name != "mtime_ns"):
                raise ValueError(f"malformed {name}")  # (a file's mtime may be before 1970)
        if self.codec not in EXTENSIONS:
            raise ValueError(f"unknown codec {self.codec!r}")  # load() treats the sidecar as damaged
        if not isinstance(self.kept, list) or not all(isinstance(k, dict) for k in self.kept):
            raise ValueError("malformed kept generations")

    @property
    def key(self) -> str:
        return file_key(self.agent, self.path)

    @property
    def current(self) -> Generation:
        return Generation(self.gen, self.offset, self.stored, self.codec, self.digest)

    def generations(self) -> list[Generation]:
        """Every generation, the one to read first first: the longest record, the newest on a tie."""
        gens = [self.current, *(Generation(**k) for k in self.kept)]
        return sorted(gens, key=lambda g: (-g.offset, -g.gen))

    def best(self) -> Generation:
        return self.generations()[0]

    def signature(self) -> tuple[Any, ...]:
        """What the parsed result depends on: identical signatures mean identical consumed bytes."""
        best = self.best()
        return (self.path, self.gen, self.offset, self.digest or f"{self.head}:{self.tail}", best.gen)


@dataclass(slots=True)
class Loaded:
    """A log's consumed bytes as readers get them, and what they were not given."""

    data: bytes
    skipped: list[tuple[int, int]]  # (line number, length) of lines over MAX_LINE, not in `data`
    note: str | None = None  # when the record read is not the log as it is now
    gen: int | None = None  # the generation read


def file_key(agent: str, path: str) -> str:
    return hashlib.sha1(f"{agent}\0{path}".encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def read_source(path: str, start: int = 0, end: int | None = None) -> bytes:
    """Bytes [start, end) of a source log, opened read-only (the one place sources are read)."""
    with open_regular(path) as fh:
        if start:
            fh.seek(start)
        return fh.read() if end is None else fh.read(max(0, end - start))


def _source_chunks(path: str, start: int, end: int) -> Iterator[bytes]:
    pos = start
    while pos < end:
        try:
            chunk = read_source(path, pos, min(end, pos + CHUNK))
        except OSError as exc:
            raise SourceReadError(exc.errno, exc.strerror or str(exc)) from None
        if not chunk:
            return  # the log shrank while we read: take what was there
        yield chunk
        pos += len(chunk)


class _Lines:
    """Splits a stream into what is consumed (copied, digested) and what readers get.

    Lines up to MAX_LINE pass through; a longer one is consumed but replaced by an empty line for the
    readers (so line numbers hold) and recorded. The bytes after the last newline wait in `pending`
    (at most MAX_LINE of them) until the caller knows whether the torn tail may be taken.
    Per chunk this does a constant number of byte searches, not a Python loop per line.
    """

    def __init__(self, first_line: int = 1, whole: bool = False, kept: bool = False) -> None:
        # Lines between two newlines of one chunk pass unchecked: they are shorter than the chunk.
        assert CHUNK <= MAX_LINE, "a chunk must not be larger than the line limit"
        self._line = first_line  # number of the line `pending` belongs to, less `_uncounted`'s newlines
        # `kept`: the caller keeps every line readers get (a log read whole), so whole lines' newlines
        # are counted only when a skipped line needs its number: nearly never (docs/internals/bucket.md).
        self._uncounted: list[bytes] | None = [] if kept else None
        self.whole = whole  # a whole-document file: one "line", no newline splitting
        self.pending: list[bytes] = []
        self.pending_len = 0
        self.overlong = False
        self.consumed: list[bytes] = []
        self.data: list[bytes] = []
        self.skipped: list[tuple[int, int]] = []

    def feed(self, chunk: bytes) -> None:
        first = -1 if self.whole else chunk.find(b"\n")
        if first < 0:
            self._grow(chunk)
            return
        if not self.pending and not self.overlong:
            # No line is waiting: every line up to the last newline is whole and shorter than the
            # chunk, so they pass as one piece, and a chunk that ends in a newline (a whole log
            # under CHUNK) is not copied at all.
            last = chunk.rfind(b"\n")
            lines = chunk if last + 1 == len(chunk) else chunk[: last + 1]
            self.consumed.append(lines)
            self.data.append(lines)
            self._passed(lines)
            if last + 1 < len(chunk):
                self._grow(chunk[last + 1 :])
            return
        self._grow(chunk[: first + 1])
        self._end_line()
        last = chunk.rfind(b"\n")
        if last > first:
            middle = chunk[first + 1 : last + 1]  # whole lines, each shorter than the chunk
            self.consumed.append(middle)
            self.data.append(middle)
            self._passed(middle)
        if last + 1 < len(chunk):
            self._grow(chunk[last + 1 :])

    def finish(self, take_torn: bool) -> None:
        """End of input: an overlong tail is consumed (skipped); another torn tail only if `take_torn`."""
        if self.overlong:
            self.skipped.append((self.line, self.pending_len))
            self._reset()
        elif self.pending and take_torn:
            tail = b"".join(self.pending)
            self.consumed.append(tail)
            self.data.append(tail)
            self._reset()

    @property
    def line(self) -> int:
        if self._uncounted:
            self._line += sum(map(_newlines, self._uncounted))
            self._uncounted.clear()
        return self._line

    def _passed(self, whole_lines: bytes) -> None:
        if self._uncounted is None:
            self._line += _newlines(whole_lines)
        else:
            self._uncounted.append(whole_lines)

    def tail(self) -> bytes:
        return b"" if self.overlong else b"".join(self.pending)

    def drain(self) -> tuple[list[bytes], list[bytes]]:
        consumed, data = self.consumed, self.data
        self.consumed, self.data = [], []
        return consumed, data

    def _grow(self, piece: bytes) -> None:
        if self.overlong:
            self.consumed.append(piece)  # past the limit: copied as it streams, never held
            self.pending_len += len(piece)
            return
        self.pending.append(piece)
        self.pending_len += len(piece)
        if self.pending_len > MAX_LINE:
            self.overlong = True
            self.consumed.extend(self.pending)
            self.pending = []

    def _end_line(self) -> None:
        if self.overlong:
            self.skipped.append((self.line, self.pending_len))
            self.data.append(b"\n")
        else:
            line = b"".join(self.pending)
            self.consumed.append(line)
            self.data.append(line)
        self._line += 1
        self._reset()

    def _reset(self) -> None:
        self.pending, self.pending_len, self.overlong = [], 0, False


def _newlines(data: bytes) -> int:
    """`data.count(b"\\n")`, in a third of its time: `count` looks at each byte in turn, `replace`
    finds each newline with memchr (a log's lines are hundreds of bytes long)."""
    return len(data) - len(data.replace(b"\n", b""))


def _takes_torn_tail(path: str, tail: bytes) -> bool:
    """JSONL logs grow line by line, so a torn last line waits; but a finished log need not end in a
    newline, so a last line that already parses as a JSON object is taken."""
    if not tail.strip():
        return False
    try:
        return isinstance(orjson.loads(tail), dict)
    except orjson.JSONDecodeError:
        return False


def _whole_document(path: str) -> bool:
    """Files written whole (Codex's legacy `.json` rollouts, Claude's `.meta.json`): all or nothing."""
    return not path.endswith(".jsonl") and ".jsonl." not in os.path.basename(path)


class Store:
    def __init__(self, root: Path):
        self.dir = root / "raw"

    def ensure(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)

    def has_copies(self) -> bool:
        try:
            with os.scandir(self.dir) as entries:
                return any(e.name.endswith(".json") and not e.name.startswith(".") for e in entries)
        except OSError:
            return False

    # -- sidecars -------------------------------------------------------------------------------

    def load_all(self) -> dict[tuple[str, str], Sidecar]:
        """Every readable sidecar, keyed by (agent, source path)."""
        out: dict[tuple[str, str], Sidecar] = {}
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return out
        for name in names:
            if not name.endswith(".json") or name.startswith("."):
                continue
            sc = self._read_sidecar(self.dir / name)
            if sc is not None:
                out[(sc.agent, sc.path)] = sc
        return out

    def load(self, agent: str, path: str) -> Sidecar | None:
        return self._read_sidecar(self.dir / f"{file_key(agent, path)}.json")

    @staticmethod
    def _read_sidecar(path: Path) -> Sidecar | None:
        try:
            # read_regular: a FIFO planted as a sidecar would block a plain open() for ever.
            return Sidecar(**orjson.loads(read_regular(path, CACHE_MOST)))
        except (OSError, ValueError, TypeError, TracetuiError):  # also a FIFO, or a file too large
            return None  # damaged: `repair` can rebuild it from the copy

    def _copy_path(self, sc: Sidecar | Generation, key: str | None = None) -> Path:
        key = key if key is not None else sc.key  # type: ignore[union-attr]
        return self.dir / f"{key}.{sc.gen}.{EXTENSIONS[sc.codec]}"

    def _write_sidecar(self, sc: Sidecar, durable: bool = True) -> None:
        # orjson writes a dataclass's fields in order, as `asdict` would give them, without its deep copy.
        _atomic_write(self.dir / f"{sc.key}.json", orjson.dumps(sc), durable)
        if not durable:
            _unflushed.add(self.dir)

    def remove(self, agent: str, path: str) -> int:
        """Delete the bucket's copies of one log, every generation, and its sidecar (first, so a
        crash half-way leaves copies nothing points to rather than a sidecar without its copy).
        Returns how many files went."""
        key = file_key(agent, path)
        gone = 0
        sidecar = self.dir / f"{key}.json"
        try:
            sidecar.unlink()
            gone += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise CopyError(f"cannot remove the bucket's copy of {path}: {exc.strerror or exc}") from None
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return gone
        for name in sorted(names):
            parts = name.split(".")
            if len(parts) == 3 and parts[0] == key and parts[1].isdigit() and parts[2] in EXTENSIONS.values():
                try:
                    (self.dir / name).unlink()
                    gone += 1
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise CopyError(f"cannot remove the bucket's copy of {path}: {exc.strerror or exc}") from None
        return gone

    def repair(self, agent: str, path: str) -> Sidecar | None:
        """Rebuild a missing or damaged sidecar from the copies on disk; None when there are none.

        The copies are named by the key of (agent, path), so the index's list of a group's files is
        enough to find them. Each generation is read to its end to learn its length and digest; the
        source's size and mtime are unknown (0), so the next sync compares the log by content.
        """
        key = file_key(agent, path)
        gens: list[Generation] = []
        for name in sorted(os.listdir(self.dir)):
            parts = name.split(".")
            if len(parts) != 3 or parts[0] != key or not parts[1].isdigit():
                continue
            codec = next((c for c, ext in EXTENSIONS.items() if ext == parts[2]), None)
            if codec is None:
                continue
            stored = (self.dir / name).stat().st_size
            h, n = hashlib.sha256(), 0
            try:
                for chunk in _decompressed(codec, self.dir / name, stored):
                    h.update(chunk)
                    n += len(chunk)
            except (OSError, zlib.error, zstandard.ZstdError):
                pass  # a damaged tail: what came before it still counts
            if n:
                gens.append(Generation(int(parts[1]), n, stored, codec, h.hexdigest()[:32]))
        if not gens:
            return None
        gens.sort(key=lambda g: g.gen)
        cur = gens[-1]
        sc = Sidecar(path, agent, 0, 0, cur.offset, cur.stored, cur.gen, codec=cur.codec, digest=cur.digest,
                     kept=[asdict(g) for g in gens[:-1]])  # fmt: skip
        self._write_sidecar(sc)
        return sc

    # -- copies ---------------------------------------------------------------------------------

    def content(self, sc: Sidecar) -> bytes:
        """The consumed bytes of a log's longest record (over-long lines left out)."""
        return self.load_record(sc).data

    def load_record(self, sc: Sidecar, only: Generation | None = None) -> Loaded:
        """What readers get of a log: its longest record kept (or generation `only`), read in
        bounded chunks.

        A generation whose copy is missing or damaged is passed over for the next longest; when
        none can be read, a TracetuiError says so.
        """
        for g in [only] if only is not None else sc.generations():
            if g.offset == 0:
                return Loaded(b"", [])
            lines = _Lines(whole=_whole_document(sc.path), kept=True)
            got = 0
            try:
                for chunk in _decompressed(g.codec, self._copy_path(g, sc.key), g.stored):
                    chunk = chunk[: g.offset - got]
                    got += len(chunk)
                    lines.feed(chunk)
                    if got >= g.offset:
                        break
            except (OSError, zlib.error, zstandard.ZstdError):
                continue
            if got < g.offset:
                continue
            lines.finish(take_torn=True)
            note = None
            if g.gen != sc.gen:
                note = (
                    f"the agent's log was shortened or rewritten; showing the longest record kept "
                    f"({g.offset} bytes, the log now has {sc.offset})"
                )
            return Loaded(b"".join(lines.data), lines.skipped, note, g.gen)
        sidecar = self.dir / f"{sc.key}.json"
        raise TracetuiError(
            f"the bucket's copy of {sc.path} is missing or damaged; delete {sidecar} and sync again"
        )

    def ingest(
        self, agent: str, path: str, size: int, mtime_ns: int, old: Sidecar | None
    ) -> tuple[Sidecar, Loaded | None]:
        """Bring the copy of one source log up to date.

        Returns the new sidecar and, when the log was read whole, what readers get of it (so the
        caller can parse it without decompressing the copy again); None when only new bytes were
        added. Raises CopyError when the copy cannot be written, OSError when the log cannot be read.
        """
        if old is not None and old.offset > 0 and size >= old.offset:
            h = hashlib.sha256()
            lines_before = 0
            head = b""
            for chunk in _source_chunks(path, 0, old.offset):
                if len(head) < PROBE:
                    head += chunk[: PROBE - len(head)]
                h.update(chunk)
                lines_before += _newlines(chunk)
            if self._same_prefix(old, h, head, path):
                try:
                    return self._append(old, path, size, mtime_ns, h, lines_before), None
                except SourceReadError:
                    raise
                except (OSError, zlib.error, zstandard.ZstdError) as exc:
                    if isinstance(exc, OSError) and _is_write_failure(exc):
                        raise CopyError(self._write_failure(path, exc)) from None
                    # The copy was damaged: start a new generation from the source below.
        return self._replace(agent, path, old)

    @staticmethod
    def _same_prefix(old: Sidecar, h: Any, head: bytes, path: str) -> bool:
        if old.digest:
            return bool(h.hexdigest()[:32] == old.digest)
        # A sidecar from before the digest: its probes are all it has to compare.
        tail = read_source(path, max(0, old.offset - PROBE), old.offset)
        return _digest(head) == old.head and _digest(tail) == old.tail

    def _append(
        self, old: Sidecar, path: str, size: int, mtime_ns: int, h: Any, lines_before: int
    ) -> Sidecar:
        sc = Sidecar(**asdict(old))
        sc.size, sc.mtime_ns = size, mtime_ns
        if size > old.offset:
            copy = self._copy_path(old)
            lines = _Lines(lines_before + 1, whole=_whole_document(path))
            packer = _packer(old.codec)
            try:
                with _open_copy(copy) as fh:
                    # Anything past `stored` is a half-written frame from a crashed sync: drop it.
                    fh.truncate(old.stored)
                    fh.seek(old.stored)
                    added = self._stream(path, old.offset, size, lines, packer, fh, h)
                    fh.flush()
                    if FSYNC:
                        os.fsync(fh.fileno())
                    stored = fh.tell()
            except SourceReadError:
                raise
            except OSError as exc:
                if _is_write_failure(exc):
                    raise CopyError(self._write_failure(path, exc)) from None
                raise
            if added:
                sc.stored = stored
                sc.offset = old.offset + added
                sc.digest = h.hexdigest()[:32]
        elif not old.digest:
            sc.digest = h.hexdigest()[:32]
        self._write_sidecar(sc)
        return sc

    def _stream(
        self, path: str, start: int, end: int, lines: _Lines, packer: Any, out: BinaryIO, h: Any,
        given: list[bytes] | None = None,
    ) -> int:
        """Copy source bytes [start, end) through `lines` into `out` (and what readers get into
        `given`, when asked); returns how many bytes were consumed."""
        added = 0

        def take() -> None:
            nonlocal added
            consumed, data = lines.drain()
            for piece in consumed:
                h.update(piece)
                out.write(packer.compress(piece))
                added += len(piece)
            if given is not None:
                given.extend(data)

        for chunk in _source_chunks(path, start, end):
            lines.feed(chunk)
            take()
        lines.finish(take_torn=lines.whole or _takes_torn_tail(path, lines.tail()))
        take()
        if added:
            out.write(packer.flush())
        return added

    def recopy(self, agent: str, path: str, old: Sidecar | None) -> tuple[Sidecar, Loaded]:
        """Copy the log whole as a new generation (its earlier copies are damaged or unreadable)."""
        return self._replace(agent, path, old)

    def _replace(self, agent: str, path: str, old: Sidecar | None) -> tuple[Sidecar, Loaded]:
        # Stat before reading: if the log grows while we read, the next sync sees a newer size.
        st = os.stat(path)
        kept = list(old.kept) if old is not None else []
        if old is not None and old.offset > 0:
            kept.append(asdict(old.current))  # history: the earlier record is never discarded
        gen = max([old.gen if old is not None else -1, *(k["gen"] for k in kept)]) + 1
        # A first copy replaces nothing: a power loss before `flush` loses only what the log still
        # holds (a sidecar or copy found damaged is rebuilt or copied again by the next sync).
        durable = old is not None and (old.offset > 0 or bool(old.kept))
        sc = Sidecar(path, agent, st.st_size, st.st_mtime_ns, 0, 0, gen, codec=CODEC, kept=kept)
        lines = _Lines(whole=_whole_document(path), kept=True)
        h = hashlib.sha256()
        data: list[bytes] = []
        target = self._copy_path(sc)
        try:
            fh, tmp = fresh_temp(target)
        except OSError as exc:
            if _is_write_failure(exc):
                raise CopyError(self._write_failure(path, exc)) from None
            raise
        try:
            with fh:
                consumed = self._stream(path, 0, st.st_size, lines, _packer(CODEC), fh, h, data)
                fh.flush()
                if FSYNC and durable:
                    os.fsync(fh.fileno())
                sc.stored = fh.tell()
            os.replace(tmp, target)
        except SourceReadError:
            _unlink(tmp)
            raise
        except OSError as exc:
            _unlink(tmp)
            if _is_write_failure(exc):
                raise CopyError(self._write_failure(path, exc)) from None
            raise
        except BaseException:
            _unlink(tmp)
            raise
        sc.offset = consumed
        sc.digest = h.hexdigest()[:32]
        self._write_sidecar(sc, durable)
        return sc, Loaded(b"".join(data), lines.skipped)

    def _write_failure(self, path: str, exc: OSError) -> str:
        return f"cannot write the bucket's copy of {path} in {self.dir}: {exc.strerror or exc}"


def _open_copy(copy: Path) -> BinaryIO:
    """The bucket's copy of a log, opened to be cut and appended to, as the regular file it is: a link
    planted in its place (the bucket is anyone's who has the folder) had the sync cut and write the
    file it named. OSError (not a write failure) otherwise: the copy is damaged, the log copied anew."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(copy, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "the copy is not a regular file", str(copy))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "r+b")
    except BaseException:
        os.close(fd)
        raise


def _is_write_failure(exc: OSError) -> bool:
    import errno

    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG)


# A zstd compressor a thread, kept from log to log: one made for each log was 8 to 10% of the CPU of
# compressing a cold sync's copies. It serves one stream at a time; `compressobj` starts a new frame.
_compressors = threading.local()


def _packer(codec: str) -> Any:
    """A streaming compressor writing one frame (zstd) or member (gzip) per append."""
    if codec == "zstd":
        compressor = getattr(_compressors, "zstd", None)
        if compressor is None:
            compressor = _compressors.zstd = zstandard.ZstdCompressor(level=LEVEL)
        return compressor.compressobj()
    return _GzipPacker()


class _GzipPacker:
    def __init__(self) -> None:
        self._z = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data)

    def flush(self) -> bytes:
        return self._z.flush()


class _Limited(io.RawIOBase):
    """The first `limit` bytes of a file: what a sidecar vouches for."""

    def __init__(self, fh: BinaryIO, limit: int) -> None:
        self._fh, self._left = fh, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._left)
        if n <= 0:
            return 0
        data = self._fh.read(n)
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)


def _decompressed(codec: str, copy: Path, stored: int) -> Iterator[bytes]:
    """A copy's content in chunks of at most CHUNK bytes, across its frames or members. A copy that
    is no regular file (a FIFO would block the read for ever) is an OSError, as an unreadable one is."""
    try:
        opened = open_regular(copy)
    except NotRegularFile as exc:
        raise OSError(errno.EINVAL, str(exc)) from None
    with opened as raw:
        source = _Limited(raw, stored)
        if codec == "zstd":
            reader = zstandard.ZstdDecompressor().stream_reader(
                io.BufferedReader(source), read_across_frames=True
            )
            while True:
                chunk = reader.read(CHUNK)
                if not chunk:
                    return
                yield chunk
        packed = source.read(stored)
        while packed:
            d = zlib.decompressobj(wbits=31)
            buf = packed
            while buf:
                chunk = d.decompress(buf, CHUNK)
                if chunk:
                    yield chunk
                buf = d.unconsumed_tail
            tail = d.flush()
            if tail:
                yield tail
            if not d.eof:
                return
            packed = d.unused_data


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _atomic_write(target: Path, data: bytes, durable: bool = True) -> None:
    fh, tmp = fresh_temp(target)
    try:
        with fh:
            fh.write(data)
            if FSYNC and durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        _unlink(tmp)
        raise


# Copy folders this process wrote first copies to since its last `flush`, and when that was.
_unflushed: set[Path] = set()
_flushed_at = time.monotonic()


def flush(due: bool = False) -> None:
    """Make this process's first copies and their sidecars durable: one sync of each file system
    they are on (Linux's syncfs; elsewhere a sync of all), not two fsyncs a log. `due`: only when
    FLUSH_SECONDS have passed since the last one."""
    global _flushed_at
    if not _unflushed or (due and time.monotonic() - _flushed_at < FLUSH_SECONDS):
        return
    folders = list(_unflushed)
    _unflushed.clear()
    _flushed_at = time.monotonic()
    if not FSYNC:
        return
    syncfs = _syncfs()
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue  # the bucket went away: nothing of it to keep
        try:
            if syncfs is None or syncfs(fd) != 0:
                os.sync()
        finally:
            os.close(fd)


def _syncfs() -> Any:
    try:
        import ctypes  # only here: most processes never flush

        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError, ImportError):
        return None
