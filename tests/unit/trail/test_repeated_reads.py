"""Work a trail or a blame did again for the same answer: `FileVersions.followed` for every patch whose
lines one commit moved, and a blame range judging every writing session's trail again at each
commit it wrote in. The answers are the same; they are worked out once."""

from __future__ import annotations

from collections import Counter

from support.trail_kit import Repo, iso, replace, session_of

import tracetui.blame.file_blame as file_blame
import tracetui.trail.file_versions as file_versions
from tracetui.blame import blame_range
from tracetui.library import MemoryLibrary
from tracetui.trail import trail


def test_a_moved_file_is_followed_to_the_judged_commit_once_for_all_its_patches(tmp_path, monkeypatch):
    # Five sections of a README moved together into docs/topics.md, renamed a commit later: each
    # patch's move search asked where the new file went, and walked the history again.
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "# Tool\n\nIntro.\n")
    repo.commit("init", iso(9))
    edits, sections = [], []
    for i in range(5):
        section = (f"\n## Topic {i}\n\nRun `tool topic-{i} --fast` to set up provider {i}.\n"
                   f"Its keys live in ~/.tool/t{i}.json.\n")  # fmt: skip
        old = repo.read("README.md")
        edits.append((iso(10, i), replace(repo, "README.md", old, old + section)))
        sections.append(section)
    repo.commit("docs", iso(11))
    repo.write("README.md", "# Tool\n\nIntro.\n")
    repo.write("docs/topics.md", "# Topics\n" + "".join(sections))
    repo.commit("move", iso(12))
    repo.git("mv", "docs/topics.md", "docs/all-topics.md", when=iso(13))
    repo.commit("rename", iso(13))
    walks: Counter = Counter()
    follow = file_versions.FileVersions._follow

    def counted(self, history, start, judged, name):
        walks[(start, judged, name)] += 1
        return follow(self, history, start, judged, name)

    monkeypatch.setattr(file_versions.FileVersions, "_follow", counted)
    fates = trail(session_of(repo.path, edits)).fates
    assert [(f.state, f.path_now) for f in fates] == [("alive", "docs/all-topics.md")] * 5
    assert list(walks.values()) == [1]


def test_a_blame_range_judges_each_writing_session_s_trail_once(tmp_path, monkeypatch):
    # One session's two edits, taken by two commits: blamed one by one, each commit judged the
    # session's trail again (its patches replayed from the log).
    repo = Repo(tmp_path / "r")
    repo.write("app.py", "BASE = 1\n")
    base = repo.commit("init", iso(9))
    greet = "BASE = 1\n\ndef greet(name):\n    return 'hello ' + name\n"
    first = replace(repo, "app.py", "BASE = 1\n", greet)
    repo.commit("greet", iso(10, 30))
    old = repo.read("app.py")
    second = replace(repo, "app.py", old, old + "\n\ndef farewell(name):\n    return 'bye ' + name\n")
    head = repo.commit("farewell", iso(11, 30))
    session = session_of(repo.path, [(iso(10), first), (iso(11), second)])
    judged: Counter = Counter()
    real = file_blame.trail

    def counted(session, *args, **kwargs):
        judged[session.id] += 1
        return real(session, *args, **kwargs)

    monkeypatch.setattr(file_blame, "trail", counted)
    rng = blame_range(MemoryLibrary([session]), f"{base}..{head}", repo=repo.path)
    assert [(c.added, c.explained) for c in rng.commits] == [(3, 3), (4, 4)]
    assert dict(judged) == {session.id: 1}


def test_a_memory_search_reads_each_step_s_arguments_once(monkeypatch):
    # A hit's arguments were made into words for the match and again for its snippet.
    import tracetui.library as library
    from tracetui.model import Session, Step, StepKind

    steps = [Step(f"s{i}", i, StepKind.TOOL_CALL, "assistant", "", None, tool="shell",
                  tool_input={"command": ["grep", "-rn", "needle" if i % 2 else "hay", "src/"]})
             for i in range(6)]  # fmt: skip
    steps.append(Step("u", 6, StepKind.USER, "user", "where is the needle", None))
    lib = MemoryLibrary([Session("id1", "codex", "/x", steps=steps)])
    calls: Counter = Counter()
    words = library.argument_words

    def counted(value):
        calls[id(value)] += 1
        return words(value)

    monkeypatch.setattr(library, "argument_words", counted)
    hits = lib.search("needle", limit=50)
    assert [h.step for h in hits] == ["s1", "s3", "s5", "u"]
    assert hits[0].snippet.startswith("grep -rn needle") and hits[0].match is not None
    assert sorted(calls.values()) == [1] * 7  # every step once, hit or not (the prompt's None too)
    calls.clear()
    assert [h.step for h in lib.search("kind:user needle")] == ["u"]
    assert sum(calls.values()) == 1  # the calls are not looked in: only the prompt's (no) arguments
