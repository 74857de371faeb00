"""The peers benchmark lays the corpus out as a Claude Code home and still reports tracetui's figures."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from shared_data import CORPUS, requires_corpus, ROOT

BENCH = ROOT / "bench" / "bench_peers.py"
sys.path.insert(0, str(BENCH.parent))


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("o__r__.claude__projects__-Users-a-x__1b2c.jsonl", "-Users-a-x/1b2c.jsonl"),
        ("o__r__.claude__projects__-p__1b2c__subagents__agent-a9.meta.json", "-p/1b2c/subagents/agent-a9.meta.json"),
        ("o__r__tests__fixtures__transcript.jsonl", "-corpus-transcripts/o__r__tests__fixtures__transcript.jsonl"),
    ],
)
def test_a_corpus_file_goes_where_claude_code_put_it(name: str, where: str) -> None:
    from bench_peers import claude_path

    assert claude_path(name).as_posix() == where


@requires_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_bench_peers_reports_tracetui_cold_and_again(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH), "--mb", "1", "--runs", "1", "--only", "tracetui", "--tmp", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env={"TRACETUI_CORPUS": str(CORPUS), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    row = result["peers"]["tracetui"]
    assert row["exit_codes"] == [0] and "new" in row["said"]
    assert row["cold"]["wall_s"] > 0 and row["again"]["cpu_s"] > 0 and result["parse"]["bytes"] > 0
    claude_files = sum(1 for p in (CORPUS / "claude").iterdir() if p.is_file())
    assert result["files"] == claude_files  # one replica, every file laid out
