"""No byte of a hostile log or capsule acts on the terminal through the CLI: every command, as a
table and as --json, and every error line, is free of ESC, C1, BEL and bidi controls."""

from __future__ import annotations

import sys

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.model import SessionFilter

sys.path.insert(0, str(FIXTURES))
from hostile import FORBIDDEN, SESSIONS, hostile_logs


@pytest.fixture(scope="module")
def hostile_bucket(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    sources = hostile_logs(tmp / "src", tmp / "canary")
    (tmp / "canary").mkdir()
    with Bucket.open(tmp / "b") as bucket:
        report = bucket.sync(sources)
        ids = [r.id for r in bucket.list_sessions()]
    assert report.sessions == SESSIONS, report.errors
    return tmp, sources, ids


def _clean(text: str) -> None:
    for ch in FORBIDDEN:
        assert ch not in text, f"{ch!r} reached the terminal"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    _clean(out)
    _clean(err)
    return code, out, err


def test_every_listing_is_clean_as_a_table_and_as_json(hostile_bucket, capsys):
    tmp, sources, ids = hostile_bucket
    b = ["--bucket", str(tmp / "b")]
    for json_flag in ([], ["--json"]):
        assert _run(capsys, *b, "ls", *json_flag)[0] == 0
        code, _, err = _run(capsys, *b, "search", "evil", *json_flag)
        assert code == 0, err
        for sid in ids:
            assert _run(capsys, *b, "show", sid, *json_flag)[0] == 0
            assert _run(capsys, *b, "trail", sid, *json_flag)[0] == 0
            code, _, err = _run(capsys, *b, "scan", sid, "--no-save", *json_flag)
            assert code == 0, err


def test_json_output_still_carries_the_text_exactly(hostile_bucket, capsys):
    tmp, _, ids = hostile_bucket
    code, out, _ = _run(capsys, "--bucket", str(tmp / "b"), "show", ids[0], "--json")
    doc = orjson.loads(out)
    assert any("\x1b]52;" in (s.get("text") or "") for s in doc["steps"]), "the escapes must round-trip"


def test_error_lines_that_quote_hostile_ids_are_clean(hostile_bucket, capsys):
    tmp, _, ids = hostile_bucket
    b = ["--bucket", str(tmp / "b")]
    hostile_prefix = "\x1b]0;x\x07\x9b\u202e"
    code, _, err = _run(capsys, *b, "show", hostile_prefix)
    assert code == 1 and err.count("\n") == 1
    code, _, err = _run(capsys, *b, "seal", ids[0], "--steps", "900:901", "-o", str(tmp / "x.capsule"))
    assert code == 1 and err.count("\n") == 1
    code, out, err = _run(capsys, *b, "show", hostile_prefix, "--json")
    assert code == 1 and "error" in orjson.loads(out)


def test_sync_errors_naming_hostile_paths_are_clean(tmp_path, capsys):
    folder = tmp_path / "src\x1b]0;x\x07"
    folder.mkdir()
    (folder / "a\x9b31m.jsonl").write_bytes(b"{not json\n")
    _run(capsys, "--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={folder}")
    _run(capsys, "--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={folder}", "--json")


def test_rm_and_a_marked_search_of_hostile_sessions_are_clean(tmp_path, capsys):
    # Its own bucket: removing sessions must not change what the other tests here see.
    sources = hostile_logs(tmp_path / "src", tmp_path / "canary")
    (tmp_path / "canary").mkdir()
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(sources)
        ids = [r.id for r in bucket.list_sessions(SessionFilter(include_hidden=True))]
    b = ["--bucket", str(tmp_path / "b")]
    assert _run(capsys, *b, "search", "evil")[0] == 0
    for n, sid in enumerate(ids):
        code, out, err = _run(capsys, *b, "rm", sid, "--yes", *(["--json"] if n % 2 else []))
        assert code == 0, err


def test_review_seal_export_and_doctor_of_hostile_sessions_are_clean(hostile_bucket, capsys, tmp_path):
    tmp, sources, ids = hostile_bucket
    b = ["--bucket", str(tmp / "b")]
    source = [a for agent, folders in sources.items() for a in ("--source", f"{agent}={folders[0]}")]
    for json_flag in ([], ["--json"]):
        _run(capsys, *b, "review", *json_flag)
        _run(capsys, *b, *source, "sync", *json_flag)
        _run(capsys, *b, "doctor", *json_flag)
        for n, sid in enumerate(ids):
            # Refused while suggestions wait (the listing quotes fields and kinds), then sealed.
            _run(capsys, *b, "seal", sid, "-o", str(tmp_path / f"{n}.capsule"), *json_flag)
            _run(
                capsys,
                *b,
                "seal",
                sid,
                "--accept-suggested",
                "-o",
                str(tmp_path / f"{n}.capsule"),
                *json_flag,
            )
            _run(capsys, *b, "capsule", "verify", str(tmp_path / f"{n}.capsule"), *json_flag)
        for fmt in ("md", "html"):
            dest = tmp_path / f"{fmt}{len(json_flag)}"
            code, _, err = _run(capsys, *b, "export", str(dest), "--format", fmt, "--sessions", ids[0],
                                "--accept-suggested", *json_flag)  # fmt: skip
            assert code == 0, err
            for page in dest.glob(f"*.{fmt}"):
                _clean(page.read_text(encoding="utf-8"))  # a page someone may `cat`
        _run(capsys, *b, "export", "--check", str(tmp_path / "md0"), *json_flag)
    _run(capsys, "keys")
    assert len(list(tmp_path.glob("*.capsule"))) == len(ids), "every hostile session seals"


def test_an_export_of_hostile_sessions_names_plain_files_inside_its_folder(hostile_bucket, capsys, tmp_path):
    """Session ids, agents and titles from a log name the exported files: every file stays inside the
    destination, under a plain name, in every format."""
    import re

    tmp, _, _ = hostile_bucket
    plain = re.compile(r"[A-Za-z0-9._=-]+")
    for fmt in ("raw", "atif", "parquet"):
        dest = tmp_path / fmt
        code, _, err = _run(capsys, "--bucket", str(tmp / "b"), "export", str(dest), "--format", fmt,
                            "--accept-suggested")  # fmt: skip
        assert code == 0, err
        files = [p for p in dest.rglob("*") if p.is_file()]
        assert len(files) > SESSIONS
        for path in files:
            assert path.resolve().is_relative_to(dest.resolve())
            assert all(plain.fullmatch(part) for part in path.relative_to(dest).parts), path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atif", "parquet", "raw"]
