"""Where a dataset lives: an fsspec filesystem and the path of the dataset within it
(docs/dataset.md). The app (`tracetui --dataset URL`), `tracetui sql` and a dataset export all open a
URL here, so they name a dataset alike and give the same error for a filesystem that is not installed.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import shutil
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from tracetui import folder_fd
from tracetui.errors import TracetuiError
from tracetui.regular_file import NotRegularFile
from tracetui.safe_text import clip, exception_line, safe_line

TABLES = ("sessions", "steps", "tool_calls", "patches")
# The optional package each cloud filesystem needs, and the extra that installs it.
_NEEDS = {
    "s3": ("s3fs", "s3"),
    "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"),
    "gcs": ("gcsfs", "gcs"),
    "az": ("adlfs", "azure"),
    "abfs": ("adlfs", "azure"),
    "abfss": ("adlfs", "azure"),
    "hf": ("huggingface_hub", "hf"),
}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
_MACHINE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}\Z")  # \Z: `$` matches before a last newline too
# What a URL's path holds as it is (RFC 3986's pchar and `/`): a table's glob keeps its `*`.
_URL_SAFE = "/!$&'()*+,;=:@"


@dataclass(frozen=True, slots=True)
class Location:
    """A dataset's place: `fs` an fsspec filesystem, `root` the dataset's path on it (no trailing
    slash), `url` as the user gave it."""

    fs: Any
    root: str
    url: str

    @property
    def protocol(self) -> str:
        proto = self.fs.protocol
        return str(proto[0] if isinstance(proto, (tuple, list)) else proto)

    @property
    def local(self) -> bool:
        return self.protocol in ("file", "local")

    def path(self, rel: str) -> str:
        """The full path of `rel` (a `/`-separated name inside the dataset). For an http(s) server,
        percent-encoded, as `rel` decodes its listing: a name with `#` or `?` lost its end to the URL's
        fragment or query, and one with `%20` read the file named with a space instead."""
        if self.protocol in ("http", "https"):
            rel = urllib.parse.quote(rel, safe=_URL_SAFE)
        return f"{self.root}/{rel}" if rel else self.root

    def open_read(self, rel: str) -> BinaryIO:
        """`rel` opened to read. A local dataset is every member's folder: a FIFO there would block the
        read for ever, and a link may lead to any file of the reader's; both are OSError, as a file
        that cannot be read is. Its folders are walked by descriptor (tracetui.folder_fd), so a link
        swapped in while it is opened is one too."""
        if not self.local:
            return self.fs.open(self.path(rel), "rb")
        try:
            return folder_fd.open_read(self.root, self._parts(rel))
        except folder_fd.LinkOnWay:
            raise OSError(errno.ELOOP, "a symbolic link in the dataset") from None
        except NotRegularFile:
            raise OSError(errno.EINVAL, "not a regular file") from None

    def write(self, rel: str, fill: Callable[[BinaryIO], object]) -> None:
        """`rel` written whole by `fill`. On a local dataset through its folders' descriptors, as a new
        file renamed over the name: no link below the root is followed, even one swapped in while it
        writes (folder_fd.LinkOnWay), and a hard link planted at the name (to a file of the user's on
        the same disk) is replaced, never written into. An object store has no links: fsspec's own."""
        if self.local:
            os.makedirs(self.root, exist_ok=True)  # the folder the user named, made as they named it
            folder_fd.replace(self.root, self._parts(rel), fill)
            return
        with self.fs.open(self.path(rel), "wb") as fh:
            fill(fh)

    def put(self, rel: str, source: Path) -> None:
        """The local file `source` copied to `rel` (`write`'s way on a local dataset)."""
        if not self.local:
            self.fs.put_file(str(source), self.path(rel))
            return
        with open(source, "rb") as src:
            self.write(rel, lambda out: shutil.copyfileobj(src, out, 1 << 20))

    def pipe(self, rel: str, data: bytes) -> None:
        """`data` written to `rel` (`write`'s way on a local dataset)."""
        if self.local:
            self.write(rel, lambda out: out.write(data))
        else:
            self.fs.pipe_file(self.path(rel), data)

    def remove(self, rel: str) -> bool:
        """Remove the file `rel`; False where there was none. On a local dataset the name is unlinked in
        its folder reached by descriptor: the file's other names, a hard link's, keep it whole."""
        try:
            if self.local:
                return folder_fd.remove(self.root, self._parts(rel))
            self.fs.rm_file(self.path(rel))
        except FileNotFoundError:
            return False
        return True

    def _parts(self, rel: str) -> tuple[str, ...]:
        return folder_fd.plain_parts(rel.split("/"), rel, self.url)

    def link_in(self, rel: str, below: bool = False) -> str | None:
        """On a local dataset, the first name on the way to `rel` (and with `below`, anywhere under
        it) that is a symbolic link, or None. What the machine writes or removes there would land
        where the link leads: any folder of the user's, whoever planted the link."""
        if not self.local:
            return None
        path, parts = self.root, [p for p in rel.split("/") if p]
        for i, part in enumerate(parts):
            path = f"{path}/{part}"
            if os.path.islink(path):
                return "/".join(parts[: i + 1])
        if not below:
            return None
        todo = [path]
        while todo:  # by hand: os.walk would list a link to a folder as a folder
            try:
                with os.scandir(todo.pop()) as entries:
                    for entry in entries:
                        if entry.is_symlink():
                            return entry.path[len(self.root) + 1 :]
                        if entry.is_dir(follow_symlinks=False):
                            todo.append(entry.path)
            except OSError:  # gone, or unreadable: nothing is written there through a link either
                continue
        return None

    def rel(self, listed: str) -> str | None:
        """The name inside the dataset of a path `fs` listed, None for one outside it. An http(s)
        server's listing is its page's links, percent-encoded (`machine%3Dm1`): decoded, they are
        the names the manifests and the partitions use."""
        base = self.root.rstrip("/") + "/"
        if not listed.startswith(base):
            return None
        rel = listed[len(base) :]
        return urllib.parse.unquote(rel) if self.protocol in ("http", "https") else rel

    def table_glob(self, table: str, machine: str | None = None) -> str:
        """The glob of one table's files (of one machine's partition when given), as a path on `fs`."""
        if table not in TABLES:
            raise TracetuiError(f"unknown table {table!r}: expected {', '.join(TABLES)}")
        part = f"machine={machine}" if machine else "machine=*"
        return self.path(f"data/{table}/{part}/*/*/*.parquet")

    def table_url(self, table: str) -> str:
        """The glob of one table's files as a URL DuckDB and Spark take (a local path stays a path)."""
        glob = self.table_glob(table)
        return glob if self.local else f"{self.protocol}://{glob}"

    def machines(self) -> list[str]:
        """The machines whose manifest the dataset holds."""
        try:
            names = self.fs.ls(self.path("machines"), detail=False)
        except (FileNotFoundError, OSError):
            return []
        return sorted(n.rstrip("/").rpartition("/")[2] for n in names)


def is_url(dest: str) -> bool:
    """Whether `dest` names a dataset by URL (`s3://…`, `file://…`) rather than a local folder."""
    return bool(_SCHEME.match(dest))


def open_location(url: str | Path) -> Location:
    """The filesystem and path of a dataset URL or local folder; TracetuiError (one line) for a URL
    fsspec cannot open or whose filesystem is not installed."""
    text = str(url)
    found = _SCHEME.match(text)
    if found is None:
        from fsspec.implementations.local import LocalFileSystem

        return Location(LocalFileSystem(), str(Path(text).expanduser().resolve()).rstrip("/") or "/", text)
    scheme = found.group(1).lower()
    try:
        import fsspec
    except ImportError:  # pragma: no cover - fsspec comes with pyarrow's users; kept for a clear line
        raise TracetuiError("a dataset URL needs fsspec (pip install fsspec)") from None
    try:
        fs, path = fsspec.core.url_to_fs(text, **storage_options(text))
    except ImportError as exc:
        if scheme not in _NEEDS:  # no extra of ours installs it: fsspec's own words name the package
            raise TracetuiError(f"{safe_line(clip(scheme, 40))}:// datasets need a package that is not "
                                f"installed ({exception_line(exc)})") from None
        package, extra = _NEEDS[scheme]
        raise TracetuiError(
            f"{scheme}:// datasets need {package} (pip install 'tracetui[{extra}]')"
        ) from None
    except Exception as exc:  # any fsspec filesystem's constructor, and its own errors: one line
        raise TracetuiError(f"cannot open the dataset URL {text!r}: {why_not_opened(exc)}") from None
    _bound_listings(fs)
    root = str(path).rstrip("/")
    if not root or any(p in (".", "..") for p in root.split("/")):
        raise TracetuiError(f"the dataset URL {text!r} names no folder (give scheme://bucket/folder)")
    return Location(fs, root, text)


def why_not_opened(exc: BaseException) -> str:
    """Why a filesystem would not open, in one line: its message, else its kind (a TypeError for
    options the URL cannot give, pygit2's GitError: `git://` is an fsspec filesystem too)."""
    kind = type(exc).__name__
    return exception_line(exc) if isinstance(exc, (ValueError, OSError)) else f"{kind}: {exception_line(exc)}"


# The most entries one listing of an object store may give: a dataset of a million files (a manifest's
# envelope, check.MANIFEST_LIMIT) lists in some 600 MB of fsspec's info dicts (630 bytes an entry).
# s3fs and huggingface_hub gather a listing whole, page after page, and any member can put keys under
# a dataset's prefix: ten million would hold over 6 GB before a line of `export --check` or `sql`.
LIST_LIMIT = 1 << 20


def _bound_listings(fs: Any) -> None:
    """Make `fs` (an s3fs or huggingface_hub filesystem; fsspec shares one per options) refuse, in one
    line, a listing past LIST_LIMIT entries as its pages come: s3fs's every listing goes through
    `_list_pages`, an hf:// one through its HfApi's `list_repo_tree`."""
    if getattr(fs, "_tracetui_bounded", False):
        return
    pages = getattr(fs, "_list_pages", None)
    if pages is not None:

        async def bounded_pages(method: str, **kwargs: Any) -> Any:
            listed = 0
            async for page in pages(method, **kwargs):
                listed += sum(len(page.get(key) or ()) for key in ("Contents", "Versions", "CommonPrefixes"))
                if listed > LIST_LIMIT:
                    raise _too_many(f"s3://{kwargs.get('Bucket', '')}/{kwargs.get('Prefix', '')}")
                yield page

        fs._list_pages = bounded_pages
    tree = getattr(getattr(fs, "_api", None), "list_repo_tree", None)
    if tree is not None:

        def bounded_tree(*args: Any, **kwargs: Any) -> Any:
            for n, entry in enumerate(tree(*args, **kwargs), 1):
                if n > LIST_LIMIT:
                    raise _too_many(f"hf://{kwargs.get('repo_id') or (args[0] if args else '')}")
                yield entry

        fs._api.list_repo_tree = bounded_tree
    fs._tracetui_bounded = True


# How deep a walk goes: a dataset's files lie five folders below its root (data/TABLE/machine=/agent=/month=).
FIND_DEPTH = 12


def find_files(fs: Any, folder: str, where: str) -> dict[str, Any]:
    """Every file below `folder` on `fs`, path -> fsspec's info, refused in one line past LIST_LIMIT
    entries in all. s3fs lists every key below in one listing, bounded as its pages come; any other
    filesystem is walked a folder at a time to FIND_DEPTH and counted across its folders, since a member
    can make folders without end, each well under one listing's bound."""
    _bound_listings(fs)
    if getattr(fs, "_list_pages", None) is not None:
        return dict(fs.find(folder, withdirs=False, detail=True))
    found: dict[str, Any] = {}
    listed = 0
    for _folder, folders, files in fs.walk(folder, maxdepth=FIND_DEPTH, detail=True):
        listed += len(folders) + len(files)
        if listed > LIST_LIMIT:
            raise _too_many(where)
        found.update((info.get("name", name), info) for name, info in files.items())
    return found


def _too_many(where: str) -> TracetuiError:
    return TracetuiError(f"{safe_line(clip(where, 300))} lists more than {LIST_LIMIT:,} entries, more than "
                         "a dataset holds; not read")


class Redirected(TracetuiError):
    """An http(s) dataset's server answered with a redirect, which is never followed."""


def storage_options(url: str) -> dict[str, Any]:
    """What fsspec is given to open `url`: for http(s), a client that follows a redirect only within
    the server the user named. A dataset's server is anyone's, and aiohttp followed its redirects
    silently (fsspec asks it to): to another host, to 127.0.0.1 or 169.254.169.254, a blind request
    from this machine (SSRF). A redirect that leaves the origin (scheme, host, port) is refused in one
    line naming where it pointed; one within it (a folder's trailing `/`) reaches nothing new."""
    found = _SCHEME.match(url)
    if found is None or found.group(1).lower() not in ("http", "https"):
        return {}
    return _http_options()


# How long a dataset's server may stay silent, connecting or within an answer: aiohttp's own bound is
# 300 s a request, all of it, and a server that took the connection and said nothing held `sql` and
# `export --check` that long for each request of a read.
SILENCE_SECONDS = 30.0


@functools.cache
def _http_options() -> dict[str, Any]:
    try:
        import aiohttp
    except ImportError:  # fsspec says http needs aiohttp, in the caller's one line
        return {}
    refuse = aiohttp.TraceConfig()
    refuse.on_request_redirect.append(_refuse_redirect)  # before aiohttp follows it
    refuse.on_request_end.append(_refuse_redirect)  # one returned unfollowed (a HEAD's)
    # No total: a large file read from a slow but living server takes what it takes.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=SILENCE_SECONDS, sock_read=SILENCE_SECONDS)
    kwargs = {"trace_configs": [refuse], "timeout": timeout, "response_class": _bounded_response(aiohttp)}
    return {"client_kwargs": kwargs}


# The most an http(s) answer that no range bounds may hold: a folder's page of links (a team's 4,096
# machines take under a megabyte), or a whole small file. fsspec reads such an answer whole, and a
# server decides its length: 2 MB gzip'd (aiohttp inflates it) or a stream without end took 2.3 GB.
ANSWER_LIMIT = 64 << 20
_RANGE = re.compile(r"bytes=(\d+)-(\d+)\Z")


def _bounded_response(aiohttp: Any) -> type:
    class BoundedResponse(aiohttp.ClientResponse):
        """An answer read up to the range asked (`Range: bytes=A-B`: B-A+1 bytes) or ANSWER_LIMIT, and
        refused past it in one line. What fsspec reads whole (a listing, a range, a small file) comes
        through `read`; its streamed reads ask for counts of their own."""

        async def read(self) -> bytes:
            if self._body is None:  # type: ignore[has-type]  # (aiohttp's own: set, its read then only waits)
                asked = _RANGE.match(self.request_info.headers.get("Range", ""))
                most = int(asked.group(2)) - int(asked.group(1)) + 1 if asked else ANSWER_LIMIT
                parts: list[bytes] = []
                size = 0
                try:
                    while chunk := await self.content.read(1 << 16):
                        size += len(chunk)
                        if size > most:
                            raise _too_long(str(self.url), most, asked is not None)
                        parts.append(chunk)
                except BaseException:
                    self.close()
                    raise
                self._body = b"".join(parts)
            return bytes(await super().read())

    return BoundedResponse


def _too_long(url: str, most: int, ranged: bool) -> TracetuiError:
    where = safe_line(clip(url, 300))
    if ranged:
        return TracetuiError(f"{where}: the server's answer to a range of {most:,} bytes runs past it; "
                             "not read")
    return TracetuiError(f"{where}: the server's answer runs past {most >> 20} MB, more than a dataset's "
                         "listing or small file holds; not read")


async def _refuse_redirect(session: Any, context: Any, params: Any) -> None:
    response = params.response
    if response.status not in (301, 302, 303, 307, 308):
        return
    where = response.headers.get("Location") or response.headers.get("URI") or ""
    try:
        target = response.url.join(type(response.url)(where))
        if target.origin() == response.url.origin() and where:
            return
        where = str(target)
    except ValueError:
        pass  # no URL: said as the server sent it
    shown = safe_line(clip(where, 300))
    asked = safe_line(clip(str(params.url), 300))
    raise Redirected(f"{asked} redirected to {shown}; fetch {shown} directly if you trust it")


def check_machine(name: str) -> str:
    """A machine's name as a partition value: lowercase letters, digits, `.`, `_`, `-` (up to 64)."""
    if not _MACHINE.match(name):
        raise TracetuiError(
            f"machine name {name!r}: use 1 to 64 lowercase letters, digits, '.', '_' or '-'"
        )
    return name
