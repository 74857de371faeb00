"""A file the session deleted and then wrote again under the same name: the deletion was undone only
where the new file brings the deleted text back. PV and spec-kit sessions delete a template's
placeholder file and write the project's own document in its place (FlavioHeartnet's
.specify/memory/constitution.md: 2 of the template's 37 lines, two headings, in the new file); the
commit holds the deletion, which was read as undone before any commit (`lost`). A tenth of the
deleted lines written again is the file back."""

from __future__ import annotations

from support.trail_kit import Repo, iso, session_of

from tracetui.model import FileEdit
from tracetui.trail import trail

TEMPLATE = "# [PROJECT] Constitution\n\n## Core Principles\n\n" + "".join(
    f"### [PRINCIPLE_{i}_NAME]\n[PRINCIPLE_{i}_DESCRIPTION]\n\n" for i in range(1, 13)
) + "## Governance\n[GOVERNANCE_RULES]\n"

OWN = "# Retirement Simulator Constitution\n\n## Core Principles\n\n" + "".join(
    f"### {i}. Rule number {i} of this project\nWhat rule {i} asks of every change.\n\n" for i in range(1, 6)
) + "## Governance\nAmendments need a version bump and a review.\n"


def _session(tmp_path, written: str):
    repo = Repo(tmp_path / "r")
    repo.write("constitution.md", TEMPLATE)
    repo.commit("template", iso(9))
    gone = FileEdit(path="constitution.md", op="delete")
    gone.original = TEMPLATE
    new = FileEdit(path="constitution.md", op="create", content=written)
    repo.write("constitution.md", written)
    took = repo.commit("constitution", iso(11))
    return trail(session_of(repo.path, [(iso(10), gone), (iso(10, 1), new)])).fates, took


def test_a_template_deleted_and_replaced_by_a_new_document_keeps_its_deletion(tmp_path):
    (deleted, written), took = _session(tmp_path, OWN)
    assert (deleted.state, deleted.commit, deleted.superseded_by) == ("alive", took, None)
    assert (written.state, written.commit) == ("alive", took)


def test_a_file_deleted_and_written_back_is_a_deletion_undone(tmp_path):
    (deleted, written), took = _session(tmp_path, TEMPLATE.replace("[GOVERNANCE_RULES]", "Rules TBD."))
    assert (deleted.state, deleted.commit, deleted.superseded_by) == ("lost", None, "s1")
    assert written.commit == took
