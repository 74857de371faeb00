"""`tracetui ls` takes export's and review's selection options (cli/selection.py) and selects by their
code (tracetui.selection), so `ls` previews exactly what an export or a review of the same options takes."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import orjson
import pytest
from codex_subagents import write_pair
from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.cli.selection import add_selection_options
from tracetui.export import Selection, select

FORKS = FIXTURES / "forks"
PI_PARENT = "aaaaaaaa-0000-4000-8000-00000000000a"  # 2026-03-01 10:00
PI_FORK = "bbbbbbbb-0000-4000-8000-00000000000b"  # 2026-03-01 11:00
CODEX_PARENT = "0199cccc-1111-7222-8333-00000000000c"  # 2026-02-01
CODEX_FORK = "0199dddd-1111-7222-8333-00000000000d"  # 2026-02-02
EMPTY = "019e2222-0000-7000-8000-0000000000e0"  # a rollout nothing happened in: hidden as empty


@pytest.fixture
def bucket(tmp_path) -> Path:
    src = tmp_path / "src"
    (src / "pi").mkdir(parents=True)
    for path in FORKS.glob("2026-*.jsonl"):
        shutil.copy(path, src / "pi")
    codex = write_pair(src / "codex")
    for path in FORKS.glob("rollout-*.jsonl"):
        shutil.copy(path, codex)
    meta = {"id": EMPTY, "cwd": "/w/calc", "cli_version": "0.140.0"}
    line = {"timestamp": "2026-05-03T10:00:00.000Z", "type": "session_meta", "payload": meta}
    (codex / f"rollout-2026-05-03T10-00-00-{EMPTY}.jsonl").write_bytes(orjson.dumps(line) + b"\n")
    b = Bucket.open(tmp_path / "bucket")
    b.sync(sources={"pi": [src / "pi"], "codex": [codex]})
    b.close()
    return tmp_path / "bucket"


def ls(capsys, bucket: Path, *argv: str) -> list[str]:
    assert main(["ls", "--bucket", str(bucket), *argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return [row["id"] for row in orjson.loads(out)]


def exported(bucket: Path, selection: Selection) -> list[str]:
    """What an export (and a review) of the selection takes, newest first as `ls` lists."""
    b = Bucket.open(bucket)
    try:
        return [row.id for row in reversed(select(b, selection))]
    finally:
        b.close()


def test_ls_takes_each_selection_option_and_lists_what_an_export_takes(capsys, bucket):
    cases = [
        ((), Selection()),
        (("--since", "2026-03-01"), Selection(since="2026-03-01")),
        (("--until", "2026-02-02"), Selection(until="2026-02-02")),
        (("--since", "2026-02-02", "--until", "2026-03-01T10:30:00Z"),
         Selection(since="2026-02-02", until="2026-03-01T10:30:00Z")),
        (("--agent", "codex", "--since", "2026-02-02"), Selection(agent="codex", since="2026-02-02")),
        (("--project", "calc"), Selection(project="calc")),
        (("explorers",), Selection(query="explorers")),
        (("--sessions", PI_FORK[:8], CODEX_PARENT), Selection(sessions=(PI_FORK[:8], CODEX_PARENT))),
        (("--sessions", PI_FORK, "--agent", "codex"), Selection(agent="codex", sessions=(PI_FORK,))),
    ]
    seen = []
    for argv, selection in cases:
        listed = ls(capsys, bucket, *argv)
        assert listed == exported(bucket, selection), argv
        seen.append(tuple(listed))
    assert len(set(seen)) == len(cases) and seen[-1] == ()  # each listed something else
    assert ls(capsys, bucket, "--since", "2026-03-01", "--until", "2026-03-01") == [PI_FORK, PI_PARENT]
    assert ls(capsys, bucket, "--until", "2026-02-02") == [CODEX_FORK, CODEX_PARENT]


def test_ls_keeps_its_own_limit_and_all_within_the_selection(capsys, bucket):
    assert EMPTY not in ls(capsys, bucket, "--since", "2026-05-01")  # as an export leaves it out
    assert EMPTY in ls(capsys, bucket, "--since", "2026-05-03", "--all")
    assert ls(capsys, bucket, "--since", "2026-02-01", "--limit", "1") == ls(capsys, bucket)[:1]
    assert main(["ls", "--bucket", str(bucket), "--since", "2026-05-01"]) == 0
    out = capsys.readouterr().out
    assert "(1 session not listed: empty 1; `tracetui ls --all`)" in out
    assert main(["ls", "--bucket", str(bucket), "--until", "2026-04-01"]) == 0
    assert "not listed" not in capsys.readouterr().out  # the empty one is outside these dates


@pytest.mark.parametrize(
    ("argv", "said", "code"),
    [
        (("--since", "last tuesday"), "expected a date like 2026-05-01 or an ISO time, got 'last tuesday'", 2),
        (("--since", "2026-03-02", "--until", "2026-03-01"),
         "--since is after --until: no session can match", 2),
        (("--sessions", "zzzz"), "no session id starts with 'zzzz'", 1),  # 2: usage errors; 1: no such session
    ],
)
def test_a_bad_selection_is_one_line(capsys, bucket, argv, said, code):
    assert main(["ls", "--bucket", str(bucket), *argv]) == code
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and said in err


def _options(add) -> set[str]:
    parser = argparse.ArgumentParser()
    add(parser)
    return {a.dest for a in parser._actions} - {"help"}


def test_ls_export_and_review_take_the_same_selection_options(capsys):
    wanted = _options(add_selection_options)
    for command in ("ls", "export", "review"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        for flag in ("--agent", "--project", "--since", "--until", "--sessions", "QUERY"):
            assert flag in text, (command, flag)
    assert wanted == {"query", "agent", "project", "since", "until", "sessions"}
