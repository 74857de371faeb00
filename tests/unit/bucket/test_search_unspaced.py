"""Chinese, Japanese, Korean, Thai, Khmer and Myanmar words, and emoji, are found inside the sentences
that hold them, as the in-memory library finds them: the index's `grams` columns and the query's
phrases (`bucket/unspaced.py`)."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from support.claude_chat import claude_record

from tracetui.bucket import Bucket
from tracetui.bucket.index import fts_query
from tracetui.bucket.unspaced import grams, query_terms, step_grams
from tracetui.cli import main
from tracetui.library import MemoryLibrary
from tracetui.model import SessionFilter

SID = "33333333-3333-4333-8333-333333333333"
REMINDER = "\n\n<system-reminder>\n注意安全检查\n</system-reminder>\n"


def _log() -> bytes:
    def line(uuid: str, parent: str | None, kind: str, content: Any, ts: str) -> dict[str, Any]:
        return claude_record(SID, uuid, parent, kind, content, ts)

    call = [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "grep -rn 数据库连接 src"}}]
    result = [{"type": "tool_result", "tool_use_id": "t1", "content": "src/db.py:3: 中文, 英文" + REMINDER}]
    records = [
        line("u1", None, "user", "请帮我优化项目管理模块的性能", "2026-02-03T10:00:00Z"),
        line("a1", "u1", "assistant", [{"type": "text", "text": "了解。v2版本的缓存在 src/cache.py 里"}],
             "2026-02-03T10:00:05Z"),
        line("u2", "a1", "user", "このプロジェクトのテストを実行してください", "2026-02-03T10:00:09Z"),
        line("a2", "u2", "assistant", [{"type": "text", "text": "프로젝트를 빌드했습니다"}], "2026-02-03T10:00:12Z"),
        line("a3", "a2", "assistant", call, "2026-02-03T10:00:14Z"),
        line("u3", "a3", "user", result, "2026-02-03T10:00:15Z"),
        line("u4", "u3", "user", "ฉันพูดภาษาไทยได้ ขอบคุณ", "2026-02-03T10:00:20Z"),
        line("a4", "u4", "assistant", [{"type": "text", "text": "Done✅ tests pass, ⚠ one warning 👍🏽 ❤️ok"}],
             "2026-02-03T10:00:25Z"),
        line("u5", "a4", "user", "ខ្ញុំនិយាយភាសាខ្មែរ និង မြန်မာစာ → ─ ●", "2026-02-03T10:00:30Z"),
    ]
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


@pytest.fixture(scope="module")
def bucket(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("unspaced")
    folder = root / "claude" / "-home-dev-shop"
    folder.mkdir(parents=True)
    (folder / f"{SID}.jsonl").write_bytes(_log())
    path = str(root / "b")
    assert main(["sync", "--bucket", path, "--source", f"claude={root / 'claude'}", "--json"]) == 0
    return path


# (query, the indexes of the steps it finds): u1 0, a1 1, u2 2, a2 3, the Bash call 4, its result 5,
# u4 6, a4 7, u5 8.
FOUND = [
    ("项目", {0}),  # a word in the middle of a sentence written without spaces
    ("管理模块", {0}),
    ("性能", {0}),
    ("项目 性能", {0}),  # two words: both must be there
    ("版本", {1}),
    ("v2版本", {1}),  # a word of two scripts
    ("テスト", {2}),  # katakana
    ("実行", {2}),
    ("프로젝트", {3}),  # Hangul before a particle
    ("数据库", {4}),  # a tool call's argument words
    ("中文", {5}),
    ("文英", set()),  # no phrase across two words the text had apart
    ("注意安全", set()),  # injected by the harness: not what a usual search finds
    ("kind:context 注意安全", {5}),
    ("kind:user 项目", {0}),
    ("kind:assistant 项目", set()),
    ("项目 cache", set()),  # not in one step
    ("版本 cache", {1}),
    ("ภาษา", {6}),  # Thai, written without spaces
    ("ไทย", {6}),
    ("ขอบคุณ", {6}),
    ("ขอบคณ", set()),  # its vowel sign left out: another word (the tokenizer alone drops such signs)
    ("ภาษาเขมร", set()),
    ("ภาษា", set()),  # a Khmer letter in place of the Thai one
    ("ភាសា", {8}),  # Khmer
    ("မြန်မာ", {8}),  # Myanmar
    ("✅", {7}),  # an emoji, against a word
    ("Done✅", {7}),
    ("⚠", {7}),
    ("⚠️", {7}),  # with the emoji's presentation selector, which the text lacks
    ("❤", {7}),  # without the selector the text has
    ("❤️", {7}),
    ("❤ok", {7}),
    ("👍", {7}),
    ("👍🏽", {7}),
    ("🏽👍", set()),
    ("🚀", set()),
    ("kind:user ✅", set()),
    ("kind:assistant ✅ warning", {7}),
]


@pytest.mark.parametrize(("query", "found"), FOUND)
def test_a_word_is_found_inside_its_sentence_as_the_memory_library_finds_it(bucket, query, found):
    with Bucket.open(bucket) as b:
        hits = b.search(query)
        assert {h.index for h in hits} == found, query
        assert all(h.session == SID for h in hits)
        memory = MemoryLibrary([b.session(SID)])
        assert {h.index for h in memory.search(query)} == found, query
        # The session list's filter: a session whose steps hold the words, or whose title does.
        words = query.split()[-1]
        listed = bool(found) or words in (b.session(SID).title or "")
        assert (b.count_sessions(SessionFilter(text=query)) == 1) == listed, query


def test_the_cli_search_finds_a_word_and_shows_it_in_its_snippet(bucket, capsys):
    capsys.readouterr()
    assert main(["search", "模块", "--bucket", bucket, "--json"]) == 0
    (hit,) = orjson.loads(capsys.readouterr().out)
    assert "模块" in hit["snippet"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("plain ascii words", ""),
        ("café résumé", ""),  # not ASCII, no such script
        ("项目管理", "项 目 管 理"),
        ("v2版本 and 中文", "版 本 0 中 文"),
        ("中文, 英文", "中 文 0 英 文"),
        ("版本v3更新", "版 本 0 更 新"),
        ("テスト実行", "テ ス ト 実 行"),
        ("→ ─ ● é", ""),  # arrows, box lines and shapes are no emoji
        ("ok ✅", "\U00102705"),  # a private-use character of its own
        ("ไทย", "\U00100e44 \U00100e17 \U00100e22"),
        ("中✅文", "中 \U00102705 文"),
        ("👨\u200d💻", "\U000ff468 0 \U000ff4bb"),  # a joiner is in no run
        ("❤\ufe0f", "\U00102764"),
        (None, ""),
    ],
)
def test_grams_spread_each_run_a_character_a_token(text, want):
    assert grams(text) == want


def test_a_query_word_drops_the_emoji_presentation_selector():
    from tracetui.bucket.index import query_terms as words

    assert words("⚠️ Ok") == ["⚠", "ok"]
    assert words("\ufe0f") == [] and words("a \ufe0f") == ["a"]


def test_a_step_s_grams_keep_its_said_and_injected_parts_apart():
    assert step_grams("plain", None, "plain") is None
    assert step_grams("项目", "数据库", "注意") == "项 目 0 数 据 库\x1f注 意"
    assert step_grams("", None, "注意") == "\x1f注 意"


@pytest.mark.parametrize(
    ("words", "query"),
    [
        ("parser", '"parser"*'),
        ("项目", '"项 目"'),  # a phrase, never a prefix: its characters are whole tokens already
        ("parser 项目", '"parser" "项 目"'),
        ("项目 parser", '"项 目" "parser"*'),
        ("v2版本", '"版 本"'),  # its other letters: one token with the run in the plain columns
        ("版本v3更新", '"版 本" "更 新"'),
        ('"项目"', '"项 目"'),  # a quote is no part of a word: the query stays well formed
        ("✅", '"\U00102705"'),
        ("ok✅ done", '"\U00102705" "done"*'),
    ],
)
def test_a_query_word_of_these_scripts_is_the_phrase_of_its_characters(words, query):
    assert fts_query(words) == query
    assert query_terms("plain") is None


@pytest.mark.parametrize(
    "shape",
    [
        lambda n: "中" + "a" * n + "中",  # one long word beside the script
        lambda n: "中a" * (n // 2),  # a run at every other character
        lambda n: "é" * n,  # not ASCII, none of the scripts
        lambda n: "✅" + "→" * n + "✅",  # symbols that are no emoji between two that are
        lambda n: "✅a" * (n // 2),
        lambda n: "ภ" * n,
    ],
)
def test_grams_of_a_hostile_text_cost_what_its_length_costs(shape):
    def best(n: int) -> float:
        text, times = shape(n), []
        for _ in range(3):
            start = time.process_time()
            grams(text)
            times.append(time.process_time() - start)
        return min(times)

    small, large = best(200_000), best(800_000)
    assert large < 0.1 + 6 * small, (small, large)  # four times the text: about four times the time

