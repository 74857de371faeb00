"""`tracetui export --check DEST`: re-read an export, verify every file against its manifest, and run
the detectors over every byte again (the seal's second gate, on what is on disk now).

A sure finding of a kind the user chose to keep in that session (a rejected finding, listed in its
receipt) is not a problem; any other is. Files on disk that the manifest does not list are named too.
Every ATIF trajectory is also run through the format's own validator where one is installed
(atif_validator), and the report names the validator; every Agent Trace record through the rules of
the spec's published schema (blame.record_problems).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tracetui.capsule.gate_memo import GateMemo
from tracetui.capsule.scrub import GateFinding, Scrubbed, gate_findings
from tracetui.errors import TracetuiError
from tracetui.export.atif_validator import Validator, find_validator
from tracetui.export.manifest import MANIFEST, file_sha256, inside, read_manifest
from tracetui.export.parquet_rows import ParquetRows, Unreadable
from tracetui.folder_walk import walk
from tracetui.model import Session
from tracetui.redact import Identity, TextScanner
from tracetui.regular_file import open_regular, read_regular


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
        return gate_findings({name: data}, nobody, identity, memo=memo, scan_many=scanner.scan)

    def read(path: Path, rel: str) -> Iterator[tuple[int, bytes]]:
        return _readable(path, rel, parquet)

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
    read: Callable[[Path, str], Iterator[tuple[int, bytes]]],
) -> list[dict[str, Any]]:
    """What is wrong with one listed file: its digest, a sure finding of a kind its sessions did not
    keep (`gate`), and what its format's validator or schema rejects."""
    differ = [{"file": rel, "problem": "its bytes differ from the manifest's digest"}]
    try:
        path = inside(root, rel)
        # The manifest may be forged, and name a sparse file of gigabytes: its size is compared before
        # a byte is read; the digest is worked out a MB at a time, and past WHOLE_MOST the detectors
        # read the file in pieces of whole lines (`_readable`), as a file of JSON lines.
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode) and (not isinstance(meta, dict) or st.st_size != meta.get("size")):
            return differ
        sha, size = file_sha256(path)
    except TracetuiError as exc:
        return [{"file": rel, "problem": str(exc)}]
    except OSError as exc:
        return [{"file": rel, "problem": f"cannot be read ({exc.strerror or exc})"}]
    if not isinstance(meta, dict) or sha != meta.get("sha256") or size != meta.get("size"):
        return differ
    problems: list[dict[str, Any]] = []
    try:
        for before, readable in read(path, rel):
            for leak in gate(_gate_name(rel), readable):
                if leak.kind not in kept:
                    where = f"line {leak.line + before}"
                    problems.append({"file": rel, "problem": f"{where}: {leak.kind} ({leak.tier}) left"})
    except TracetuiError as exc:
        problems.append({"file": rel, "problem": str(exc)})
    if validator is not None and _is_trajectory(rel):
        problems += [{"file": rel, "problem": p} for p in _atif_problems(path, validator, size)]
    if _is_trace(rel):
        problems += [{"file": rel, "problem": p} for p in _trace_problems(path)]
    return problems


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
                    found = record_problems(orjson.loads(line))
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
        document = orjson.loads(read_regular(path, WHOLE_MOST))
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


def _readable(path: Path, rel: str, parquet: ParquetRows) -> Iterator[tuple[int, bytes]]:
    """What the detectors read of a file, in pieces with the lines before each: parquet rows as JSON
    lines (a few MB at a time, decoded in `parquet`'s bounded child process), raw logs as the
    export's gate read them (`raw.gate_view`), anything else as it is."""
    if rel.endswith(".parquet"):
        try:
            yield from parquet.rows(path)
        except Unreadable as exc:
            raise TracetuiError(str(exc)) from None
        return
    from tracetui.export.raw import gate_view

    view: Callable[[bytes], bytes] = gate_view if rel.startswith("sessions/") else bytes
    # A file past WHOLE_MOST (a Gemini log, a trajectory, of a session of a million steps) in pieces
    # of whole lines too: a secret inside a JSON string has its newlines escaped, so no finding is
    # cut in two at a piece's end (gate_view reads a log line by line in any case); a text read as
    # one (not JSON) is never cut inside a key's block of lines (`_block_cut`).
    if _in_pieces(rel) or _size(path) > WHOLE_MOST:
        for before, piece in _line_pieces(path, blocks=_one_text(rel)):
            yield before, view(piece)
        return
    yield 0, view(read_regular(path, WHOLE_MOST))


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


# How far back from a piece's end a block's opening line (`-----BEGIN …`) is looked for: past a
# private key's block (redact's _PEM_LIMIT, 16 KB after its header).
BLOCK_MOST = 64 << 10


def _block_cut(piece: bytes) -> int:
    """Where a piece of one text is cut so that no armoured block (a private key's, over several
    lines) is left open at its end: at the start of that block's first line; else its end. Such a
    block cut in two was found in neither piece: its header alone reads as a placeholder, its body
    alone as nothing."""
    opened = piece.rfind(b"-----BEGIN", max(0, len(piece) - BLOCK_MOST))
    if opened < 0 or piece.find(b"-----END", opened) >= 0:
        return len(piece)
    start = piece.rfind(b"\n", 0, opened) + 1
    return start or len(piece)  # a piece that starts with the block is read as it is


def _line_pieces(path: Path, blocks: bool = False) -> Iterator[tuple[int, bytes]]:
    """A file of lines in pieces of whole lines (about _PIECE bytes), each with the lines before it;
    TracetuiError for a line over LINE_MOST, of which no more is read. With `blocks`, no piece ends
    inside an armoured block (`_block_cut`)."""
    before = 0
    with open_regular(path) as fh:
        rest = b""
        while chunk := fh.read(_PIECE):
            rest += chunk
            cut = rest.rfind(b"\n") + 1
            if cut and blocks:
                cut = _block_cut(rest[:cut])
            if not cut:
                if len(rest) > LINE_MOST:
                    raise TracetuiError(f"line {before + 1}: over {LINE_MOST >> 20} MB, too long to check")
                continue
            piece, rest = rest[:cut], rest[cut:]
            yield before, piece
            before += piece.count(b"\n")
        if rest:
            if len(rest) > LINE_MOST:
                raise TracetuiError(f"line {before + 1}: over {LINE_MOST >> 20} MB, too long to check")
            yield before, rest
