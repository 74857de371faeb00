"""search: hits name their session's title and agent, the step's date and index (usable with
`seal --steps`), and show one plain line with the match marked."""

from __future__ import annotations

import orjson

from tracetui.bucket import Bucket
from tracetui.bucket.index import snippet_and_match
from tracetui.cli import main

SID = "11111111-1111-4111-8111-111111111111"


def records() -> list[dict]:
    def line(uuid: str, parent: str | None, kind: str, content, ts: str, **extra) -> dict:
        message = {"role": "user" if kind == "user" else "assistant", "content": content, **extra}
        return {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": SID, "timestamp": ts,
                "cwd": "/home/dev/shop", "message": message}  # fmt: skip

    command = "cd shop\nmake zanzibarian-check\nexit 0"
    return [
        line("u1", None, "user", "fix the build", "2026-02-03T10:00:00Z"),
        line("a1", "u1", "assistant", [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": command}}],
             "2026-02-03T10:00:05Z", id="m1", model="claude-sonnet-4-5"),  # fmt: skip
        line("u2", "a1", "user", [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}], "2026-02-03T10:00:09Z"),
        line("a2", "u2", "assistant", [{"type": "text", "text": "The \x1b]52;c;evil\x07 quokkaesque\nrun passed."}],
             "2026-02-03T10:00:12Z", id="m2", model="claude-sonnet-4-5"),  # fmt: skip
    ]


def synced(tmp_path) -> str:
    folder = tmp_path / "claude" / "-home-dev-shop"
    folder.mkdir(parents=True)
    (folder / f"{SID}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records()))
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={tmp_path / 'claude'}", "--json"]) == 0
    return bucket


def test_search_json_rows_carry_index_title_agent_time_and_match(capsys, tmp_path):
    bucket = synced(tmp_path)
    capsys.readouterr()
    assert main(["search", "zanzibarian", "--bucket", bucket, "--json"]) == 0
    (hit,) = orjson.loads(capsys.readouterr().out)
    assert list(hit) == ["session", "step", "snippet", "index", "title", "agent", "timestamp", "match"]
    assert (hit["session"], hit["title"], hit["agent"]) == (SID, "fix the build", "claude")
    assert hit["timestamp"] == "2026-02-03T10:00:05Z"
    # The command's newlines are newlines, not the two characters of its JSON: one plain line.
    assert "\\n" not in hit["snippet"] and "\n" not in hit["snippet"]
    assert hit["snippet"] == "cd shop make zanzibarian-check exit 0"
    start, end = hit["match"]
    assert hit["snippet"][start:end] == "zanzibarian"
    # The index is the step's place in `show` (and what `seal --steps` counts).
    assert main(["show", SID[:8], "--bucket", bucket, "--json"]) == 0
    steps = orjson.loads(capsys.readouterr().out)["steps"]
    assert steps[hit["index"]]["id"] == hit["step"]


def test_plain_search_shows_title_agent_date_step_and_marks_the_match(capsys, tmp_path):
    bucket = synced(tmp_path)
    capsys.readouterr()
    assert main(["search", "quokkaesque", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    header, row = out.splitlines()
    assert header.split() == ["SESSION", "AGENT", "DATE", "STEP", "TITLE", "SNIPPET"]
    assert row.startswith(SID[:12]) and "claude" in row and "2026-02-03 10:00" in row and " 3 " in row
    assert "fix the build" in row and "«quokkaesque»" in row
    assert "\x1b" not in out and "\x07" not in out and "␛]52;c;evil␇" in out  # shown, never acted on


def test_snippet_match_is_where_the_word_is_after_whitespace_is_folded():
    text = "alpha\n\n   beta    gamma " + "x" * 300
    snippet, match = snippet_and_match(["gamma"], text)
    assert snippet.startswith("alpha beta gamma x") and snippet.endswith("…")
    assert match is not None and snippet[match[0] : match[1]] == "gamma"
    long = "y " * 100 + "Delta here"
    snippet, match = snippet_and_match(["delta"], long)
    assert snippet.startswith("…") and match is not None and snippet[match[0] : match[1]] == "Delta"
    assert snippet_and_match(["nothing"], "plain text") == ("plain text", None)


def test_memory_library_hits_have_the_same_fields(tmp_path):
    from tracetui.library import MemoryLibrary

    bucket = synced(tmp_path)
    with Bucket.open(bucket) as b:
        session = b.session(SID)
        from_bucket = b.search("quokkaesque")
    (hit,) = MemoryLibrary([session]).search("quokkaesque")
    (want,) = from_bucket
    assert (hit.session, hit.step, hit.index, hit.title, hit.agent, hit.timestamp) == (
        want.session, want.step, want.index, want.title, want.agent, want.timestamp,
    )  # fmt: skip
    assert hit.match is not None and hit.snippet[hit.match[0] : hit.match[1]].lower() == "quokkaesque"


def test_plain_search_with_no_match_says_so_in_one_line(capsys, tmp_path):
    bucket = synced(tmp_path)
    capsys.readouterr()
    assert main(["search", "zzqqxx \x1b[31m", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [out.strip()] and out.startswith("no step matches") and "\x1b" not in out
