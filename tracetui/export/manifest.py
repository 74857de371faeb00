"""The export folder and its manifest: every file with its digest, every session with the digest of
what it was made from, so an unchanged session is not written again and `--check` can verify all.

More in docs/internals/export.md, `export/manifest.py`.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tracetui import __version__, folder_fd
from tracetui.errors import TracetuiError
from tracetui.folder_walk import walk
from tracetui.regular_file import open_regular, read_regular
from tracetui.safe_json import plain_json
from tracetui.sources.common.jsonl import loads_whole

FORMAT = "tracetui.export/1"
MANIFEST = "manifest.json"
MANIFEST_MOST = 256 << 20  # as a dataset's manifests are read: a manifest of a million files is about 200 MB
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-]")
_EXTENSION = re.compile(r"(?:\.[A-Za-z0-9]{1,8}){1,2}$")


def safe_component(name: str, limit: int = 200, keep_case: bool = False) -> str:
    """A log-given name as one plain path component: never `..`, a slash or a control character, and
    one name on every disk.

    A name that had to change (or be shortened) gets a digest of the original's stem and keeps its
    extension, so companions that pair by stem (`agent-1.jsonl`, `agent-1.meta.json`) still pair.
    A name another disk would take for another (macOS and Windows do not tell `ABC` from `abc`;
    Windows takes `CON` or `nul.json` for a device and drops a trailing dot) changes the same way,
    and so does a name that looks changed already (`abc--<12 hex>`; two dashes, since a UUID ends
    in one and twelve hex digits): a name is kept only when no other
    name can come out the same, whatever the disk's case.

    `keep_case` keeps a name in capitals as it is (an agent's own file names, which its reader may pair
    by name): the caller then tells such names apart by their casefold itself (`Dest.taken`).
    """
    clean = _UNSAFE.sub("_", name).lstrip(".") or "_"
    found = _EXTENSION.search(clean)
    ext = found.group(0) if found else ""
    stem = clean[: len(clean) - len(ext)]
    if clean == name and len(clean) <= limit and _same_on_every_disk(clean, stem, keep_case):
        return clean
    original_stem = name[: len(name) - len(ext)] if ext and name.endswith(ext) else name
    # An extension in capitals is part of what the digest tells apart (`A.json`, `A.JSON`).
    told = original_stem if ext == ext.lower() else f"{original_stem}\0{ext}"
    digest = hashlib.sha256(told.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{stem[: limit - 15 - len(ext)]}--{digest}{ext}"


_DEVICES = frozenset(
    ["con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))]
)
_DIGESTED = re.compile(r"--[0-9a-f]{12}$", re.IGNORECASE)


def _same_on_every_disk(clean: str, stem: str, keep_case: bool = False) -> bool:
    return (
        (keep_case or clean == clean.lower())
        and not clean.endswith(".")
        and clean.split(".", 1)[0].lower() not in _DEVICES
        and not _DIGESTED.search(stem)
    )


def canonical(obj: Any) -> bytes:
    """A document a person may open (the manifest, a receipt): a log's bidi override or zero-width
    character in a session id or a test command is written as its escape, not left to act."""
    return plain_json(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)) + b"\n"


def digest_of(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else orjson.dumps(part, option=orjson.OPT_SORT_KEYS))
        h.update(b"\0")
    return h.hexdigest()


def file_sha256(path: Path) -> tuple[str, int]:
    """The digest and size of a regular file; NotRegularFile for a FIFO or a device (a FIFO planted in an
    export blocked `--check` for ever, /dev/zero never ended)."""
    h = hashlib.sha256()
    size = 0
    with open_regular(path) as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The export's manifest, its shape checked: an export folder may be someone else's (a dataset
    cloned to add to, an export received to check), and every later step indexes into it."""
    path = root / MANIFEST
    try:
        # Bounded: a sparse file of gigabytes in its place was read whole (FileTooLarge is one line).
        data = loads_whole(read_regular(inside(root, MANIFEST), MANIFEST_MOST))
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise TracetuiError(f"the export manifest {path} cannot be read ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TracetuiError(f"{path} is not a tracetui export manifest")
    problem = _shape_problem(data)
    if problem:
        raise TracetuiError(f"the export manifest {path} is damaged ({problem})")
    return data


def manifest_problem(data: Any) -> str | None:
    """What is wrong with a manifest's parsed JSON read from elsewhere (a dataset's machines), or None."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return "not a tracetui export manifest"
    return _shape_problem(data)


# What each entry of a manifest's sessions and groups lists: names of files and sessions, as strings.
_LISTS = {"sessions": ("files", "rejected"), "groups": ("files", "sessions")}


def _shape_problem(data: dict[str, Any]) -> str | None:
    for key in ("files", "sessions", "groups"):
        if not isinstance(data.get(key), dict):
            return f"{key} is not an object"
    if not all(isinstance(meta, dict) for meta in data["files"].values()):
        return "an entry of files is not an object"
    if not all(_within_by_name(rel) for rel in data["files"]):
        return "it names a file outside the export"
    for key, lists in _LISTS.items():
        for entry in data[key].values():
            if not isinstance(entry, dict):
                return f"an entry of {key} is not an object"
            for name in lists:
                if not isinstance(entry.get(name, []), list):
                    return f"the {name} of an entry of {key} is not a list"
            if not all(isinstance(rel, str) for rel in entry.get("files", [])):
                return f"a file of an entry of {key} is not a name"
            if not all(_within_by_name(rel) for rel in entry.get("files", [])):
                return "it names a file outside the export"
    return None


def _within_by_name(rel: str) -> bool:
    """Whether a manifest's path names a file inside the export, by its name alone. A NUL is no byte of
    a POSIX name: every use of one as a path raised ValueError (a traceback), not this one line."""
    if not rel or rel.startswith("/") or "\\" in rel or "\0" in rel:
        return False
    return not any(p in ("", ".", "..") for p in rel.split("/"))


class LinkInExport(TracetuiError):
    """A path of the export goes through a symbolic link: what is behind it is not the export's."""


def _link_said(where: str) -> str:
    return f"{where!r} in the export folder is a symbolic link; an export writes and reads only its own files"


def inside(root: Path, rel: str) -> Path:
    """`root/rel`, refusing any manifest path that would step outside the export: by its name, or
    through a symbolic link on the way (a folder of an earlier export replaced by a link made the
    next export write there and remove the files its manifest listed there, wherever it pointed)."""
    if not _within_by_name(rel):
        raise TracetuiError(f"the export manifest names a path outside the export: {rel!r}")
    path = root
    for part in rel.split("/"):
        path = path / part
        if path.is_symlink():
            raise LinkInExport(_link_said(path.relative_to(root).as_posix()))
    return path


@dataclass(slots=True)
class Dest:
    """An export folder being (re)written: what stays, what is new, and the manifest to write."""

    root: Path
    export_format: str
    old: dict[str, Any] | None
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    written: int = 0
    kept: int = 0
    folded: dict[str, str] = field(default_factory=dict)  # each file's casefold: the file
    carried: set[str] = field(default_factory=set)  # sessions of the last export kept as they are
    pruned: list[dict[str, Any]] = field(default_factory=list)  # {"session", "agent", "files"} removed

    @classmethod
    def open(cls, root: str | Path, export_format: str) -> Dest:
        path = Path(root).expanduser()
        if os.path.lexists(path) and not path.is_dir():  # lexists: a dangling link is not a new folder
            raise TracetuiError(f"{path} is not a folder; give a folder to export into")
        old = read_manifest(path) if path.is_dir() else None
        if old is None and path.is_dir() and any(path.iterdir()):
            raise TracetuiError(
                f"{path} is not empty and holds no tracetui export; give a new or empty folder"
            )
        if old is not None and old.get("export") != export_format:
            raise TracetuiError(
                f"{path} holds a {old.get('export')} export; "
                f"give another folder for the {export_format} format"
            )
        _can_create(path)
        return cls(path, export_format, old)

    # -- what the last export made and this one does not choose -------------------------------

    def carry(self, chosen: set[str], prune: bool) -> None:
        """Carry over the sessions the last export wrote that are not `chosen` now, with their files
        and the partitions that hold only them; with `prune`, list them in `pruned` instead (their
        files are removed by `finish`). Called before anything is written, so no new file of this
        export takes a carried file's name."""
        if self.old is None:
            return
        for sid, entry in sorted(self.old["sessions"].items()):
            if sid in chosen:
                continue
            if prune:
                self.pruned.append({"session": sid, "agent": entry.get("agent"), "files": entry.get("files", [])})
            else:
                self.carry_session(sid)
        for name, group in sorted(self.old["groups"].items()):
            members = {str(s) for s in group.get("sessions", [])}
            if prune or members & chosen or not members <= self.carried:
                continue
            for rel in group.get("files", ()):
                self._carry_file(rel)
            self.groups[name] = group

    def carry_session(self, sid: str) -> bool:
        """Keep the last export's entry of session `sid` and its files, as they are; False when it has
        none, or when this export has written one of its files' names since (it is then gone)."""
        entry = (self.old or {}).get("sessions", {}).get(sid)
        if not isinstance(entry, dict) or sid in self.sessions:
            return False
        if any(rel in self.files or self.taken(rel) for rel in entry.get("files", ())):
            return False
        for rel in entry.get("files", ()):
            self._carry_file(rel)
        self.sessions[sid] = entry
        self.carried.add(sid)
        return True

    def _carry_file(self, rel: str) -> None:
        meta = (self.old or {}).get("files", {}).get(rel)
        try:
            there = isinstance(meta, dict) and inside(self.root, rel).is_file()
        except LinkInExport:
            there = False
        if there and isinstance(meta, dict) and rel not in self.files:
            self._record(rel, dict(meta))

    # -- what the last export made ------------------------------------------------------------

    def unchanged(self, kind: str, name: str, digest: str) -> dict[str, Any] | None:
        """The previous entry of a session or group made from the same input, when its files are all
        still there at their recorded size; None when it has to be written again."""
        if self.old is None:
            return None
        entry = self.old.get(kind, {}).get(name)
        if not isinstance(entry, dict) or entry.get("digest") != digest:
            return None
        old_files = self.old.get("files", {})
        for rel in entry.get("files", ()):
            meta = old_files.get(rel)
            try:
                if not isinstance(meta, dict) or inside(self.root, rel).stat().st_size != meta.get("size"):
                    return None
            except OSError:
                return None
        return entry

    def keep(self, kind: str, name: str, entry: dict[str, Any]) -> None:
        assert self.old is not None
        for rel in entry.get("files", ()):
            self._record(rel, self.old["files"][rel])
            self.kept += 1
        (self.sessions if kind == "sessions" else self.groups)[name] = entry

    # -- writing ------------------------------------------------------------------------------

    def taken(self, rel: str) -> bool:
        """Whether another file of this export is `rel` on a disk that does not tell case apart."""
        return self.folded.get(rel.casefold(), rel) != rel

    def _record(self, rel: str, meta: dict[str, Any]) -> None:
        if self.taken(rel):
            # Names are made casefold-distinct before they get here; two that are not would overwrite
            # each other on macOS or Windows, so the export stops rather than lose one.
            raise TracetuiError(f"two files of the export, {self.folded[rel.casefold()]} and {rel}, are one "
                                "file on a disk that does not tell case apart")  # fmt: skip
        self.files[rel] = meta
        self.folded[rel.casefold()] = rel

    def write(self, rel: str, data: bytes) -> str:
        """Write `rel` atomically, unless the last export wrote these very bytes there (a dataset card
        or receipt made again from the same input is left as it is)."""
        if self.taken(rel):
            self._record(rel, {})  # refused, before anything is written
        path = inside(self.root, rel)
        sha = hashlib.sha256(data).hexdigest()
        before = (self.old or {}).get("files", {}).get(rel)
        if isinstance(before, dict) and before.get("sha256") == sha and path.is_file():
            try:
                if path.stat().st_size == len(data) and file_sha256(path)[0] == sha:
                    self._record(rel, {"sha256": sha, "size": len(data)})
                    self.kept += 1
                    return rel
            except OSError:
                pass
        self.root.mkdir(parents=True, exist_ok=True)  # the folder the user named; below it, by descriptor
        try:  # through the folders, never a link swapped in since `inside` looked
            folder_fd.replace(self.root, rel.split("/"), lambda out: out.write(data), mode=0o600)
        except folder_fd.LinkOnWay as e:
            raise LinkInExport(_link_said(e.at)) from None
        self._record(rel, {"sha256": sha, "size": len(data)})
        self.written += 1
        return rel

    def temp_path(self, rel: str) -> Path:
        """A temporary file beside `rel`, for a writer that streams (adopt it when done)."""
        inside(self.root, rel)
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            return folder_fd.fresh(self.root, rel.split("/"))
        except folder_fd.LinkOnWay as e:
            raise LinkInExport(_link_said(e.at)) from None

    def adopt(self, rel: str, tmp: Path) -> str:
        sha, size = file_sha256(tmp)
        if self.taken(rel):
            self._record(rel, {})  # refused, before it replaces anything
        inside(self.root, rel)
        try:
            folder_fd.rename_in(self.root, (*rel.split("/")[:-1], tmp.name), rel.rpartition("/")[2])
        except folder_fd.LinkOnWay as e:
            raise LinkInExport(_link_said(e.at)) from None
        self._record(rel, {"sha256": sha, "size": size})
        self.written += 1
        return rel

    def abort(self, options: dict[str, Any]) -> None:
        """After an interruption: a manifest of what the folder holds now (what was there before and
        what this run wrote), removing nothing. Best effort: the original error is what matters."""
        old = self.old or {}
        files = {**old.get("files", {}), **self.files}
        manifest = {
            "format": FORMAT,
            "export": self.export_format,
            "tool": {"name": "tracetui", "version": __version__},
            "options": options,
            "sessions": {**old.get("sessions", {}), **self.sessions},
            "groups": {**old.get("groups", {}), **self.groups},
            "files": dict(sorted((rel, meta) for rel, meta in files.items() if (self.root / rel).is_file())),
        }
        if self.old is None and not files:
            return  # nothing was written
        try:
            self.write(MANIFEST, canonical(manifest))
        except (OSError, TracetuiError):
            pass

    def finish(self, options: dict[str, Any]) -> dict[str, Any]:
        """Remove what the previous export listed and this one does not, then write the manifest."""
        if self.old is not None:
            for rel in sorted(set(self.old.get("files", {})) - set(self.files)):
                try:
                    inside(self.root, rel)
                    folder_fd.remove(self.root, rel.split("/"))
                except (FileNotFoundError, LinkInExport, folder_fd.LinkOnWay):
                    pass  # behind a link is not the export's to remove, nor the link: someone put it there
                except OSError as exc:
                    raise TracetuiError(
                        f"cannot remove the stale export file {rel}: {exc.strerror or exc}"
                    ) from None
            _prune_empty(self.root)
        manifest = {
            "format": FORMAT,
            "export": self.export_format,
            "tool": {"name": "tracetui", "version": __version__},
            "options": options,
            "sessions": self.sessions,
            "groups": self.groups,
            "files": dict(sorted(self.files.items())),
        }
        if self.old is None and not self.files:
            return manifest  # nothing was written: no folder, no manifest of nothing
        data = canonical(manifest)
        path = self.root / MANIFEST
        if not (path.is_file() and path.read_bytes() == data):
            written = self.written
            self.write(MANIFEST, data)
            self.written = written
        self.files.pop(MANIFEST, None)
        return manifest


def _can_create(path: Path) -> None:
    """Refuse a folder that cannot be made before anything is done; it is made with the first file
    written, so an export that writes nothing (or is refused) leaves no folder behind."""
    if path.is_dir():
        return
    parent = path
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise TracetuiError(f"cannot create the export folder {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise TracetuiError(f"cannot create the export folder {path}: {parent} is not writable")


def _prune_empty(root: Path) -> None:
    # Not os.walk: an export folder is anyone's, and a tree nested past the recursion limit stopped it.
    for folder, dirs, files in walk(root, topdown=False):
        here = Path(folder)
        if here != root and not any(here.iterdir()):
            try:
                here.rmdir()
            except OSError:
                pass
