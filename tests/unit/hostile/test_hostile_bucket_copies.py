"""The bucket's copy of a log (`raw/<key>.<gen>.zst`) is appended to when the log grows: opened
`r+b`, cut at the length the sidecar records, then written. The bucket is anyone's who has the
folder, and a link planted in the copy's place had the sync cut and write the file the link named
(any file of the user's: here a stand-in, cut and overwritten with zstd frames); a FIFO there would
be opened the same way. The copy is opened only as a regular file of its own now; anything else is
a damaged copy, and the log is copied anew."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import orjson
import pytest
from support.cli_zygote import forked_cli
from support.fixture_bucket import log_folder

MORE = (b'{"type":"message","id":"zz","parentId":"b0000004","timestamp":"2026-02-01T09:10:00.000Z",'
        b'"message":{"role":"user","content":"more"}}\n')  # fmt: skip


def _tracetui(tmp: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return forked_cli(*argv, timeout=60, env={**os.environ, "HOME": str(tmp / "home")})


@pytest.mark.parametrize("kind", ["link", "link to a file the sidecar says is empty", "fifo"])
def test_a_growing_log_never_writes_through_what_is_planted_as_its_copy(tmp_path, kind):
    src = log_folder(tmp_path)
    bucket = ["--bucket", str(tmp_path / "b")]
    assert _tracetui(tmp_path, *bucket, "sync", "--source", f"pi={src}").returncode == 0
    (copy,) = (tmp_path / "b" / "raw").glob("*.zst")
    outside = tmp_path / "precious.txt"
    outside.write_bytes(b"the user's own file\n" * 100)
    before = outside.read_bytes()
    copy.unlink()
    if kind == "fifo":
        os.mkfifo(copy)
    else:
        copy.symlink_to(outside)
    if kind.endswith("empty"):
        (sidecar,) = (tmp_path / "b" / "raw").glob("*.json")
        doc = orjson.loads(sidecar.read_bytes())
        sidecar.write_bytes(orjson.dumps({**doc, "stored": 0}))
    with open(src / "a.jsonl", "ab") as fh:
        fh.write(MORE)
    out = _tracetui(tmp_path, *bucket, "sync", "--source", f"pi={src}", "--json")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-400:]
    assert outside.read_bytes() == before
    shown = _tracetui(tmp_path, *bucket, "show", "33333333", "--json")
    assert shown.returncode == 0 and "more" in [s.get("text") for s in orjson.loads(shown.stdout)["steps"]]
