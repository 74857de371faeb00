"""Logs that are one JSON document (a Gemini CLI chat, an OpenCode storage record, an early Codex
rollout) holding a value orjson refuses but Python's parser reads: NaN, Infinity, a lone surrogate,
a number past 64 bits. The document is read whole, as such a line of a JSONL log is, with one note
that loses nothing; before, one such value cost the session all of its content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.hostile_fields import model_problems

from shared_data import FIXTURES
from tracetui.bucket import Bucket
from tracetui.model import SessionFilter
from tracetui.views import unread

ODD = ["NaN", "Infinity", "-Infinity", "1" * 30, '"\\ud800"']
DOCS = {
    "gemini": (FIXTURES / "gemini", "tmp/garden/chats/session-2025-10-21T20-04-0b23aaaa.json"),
    "codex": (FIXTURES / "codex", "rollout-2025-08-19-7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d.json"),
}


def _spoil(path: Path, value: str) -> None:
    """`value` as the first field of the document's first object."""
    text = path.read_text()
    path.write_text(text.replace("{", '{"odd": ' + value + ", ", 1))


def _steps(agent: str, folder: Path) -> list[tuple[str, str]]:
    with Bucket.open(folder.parent / f"b-{folder.name}") as b:
        report = b.sync({agent: [folder]})
        out = []
        for row in b.list_sessions(SessionFilter(include_hidden=True)):
            session = b.session(row.id)
            assert unread.count_text(session) is None, session.errors
            assert not model_problems(session)
            out += [(s.kind, s.text) for s in session.steps]
        assert not [e for e in report.errors if not e.recovered], report.errors
    return out


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("agent", list(DOCS))
def test_a_document_with_a_value_only_pythons_parser_reads_keeps_its_steps(tmp_path, agent, value):
    tree, doc = DOCS[agent]
    plain, odd = tmp_path / "plain", tmp_path / "odd"
    shutil.copytree(tree, plain)
    shutil.copytree(tree, odd)
    for other in [p for p in odd.rglob("*") if p.is_file() and p != odd / doc]:
        other.unlink()
        (plain / other.relative_to(odd)).unlink()
    _spoil(odd / doc, value)
    want = _steps(agent, plain)
    assert want and len(_steps(agent, odd)) == len(want)


@pytest.mark.parametrize("value", ODD)
def test_an_opencode_record_with_such_a_value_keeps_its_session(tmp_path, value):
    tree = tmp_path / "storage"
    shutil.copytree(FIXTURES / "opencode" / "storage", tree)
    with Bucket.open(tmp_path / "b0") as b:
        b.sync({"opencode": [tree]})
        want = {r.id: r.steps for r in b.list_sessions(SessionFilter(include_hidden=True))}
    _spoil(sorted((tree / "part").rglob("*.json"))[0], value)
    with Bucket.open(tmp_path / "b1") as b:
        b.sync({"opencode": [tree]})
        assert {r.id: r.steps for r in b.list_sessions(SessionFilter(include_hidden=True))} == want


def test_a_document_that_is_no_json_at_all_is_still_one_line_that_lost_it():
    from tracetui.sources import RawLog
    from tracetui.sources.gemini import reader as gemini

    s = gemini.read(RawLog("/x/chats/session-2025-10-21T20-04-0b23aaaa.json", b'{"messages": [NaN, }'), [])
    assert [e.recovered for e in s.errors] == [False] and "not a valid JSON document" in s.errors[0].error
