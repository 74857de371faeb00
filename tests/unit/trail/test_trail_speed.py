"""The trail's cost grows with the history and the patches, not with their product squared (issue 12's
speed bullet). Bounds are CPU seconds and generous (the machine is shared): each guards a scan that
once was quadratic, and took far longer than its bound.
"""

from __future__ import annotations

import time

from support.trail_kit import Repo, iso, replace, session_of

from tracetui.trail import trail

LINES = 3000
MOVED = 5000


def _body(n: int, tag: str) -> str:
    return "".join(f"value_{tag}_{i} = compute({i}, '{tag}')\n" for i in range(n))


def test_a_long_patch_moved_whole_to_another_file_is_followed_in_linear_time(tmp_path):
    # A 5,000-line patch, then a commit that takes every line into another file (a module split):
    # the block test once grew each matched line's run over the whole file, for every line.
    repo = Repo(tmp_path / "r")
    repo.write("big.py", "# header\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "big.py", "# header\n", "# header\n" + _body(MOVED, "a"))
    done = repo.commit("work", iso(11))
    repo.write("pkg/moved.py", "# moved here\n" + _body(MOVED, "a"))
    repo.write("big.py", "# header\n")
    repo.commit("split", iso(12))
    session = session_of(repo.path, [(iso(10), edit)])
    c0 = time.process_time()
    [fate] = trail(session, repo=repo.path).fates
    spent = time.process_time() - c0
    assert (fate.state, fate.commit, fate.path_now, fate.kept) == ("alive", done, "pkg/moved.py", MOVED)
    assert spent < 5, f"{spent:.1f} s of CPU for one moved patch"  # 0.3 s now; 27 s with the quadratic scan


def test_many_patches_on_a_long_file_with_a_long_history(tmp_path):
    # 120 patches into one 3,000-line file, each committed on its own, every third reverted later,
    # and 120 more commits that touch the file elsewhere: every patch is judged against every version.
    repo = Repo(tmp_path / "r")
    rows = [f"row_{i} = {i}" for i in range(LINES)]
    repo.write("long.py", "\n".join(rows) + "\n")
    repo.commit("init", iso(8))
    edits = []
    for i in range(120):
        anchor = f"row_{i * 20} = {i * 20}\n"
        edit = replace(repo, "long.py", anchor, f"{anchor}patch_{i} = compute({i}, 'session', rows={i})\n")
        edits.append((iso(9, i // 60, i % 60), edit))
        repo.commit(f"patch {i}", iso(10, i // 60, i % 60))
    for k in range(120):
        text = repo.read("long.py")
        if k % 3 == 0:
            text = text.replace(f"patch_{k} = compute({k}, 'session', rows={k})\n", "")
        text = text.replace(f"row_{2999 - k} = {2999 - k}", f"row_{2999 - k} = {2999 - k}  # touched {k}")
        repo.write("long.py", text)
        repo.commit(f"later {k}", iso(12, k // 60, k % 60))
    session = session_of(repo.path, edits)
    c0 = time.process_time()
    fates = trail(session, repo=repo.path).fates
    spent = time.process_time() - c0
    assert all(f.commit is not None for f in fates)
    # a removed patch line reads as edited into a later patch's similar line: transformed, or reverted
    assert [f.state == "alive" for f in fates] == [i % 3 != 0 for i in range(120)]
    assert spent < 15, f"{spent:.1f} s of CPU for 120 patches"


def test_versions_of_a_long_file_are_counted_from_the_one_before(tmp_path, monkeypatch):
    # A 4,000-line changelog that gains an entry in each of 150 commits, and a patch that never reached
    # a commit: the accepting-commit search counts every version. Each was once split and counted
    # whole; now only the lines where it differs from the version counted before it are.
    from tracetui.trail import file_lines as fl

    repo = Repo(tmp_path / "r")
    entries = [f"- fixed issue {i}: the widget no longer drops event {i} on resize\n" for i in range(4000)]
    repo.write("CHANGELOG.md", "# Changelog\n" + "".join(entries))
    repo.commit("init", iso(8))
    own = "# Changelog\n- the session's own entry, never committed\n"
    edit = replace(repo, "CHANGELOG.md", "# Changelog\n", own)
    repo.write("CHANGELOG.md", "# Changelog\n" + "".join(entries))  # undone before any commit
    for k in range(150):
        entries.insert(0, f"- release note {k}: a new entry at the top\n")
        repo.write("CHANGELOG.md", "# Changelog\n" + "".join(entries))
        repo.commit(f"release {k}", iso(11, k // 60, k % 60))
    whole: list[int] = []
    counted_whole = fl.FileLines.of.__func__  # type: ignore[attr-defined]  # the function, to call with cls

    def of(cls, text, *args, **kwargs):
        if text and len(text) > 100_000:
            whole.append(len(text))
        return counted_whole(cls, text, *args, **kwargs)

    monkeypatch.setattr(fl.FileLines, "of", classmethod(of))
    session = session_of(repo.path, [(iso(10), edit)])
    [fate] = trail(session, repo=repo.path).fates
    assert fate.state == "lost"
    # The first version is counted whole, the others from it (the judged one also whole, for edited lines).
    assert len(whole) <= 5, f"{len(whole)} of 151 versions were counted whole"
