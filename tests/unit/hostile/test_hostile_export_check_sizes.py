"""`export --check` runs on an export someone else made, and its manifest is theirs: it may name any
file with the digest and size that file has. Once the digest matched, the check read the file whole
(the gate, the ATIF validator, the Agent Trace rules), and a sparse file of gigabytes, listed with
its own digest, had `--check` die of a MemoryError (under a 1 GB address limit). A file of JSON lines
is read in pieces of whole lines now, none longer than a line the bucket copies, and so is anything
else past the size it is read whole up to (an ATIF trajectory that large is too large for the
validator); a file whose size is not the manifest's is refused before a byte is read."""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest
from support.bounded_cli import bounded_cli
from support.fixture_bucket import synced

# Half as much again as the children's 1 GB address limit: read whole, it fails them as 5 GB did
# (each case failed so on the code before the fix), and --check hashes a third of the bytes.
SPARSE = 1536 << 20
# The export's format, and where the sparse file goes: a file it listed, or (a trace, which a session
# without a repository has none of) one the forged manifest adds.
CASES = {"atif": ("atif", "trajectories/"), "raw": ("raw", "sessions/"), "trace": ("atif", "traces/x.jsonl")}


def _cli(tmp: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return bounded_cli(tmp, *argv, timeout=300)


# The digest of SPARSE zero bytes, worked out by the loop below once: 1.3 s of CPU a worker, every run.
ZEROS_SHA256 = {1536 << 20: "b7a1ca05cae9eefbf2deee895f4fb34c8d8ffc5d6665982424e0b2711c79ed1d"}


@functools.cache
def _zeros_sha256(size: int) -> str:
    if size in ZEROS_SHA256:
        return ZEROS_SHA256[size]
    digest = hashlib.sha256()
    block = bytes(1 << 20)
    for _ in range(size >> 20):
        digest.update(block)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """The fixture log synced and exported once in each format the tests forge (by the CLI, as each
    test did): a test forges a copy of its own, as it did the export it made."""
    tmp = tmp_path_factory.mktemp("check-sizes")
    bucket = synced(tmp, lambda argv: _cli(tmp, *argv).returncode)
    made = {}
    for fmt in ("atif", "raw"):
        out = _cli(tmp, *bucket, "export", "--format", fmt, "--accept-suggested", str(tmp / fmt))
        assert out.returncode == 0, out.stderr[-400:]
        made[fmt] = tmp / fmt
    return made


def _export(exports: dict[str, Path], tmp: Path, fmt: str) -> Path:
    dest = tmp / "out"
    shutil.copytree(exports[fmt], dest, symlinks=True)
    return dest


def _forge(dest: Path, prefix: str, size: int, sha: str) -> str:
    """One listed file under `prefix` made a sparse file of `size` bytes; the manifest names it so."""
    manifest = orjson.loads((dest / "manifest.json").read_bytes())
    rel = next((r for r in sorted(manifest["files"]) if r.startswith(prefix)), prefix)
    (dest / rel).parent.mkdir(exist_ok=True)
    with open(dest / rel, "wb") as fh:
        fh.truncate(size)
    manifest["files"][rel] = {**manifest["files"].get(rel, {}), "sha256": sha, "size": size}
    (dest / "manifest.json").write_bytes(orjson.dumps(manifest))
    return rel


@pytest.mark.parametrize("case", list(CASES))
def test_a_sparse_file_the_manifest_vouches_for_is_a_problem_not_a_memory_error(exports, tmp_path, case):
    fmt, prefix = CASES[case]
    dest = _export(exports, tmp_path, fmt)
    rel = _forge(dest, prefix, SPARSE, _zeros_sha256(SPARSE))
    out = _cli(tmp_path, "export", "--check", str(dest), "--json")
    assert "Traceback" not in out.stderr and "MemoryError" not in out.stderr, out.stderr[-400:]
    report = orjson.loads(out.stdout)
    assert out.returncode == 1 and not report["ok"], out.stderr[-400:]
    said = [p["problem"] for p in report["problems"] if p["file"] == rel]
    assert said and all("too l" in p for p in said), report["problems"]


def test_a_file_larger_than_the_manifest_says_is_refused_unread(exports, tmp_path, monkeypatch):
    """Its size is compared first: the digest of gigabytes is never worked out (hashlib is not called)."""
    import importlib

    from tracetui.export import manifest

    check = importlib.import_module("tracetui.export.verify")

    dest = _export(exports, tmp_path, "atif")
    rel = _forge(dest, "trajectories/", SPARSE, "0" * 64)
    data = orjson.loads((dest / "manifest.json").read_bytes())
    data["files"][rel]["size"] = 1000
    (dest / "manifest.json").write_bytes(orjson.dumps(data))

    real = manifest.file_sha256

    def hashed(path: Path) -> tuple[str, int]:
        assert path != dest / rel, f"{rel} was read"
        return real(path)

    monkeypatch.setattr(check, "file_sha256", hashed)
    report = check.check(dest)
    assert {"file": rel, "problem": "its bytes differ from the manifest's digest"} in report.problems


def test_pieces_of_lines_are_the_file_whole_and_count_its_lines(tmp_path, monkeypatch):
    import importlib

    check = importlib.import_module("tracetui.export.verify")
    monkeypatch.setattr(check, "_PIECE", 7)
    lines = [b"a", b"bbbbbbbbbbbbbbbbbb", b"", b"cc", b"d" * 30, b"tail without a newline"]
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\n".join(lines))
    pieces = list(check._line_pieces(path))
    assert b"".join(p for _, p in pieces) == path.read_bytes()
    for before, piece in pieces:  # every piece starts a line, and knows how many came before it
        assert path.read_bytes().split(b"\n")[before] == piece.split(b"\n")[0]
    monkeypatch.setattr(check, "LINE_MOST", 20)
    with pytest.raises(check.TracetuiError, match="line 5: over"):
        list(check._line_pieces(path))
