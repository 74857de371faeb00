"""Hostile queries, from the user or from anything that hands one on (the app's filter box, an
export's or a review's selection): FTS5 syntax, `kind:` with odd values, NUL, text that is not UTF-8,
100 KB of it, and dates at the calendar's edges. Each is an answer (perhaps "nothing matches") or one
clear line, never an SQLite error text or a traceback, and never slow."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta, timezone

import pytest
from support.param_ids import short

from shared_data import FIXTURES
from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.errors import NotFound
from tracetui.model import SessionFilter
from tracetui.selection import parse_moment
from tracetui.library import MemoryLibrary
from tracetui.ui.query import parse_query

HUGE = {
    "100k-word": "a" * 100_000,
    "100k-words": " ".join(f"w{i}" for i in range(20_000)),
    "100k-quotes": '"' * 100_000,
    "100k-stars": "* " * 50_000,
    "100k-near": "NEAR(" * 20_000,
    "100k-percent": "%_\\" * 34_000,
    "100k-kinds": "kind:" + ",".join(["user"] * 20_000),
    "100k-kind": "kind:" + "u" * 100_000,
    "100k-wide": "\u4e00" * 30_000,
}
SYNTAX = [
    '"', '"unterminated', "NEAR(a b", "NEAR(a b, -1)", "*", "a*", "*a", "^fix", "(", ")", "a AND", "OR",
    "NOT", "-foo", "+", "said:fix", "injected:fix", "{said injected}:fix", "rowid:1", "steps_fts:fix",
    "kind:", "kind:*", "kind:\"", "kind:../x", "kind:,,,", "kind:all kind:context", 'fix" OR "a',
    "a\x00b", "\x00", "fix\x00", "kind:\x00user", "\ud800", "todo \udcff", "\uffff\ufffe", "\x1b[2J",
]  # fmt: skip


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("q")
    src = tmp / "src"
    src.mkdir()
    shutil.copy(FIXTURES / "codex" / "current.jsonl", src / "rollout-2025-10-01T09-00-00-0199aaaa.jsonl")
    b = Bucket.open(tmp / "b")
    b.sync({"codex": [src]})
    assert b.list_sessions()
    yield b
    b.close()


def _quick(call):
    started = time.process_time()
    result = call()
    assert time.process_time() - started < 2
    return result


@pytest.mark.parametrize("query", [*SYNTAX, *HUGE.values()], ids=[*map(repr, SYNTAX), *HUGE])
def test_a_hostile_query_answers_search_and_the_list_filter(bucket, query):
    _quick(lambda: bucket.search(query))
    _quick(lambda: bucket.list_sessions(SessionFilter(text=query)))
    _quick(lambda: bucket.count_sessions(SessionFilter(text=query)))


def test_a_nul_separates_words_as_a_space_does(bucket):
    assert len(bucket.search("todo\x00file")) == len(bucket.search("todo file")) > 0
    nul = bucket.list_sessions(SessionFilter(text="todo\x00file"))
    assert nul == bucket.list_sessions(SessionFilter(text="todo file")) != []


@pytest.mark.parametrize("query", ["a\x00b", "\udcff", "a" * 100_000], ids=short)
def test_a_hostile_query_answers_in_an_opened_capsules_library(bucket, query):
    library = MemoryLibrary([bucket.session(bucket.list_sessions()[0].id)])
    _quick(lambda: library.search(query))
    _quick(lambda: library.list_sessions(SessionFilter(text=query)))


@pytest.mark.parametrize("key", ["a" * 100_000, "\udcff", "\x00", "%", "_" * 60_000], ids=short)
def test_a_hostile_session_id_is_not_found_in_one_short_line(bucket, key):
    with pytest.raises(NotFound) as caught:
        _quick(lambda: bucket.resolve(key))
    assert len(str(caught.value)) < 200 and "\x00" not in str(caught.value)


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "sqlite" not in (out + err).lower()
    assert "\x00" not in out + err and "\x1b" not in out + err
    return code, out + err


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "\udcff"],
        ["search", "a\x00b"],
        ["search", "a" * 100_000],
        ["show", "\udcff"],
        ["show", "a" * 100_000],
        ["trail", "\udcff"],
        ["ls", "--project", "\udcff"],
        ["review", "\udcff"],
        ["review", "--project", "\udcff"],
        ["review", "--sessions", "\udcff"],
        ["review", "a" * 100_000],
    ],
    ids=lambda argv: " ".join(a[:12].encode("unicode_escape").decode() for a in argv),
)
def test_the_cli_on_an_argument_that_is_not_utf8_or_is_huge_says_one_line(bucket, capsys, argv):
    code, text = _cli(capsys, *argv[:1], "--bucket", str(bucket.root), *argv[1:])
    assert len(text) < 2_000, text[:300]
    assert code in (0, 1, 2)  # success, a runtime refusal (one sentence), or a usage error


@pytest.mark.parametrize("offset", [14, -12])
@pytest.mark.parametrize(
    "box",
    ["until:9999-12-31", "since:0001-01-01", "since:9999-12-31", "until:0001-01-01", "since:0999-05-05"],
)
def test_the_filter_box_takes_the_calendars_first_and_last_days(box, offset):
    query = parse_query(box, datetime(2026, 5, 1, 12, tzinfo=timezone(timedelta(hours=offset))))
    for moment in (query.since, query.until):
        assert moment is None or (len(moment) == 19 and moment[4] == "-")  # sorts as the logs' times do
    if box == "since:0999-05-05":
        assert query.since is not None and query.since < "2026"


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "9999-12-31"])
def test_an_export_selection_at_the_calendars_edge_is_a_moment(value):
    assert parse_moment(value).tzinfo is not None
    assert parse_moment(value, end=True).tzinfo is not None


def test_review_and_export_at_the_calendars_edge_choose_every_session(bucket, capsys):
    code, text = _cli(
        capsys, "review", "--bucket", str(bucket.root), "--since", "0001-01-01T00:00:00+05:00",
        "--until", "9999-12-31T23:00:00-05:00",
    )  # fmt: skip
    assert code == 0 and text.startswith("1 session")


@pytest.fixture(scope="module")
def wordy(tmp_path_factory):
    """A bucket where one word is in every one of 2,000 steps."""
    import orjson

    tmp = tmp_path_factory.mktemp("wordy")
    src = tmp / "src"
    src.mkdir()
    meta = {"id": "019e0000-0000-7000-8000-000000000001", "cwd": "/w/p", "cli_version": "0.130.0"}
    lines = [{"timestamp": "2026-05-01T10:00:00.000Z", "type": "session_meta", "payload": meta}]
    for n in range(1000):
        for role, kind in (("user", "input_text"), ("assistant", "output_text")):
            content = [{"type": kind, "text": f"the step {n} of the work"}]
            payload = {"type": "message", "role": role, "content": content}
            stamp = "2026-05-01T10:00:01.000Z"
            lines.append({"timestamp": stamp, "type": "response_item", "payload": payload})
    name = "rollout-2026-05-01T10-00-00-019e0000-0000-7000-8000-000000000001.jsonl"
    (src / name).write_bytes(b"\n".join(orjson.dumps(x) for x in lines) + b"\n")
    b = Bucket.open(tmp / "b")
    b.sync({"codex": [src]})
    yield b
    b.close()


@pytest.mark.parametrize(
    "query",
    ["the " * 20_000, "The the THE " * 7_000, "kind:all " + "work the " * 10_000],
    ids=["the", "The", "kind"],
)
def test_a_word_repeated_thousands_of_times_costs_what_the_word_once_does(wordy, query):
    once = wordy.search("the work")
    assert len(_quick(lambda: wordy.search(query))) == len(once) > 0
    assert _quick(lambda: wordy.count_sessions(SessionFilter(text=query))) == 1
