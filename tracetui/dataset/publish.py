"""A machine's export into a team dataset (docs/dataset.md, "How a machine writes").

The export itself is the Parquet export of tracetui.export, into a staging folder kept in the user's
cache (same review, scrub, second gate and manifest as any export), with the machine's id as the first
partition key. What this module adds is the way to and from the dataset: the staging folder is filled
from the dataset when it is not the dataset's (a wiped cache, another clone of the bucket), and
afterwards only the files whose digest the dataset lacks are uploaded, then the manifest, then the
machine's files no longer listed are removed. Every path it writes or removes is checked to be under
the machine's own prefixes first, so one machine can never touch another's rows. Last, the dataset's
own card (dataset/card.py) is written again from every machine's manifest.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracetui.dataset.location import TABLES, Location, find_files, open_location
from tracetui.dataset.machine import machine_id
from tracetui.errors import TracetuiError
from tracetui.folder_fd import LinkOnWay
from tracetui.safe_text import safe_line

# The export (its review and detectors) is imported where a publish runs: `tracetui.dataset`'s names
# are imported by every face that opens a dataset, and those need none of it.
if TYPE_CHECKING:
    from tracetui.export import ExportOptions, ExportReport, Selection
    from tracetui.export.run import ProgressCallback
    from tracetui.library import Library

MANIFEST = "manifest.json"
_MANIFEST_LIMIT = 256 << 20  # a manifest of a million files is about 200 MB
# What the fetch of a machine's part (docs/dataset.md, "How a machine writes") copies into the user's
# cache at most: the manifest it follows is the dataset's, which every member can write, and it named
# any size. Generous bounds for one machine's own sessions; a fetch past them is refused whole.
FETCH_FILE_MOST = 2 << 30
FETCH_TOTAL_MOST = 16 << 30
_CHUNK = 1 << 20


@dataclass(slots=True)
class PublishReport:
    url: str
    machine: str
    export: ExportReport
    uploaded: list[str] = field(default_factory=list)  # dataset paths written, the manifest last
    removed: list[str] = field(default_factory=list)  # the machine's dataset paths no longer listed
    fetched: int = 0  # files brought into the staging folder from the dataset first

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.export.to_dict(),
            "url": self.url,
            "machine": self.machine,
            "uploaded": self.uploaded,
            "removed": self.removed,
            "fetched": self.fetched,
        }


def staging_dir(location: Location, machine: str) -> Path:
    """The local folder a machine's part of the dataset at `location` is built in."""
    from platformdirs import user_cache_path

    key = hashlib.sha256(f"{location.protocol}://{location.root}".encode()).hexdigest()[:16]
    return user_cache_path("tracetui") / "datasets" / key / machine


def remote_rel(rel: str, machine: str) -> str:
    """Where a staging file goes in the dataset: data files keep their name (their third folder is the
    machine's partition), the rest (manifest, card, receipts) go under `machines/<id>/`. A data file of
    another partition is refused: the machine never writes outside its own prefixes."""
    parts = rel.split("/")
    if parts[0] == "data":
        if len(parts) < 4 or parts[1] not in TABLES or parts[2] != f"machine={machine}":
            raise TracetuiError(f"refusing to write {rel!r}: not under this machine's partition")
        return rel
    return f"machines/{machine}/{rel}"


def _own_prefixes(location: Location, machine: str) -> list[str]:
    return [location.path(rel) for rel in _own_rels(machine)]


def _own_rels(machine: str) -> list[str]:
    return [f"data/{t}/machine={machine}" for t in TABLES] + [f"machines/{machine}"]


def _refuse_links(location: Location, machine: str, rel: str | None = None) -> None:
    """TracetuiError where a symbolic link stands on the way to `rel` or anywhere in the machine's own
    folders (all of them when `rel` is None). A local dataset is every member's folder, and anyone
    may read a machine's id in it: a link planted there had the export write its files, and remove
    every file it had not written, wherever the link led."""
    found = location.link_in(rel) if rel is not None else None
    for own in _own_rels(machine) if rel is None else []:
        found = found or location.link_in(own, below=True)
    if found is not None:
        raise _refusal(location, found)


def _refusal(location: Location, found: str, what: str = "a symbolic link") -> TracetuiError:
    return TracetuiError(
        f"refusing to write into {safe_line(location.url)}: {safe_line(found)} is {what} "
        "(what is written there would land where it leads); remove it and export again"
    )


def publish(
    library: Library,
    url: str,
    options: ExportOptions,
    selection: Selection | None = None,
    progress: ProgressCallback | None = None,
    machine: str | None = None,
    user: str | None = None,
) -> PublishReport:
    """Export the chosen sessions as this machine's part of the dataset at `url` (docs/dataset.md).

    Raises what `export` raises (SealRefused while suggestions wait, TracetuiError for bad input) and
    TracetuiError for a dataset that cannot be reached or whose manifest for this machine is damaged.
    """
    from tracetui.export import export

    if options.format != "parquet":
        raise TracetuiError("a dataset takes the parquet format: give --format parquet")
    location = open_location(url)
    mid = machine_id(machine)
    staging = staging_dir(location, mid)
    with _locked(staging):
        _refuse_links(location, mid)
        remote = _remote_manifest(location, mid)
        try:
            fetched = _align(location, mid, staging, remote)
        except OSError as exc:
            raise TracetuiError(f"cannot read machine {mid}'s part of {location.url}: {_reason(exc)}") from None
        report = export(library, staging, replace(options, machine=mid, user=user), selection, progress)
        out = PublishReport(url, mid, report, fetched=fetched)
        try:
            _upload(location, mid, staging, remote, out)
        except OSError as exc:
            # The staging folder is whole: the next export uploads what this one could not.
            raise TracetuiError(
                f"cannot write to {location.url} ({len(out.uploaded)} file(s) uploaded; export again to "
                f"finish): {_reason(exc)}"
            ) from None
        _card(location, out)
    return out


def _card(location: Location, out: PublishReport) -> None:
    """The dataset's card, from every machine's manifest; a failure is a warning (the rows are in)."""
    from tracetui.dataset.card import CARD, write_card

    try:
        if write_card(location):
            out.uploaded.append(CARD)
    except (OSError, TracetuiError) as exc:
        out.export.warnings.append(f"the dataset's card ({CARD}) was not written: {exc}")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


@contextlib.contextmanager
def _locked(staging: Path) -> Iterator[None]:
    """One export at a time per dataset and machine (two on one machine would share the staging)."""
    staging.parent.mkdir(parents=True, exist_ok=True)
    with open(staging.parent / f"{staging.name}.lock", "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TracetuiError(
                "another export from this machine into this dataset is running; try again when it ends"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remote_manifest(location: Location, machine: str) -> bytes | None:
    try:
        with location.open_read(f"machines/{machine}/{MANIFEST}") as fh:
            data: bytes = fh.read(_MANIFEST_LIMIT + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TracetuiError(
            f"cannot read {safe_line(location.url)}'s manifest for machine {machine}: {_reason(exc)}"
        ) from None
    if len(data) > _MANIFEST_LIMIT:
        raise TracetuiError(f"{location.url}'s manifest for machine {machine} is larger than any export's")
    return data


def _align(location: Location, machine: str, staging: Path, remote: bytes | None) -> int:
    """Make the staging folder the dataset's copy of this machine's part; the number of files fetched.
    A staging folder whose manifest is the dataset's is left as it is (the usual case)."""
    from tracetui.export.manifest import file_sha256, read_manifest

    local = staging / MANIFEST
    try:
        same = local.read_bytes() == remote
    except FileNotFoundError:
        same = remote is None and not staging.exists()
    if same:
        return 0
    shutil.rmtree(staging, ignore_errors=True)
    if remote is None:
        return 0
    staging.mkdir(parents=True)
    local.write_bytes(remote)
    try:
        manifest = read_manifest(staging)  # its shape checked: another machine could have written it
    except TracetuiError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    assert manifest is not None
    sizes = {rel: _stated_size(meta) for rel, meta in manifest["files"].items()}
    try:
        _check_fetch(location, machine, staging, sizes)
    except TracetuiError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fetched = 0
    for rel, meta in sorted(manifest["files"].items()):
        size = sizes[rel]
        if size is None:
            continue  # no size to bound the copy by: the export makes it again
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with location.open_read(remote_rel(rel, machine)) as src, open(target, "wb") as out:
                _copy_at_most(src, out, size)
        except (OSError, TracetuiError, ValueError):
            target.unlink(missing_ok=True)
            continue  # the export writes it again: its manifest entry's file is missing, no file or longer
        # Streamed: a file another machine put there may be any size, and is checked, not held.
        if file_sha256(target) != (meta.get("sha256"), meta.get("size")):
            target.unlink()  # changed in the dataset since: made again
            continue
        fetched += 1
    return fetched


def _stated_size(meta: dict[str, Any]) -> int | None:
    size = meta.get("size")
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None


def _check_fetch(location: Location, machine: str, staging: Path, sizes: dict[str, int | None]) -> None:
    """Refuse, before a byte is copied, a fetch past FETCH_FILE_MOST a file or FETCH_TOTAL_MOST in all,
    or one that would leave the cache's disk less than a GiB (a tenth of what is free) free."""
    where = f"{safe_line(location.url)}'s manifest for machine {machine}"
    big = max(((size, rel) for rel, size in sizes.items() if size is not None), default=(0, ""))
    if big[0] > FETCH_FILE_MOST:
        raise TracetuiError(f"{where} lists a file of {big[0] / 2**30:.1f} GiB, more than a fetch copies "
                            f"({FETCH_FILE_MOST >> 30} GiB a file): nothing fetched")  # fmt: skip
    total = sum(size for size in sizes.values() if size is not None)
    if total > FETCH_TOTAL_MOST:
        raise TracetuiError(f"{where} lists {total / 2**30:.1f} GiB of files, more than a fetch copies "
                            f"({FETCH_TOTAL_MOST >> 30} GiB in all): nothing fetched")  # fmt: skip
    free = shutil.disk_usage(staging).free
    if total > free - min(1 << 30, free // 10):
        raise TracetuiError(f"{where} lists {total / 2**30:.1f} GiB of files, more than the cache folder's "
                            f"disk can spare ({free / 2**30:.1f} GiB free): nothing fetched")  # fmt: skip


def _copy_at_most(src: Any, out: Any, size: int) -> None:
    """`src` into `out`, ValueError past `size` bytes: a file longer than its manifest says is not it."""
    written = 0
    while chunk := src.read(min(_CHUNK, size - written + 1)):
        written += len(chunk)
        if written > size:
            raise ValueError("longer than its manifest says")
        out.write(chunk)


def _upload(location: Location, machine: str, staging: Path, remote: bytes | None, out: PublishReport) -> None:
    from tracetui.export.manifest import read_manifest
    from tracetui.sources.common.jsonl import loads_whole

    new = read_manifest(staging)
    if new is None:
        return  # the export wrote nothing (every session refused into an empty dataset)
    old_files: dict[str, Any] = {}
    if remote is not None:
        old = loads_whole(remote)
        old_files = old.get("files", {}) if isinstance(old, dict) else {}
    there = _listing(location, machine)
    try:
        _send(location, machine, staging, new, old_files, there, remote, out)
    except LinkOnWay as exc:  # swapped in after the check: the walk by descriptor met it
        raise _refusal(location, exc.at, "a symbolic link or no folder") from None


def _send(location: Location, machine: str, staging: Path, new: dict[str, Any], old_files: dict[str, Any],
          there: dict[str, int], remote: bytes | None, out: PublishReport) -> None:  # fmt: skip
    """The new files, then the manifest, then the removal of the machine's files it no longer lists.
    Each is written, or removed, through the dataset's folders' descriptors (Location.write): the check
    for links before each says which in one line, the walk refuses one planted after the check."""
    for rel, meta in sorted(new["files"].items()):
        dest = location.path(remote_rel(rel, machine))
        before = old_files.get(rel)
        if isinstance(before, dict) and before.get("sha256") == meta.get("sha256") and there.get(dest) == meta.get("size"):
            continue
        _refuse_links(location, machine, remote_rel(rel, machine))  # one planted while the export ran
        location.put(remote_rel(rel, machine), staging / rel)
        out.uploaded.append(remote_rel(rel, machine))
    manifest_path = location.path(f"machines/{machine}/{MANIFEST}")
    data = (staging / MANIFEST).read_bytes()
    if data != remote:
        _refuse_links(location, machine, f"machines/{machine}/{MANIFEST}")
        location.pipe(f"machines/{machine}/{MANIFEST}", data)
        out.uploaded.append(f"machines/{machine}/{MANIFEST}")
    # Anything else under the machine's own prefixes (an earlier export's shards, an interrupted
    # upload's) would be read as rows: removed.
    keep = {location.path(remote_rel(rel, machine)) for rel in new["files"]} | {manifest_path}
    for path in sorted(set(there) - keep):
        rel = path[len(location.root) + 1 :]
        _refuse_links(location, machine, rel.rpartition("/")[0])
        if location.remove(rel):
            out.removed.append(rel)


def _listing(location: Location, machine: str) -> dict[str, int]:
    """Every file under the machine's own prefixes in the dataset, with its size."""
    found: dict[str, int] = {}
    for prefix in _own_prefixes(location, machine):
        try:
            entries = find_files(location.fs, prefix, location.url)
        except FileNotFoundError:
            continue
        for path, info in entries.items():
            name = str(path).rstrip("/")
            if info.get("type") == "file":
                found[name] = int(info.get("size") or 0)
    return found
