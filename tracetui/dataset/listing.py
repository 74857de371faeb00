"""The listing of a dataset's sessions (dataset/library.py): the order its sessions files are read
in, newest months first, and the copies of it kept between opens in the user's cache folder, a file
per machine (docs/dataset.md, "The app over a dataset").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracetui.dataset.files import DataFile, Layout

_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")

LISTINGS_KEPT = 4096  # machines' listings a cache folder keeps (the least recently written go)
LISTING_VERSION = "3"  # the listing's columns (_LISTED), one file per machine: a new version reads again


def listing_files(cache: Path, layout: Layout) -> dict[Path, list[DataFile]]:
    """Where the listing of each machine's sessions files, as they are now, is kept in `cache` (one
    file per machine, keyed by its files' names, sizes and times: a machine that exports again
    changes only its own, and the next open reads only its files); the files each one lists."""
    import hashlib

    machines: dict[str | None, list[DataFile]] = {}
    for f in layout.files["sessions"]:
        machines.setdefault(f.key("machine"), []).append(f)
    out: dict[Path, list[DataFile]] = {}
    for machine, files in machines.items():
        h = hashlib.sha256(f"{LISTING_VERSION}\0{layout.url}\0{machine}".encode())
        for f in files:
            h.update(f"\0{f.path}\0{f.stamp}".encode())
        out[cache / f"listing-{h.hexdigest()[:32]}.parquet"] = files
    return out


def keep_listings(sql: Callable[[str, Any], Any], kept: dict[Path, list[DataFile]]) -> None:
    """Write each machine's listing (the rows of its files in the library's table `s`, read through
    `sql`) beside the others, whole or not at all, and drop the oldest past LISTINGS_KEPT."""
    import os

    folder = next(iter(kept)).parent
    folder.mkdir(parents=True, exist_ok=True)
    for path, files in kept.items():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            sql(f"COPY (SELECT * FROM s WHERE file IN (SELECT unnest($files))) TO '{_quoted(str(tmp))}' "
                         "(FORMAT parquet)", {"files": [f.path for f in files]})  # fmt: skip
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    others = sorted(folder.glob("listing-*.parquet"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[LISTINGS_KEPT:]:
        old.unlink(missing_ok=True)


def newest_first(files: list[DataFile]) -> tuple[list[DataFile], list[list[DataFile]]]:
    """The sessions files that come first (no month folder: where their rows fall is not known), and
    the others month by month, newest first; a month that is not YYYY-MM (no start time) last."""
    first: list[DataFile] = []
    months: dict[str, list[DataFile]] = {}
    for f in files:
        month = f.key("month")
        if month is None:
            first.append(f)
        else:
            months.setdefault(month if _MONTH.match(month) else "", []).append(f)
    return first, [months[m] for m in sorted(months, reverse=True)]


def _quoted(text: str) -> str:
    return text.replace("'", "''")
