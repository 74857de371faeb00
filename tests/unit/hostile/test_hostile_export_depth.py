"""A line of a log nested 100,000 levels deep, in a raw export and in what `export --check` is given
(found 2026-11-28). The raw export copied it as it was: a file that Python's json (a RecursionError)
and orjson (past 1,024 levels) cannot read, and `--check` passed it. An export someone else made,
with such a line in a log, a trace or a trajectory, was passed or said "not JSON". Now the export
writes the line as the readers read it (its values past 200 levels cut), and `--check` names the
line and its depth in one line; a received capsule's member so deep is refused in one line too."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import orjson
import pytest
from support.fixture_bucket import synced

from tracetui.cli import main

DEEP = b"[" * 100_000 + b"]" * 100_000
SAID = "nested deeper than 254 levels"


def _bucket(tmp: Path, deep_line: bool) -> list[str]:
    bucket = synced(tmp, lambda argv: main(argv))
    if deep_line:  # the log gains the line, and is synced again
        src = tmp / "src" / "a.jsonl"
        src.write_bytes(src.read_bytes() + DEEP + b"\n")
        assert main([*bucket, "sync", "--source", f"pi={tmp / 'src'}"]) == 0
    return bucket


def _export(tmp: Path, bucket: list[str], fmt: str, capsys) -> Path:
    dest = tmp / f"out-{fmt}"
    assert main([*bucket, "export", str(dest), "--format", fmt, "--accept-suggested"]) == 0
    capsys.readouterr()
    return dest


def test_a_raw_export_writes_a_line_too_deep_to_read_again_as_the_readers_read_it(tmp_path, capsys):
    dest = _export(tmp_path, _bucket(tmp_path, True), "raw", capsys)
    (log,) = [p for p in (dest / "sessions").rglob("*.jsonl")]
    lines = log.read_bytes().splitlines()
    for line in lines:
        json.loads(line)  # a RecursionError on the copy as it was
    assert b"[nested too deep]" in lines[-1] and len(lines[-1]) < 1_000
    assert main(["export", "--check", str(dest)]) == 0, capsys.readouterr().out


def _forge(dest: Path, rel: str, data: bytes) -> None:
    """`rel` in the export made `data`, and listed so in its manifest (digest and size)."""
    (dest / rel).parent.mkdir(parents=True, exist_ok=True)
    (dest / rel).write_bytes(data)
    manifest = orjson.loads((dest / "manifest.json").read_bytes())
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (dest / "manifest.json").write_bytes(orjson.dumps(manifest))


@pytest.mark.parametrize("where", ["sessions", "traces", "trajectories"])
@pytest.mark.parametrize("levels", [300, 100_000])
def test_a_line_too_deep_in_an_export_to_check_is_one_line_problem(tmp_path, capsys, where, levels):
    deep = b"[" * levels + b"]" * levels
    fmt = "raw" if where == "sessions" else "atif"
    dest = _export(tmp_path, _bucket(tmp_path, False), fmt, capsys)
    manifest = orjson.loads((dest / "manifest.json").read_bytes())
    if where == "traces":
        rel, data = "traces/x.jsonl", deep + b"\n"
    else:
        rel = next(r for r in sorted(manifest["files"]) if r.startswith(f"{where}/"))
        data = (dest / rel).read_bytes().rstrip(b"\n") + b"\n" + deep + b"\n" if fmt == "raw" else deep
    _forge(dest, rel, data)
    code = main(["export", "--check", str(dest), "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Recursion" not in out
    report = json.loads(out)
    said = [p["problem"] for p in report["problems"] if p["file"] == rel]
    assert code == 1 and len(said) == 1 and SAID in said[0], report["problems"]
    assert "\n" not in said[0] and len(said[0]) < 300


@pytest.mark.parametrize("levels", [300, 100_000])
def test_a_capsule_member_too_deep_is_refused_in_one_line(levels):
    """A received capsule's member is parsed and written again to check its canonical form: one 300
    levels deep ended that in orjson's JSONEncodeError, a traceback."""
    from tracetui.capsule.archive import CapsuleError
    from tracetui.capsule.manifest import parse_canonical

    with pytest.raises(CapsuleError, match=SAID):
        parse_canonical(b"[" * levels + b"]" * levels, "session.json")
