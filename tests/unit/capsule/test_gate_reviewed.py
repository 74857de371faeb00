"""Issue 35: the gate never refuses what the review passed. With `--accept-suggested`, a session whose
review shows nothing undecided is sealed and exported in every format, whatever the bytes built from
git (a patch's context lines, a repository path, the labels) hold; what is scrubbed there is gone from
every byte. Values are made up here."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES, TESTS

from tracetui.capsule import seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.cli import main
from tracetui.redact import build_plan, scan_session

sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(FIXTURES / "capsule"))
import agent_logs as al  # noqa: E402
import capsule_kit as kit  # noqa: E402

USER = "marguerite"  # a made-up user name, in the session's home and in one of the repository's folders
TOKEN = "ghp_" + "Q7wE9rT2yU4iO6pA8sD1fG3hJ5kL0zX2cV4b"  # made up


def _codex_with_name_in_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(al, "CWD", f"/home/{USER}/shop")
    src = tmp_path / "src"
    al._codex(
        [al.Prompt("write the notes"), al.Write(f"docs/{USER}/notes.md", "hello\n"),
         al.Shell("pytest -q tests/", "1 passed")],
        src,
    )  # fmt: skip
    return src


def _every_byte(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() + p.name.encode() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("fmt", ["raw", "parquet", "atif", "html", "md"])
def test_a_user_name_in_a_repository_path_does_not_stop_an_export(tmp_path, monkeypatch, capsys, fmt):
    """A Codex session wrote `docs/<user>/notes.md`: the path is kept exact (a replay must find the file),
    and the gate found the user name there and refused the session in parquet and ATIF, which no review
    could change."""
    src = _codex_with_name_in_path(tmp_path, monkeypatch)
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"codex={src}", "--json"]) == 0
    dest = tmp_path / "out"
    pick = ["--sessions", "0199abab"] if fmt in ("html", "md") else []
    capsys.readouterr()
    code = main([*bucket, "export", str(dest), "--format", fmt, *pick, "--accept-suggested", "--json"])
    doc = orjson.loads(capsys.readouterr().out)
    assert code == 0 and doc["refused"] == [] and doc["written"] == 1, doc["refused"]
    # The name is scrubbed everywhere but in the repository's own path.
    blob = _every_byte(dest).replace(f"docs/{USER}/notes.md".encode(), b"")
    assert f"/home/{USER}".encode() not in blob


def test_a_user_name_in_a_repository_path_does_not_stop_a_seal(tmp_path, monkeypatch):
    src = _codex_with_name_in_path(tmp_path, monkeypatch)
    session = al.read_session(al.group("codex", sorted(src.rglob("*.jsonl")))[0])
    plan = build_plan(session, scan_session(session, workers=0))
    result = seal(session, plan, accept_suggested=True)
    trace = read_archive(result.data, ALLOWED)["trace.jsonl"]
    assert f"/home/{USER}".encode() not in trace


def _repo_with_token_in_context(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose test file holds a token, and a Claude session that edits that file: the patch's
    context lines come from git, where no plan's scan could see them."""
    repo, _ = kit.make_repo(tmp_path)
    (repo / "test_calc.py").write_text(f"{kit.TEST}# token {TOKEN}\n")
    kit.git(repo, "add", "test_calc.py")
    kit.git(repo, "commit", "-qm", "a test file with a token")
    projects = tmp_path / "projects"
    log = kit.write_claude_log(projects, repo)
    text = log.read_text().replace('"name":"Write"', '"name":"Edit"').replace(
        f'"input":{{"file_path":"{repo}/test_calc.py","content":' + orjson.dumps(kit.TEST).decode() + "}",
        '"input":{"file_path":"' + str(repo) + '/test_calc.py","old_string":"print(\'ok\')",'
        '"new_string":"print(\'fine\')"}',
    )
    assert '"name":"Edit"' in text
    log.write_text(text)
    return repo, projects


def test_accept_suggested_seals_a_token_in_a_patch_context_from_git(tmp_path, capsys):
    """Before: `the second gate found 1 finding in text no field of the session holds`, with
    --accept-suggested too, though the review listed nothing to decide."""
    repo, projects = _repo_with_token_in_context(tmp_path)
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"claude={projects}", "--json"]) == 0
    out = tmp_path / "v.capsule"
    sid = kit.CLAUDE_SESSION[:8]
    capsys.readouterr()
    assert main([*bucket, "seal", sid, "--steps", "0:3", "--accept-suggested", "-o", str(out)]) == 0, (
        capsys.readouterr().err
    )
    data = out.read_bytes()
    assert TOKEN.encode() not in b"".join(read_archive(data, ALLOWED).values())


@pytest.mark.parametrize("fmt", ["parquet", "atif", "html"])
def test_accept_suggested_exports_a_token_in_a_patch_context_from_git(tmp_path, capsys, fmt):
    repo, projects = _repo_with_token_in_context(tmp_path)
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"claude={projects}", "--json"]) == 0
    dest = tmp_path / "out"
    pick = ["--sessions", kit.CLAUDE_SESSION[:8]] if fmt == "html" else []
    capsys.readouterr()
    args = [*bucket, "export", str(dest), "--format", fmt, "--repo", str(repo), *pick, "--json"]
    code = main([*args, "--accept-suggested"])
    doc = orjson.loads(capsys.readouterr().out)
    assert code == 0 and doc["refused"] == [], doc["refused"]
    blob = _every_byte(dest)
    if fmt == "parquet":
        pq = pytest.importorskip("pyarrow.parquet")
        blob += b"".join(
            orjson.dumps(pq.read_table(p).to_pylist(), default=str) for p in dest.rglob("*.parquet")
        )
    assert TOKEN.encode() not in blob


def test_without_accept_suggested_the_refusal_says_where_and_what_to_do(tmp_path, capsys):
    repo, projects = _repo_with_token_in_context(tmp_path)
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"claude={projects}", "--json"]) == 0
    capsys.readouterr()
    code = main([*bucket, "export", str(tmp_path / "out"), "--format", "parquet", "--repo", str(repo)])
    err = capsys.readouterr().err
    assert code != 0 and TOKEN not in err
    assert "member patches.jsonl line 1: github-token" in err and "--accept-suggested" in err


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_page_s_own_markup_beside_a_placeholder_is_no_finding(tmp_path, capsys, fmt):
    """A real session's `.netrc` in a diff held `password REDACTED_…` (a stand-in the plan rightly left);
    the page wrote `password REDACTED_…</span>`, the gate read the renderer's closing tag as part of a
    password, and refused the page with nothing left to scrub."""
    src = tmp_path / "src"
    lines = "machine api.example.test\n  login ana@lima.dev\n  password REDACTED_API_TOKEN\n"
    session = al.session_of("claude", [al.Prompt("fix the netrc"), al.Edit(".netrc", "# old\n", lines)], src)
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"claude={src / 'claude' / 'projects'}", "--json"]) == 0
    capsys.readouterr()
    dest = tmp_path / "out"
    code = main([*bucket, "export", str(dest), "--format", fmt, "--sessions", session.id, "--accept-suggested",
                 "--json"])  # fmt: skip
    doc = orjson.loads(capsys.readouterr().out)
    assert code == 0 and doc["refused"] == [], doc["refused"]
