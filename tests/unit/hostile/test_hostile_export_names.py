"""Export file names made from what a log names (a session's id, an agent's file names) on a disk
that does not tell case apart (macOS, Windows) or that keeps names of its own (Windows: `CON`, `nul.json`,
a name ending in a dot). Found here: sessions `ABC…` and `abc…` were exported to one file there, the
second overwriting the first under one manifest entry each. The names are checked casefold-distinct,
so no such disk is needed."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.cli import main
from tracetui.export.manifest import safe_component

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _portable(name: str) -> bool:
    """A name every disk keeps as it is: no `/`, not `.` or `..`, no device name, no trailing dot or space."""
    return (
        name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and name.isascii()
        and name.split(".")[0].lower() not in _RESERVED
        and not name.endswith((".", " "))
    )


def _h(stem: str) -> str:
    return hashlib.sha256(stem.encode()).hexdigest()[:12]


NAMES = [
    "ABC", "abc", "Abc", "aBC",
    "abc.json", "ABC.json", "abc.JSON", "ABC.JSON", "Abc.Json",
    f"abc-{_h('ABC')}", f"abc-{_h('Abc')}.json", f"abc-{_h('ABC')}.json",
    f"abc--{_h('ABC')}", f"abc--{_h('Abc')}.json", f"abc--{_h('ABC')}.json", f"abc--{_h('ABC')}--{_h('x')}",
    "con", "CON", "con.json", "Nul.jsonl", "com1", "lpt9.txt", "aux.meta.json",
    "abc.", "abc..", "ABC.", "abc ", "ABC ",
    "agent-1.jsonl", "agent-1.meta.json", "Agent-1.jsonl", "Agent-1.meta.json",
    "ses_6a1BcD", "ses_6a1bcd", "ses_6A1BCD",
    "é", "è", "É", "x" * 300, "X" * 300,
]  # fmt: skip


def test_every_name_is_portable_and_no_two_names_are_one_name_on_a_caseless_disk():
    out = {name: safe_component(name) for name in NAMES}
    for name, got in out.items():
        assert _portable(got), (name, got)
    folded: dict[str, str] = {}
    for name, got in out.items():
        other = folded.setdefault(got.casefold(), name)
        assert other == name, f"{other!r} and {name!r} are both {got!r} on a caseless disk"


def test_plain_lowercase_names_keep_their_names_and_companions_still_pair():
    for name in ("abc.json", "agent-1.jsonl", "33333333-aaaa-4bbb-8ccc-000000000003.json", "rollout-1.jsonl"):
        assert safe_component(name) == name
    a, b = safe_component("Agent-1.jsonl"), safe_component("Agent-1.meta.json")
    assert a.removesuffix(".jsonl") == b.removesuffix(".meta.json")


def _pi_log(folder: Path, sid: str) -> None:
    text = (FIXTURES / "pi" / "v3_tree.jsonl").read_text()
    (folder / f"{sid}.jsonl").write_text(text.replace("33333333-aaaa-4bbb-8ccc-000000000003", sid))


@pytest.mark.parametrize("fmt", ["atif", "raw"])
def test_two_sessions_whose_ids_differ_by_case_are_two_files(tmp_path, fmt):
    folder = tmp_path / "src"
    folder.mkdir()
    ids = ["ABCDEF01-aaaa-4bbb-8ccc-000000000003", "abcdef01-aaaa-4bbb-8ccc-000000000003"]
    for sid in ids:
        _pi_log(folder, sid)
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"pi={folder}"]) == 0
    dest = tmp_path / "dest"
    assert main([*bucket, "export", "--format", fmt, str(dest)]) == 0
    manifest = orjson.loads((dest / "manifest.json").read_bytes())
    assert sorted(manifest["sessions"]) == sorted(ids)
    files = list(manifest["files"])
    assert len({f.casefold() for f in files}) == len(files), files
    per_session = [set(manifest["sessions"][sid]["files"]) for sid in ids]
    assert per_session[0] and per_session[1] and not (
        {f.casefold() for f in per_session[0]} & {f.casefold() for f in per_session[1]}
    )
    assert main(["export", "--check", str(dest)]) == 0


def test_the_export_refuses_to_write_a_file_that_is_another_on_a_caseless_disk(tmp_path):
    from tracetui.errors import TracetuiError
    from tracetui.export.manifest import Dest

    dest = Dest.open(tmp_path / "out", "atif")
    dest.write("trajectories/pi/abc.json", b"first\n")
    with pytest.raises(TracetuiError, match="case"):
        dest.write("trajectories/pi/ABC.json", b"second\n")
    assert (tmp_path / "out" / "trajectories" / "pi" / "abc.json").read_bytes() == b"first\n"
    assert list(dest.files) == ["trajectories/pi/abc.json"]


def test_one_sessions_files_whose_names_differ_by_case_are_two_files_in_a_raw_export(tmp_path):
    src = tmp_path / "src" / "-home-dev-shop"
    shop = FIXTURES / "claude" / "projects" / "-home-dev-shop"
    sid = "33333333-3333-4333-8333-333333333333"
    shutil.copytree(shop / sid, src / sid)
    shutil.copyfile(shop / f"{sid}.jsonl", src / f"{sid}.jsonl")
    sub = src / sid / "subagents"
    shutil.copyfile(sub / "agent-a1b2c3d4e5f6a7b8c.jsonl", sub / "agent-A1B2C3D4E5F6A7B8C.jsonl")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"claude={tmp_path / 'src'}"]) == 0
    dest = tmp_path / "dest"
    assert main([*bucket, "export", "--format", "raw", "--accept-suggested", str(dest)]) == 0
    manifest = orjson.loads((dest / "manifest.json").read_bytes())
    files = list(manifest["files"])
    assert len({f.casefold() for f in files}) == len(files), files
    subagents = [f for f in manifest["sessions"][sid]["files"] if "/subagents/agent-a1b2" in f.lower() and f.endswith(".jsonl")]
    assert len(subagents) == 2, files
    assert any(f.startswith(f"sessions/claude_code/{sid}/subagents/") for f in subagents)
