"""One seal scope: the seal, `tracetui seal` and the app's seal dialog agree on what goes in."""

from __future__ import annotations

import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import SealRefused, finding_line, seal, seal_scope
from tracetui.errors import TracetuiError

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit


@pytest.fixture
def session(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    return kit.make_session(repo), repo


def test_scope_counts_only_findings_the_capsule_carries(session):
    session, _ = session
    session.steps[6].text += " mail bob@corp.example.net please"
    plan = kit.find_values(session, {"bob@corp.example.net": ("email", "suggested")})
    whole = seal_scope(session, plan)
    assert [f["index"] for f in whole.undecided] == [6]
    assert whole.refusal() is not None and "1 suggested finding needs a decision" in str(whole.refusal())
    early = seal_scope(session, plan, (0, 1))
    assert session.steps[6].id not in early.included
    assert early.undecided == [] and early.refusal() is None


def test_the_seal_refuses_exactly_what_the_scope_lists(session, tmp_path):
    session, repo = session
    session.steps[6].text += " mail bob@corp.example.net please"
    plan = kit.find_values(session, {"bob@corp.example.net": ("email", "suggested")})
    with pytest.raises(SealRefused) as info:
        seal(session, plan, repo=repo, out=tmp_path / "x.capsule")
    assert info.value.findings == seal_scope(session, plan).undecided
    assert [finding_line(f) for f in info.value.findings] == ["step 6 text: email (suggested)"]
    assert not (tmp_path / "x.capsule").exists()


def test_a_range_with_no_steps_says_which_steps_exist(session):
    session, _ = session
    with pytest.raises(TracetuiError, match=r"no steps in the range 40:50 \(its steps are 0:6\)"):
        seal_scope(session, None, (40, 50))


def test_finding_lines_never_carry_control_bytes():
    line = finding_line({"step": "x", "index": 3, "field": "text\x1b]52;c;AAAA\x07", "kind": "k\x9b", "tier": "auto"})
    assert "\x1b" not in line and "\x9b" not in line and "\x07" not in line


def test_a_range_capsules_receipt_counts_exactly_the_placeholders_it_carries(session, tmp_path):
    from tracetui.capsule import open_capsule
    from tracetui.capsule.archive import read_archive
    from tracetui.capsule.manifest import ALLOWED, CTX, TRACE, TRAIL

    session, repo = session
    early = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    late = "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
    session.steps[0].text += f" token {early}"
    session.steps[1].text += f" again {early}"
    session.steps[6].text += f" slack {late}"
    plan = kit.find_values(session, {early: ("github-token", "auto"), late: ("slack-token", "auto")}, "auto")
    result = seal(session, plan, (0, 1), repo=repo, out=tmp_path / "r.capsule", secret=b"\x05" * 32)
    members = read_archive((tmp_path / "r.capsule").read_bytes(), ALLOWED)
    carried = members[TRACE] + members[CTX] + members[TRAIL]
    kinds = {row["kind"]: row for row in result.receipt}
    assert set(kinds) == {"github-token"}, "the receipt names a kind the capsule does not carry"
    row = kinds["github-token"]
    assert row["count"] == carried.count(row["placeholder"].encode()) == 2
    assert open_capsule(tmp_path / "r.capsule").receipt == result.receipt


def test_repo_relative_patch_paths_survive_the_scrubs_so_the_replay_finds_them(session, tmp_path):
    from tracetui.capsule import open_capsule, replay
    from tracetui.model import FileEdit

    session, repo = session
    # A file whose path holds the user's name: the user-name scrub must not rename it in the trail.
    write = session.steps[2]
    notes = f"{repo}/docs/alice-notes.md"
    write.edits = [FileEdit(notes, "create", content="# notes\n")]
    write.tool_input = {"file_path": notes, "content": "# notes\n"}
    plan = kit.find_values(session, {"alice": ("user-name", "auto")}, "auto")
    seal(session, plan, repo=repo, out=tmp_path / "n.capsule", secret=b"\x09" * 32)
    capsule = open_capsule(tmp_path / "n.capsule")
    assert "docs/alice-notes.md" in {f["path"] for f in capsule.fates}
    assert "alice" not in capsule.steps[2].tool_input["file_path"]  # the log's own text is scrubbed
    result = replay(capsule, repo)
    assert result.failed == 0 and result.applied == len(capsule.fates)
