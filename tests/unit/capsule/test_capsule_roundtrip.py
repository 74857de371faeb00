"""Capsules end to end: seal a hand-made session, verify, open like a bucket, replay for each verdict."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from support.narrow import present
from shared_data import FIXTURES

from tracetui.capsule import (
    FIXED,
    INCONCLUSIVE,
    REPRODUCES,
    CapsuleError,
    Replay,
    SealRefused,
    open_capsule,
    parse_steps,
    replay,
    seal,
    verify,
)
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.ctx import context_at
from tracetui.errors import NotFound, TracetuiError
from tracetui.model import SessionFilter

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit
from support.sandboxed import requires_sandbox

SECRET = b"\x01" * 32


@pytest.fixture
def project(tmp_path):
    repo, base = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    return repo, base, session


def _seal(tmp_path: Path, session, repo, name="ep.capsule", **kw):
    return seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / name, secret=SECRET, **kw)


def test_seal_writes_members_and_manifest(tmp_path, project):
    repo, base, session = project
    result = _seal(tmp_path, session, repo)
    members = read_archive((tmp_path / "ep.capsule").read_bytes(), ALLOWED)
    assert sorted(members) == ["README.md", "capsule.json", "ctx.jsonl", "trace.jsonl", "trail.jsonl"]
    manifest = orjson.loads(members["capsule.json"])
    assert manifest["format"] == "tracetui.capsule/1"
    assert manifest["agent"] == "claude"
    assert manifest["session"]["id"] == "sess-0001"
    assert manifest["steps"] == {"first": 0, "last": 6, "count": 7, "of": 7}
    # The remote's token is gone; the base is the commit before the session.
    assert manifest["repo"] == {
        "remote": "https://example.com/alice/calc.git",
        "base": base,
        "branch": "main",
    }
    assert set(manifest["members"]) == {"trace.jsonl", "ctx.jsonl", "trail.jsonl", "README.md"}
    assert "source" not in manifest["session"]
    assert result.capsule_id == __import__("hashlib").sha256(members["capsule.json"]).hexdigest()
    trace = [orjson.loads(line) for line in members["trace.jsonl"].splitlines()]
    assert [s["id"] for s in trace] == ["u1", "a1", "c1", "r1", "c2", "r2", "a2"]
    trail = [orjson.loads(line) for line in members["trail.jsonl"].splitlines()]
    assert [(t["step"], t["path"], t["op"], t["state"]) for t in trail] == [
        ("c1", "test_calc.py", "create", "lost"),
        ("c2", "README.md", "update", "lost"),
    ]
    assert "-Adds numbers.\n+Adds two numbers." in trail[1]["diff"]
    assert b"/log.jsonl" not in b"".join(members.values())  # the source path of the log stays home


def test_sealing_twice_gives_identical_bytes(tmp_path, project):
    repo, _, session = project
    first = _seal(tmp_path, session, repo, "a.capsule")
    second = _seal(tmp_path, session, repo, "b.capsule")
    assert (tmp_path / "a.capsule").read_bytes() == (tmp_path / "b.capsule").read_bytes()
    assert first.capsule_id == second.capsule_id
    # Another bucket secret changes only the receipt fingerprints; with no redactions, nothing.
    other = seal(session, kit.empty_plan(session), repo=repo, secret=b"\x02" * 32)
    assert other.data == first.data


def test_step_range_seals_only_those_steps(tmp_path, project):
    repo, _, session = project
    result = _seal(tmp_path, session, repo, steps=parse_steps("2:3"))
    opened = open_capsule(tmp_path / "ep.capsule")
    assert [s.id for s in opened.steps] == ["c1", "r1"]
    assert result.patches == 1
    assert [f["step"] for f in opened.fates] == ["c1"]
    # The context of c1 refers to u1 and a1, which are outside the range: their text is carried once.
    ctx = opened.context("c1")
    assert [i["step"] for i in ctx["items"]] == ["u1", "a1", "c1"]
    assert ctx["items"][0]["text"] == "please add a test for add()"
    assert opened.context("r1")["items"][1]["text"] == "I will write a test."


def test_parse_steps_forms():
    assert parse_steps(None) == (None, None)
    assert parse_steps("3:") == (3, None)
    assert parse_steps(":4") == (None, 4)
    assert parse_steps("5") == (5, 5)
    assert parse_steps("#3:#6") == (3, 6)  # as blame prints steps: one numbering everywhere
    with pytest.raises(TracetuiError):
        parse_steps("a:b")
    with pytest.raises(TracetuiError):
        parse_steps("L234:L240")  # a log's own ids are not step numbers
    with pytest.raises(TracetuiError):
        parse_steps("5:2")


def test_empty_range_is_refused(project):
    repo, _, session = project
    with pytest.raises(TracetuiError, match=r"no steps in the range 50:60 \(its steps are 0:"):
        seal(session, kit.empty_plan(session), steps=(50, 60), repo=repo)
    with pytest.raises(TracetuiError, match=r"no steps in the range 50: \(its steps are 0:"):
        seal(session, kit.empty_plan(session), steps=(50, None), repo=repo)


def test_a_session_without_steps_is_refused_in_words(project):
    """A real log of a session that never got a step said `no steps in the range None:None`."""
    repo, _, session = project
    empty = dataclasses.replace(session, steps=[])
    with pytest.raises(TracetuiError, match="^the session has no steps: there is nothing to seal$"):
        seal(empty, kit.empty_plan(empty), repo=repo)


def test_verify_reports_members_and_unsigned(tmp_path, project):
    repo, _, session = project
    result = _seal(tmp_path, session, repo)
    report = verify(tmp_path / "ep.capsule")
    assert report.ok
    assert report.capsule_id == result.capsule_id
    assert [m.name for m in report.members] == ["trace.jsonl", "ctx.jsonl", "trail.jsonl", "README.md"]
    assert report.signature.state == "unsigned"
    assert report.to_dict()["members"][0]["sha256"] == result.manifest["members"]["trace.jsonl"]["sha256"]


def test_opened_capsule_quacks_like_a_bucket(tmp_path, project):
    repo, _, session = project
    _seal(tmp_path, session, repo)
    opened = open_capsule(tmp_path / "ep.capsule")
    assert opened.read_only is True
    rows = opened.list_sessions()
    assert [r.id for r in rows] == ["sess-0001"]
    assert rows[0].steps == 7 and rows[0].edits == 2 and rows[0].agent == "claude"
    assert opened.count_sessions() == 1
    assert opened.count_sessions(SessionFilter(agent="codex")) == 0
    assert opened.list_sessions(limit=0) == []
    assert opened.list_sessions(offset=1) == []
    assert opened.projects() == ["proj"]
    assert opened.agents() == ["claude"]
    assert opened.session("sess-").id == "sess-0001"
    with pytest.raises(NotFound):
        opened.session("other")
    hits = opened.search("subtracts")
    assert [(h.session, h.step) for h in hits] == [("sess-0001", "a2")]
    assert opened.count_sessions(SessionFilter(text="subtracts")) == 1
    assert opened.count_sessions(SessionFilter(text="nowhere-to-be-found")) == 0
    assert opened.receipt == []
    assert [f["path"] for f in opened.fates] == ["test_calc.py", "README.md"]
    assert "tracetui replay" in opened.readme
    step = present(opened.session("sess-0001").step("c1"))
    assert step.edits[0].path.endswith("/test_calc.py") and step.tool == "Write"
    # The recorded context of every step is what ctx says of the session (nothing was redacted).
    for s in session.steps:
        assert opened.context(s.id) == context_at(session, s.id).to_dict()


@requires_sandbox
def test_replay_reproduces_then_fixed_after_a_fix_commit(tmp_path, project):
    repo, base, session = project
    _seal(tmp_path, session, repo)
    capsule = tmp_path / "ep.capsule"
    before = replay(capsule, repo, check=kit.CHECK)
    assert before.verdict == REPRODUCES
    assert (before.applied, before.failed, before.base, before.target) == (2, 0, base, base)
    check = present(before.base_check)
    assert check.exit_code != 0 and "add is broken" in check.output

    fix = kit.commit_fix(repo)
    after = replay(capsule, repo, check=kit.CHECK)
    assert after.verdict == FIXED
    assert (after.base, after.target) == (base, fix)
    assert present(after.base_check).exit_code != 0 and present(after.target_check).exit_code == 0
    # Replaying against the base explicitly still reproduces.
    assert replay(capsule, repo, check=kit.CHECK, ref=base).verdict == REPRODUCES
    # No worktree, no temp dir and no change to the user's checkout is left behind.
    assert kit.git(repo, "worktree", "list").count("\n") == 0
    assert kit.git(repo, "status", "--porcelain") == ""
    assert not (repo / "test_calc.py").exists()


@requires_sandbox
def test_replay_inconclusive_cases(tmp_path, project):
    repo, _, session = project
    _seal(tmp_path, session, repo)
    capsule = tmp_path / "ep.capsule"
    no_check = replay(capsule, repo)
    assert no_check.verdict == INCONCLUSIVE and "no --check" in no_check.reason and no_check.applied == 2

    # A check that passes at base+patches: the recorded failure does not show.
    passing = replay(capsule, repo, check="true")
    assert passing.verdict == INCONCLUSIVE and "passes at the base" in passing.reason

    # A repository without the base commit.
    other = tmp_path / "elsewhere"
    other.mkdir()
    kit.git(other, "init", "-q")
    (other / "calc.py").write_text("unrelated = True\n")
    kit.git(other, "add", ".")
    kit.git(other, "commit", "-qm", "unrelated")
    missing = replay(capsule, other, check=kit.CHECK)
    assert missing.verdict == INCONCLUSIVE and "is not in" in missing.reason


@requires_sandbox
def test_replay_is_partial_when_patches_do_not_apply(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    (repo / "README.md").write_text("# calc\n\nSomething else entirely.\n")
    kit.git(repo, "commit", "-qam", "readme changed")
    session = kit.make_session(repo)
    # Sealed with the changed commit as its base, the README edit has nothing to match.
    head = kit.git(repo, "rev-parse", "HEAD")
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "d.capsule", base=head)
    result = replay(tmp_path / "d.capsule", repo, check=kit.CHECK)
    # What applied is checked (issue 40): the test file the first patch adds fails, as recorded.
    assert result.verdict == REPRODUCES and result.partial and "partial" in result.reason
    assert result.failed == 1 and result.applied == 1
    assert [p.ok for p in result.patches] == [True, False]
    assert result.patches[1].reason == "a hunk does not match the file"


def test_replay_steps_one_at_a_time(tmp_path, project):
    repo, base, session = project
    _seal(tmp_path, session, repo)
    opened = open_capsule(tmp_path / "ep.capsule")
    with Replay(opened, repo, base) as run:
        wt = present(run.worktree)
        first = present(run.apply_next())
        assert first.step == "c1" and first.ok
        assert (wt / "test_calc.py").read_text() == kit.TEST
        assert (wt / "README.md").read_text() == "# calc\n\nAdds numbers.\n"
        second = present(run.apply_next())
        assert second.step == "c2" and second.ok
        assert (wt / "README.md").read_text() == "# calc\n\nAdds two numbers.\n"
        assert run.apply_next() is None
    assert not wt.exists()


def test_replay_never_runs_capsule_content(tmp_path, project):
    # A check is only what the user passes; with none, nothing runs even if a patch adds scripts.
    repo, _, session = project
    session.steps[2].edits[0].content = "import pathlib; pathlib.Path('/tmp/pwned-by-capsule').touch()\n"
    session.steps[2].tool_input["content"] = session.steps[2].edits[0].content
    _seal(tmp_path, session, repo)
    replay(tmp_path / "ep.capsule", repo)
    assert not Path("/tmp/pwned-by-capsule").exists()


def test_seal_refuses_undecided_suggestions_listing_them(tmp_path, project):
    repo, _, session = project
    session.steps[6].text += " mail bob@corp.example.net please"
    plan = kit.find_values(session, {"bob@corp.example.net": ("email", "suggested")})
    with pytest.raises(SealRefused) as info:
        seal(session, plan, repo=repo, out=tmp_path / "x.capsule")
    assert info.value.findings == [
        {"step": "a2", "index": 6, "field": "text", "kind": "email", "tier": "suggested", "detector": "test"}
    ]
    assert "bob@" not in str(info.value)
    assert not (tmp_path / "x.capsule").exists()
    # Outside the sealed steps and their context, the same suggestion does not block...
    seal(session, plan, repo=repo, steps=(0, 5))
    # ...but text a sealed step saw in its context does: u1 is in the context of every step.
    session.steps[0].text += " and carol@corp.example.net"
    plan = kit.find_values(
        session,
        {"bob@corp.example.net": ("email", "suggested"), "carol@corp.example.net": ("email", "suggested")},
    )
    with pytest.raises(SealRefused) as info:
        seal(session, plan, repo=repo, steps=(5, 5))
    assert [f["step"] for f in info.value.findings] == ["u1"]
    # Accepting suggestions seals, with the email replaced and the receipt saying who decided.
    result = seal(session, plan, repo=repo, accept_suggested=True, secret=SECRET)
    trace = read_archive(result.data, ALLOWED)["trace.jsonl"]
    assert b"bob@corp" not in trace and b"carol@corp" not in trace
    assert b"<EMAIL_1>" in trace and b"<EMAIL_2>" in trace
    assert [
        (r["placeholder"], r["kind"], r["tier"], r["count"], r["decided_by"]) for r in result.receipt
    ] == [
        ("<EMAIL_1>", "email", "suggested", 1, "user (--accept-suggested)"),
        ("<EMAIL_2>", "email", "suggested", 1, "user (--accept-suggested)"),
    ]
    assert all(len(r["fingerprint"]) == 12 for r in result.receipt)


def test_a_scrubbed_value_that_is_a_word_of_the_format_leaves_the_trail_valid(tmp_path, project):
    """A real session read a .env holding `ddl-auto=update`; scrubbing that value everywhere turned
    every patch's op "update" into a placeholder, and the sealed capsule failed its own check. Text
    is scrubbed (the README's line still loses the word), the format's own fields are not."""
    repo, _, session = project
    session.steps[0].text += " with ddl-auto=update"
    plan = kit.find_values(session, {"update": ("env-value", "auto")})
    result = seal(session, plan, repo=repo, out=tmp_path / "ep.capsule", secret=SECRET)
    members = read_archive(result.data, ALLOWED)
    trail_rows = [orjson.loads(line) for line in members["trail.jsonl"].splitlines()]
    assert sorted(r["op"] for r in trail_rows) == ["create", "update"]
    assert b"ddl-auto=update" not in members["trace.jsonl"]
    assert verify(tmp_path / "ep.capsule").ok
    assert sorted(f["op"] for f in open_capsule(tmp_path / "ep.capsule").fates) == ["create", "update"]


def test_a_value_scrubbed_everywhere_leaves_roles_kinds_and_ops_alone(tmp_path, project):
    """The session's copy is scrubbed by value in every string; a value that is also a role, a kind's
    word or an op (a span added over "assistant") blanked the steps' roles and their edits' ops."""
    repo, _, session = project
    session.steps[0].text += " as the assistant said, update tool_call"
    plan = kit.find_values(
        session, {"assistant": ("name", "auto"), "update": ("env-value", "auto"), "tool_call": ("x", "auto")}
    )
    result = seal(session, plan, repo=repo, out=tmp_path / "ep.capsule", secret=SECRET)
    trace = [orjson.loads(line) for line in read_archive(result.data, ALLOWED)["trace.jsonl"].splitlines()]
    assert [(s["kind"], s["role"]) for s in trace] == [(s.kind, s.role) for s in session.steps]
    assert [e["op"] for s in trace for e in s.get("edits", [])] == ["create", "update"]
    assert "assistant said" not in trace[0]["text"]


def test_rejected_finding_stays_and_is_counted(tmp_path, project):
    repo, _, session = project
    session.steps[0].text += " ticket T-4242-XYZ"
    plan = kit.find_values(session, {"T-4242-XYZ": ("ticket", "suggested")}, decision="rejected")
    result = seal(session, plan, repo=repo)
    members = read_archive(result.data, ALLOWED)
    assert b"T-4242-XYZ" in members["trace.jsonl"]
    assert result.receipt == []
    assert result.manifest["redaction"]["rejected"] == [{"kind": "ticket", "count": 1}]


def test_signed_capsule_verifies_against_allowed_signers(tmp_path, project):
    repo, _, session = project
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"alice@example.com {(tmp_path / 'id_ed25519.pub').read_text().strip()}\n")
    result = _seal(tmp_path, session, repo, sign_key=key)
    assert result.signed
    again = seal(session, kit.empty_plan(session), repo=repo, secret=SECRET, sign_key=key)
    assert again.data == result.data  # ed25519 signatures are deterministic
    capsule = tmp_path / "ep.capsule"
    assert verify(capsule).signature.state == "unchecked"
    good = verify(capsule, allowed)
    assert (good.ok, good.signature.state, good.signature.signer) == (True, "valid", "alice@example.com")
    assert verify(capsule, allowed, "alice@example.com").signature.state == "valid"
    assert verify(capsule, allowed, "mallory@example.com").signature.state == "invalid"
    # Another key in allowed_signers: the signature is not from anyone allowed.
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    allowed.write_text(f"alice@example.com {(tmp_path / 'other.pub').read_text().strip()}\n")
    bad = verify(capsule, allowed)
    assert (bad.ok, bad.signature.state) == (False, "invalid")


def test_open_missing_file_is_one_line_error(tmp_path):
    with pytest.raises(NotFound, match="does not exist"):
        open_capsule(tmp_path / "nope.capsule")
    (tmp_path / "dir.capsule").mkdir()
    with pytest.raises(CapsuleError):
        open_capsule(tmp_path / "dir.capsule")


def test_patch_paths_cannot_leave_the_worktree(tmp_path):
    from tracetui.capsule.apply import apply_patch

    root = tmp_path / "wt"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "link").symlink_to(outside)
    (root / ".git").write_text("gitdir: elsewhere\n")
    create = {"op": "create", "hunks": [{"old_start": 0, "lines": ["+pwned"]}]}
    refusals = {
        "../escape.txt": "leaves the repository",
        "/tmp/abs.txt": "leaves the repository",
        "a/../../escape.txt": "leaves the repository",
        "link/x.txt": "symbolic link",
        ".git/hooks/post-checkout": "into .git",
        "sub/.GIT/config": "into .git",
        "a\\..\\..\\x": "unusable file path",
        "": "unusable file path",
    }
    for path, reason in refusals.items():
        assert reason in present(apply_patch(root, {**create, "path": path})), path
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in root.iterdir()) == [".git", "link"]
    assert apply_patch(root, {**create, "path": "ok/new.txt"}) is None
    assert (root / "ok" / "new.txt").read_text() == "pwned\n"


@requires_sandbox
def test_a_check_that_hangs_is_stopped(tmp_path, project):
    repo, _, session = project
    _seal(tmp_path, session, repo)
    started = time.monotonic()
    # A pipeline: the shell's children hold the output pipe, so only killing the group ends it.
    result = replay(tmp_path / "ep.capsule", repo, check="sleep 30 | cat", timeout=0.5)
    assert time.monotonic() - started < 10
    assert result.verdict == INCONCLUSIVE and "did not finish in 0.5 s" in result.reason
    check = present(result.base_check)
    assert check.exit_code == -1 and "did not finish" in check.output


@requires_sandbox
def test_replay_leaves_no_temporary_directory(tmp_path, project, monkeypatch):
    import tempfile

    repo, _, session = project
    _seal(tmp_path, session, repo)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert replay(tmp_path / "ep.capsule", repo, check=kit.CHECK).verdict == REPRODUCES
    kit.commit_fix(repo)
    assert replay(tmp_path / "ep.capsule", repo, check=kit.CHECK).verdict == FIXED
    assert list(scratch.iterdir()) == []


def test_bucket_secret_is_private_stable_and_keys_the_fingerprints(tmp_path, project):
    from tracetui.capsule import bucket_secret

    repo, _, session = project
    root = tmp_path / "bucket"
    secret = bucket_secret(root)
    assert len(secret) == 32 and bucket_secret(root) == secret
    assert (root / "capsule.key").stat().st_mode & 0o777 == 0o600
    session.steps[0].text += " mail bob@corp.example.net"
    plan = kit.find_values(session, {"bob@corp.example.net": ("email", "suggested")}, decision="accepted")
    one = seal(session, plan, repo=repo, secret=secret)
    again = seal(session, plan, repo=repo, secret=bucket_secret(root))
    other = seal(session, plan, repo=repo, secret=bucket_secret(tmp_path / "other-bucket"))
    assert one.data == again.data
    assert one.receipt[0]["fingerprint"] != other.receipt[0]["fingerprint"]
    # Another episode of the same session gets an unrelated key.
    part = seal(session, plan, steps=(0, 3), repo=repo, secret=secret)
    assert part.receipt[0]["fingerprint"] != one.receipt[0]["fingerprint"]
    assert one.receipt[0]["decided_by"] == "user"
    (root / "capsule.key").write_text("not hex\n")
    with pytest.raises(TracetuiError, match="not a tracetui capsule key"):
        bucket_secret(root)


def test_a_trusted_signers_signature_of_another_sessions_capsule_does_not_vouch_for_this_one(tmp_path, project):
    """The signer is trusted, the signature genuine, but made for another capsule (another session
    of the same signer, or the same session sealed again with other steps): moved onto this capsule it
    is invalid, and no member of the signed capsule can be swapped in under its signature either."""
    from tracetui.capsule.archive import write_archive
    from tracetui.capsule.manifest import MANIFEST, SIGNATURE

    repo, _, session = project
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"alice@example.com {(tmp_path / 'id_ed25519.pub').read_text().strip()}\n")
    other = kit.make_session(repo, sid="sess-0002")
    a = read_archive(seal(session, kit.empty_plan(session), repo=repo, secret=SECRET, sign_key=key).data, ALLOWED)
    b = read_archive(seal(other, kit.empty_plan(other), repo=repo, secret=SECRET, sign_key=key).data, ALLOWED)
    fewer = read_archive(
        seal(session, kit.empty_plan(session), steps=(0, 3), repo=repo, secret=SECRET, sign_key=key).data, ALLOWED
    )
    for n, (members, signature) in enumerate([(b, a[SIGNATURE]), (a, fewer[SIGNATURE]), (fewer, a[SIGNATURE])]):
        moved = tmp_path / f"moved{n}.capsule"
        moved.write_bytes(write_archive({**members, SIGNATURE: signature}))
        report = verify(moved, allowed)
        assert (report.ok, report.signature.state) == (False, "invalid")
    # A member of another capsule under this capsule's manifest and signature: refused on opening.
    for name in set(a) & set(b) - {MANIFEST, SIGNATURE}:
        if a[name] == b[name]:
            continue
        swapped = tmp_path / f"swapped-{name.replace('/', '_')}.capsule"
        swapped.write_bytes(write_archive({**a, name: b[name]}))
        with pytest.raises(CapsuleError):
            verify(swapped, allowed)
