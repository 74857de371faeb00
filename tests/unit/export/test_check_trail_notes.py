"""`export --check` reads a receipt's trail note for the log's parts only (`check_views`): the three notes
the trail writes, made by the trail itself here, must each match the check's shape of it, so that a change
to the trail's words shows here and not as a flag on a machine named like them."""

from __future__ import annotations

import orjson
from support.trail_logs import ALICE, alice_project, claude_log, codex_log, mapped_log, unrelated_clone

from tracetui.export.check_views import receipt_view
from tracetui.trail import trail


def _read(note: str) -> list[object]:
    return orjson.loads(receipt_view(orjson.dumps({"note": note})))


def test_no_repository(tmp_path):
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    note = trail(there).note
    assert note is not None and _read(note) == [[f"{ALICE}/sub", there.id[:12]]]


def test_read_in_a_clone_elsewhere(tmp_path):
    repo = alice_project(tmp_path)
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    note = trail(there, repo=repo.path).note
    assert note is not None and _read(note) == [[ALICE, str(repo.path)]]


def test_a_clone_holding_none_of_the_files(tmp_path):
    alice_project(tmp_path)
    other = unrelated_clone(tmp_path)
    there = mapped_log(codex_log, ALICE, tmp_path / "logs", "codex")
    note = trail(there, repo=other.path).note
    assert note is not None and _read(note) == [[str(other.path), f"{ALICE}/sub/a.py"]]


def test_another_note_is_read_whole():
    assert _read("judged where it ran") == ["judged where it ran"]
