"""`tracetui review` and `export` choose sessions by QUERY, --project, --since, --until and --sessions
(tracetui/cli/selection.py), and review decides by --accept/--reject ID: each given a hostile value
(controls, bidi, markup, NUL, not UTF-8, 100 KB, a date past the calendar) answers or says one clean
line, as a table and as --json, never a traceback."""

from __future__ import annotations

import sys

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.cli import main

sys.path.insert(0, str(FIXTURES))
from hostile import FORBIDDEN, hostile_logs  # noqa: E402

EVIL = "\x1b]52;c;ZXZpbA==\x07\u202e[@click=app.quit]x[/]\x9b"
VALUES = [EVIL, "\udcff", "a\x00b", "%_\\", "x" * 100_000, "", " ", "-", "kind:\x1b"]


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sel")
    sources = hostile_logs(tmp / "src", tmp / "canary")
    (tmp / "canary").mkdir(exist_ok=True)
    with Bucket.open(tmp / "b") as b:
        b.sync(sources)
    return tmp / "b"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code: int | str | None
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own refusal
        code = exc.code
    out, err = capsys.readouterr()
    for ch in FORBIDDEN:
        assert ch not in out + err, f"{ch!r} reached the terminal"
    assert "Traceback" not in err and len(err) < 2_000, err[:300]
    assert isinstance(code, int) and code in (0, 1, 2)  # success, a runtime refusal (one sentence), or a usage error
    return code, out, err


@pytest.mark.parametrize("value", VALUES, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize(
    "option", ["QUERY", "--project", "--sessions", "--since", "--until", "--accept", "--reject"]
)
@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_review_with_a_hostile_selection_or_decision(bucket, capsys, option, value, as_json):
    chosen = [value] if option == "QUERY" else [option, value]
    if option == "QUERY" and value.startswith("-"):
        chosen = ["--", value]
    flags = ["--json"] if as_json else []
    code, out, _ = _run(capsys, "review", "--bucket", str(bucket), *flags, *chosen)
    if as_json:
        doc = orjson.loads(out)
        assert isinstance(doc, dict)


@pytest.mark.parametrize("value", VALUES[:5], ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("option", ["QUERY", "--project", "--sessions", "--since"])
def test_export_with_a_hostile_selection(bucket, capsys, tmp_path, option, value):
    chosen = [value] if option == "QUERY" else [option, value]
    _run(capsys, "export", str(tmp_path / "out"), *chosen, "--bucket", str(bucket), "--format", "raw")
    # argparse's own errors (an argument it cannot place) say the argument back, safely
    _run(capsys, "export", str(tmp_path / "out"), "--bucket", str(bucket), "--format", "raw", "x", *chosen)
    for path in (tmp_path / "out").rglob("*") if (tmp_path / "out").exists() else ():
        assert path.resolve().is_relative_to((tmp_path / "out").resolve())
