"""The app's seal dialog offers `<capsules>/<first 8 characters of the session id>-A-B.capsule`, and the
id is the log's: an id starting `\\x1b[2J../` put the ESC into the dialog's Input, which Textual draws
as it is (the terminal cleared its screen; `\\x1bc` resets it), and its `../` named a file outside the
capsules folder. Found 2026-11-28 drawing the dialog for such a session. The name is made of the
id's plain characters now, as the export names a log's files (`safe_component`)."""

from __future__ import annotations

import pytest

from tracetui.model import Session, Step, StepKind
from tracetui.ui.screens.seal import default_output


@pytest.mark.parametrize("sid", ["\x1b[2J../x", "\x1bc/a/b/c", "../../..", "a\u202eb\x9bcdef", "..", "/"])
def test_the_offered_capsule_is_a_plain_file_in_the_capsules_folder(tmp_path, sid):
    steps = [Step("u", 0, StepKind.USER, "user", "hi"), Step("a", 3, StepKind.ASSISTANT, "assistant", "ok")]
    path = default_output(Session(sid, "pi", "x.jsonl", steps=steps), None, tmp_path)
    assert path.parent == tmp_path and path.name.endswith("-0-3.capsule")
    assert path.name.isascii() and path.name.isprintable() and not path.name.startswith("."), path.name


def test_a_uuid_s_prefix_is_kept():
    steps = [Step("u", 0, StepKind.USER, "user", "hi")]
    session = Session("6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90", "claude", "x.jsonl", steps=steps)
    assert default_output(session, (0, 0)).name == "6f0c2a4e-0-0.capsule"
