"""Survival on the shapes real repositories take (issue 12): one line identity, moves across files,
joined and split lines, re-added lines, stale before-states, one verdict per change."""

from __future__ import annotations

import pytest
from support.trail_kit import Repo, iso, replace, session_of, write

from tracetui.model import FileEdit, Hunk
from tracetui.trail import session_patches, trail
from tracetui.trail.line_identity import MOVED_BLOCK_ALNUM, is_moved_block


def _fates(repo: Repo, edits):
    return trail(session_of(repo.path, edits)).fates


# -- one line identity -----------------------------------------------------------------------------

TWINS = (
    "from pathlib import Path\n\n\n"
    "def save():\n    from pathlib import Path\n    return Path('a')\n\n\n"
    "def find():\n    from pathlib import Path\n    return Path('b')\n"
)


def test_a_committed_deletion_of_an_indented_line_with_a_top_level_twin_is_alive(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("cli.py", TWINS)
    repo.commit("init", iso(9))
    edit = replace(repo, "cli.py", "def find():\n    from pathlib import Path\n", "def find():\n")
    done = repo.commit("tidy", iso(11))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.kept, fate.dropped) == ("alive", done, 1, 0)


def test_a_line_never_committed_is_not_found_in_its_differently_indented_twin(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("m.py", "import os\n\n\ndef run():\n    return 1\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "m.py", "def run():\n", "def run():\n    import os\n")
    repo.git("checkout", "--", "m.py")  # discarded: only the top-level import is left
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.kept) == ("lost", None, 0)


def test_counts_before_the_step_use_the_same_identity_as_matching():
    from tracetui.trail.line_identity import count_before
    from tracetui.trail.patch import Patch

    patch = Patch("s0", "a.py", "update", [], added=[], removed=["    from pathlib import Path"])
    count_before(patch, TWINS)
    assert patch.before_counts == {"    from pathlib import Path": 2}
    assert patch.before_norms == {"frompathlibimportPath": 3}


# -- moves across files ------------------------------------------------------------------------------

MODELS = (
    "from pydantic import BaseModel\n\n\n"
    "class Plan(BaseModel):\n    steps: int = 0\n    done: int = 0\n\n\n"
    "class Other(BaseModel):\n    name: str = ''\n"
)


def test_lines_moved_to_another_file_are_followed_with_path_now(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("core/models.py", MODELS)
    repo.commit("init", iso(9))
    edit = replace(
        repo, "core/models.py", "    done: int = 0\n",
        "    done: int = 0\n    exploration_percentage: float = Field(default=0.0, description='share explored')\n",
    )  # fmt: skip
    done = repo.commit("work", iso(11))
    # a module split into a package: the package first, the old module deleted by a later commit
    repo.write("core/models/session.py", "from pydantic import BaseModel\n\n\n" + repo.read("core/models.py").split("\n\n\n", 1)[1])
    repo.commit("add the package", iso(12), "core/models/session.py")
    repo.git("rm", "-q", "core/models.py", when=iso(13))
    repo.commit("drop the module", iso(13))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.path_now, fate.kept) == ("alive", done, "core/models/session.py", 1)
    # edited after the move: transformed, still followed
    repo.write("core/models/session.py", repo.read("core/models/session.py").replace("'share explored'", "'share of exploration events'"))
    repo.commit("reword", iso(14))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.path_now, fate.changed) == ("transformed", "core/models/session.py", 1)


def test_moved_lines_are_followed_through_a_later_rename_of_their_new_file(tmp_path):
    """pi-mono: a README section moved to docs/authentication.md, renamed providers.md a day later,
    which then grew for weeks. Compared whole (the move's commit against the judged one), git saw no
    rename: path_now named a file that no longer exists, and none of the lines were found. Followed
    commit by commit, as `git log --follow`, the rename is there."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "# Tool\n\nIntro.\n")
    repo.commit("init", iso(9))
    section = (
        "## Authentication\n\nRun `tool login` and pick a provider from the list it shows.\n"
        "Tokens are kept in ~/.tool/auth.json and refreshed before they expire.\n"
    )
    edit = replace(repo, "README.md", "Intro.\n", "Intro.\n\n" + section)
    done = repo.commit("auth docs", iso(11))
    repo.write("README.md", "# Tool\n\nIntro.\n")
    repo.write("docs/authentication.md", "# Authentication\n\n" + section.split("\n\n", 1)[1])
    repo.commit("move the auth docs", iso(12))
    repo.git("mv", "docs/authentication.md", "docs/providers.md", when=iso(13))
    repo.commit("rename", iso(13))
    grown = "".join(f"## Provider {i}\n\nSet `PROVIDER_{i}_KEY` in the environment, or log in.\n\n" for i in range(40))
    repo.write("docs/providers.md", repo.read("docs/providers.md") + grown)
    repo.commit("many providers", iso(14))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.commit, fate.path_now, fate.kept) == (done, "docs/providers.md", 2)


def test_a_common_line_alone_in_another_file_is_no_move(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "from m import (\n    Alpha,\n)\n")
    repo.write("b.py", "x = 1\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "a.py", "    Alpha,\n", "    Alpha,\n    ContextCoverage,\n")
    repo.commit("work", iso(11))
    repo.write("a.py", "from m import (\n    Alpha,\n)\n")
    repo.write("b.py", "from m import (\n    ContextCoverage,\n)\nx = 1\n")
    repo.commit("shuffle", iso(12))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.path_now) == ("reverted", None)


def test_lines_a_new_file_shares_with_the_one_that_keeps_them_are_no_move(tmp_path):
    """wingorithm/Vibe-Coding-Comparison-Project (Gemini CLI): the session wrote PaymentService.java;
    a later commit switched two of its lines to another client while a test written just before
    (PaymentServiceTest.java) repeats the class's import block. The imports never left the class, yet
    the test file was taken for the changed lines' new home: they counted twice and the patch read
    alive. Only lines that left their file can have moved."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "# Shop\n")
    repo.commit("init", iso(9))
    imports = (
        "import shop.exception.InvalidBookingStateException;\n"
        "import shop.exception.PaymentFailedException;\n"
        "import shop.persistence.booking.BookingRepository;\n"
        "import shop.persistence.event.EventRepository;\n"
    )
    service = (
        "package shop.booking;\n\n" + imports + "import org.web.client.RestTemplate;\n\n"
        "public class PaymentService {\n"
        "    private final RestTemplate restTemplate;\n"
        "    public PaymentResult pay(Booking booking) {\n"
        "        return restTemplate.postForEntity(gatewayUrl, booking, PaymentResult.class);\n"
        "    }\n}\n"
    )
    edit = write(repo, "src/PaymentService.java", service)
    done = repo.commit("payments", iso(11))
    test = "package shop.booking;\n\n" + imports + "\nclass PaymentServiceTest {\n}\n"
    repo.write("test/PaymentServiceTest.java", test)
    repo.commit("tests", iso(12))
    field = "    private final RestTemplate restTemplate;\n"
    repo.write("src/PaymentService.java", service.replace(field, "    @Inject Gateway gw;\n"))
    repo.commit("another client", iso(13))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.path_now) == ("transformed", done, None)
    assert (fate.kept, fate.dropped) == (fate.evidence - 1, 1)


# -- joined and split lines --------------------------------------------------------------------------


def test_wrapped_lines_a_formatter_joined_before_the_commit_are_alive(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("db.py", "def load(stats):\n    return stats\n")
    repo.commit("init", iso(9))
    edit = replace(
        repo, "db.py", "    return stats\n",
        "    stats.coverage = calculate_context_coverage(\n        stats.transcript_path, stats.working_directory\n    )\n"
        "    return stats\n",
    )  # fmt: skip
    repo.write("db.py", repo.read("db.py").replace(
        "calculate_context_coverage(\n        stats.transcript_path, stats.working_directory\n    )",
        "calculate_context_coverage(stats.transcript_path, stats.working_directory)",
    ))  # fmt: skip
    done = repo.commit("format", iso(11))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.kept, fate.evidence) == ("alive", done, 2, 2)


def test_a_long_line_a_formatter_split_is_alive(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("f.py", "def show(e):\n    pass\n")
    repo.commit("init", iso(9))
    long_line = '    console.print(f"Tasks: {e.total_todos_completed}/{e.total_todos_created} completed ({e.planning_efficiency:.0%})")\n'
    edit = replace(repo, "f.py", "    pass\n", long_line)
    repo.write("f.py", repo.read("f.py").replace(long_line, '    console.print(\n        ' + long_line.strip()[14:-1] + "\n    )\n"))
    done = repo.commit("format", iso(11))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.kept) == ("alive", done, 1)


# -- lines removed and added back unchanged ------------------------------------------------------------


def test_apply_patch_lines_removed_and_added_back_unchanged_are_context(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "first = 1\nkeep_this_line = 2\nlast = 3\n")
    repo.commit("init", iso(9))
    hunk = Hunk(0, 0, 0, 0, ["-first = 1", "-keep_this_line = 2", "+first = 1", "+keep_this_line = 2", "+added_line = 4", " last = 3"])
    repo.write("a.py", "first = 1\nkeep_this_line = 2\nadded_line = 4\nlast = 3\n")
    edit = FileEdit(path="a.py", op="update", hunks=[hunk])
    repo.commit("work", iso(11))
    repo.write("a.py", "first = 1\nkeep_this_line = 2\nlast = 3\n")
    undone = repo.commit("undo", iso(12))
    [fate] = trail(session_of(repo.path, [(iso(10), edit)], agent="codex")).fates
    assert (fate.patch.added, fate.patch.removed) == (["added_line = 4"], [])
    assert [h.lines for h in fate.patch.hunks] == [[" first = 1", " keep_this_line = 2", "+added_line = 4", " last = 3"]]
    assert (fate.state, fate.kept, fate.commits) == ("reverted", 0, [undone])


GUARDED_BEFORE = (
    "function M:Enter(pc)\n    local PC = find(pc)\n    if PC == nil then\n        return\n    end\n"
    "    -- tell the player\n    notify(PC, 'enter', true)\n    score(PC, 10)\nend\n"
)
GUARD = Hunk(
    5,
    5,
    5,
    8,
    [
        "     end",
        "-    -- tell the player",
        "-    notify(PC, 'enter', true)",
        "-    score(PC, 10)",
        "+    if not self.inside[PC] then",
        "+        self.inside[PC] = true",
        "+        -- tell the player",
        "+        notify(PC, 'enter', true)",
        "+        score(PC, 10)",
        "+    end",
        " end",
    ],
)


def _guarded(text: str) -> str:
    return text.replace(
        "    -- tell the player\n    notify(PC, 'enter', true)\n    score(PC, 10)\n",
        "    if not self.inside[PC] then\n        self.inside[PC] = true\n        -- tell the player\n"
        "        notify(PC, 'enter', true)\n        score(PC, 10)\n    end\n",
    )


def test_lines_a_patch_moved_into_a_new_block_are_not_its_own_while_it_wrote_others(tmp_path):
    """doudouqie66/PaTa's real Codex session (019f80d7, L29) wrapped a monster's warning call in a
    guard: the comment and the call it took out came back re-indented inside the new block. The user
    kept the guard in BaseMonse_Child.lua and threw it away in BaseMonse.lua, whose later commits held
    the old body: matched whitespace-blind, its re-indented lines were found there and the patch read
    transformed, not lost."""
    repo = Repo(tmp_path / "r")
    repo.write("m.lua", "local M = {}\n\n" + GUARDED_BEFORE)
    repo.commit("init", iso(9))
    repo.write("m.lua", "local M = {}\n\n" + _guarded(GUARDED_BEFORE))  # the step
    repo.write("m.lua", "local M = {}  -- monsters\n\n" + GUARDED_BEFORE)  # thrown away, other work
    repo.commit("other work", iso(11))
    edit = FileEdit(path="m.lua", op="update", hunks=[GUARD])
    [fate] = trail(session_of(repo.path, [(iso(10), edit)], agent="codex")).fates
    assert (fate.state, fate.commit, fate.evidence) == ("lost", None, 3)


def test_a_patch_that_moved_lines_into_a_new_block_is_alive_by_the_block(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("m.lua", "local M = {}\n\n" + GUARDED_BEFORE)
    repo.commit("init", iso(9))
    repo.write("m.lua", "local M = {}\n\n" + _guarded(GUARDED_BEFORE))
    done = repo.commit("guard", iso(11))
    edit = FileEdit(path="m.lua", op="update", hunks=[GUARD])
    [fate] = trail(session_of(repo.path, [(iso(10), edit)], agent="codex")).fates
    assert (fate.state, fate.commit, fate.kept, fate.evidence) == ("alive", done, 3, 3)


# -- stale before-states --------------------------------------------------------------------------------


def test_a_merge_mid_session_is_read_from_git_at_the_steps_time(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "".join(f"line_{i} = {i}\n" for i in range(10)))
    repo.commit("init", iso(9))
    first = replace(repo, "a.py", "line_2 = 2\n", "line_2 = 2\nmine = 'first step'\n")
    mine = repo.commit("mine", iso(10, 10))
    # a colleague's change lands (a merge pulled in mid-session): the replay of the log does not know it
    repo.git("switch", "-q", "-c", "other", "HEAD~1", when=iso(10, 20))
    repo.write("a.py", repo.read("a.py").replace("line_8 = 8\n", "line_8 = 8\ntheirs = 'merged in'\n"))
    repo.commit("theirs", iso(10, 20))
    repo.git("switch", "-q", "main", when=iso(10, 30))
    repo.git("merge", "-q", "--no-edit", "other", when=iso(10, 30))
    second = replace(repo, "a.py", "theirs = 'merged in'\n", "theirs = 'merged in'\nagain = 'after the merge'\n")
    for e in (first, second):
        e.original = None  # as Codex and Pi log edits: no snapshot of the file
    done = repo.commit("after", iso(11))
    session = session_of(repo.path, [(iso(10), first), (iso(10, 40), second)])
    before_merge = {"a.py": "".join(f"line_{i} = {i}\n" for i in range(10))}.get
    _, p2 = session_patches(session, base=before_merge)  # the replay alone: stale, and says so
    assert p2.partial is True
    fates = trail(session).fates
    assert [(f.state, f.commit, f.patch.partial) for f in fates] == [("alive", mine, False), ("alive", done, False)]
    assert fates[1].patch.hunks[0].new_start == 9  # placed on the merged file: real line numbers, with context


def test_an_unknowable_before_state_says_partial_and_keeps_the_deletion_floor(tmp_path):
    repo = Repo(tmp_path / "r")
    body = "def a():\n    return compute(1)\n\n\ndef b():\n    return compute(1)\n"
    repo.write("f.py", body)
    repo.commit("init", iso(9))
    # a shell command renamed b to bb in the work tree: neither the replay nor git has `def bb`
    repo.write("f.py", body.replace("def b()", "def bb()"))
    edit = replace(repo, "f.py", "\n\ndef bb():\n    return compute(1)\n", "")
    edit.original = None
    done = repo.commit("drop bb", iso(11))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert fate.patch.partial is True
    assert fate.to_dict()["partial"] is True
    # the remaining `return compute(1)` is a.'s: the deleted block stays deleted
    assert (fate.state, fate.commit, fate.kept, fate.dropped) == ("alive", done, 2, 0)


# -- one change, one verdict ------------------------------------------------------------------------------


def test_an_import_block_consolidated_later_is_one_verdict_for_every_patch(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("h.py", "from slopometry.core.models import (\n    HookEvent,\n)\n\n\nx = 1\n")
    repo.commit("init", iso(9))
    names = ["ContextCoverage", "ComplexityDelta", "PlanEvolution", "ScopedSmell"]
    edits = []
    for i, name in enumerate(names):
        edits.append((iso(10, i), replace(repo, "h.py", "    HookEvent,\n", f"    HookEvent,\n    {name},\n")))
    repo.commit("work", iso(11))
    repo.write("h.py", (
        "from slopometry.core.models.complexity import ComplexityDelta\n"
        "from slopometry.core.models.hook import HookEvent\n"
        "from slopometry.core.models.session import ContextCoverage, PlanEvolution\n"
        "from slopometry.core.models.smell import ScopedSmell\n\n\nx = 1\n"
    ))  # fmt: skip
    repo.commit("split the models", iso(12))
    assert [f.state for f in _fates(repo, edits)] == ["transformed"] * 4


def test_a_join_may_take_in_the_closing_bracket_the_step_did_not_write(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("m.py", "class S:\n    search_to_implementation_ratio: float = Field(\n        default=0.0, description='old'\n    )\n")
    repo.commit("init", iso(9))
    edit = replace(
        repo, "m.py", "    search_to_implementation_ratio: float = Field(\n        default=0.0, description='old'\n",
        "    exploration_percentage: float = Field(\n        default=0.0, description='Percentage of exploration events'\n",
    )  # fmt: skip
    repo.write("m.py", "class S:\n    exploration_percentage: float = Field(default=0.0, description='Percentage of exploration events')\n")
    done = repo.commit("format", iso(11))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.kept) == ("alive", done, 2)


def test_a_deleted_block_stays_deleted_when_new_code_repeats_one_of_its_common_lines(tmp_path):
    repo = Repo(tmp_path / "r")
    visit = "    def visit_{0}(self, node):\n        self.count_{0} += 1\n        self.generic_visit(node)\n\n"
    repo.write("v.py", "class V:\n" + visit.format("Call") + visit.format("Name") + visit.format("Attr"))
    repo.commit("init", iso(9))
    edit = replace(repo, "v.py", visit.format("Name"), "")
    done = repo.commit("drop", iso(11))
    repo.write("v.py", repo.read("v.py") + visit.format("Import"))  # later work: one more generic_visit
    repo.commit("more", iso(12))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.kept, fate.evidence) == ("alive", done, 3, 3)
    repo.write("v.py", repo.read("v.py") + visit.format("Name"))  # the block itself comes back
    repo.commit("restore", iso(13))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.kept) == ("reverted", 0)


def test_a_long_deleted_block_stays_deleted_when_a_new_block_repeats_one_of_its_unique_lines(tmp_path):
    # dphaener/dotfiles: a session deleted a custom zellij `themes { catppuccin-mocha {...} }` block;
    # a later commit added a `themes { tokyo-night {...} }` block. Its opening line had no twin in the
    # file, but one line of thirteen back is new code, not the old theme undone.
    repo = Repo(tmp_path / "r")
    colours = "".join(f"        c{n} \"#{n:02d}{n:02d}{n:02d}\"\n" for n in range(11))
    old = "themes {\n    catppuccin {\n" + colours + "    }\n}\n"
    repo.write("config.kdl", "options {\n    theme \"catppuccin\"\n}\n\n" + old)
    repo.commit("init", iso(9))
    edit = replace(repo, "config.kdl", old, "")
    done = repo.commit("drop the custom theme", iso(11))
    new = "themes {\n    tokyo {\n        fg 169 177 214\n    }\n}\n"
    repo.write("config.kdl", repo.read("config.kdl") + new)
    repo.commit("a theme of another kind", iso(12))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.kept, fate.evidence) == ("alive", done, 13, 13)
    repo.write("config.kdl", repo.read("config.kdl") + old)  # the old block itself comes back
    repo.commit("restore", iso(13))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.kept) == ("reverted", 0)


def test_a_new_copy_of_old_lines_whose_old_copy_a_later_step_deletes_is_its_own(tmp_path):
    repo = Repo(tmp_path / "r")
    old_method = "    def visit_Call(self, node):\n        if node.func.attr == 'get':\n            self.gets += 1\n        self.generic_visit(node)\n"
    repo.write("v.py", "class V:\n" + old_method + "\n    def visit_Name(self, node):\n        pass\n")
    repo.commit("init", iso(9))
    new_method = old_method.replace("node):\n", "node) -> None:\n", 1).replace("self.gets += 1\n", "self.gets += 1\n            self.calls += 1\n")
    write_new = replace(repo, "v.py", "    def visit_Name", new_method + "\n    def visit_Name")
    drop_old = replace(repo, "v.py", "class V:\n" + old_method + "\n", "class V:\n")
    done = repo.commit("rewrite", iso(11))
    fates = _fates(repo, [(iso(10), write_new), (iso(10, 1), drop_old)])
    assert [(f.state, f.commit, f.superseded_by) for f in fates] == [("alive", done, None), ("alive", done, None)]
    assert fates[0].kept == fates[0].evidence


def test_a_file_moved_before_its_first_commit_is_found_under_its_new_name(tmp_path):
    from support.trail_kit import write

    repo = Repo(tmp_path / "r")
    repo.write("README.md", "project\n")
    repo.commit("init", iso(9))
    body = "".join(f"def export_part_{i}(session_id: str) -> list[str]:\n    return load_events(session_id)[{i}:]\n\n" for i in range(6))
    edit = write(repo, "export_development_history.py", body)
    (repo.path / "export_development_history.py").rename(repo.path / "README.md.tmp")
    repo.write("dev_history/export_development_history.py", body)
    (repo.path / "README.md.tmp").unlink()
    done = repo.commit("history export", iso(11))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.path_now, fate.kept) == ("alive", done, "dev_history/export_development_history.py", fate.evidence)


def test_a_whole_file_read_after_a_shell_rewrite_is_the_before_state(tmp_path):
    from tracetui.model import Step, StepKind

    repo = Repo(tmp_path / "r")
    repo.write("t.ts", "const a = 1\nconst b = 2;\n")
    repo.commit("init", iso(9))
    first = replace(repo, "t.ts", "const b = 2;\n", "const b = 2;\nconst c = 3;\n")
    repo.write("t.ts", "const a = 1;\nconst b = 2;\nconst c = 3;\n")  # `npm run check` added a semicolon
    shown = repo.read("t.ts")
    second = replace(repo, "t.ts", "const a = 1;\n", "const a = 1;\nconst d = 4;\n")
    for e in (first, second):
        e.original = None  # Pi logs no snapshot with its edits
    done = repo.commit("work", iso(11))
    session = session_of(repo.path, [(iso(10), first), (iso(10, 5), second)], agent="pi")
    read = Step(id="r", index=0, kind=StepKind.TOOL_CALL, role="assistant", tool="read", tool_call_id="call_r",
                timestamp=iso(10, 3), tool_input={"path": "t.ts"})
    result = Step(id="rr", index=0, kind=StepKind.TOOL_RESULT, role="tool", tool="read", tool_call_id="call_r",
                  timestamp=iso(10, 3), text=shown)  # fmt: skip
    session.steps[1:1] = [read, result]
    fates = trail(session).fates
    assert [(f.patch.partial, f.patch.hunks[0].new_start) for f in fates] == [(False, 1), (False, 1)]
    assert [(f.state, f.commit) for f in fates] == [("alive", done), ("alive", done)]
    # a read cut short is no snapshot of the whole file
    result.text = shown + "\n[12 more lines in file. Use offset=4 to continue]"
    assert [f.patch.partial for f in trail(session).fates] == [False, True]


def test_a_git_version_that_already_holds_the_edit_is_no_before_state(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "one = 1\ntwo = 2\n")
    repo.commit("init", iso(9))
    repo.write("a.py", "one = 1\nshell = 'rewrote'\ntwo = 2\n")  # a shell command, never seen by the log
    edit = replace(repo, "a.py", "two = 2\n", "two = 2\nthree = 3\n")
    edit.original = None
    done = repo.commit("work", iso(10, 0, 30))  # committed within the clock slack of the step
    [fate] = _fates(repo, [(iso(10), edit)])
    # the committed version holds the edit already: taking it as the before-state would make the
    # step's own line an older copy
    assert (fate.state, fate.commit, fate.kept) == ("alive", done, 1)


# -- lines the session itself replaced before any commit ----------------------------------------------

STUB = "export default function App() {\n  return null;\n}\n"


def _stub_then_body(repo: Repo):
    """A stub, its body replaced by a later step, and a twin of the old body written by other means
    (Quelklef/shell-ws: a shell command wrote `return null;` into another function before the commit)."""
    from support.trail_kit import write

    repo.write("README", "app\n")
    repo.commit("init", iso(9))
    stub = write(repo, "App.tsx", STUB)
    body = replace(repo, "App.tsx", "  return null;\n", "  return render(<Canvas />);\n")
    repo.write("App.tsx", "function Empty() {\n    return null;\n}\n\n" + repo.read("App.tsx"))
    return [(iso(10), stub), (iso(10, 5), body)]


def test_a_line_a_later_step_replaced_before_any_commit_is_not_found_in_a_twin(tmp_path):
    repo = Repo(tmp_path / "r")
    edits = _stub_then_body(repo)
    done = repo.commit("the app", iso(11))
    stub, body = _fates(repo, edits)
    # the declaration reached the commit; the stub's `return null;` did not, whatever Empty() holds
    assert (stub.state, stub.commit, stub.kept, stub.superseded_by) == ("transformed", done, 1, "s1")
    assert (body.state, body.commit) == ("alive", done)


def test_a_line_a_later_step_removed_after_a_commit_had_it_is_judged_as_before(tmp_path):
    repo = Repo(tmp_path / "r")
    from support.trail_kit import write

    repo.write("README", "app\n")
    repo.commit("init", iso(9))
    stub = write(repo, "App.tsx", STUB)
    first = repo.commit("stub", iso(10, 2))
    body = replace(repo, "App.tsx", "  return null;\n", "  return render(<Canvas />);\n")
    repo.commit("the app", iso(11))
    [fate, _] = _fates(repo, [(iso(10), stub), (iso(10, 5), body)])
    assert (fate.state, fate.commit, fate.kept) == ("transformed", first, 1)


def test_a_line_a_later_step_only_re_indents_is_still_the_patchs(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "def f():\n    pass\n")
    repo.commit("init", iso(9))
    add = replace(repo, "a.py", "    pass\n", "    if ready():\n    start_the_engine()\n")
    indent = replace(repo, "a.py", "    start_the_engine()\n", "        start_the_engine()\n")
    done = repo.commit("work", iso(11))
    first, _ = _fates(repo, [(iso(10), add), (iso(10, 5), indent)])
    assert (first.state, first.commit, first.kept) == ("alive", done, 2)


# -- a line edited a little at a time -------------------------------------------------------------------


def test_a_line_reworded_over_several_commits_is_transformed_not_reverted(tmp_path):
    # as pi-mono's README "**No sub-agents.** ..." line: edited by three commits, still the same sentence
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "# Tool\n\nIntro.\n\n## Philosophy\n\nPLACE\n\nEnd.\n")
    repo.commit("init", iso(9))
    first = "**Single process.** Run several copies in tmux panes, or write a runner tool with plugins."
    first += " See every step."
    edit = replace(repo, "README.md", "PLACE", first)
    done = repo.commit("philosophy", iso(11))
    # each version close to the one before it (difflib ratios 0.84, 0.9, 0.65), the last far from the first
    steps = [
        "**Single process.** Run several copies in tmux panes, or [write your own runner](examples/runner/)"
        " with plugins. You see every step.",
        "**Single process.** Run several copies in tmux panes, or [write your own runner](examples/runner/)"
        " with [extensions](#extensions). You see every step.",
        "**Single process.** There are many ways around it. Run several copies in tmux panes, or write your"
        " own with [extensions](#extensions), or pick a package that does it for you.",
    ]
    before = first
    for i, text in enumerate(steps):
        repo.write("README.md", repo.read("README.md").replace(before, text))
        repo.commit(f"reword {i}", iso(12 + i))
        before = text
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.changed) == ("transformed", done, 1)


def test_a_line_removed_and_unrelated_lines_added_stays_reverted(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("notes.md", "# Notes\n\nPLACE\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "notes.md", "PLACE", "Run the server with `make serve` before the tests.")
    done = repo.commit("notes", iso(11))
    repo.write("notes.md", "# Notes\n\nThe project has moved to another home.\n")
    repo.commit("moved", iso(12))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.changed) == ("reverted", done, 0)


def test_a_line_edited_back_to_what_the_patch_replaced_is_reverted(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("conf.py", "name = 'svc'\ntimeout_seconds = 30\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "conf.py", "timeout_seconds = 30\n", "timeout_seconds = 45  # slower disks\n")
    done = repo.commit("slower", iso(11))
    repo.write("conf.py", "name = 'svc'\ntimeout_seconds = 45\n")
    repo.commit("tidy", iso(12))
    repo.write("conf.py", "name = 'svc'\ntimeout_seconds = 30\n")
    repo.commit("back", iso(13))
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.changed) == ("reverted", done, 0)


# -- a file merged into another and reworded there ----------------------------------------------------

SECTION = (
    "### Thinking Level Borders (6 colors)\n\n| Token | Purpose |\n|-------|---------|\n"
    "| `thinkingHigh` | Border for high thinking |\n| `thinkingXhigh` | Border for xhigh thinking |\n\n"
    "### Bash Mode (1 color)\n\n| Token | Purpose |\n|-------|---------|\n"
    "| `bashMode` | Editor border color in bash mode |\n"
)


def _merged(repo: Repo, section: str):
    repo.write("docs/theme.md", "# Theme\n\nIntro to themes.\n\nPLACE\n")
    repo.write("docs/themes.md", "# Themes\n\nHow to pick one.\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "docs/theme.md", "PLACE\n", SECTION)
    done = repo.commit("borders", iso(11))
    (repo.path / "docs/theme.md").unlink()
    repo.write("docs/themes.md", repo.read("docs/themes.md") + "\n" + section)
    repo.commit("merge theme.md into themes.md", iso(12))
    return edit, done


def test_a_file_merged_into_another_and_reworded_there_is_followed(tmp_path):
    # pi-mono's docs/theme.md, merged into docs/themes.md by d79eb99c: headings verbatim, rows reworded
    repo = Repo(tmp_path / "r")
    reworded = (
        "### Thinking Level Borders (6 colors)\n\nEditor border colors by thinking level:\n\n"
        "| Token | Purpose |\n|-------|---------|\n| `thinkingHigh` | High thinking |\n"
        "| `thinkingXhigh` | Border for extra high thinking |\n\n"
        "### Bash Mode (1 color)\n\n| Token | Purpose |\n|-------|---------|\n"
        "| `bashMode` | Editor border in bash mode |\n"
    )
    edit, done = _merged(repo, reworded)
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.path_now) == ("transformed", done, "docs/themes.md")


def test_a_deleted_file_whose_heading_alone_recurs_elsewhere_stays_reverted(tmp_path):
    repo = Repo(tmp_path / "r")
    edit, done = _merged(repo, "### Thinking Level Borders (6 colors)\n\nSee the theme editor for these.\n")
    [fate] = _fates(repo, [(iso(10), edit)])
    assert (fate.state, fate.commit, fate.path_now) == ("reverted", done, None)


def test_a_set_of_norms_made_in_one_pass_is_each_lines_norm():
    from tracetui.trail.line_identity import norm, norm_set

    alphabet = [" ", "\t", "\r", "\n", "\x0b", "\x0c", "\u00a0", "\u2028", "a", "b"]
    cases = [[], [""], ["a\nb", "a b"], ["x"] * 3]
    cases += [["".join(alphabet[(i * 7 + j * 3 + k) % len(alphabet)] for k in range(i % 5)) for j in range(i % 4)]
              for i in range(400)]  # fmt: skip
    for lines in cases:
        assert norm_set(lines) == {norm(x) for x in lines}, lines


# -- a moved block, one concept for the trail and blame ----------------------------------------------


@pytest.mark.parametrize(
    ("texts", "block"),
    [
        (["a = 1", "b = 2"], False),  # two short lines: neither enough lines nor enough letters
        (["a = 1", "b = 2", "c = 3"], True),  # MOVED_BLOCK_LINES lines
        (["x" * (MOVED_BLOCK_ALNUM - 1)], False),
        (["x" * (MOVED_BLOCK_ALNUM - 10), "  y = " + "z" * 9], True),  # the alphanumerics are summed
        (["}", "{"], False),
    ],
)
def test_a_moved_block_is_counted_in_lines_or_alphanumerics(texts, block):
    assert is_moved_block(texts) is block
