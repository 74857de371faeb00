"""People's ratings (issue 38): kept in the bucket outside its index, so they survive deleting the
index and a re-sync; `tracetui rate` keeps them, `doctor` checks them, a bad line loses nothing."""

from __future__ import annotations

import shutil

import orjson
import pytest

from shared_data import FIXTURES
from tracetui.bucket import Bucket, doctor
from tracetui.cli import main
from tracetui.errors import TracetuiError

SHOP = FIXTURES / "claude" / "projects" / "-home-dev-shop"
REWIND = "11111111-1111-4111-8111-111111111111"


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    root = tmp_path_factory.mktemp("ratings")
    logs = root / "claude"
    shutil.copytree(SHOP, logs / "-home-dev-shop")
    with Bucket.open(root / "b") as b:
        b.sync({"claude": [logs]}, workers=1)
    return root / "b", logs


def test_ratings_survive_deleting_the_index_and_a_resync(synced, capsys) -> None:
    bucket, logs = synced
    assert main(["rate", REWIND[:8], "good", "--note", "did\nthe job\x1b[31m", "--bucket", str(bucket)]) == 0
    assert "rated 11111111-1111-4111-8111-111111111111 good" in capsys.readouterr().out
    assert main(["rate", f"{REWIND}:1", "bad", "--bucket", str(bucket), "--json"]) == 0
    step = orjson.loads(capsys.readouterr().out)
    assert (step["session"], step["index"], step["verdict"]) == (REWIND, 1, "bad")
    (bucket / "index.sqlite").unlink()
    with Bucket.open(bucket) as b:  # rebuilt from the copies
        b.sync({"claude": [logs]}, workers=1)
        kept = b.ratings()
    assert [(r.session, r.index, r.verdict) for r in kept] == [(REWIND, None, "good"), (REWIND, 1, "bad")]
    assert kept[0].note is not None and "\x1b" not in kept[0].note and "\n" not in kept[0].note


def test_a_later_rating_replaces_the_earlier(synced) -> None:
    bucket, _ = synced
    with Bucket.open(bucket) as b:
        b.rate(REWIND, "bad", note="on second look")
        b.rate(REWIND, "good", note="fixed after all")
        whole = [r for r in b.ratings() if r.step is None]
    assert [(r.verdict, r.note) for r in whole] == [("good", "fixed after all")]


def test_bad_input_is_one_clear_error(synced, capsys) -> None:
    bucket, _ = synced
    with Bucket.open(bucket) as b:
        with pytest.raises(TracetuiError, match="has no step '9999'"):
            b.rate(REWIND, "good", step="9999")
        with pytest.raises(TracetuiError, match="good or bad"):
            b.rate(REWIND, "meh")
    assert main(["rate", "zzzz", "good", "--bucket", str(bucket)]) == 1
    assert "no session id starts with" in capsys.readouterr().err


def test_doctor_names_a_damaged_line_and_keeps_it(synced) -> None:
    bucket, _ = synced
    with Bucket.open(bucket) as b:  # two good lines of its own, whatever ran before it (xdist splits a module)
        b.rate(REWIND, "good")
        b.rate(REWIND, "bad", step="1")
    path = bucket / "ratings.jsonl"
    before = path.read_bytes()
    path.write_bytes(before + b'{"session": "torn", "verd\n')
    try:
        with Bucket.open(bucket) as b:
            report = doctor(b)
            assert len(b.ratings()) >= 2  # the good lines are still read
        found = [p for p in report.problems if "ratings" in p.what]
        assert len(found) == 1 and not found[0].repaired and "no rating" in found[0].what
        assert path.read_bytes().startswith(before)  # nothing deleted
    finally:
        path.write_bytes(before)


def test_exports_carry_the_ratings_as_labels(synced, tmp_path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from tracetui.export import ExportOptions, Selection, export

    bucket, _ = synced
    with Bucket.open(bucket) as b:
        b.rate(REWIND, "bad", note="made-up note for the test")
        export(b, tmp_path / "pq", ExportOptions("parquet", accept_suggested=True), Selection(sessions=(REWIND,)))
        export(b, tmp_path / "atif", ExportOptions("atif", accept_suggested=True), Selection(sessions=(REWIND,)))
    rows = pq.read_table(next((tmp_path / "pq" / "data" / "sessions").rglob("*.parquet"))).to_pylist()
    assert [(r["session_id"], r["rating"]) for r in rows] == [(REWIND, "bad")]
    whole = [r for r in orjson.loads(rows[0]["ratings"]) if r["step"] is None]
    assert [(r["verdict"], r["note"]) for r in whole] == [("bad", "made-up note for the test")]
    documents = [orjson.loads(p.read_bytes()) for p in (tmp_path / "atif").rglob("*.json") if p.name != "manifest.json"]
    labels = [d["extra"]["tracetui"]["labels"] for d in documents if "extra" in d]
    assert labels and labels[0]["rating"] == "bad"


def test_eval_scores_the_rated_and_blocks_the_rest(synced, capsys) -> None:
    bucket, _ = synced
    with Bucket.open(bucket) as b:
        b.rate(REWIND, "good")
    assert main(["eval", "--by", "agent", "--bucket", str(bucket), "--json"]) == 0
    whole = orjson.loads(capsys.readouterr().out)
    claude = whole["cohorts"][0]
    # The rated session, and one whose last test run's exit status is its label.
    assert (claude["cohort"], claude["status"], claude["labelled"]) == ("claude", "blocked_too_few", 2)
    assert "label 3 more" in claude["unblock"]
    assert main(["eval", "--by", "agent", "--min", "2", "--where", "agent:claude", "--bucket", str(bucket), "--json"]) == 0
    scored = orjson.loads(capsys.readouterr().out)["cohorts"][0]
    assert scored["status"] == "scored" and scored["scores"]["human_good"]["value"] == 1.0
    assert main(["eval", "--by", "agent", "--min", "2", "--bucket", str(bucket)]) == 0
    text = capsys.readouterr().out
    assert "labelled: scored\n" in text and "    human_good               1.000 n=1 (no interval from one session)" in text
    assert main(["eval", "--compare", "claude", "nobody", "--bucket", str(bucket)]) == 2
    assert "no agent cohort 'nobody'" in capsys.readouterr().err


def test_a_link_in_place_of_the_ratings_is_never_written_through(tmp_path) -> None:
    from tracetui.bucket import ratings as kept

    outside = tmp_path / "outside.txt"
    outside.write_text("not the bucket's\n")
    (tmp_path / kept.FILE_NAME).symlink_to(outside)
    with pytest.raises(TracetuiError, match="cannot write the rating"):
        kept.append(tmp_path, kept.make("s1", "good"))
    assert outside.read_text() == "not the bucket's\n"


def test_lines_that_are_no_rating_are_passed_over(tmp_path) -> None:
    from tracetui.bucket import ratings as kept

    rows = [b'{"session": "s1", "verdict": "good", "step": null, "index": null, "note": "ok", "at": "x"}',
            b'{"session": "s2", "verdict": "excellent"}', b"[1, 2]", b'{"session": "s3", "verdict": "bad", "index": true}',
            b'{"session": "s4", "verdict": "bad", "note": "' + b"n" * 5000 + b'"}', b"\xff\xfe"]  # fmt: skip
    (tmp_path / kept.FILE_NAME).write_bytes(b"\n".join(rows) + b"\n")
    found, bad = kept.read(tmp_path)
    assert [(r.session, r.verdict) for r in found] == [("s1", "good")]
    assert bad == [2, 3, 4, 5, 6]
