"""What file versions hold of a trail's keys, kept between trails (`BlobFacts`): by blob id and the
keys, so that a trail of the same patches after a new commit counts no version a trail before it read.

A blob id names its bytes for ever, and the counts are of the same keys: they are exact, and never go
stale. More in docs/internals/trail.md, `trail/blob_facts.py`.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from array import array
from collections import Counter
from collections.abc import Iterable
from itertools import chain
from pathlib import Path

import orjson

from tracetui.errors import TracetuiError
from tracetui.regular_file import keep_cache, read_regular, sweep_temp_files
from tracetui.trail.fates import CACHE_VERSION

MAGIC = b"tracetui key counts 1\n"  # the format, and the norm rule's version: a file of another is not read
FOLDER = "trail_blobs"
FACTS_KEEP = 64  # files kept (a trail's process writes one, its worker one per unit); oldest dropped first
FACTS_MOST = 64 << 20  # bytes of one file read at most (a pi-mono first trail writes about 0.3 MB)
ID = 20  # a SHA-1 blob id's bytes
_U32 = 4


class BlobFacts:
    """The counts of the trail's keys in the versions trails of the same keys read before (files of the
    cache folder named by the keys' digest), and those counted now (stored by `store`)."""

    def __init__(self, folder: Path | None, keys: Iterable[str] = ()) -> None:
        self.folder = None if folder is None else folder / FOLDER
        self.order = sorted(keys)  # a key's place here is its number in a file
        # The trail's cache version too: a change to how lines are counted (raised with it) counts anew.
        self.digest = hashlib.sha256(orjson.dumps([CACHE_VERSION, self.order])).hexdigest()[:32]
        self.known: dict[str, array] = {}  # blob -> its (key's place, count) pairs, from a file read
        self.made: dict[str, Counter] = {}  # blob -> its counts, made in this process
        self.read: list[str] = []  # the files `known` came from
        self.loaded = self.folder is None or not self.order or array("I").itemsize != _U32

    def get(self, blob: str) -> Counter | None:
        """The version's counts of the keys, as counted before (the same Counter, in the same order)."""
        if not self.loaded:
            self._load()
        raw = self.known.get(blob)
        if raw is None:
            return None
        order, pairs = self.order, raw
        return Counter({order[pairs[i]]: pairs[i + 1] for i in range(0, len(pairs), 2)})

    def knows(self, blob: str) -> bool:
        if not self.loaded:
            self._load()
        return blob in self.known

    def add(self, blob: str, counts: Counter) -> None:
        if self.folder is not None and self.order and blob not in self.known:
            self.made[blob] = counts

    def _load(self) -> None:
        """The files of these keys, newest first, each strictly read: a damaged one is passed over."""
        self.loaded = True
        assert self.folder is not None
        for path in _files(self.folder, self.digest):
            try:
                data = read_regular(path, FACTS_MOST)
            except (OSError, TracetuiError):
                continue
            if _parse(data, len(self.order), self.known):
                self.read.append(path)

    def store(self, merge: bool = True) -> None:
        """The counts made here as one new file; with `merge`, with those of the files read, which it
        replaces (a worker writes one file a unit, not merged: the trail's next process merges them).
        Nothing where none was made and, to merge, one file or none was read."""
        merge = merge and len(self.read) > 1
        if self.folder is None or not (self.made or merge):
            return
        place = {k: i for i, k in enumerate(self.order)}.__getitem__
        parts = [MAGIC]
        for blob, words in self.known.items() if merge else ():
            parts += [bytes.fromhex(blob), len(words).to_bytes(_U32, "little"), _words(words)]
        for blob, counts in self.made.items():
            # (place, count) pairs made in C: a pi-mono trail stores 3,400 versions' counts on its way out.
            pairs = _counted(counts, place)
            parts += [bytes.fromhex(blob), len(pairs).to_bytes(_U32, "little"), _words(pairs)]
        name = f"{self.digest}-{time.time_ns():020d}-{os.getpid()}.facts"
        if keep_cache(self.folder / name, b"".join(parts)):
            for path in self.read if merge else ():
                _unlink(path)
            _prune(self.folder)
        self.made = {}


def _words(words: array) -> bytes:
    if sys.byteorder != "little":
        words = array("I", words)  # a copy: the counts kept are in this machine's order
        words.byteswap()
    return words.tobytes()


def _parse(data: bytes, keys: int, into: dict[str, array]) -> bool:
    """Records of a file: a blob id, its number of words (4 bytes, little-endian), then (key's place,
    count) pairs; a file cut short, or naming a key past `keys` or a count of 0, is not read at all."""
    if not data.startswith(MAGIC):
        return False
    at, found = len(MAGIC), {}
    while at < len(data):
        if at + ID + _U32 > len(data):
            return False
        blob = data[at : at + ID].hex()
        n = int.from_bytes(data[at + ID : at + ID + _U32], "little")
        at += ID + _U32
        if n % 2 or at + _U32 * n > len(data):
            return False
        words = array("I")
        words.frombytes(data[at : at + _U32 * n])
        if sys.byteorder != "little":
            words.byteswap()
        if n and (max(words[0::2]) >= keys or min(words[1::2]) == 0):
            return False
        found[blob] = words
        at += _U32 * n
    for blob, words in found.items():
        into.setdefault(blob, words)
    return True


def _files(folder: Path, digest: str | None = None) -> list[str]:
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".facts")]
    except OSError:
        return []
    if digest is not None:
        entries = [e for e in entries if e.name.startswith(digest + "-")]
    return [e.path for e in sorted(entries, key=lambda e: e.name.split("-", 1)[-1], reverse=True)]


def _prune(folder: Path) -> None:
    for path in _files(folder)[FACTS_KEEP:]:
        _unlink(path)
    sweep_temp_files(folder)  # a worker killed before its file's rename (it is killed once answered)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _counted(counts: Counter, place) -> array:
    return array("I", chain.from_iterable(zip(map(place, counts), counts.values())))
