"""Evals on real logs (issue 38): sessions whose repositories are mirrored get git's labels, each in
its own repository; the others are undecided and count for nothing, so their cohorts are blocked."""

from __future__ import annotations

import shutil

import orjson
import pytest

from shared_data import CORPUS, MIRRORS, mirror
from tracetui.cli import main

pytestmark = [pytest.mark.corpus, pytest.mark.slow]  # a sync and two trails of real logs: ~15 s

# Two logs whose repositories the mirrors hold, and one whose repository is nowhere here.
LOGS = {
    "codex": "pinouchon__rtchess__dev_history__019aad50-a7e6-7422-b7a8-0b384290624f_rtchess_1.jsonl",
    "claude": "TensorTemplar__slopometry__tests__fixtures__transcript.jsonl",
    # (Pasha1213123123/short's log was the one nowhere here until --clones placed it: trail.md.)
    "gemini": "yoavf__ai-sessions__examples__gemini-cli-pomodoro-timer.json",
}


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    if not CORPUS.is_dir():
        pytest.skip(f"the real session logs are not at {CORPUS} (a user's clone has none)")
    if mirror("pinouchon", "rtchess") is None or mirror("TensorTemplar", "slopometry") is None:
        pytest.skip("pinouchon/rtchess and TensorTemplar/slopometry were not fetched into the mirrors")
    root = tmp_path_factory.mktemp("evals-corpus")
    args = []
    for agent, name in LOGS.items():
        folder = root / "logs" / agent
        folder.mkdir(parents=True)
        shutil.copy(CORPUS / agent / name, folder / name)  # a temporary copy, never into the repository
        args += ["--source", f"{agent}={folder}"]
    assert main(["--bucket", str(root / "b"), "sync", *args]) == 0
    return root / "b"


def test_eval_judges_the_mirrored_sessions_and_blocks_the_rest(synced, capsys) -> None:
    capsys.readouterr()
    assert main(["--bucket", str(synced), "eval", "--by", "agent", "--clones", str(MIRRORS), "--min", "2",
                 "--json"]) == 0  # fmt: skip
    cohorts = {c["cohort"]: c for c in orjson.loads(capsys.readouterr().out)["cohorts"]}
    for agent in ("codex", "claude"):  # one session each, its work judged in its own repository
        (labels,) = cohorts[agent]["labels"]
        decided = sum(labels["lines"][k] for k in ("alive", "transformed", "reverted", "lost"))
        assert decided > 0 and labels["labelled"], labels
        assert cohorts[agent]["status"] == "blocked_too_few"
    (gemini,) = cohorts["gemini"]["labels"]
    assert sum(gemini["lines"][k] for k in ("alive", "transformed", "reverted", "lost")) == 0
    assert cohorts["gemini"]["status"] in ("blocked_no_labels", "blocked_too_few")
    assert main(["--bucket", str(synced), "eval", "--by", "agent", "--clones", str(MIRRORS), "--compare",
                 "codex", "claude"]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("blocked_too_few: codex: 1 of 5 labelled sessions")
