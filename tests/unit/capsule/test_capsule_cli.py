"""The capsule commands through the real CLI: seal from a bucket, verify, replay."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from shared_data import FIXTURES

from tracetui.capsule import seal
from tracetui.cli import main

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit
from support.sandboxed import requires_sandbox


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@requires_sandbox
def test_seal_verify_replay_from_the_command_line(tmp_path, capsys):
    repo, base = kit.make_repo(tmp_path)
    projects = tmp_path / "claude"
    kit.write_claude_log(projects, repo, prompt="add a test, then mail jane.doe@acme-corp.io")
    bucket = str(tmp_path / "bucket")
    code, out, err = run(capsys, "sync", "--bucket", bucket, "--source", f"claude={projects}", "--json")
    assert code == 0 and orjson.loads(out)["sessions"] == 1
    capsule = tmp_path / "ep.capsule"

    # An undecided suggestion (the email) stops the seal; stderr lists where, never the value.
    code, out, err = run(
        capsys, "seal", "--bucket", bucket, kit.CLAUDE_SESSION[:8], "-o", str(capsule), "--repo", str(repo)
    )
    assert code == 1 and out == ""
    assert "email (suggested)" in err and "need a decision" in err
    assert "jane.doe" not in err
    assert not capsule.exists()

    code, out, err = run(
        capsys,
        "seal",
        "--bucket",
        bucket,
        kit.CLAUDE_SESSION[:8],
        "-o",
        str(capsule),
        "--repo",
        str(repo),
        "--accept-suggested",
        "--json",
    )
    assert (code, err) == (0, "")
    sealed = orjson.loads(out)
    assert sealed["ok"] is True and sealed["patches"] == 1 and sealed["base"] == base
    assert any(
        r["kind"] == "email" and r["decided_by"] == "user (--accept-suggested)" for r in sealed["receipt"]
    )
    assert b"jane.doe" not in capsule.read_bytes()

    code, out, err = run(capsys, "capsule", "verify", str(capsule), "--json")
    assert (code, err) == (0, "")
    report = orjson.loads(out)
    assert report["ok"] is True and report["capsule"] == sealed["capsule"]
    assert [m["name"] for m in report["members"]] == ["trace.jsonl", "ctx.jsonl", "trail.jsonl", "README.md"]
    assert report["signature"]["state"] == "unsigned"

    code, out, err = run(capsys, "capsule", "verify", str(capsule))
    assert code == 0 and out.startswith("OK: ") and "signature: unsigned" in out

    code, out, err = run(capsys, "replay", str(capsule), "--repo", str(repo), "--check", kit.CHECK, "--json")
    assert (code, err) == (1, "")  # reproduces
    verdict = orjson.loads(out)
    assert (verdict["verdict"], verdict["applied"], verdict["failed"], verdict["base"]) == (
        "reproduces",
        1,
        0,
        base,
    )

    kit.commit_fix(repo)
    code, out, err = run(capsys, "replay", str(capsule), "--repo", str(repo), "--check", kit.CHECK)
    assert code == 0 and out.startswith("verdict: fixed")
    assert "it adds or changes:\n  test_calc.py\n" in err

    # A range with no patch: the warning does not end on a colon with nothing after it.
    code, out, err = run(capsys, "seal", "--bucket", bucket, kit.CLAUDE_SESSION[:8], "--steps", "0:0",
                         "-o", str(tmp_path / "talk.capsule"), "--accept-suggested", "--json")  # fmt: skip
    assert code == 0 and orjson.loads(out)["patches"] == 0
    code, out, err = run(capsys, "replay", str(tmp_path / "talk.capsule"), "--repo", str(repo), "--check", kit.CHECK)
    assert "this capsule changes no file" in err and "adds or changes" not in err

    code, out, err = run(capsys, "replay", str(capsule), "--repo", str(repo), "--json")
    assert orjson.loads(out)["verdict"] == "inconclusive" and code == 0  # no check asked, every patch applied


def test_verify_failures_are_one_line_or_a_json_document(tmp_path, capsys):
    bad = tmp_path / "bad.capsule"
    bad.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xffgarbage")
    code, out, err = run(capsys, "capsule", "verify", str(bad))
    assert (
        code == 1
        and out == ""
        and err.count("\n") == 1
        and err.startswith("tracetui: the capsule's gzip header is not")
    )
    code, out, err = run(capsys, "capsule", "verify", str(bad), "--json")
    assert code == 1 and orjson.loads(out)["ok"] is False and "gzip header" in orjson.loads(out)["error"]
    code, out, err = run(capsys, "capsule", "verify", str(tmp_path / "missing.capsule"))
    assert code == 1 and "does not exist" in err and err.count("\n") == 1


def test_replay_and_seal_input_errors_are_one_line(tmp_path, capsys):
    repo, _ = kit.make_repo(tmp_path)
    code, out, err = run(capsys, "replay", str(tmp_path / "none.capsule"), "--repo", str(repo))
    assert code == 2 and err.count("\n") == 1  # replay's documented code for a bad capsule
    code, _, err = run(
        capsys,
        "seal",
        "--bucket",
        str(tmp_path / "b"),
        "nosuch",
        "-o",
        str(tmp_path / "x.capsule"),
        "--steps",
        "x",
    )
    assert code == 2 and "--steps" in err and err.count("\n") == 1


def test_the_warning_before_a_check_says_which_paths_will_not_be_applied(tmp_path, capsys):
    from tracetui.capsule import seal
    from tracetui.model import FileEdit

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    session.steps[2].edits = [
        FileEdit(f"{repo}/.git/hooks/pre-commit", "create", content="#!/bin/sh\ntouch pwned\n"),
        FileEdit(f"{repo}/notes.txt", "create", content="fine\n"),
    ]
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "s.capsule", secret=b"s" * 32,
         accept_suggested=True)  # fmt: skip
    code, out, err = run(capsys, "replay", str(tmp_path / "s.capsule"), "--repo", str(repo), "--check", "true")
    assert "  .git/hooks/pre-commit (not applied: points into .git)\n" in err
    assert "  notes.txt\n" in err


def test_a_capsule_that_cannot_be_written_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    """A folder that takes no files (/proc), a full disk: one line naming the file, no traceback,
    no temporary file left beside it."""
    import errno
    import tempfile

    repo, _ = kit.make_repo(tmp_path)
    projects = tmp_path / "claude"
    kit.write_claude_log(projects, repo, prompt="add a test")
    bucket = str(tmp_path / "bucket")
    assert run(capsys, "sync", "--bucket", bucket, "--source", f"claude={projects}", "--json")[0] == 0
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    seal = ("seal", "--bucket", bucket, kit.CLAUDE_SESSION[:8], "-o", str(out_dir / "x.capsule"),
            "--accept-suggested")  # fmt: skip

    real_mkstemp = tempfile.mkstemp

    def no_room(*args, **kwargs):  # only the capsule's folder is full: plans and caches still save
        if Path(kwargs.get("dir", "")) == out_dir:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", no_room)
    code, _, err = run(capsys, *seal)
    assert code == 1 and err == f"tracetui: cannot write the capsule {out_dir / 'x.capsule'}: No space left on device\n"
    monkeypatch.undo()

    real_fsync = __import__("os").fsync

    def full_at_fsync(fd):
        if any(p.name.startswith(".x.capsule.") for p in out_dir.iterdir()):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr("os.fsync", full_at_fsync)
    code, _, err = run(capsys, *seal)
    assert code == 1 and err.count("\n") == 1 and "No space left on device" in err
    assert list(out_dir.iterdir()) == []  # the temporary file went with the failure
    monkeypatch.setattr("os.fsync", real_fsync)


def test_a_wrong_repo_or_an_empty_check_is_said_before_the_warning_and_nothing_runs(tmp_path, capsys):
    from tracetui.capsule import seal

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "s.capsule", secret=b"s" * 32,
         accept_suggested=True)  # fmt: skip
    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    for where, check, said in ((elsewhere, "true", "is not inside a git repository"),
                               (repo, "", "the check is empty"), (repo, "   ", "the check is empty")):  # fmt: skip
        for extra in ((), ("--bisect",)):
            code, out, err = run(capsys, "replay", str(tmp_path / "s.capsule"), "--repo", str(where),
                                 "--check", check, *extra)  # fmt: skip
            assert code == 2 and out == "" and err.count("\n") == 1 and said in err, (where, check, err)
            assert "your check will run" not in err


def test_the_warning_before_a_check_says_which_paths_are_one_file_on_a_caseless_disk(tmp_path, capsys):
    """`é.txt` composed and decomposed print alike, and `Notes.txt`/`notes.txt` are one file on macOS
    and Windows: listed as two changes with no word, a reader cannot tell what will run."""
    import unicodedata

    from tracetui.capsule import seal
    from tracetui.model import FileEdit

    nfc, nfd = unicodedata.normalize("NFC", "é.txt"), unicodedata.normalize("NFD", "é.txt")
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    session.steps[2].edits = [
        FileEdit(f"{repo}/{nfc}", "create", content="composed\n"),
        FileEdit(f"{repo}/{nfd}", "create", content="decomposed\n"),
        FileEdit(f"{repo}/Notes.txt", "create", content="upper\n"),
        FileEdit(f"{repo}/notes.txt", "create", content="lower\n"),
        FileEdit(f"{repo}/other.txt", "create", content="fine\n"),
    ]
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "s.capsule", secret=b"s" * 32,
         accept_suggested=True)  # fmt: skip
    code, out, err = run(capsys, "replay", str(tmp_path / "s.capsule"), "--repo", str(repo), "--check", "true")
    lines = [line for line in err.splitlines() if line.startswith("  ")]
    noted = [line for line in lines if "on a disk ignoring case or Unicode form" in line]
    assert len(noted) == 4, err
    assert any(ascii(nfd) in line for line in noted) and any("'notes.txt'" in line for line in noted)
    assert "  other.txt" in lines


def test_replays_exit_codes_tell_a_ci_job_what_happened(tmp_path, capsys):
    """0 fixed, 1 reproduces, 2 usage or a bad capsule, 3 inconclusive: the same with and without --json."""
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    capsule = tmp_path / "ep.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=capsule, secret=b"\x01" * 32)
    base = ["replay", str(capsule), "--repo", str(repo), "--trust"]
    for extra in ([], ["--json"]):
        assert run(capsys, *base, "--check", kit.CHECK, *extra)[0] == 1
        assert run(capsys, *base, "--check", "true", *extra)[0] == 3  # passes at base: the failure does not show
        # A check still running at its timeout (unconfined, `exit 1` alone can end within 1 ms).
        assert run(capsys, *base, "--check", "sleep 5; exit 1", "--timeout", "0.2", *extra)[0] == 3
    (tmp_path / "bad.capsule").write_bytes(b"not a capsule")
    assert run(capsys, "replay", str(tmp_path / "bad.capsule"), "--repo", str(repo))[0] == 2
    kit.commit_fix(repo)
    assert run(capsys, *base, "--check", kit.CHECK)[0] == 0
