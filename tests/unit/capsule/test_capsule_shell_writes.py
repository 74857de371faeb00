"""A file a shell step wrote whole, with a text the log holds, travels in the capsule (issue 40).

An agent that makes a file with `cat > f <<'EOF'` (spec-kit's way) and then edits it left a capsule
whose edit could not apply: the file did not exist at replay. The capsule now carries the shell step's
write as a patch of that step (`origin: "shell"`), scrubbed and gated like every other record, applied
in its place by replay and bisect, named by `--skip`, refused where its path leaves the clone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest
from support.narrow import present
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, REPRODUCES, CapsuleError, bisect, open_capsule, replay, seal
from tracetui.capsule import manifest as mf
from tracetui.capsule.archive import read_archive, write_archive
from tracetui.model import FileEdit, Hunk, Step, StepKind
from tracetui.redact import build_plan, scan_session
from tracetui.trail import shell_patches
from tracetui.trail.shell_writes import shell_texts

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

SECRET = b"\x07" * 32
SPEC = "# Spec\n\nThe tool adds numbers.\n"
REVISED = "The tool adds two numbers."
CHECK = f"grep -qx '{REVISED}' specs/spec.md && grep -qx '# Spec' specs/spec.md"
TOKEN = "ghp_Q4wE7rT1yU9iO3pA6sD2fG8hJ5kL0zX4cV7b"  # made up, in a GitHub token's shape


def _session(repo: Path, body: str = SPEC, target: str = "specs/spec.md"):
    """The kit's session with a shell step that writes `target` through a here-document, then an edit
    of it (the log's hunk, as Claude Code's structuredPatch gives it)."""
    s = kit.make_session(repo)
    cwd = str(repo)
    ts = s.steps[5].timestamp
    command = f"mkdir -p specs && cat > {target} <<'EOF'\n{body}EOF"
    edit = FileEdit(
        f"{cwd}/specs/spec.md", "update", old_string="The tool adds numbers.", new_string=REVISED,
        hunks=[Hunk(3, 1, 3, 1, ["-The tool adds numbers.", f"+{REVISED}"])],
    )  # fmt: skip
    s.steps[6:6] = [
        Step("c8", 0, StepKind.TOOL_CALL, "assistant", "", ts, tool="Bash", tool_call_id="toolu_8",
             tool_input={"command": command}, parent="r2"),
        Step("r8", 0, StepKind.TOOL_RESULT, "tool", "", ts, tool="Bash", tool_call_id="toolu_8", parent="c8"),
        Step("c9", 0, StepKind.TOOL_CALL, "assistant", "", ts, tool="Edit", tool_call_id="toolu_9",
             tool_input={"file_path": edit.path, "old_string": edit.old_string, "new_string": REVISED},
             parent="r8", edits=[edit]),
        Step("r9", 0, StepKind.TOOL_RESULT, "tool", "ok", ts, tool="Edit", tool_call_id="toolu_9",
             parent="c9"),
    ]  # fmt: skip
    for i, step in enumerate(s.steps):
        step.index = i
    s.steps[-1].parent = "r9"
    return s


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shellcap")
    repo, _ = kit.make_repo(tmp)
    session = _session(repo)
    out = tmp / "spec.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=out, secret=SECRET)
    return repo, open_capsule(out), session


def test_the_capsule_carries_the_shell_steps_write_before_the_edit(sealed):
    _, opened, _ = sealed
    rows = [(r["step"], r["path"], r["op"], r.get("origin")) for r in opened.fates]
    assert rows == [
        ("c1", "test_calc.py", "create", None),
        ("c2", "README.md", "update", None),
        ("c8", "specs/spec.md", "write", "shell"),
        ("c9", "specs/spec.md", "update", None),
    ]
    shell = opened.fates[2]
    assert shell["hunks"][0]["lines"] == ["+# Spec", "+", "+The tool adds numbers."]
    assert shell["state"] == "unknown" and "shell command" in shell["reason"]


def test_replay_applies_the_write_and_the_edit_and_the_check_passes(sealed):
    repo, opened, _ = sealed
    result = replay(opened, repo, check=CHECK, trust=True, sandbox=None)
    assert (result.applied, result.failed, result.partial) == (4, 0, False), result.patches
    assert result.base_check is not None and result.base_check.exit_code == 0
    assert result.verdict == INCONCLUSIVE  # the check passes: the capsule records no failure to reproduce


def test_skip_names_the_shell_step_and_the_edit_then_has_no_file(sealed):
    repo, opened, session = sealed
    number = str(next(s.index for s in session.steps if s.id == "c8"))
    result = replay(opened, repo, trust=True, sandbox=None, skip=[f"{number}:specs/spec.md"])
    reasons = {(p.step, p.path): p.reason for p in result.patches if not p.ok}
    assert present(reasons[("c8", "specs/spec.md")]).startswith("skipped")
    assert reasons[("c9", "specs/spec.md")] == "the file does not exist"


def test_bisect_counts_the_shell_write_as_its_steps_patch(sealed):
    repo, opened, _ = sealed
    result = bisect(opened, repo, "test ! -f specs/spec.md", trust=True, sandbox=None)
    assert result.verdict == REPRODUCES and result.first_step == "c8"
    assert {(p["step"], p["path"]) for p in result.minimal_patches} == {("c8", "specs/spec.md")}


def test_a_string_edit_of_a_shell_written_file_is_placed_in_its_text(tmp_path):
    """An edit that gives only strings (no hunks) of a file the shell wrote: the trail reads the
    here-document's text as a read's, so the patch has whole lines and applies at replay. Before, its
    before-state was unknown, its hunk a fragment of a line (`partial`), and the replay refused it."""
    repo, _ = kit.make_repo(tmp_path)
    session = _session(repo)
    edit = session.steps[8].edits[0]
    edit.hunks, edit.old_string, edit.new_string = [], "adds numbers", "adds two numbers"
    out = tmp_path / "c.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=out, secret=SECRET)
    opened = open_capsule(out)
    [placed] = [r for r in opened.fates if r["step"] == "c9"]
    assert placed["hunks"][0]["lines"] == [" # Spec", " ", "-The tool adds numbers.", f"+{REVISED}"]
    result = replay(opened, repo, check=CHECK, trust=True, sandbox=None)
    assert (result.applied, result.failed) == (4, 0) and present(result.base_check).exit_code == 0


def test_an_earlier_patch_the_here_document_rewrote_is_overwritten_by_it(tmp_path):
    """Step A writes the file with the Write tool, a here-document rewrites it whole, an edit fits the
    here-document's text: A's lines the rewrite dropped were the shell step's to remove (issue 34's
    `overwritten_by`), read now from the command's own text rather than from the edit's hunks."""
    from tracetui.trail import session_patches

    repo, _ = kit.make_repo(tmp_path)
    session = _session(repo)
    cwd = str(repo)
    draft = "# Draft\n\nTo be written.\n"
    session.steps[2].tool_input = {"file_path": f"{cwd}/specs/spec.md", "content": draft}
    session.steps[2].edits = [FileEdit(f"{cwd}/specs/spec.md", "create", content=draft)]
    edit = session.steps[8].edits[0]
    edit.hunks, edit.old_string, edit.new_string = [], "adds numbers", "adds two numbers"
    first, _, shell, last = session_patches(session)
    assert (first.path, first.overwritten_by) == ("specs/spec.md", "c8")
    assert (shell.step_id, shell.origin, shell.op) == ("c8", "shell", "write")  # the step owns its write
    assert not last.partial and last.added == [REVISED]


def test_a_write_outside_the_repository_is_not_carried(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = _session(repo, target="../outside.md")
    assert [p.path for p in shell_patches(session, str(repo))] == []
    out = tmp_path / "c.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=out, secret=SECRET)
    assert all(r.get("origin") is None for r in open_capsule(out).fates)


HOSTILE = [
    ("../escape.txt", "leaves the repository"),
    ("/tmp/tracetui-shellcap-abs.txt", "leaves the repository"),
    (".git/hooks/post-checkout", "points into .git"),
    ("link/inside.txt", "symbolic link"),
]


def test_a_hostile_shell_written_path_is_refused_at_replay(sealed, tmp_path):
    """A stranger's capsule may hold any path in a shell record: each is refused with one line, and
    nothing is written where it points."""
    repo, opened, _ = sealed
    (tmp_path / "outside").mkdir()
    repo_link = tmp_path / "linked"
    kit.git(repo, "clone", "-q", str(repo), str(repo_link))
    (repo_link / "link").symlink_to(tmp_path / "outside")
    kit.git(repo_link, "add", "link")
    kit.git(repo_link, "commit", "-q", "-m", "a link out")
    shell = next(r for r in opened.fates if r.get("origin") == "shell")
    forged = [{**shell, "path": path} for path, _ in HOSTILE]
    base = kit.git(repo_link, "rev-parse", "HEAD")
    out = _forge(opened.path, forged, tmp_path / "hostile.capsule", base=base)
    result = replay(open_capsule(out), repo_link, trust=True, sandbox=None)
    assert result.applied == 0
    for (path, why), patch in zip(HOSTILE, result.patches, strict=True):
        assert patch.path == path and not patch.ok and why in (patch.reason or ""), patch
        assert "\n" not in (patch.reason or "")
    assert list((tmp_path / "outside").iterdir()) == []
    assert not Path("/tmp/tracetui-shellcap-abs.txt").exists() and not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("field,value", [("origin", "script"), ("origin", ["shell"]), ("reason", {"x": 1})])
def test_a_shell_records_own_fields_are_type_checked_on_open(sealed, tmp_path, field, value):
    _, opened, _ = sealed
    shell = next(r for r in opened.fates if r.get("origin") == "shell")
    out = _forge(opened.path, [{**shell, field: value}], tmp_path / "odd.capsule")
    with pytest.raises(CapsuleError, match=f"malformed {field}"):
        open_capsule(out)


def _forge(capsule: Path, records: list[dict], out: Path, base: str | None = None) -> Path:
    """A copy of `capsule` whose trail.jsonl is `records` (and base `base`), its digests made right."""
    members = read_archive(Path(capsule).read_bytes(), mf.ALLOWED)
    manifest = orjson.loads(members[mf.MANIFEST])
    if base is not None:
        manifest["repo"]["base"] = base
    payload = {k: v for k, v in members.items() if k in mf.PAYLOAD}
    payload[mf.TRAIL] = mf.canonical_lines(records)
    manifest["members"] = {k: mf.member_entry(v) for k, v in sorted(payload.items())}
    out.write_bytes(write_archive({mf.MANIFEST: mf.canonical(manifest), **payload}))
    return out


def test_the_gate_scrubs_a_secret_planted_in_the_shell_written_text(tmp_path):
    """No plan (nothing scanned): the second gate finds the token in the shell record and in the
    command, the seal scrubs it in both, and the receipt says so."""
    repo, _ = kit.make_repo(tmp_path)
    session = _session(repo, body=f"# Spec\n\nThe tool adds numbers.\ntoken: {TOKEN}\n")
    out = tmp_path / "c.capsule"
    result = seal(session, None, repo=repo, out=out, secret=SECRET)
    data = read_archive(out.read_bytes(), mf.ALLOWED)
    assert all(TOKEN.encode() not in blob for blob in data.values())
    assert result.gate_added >= 1 and result.receipt
    shell = next(r for r in open_capsule(out).fates if r.get("origin") == "shell")
    placeholder = result.receipt[0]["placeholder"]
    assert shell["hunks"][0]["lines"][-1] == f"+token: {placeholder}"


def test_the_plans_scan_covers_the_shell_written_text(tmp_path):
    """With the plan's own scan, the token in the here-document is a finding of the command's field:
    the review shows it, and the seal scrubs the shell record by it (the gate has nothing left)."""
    repo, _ = kit.make_repo(tmp_path)
    session = _session(repo, body=f"token: {TOKEN}\n")
    plan = build_plan(session, scan_session(session, workers=0))
    assert any(s.step == "c8" for s in plan.spans)
    result = seal(session, plan, repo=repo, accept_suggested=True, secret=SECRET)
    assert result.gate_added == 0 and TOKEN.encode() not in result.data
    data = read_archive(result.data, mf.ALLOWED)
    assert TOKEN.encode() not in data[mf.TRAIL] and b'"origin":"shell"' in data[mf.TRAIL]


TEXTS = [
    ("cat > a.md <<'EOF'\n# A $HOME `x` \\n\nEOF", [("/w/a.md", "# A $HOME `x` \\n\n")]),
    ("cat <<EOF > a.md\nplain\nEOF", [("/w/a.md", "plain\n")]),
    ("cat > a.md <<EOF\n$HOME\nEOF", []),  # the shell expands it: not known
    ("cat > a.md <<-EOF\n\t\tone\n\tEOF", [("/w/a.md", "one\n")]),
    ("cat <<'EOF' | sudo tee a.md b.md > /dev/null\nhi\nEOF", [("/w/a.md", "hi\n"), ("/w/b.md", "hi\n")]),
    ("tee -a log.md <<'EOF'\nhi\nEOF", []),  # an append: the file's text is not known
    ("cd docs && echo hello  world > n.txt", [("/w/docs/n.txt", "hello world\n")]),
    ("echo -e 'a\\tb' > n.txt; echo $X > m.txt", []),
    ("cat > a.md <<'EOF'\nx\nEOF\necho more >> a.md", []),  # written again after: not known
    ("cat > a.md <<'EOF'\nx\n", []),  # no end to the here-document
    ("cat > a.md <<'EOF'\nx\r\nEOF", []),  # a line break splitlines() reads otherwise
    ("cat <<'A' > a.md; cat <<'B' > b.md\nx\nA\ny\nB", []),  # two bodies on one line
    ("cat > a.md 2>&1 <<'EOF'\nx\nEOF", [("/w/a.md", "x\n")]),
    ("cat notes.txt > a.md <<'EOF'\nx\nEOF", []),  # cat of a file: its text is not in the log
    ("cat > e.md <<'EOF'\nEOF", [("/w/e.md", "")]),
    ("echo 'a <<EOF' > a.md\necho b > a.md\nEOF", []),  # no here-document: the lines are not told apart
    ("printf 'a = 1\\nb\\t2 %% x\\n' > p.py", [("/w/p.py", "a = 1\nb\t2 % x\n")]),  # a plain format
    ("printf '%s\\n' 'x = 1' y > p.py", [("/w/p.py", "x = 1\ny\n")]),  # a line per word
    ("printf 'no break' > p.py", []),  # its last line is no whole line
    ("printf '%d\\n' 3 > p.py; printf \"$X\\n\" > q.py", []),  # a conversion, an expansion
    ("printf 'a\\x41\\n' > p.py; printf '%s\\n' 'a\\b' > q.py", []),  # escapes read otherwise
    ("printf -v v 'x\\n' > p.py", []),  # an option
]  # fmt: skip


@pytest.mark.parametrize("command,texts", TEXTS, ids=[c.splitlines()[0][:40] for c, _ in TEXTS])
def test_the_text_a_shell_command_wrote_is_read_only_where_its_words_hold_it(command, texts):
    assert shell_texts(command, "/w", "/home/u") == texts


SPEC_KIT_LOG = (
    "IsaacIndex__qna-data-dashboard__.codex__sessions__2025__10__20__"
    "rollout-2025-10-20T18-37-52-019a0132-695f-78d0-b253-7059e96d3e64.jsonl"
)


@pytest.mark.slow
@pytest.mark.corpus
def test_a_real_spec_kit_session_replays_with_the_files_its_shell_wrote(tmp_path):
    """A Codex spec-kit session wrote its spec and checklist only with `cat <<'EOF' > …` (its log has
    no edit tool call): the capsule carried no patch at all. Now it carries both files, and a replay on
    an empty repository writes them with the text the capsule holds."""
    import hashlib

    from shared_data import CORPUS

    from tracetui import sources

    log = CORPUS / "codex" / SPEC_KIT_LOG
    if not log.is_file():
        pytest.skip(f"the spec-kit session is not in the corpus at {CORPUS}")
    [group] = sources.group("codex", [log])
    session = sources.read_session(group)
    repo = tmp_path / "empty"
    repo.mkdir()
    kit.git(repo, "init", "-q")
    kit.git(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    base = kit.git(repo, "rev-parse", "HEAD")
    plan = build_plan(session, scan_session(session, workers=0))
    out = tmp_path / "spec-kit.capsule"
    seal(session, plan, accept_suggested=True, base=base, out=out, secret=SECRET)
    opened = open_capsule(out)
    shell = [r for r in opened.fates if r.get("origin") == "shell"]
    paths = [r["path"] for r in shell]
    folder = "specs/001-add-query-embeddings"
    assert paths == [f"{folder}/spec.md", f"{folder}/checklists/requirements.md"]
    by_index = {s.id: s.index for s in session.steps}
    assert [by_index[r["step"]] for r in shell] == [33, 45]
    texts = ["".join(line[1:] + "\n" for line in r["hunks"][0]["lines"]) for r in shell]
    digests = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    pairs = zip(digests, paths, strict=True)
    check = " && ".join(f"echo '{d}  {p}' | sha256sum -c --quiet" for d, p in pairs)
    result = replay(opened, repo, check=check, trust=True, sandbox=None)
    assert (result.applied, result.failed) == (2, 0)
    assert result.base_check is not None and result.base_check.exit_code == 0, result.base_check
