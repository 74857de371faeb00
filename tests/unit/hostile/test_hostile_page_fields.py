"""An episode page (`export --format html|md`) of a log whose every field is an attack: the title,
the model, the branch, a written file's path, a tool's name, prompts, answers, reasoning and results.

The HTML page is loaded in headless Chromium, and nothing of the log acts: no element but the page's
own, and the document's title is the log's text, as text (test_export_page checks the bytes; this
checks what a browser makes of them). In Markdown, an inline text's quotes were escaped as HTML
(`&#x27;`) and its `#` then backslashed, so every apostrophe of a title read `&#x27;` on GitHub:
found 2026-11-28 rendering such a page; quotes are kept as typed now (no attribute holds the text)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support.headless_chromium import CHROMIUM

from tracetui.cli import main

SID = "88888888-8888-4888-8888-888888888888"
ATTACK = (
    "\"'><script>document.title='PWNED1'</script><img src=x onerror=\"document.title='PWNED2'\">"
    "<svg onload=alert(1)></svg></title><style>*{background:url(https://evil.example/c)}</style>"
    "<meta http-equiv=refresh content=\"0;url=https://evil.example/\"><a href=\"javascript:alert(3)\">x</a>"
)
TITLE = "Fix the user's \"login\" & #1"


def _record(uuid: str, parent: str | None, second: int, **fields: object) -> dict[str, object]:
    return {"isSidechain": False, "userType": "external", "cwd": "/home/dev/app", "sessionId": SID,
            "version": "2.0.30", "gitBranch": "main" + ATTACK, "parentUuid": parent, "uuid": uuid,
            "timestamp": f"2026-02-01T10:00:0{second}.000Z", **fields}  # fmt: skip


def _assistant(uuid: str, parent: str, second: int, content: list[dict[str, object]]) -> dict[str, object]:
    message = {"id": f"m{uuid}", "type": "message", "role": "assistant", "model": "model" + ATTACK,
               "content": content, "stop_reason": None, "usage": {"input_tokens": 1, "output_tokens": 1}}
    return _record(uuid, parent, second, type="assistant", requestId=f"r{uuid}", message=message)


def _bucket(tmp_path: Path, title: str) -> Path:
    path = "/home/dev/app/" + ATTACK.replace("/", "_") + ".py"
    lines = [
        {"type": "summary", "summary": title, "leafUuid": "u4"},
        _record("u1", None, 1, type="user", message={"role": "user", "content": "Please " + ATTACK}),
        _assistant("u2", "u1", 2, [{"type": "tool_use", "id": "t1", "name": "Write",
                                    "input": {"file_path": path, "content": "x = 1\n" + ATTACK + "\n"}}]),
        _record("u3", "u2", 3, type="user", message={"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "ok " + ATTACK}]}),
        _assistant("u4", "u3", 4, [
            {"type": "thinking", "thinking": "hmm " + ATTACK, "signature": "s"},
            {"type": "text", "text": "Done " + ATTACK},
            {"type": "tool_use", "id": "t2", "name": "mcp__" + ATTACK, "input": {"q": ATTACK}}]),
    ]  # fmt: skip
    src = tmp_path / "src" / "proj"
    src.mkdir(parents=True)
    (src / f"{SID}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={tmp_path / 'src'}"]) == 0
    return bucket


def _page(tmp_path: Path, kind: str, title: str) -> Path:
    bucket = _bucket(tmp_path, title)
    dest = tmp_path / kind
    argv = ["--bucket", str(bucket), "export", str(dest), "--format", kind, "--sessions", SID[:8]]
    assert main([*argv, "--accept-suggested"]) == 0
    [page] = dest.glob(f"*.{kind}")
    return page


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
def test_nothing_of_the_log_acts_in_a_browser(tmp_path):
    assert CHROMIUM is not None
    page = _page(tmp_path, "html", "Title " + ATTACK)
    profile = tmp_path / "profile"
    profile.mkdir()
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=2000", "--dump-dom",
            page.as_uri()]
    dom = subprocess.run(argv, capture_output=True, text=True, timeout=90, check=True).stdout
    assert "<h1>" in dom and dom.count("<title>") == 1 and dom.count("<style>") == 1
    for tag in ("<script", "<img", "<svg", "<a ", "<link", "<iframe"):
        assert tag not in dom, tag
    assert dom.count("<meta") == 2 and "refresh" not in dom.split("<body>")[0]
    title = dom.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("Title \"'&gt;&lt;script&gt;document.title='PWNED1'&lt;/script&gt;")


def test_a_markdown_page_s_title_keeps_its_quotes(tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    page = _page(tmp_path, "md", TITLE)
    first = page.read_text(encoding="utf-8").split("\n", 1)[0]
    shown = markdown_it.MarkdownIt("commonmark").render(first)
    # `#1` reads the same with a zero-width space after its `#`: no link to issue 1 on GitHub
    # (test_hostile_markdown_mentions.py).
    assert shown.startswith("<h1>Fix the user's &quot;login&quot; &amp; #\u200b1 (steps 0 to "), shown
