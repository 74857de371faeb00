"""Untrusted capsules: any edited byte fails verification; crafted archives are refused without
writing anything anywhere; hostile text stays data."""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import os
import sys
import tarfile
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.capsule import CapsuleError, open_capsule, seal, verify
from tracetui.capsule.archive import GZIP_PREFIX, Limits, frame, read_archive, tar_bytes, write_archive
from tracetui.capsule.manifest import ALLOWED, canonical, member_entry
from tracetui.cli import main
from tracetui.safe_text import safe_text

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit


@pytest.fixture
def good(tmp_path) -> bytes:
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    return seal(session, kit.empty_plan(session), repo=repo).data


def _members(data: bytes) -> dict[str, bytes]:
    return read_archive(data, ALLOWED)


def _refused(tmp_path: Path, data: bytes, match: str, limits: Limits | None = None) -> str:
    path = tmp_path / "crafted.capsule"
    path.write_bytes(data)
    with pytest.raises(CapsuleError, match=match) as info:
        open_capsule(path, **({"limits": limits} if limits else {}))
    return str(info.value)


def test_every_byte_flip_fails_verification(tmp_path, good):
    # Every position, header and trailer included, with a one-bit and an all-bits flip. (Deflate
    # alone would let some through: a back-reference to another copy of the same bytes inflates
    # to the same tar; the header's checksum is what catches those.)
    positions = range(len(good))
    path = tmp_path / "flipped.capsule"
    for pos in sorted(positions):
        for mask in (0xFF, 0x01):
            flipped = bytearray(good)
            flipped[pos] ^= mask
            path.write_bytes(bytes(flipped))
            with pytest.raises(CapsuleError):
                verify(path)
    path.write_bytes(good)
    assert verify(path).ok  # the unflipped file still verifies


def test_truncated_and_extended_files_fail(tmp_path, good):
    _refused(tmp_path, good[:-1], "do not match the checksum")
    _refused(tmp_path, good[: len(good) // 2], "do not match the checksum")
    _refused(tmp_path, good + b"\0", "do not match the checksum")
    _refused(tmp_path, good[:40], "gzip header")
    # With the checksum recomputed, what is inside is still checked: a stream cut short, bytes
    # after the gzip stream.
    body = good[len(GZIP_PREFIX) + 32 :]
    _refused(tmp_path, _reframe(body[: len(body) // 2]), "truncated|damaged")
    _refused(tmp_path, _reframe(body + b"\0"), "trailing bytes")
    _refused(tmp_path, _reframe(body + body), "trailing bytes")
    _refused(tmp_path, b"PK\x03\x04not a capsule", "not gzip")
    _refused(tmp_path, b"", "not gzip")
    # A plain .tar.gz of the very same members is not a capsule: its header lacks the checksum.
    members = _members(good)
    plain = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=plain, mtime=0, compresslevel=9) as gz:
        gz.write(tar_bytes(members))
    _refused(tmp_path, plain.getvalue(), "gzip header is not the one tracetui writes")
    # ...while the capsule itself is a standard .tar.gz that gzip and tar read.
    assert gzip.decompress(good) == tar_bytes(members)
    with tarfile.open(fileobj=io.BytesIO(good), mode="r:gz") as tar:
        assert sorted(tar.getnames()) == sorted(members)


def _reframe(body: bytes) -> bytes:
    return GZIP_PREFIX + hashlib.sha256(body).digest() + body


def _craft(entries: list[tuple[tarfile.TarInfo, bytes | None]], fmt=tarfile.USTAR_FORMAT) -> bytes:
    """A tar in the capsule's own gzip framing, checksum and all (so the checks reach the members)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return frame([raw.getvalue()])


def _info(name: str, size: int = 0, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.linkname = size, kind, link
    return info


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    return _info(name, len(data)), data


def test_crafted_archives_are_refused_and_write_nothing(tmp_path, monkeypatch, good):
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    outside = tmp_path.parent
    before_outside = set(os.listdir(outside))

    _refused(tmp_path, _craft([_file("../evil.txt", b"x")]), "unexpected member '../evil.txt'")
    _refused(tmp_path, _craft([_file("/tmp/evil-abs.txt", b"x")]), "unexpected member")
    _refused(tmp_path, _craft([_file("sub/trace.jsonl", b"x")]), "unexpected member")
    _refused(
        tmp_path,
        _craft([(_info("trace.jsonl", kind=tarfile.SYMTYPE, link="/etc/passwd"), None)]),
        "not a regular file",
    )
    _refused(
        tmp_path,
        _craft([(_info("trace.jsonl", kind=tarfile.LNKTYPE, link="../../outside"), None)]),
        "not a regular file",
    )
    _refused(tmp_path, _craft([(_info("README.md", kind=tarfile.DIRTYPE), None)]), "not a regular file")
    _refused(tmp_path, _craft([(_info("README.md", kind=tarfile.CHRTYPE), None)]), "not a regular file")
    _refused(tmp_path, _craft([_file("trace.jsonl", b"a\n"), _file("trace.jsonl", b"b\n")]), "appears twice")
    many = Limits(max_members=2)
    _refused(
        tmp_path,
        _craft([_file("trace.jsonl", b""), _file("ctx.jsonl", b""), _file("README.md", b"")]),
        "more than 2",
        many,
    )

    # Nothing was extracted: no file appeared in the working directory or beside the temp dir.
    assert os.listdir(work) == []
    assert set(os.listdir(outside)) - before_outside == set()
    assert not Path("/tmp/evil-abs.txt").exists()
    assert sorted(os.listdir(tmp_path)) == ["crafted.capsule", "cwd", "proj"]


def test_a_gzip_bomb_is_refused_before_it_inflates(tmp_path):
    size = 64 * 1024 * 1024
    info = _info("trace.jsonl", size)
    header = info.tobuf(tarfile.USTAR_FORMAT)
    zeros = (bytes(1 << 20) for _ in range(size >> 20))  # 1 MiB at a time, never 64 MiB at once
    bomb = frame(itertools.chain([header], zeros, [bytes(1024)]))
    assert len(bomb) < size // 500  # it really is a bomb
    message = _refused(tmp_path, bomb, "compression bomb")
    assert "trace.jsonl" in message


def test_a_member_declaring_a_gigabyte_is_refused_on_its_header(tmp_path):
    # Only the header exists: the archive claims 1 GiB that is never there, and never allocated.
    big = frame([_info("trace.jsonl", 1 << 30).tobuf(tarfile.USTAR_FORMAT)])
    _refused(tmp_path, big, "over the 134217728-byte limit")
    # With a bigger per-member cap the ratio budget still stops it.
    _refused(tmp_path, big, "compression bomb", Limits(max_member=2 << 30))


def test_a_negative_member_size_is_refused(tmp_path):
    header = bytearray(_info("trace.jsonl").tobuf(tarfile.GNU_FORMAT))
    header[124:136] = b"\xff" + (-1024).to_bytes(12, "big", signed=True)[1:]  # base-256 size field
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    _refused(tmp_path, frame([bytes(header), bytes(2048)]), "declares a negative size")


def _rebuild(members: dict[str, bytes], fix_manifest: bool = True) -> bytes:
    members = dict(members)
    if fix_manifest:
        manifest = orjson.loads(members["capsule.json"])
        manifest["members"] = {k: member_entry(v) for k, v in members.items() if k != "capsule.json"}
        members["capsule.json"] = canonical(manifest)
    return write_archive(members)


def test_manifest_and_member_mismatches_name_the_member(tmp_path, good):
    members = _members(good)
    altered = dict(members)
    altered["trail.jsonl"] = members["trail.jsonl"].replace(b"README.md", b"READMX.md")
    _refused(tmp_path, _rebuild(altered, fix_manifest=False), "member trail.jsonl does not match its sha256")

    shorter = dict(members)
    shorter["README.md"] = members["README.md"][:-1]
    _refused(
        tmp_path, _rebuild(shorter, fix_manifest=False), "member README.md is .* bytes, the manifest says"
    )

    missing = dict(members)
    del missing["ctx.jsonl"]
    _refused(tmp_path, write_archive(missing), "member ctx.jsonl is listed in capsule.json but missing")

    unlisted = dict(members)
    manifest = orjson.loads(members["capsule.json"])
    del manifest["members"]["README.md"]
    unlisted["capsule.json"] = canonical(manifest)
    _refused(tmp_path, write_archive(unlisted), "does not list member README.md")

    extra = dict(members)
    extra["notes.txt"] = b"hello"
    _refused(tmp_path, write_archive(extra), "unexpected member 'notes.txt'")

    no_manifest = {k: v for k, v in members.items() if k != "capsule.json"}
    _refused(tmp_path, write_archive(no_manifest), "no capsule.json")


def test_non_canonical_json_is_refused_even_with_a_matching_manifest(tmp_path, good):
    members = _members(good)
    lines = members["trace.jsonl"].split(b"\n")
    # A duplicate key: parsers disagree about which value wins, so the reader refuses the line.
    lines[0] = lines[0].replace(b'{"active":true,', b'{"active":false,"active":true,', 1)
    _refused(
        tmp_path,
        _rebuild({**members, "trace.jsonl": b"\n".join(lines)}),
        "trace.jsonl is not in canonical form",
    )

    manifest = orjson.loads(members["capsule.json"])
    pretty = orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    _refused(
        tmp_path, write_archive({**members, "capsule.json": pretty}), "capsule.json is not in canonical form"
    )

    wrong = dict(manifest, format="tracetui.capsule/99")
    _refused(tmp_path, write_archive({**members, "capsule.json": canonical(wrong)}), "format")

    bad_step = orjson.loads(lines[1])
    bad_step["text"] = 42
    lines[1] = canonical(bad_step)
    _refused(tmp_path, _rebuild({**members, "trace.jsonl": b"\n".join(lines[1:])}), "malformed role or text")


def test_a_context_that_refers_forward_is_refused(tmp_path, good):
    members = _members(good)
    lines = [orjson.loads(x) for x in members["ctx.jsonl"].splitlines()]
    assert lines[1]["from"] == lines[0]["step"]  # contexts are stored as deltas on the previous one
    lines[0]["from"] = lines[1]["step"]
    _refused(
        tmp_path,
        _rebuild({**members, "ctx.jsonl": b"".join(canonical(x) + b"\n" for x in lines)}),
        "does not come before it",
    )


def test_a_non_canonical_tar_layout_is_refused(tmp_path, good):
    members = _members(good)
    # The same members in another order (or with other mtimes) are not what tracetui writes.
    entries: list[tuple[tarfile.TarInfo, bytes | None]] = []
    for name in sorted(members, reverse=True):
        info = _info(name, len(members[name]))
        entries.append((info, members[name]))
    _refused(tmp_path, _craft(entries), "tar layout is not the canonical")
    stamped: list[tuple[tarfile.TarInfo, bytes | None]] = []
    for name in sorted(members):
        info = _info(name, len(members[name]))
        info.mtime = 1700000000
        stamped.append((info, members[name]))
    _refused(tmp_path, _craft(stamped), "tar layout is not the canonical")


def test_control_characters_stay_data_and_show_safely(tmp_path, capsys):
    repo, _ = kit.make_repo(tmp_path)
    evil = "\x1b]52;c;aGVsbG8=\x07\x1b[2J\u202egnp.exe\x9b31m"
    session = kit.make_session(repo, extra_text=evil, sid="sess-\x1b[31mred")
    session.title = "title " + evil
    path = tmp_path / "evil.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=path)
    opened = open_capsule(path)
    text = opened.session(opened.list_sessions()[0].id).steps[0].text
    assert text.endswith(evil)  # kept as data...
    shown = safe_text(text)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown and "\x9b" not in shown
    assert "␛]52;c;" in shown  # ...and shown visibly
    assert main(["capsule", "verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "sess-␛[31mred" in out


# -- the reader runs in a child process of its own -------------------------------------------------


def test_the_reader_child_uses_nothing_but_the_standard_library(good):
    import json
    import subprocess

    from tracetui.capsule import tar_members

    config = {"allowed": sorted(ALLOWED), "max_members": 16, "max_member": 1 << 28, "budget": 1 << 30}
    # -I -S: no site-packages, no PYTHONPATH, no current directory: tracetui cannot be imported.
    done = subprocess.run([sys.executable, "-I", "-S", tar_members.__file__],
                          input=json.dumps(config).encode() + b"\n" + good, capture_output=True, check=True)
    assert tar_members.decode(done.stdout) == _members(good)


def test_a_reader_that_hangs_is_stopped_and_named(tmp_path, good, monkeypatch):
    from tracetui.capsule import archive, tar_members

    sleeper = tmp_path / "hangs.py"
    sleeper.write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setattr(tar_members, "__file__", str(sleeper))
    monkeypatch.setattr(archive, "READ_TIMEOUT", 0.5)
    message = _refused(tmp_path, good, "took over 0.5 s")
    assert "hostile archive" in message


def test_a_reader_that_crashes_is_a_clear_refusal(tmp_path, good, monkeypatch):
    from tracetui.capsule import tar_members

    crasher = tmp_path / "crashes.py"
    crasher.write_text("import os\nos.abort()\n")
    monkeypatch.setattr(tar_members, "__file__", str(crasher))
    _refused(tmp_path, good, "made its reader fail")
