"""`export --format agent-trace` on real logs: a Codex session whose repository is mirrored (its git
folder beside its files, as the mirrors keep them) gives records valid by the spec's published schema,
its transformed lines `mixed`; a Gemini session that repository does not hold is skipped, one line."""

from __future__ import annotations

import shutil

import orjson
import pytest
from support.agent_trace_schema import valid_record

from shared_data import CORPUS, mirror
from tracetui.cli import main

pytestmark = [pytest.mark.corpus, pytest.mark.slow]  # a sync, a trail and nine files blamed: ~10 s

CODEX_SID = "019aad50-a7e6-7422-b7a8-0b384290624f"
LOGS = {
    "codex": f"pinouchon__rtchess__dev_history__{CODEX_SID}_rtchess_1.jsonl",
    "gemini": "Pasha1213123123__short__.gemini__chats__session-2026-03-09T18-05-0e9049f5.json",
}


def test_a_mirrored_session_s_records_and_a_skipped_one(tmp_path, capsys) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the real session logs are not at {CORPUS} (a user's clone has none)")
    clone = mirror("pinouchon", "rtchess")
    if clone is None:
        pytest.skip("pinouchon/rtchess was not fetched into the mirrors")
    args = []
    for agent, name in LOGS.items():
        folder = tmp_path / "logs" / agent
        folder.mkdir(parents=True)
        shutil.copy(CORPUS / agent / name, folder / name)  # a temporary copy, never into the repository
        args += ["--source", f"{agent}={folder}"]
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", *args]) == 0
    dest = tmp_path / "out"
    capsys.readouterr()
    assert main([*bucket, "export", str(dest), "--format", "agent-trace", "--repo", str(clone),
                 "--accept-suggested"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert "exported 1 of 2 session(s)" in out
    [skipped] = [line for line in err.splitlines() if line.startswith("skipped:")]
    [path] = list(dest.glob(f"traces/codex/{CODEX_SID}.jsonl"))
    kinds: dict[str, int] = {}
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert len(records) >= 5
    for rec in records:
        valid_record(rec)
        assert rec["metadata"]["dev.tracetui"]["repository"].endswith("+rtchess")  # the user name scrubbed
        for conv in rec["files"][0]["conversations"]:
            for r in conv["ranges"]:
                kind = r.get("contributor", conv["contributor"])["type"]
                kinds[kind] = kinds.get(kind, 0) + r["end_line"] - r["start_line"] + 1
    # the trail judged most of its kept work edited since: blame names those lines mixed
    assert kinds.get("mixed", 0) > kinds.get("ai", 0) > 0 and set(kinds) <= {"ai", "mixed"}
    assert main(["export", "--check", str(dest)]) == 0
