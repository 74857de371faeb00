"""What a search finds, query by query, over a hand-made bucket and over the corpus: words, prefixes,
phrases with punctuation, `kind:`, said against injected, unicode. The expected sets are main's
answers (9cad367e); any change of the index's layout must give the same."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from shared_data import requires_corpus
from support.small_bucket import claude_log_bucket

from tracetui.bucket import Bucket
from tracetui.bucket.searched import argument_words, parts, said_edges
from tracetui.model import SessionFilter, Step

SID = "33333333-3333-4333-8333-333333333333"
REMINDER = "\n<system-reminder>\nThe file may be malwarish; zanthoxyl checks apply.\n</system-reminder>\n"
# (step uuid, role, content): the texts the queries below look for.
STEPS: list[tuple[str, str, Any]] = [
    ("u0", "user", "Tidy up the shop module for me please"),  # the title: none of the words below
    ("u1", "user", "the parquet-writer flushes every row group"),
    ("a1", "assistant", [{"type": "text", "text": "A writer of parquet files: config.yaml sets it."}]),
    ("a2", "assistant", [{"type": "tool_use", "id": "t1", "name": "Bash",
                          "input": {"command": "kubectl get pods -n café", "description": "list pods"}}]),
    ("u2", "user", [{"type": "tool_result", "tool_use_id": "t1", "content": "pod-a Running\n" + REMINDER}]),
    ("a3", "assistant", [{"type": "text", "text": "Crème brûlée at the Café; xylophones in 東京 tonight."}]),
    ("u3", "user", "config yaml is the one; foo_bar and foo.bar differ? a.b.c then"),
]

# query -> the step ids found (limit 50).
CASES: list[tuple[str, set[str]]] = [
    ("parquet", {"u1", "a1"}),
    ("Parquet", {"u1", "a1"}),
    ("parquet-writer", {"u1"}),  # a phrase: its tokens in this order, side by side
    ("writer parquet", {"u1", "a1"}),  # two words: both, anywhere
    ('"writer parquet"', {"u1", "a1"}),  # quotes are no syntax: two words
    ("config.yaml", {"a1", "u3"}),  # the tokens config, yaml side by side, whatever is between
    ("foo.bar", {"u3"}),
    ("foo_bar", {"u3"}),
    ("a.b.c", {"u3"}),
    ("b.c", {"u3"}),
    ("kubectl", {"a2"}),  # a tool call's argument words
    ("get pods", {"a2"}),
    ("pods", {"a2"}),
    ("pod", {"u2", "a2"}),  # the last word is also a prefix (three letters and more)
    ("xyloph", {"a3"}),
    ("xylophone", {"a3"}),  # a prefix of the stored word when whole words find too few
    ("xy", set()),  # too short to be a prefix
    ("cafe", {"a2", "a3"}),  # diacritics folded
    ("café", {"a2", "a3"}),
    ("brulee", {"a3"}),
    ("CRÈME", {"a3"}),
    ("東京", {"a3"}),
    ("malwarish", set()),  # a harness's reminder is not what was said
    ("kind:context malwarish", {"u2"}),
    ("kind:all malwarish", {"u2"}),
    ("kind:tool malwarish", set()),
    ("kind:all zanthoxyl checks", {"u2"}),
    ("kind:context zanthoxyl-checks", {"u2"}),
    ("kind:user parquet", {"u1"}),
    ("kind:assistant parquet", {"a1"}),
    ("kind:tool kubectl", {"a2"}),
    ("kind:tool_result running", {"u2"}),
    ("kind:user,assistant writer", {"u1", "a1"}),
    ("kind:bogus parquet", set()),
    ("running", {"u2"}),
    ("parquet nothingelse", set()),
]


def _log() -> bytes:
    lines = []
    parent = None
    for n, (uuid, role, content) in enumerate(STEPS):
        message: dict[str, Any] = {"role": role, "content": content}
        if role == "assistant":
            message |= {"id": f"m-{uuid}", "model": "claude-sonnet-4-5"}
        lines.append({"type": role, "uuid": uuid, "parentUuid": parent, "sessionId": SID, "cwd": "/home/dev/shop",
                      "timestamp": f"2026-02-03T10:00:{n:02d}Z", "message": message})  # fmt: skip
        parent = uuid
    return b"".join(orjson.dumps(r) + b"\n" for r in lines)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Any:
    bucket = Bucket.open(claude_log_bucket(tmp_path_factory.mktemp("table"), SID, _log()))
    yield bucket
    bucket.close()


@pytest.mark.parametrize(("query", "found"), CASES, ids=[q for q, _ in CASES])
def test_a_query_finds_these_steps(made, query, found):
    assert {h.step for h in made.search(query, limit=50)} == found
    # The session list's filter agrees (the title, folder and id hold none of the words).
    assert made.count_sessions(SessionFilter(text=query)) == (1 if found else 0)


# Words of every frequency in the corpus, and none, ASCII (the oracle below splits text as the index
# does and folds case; it does not fold diacritics).
CORPUS_WORDS = ["parquet", "kubectl", "timeout", "function", "the", "fil", "readme", "json", "error", "npm",
                "pytest", "git", "def", "todo", "http", "xyzzyqq"]


_SPLIT = re.compile(r"[^\W_]+")  # letters and digits: what FTS5's unicode61 keeps as a word


def _said_tokens(step: Step) -> set[str]:
    """The words of a step a search looks in by default (its said part, its tool arguments), lowercased."""
    mine, _ = parts(step.kind, step.text, said_edges(step.kind, step.text))
    return {w.lower() for w in _SPLIT.findall(mine + " " + (argument_words(step.tool_input) or ""))}


@requires_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_the_corpus_sessions_a_word_finds_are_those_that_said_it(tmp_path_factory, tmp_path):
    from support.built_once import corpus_bucket

    with Bucket.open(corpus_bucket(tmp_path_factory, tmp_path / "bucket")) as bucket:
        rows = bucket.list_sessions(SessionFilter(include_hidden=True))
        steps = {r.id: {s.id: s for s in bucket.session(r.id).steps} for r in rows}
        said = {sid: set().union(*map(_said_tokens, held.values())) for sid, held in steps.items()}
        labels = {r.id: " ".join(filter(None, (r.id, r.title, r.project))).lower() for r in rows}
        assert len(rows) >= 30
        for word in CORPUS_WORDS:
            # The session list's filter: a word said (the last word also as a prefix, from three
            # letters on), or in a title, folder or id.
            expected = {sid for sid, words in said.items() if any(t.startswith(word) for t in words)}
            expected |= {sid for sid, label in labels.items() if word in label}
            listed = {s.id for s in bucket.list_sessions(SessionFilter(text=word, include_hidden=True))}
            assert listed == expected, word
            # A search's hits are steps that said it.
            hits = bucket.search(word, limit=200)
            assert bool(hits) == any(any(t.startswith(word) for t in words) for words in said.values()), word
            for hit in hits:
                step = steps[hit.session][hit.step]
                assert any(t.startswith(word) for t in _said_tokens(step)), (word, hit)
