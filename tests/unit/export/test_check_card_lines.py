"""`export --check` names the line of a dataset card (README.md), DONATION.md, a page or a receipt a finding
is on as the file's own line, the one a user opens in an editor. The check reads those files through a
view of the log's text in them (`check_views`), and a finding in a file read whole was placed on the
line of that view's text, which holds one text: every finding said "line 1". The token
is made up (no key is, or was, live); each case plants it where a kind of line is and makes the
manifest's digest match, so the digest check does not hide what the gate reads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from support.demo_library import module_demo
from support.made_up import github_token

import tracetui.export as export_api
from tracetui.export import ExportOptions, check, export
from tracetui.selection import Selection

TOKEN = github_token("card line")
OTHER = github_token("card line, the second")

# (format, file, what is replaced, by what): a front matter value, a template's value, a line the writer
# never writes, a line added at the end; in DONATION.md its template's value and an added line.
CASES = [
    ("parquet", "README.md", "license: cc-by-4.0", f"license: {TOKEN}"),
    ("parquet", "README.md", "- **License:** cc-by-4.0", f"- **License:** {TOKEN}"),
    ("parquet", "README.md", "## Uses\n", f"## Uses\n\nkey {TOKEN}\n"),
    ("raw", "README.md", "## Citation\n", f"## Citation {TOKEN}\n"),
    ("raw", "README.md", "- **License:** cc-by-4.0", f"- **License:** {TOKEN}"),
    ("donation", "DONATION.md", "licence `cc-by-4.0`", f"licence `{TOKEN}`"),
    ("donation", "DONATION.md", "None.\n", f"None.\n{TOKEN}\n"),
    # A page: a text between two tags that runs over lines, a title; a fenced block's line, a line
    # about the session.
    ("html", "*.html", "<pre>{\n", f"<pre>{{\n  key {TOKEN}\n"),
    ("html", "*.html", "<h1>Add", f"<h1>{TOKEN} Add"),
    ("md", "*.md", "```text\n{\n", f"```text\n{{\nkey {TOKEN}\n"),
    ("md", "*.md", "project demo-shop;", f"project {TOKEN};"),
    # A receipt: a value of the writer's own words' key, a label, a value added to a list.
    ("raw", "receipts/*/*.json", '"ref": "HEAD"', f'"ref": "{TOKEN}"'),
    ("raw", "receipts/*/*.json", '"agent": "claude"', f'"agent": "claude {TOKEN}"'),
    ("raw", "receipts/*/*.json", '"ratings": []', f'"ratings": [\n    "a",\n    "{TOKEN}"\n  ]'),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from module_demo(tmp_path_factory, "card-lines")


def _exported(bucket, dest: Path, fmt: str) -> None:
    if fmt == "donation":
        donation = export_api.donate(bucket, dest, export_api.DonateOptions(accept_suggested=True))
        assert not donation.export.refused
    elif fmt in ("html", "md"):  # a page is one episode: the demo's Claude Code session's
        (sid,) = [s.id for s in bucket.list_sessions() if s.agent == "claude"][:1]
        options = ExportOptions(fmt, accept_suggested=True)
        assert export(bucket, dest, options, Selection(sessions=(sid,))).refused == []
    else:
        assert export(bucket, dest, ExportOptions(fmt, accept_suggested=True)).refused == []


def _planted(dest: Path, rel: str, old: str, new: str) -> str:
    """`rel` with `old` made `new` once, the manifest made to vouch for it; the file's text."""
    text = (dest / rel).read_text()
    assert old in text, old
    data = text.replace(old, new, 1).encode()
    (dest / rel).write_bytes(data)
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (dest / "manifest.json").write_text(json.dumps(manifest))
    return data.decode()


def _line_of(text: str, token: str) -> int:
    (n,) = [n for n, line in enumerate(text.split("\n"), 1) if token in line]
    return n


@pytest.mark.parametrize(("fmt", "rel", "old", "new"), CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_a_finding_in_a_card_or_donation_names_the_files_own_line(demo, tmp_path, fmt, rel, old, new):
    dest = tmp_path / "out"
    _exported(demo[1], dest, fmt)
    (rel,) = [p.relative_to(dest).as_posix() for p in dest.glob(rel) if old in p.read_text()][:1]
    text = _planted(dest, rel, old, new)
    assert _line_of(text, TOKEN) > 1
    found = check(dest).problems
    assert found == [{"file": rel, "problem": f"line {_line_of(text, TOKEN)}: github-token (auto) left"}]


@pytest.mark.parametrize(("fmt", "rel"), [("parquet", "README.md"), ("donation", "DONATION.md")])
def test_two_findings_on_two_lines_each_name_their_own(demo, tmp_path, fmt, rel):
    dest = tmp_path / "out"
    _exported(demo[1], dest, fmt)
    text = (dest / rel).read_text()
    lines = text.split("\n")
    last = len(lines) - 2
    old = f"{lines[3]}\n{lines[4]}\n"
    text = _planted(dest, rel, old, f"{lines[3]}\n{TOKEN}\n{lines[4]}\n")
    text = _planted(dest, rel, lines[last] + "\n", f"{lines[last]}\nkey: {OTHER}\n")
    found = sorted(p["problem"] for p in check(dest).problems)
    said = sorted(f"line {_line_of(text, t)}: github-token (auto) left" for t in (TOKEN, OTHER))
    assert found == said
