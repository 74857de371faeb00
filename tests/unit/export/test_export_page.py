"""`tracetui export --format html|md`: one episode as a self-contained page; every log string is
escaped (HTML) or fenced (Markdown), whatever it holds; no script, asset or link of its own."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from shared_data import FIXTURES

from tracetui.cli import main

SESSION = "77777777-7777-4777-8777-777777777777"
TOKEN = "ghp_" + "Rk7Tq2Wm9Xv4Lp8Zs3Nc6Hd1Jf5Gb0Ya2Ue7"
ATTACK = (
    '</pre></div><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
    "<style>body{display:none}</style><link rel=stylesheet href=https://evil.example/x.css>"
    "\n```\n[click](https://evil.example/) ![img](https://evil.example/p.png) <details open>"
    "\n````\n\x1b[2J\u202eevil\u202c &amp; &lt;"
)
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "p",
    "div",
    "pre",
    "details",
    "summary",
    "span",
}


def _hostile_bucket(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "redact" / "claude" / "projects", src)
    log = next(src.rglob(f"{SESSION}.jsonl"))
    out: list[bytes] = []
    for line in log.read_bytes().split(b"\n"):
        if not line:
            out.append(line)
            continue
        record = json.loads(line)
        message = record.get("message", {})
        if isinstance(message.get("content"), str):
            message["content"] += ATTACK
        for block in message.get("content", []) if isinstance(message.get("content"), list) else []:
            if block.get("type") == "tool_use":
                block["input"]["description"] = ATTACK
                block["name"] = "Bash" + ATTACK[:40]
            if block.get("type") == "tool_result" and isinstance(block.get("content"), str):
                block["content"] += ATTACK
            if block.get("type") == "text":
                block["text"] += ATTACK
        out.append(json.dumps(record).encode())
    log.write_bytes(b"\n".join(out))
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={src}"]) == 0
    return bucket


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_html_episode_escapes_every_log_string(tmp_path, capsys):
    bucket = _hostile_bucket(tmp_path)
    dest = tmp_path / "page"
    assert (
        main(
            [
                "--bucket",
                str(bucket),
                "export",
                str(dest),
                "--format",
                "html",
                "--sessions",
                SESSION[:8],
                "--steps",
                "0:6",
                "--accept-suggested",
            ]
        )
        == 0
    )
    [page] = dest.glob("*.html")
    data = page.read_text(encoding="utf-8")
    assert TOKEN not in data and "\x1b" not in data and "\u202e" not in data
    parser = _Tags()
    parser.feed(data)
    assert {t for t, _ in parser.tags} <= ALLOWED_TAGS
    assert [t for t, _ in parser.tags].count("script") == 0 and data.count("<style>") == 1
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert name in {"class", "lang", "charset", "http-equiv", "content"}, (tag, name)
            assert "evil" not in (value or "") and "javascript" not in (value or "")
    shown = "".join(parser.text)
    assert "<script>alert(1)</script>" in shown and "[click](https://evil.example/)" in shown
    assert "http://" not in data.split("<body>")[0] and "https://" not in data.split("<body>")[0]
    # Tool calls fold (no script needed to read them): a <details> per call with its summary.
    assert data.count("<details") >= 1 and "<summary>" in data


def _outside_fences(text: str) -> list[str]:
    """The parts of a Markdown document outside fenced code blocks (a fence closes only with a fence
    line of the same backticks), checking that every fence is closed."""
    outside, inside, fence = [], False, ""
    for line in text.split("\n"):
        match = re.fullmatch(r"(`{3,})([a-z]*)", line)
        if not inside and match:
            inside, fence = True, match.group(1)
            continue
        if inside:
            if line == fence:
                inside = False
            continue
        outside.append(line)
    assert not inside, "a fence was left open"
    return outside


def test_markdown_episode_keeps_log_text_in_fences(tmp_path, capsys):
    bucket = _hostile_bucket(tmp_path)
    dest = tmp_path / "md"
    assert (
        main(
            [
                "--bucket",
                str(bucket),
                "export",
                str(dest),
                "--format",
                "md",
                "--sessions",
                SESSION,
                "--accept-suggested",
            ]
        )
        == 0
    )
    [page] = dest.glob("*.md")
    text = page.read_text(encoding="utf-8")
    assert TOKEN not in text and "\x1b" not in text and "\u202e" not in text
    outside = "\n".join(_outside_fences(text))
    for bad in ("<script", "<img", "<a ", "<style", "<link", "](https://", "![", "<details open"):
        assert bad not in outside, bad
    assert "<script>alert(1)</script>" in text  # inside a fence, as text
    assert main(["--bucket", str(bucket), "export", str(tmp_path / "x"), "--format", "md"]) == 2
    assert "--sessions" in capsys.readouterr().err


def test_a_long_unbroken_title_wraps_inside_the_page():
    # A title that is a long path (`/var/folders/h1/…/TestLivePi…`) ran past the page's right edge in
    # Chromium, with a horizontal scrollbar: every text of the page may break inside a word.
    from tracetui.export.page import _STYLE

    body = re.search(r"body\{([^}]*)\}", _STYLE)
    assert body and "overflow-wrap:anywhere" in body.group(1)
