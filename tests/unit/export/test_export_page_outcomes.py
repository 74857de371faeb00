"""Episode pages (issue 40): the header gives the episode's own outcomes (its patches' lines and
states, its test runs, its cost) beside the whole session's; a page over 60,000 characters is said,
and `--compact` (tool results folded to a line) makes one that fits, on a made-up long session and
on the biggest corpus log."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from support.narrow import present

from tracetui.cli import main
from tracetui.export.page import PAGE_LIMIT

from shared_data import CORPUS, requires_corpus


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from tracetui.demo.build import build, open_library

    d = build(tmp_path_factory.mktemp("pages") / "demo")
    open_library(d).close()
    return d


def _page(dest: Path) -> str:
    [page] = [p for p in dest.iterdir() if p.suffix in (".html", ".md")]
    text = page.read_text(encoding="utf-8")
    if page.suffix == ".html":
        return html.unescape(re.sub(r"<[^>]+>", " ", text))
    return html.unescape(re.sub(r"\\(.)", r"\1", text))  # Markdown's backslashed specials


def _header(text: str, which: str) -> str:
    match = re.search(rf"{which}[^\n]*? cost [^\n]*", text)
    assert match, text[:3000]
    return match.group(0)


def test_an_episode_header_gives_its_own_outcomes(demo, tmp_path, capsys):
    # The Claude demo session: its first steps (the prompt, before any edit) and then the whole.
    assert main(["--bucket", str(demo.bucket), "export", str(tmp_path / "head"), "--format", "md",
                 "--sessions", "7d3c1a52", "--steps", "0:1", "--accept-suggested"]) == 0  # fmt: skip
    assert main(["--bucket", str(demo.bucket), "export", str(tmp_path / "all"), "--format", "html",
                 "--sessions", "7d3c1a52", "--accept-suggested"]) == 0  # fmt: skip
    capsys.readouterr()
    head = _page(tmp_path / "head")
    whole = _page(tmp_path / "all")
    episode = _header(head, "This episode")
    session = _header(head, "The whole session")
    assert "This episode (steps 0 to 1)" in episode and "0 lines added" in episode and "tests run 0" in episode
    added = int(present(re.search(r"(\d+) lines added", session)).group(1))
    assert added > 0  # the whole session did add lines: the episode's header does not claim them
    # The whole session as one episode: both lines agree, and a cost is given.
    mine, theirs = _header(whole, "This episode"), _header(whole, "The whole session")
    assert f"{added} lines added" in mine and f"{added} lines added" in theirs
    assert re.search(r"cost (\$[\d.,]+|none recorded|unknown)", mine)


def _long_claude_log(folder: Path) -> Path:
    """A made-up Claude Code session whose tool results run long: 40 reads of 3,000 characters."""
    folder.mkdir(parents=True)
    sid = "5c0ffee0-0000-4000-8000-00000000abcd"
    rows: list[dict[str, Any]] = [{"type": "user", "sessionId": sid, "uuid": "u0", "parentUuid": None, "timestamp": "2026-02-01T10:00:00Z",
             "cwd": "/tmp/nowhere", "message": {"role": "user", "content": "Read every file, please."}}]  # fmt: skip
    parent = "u0"
    for n in range(40):
        call, result = f"a{n}", f"r{n}"
        rows.append({"type": "assistant", "sessionId": sid, "uuid": call, "parentUuid": parent,
                     "timestamp": f"2026-02-01T10:{n:02d}:01Z", "cwd": "/tmp/nowhere",
                     "message": {"role": "assistant", "model": "claude-sonnet-4-5", "content": [
                         {"type": "tool_use", "id": f"t{n}", "name": "Read", "input": {"file_path": f"/tmp/nowhere/f{n}.txt"}}],
                         "usage": {"input_tokens": 1000, "output_tokens": 50}}})  # fmt: skip
        body = "\n".join(f"line {i} of file {n}: " + "lorem ipsum " * 4 for i in range(50))
        rows.append({"type": "user", "sessionId": sid, "uuid": result, "parentUuid": call,
                     "timestamp": f"2026-02-01T10:{n:02d}:02Z", "cwd": "/tmp/nowhere",
                     "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{n}", "content": body}]}})  # fmt: skip
        parent = result
    path = folder / f"{sid}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_a_long_page_is_said_and_compact_fits(tmp_path, capsys):
    log = _long_claude_log(tmp_path / "logs")
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={log.parent}"]) == 0
    capsys.readouterr()
    code = main(["--bucket", str(bucket), "export", str(tmp_path / "full"), "--format", "md",
                 "--sessions", "5c0ffee0", "--accept-suggested", "--json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(_page(tmp_path / "full")) > PAGE_LIMIT
    (warning,) = out["warnings"]
    assert "over 60,000" in warning and "--compact" in warning
    code = main(["--bucket", str(bucket), "export", str(tmp_path / "compact"), "--format", "md",
                 "--sessions", "5c0ffee0", "--accept-suggested", "--compact"])  # fmt: skip
    assert code == 0 and "over 60,000" not in capsys.readouterr().err
    page = _page(tmp_path / "compact")
    assert len(page) <= PAGE_LIMIT
    # Each result folded to its first line and its size; every call still there.
    assert "line 0 of file 39: lorem ipsum" in page and "(50 lines," in page and "line 1 of file 39" not in page
    assert page.count("<summary>") == 40


def test_compact_goes_only_with_a_page(tmp_path, capsys):
    assert main(["--bucket", str(tmp_path / "b"), "export", str(tmp_path / "x"), "--format", "raw", "--compact"]) == 2
    assert "--compact goes with --format html or md" in capsys.readouterr().err


@pytest.mark.corpus
@pytest.mark.slow
@requires_corpus
def test_compact_fits_the_biggest_corpus_session(tmp_path, capsys):
    logs = [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".jsonl", ".json") and p.name != "provenance.jsonl"]
    biggest = max(logs, key=lambda p: p.stat().st_size)
    agent = biggest.relative_to(CORPUS).parts[0]
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"{agent}={biggest}"]) == 0
    capsys.readouterr()
    listed = main(["--bucket", str(bucket), "ls", "--all", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert listed == 0 and rows
    big = max(rows, key=lambda r: r["steps"])
    assert main(["--bucket", str(bucket), "export", str(tmp_path / "page"), "--format", "html", "--sessions",
                 big["id"], "--accept-suggested", "--compact"]) == 0  # fmt: skip
    page = next((tmp_path / "page").glob("*.html")).read_text(encoding="utf-8")
    assert len(page) <= PAGE_LIMIT, len(page)
    assert "This episode" in page and "The whole session" in page


@pytest.mark.parametrize("kind", ["md", "html"])
def test_a_forks_header_says_the_edits_it_copied_are_its_parents(tmp_path, capsys, kind):
    # The Pi fork `bbbbbbbb` copies its parent's first steps, one edit among them, then makes its own:
    # the edit it copied is the parent's run (not counted here), and the header says so.
    src, bucket = tmp_path / "pi", tmp_path / "bucket"
    src.mkdir()
    for log in (Path(__file__).resolve().parents[2] / "fixtures" / "forks").glob("2026-03-01T*.jsonl"):
        shutil.copy(log, src / log.name)
    assert main(["--bucket", str(bucket), "sync", "--source", f"pi={src}"]) == 0
    assert main(["--bucket", str(bucket), "export", str(tmp_path / "page"), "--format", kind,
                 "--sessions", "bbbbbbbb", "--accept-suggested"]) == 0  # fmt: skip
    assert main(["--bucket", str(bucket), "export", str(tmp_path / "parent"), "--format", kind,
                 "--sessions", "aaaaaaaa", "--accept-suggested"]) == 0  # fmt: skip
    capsys.readouterr()
    fork = _page(tmp_path / "page")
    assert "Its 1 patches copied from the session it was forked from are counted there, not here." in fork
    assert "1 lines added" in _header(fork, "This episode")  # its own edit's line, not the parent's two
    assert "copied from the session" not in _page(tmp_path / "parent")
    assert main(["export", "--check", str(tmp_path / "page")]) == 0, capsys.readouterr().out
