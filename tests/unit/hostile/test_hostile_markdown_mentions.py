"""Markdown that tracetui writes for people to post (a dataset card, an episode page to paste into an
issue) carried `@someone` and `#123` from a log or another machine's manifest as they were: on GitHub
that notifies the user named (or every member of `@org/team`) and links the thread of issue 123, the
moment the page is posted. Found 2026-11-28 reading a card and a page. A backslash (`\\@`) or an
entity (`&#64;`) does not help: GitHub looks for them in the rendered text. They read the same now,
with a zero-width space after the sign, and inside code (where nothing pings) as they were."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tracetui.cli import main
from tracetui.dataset.card import Summary, team_card

markdown_it = pytest.importorskip("markdown_it")

# What GitHub's filters find in the text of the rendered page, outside code: a mention (`@user`,
# `@org/team`), and an issue reference (`#123`, `owner/repo#123`).
MENTION = re.compile(r"(?:^|[^\w`])@[A-Za-z0-9]")
ISSUE = re.compile(r"#[0-9]")
WORDS = ["@octocat", "&#64;octocat", "&commat;octocat", "@org/team", "#123", "GH#7", "x @y"]
SID = "9a9a9a9a-1111-4222-8333-444455556666"


def _shown(markdown: str) -> str:
    """The text a reader sees of rendered Markdown outside code, as GitHub's filters read it."""
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(markdown)
    rendered = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", " ", rendered, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", rendered))


def _pings(markdown: str) -> list[str]:
    text = _shown(markdown)
    return [m.group(0) for m in (*MENTION.finditer(text), *ISSUE.finditer(text))]


def test_a_team_card_names_no_user_and_no_issue():
    out = Summary()
    out.machines = {"m1": {w: 1 for w in WORDS}}
    out.licenses = {"mit": 1}
    out.sessions = {f"m1/{n}": {"agent": w, "receipt": [{"kind": w, "count": 1}], "rejected": [{"kind": w}]}
                    for n, w in enumerate(WORDS)}  # fmt: skip
    out.states = {w: 1 for w in WORDS}
    body = team_card(out).split("---\n", 2)[2]
    assert _pings(body) == []
    shown = _shown(body).replace("\u200b", "")
    for word in ("@octocat", "@org/team", "#123", "GH#7", "x @y", "&#64;octocat"):
        assert word in shown, word  # read as it was written (an entity as its text)


def _page(tmp_path: Path, title: str, prompt: str) -> str:
    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": SID,
            "version": "2.0.30", "gitBranch": "main"}  # fmt: skip
    records = [
        {"type": "summary", "summary": title, "leafUuid": "u2"},
        {**base, "parentUuid": None, "uuid": "u1", "timestamp": "2026-03-02T10:00:01.000Z",
         "type": "user", "message": {"role": "user", "content": prompt}},
        {**base, "parentUuid": "u1", "uuid": "u2", "timestamp": "2026-03-02T10:00:02.000Z",
         "type": "assistant", "requestId": "r1",
         "message": {"id": "m1", "type": "message", "role": "assistant", "model": "claude-opus-test",
                     "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                  "input": {"command": "gh issue view 12", "description": title}}],
                     "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}}},
    ]  # fmt: skip
    src = tmp_path / "src" / "proj"
    src.mkdir(parents=True)
    (src / f"{SID}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"claude={tmp_path / 'src'}"]) == 0
    dest = tmp_path / "md"
    assert main([*bucket, "export", str(dest), "--format", "md", "--sessions", SID[:8], "--accept-suggested"]) == 0
    [page] = dest.glob("*.md")
    return page.read_text(encoding="utf-8")


def test_a_markdown_page_names_no_user_and_no_issue_outside_code(tmp_path):
    title = "Ask @octocat and &#64;hubot about #123"
    page = _page(tmp_path, title, "ping @octocat on #45")
    assert _pings(page) == []
    assert title in _shown(page).replace("\u200b", "")  # the title and the folded call's summary
    assert "ping @octocat on #45" in page  # in its fenced block, as the log has it
