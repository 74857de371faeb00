"""A short planned value (a user name) is scrubbed wherever the detectors find it, `_` beside it too.

A value shorter than eight characters is replaced elsewhere only as a whole word (`scrub._pattern`),
and the word's bounds counted `_` as a letter; the detectors' do not (`qorvane_backup` holds the user
name `qorvane`). The raw format, which scrubs by value alone, left it; its gate found it, could not
scrub it by value, and refused the session as "a bug: please report it": the receiver got nothing of
a session every other format wrote. Found by exporting a session whose prompt named such a file.
The name is made up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.claude_chat import claude_chat

from tracetui.cli import main

SID = "7d7d7d7d-1111-4222-8333-444455556666"


def _log(folder: Path) -> Path:
    return claude_chat(folder, SID, "/home/qorvane/proj", "restore qorvane_backup.tar please")


@pytest.mark.parametrize("fmt", ["raw", "parquet", "md"])
def test_a_user_name_beside_an_underscore_is_scrubbed_and_the_session_written(tmp_path, capsys, fmt):
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={_log(tmp_path / 'logs')}"]) == 0
    dest = tmp_path / fmt
    capsys.readouterr()
    code = main(["--bucket", str(bucket), "export", str(dest), "--format", fmt, "--sessions", SID[:8],
                 "--accept-suggested", "--json"])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["refused"] == [], report
    written = b"".join(p.read_bytes() for p in dest.rglob("*") if p.is_file() and p.suffix != ".parquet")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        written += str([pq.read_table(p).to_pylist() for p in dest.rglob("*.parquet")]).encode()
    assert b"_backup.tar" in written and b"qorvane" not in written
