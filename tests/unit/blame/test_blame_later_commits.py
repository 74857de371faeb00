"""A file's blame judges its writers' patches without the later commits that changed their lines
(`Fate.commits`), which no blame shows: a tenth of the judgement of pi-mono's `interactive-mode.ts`.
Those fates are cached apart, so that a trail never shows them without; a blame reads a trail's.
"""

from __future__ import annotations

from support.trail_kit import iso, replace, Repo, session_of

import tracetui.trail.judging as judging
from tracetui.blame import blame_file
from tracetui.library import MemoryLibrary
from tracetui.trail import trail


def _edited_later(tmp_path):
    """A session's two lines, committed; a later commit edits one of them."""
    repo = Repo(tmp_path / "repo")
    repo.write("a.py", "def f():\n    return 1\n")
    repo.commit("start", iso(9))
    edit = replace(repo, "a.py", "    return 1\n", "    x = compute_the_value(1)\n    return x + 1\n")
    session = session_of(repo.path, [(iso(10), edit)])
    repo.commit("the session's lines", iso(10, 30))
    repo.write("a.py", repo.read("a.py").replace("x + 1", "x + 2"))
    later = repo.commit("a human's edit", iso(11))
    return repo, session, later


def test_a_blame_asks_no_later_commit_and_a_trail_still_shows_them(tmp_path, monkeypatch):
    repo, session, later = _edited_later(tmp_path)
    library = MemoryLibrary([session])
    library.cache_dir = tmp_path / "cache"
    asked: list[str] = []
    real = judging._later_commits

    def counted(*args, **kwargs):
        asked.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(judging, "_later_commits", counted)
    lines = blame_file(library, "a.py", repo=repo.path).lines
    assert [(x.text.strip(), x.kind, x.state) for x in lines if "compute" in x.text] == [
        ("x = compute_the_value(1)", "agent", "transformed"),
    ]
    assert asked == []
    # The blame's fates are in the cache, apart: the trail judges again and shows the later commit.
    [fate] = trail(session, repo=repo.path, cache_dir=library.cache_dir).fates
    assert fate.state == "transformed" and fate.commits == [later] and asked == ["a.py"]
    # A blame made after it reads the trail's fates, later commits and all.
    assert blame_file(library, "a.py", repo=repo.path).lines == lines
    assert asked == ["a.py"]
