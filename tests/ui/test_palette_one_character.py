"""The palette's search asks for a single character where it is a word alone (an emoji, a Chinese
character), and still not for one letter of a spaced script (`commands.long_enough`)."""

from __future__ import annotations

import orjson
import pytest
from support.claude_chat import claude_record

from pilot_steps import palette_hits, settle

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp

SIZE = (120, 40)
SID = "44444444-4444-4444-8444-444444444444"


@pytest.fixture
def bucket(tmp_path):
    """A bucket synced from one hand-made Claude Code session whose answers hold an emoji and Chinese."""
    records = [
        claude_record(SID, "u1", None, "user", "build the schema", "2026-02-03T10:00:00Z"),
        claude_record(SID, "a1", "u1", "assistant", [{"type": "text", "text": "Done🚀 all green"}],
                      "2026-02-03T10:00:05Z"),
        claude_record(SID, "a2", "a1", "assistant", [{"type": "text", "text": "数据库已更新"}],
                      "2026-02-03T10:00:09Z"),
    ]  # fmt: skip
    folder = tmp_path / "claude" / "-home-dev-shop"
    folder.mkdir(parents=True)
    (folder / f"{SID}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    with Bucket.open(tmp_path / "b") as b:
        assert b.sync({"claude": [tmp_path / "claude"]}).errors == []
        yield b


async def test_one_emoji_or_han_character_is_searched_one_letter_is_not(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for query, said in (("🚀", "Done🚀 all green"), ("库", "数据库已更新"), ("a", ""), ("all", "Done🚀 all green")):
            hits = await palette_hits(app, pilot, query)
            assert [said in hit for hit in hits] == ([True] if said else []), (query, hits)
