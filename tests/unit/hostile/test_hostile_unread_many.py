"""A log of a hundred thousand unreadable lines, which costs its writer 300 KB (`[]` a line): each was
kept with the session as a line of its own, passed from the sync's worker, stored, loaded again at
every `show`, and printed by the sync, a row each. A million of them took 25 s and 1.6 GB to sync
and printed a million rows (found 2026-11-28). The first MAX_LINE_ERRORS are said one by one now
and the rest are counted; every count still says how many lines were lost.
(test_hostile_unread.py holds the hostile text of such lines.)"""

from __future__ import annotations

import orjson
from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.model import MAX_LINE_ERRORS
from tracetui.views import unread

SESSION = "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90"
BAD = 100_000


def test_a_hundred_thousand_unreadable_lines_are_counted_not_listed(tmp_path, capsys):
    log = FIXTURES / "bucket" / "claude" / "-home-dev-widgets" / f"{SESSION}.jsonl"
    src = tmp_path / "src" / "proj"
    src.mkdir(parents=True)
    (src / log.name).write_bytes(log.read_bytes() + b"[]\n" * BAD)
    bucket = str(tmp_path / "b")
    assert main(["--bucket", bucket, "sync", "--source", f"claude={tmp_path / 'src'}"]) == 0
    out = capsys.readouterr().out
    assert f"{BAD} lines or files skipped" in out
    assert len(out.splitlines()) < MAX_LINE_ERRORS + 20
    with Bucket.open(bucket) as b:
        session = b.session(SESSION)
    assert len(session.errors) <= MAX_LINE_ERRORS + 2 and len(session.steps) == 4  # every record of the log read
    assert unread.count_text(session) == f"{BAD} lines not read"
    assert main(["--bucket", bucket, "show", SESSION, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert sum(e.get("count", 1) for e in doc["errors"]) == BAD
