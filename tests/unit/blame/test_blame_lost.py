"""Blame and the trail judge as one (issue 34): a line at the reference is never credited to a patch
the trail calls `lost`. The history is built here, with made-up sessions:
- day 1 09:00 a human commits app.py;
- day 1 10:00 a session writes tool.py (a generic `raise SystemExit(0)` among its lines); the file is
  thrown away, never committed: the trail calls the patch `lost`;
- day 4 a human writes tool.py by hand, with the same generic line, and commits it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from support.blame_world import model_session
from support.trail_kit import Repo

from tracetui.blame import blame_commit, blame_file, blame_range
from tracetui.library import MemoryLibrary
from tracetui.trail import trail

SESSION = "sess-lost-tool"
GENERIC = "    raise SystemExit(0)"
BY_SESSION = "import sys\n\n\ndef run():\n    print('the session was here')\n" + GENERIC + "\n"
BY_HAND = "def stop():\n    print('stopping by hand')\n" + GENERIC + "\n"


def day(n: int, hour: int) -> str:
    return datetime(2026, 3, n, hour, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _world(tmp_path, hand_day: int = 4):
    repo = Repo(tmp_path / "repo")
    repo.write("app.py", "print('app')\n")
    repo.commit("start", day(1, 9))
    where = str(repo.path / "tool.py")
    session = model_session(SESSION, str(repo.path), day(1, 10), where, BY_SESSION, "a tool")
    # The session's file is thrown away (never added, never committed).
    repo.write("tool.py", BY_HAND)
    by_hand = repo.commit("tool by hand", day(hand_day, 9) if hand_day > 1 else day(1, 11))
    return repo, MemoryLibrary([session]), by_hand


def test_a_generic_line_a_human_wrote_days_after_a_lost_patch_is_the_human_s(tmp_path):
    repo, library, by_hand = _world(tmp_path)
    (fate,) = trail(library.session(SESSION), repo=str(repo.path)).fates
    assert fate.state == "lost"
    result = blame_file(library, "tool.py", repo=repo.path)
    line = next(x for x in result.lines if x.text == GENERIC)
    assert (line.kind, line.state, line.writer, line.commit) == ("human", "human", None, by_hand)
    assert line.reason is not None and "is lost at HEAD" in line.reason and "3 days" in line.reason
    assert all(x.kind == "human" for x in result.lines)
    # The commit's view and the range's agree: no session explains a line of it.
    commit = blame_commit(library, by_hand, repo=repo.path)
    assert commit.steps == [] and commit.explained == 0
    generic = next(u for u in commit.unexplained if u["text"] == GENERIC)
    assert generic["kind"] == "human" and "lost" in generic["reason"]
    ranged = blame_range(library, f"{by_hand}~1..{by_hand}", repo=repo.path)
    assert [c.explained for c in ranged.commits] == [0]


def test_a_lost_patch_s_line_committed_the_same_day_is_unknown_with_the_reason(tmp_path):
    """Within the day, the lost patch may have been the text's source after all: unknown, not human."""
    repo, library, by_hand = _world(tmp_path, hand_day=1)
    line = next(x for x in blame_file(library, "tool.py", repo=repo.path).lines if x.text == GENERIC)
    assert (line.kind, line.state, line.writer) == ("unknown", "unknown", None)
    assert line.reason is not None and "reached no commit" in line.reason


def test_a_line_of_a_patch_that_landed_stays_the_session_s(tmp_path):
    """The same session, its file committed: its lines are its own (alive), the generic one too."""
    repo = Repo(tmp_path / "repo")
    repo.write("app.py", "print('app')\n")
    repo.commit("start", day(1, 9))
    where = str(repo.path / "tool.py")
    session = model_session(SESSION, str(repo.path), day(1, 10), where, BY_SESSION, "a tool")
    repo.write("tool.py", BY_SESSION)
    repo.commit("the tool", day(1, 11))
    result = blame_file(MemoryLibrary([session]), "tool.py", repo=repo.path)
    line = next(x for x in result.lines if x.text == GENERIC)
    assert (line.kind, line.state) == ("agent", "alive") and line.writer is not None
