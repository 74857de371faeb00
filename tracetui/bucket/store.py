"""The bucket's own compressed copies of raw logs, and the sidecars that say how far each was read.

One file per source log: `raw/<key>.<gen>.zst` holds the consumed bytes (a grown log's new bytes are
appended as another zstd frame) and `raw/<key>.json` records where it came from, the source's size
and mtime when last seen, how many bytes were consumed (`offset`) and fingerprints of the consumed
bytes. The sidecar is the truth: it is replaced atomically after the copy is written, and readers
only trust the first `stored` bytes of the copy and the first `offset` bytes of its content, so a
crash mid-write leaves the previous state readable.

Copies are zstd: at level 1 it compresses these logs to about 0.21 of their size at roughly the
speed orjson parses them, where zlib's fastest level took 5 parses' time for 0.28 (see
bench/RESULTS.md). Copies written by earlier versions are gzip; they stay readable and keep growing
as gzip (the sidecar records the codec), until the log is next read whole.

Source files are only ever opened read-only.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson
import zstandard

from tracetui.errors import TracetuiError
from tracetui.regular_file import open_regular
from tracetui.sources.jsonl import complete_length

# Sampled fingerprint: the head and the tail of the consumed bytes. Enough to notice a log rewritten
# in place (Pi migrating a file rewrites its header) without re-reading the whole file on every grow.
PROBE = 4096
# Fast compression: the copy is a safety net, and sync time matters more than a few percent of disk.
LEVEL = 1
CODEC = "zstd"  # what new copies are written in
EXTENSIONS = {"zstd": "zst", "gzip": "gz"}
# fsync each copy and sidecar before it replaces the old one. os.replace alone already keeps the
# previous state readable if the process dies; fsync adds safety against power loss.
FSYNC = True


@dataclass(slots=True)
class Sidecar:
    path: str  # the source log, absolute
    agent: str
    size: int  # the source's size and mtime when last seen
    mtime_ns: int
    offset: int  # bytes consumed (complete lines only)
    stored: int  # valid length of the compressed copy
    gen: int  # generation of the copy file; bumped when the log is re-read whole
    head: str  # sha256 of the first PROBE consumed bytes
    tail: str  # sha256 of the last PROBE consumed bytes
    codec: str = "gzip"  # sidecars from before zstd have no codec field: their copies are gzip

    def __post_init__(self) -> None:
        if self.codec not in EXTENSIONS:
            raise ValueError(f"unknown codec {self.codec!r}")  # load() treats the sidecar as damaged

    @property
    def key(self) -> str:
        return file_key(self.agent, self.path)

    def signature(self) -> tuple:
        """What the parsed result depends on: identical signatures mean identical consumed bytes."""
        return (self.path, self.gen, self.offset, self.head, self.tail)


def file_key(agent: str, path: str) -> str:
    return hashlib.sha1(f"{agent}\0{path}".encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def consumable(path: str, data: bytes) -> int:
    """How many bytes of a freshly read log to take now.

    JSONL logs grow line by line, so a torn last line waits. Other files (Codex's legacy
    single-document `.json` rollouts, Claude's `.meta.json`) are written whole: take all of them.
    """
    return complete_length(data) if path.endswith(".jsonl") else len(data)


def read_source(path: str, start: int = 0, end: int | None = None) -> bytes:
    """Bytes [start, end) of a source log, opened read-only (the one place sources are read)."""
    with open_regular(path) as fh:
        if start:
            fh.seek(start)
        return fh.read() if end is None else fh.read(max(0, end - start))


class Store:
    def __init__(self, root: Path):
        self.dir = root / "raw"

    def ensure(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)

    # -- sidecars -------------------------------------------------------------------------------

    def load_all(self) -> dict[tuple[str, str], Sidecar]:
        """Every sidecar, keyed by (agent, source path)."""
        out: dict[tuple[str, str], Sidecar] = {}
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return out
        for name in names:
            if not name.endswith(".json"):
                continue
            try:
                with open(self.dir / name, "rb") as fh:
                    sc = Sidecar(**orjson.loads(fh.read()))
            except (OSError, ValueError, TypeError):
                continue  # a damaged sidecar: the source is simply read again as new
            out[(sc.agent, sc.path)] = sc
        return out

    def load(self, agent: str, path: str) -> Sidecar | None:
        try:
            with open(self.dir / f"{file_key(agent, path)}.json", "rb") as fh:
                return Sidecar(**orjson.loads(fh.read()))
        except (OSError, ValueError, TypeError):
            return None

    def _copy_path(self, sc: Sidecar) -> Path:
        return self.dir / f"{sc.key}.{sc.gen}.{EXTENSIONS[sc.codec]}"

    def _write_sidecar(self, sc: Sidecar) -> None:
        _atomic_write(self.dir / f"{sc.key}.json", orjson.dumps(asdict(sc)))

    # -- copies ---------------------------------------------------------------------------------

    def content(self, sc: Sidecar) -> bytes:
        """The consumed bytes of one log, from the bucket's copy."""
        if sc.offset == 0:
            return b""
        copy = self._copy_path(sc)
        try:
            with open(copy, "rb") as fh:
                packed = fh.read(sc.stored)
            data = _unpack(sc.codec, packed)
        except (FileNotFoundError, zlib.error, zstandard.ZstdError):
            data = b""
        if len(data) < sc.offset:
            # The sidecar still matches the source, so a plain sync would not copy the log again.
            sidecar = self.dir / f"{sc.key}.json"
            raise TracetuiError(
                f"the bucket's copy of {sc.path} is missing or damaged; delete {sidecar} and sync again"
            )
        return data[: sc.offset]

    def ingest(self, agent: str, path: str, size: int, mtime_ns: int, old: Sidecar | None) -> tuple[Sidecar, bytes | None]:
        """Bring the copy of one source log up to date.

        Returns the new sidecar and, when the log was read whole, its consumed bytes (so the caller
        can parse them without decompressing the copy again); None when only new bytes were added.
        """
        if old is not None and size >= old.offset and old.offset > 0:
            head = read_source(path, 0, min(old.offset, PROBE))
            tail_start = max(0, old.offset - PROBE)
            tail = read_source(path, tail_start, old.offset)
            if _digest(head) == old.head and _digest(tail) == old.tail:
                return self._append(old, path, size, mtime_ns, head, tail), None
        return self._replace(agent, path, old)

    def _append(self, old: Sidecar, path: str, size: int, mtime_ns: int, head: bytes, tail: bytes) -> Sidecar:
        fresh = read_source(path, old.offset, size) if size > old.offset else b""
        n = consumable(path, fresh)
        sc = Sidecar(**asdict(old))
        sc.size, sc.mtime_ns = size, mtime_ns
        if n:
            chunk = fresh[:n]
            copy = self._copy_path(old)
            with open(copy, "r+b") as fh:
                # Anything past `stored` is a half-written member from a crashed sync: drop it.
                fh.truncate(old.stored)
                fh.seek(old.stored)
                fh.write(_pack(old.codec, chunk))
                fh.flush()
                if FSYNC:
                    os.fsync(fh.fileno())
                sc.stored = fh.tell()
            sc.offset = old.offset + n
            # The probes just checked are the old consumed head and tail, so the new fingerprints
            # need no further reads of the source.
            sc.head = _digest((head + chunk)[:PROBE]) if old.offset < PROBE else old.head
            sc.tail = _digest((tail + chunk)[-PROBE:])
        self._write_sidecar(sc)
        return sc

    def _replace(self, agent: str, path: str, old: Sidecar | None) -> tuple[Sidecar, bytes]:
        # Stat before reading: if the log grows while we read, the next sync sees a newer size.
        st = os.stat(path)
        data = read_source(path)
        n = consumable(path, data)
        data = data[:n]
        gen = old.gen + 1 if old is not None else 0
        sc = Sidecar(
            path=path,
            agent=agent,
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            offset=n,
            stored=0,
            gen=gen,
            head=_digest(data[:PROBE]),
            tail=_digest(data[-PROBE:] if n else b""),
            codec=CODEC,
        )
        packed = _pack(CODEC, data)
        sc.stored = len(packed)
        _atomic_write(self._copy_path(sc), packed)
        self._write_sidecar(sc)
        if old is not None and old.gen != gen:
            try:
                os.unlink(self._copy_path(old))
            except FileNotFoundError:
                pass
        return sc, data


def _pack(codec: str, data: bytes) -> bytes:
    if codec == "zstd":
        return zstandard.ZstdCompressor(level=LEVEL).compress(data)
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def _unpack(codec: str, packed: bytes) -> bytes:
    """All frames (zstd) or members (gzip) of a copy, back to back: each append added one."""
    out: list[bytes] = []
    while packed:
        if codec == "zstd":
            d = zstandard.ZstdDecompressor().decompressobj()
            out.append(d.decompress(packed))
        else:
            d = zlib.decompressobj(wbits=31)
            out.append(d.decompress(packed))
            out.append(d.flush())
        if not d.eof:
            break
        packed = d.unused_data
    return b"".join(out)


def _atomic_write(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        if FSYNC:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, target)
