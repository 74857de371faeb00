"""`tracetui export --check DEST`: re-read an export, verify every file against its manifest, and run
the detectors over every byte again (the seal's second gate, on what is on disk now).

A sure finding of a kind the user chose to keep in that session (a rejected finding, listed in its
receipt) is not a problem; any other is. Files on disk that the manifest does not list are named too.
Every ATIF trajectory is also run through the format's own validator where one is installed
(atif_validator), and the report names the validator; every Agent Trace record through the rules of
the spec's published schema (blame.record_problems).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tracetui.capsule.gate_memo import GateMemo
from tracetui.capsule.scrub import GateFinding, Scrubbed, gate_findings, gate_text
from tracetui.errors import TracetuiError
from tracetui.export.atif_validator import Validator, find_validator
from tracetui.export.manifest import MANIFEST, file_sha256, inside, read_manifest
from tracetui.export.parquet_rows import ParquetRows, Unreadable
from tracetui.export.tables import OWN_KEYS
from tracetui.export.raw import deep_lines
from tracetui.export.receipt import RECEIPT
from tracetui.folder_walk import walk
from tracetui.model import Session
from tracetui.redact import Identity, TextScanner
from tracetui.redact.value_map import NO_OWN_KEYS
from tracetui.regular_file import open_regular, read_regular
from tracetui.sources.common.jsonl import TOO_DEEP_TO_WRITE, TooDeep, loads_whole

if TYPE_CHECKING:
    from tracetui.export.check_views import Lined


@dataclass(slots=True)
class CheckReport:
    dest: Path
    files: int = 0
    sessions: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)  # {"file", "problem"}
    # The ATIF validator that checked the trajectories ("atif 1.8.0"), "none installed" where the
    # export holds some and no validator is installed, None where it holds none.
    atif_validator: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dest": str(self.dest),
            "files": self.files,
            "sessions": self.sessions,
            "problems": self.problems,
            "atif_validator": self.atif_validator,
        }


def check(dest: str | Path) -> CheckReport:
    root = Path(dest).expanduser()
    if not root.is_dir():
        raise TracetuiError(f"{root} is not a folder")
    manifest = read_manifest(root)
    if manifest is None:
        raise TracetuiError(f"{root} holds no {MANIFEST}: it is not a tracetui export")
    report = CheckReport(root, sessions=len(manifest["sessions"]))
    listed: dict[str, dict[str, Any]] = manifest["files"]
    kept_kinds = _kept_kinds(manifest)
    identity = Identity.from_environment()
    nobody = Scrubbed(Session(id="", agent="", source=""), [], [])
    validator: Validator | None = None
    if any(_is_trajectory(rel) for rel in listed):
        validator = find_validator()
        report.atif_validator = validator.name if validator else "none installed"
    # One scan of each text for the whole check, on every core: the files of an export repeat many
    # texts, and on one core a check took as long as the export. The memo is this check's own, in
    # memory and bounded: nothing is kept or read.
    # Parquet files are decoded in one bounded child for them all (parquet_rows.ParquetRows).
    scanner = TextScanner()
    memo = GateMemo(None, "check", most=_MEMO_TEXTS)
    parquet = ParquetRows()

    def gate(name: str, data: bytes) -> list[GateFinding]:
        # A Parquet row's column names and the words the writer fills some from, as the export's gate
        # left them unread (`tables.OWN_KEYS`): a host named `steps` or `user` is in every row so.
        own = OWN_KEYS if name.endswith(".parquet.jsonl") else NO_OWN_KEYS
        return gate_findings({name: data}, nobody, identity, memo=memo, scan_many=scanner.scan, own_keys=own)

    def read(path: Path, rel: str, seen: _Read) -> Iterator[_Piece]:
        return _readable(path, rel, parquet, seen)

    try:
        for rel in sorted(listed):
            report.files += 1
            report.problems += _file_problems(
                root, rel, listed[rel], kept_kinds.get(rel, set()), validator, gate, read
            )
    finally:
        scanner.close()
        parquet.close()
    for folder, _, names in walk(root):  # os.walk recursed: a received export may nest past its limit
        for name in names:
            rel = (Path(folder) / name).relative_to(root).as_posix()
            if rel != MANIFEST and rel not in listed:
                report.problems.append({"file": rel, "problem": "not in the manifest"})
    return report


def _file_problems(
    root: Path,
    rel: str,
    meta: object,
    kept: set[str],
    validator: Validator | None,
    gate: Callable[[str, bytes], list[GateFinding]],
    read: Callable[[Path, str, _Read], Iterator[_Piece]],
) -> list[dict[str, Any]]:
    """What is wrong with one listed file: its digest, a sure finding of a kind its sessions did not
    keep (`gate`), and what its format's validator or schema rejects."""
    differ = [{"file": rel, "problem": "its bytes differ from the manifest's digest"}]
    seen = _Read()
    try:
        path = inside(root, rel)
        # The manifest may be forged, and name a sparse file of gigabytes: its size is compared before
        # a byte is read. The digest is worked out from the reads the detectors make (one pass over a
        # file of GBs, not two), a piece at a time past WHOLE_MOST (`_readable`); a Parquet file's
        # before its rows are decoded in a child.
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode) and (not isinstance(meta, dict) or st.st_size != meta.get("size")):
            return differ
        if rel.endswith(".parquet"):
            seen.given(*file_sha256(path))
    except TracetuiError as exc:
        return [{"file": rel, "problem": str(exc)}]
    except OSError as exc:
        return [{"file": rel, "problem": f"cannot be read ({exc.strerror or exc})"}]
    if seen.whole and not seen.matches(meta):
        return differ
    problems: list[dict[str, Any]] = []
    deep: list[int] = []
    try:
        for piece in read(path, rel, seen):
            if rel.startswith("sessions/") and not piece.window:
                deep += [piece.before + n for n in deep_lines(piece.data)]
            for leak in gate(_gate_name(rel), piece.data):
                if leak.kind not in kept and piece.owns(leak):
                    where = f"line {piece.line(leak)}"
                    problems.append({"file": rel, "problem": f"{where}: {leak.kind} ({leak.tier}) left"})
    except TracetuiError as exc:
        problems.append({"file": rel, "problem": str(exc)})
    except OSError as exc:
        problems.append({"file": rel, "problem": f"cannot be read ({exc.strerror or exc})"})
    if not seen.whole:  # it stopped before the file's end (not a regular file, unreadable): said as it is
        return problems[-1:]
    if not seen.matches(meta):  # what was found in it is not what the manifest vouches for
        return differ
    if deep:  # an export writes such a line as the readers read it (`raw.within_writable_depth`)
        more = f" (and {len(deep) - 1:,} more lines)" if len(deep) > 1 else ""
        problems.append({"file": rel, "problem": f"line {deep[0]}{more}: {TOO_DEEP_TO_WRITE}"})
    size = seen.size
    if validator is not None and _is_trajectory(rel):
        problems += [{"file": rel, "problem": p} for p in _atif_problems(path, validator, size)]
    if _is_trace(rel):
        problems += [{"file": rel, "problem": p} for p in _trace_problems(path)]
    return problems


@dataclass(slots=True)
class _Read:
    """A file's SHA-256 and size, worked out from the reads the detectors make of it; `whole` once
    every byte is in."""

    sha: Any = field(default_factory=hashlib.sha256)
    size: int = 0
    whole: bool = False
    hexdigest: str = ""

    def update(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)

    def done(self) -> None:
        self.hexdigest, self.whole = self.sha.hexdigest(), True

    def given(self, hexdigest: str, size: int) -> None:
        self.hexdigest, self.size, self.whole = hexdigest, size, True

    def matches(self, meta: object) -> bool:
        said = (meta.get("sha256"), meta.get("size")) if isinstance(meta, dict) else None
        return said == (self.hexdigest, self.size)


@dataclass(slots=True)
class _Piece:
    """What the detectors read of a file at once (`data`, as the gate reads it), with the file's lines
    before it. A window of one text (`_windows`) owns the findings that start in its characters
    [lo, hi) and places each on its own line; any other piece owns all it holds."""

    before: int
    data: bytes
    name: str = ""
    lo: int = 0
    hi: int | None = None
    head: int = 0  # lines of `data` before `lo`
    window: bool = False
    text: str | None = None
    # The file's line of a finding, where `data` is a view that keeps the file's lines apart (a card's,
    # DONATION.md's, a page's: `check_views.Lined`; a receipt's strings, a line each); else a whole
    # text's findings are on line 1.
    at: Callable[[GateFinding], int] | None = None

    def owns(self, leak: GateFinding) -> bool:
        return not self.window or (self.lo <= leak.start and (self.hi is None or leak.start < self.hi))

    def line(self, leak: GateFinding) -> int:
        if self.at is not None:
            return self.before + self.at(leak)
        if not self.window:
            return self.before + leak.line
        if self.name.endswith(".html"):  # a page's tags read as line breaks: the line its own part starts on
            return self.before + self.head + 1
        if self.text is None:
            self.text = gate_text(self.name, self.data)
        return self.before + self.text.count("\n", 0, leak.start) + 1


_MEMO_TEXTS = 200_000  # texts the check remembers at once (about 50 MB); past it, it starts again
# What the check holds of one file at once. A file of JSON lines is read a few MB of whole lines at a
# time, none longer than a line the bucket copies (store.MAX_LINE); a Parquet file in its bounded
# child; anything else (an ATIF trajectory, a Gemini log) whole up to WHOLE_MOST, in pieces of whole
# lines past it (it was refused there: a big session's export failed its own check). They were all
# read whole, whatever their size, once the digest matched: a forged manifest naming a sparse file
# of gigabytes, with its digest, had `--check` die of a MemoryError.
WHOLE_MOST = 256 << 20
LINE_MOST = 64 << 20
_PIECE = 8 << 20
# The farthest a detector reads across lines (redact), to find a secret or to pass over what is none:
# an armoured public block is passed over up to 64 KB past its header (known._ARMOR_LIMIT), a private
# key's block read 16 KB past its header (rules.tokens._PEM_LIMIT), a hex run over lines taken up to
# 16 KB (encoded.MAX_LENGTH), a wrapped token 1 KB back from its break (joined._WINDOW); 2 KB more for
# the header lines. A window of one text owns only findings that start REACH or more before its end,
# and has REACH of the file before what it owns (`_windows`): no finding is cut, none said twice.
REACH = 66 << 10


def _kept_kinds(manifest: dict[str, Any]) -> dict[str, set[str]]:
    """For each file, the kinds its sessions' users chose to keep (a parquet shard holds several)."""
    kinds: dict[str, set[str]] = {}
    by_session: dict[str, set[str]] = {}
    for sid, entry in manifest["sessions"].items():
        kept = {r.get("kind") for r in entry.get("rejected", ()) if isinstance(r, dict)}
        by_session[sid] = {k for k in kept if isinstance(k, str)}
        for rel in entry.get("files", ()):
            kinds.setdefault(rel, set()).update(by_session[sid])
    for entry in manifest["groups"].values():
        union = set().union(*(by_session.get(s, set()) for s in entry.get("sessions", ())))
        for rel in entry.get("files", ()):
            kinds.setdefault(rel, set()).update(union)
    return kinds


def _is_trajectory(rel: str) -> bool:
    return rel.startswith("trajectories/") and rel.endswith(".json")


def _is_trace(rel: str) -> bool:
    return rel.startswith("traces/") and rel.endswith(".jsonl")


def _trace_problems(path: Path, most: int = 5) -> list[str]:
    """What the Agent Trace schema's rules reject in a file of records, its first few lines' worth."""
    from tracetui.blame import record_problems

    out: list[str] = []
    try:
        for before, piece in _line_pieces(path):
            for n, line in enumerate(piece.splitlines(), before + 1):
                try:
                    found = record_problems(loads_whole(line))
                except TooDeep as exc:
                    found = [str(exc)]
                except orjson.JSONDecodeError:
                    found = ["not JSON"]
                out += [f"line {n}: not an Agent Trace record: {p}" for p in found]
                if len(out) >= most:
                    return out[:most]
    except OSError as exc:
        return [f"cannot be read ({exc.strerror or exc})"]
    except TracetuiError as exc:
        return [str(exc)]
    return out


def _atif_problems(path: Path, validator: Validator, size: int, most: int = 5) -> list[str]:
    """What the validator says of one trajectory, its first few errors (one fault can give hundreds).
    It reads a document whole: one past WHOLE_MOST is not given to it, and that is said."""
    if size > WHOLE_MOST:
        return [f"{size >> 20:,} MB: too large for {validator.name}, which reads a trajectory whole "
                f"(over {WHOLE_MOST >> 20} MB)"]  # fmt: skip
    try:
        document = loads_whole(read_regular(path, WHOLE_MOST))
    except TooDeep as exc:
        return [f"not an ATIF trajectory: {exc}"]
    except (OSError, orjson.JSONDecodeError, TracetuiError) as exc:
        return [f"not an ATIF trajectory: not JSON ({exc})"]
    if not isinstance(document, dict):
        return ["not an ATIF trajectory: not a JSON object"]
    try:
        errors = validator.errors(document)
    except Exception as exc:  # a forged document the validator itself trips on (too deep, ...)
        return [f"{validator.name} could not read it: {type(exc).__name__}"]
    # An error's location can name hundreds of nested fields: its start and its end say enough.
    cut = [e if len(e) <= 300 else f"{e[:120]}…{e[-160:]}" for e in errors[:most]]
    out = [f"{validator.name} rejects it: {e}" for e in cut]
    if len(errors) > most:
        out.append(f"{validator.name}: {len(errors) - most} more errors")
    return out


def _gate_name(rel: str) -> str:
    return rel + ".jsonl" if rel.endswith(".parquet") else rel


def _readable(path: Path, rel: str, parquet: ParquetRows, seen: _Read) -> Iterator[_Piece]:
    """What the detectors read of a file, in pieces with the lines before each: parquet rows as JSON
    lines (a few MB at a time, decoded in `parquet`'s bounded child process), raw logs and trajectories
    as the export's gate read them (`raw.gate_view`, `atif.gate_view`), anything else as it is. `seen`
    is given every byte read (but a Parquet file's, digested before)."""
    if rel.endswith(".parquet"):
        from tracetui.export.check_views import rows_view

        try:
            for before, rows in parquet.rows(path):
                yield _Piece(before, rows_view(rows))
        except Unreadable as exc:
            raise TracetuiError(str(exc)) from None
        return
    from tracetui.export import atif, raw

    # As the export's gate read them: a raw log's strings, a trajectory's log text (not the schema's keys);
    # a page's and a receipt's log text as their own structure shows it (`check_views`), read whole.
    view: Callable[[bytes], bytes] = (
        raw.gate_view if rel.startswith("sessions/") else atif.gate_view if _is_trajectory(rel) else bytes
    )
    # A file past WHOLE_MOST (a Gemini log, a trajectory, of a session of a million steps) in pieces
    # of whole lines too: a secret inside a JSON string has its newlines escaped, so no finding is
    # cut in two at a piece's end (gate_view reads a log line by line in any case); a text read as
    # one (not JSON) in overlapping windows of whole lines, so that one of them holds whole each
    # finding that runs over lines (`_windows`).
    if _in_pieces(rel) or _size(path) > WHOLE_MOST:
        pieces = _line_pieces(path, seen)
        if not _one_text(rel):
            for before, piece in pieces:
                yield _Piece(before, view(piece))
            return
        name = _gate_name(rel)
        for w in _windows(pieces):
            lo, hi = _owned_chars(name, view, w)
            yield _Piece(w.before, view(w.data), name, lo, hi, w.data.count(b"\n", 0, w.own), window=True)
        return
    data = read_regular(path, WHOLE_MOST)
    seen.update(data)
    seen.done()
    # A page's log text, a receipt's values, a card's and DONATION.md's, but their own words, worked out
    # from the file's structure (`check_views`): a host named like a word the writer puts on every page
    # (`steps`, `session`, `user`) was found in them, where no scrub could take it out.
    lined = _lined_view(rel)
    if lined is not None:
        read = lined(data)
        yield _Piece(0, read.data, at=lambda leak: read.line(leak.start))
        return
    if _RECEIPT.fullmatch(rel):
        from tracetui.export.check_views import receipt_lined, receipt_view

        strings = receipt_lined(data)
        if strings is not None:
            yield _Piece(0, strings[0], at=lambda leak: strings[1][leak.line - 1])
        else:  # no JSON, or a key written twice: read whole, on line 1
            yield _Piece(0, receipt_view(data))
        return
    yield _Piece(0, view(data))


_PAGE = re.compile(r"[^/]+-steps-[0-9]+-[0-9]+\.(html|md)")
_RECEIPT = re.compile(r"receipts/[^/]+/[^/]+\.json")
_CARD = "README.md"  # a raw or parquet export's dataset card (`card`)


def _lined_view(rel: str) -> Callable[[bytes], Lined] | None:
    """The view of a dataset card, DONATION.md or a page, read by their lines (`check_views.card_lined`,
    `donation_lined`, `html_lined`, `md_lined`): a finding is said on the file's own line."""
    from tracetui.export import check_views

    page = _PAGE.fullmatch(rel)
    if page is not None:
        return check_views.html_lined if page.group(1) == "html" else check_views.md_lined
    return check_views.card_lined if rel == _CARD else check_views.donation_lined if rel == RECEIPT else None


def _owned_chars(name: str, view: Callable[[bytes], bytes], w: _Window) -> tuple[int, int | None]:
    """What `w` owns in characters of the text the gate reads of it: its bytes as they are where they
    are ASCII and read as they are, else the lengths of the texts of its lines before and within
    (each a text of whole lines, so the gate's text of the window begins with them)."""
    if view is bytes and not name.endswith(".html") and w.data.isascii():
        return w.own, w.cut
    lo = len(gate_text(name, view(w.data[: w.own]))) if w.own else 0
    return lo, None if w.cut is None else lo + len(gate_text(name, view(w.data[w.own : w.cut])))


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # read as before: the read says what is wrong


def _in_pieces(rel: str) -> bool:
    """Whether the check reads the file a piece at a time (Parquet, JSON lines), never whole."""
    return rel.endswith((".parquet", ".jsonl"))


def _one_text(rel: str) -> bool:
    """Whether the detectors read the file as one text, not a string or a line at a time (a JSON
    file's or a JSON-lines file's): a secret of several lines may lie across two of its pieces."""
    return not _gate_name(rel).endswith((".json", ".jsonl"))


def _line_pieces(path: Path, seen: _Read | None = None) -> Iterator[tuple[int, bytes]]:
    """A file of lines in pieces of whole lines (about _PIECE bytes), each with the lines before it;
    TracetuiError for a line over LINE_MOST, of which no more is scanned. `seen` is given every byte
    read, to the file's end (the rest past such a line too: its digest is still said)."""
    before = 0
    with open_regular(path) as fh:
        rest = b""
        while chunk := fh.read(_PIECE):
            if seen is not None:
                seen.update(chunk)
            rest += chunk
            cut = rest.rfind(b"\n") + 1
            if not cut:
                if len(rest) > LINE_MOST:
                    _read_out(fh, seen)
                    raise TracetuiError(f"line {before + 1}: over {LINE_MOST >> 20} MB, too long to check")
                continue
            piece, rest = rest[:cut], rest[cut:]
            yield before, piece
            before += piece.count(b"\n")
        if seen is not None:
            seen.done()
        if rest:
            if len(rest) > LINE_MOST:
                raise TracetuiError(f"line {before + 1}: over {LINE_MOST >> 20} MB, too long to check")
            yield before, rest


def _read_out(fh: Any, seen: _Read | None) -> None:
    """The rest of a file given to `seen`, a MB at a time (nothing held)."""
    if seen is None:
        return
    while chunk := fh.read(1 << 20):
        seen.update(chunk)
    seen.done()


@dataclass(slots=True)
class _Window:
    before: int  # lines of the file before it
    data: bytes
    own: int  # where what it owns starts (an earlier window owned what is before)
    cut: int | None  # where the next window's own part starts; None: it owns to the file's end


def _windows(pieces: Iterator[tuple[int, bytes]]) -> Iterator[_Window]:
    """One text's pieces of whole lines as overlapping windows of whole lines, memory bounded by a
    piece and twice REACH (and a line as long as LINE_MOST where one is). Each owns the findings that
    start in [own, cut): REACH of the file is before `own` and after `cut`, so each finding over lines
    (at most REACH long) is whole in the window that owns it and owned by one window only. Where a
    line is longer than REACH the next window starts at a line's start after it."""
    at, piece, held, own = 0, b"", b"", 0
    try:
        for at, piece in pieces:
            window = held + piece  # its lines before it: the piece's less those held (a few, not a piece's)
            cut = max(window.rfind(b"\n", 0, max(0, len(window) - REACH)) + 1, own)
            if cut > own:
                yield _Window(at - held.count(b"\n"), window, own, cut)
            start = _window_start(window, cut)
            held, own = window[start:], cut - start
    except TracetuiError:  # a line too long to check: what was read before it is scanned still
        if held:
            yield _Window(at + piece.count(b"\n") - held.count(b"\n"), held, own, None)
        raise
    if held:
        yield _Window(at + piece.count(b"\n") - held.count(b"\n"), held, own, None)


def _window_start(window: bytes, cut: int) -> int:
    """Where the window after `window` starts: at the start of a line REACH or more before `cut`, or
    (a line longer than REACH there) the first line's start past that."""
    if cut <= REACH:
        return 0
    start = window.rfind(b"\n", 0, cut - REACH) + 1
    if cut - start > 2 * REACH:
        start = window.find(b"\n", cut - REACH - 1) + 1
    return start
