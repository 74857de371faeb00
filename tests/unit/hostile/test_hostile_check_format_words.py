"""`export --check` on a machine whose names are words every export writes: `steps`, `title`, `source`,
`role`, a page's `session`, `started`, `project`, `cost`, a receipt's `user`, `detector`, `kind`.

The check read a page whole and a receipt as text, found the name in the page's and the receipt's own
words and reported a leak in an export the writer wrote right (whose gate reads the log's text alone).
It now reads what came from the log, worked out from the file's own structure (`export.check_views`):
an export written under such names passes, and the same file with a name put where the log's text goes
(a prompt, a title, a project, a tool's input, a receipt's test command or note) is still reported.
Names and values are made up.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from support.claude_chat import claude_tool_call
from support.machine_names import named_machine

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.export import ExportOptions, check, export

SID = "7a7a7a7a-2222-4333-8444-555566667777"
# Words of a page (its labels, its lines about the session, its style), of a receipt (keys and values),
# and of a trajectory's schema.
WORDS = ["steps", "title", "source", "role", "session", "started", "project", "tests", "cost", "user",
         "assistant", "result", "input", "reasoning", "kind", "agent", "tier", "detector", "placeholder",
         "count", "labels", "receipt", "rejected", "html", "body", "meta", "exported", "redacted", "tracetui",
         "episode", "whole", "lines", "added", "alive", "lost", "recorded", "unknown", "auto", "repository"]
NAME = "steps"  # the name the forged files carry where the log's text goes
FORMATS = ["atif", "html", "md", "raw"]


@pytest.fixture()
def named(tmp_path, monkeypatch) -> Path:
    """A bucket of a tool call's log, on a machine whose names are the format's words."""
    logs = claude_tool_call(tmp_path / "logs", SID, "/srv/app", "steps", {"source": "title", "n": "the role"},
                            "the session started", "stored at the cost of one")
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={logs}", "--json"]) == 0
    named_machine(monkeypatch, WORDS)
    return bucket


def _exported(bucket: Path, dest: Path, fmt: str) -> Path:
    with Bucket.open(bucket) as b:
        report = export(b, dest, ExportOptions(fmt, accept_suggested=True))
    assert report.written == 1 and report.refused == [], report.refused
    return dest


def _problems(dest: Path) -> list[dict[str, str]]:
    return check(dest).problems


def _forged(dest: Path, rel: str, old: str, new: str) -> None:
    """`rel` with `old` made `new`, and the manifest made to vouch for it: a stranger's file."""
    path = dest / rel
    data = path.read_bytes()
    assert old.encode() in data, old
    data = data.replace(old.encode(), new.encode())
    path.write_bytes(data)
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (dest / "manifest.json").write_text(json.dumps(manifest))


def _one(dest: Path, pattern: str) -> str:
    [path] = [p for p in dest.rglob(pattern) if p.is_file()]
    return path.relative_to(dest).as_posix()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_written_under_such_names_passes_its_check(named, tmp_path, fmt):
    dest = _exported(named, tmp_path / "out", fmt)
    assert _problems(dest) == []


@pytest.mark.parametrize(("fmt", "pattern", "old", "new"), [
    ("html", "*.html", "<pre>&lt;HOST&gt;</pre>", f"<pre>{NAME}</pre>"),  # a prompt
    ("html", "*.html", "<h1>&lt;HOST&gt; (steps", f"<h1>{NAME} (steps"),  # the title
    ("html", "*.html", "project app;", f"project {NAME};"),  # the session's project
    ("html", "*.html", "<summary>#1 mcp__store__put:", f"<summary>#1 {NAME}:"),  # a tool's name
    # a label not ours
    ("html", "*.html", '<p class="meta">#0 user</p>', f'<p class="meta">#0 {NAME} user</p>'),
    ("md", "*.md", "```text\n&lt;HOST&gt;", f"```text\n{NAME}"),
    ("md", "*.md", "# &lt;HOST&gt; \\(steps", f"# {NAME} \\(steps"),  # escaped as HTML outside code
    ("md", "*.md", "project app;", f"project {NAME};"),
    ("md", "*.md", "input\n\n```text", f"input {NAME}\n\n```text"),
    ("atif", "receipts/*/*.json", "/srv/app", f"/srv/{NAME}"),  # a receipt's note names the folder
    ("atif", "receipts/*/*.json", '"ref": "HEAD"', f'"ref": "{NAME}"'),
    ("raw", "receipts/*/*.json", '"decided_by": "detector"', f'"decided_by": "{NAME}"'),
    ("md", "receipts/*/*.json", '"agent": "claude"', '"agent": "user"'),  # not an agent's name: read
], ids=["html-prompt", "html-title", "html-project", "html-tool", "html-label", "md-prompt", "md-title",
        "md-project", "md-body-name", "receipt-note", "receipt-ref", "receipt-decided-by", "receipt-agent"])
def test_the_name_where_the_log_text_goes_is_still_reported(named, tmp_path, fmt, pattern, old, new):
    dest = _exported(named, tmp_path / "out", fmt)
    if old.startswith("```text\n"):  # inside code a placeholder is not escaped
        old, new = old.replace("&lt;HOST&gt;", "<HOST>"), new
    rel = _one(dest, pattern)
    _forged(dest, rel, old, new)
    found = [p for p in _problems(dest) if p["file"] == rel]
    assert found and all("host-name" in p["problem"] for p in found), _problems(dest)


def test_a_page_that_is_not_the_writers_shape_is_read_whole(named, tmp_path):
    dest = _exported(named, tmp_path / "out", "html")
    rel = _one(dest, "*.html")
    _forged(dest, rel, "exported redacted by tracetui", "exported by steps and tracetui")  # no shape of ours
    assert {p["file"] for p in _problems(dest)} == {rel}


def test_the_views_read_every_piece_of_the_log_on_a_page():
    from tracetui.export.check_views import html_view, md_view, receipt_view

    page = ('<!DOCTYPE html>\n<html><head><title>a (steps 0 to 1)</title></head><body>\n'
            '<p class="meta">#4 model change m-1</p><p class="meta">#5 subagent start</p>'
            '<div class="step"><p class="meta">src/x.py <span class="badge alive">alive in 0a1b2c</span></p>'
            '<pre><span class="add">+b</span>\nc</pre></div><p class="meta">note</p>\n'
            '</body></html>\n').encode()
    assert html_view(page).split(b"\n\n") == [b"a", b"m-1", b"src/x.py ", b"0a1b2c", b"+b", b"\nc", b"note"]
    md = (b"**#&#8203;2 user**\n\n````text\nhi\n```\nthere\n````\n\n*#&#8203;4 model change m\\-1*\n\n"
          b"**src/x\\.py**: lost in 0a1b2c\n\n```diff\n-a\n```\n")
    assert md_view(md).split(b"\n\n") == [b"hi", b"```", b"there", b"m\\-1", b"src/x\\.py", b"0a1b2c", b"-a"]
    receipt = {"session": "s-1", "agent": "claude", "receipt": [{"kind": "host-name", "tier": "auto",
               "decided_by": "detector", "placeholder": "<HOST>", "count": 2}], "labels": {"ref": "v1"}}
    assert json.loads(receipt_view(json.dumps(receipt).encode())) == ["s-1", [[2]], ["v1"]]
    assert receipt_view(b"not json") == b"not json"
