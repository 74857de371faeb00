"""`tracetui trail`: the JSON contract, the plain table, and a missing repository said plainly."""

from __future__ import annotations

import shutil

import orjson
from support.trail_logs import EXPECTED, claude_log, body_repo
from support.trail_kit import iso

from tracetui.cli import main

SID = "11111111-2222-4333-8444-555555555555"


def _bucket_with_session(tmp_path, capsys):
    repo = body_repo(tmp_path)
    logs = tmp_path / "logs"
    claude_log(repo, logs)
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={logs}", "--json"]) == 0
    capsys.readouterr()
    repo.commit("work", iso(11), "a.py", "b.py")
    repo.git("checkout", "--", "c.py")
    repo.write("b.py", "\n".join(f"value_{i} = {i}" for i in range(1, 9)) + "\n")
    repo.commit("cleanup", iso(12), "b.py")
    return repo, bucket


def test_trail_json_rows(tmp_path, capsys):
    repo, bucket = _bucket_with_session(tmp_path, capsys)
    assert main(["--bucket", str(bucket), "trail", SID[:8], "--json"]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    rows = orjson.loads(out.out)
    work = repo.git("rev-parse", "HEAD~1")
    assert [{k: r[k] for k in ("step", "path", "state", "commit", "added", "removed", "kept")} for r in rows] == [
        {"step": rows[0]["step"], "path": "a.py", "state": "alive", "commit": work, "added": 1, "removed": 0, "kept": 1},
        {"step": rows[1]["step"], "path": "b.py", "state": "reverted", "commit": work, "added": 1, "removed": 0, "kept": 0},
        {"step": rows[2]["step"], "path": "c.py", "state": "lost", "commit": None, "added": 1, "removed": 0, "kept": 0},
        {"step": rows[3]["step"], "path": "d.py", "state": "uncommitted", "commit": None, "added": 2, "removed": 0, "kept": 2},
    ]
    assert {r["path"]: (r["state"], r["added"]) for r in rows} == EXPECTED
    assert len({r["step"] for r in rows}) == 4


def test_trail_table_and_missing_repository(tmp_path, capsys):
    repo, bucket = _bucket_with_session(tmp_path, capsys)
    assert main(["--bucket", str(bucket), "trail", SID]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STEP", "PATH", "STATE", "COMMIT", "ADDED", "REMOVED", "KEPT"]
    assert lines[-1] == "4 patches in 4 files: 1 lost, 1 reverted, 1 uncommitted, 1 alive"  # worst first, as in the app
    # the repository goes away: the patches are still listed, and the output says why states are unknown
    shutil.rmtree(repo.path)
    assert main(["--bucket", str(bucket), "trail", SID, "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert [(r["path"], r["state"]) for r in rows] == [("a.py", "unknown"), ("b.py", "unknown"), ("c.py", "unknown"), ("d.py", "unknown")]
    assert main(["--bucket", str(bucket), "trail", SID]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"repository not found for {repo.path}: states are unknown; to judge them in a clone of its repository: tracetui trail {SID[:12]} --repo PATH"
    assert out[-1] == "4 patches in 4 files: 4 unknown"


def test_trail_errors_are_one_line(tmp_path, capsys):
    repo, bucket = _bucket_with_session(tmp_path, capsys)
    assert main(["--bucket", str(bucket), "trail", SID, "--ref", "no-such-branch"]) == 1
    assert capsys.readouterr().err == "tracetui: revision 'no-such-branch' not found in the repository\n"
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main(["--bucket", str(bucket), "trail", SID, "--repo", str(plain)]) == 1
    assert capsys.readouterr().err == f"tracetui: no git repository at {plain}\n"


def test_a_clone_lacking_a_blob_judges_the_other_files(tmp_path, capsys):
    """A partial clone or a mirror missing objects: `trail` stopped with a traceback (or "could not
    read the git history"). The file whose blob is missing is unknown, said in its row; the rest is
    judged; and the answer is not cached, so the objects arriving (a fetch moves no ref) are used."""
    repo, bucket = _bucket_with_session(tmp_path, capsys)
    blob = repo.git("rev-parse", "HEAD:a.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    for _ in range(2):
        assert main(["--bucket", str(bucket), "trail", SID, "--json"]) == 0
        out = capsys.readouterr()
        assert out.err == ""
        rows = orjson.loads(out.out)
        assert [(r["path"], r["state"], r["partial"]) for r in rows] == [
            ("a.py", "unknown", True), ("b.py", "reverted", False), ("c.py", "lost", False), ("d.py", "uncommitted", False)
        ]  # fmt: skip
    assert not list(bucket.rglob("trail/*.json"))
    assert main(["--bucket", str(bucket), "trail", SID]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "4 patches in 4 files: 1 lost, 1 reverted, 1 uncommitted, 1 unknown"


def test_the_table_says_why_a_row_is_unknown(tmp_path, capsys, monkeypatch):
    """Only `--json` carried an unknown row's reason: the table said "unknown" and no more. The reason
    is a note under its row, within the terminal's width; one shared by every row is said once."""
    monkeypatch.setenv("COLUMNS", "80")
    repo, bucket = _bucket_with_session(tmp_path, capsys)
    blob = repo.git("rev-parse", "HEAD:a.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    assert main(["--bucket", str(bucket), "trail", SID]) == 0
    lines = capsys.readouterr().out.splitlines()
    [row] = [i for i, line in enumerate(lines) if " a.py " in line]
    assert lines[row].split()[2] == "unknown"
    note = [line for line in lines[row + 1 :] if line.startswith("    ")]
    assert " ".join(x.strip() for x in note) == (
        "why unknown: the clone lacks some of the git objects of this file's history (a partial clone?)"
    )
    assert len(note) == 2 and all(len(x) <= 80 for x in note)
    assert lines[row + 1 + len(note)].split()[1] == "b.py"  # judged rows have no note
    shutil.rmtree(repo.path)
    assert main(["--bucket", str(bucket), "trail", SID]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == ["why every patch is unknown: no repository", "4 patches in 4 files: 4 unknown"]


def test_a_note_under_a_row_is_made_safe(capsys, monkeypatch):
    from tracetui.cli.output import print_table

    monkeypatch.setenv("COLUMNS", "80")
    hostile = "why: \x1b[31mred\u202e\x07 " + "x" * 500
    print_table(("step", "path"), [("s1", "a.py"), ("s2", "b.py")], 70, [None, hostile])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    lines = out.splitlines()
    assert lines[2].startswith("s2") and lines[3].startswith("    why: ")
    assert len(lines) == 6 and lines[-1].endswith("…")  # three lines at most, the last cut
    assert all(len(x) <= 80 for x in lines)
