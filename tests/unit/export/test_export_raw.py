"""`tracetui export --format raw`: selection, the review gate, in-place scrubbing, the second gate,
determinism, the manifest and its digests, and reading the export back with tracetui's own readers."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from shared_data import FIXTURES, requires_corpus
from support.built_once import PLANTED_GROUP
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.export import ExportOptions, ExportProgress, Selection, export, select
from tracetui.model import SessionFilter

SESSION = "77777777-7777-4777-8777-777777777777"
TOKEN = "ghp_" + "Rk7Tq2Wm9Xv4Lp8Zs3Nc6Hd1Jf5Gb0Ya2Ue7"
PLANTED = "AKIA" + "Q7NE24RDXQRG4R4S"  # a fake AWS key id, in a part of a record no reader models
PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "redact" / "claude" / "projects", src)
    return src


def _bucket(tmp_path: Path, src: Path) -> Path:
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={src}", "--json"]) == 0
    return bucket


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_undecided_suggestions_refuse_and_nothing_is_written(tmp_path, capsys):
    bucket = _bucket(tmp_path, _source(tmp_path))
    dest = tmp_path / "out"
    code, out, err = _run(capsys, "--bucket", str(bucket), "export", str(dest), "--format", "raw", "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False and "need a decision" in doc["error"]
    assert doc["findings"] and all(
        f["session"] == SESSION and f["tier"] == "suggested" for f in doc["findings"]
    )
    assert TOKEN not in out + err and "jane" not in out + err
    assert not dest.exists() or not any(dest.iterdir())
    # Without --json: one line per finding, as `seal` lists them, then the sentence.
    code, out, err = _run(capsys, "--bucket", str(bucket), "export", str(dest), "--format", "raw")
    assert code == 1 and "suggested" in err and err.strip().splitlines()[-1].startswith("tracetui: ")
    assert "`tracetui review`" in err.strip().splitlines()[-1]


def test_a_refusing_export_judges_no_work_in_git_and_still_lists_every_session(tmp_path, capsys, monkeypatch):
    """Once a suggestion waits the export refuses: the rest of its review lists what waits in every
    session, and judges no session's work in git (405 MB: 27 s to a refusal, a third of it thrown away)."""
    from tracetui.export.run import Exporter

    src = _source(tmp_path)
    log = next(src.rglob(f"{SESSION}.jsonl"))
    other = "88888888-8888-4888-8888-888888888888"
    (log.parent / f"{other}.jsonl").write_text(log.read_text().replace(SESSION, other))
    bucket = _bucket(tmp_path, src)
    judged: list[str] = []
    real = Exporter.outcome

    def outcome(self, session):
        judged.append(session.id)
        return real(self, session)

    monkeypatch.setattr(Exporter, "outcome", outcome)
    code, out, _ = _run(capsys, "--bucket", str(bucket), "export", str(tmp_path / "out"), "--format", "raw", "--json")
    assert code == 1 and {f["session"] for f in json.loads(out)["findings"]} == {SESSION, other}
    assert judged == []
    # With every suggestion accepted nothing waits: each session's work is judged and written.
    code, out, _ = _run(capsys, "--bucket", str(bucket), "export", str(tmp_path / "out"), "--format", "raw",
                        "--accept-suggested", "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["written"] == 2 and sorted(judged) == sorted([SESSION, other])


def test_a_refused_export_lists_the_first_findings_and_counts_the_rest(tmp_path, capsys, monkeypatch):
    """A real bucket held 232 suggestions: each one on its own line buried the sentence that says
    what to do. The plain listing stops at LISTED and says how many more there are."""
    import tracetui.cli.output as cli_output

    bucket = _bucket(tmp_path, _source(tmp_path))
    code, out, _ = _run(capsys, "--bucket", str(bucket), "export", str(tmp_path / "a"), "--format", "raw", "--json")
    total = len(json.loads(out)["findings"])
    assert total >= 1
    monkeypatch.setattr(cli_output, "LISTED", total - 1)
    code, out, err = _run(capsys, "--bucket", str(bucket), "export", str(tmp_path / "b"), "--format", "raw")
    listed = [line for line in err.splitlines() if line.startswith("  session ")]
    assert code == 1 and len(listed) == total - 1 and "  … and 1 more (every one: --json)" in err


def test_raw_export_scrubs_in_place_keeps_other_bytes_and_reads_back(tmp_path, capsys):
    src = _source(tmp_path)
    bucket = _bucket(tmp_path, src)
    dest = tmp_path / "out"
    code, out, _ = _run(
        capsys,
        "--bucket",
        str(bucket),
        "export",
        str(dest),
        "--format",
        "raw",
        "--accept-suggested",
        "--json",
    )
    assert code == 0, out
    doc = json.loads(out)
    assert doc["written"] == 1 and doc["refused"] == [] and doc["redactions"] > 0
    blob = _all_bytes(dest)
    for value in (TOKEN, b"jdoe", b"acme-corp"):
        assert (value if isinstance(value, bytes) else value.encode()) not in blob
    exported = dest / "sessions" / "claude_code" / f"{SESSION}.jsonl"
    original = next(src.rglob(f"{SESSION}.jsonl")).read_bytes()
    new_lines, old_lines = exported.read_bytes().split(b"\n"), original.split(b"\n")
    assert len(new_lines) == len(old_lines)
    changed = 0
    for new, old in zip(new_lines, old_lines):
        if new == old:
            continue
        changed += 1
        # A changed record is still one JSON record with the same keys, differing only in strings.
        a, b = json.loads(new), json.loads(old)
        assert _shape(a) == _shape(b)
    assert 0 < changed < len(old_lines)
    # The receipt: kinds and counts, never a value.
    receipt = json.loads((dest / "receipts" / "claude" / f"{SESSION}.json").read_bytes())
    assert {r["kind"] for r in receipt["receipt"]} >= {"github-token", "home-path"}
    assert all(set(r) == {"placeholder", "kind", "tier", "count", "decided_by"} for r in receipt["receipt"])
    # tracetui's own reader reads the export back: the same steps, text differing only by placeholders.
    again = tmp_path / "bucket2"
    assert (
        main(["--bucket", str(again), "sync", "--source", f"claude={dest / 'sessions' / 'claude_code'}"]) == 0
    )
    _same_but_placeholders(Bucket.open(bucket), Bucket.open(again))


def _shape(obj):
    if isinstance(obj, dict):
        return {k if not PLACEHOLDER.search(k) else "?": _shape(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shape(v) for v in obj]
    return type(obj).__name__


def _same_but_placeholders(a: Bucket, b: Bucket, agents: set[str] | None = None) -> None:
    ids = [r.id for r in a.list_sessions() if agents is None or r.agent in agents]
    assert ids and sorted(ids) == sorted(r.id for r in b.list_sessions())
    for sid in ids:
        x, y = a.session(sid), b.session(sid)
        assert [(s.id, s.kind, s.tool) for s in x.steps] == [(s.id, s.kind, s.tool) for s in y.steps], sid
        for s, t in zip(x.steps, y.steps):
            if s.text != t.text:
                pattern = ".*?".join(re.escape(part) for part in PLACEHOLDER.split(t.text))
                assert re.fullmatch(pattern, s.text, re.DOTALL), (sid, s.index)


def test_unchanged_sessions_are_not_written_again_and_output_is_deterministic(tmp_path, capsys):
    bucket = Bucket.open(_bucket(tmp_path, _source(tmp_path)))
    options = ExportOptions("raw", accept_suggested=True)
    first = export(bucket, tmp_path / "a", options)
    second = export(bucket, tmp_path / "b", options)
    files_a = {
        p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()
    }
    files_b = {
        p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()
    }
    assert files_a == files_b and first.written == second.written == 1
    stamp = {
        p: p.stat().st_mtime_ns
        for p in (tmp_path / "a").rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    seen: list[ExportProgress] = []
    again = export(bucket, tmp_path / "a", options, progress=seen.append)
    assert again.written == 0 and again.unchanged == 1
    assert {p: p.stat().st_mtime_ns for p in stamp} == stamp
    assert [p.phase for p in seen] == ["review", "write"] and seen[-1].done == seen[-1].total == 1
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_bytes())
    assert set(manifest["files"]) == {str(p.relative_to(tmp_path / "a")) for p in stamp}
    # A decision changed in the plan changes the digest: the session is written again.
    from tracetui.redact import PlanStore

    store = PlanStore(bucket.root / "plans")
    plan = present(store.load(SESSION))
    span = next(s for s in plan.spans if s.kind == "email")
    plan.decide(span, "rejected")
    store.save(plan)
    assert export(bucket, tmp_path / "a", options).written == 1


def _plant(src: Path, extra: dict) -> None:
    """Put `extra` into the first record of the fixture log, where no reader looks."""
    log = next(src.rglob(f"{SESSION}.jsonl"))
    lines = log.read_bytes().split(b"\n")
    record = json.loads(lines[0])
    record["unmodelled"] = extra
    lines[0] = json.dumps(record).encode()
    log.write_bytes(b"\n".join(lines))


def _decide_all(bucket: Path) -> None:
    from tracetui.redact import PlanStore, refresh_plan

    b = Bucket.open(bucket)
    store = PlanStore(bucket / "plans")
    plan = refresh_plan(b.session(SESSION), store)
    for span in plan.pending():
        plan.decide(span, "accepted")
    store.save(plan)


def test_what_only_the_raw_record_holds_is_scrubbed_or_refused(tmp_path, capsys):
    """A part of a record no reader shows is in no plan: a sure secret there is scrubbed as the
    plan would scrub it; a suggestion there refuses the session unless --accept-suggested."""
    src = _source(tmp_path)
    email = "grace.hopper@navyyard.io"
    _plant(src, {"note": f"aws_access_key_id = {PLANTED}", "who": f"mail {email} please"})
    bucket = _bucket(tmp_path, src)
    _decide_all(bucket)
    dest = tmp_path / "out"
    code, out, err = _run(capsys, "--bucket", str(bucket), "export", str(dest), "--format", "raw", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False and doc["written"] == 0
    [refused] = doc["refused"]
    assert refused["session"] == SESSION and "--accept-suggested" in refused["reason"]
    assert [f["kind"] for f in refused["findings"]] == ["email"] and refused["findings"][0]["line"] == 1
    assert email not in out + err and PLANTED not in out + err
    assert not (dest / "sessions").exists()
    code, out, err = _run(
        capsys,
        "--bucket",
        str(bucket),
        "export",
        str(dest),
        "--format",
        "raw",
        "--accept-suggested",
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["written"] == 1, doc["refused"]
    blob = _all_bytes(dest)
    assert PLANTED.encode() not in blob and email.encode() not in blob
    rows = {r["kind"]: r for r in doc["receipts"][0]["receipt"]}
    assert rows["email"]["decided_by"] == "user (--accept-suggested)"
    assert any(k.startswith("aws") and r["decided_by"] == "detector" for k, r in rows.items())
    record = json.loads((dest / "sessions" / "claude_code" / f"{SESSION}.jsonl").read_bytes().split(b"\n")[0])
    assert PLACEHOLDER.search(record["unmodelled"]["note"]) and PLACEHOLDER.search(
        record["unmodelled"]["who"]
    )


def test_what_only_a_wire_log_record_holds_is_scrubbed_or_refused(tmp_path, capsys):
    """Claude Code 2.1.3xx logs each request's messages (`api-request-blob`) beside the transcript; the
    reader takes no step from them, so a value only such a record holds is in no plan. It must still
    never leave as it is: a suggestion refuses the session, --accept-suggested scrubs it and the sure
    secret beside it."""
    src = _source(tmp_path)
    email = "ada.lovelace@enginehouse.io"
    log = next(src.rglob(f"{SESSION}.jsonl"))
    blob = {"type": "api-request-blob", "sessionId": SESSION, "hash": "ab" * 32, "message": {
        "role": "user", "content": [{"type": "text", "text": f"<system-reminder>\nwrite to {email}\n"
                                     f"aws_access_key_id = {PLANTED}\n</system-reminder>"}]}}
    log.write_bytes(log.read_bytes().rstrip(b"\n") + b"\n" + json.dumps(blob).encode() + b"\n")
    bucket = _bucket(tmp_path, src)
    assert Bucket.open(bucket).session(SESSION).skipped == {}
    _decide_all(bucket)
    dest = tmp_path / "out"
    code, out, err = _run(capsys, "--bucket", str(bucket), "export", str(dest), "--format", "raw", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["written"] == 0 and [r["session"] for r in doc["refused"]] == [SESSION]
    assert email not in out + err and PLANTED not in out + err
    code, out, _ = _run(capsys, "--bucket", str(bucket), "export", str(dest), "--format", "raw",
                        "--accept-suggested", "--json")
    assert code == 0 and json.loads(out)["written"] == 1
    written = _all_bytes(dest)
    assert email.encode() not in written and PLANTED.encode() not in written
    last = json.loads((dest / "sessions" / "claude_code" / f"{SESSION}.jsonl").read_bytes().rstrip().split(b"\n")[-1])
    assert last["type"] == "api-request-blob" and PLACEHOLDER.search(last["message"]["content"][0]["text"])


def test_selection_filters_and_bad_destinations(tmp_path, capsys):
    bucket = Bucket.open(_bucket(tmp_path, _source(tmp_path)))
    assert [r.id for r in select(bucket, Selection(since="2026-02-01", until="2026-02-01"))] == [SESSION]
    assert select(bucket, Selection(since="2026-02-02")) == []
    assert select(bucket, Selection(until="2026-01-31")) == []
    assert select(bucket, Selection(agent="pi")) == []
    assert [r.id for r in select(bucket, Selection(sessions=(SESSION[:8],)))] == [SESSION]
    assert [r.id for r in select(bucket, Selection(query="Deploy"))] == [SESSION]
    assert select(bucket, Selection(query="nowhere-to-be-found")) == []
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("keep me")
    for args, words, exit_code in (
        (["export", str(busy), "--format", "raw"], "not empty", 1),
        (["export", str(tmp_path / "x"), "--format", "raw", "--since", "yesterday"], "expected a date", 2),
        (["export", str(tmp_path / "x"), "--format", "raw", "--agent", "pi"], "no session matches", 1),
        (["export", str(tmp_path / "x")], "--format", 2),
    ):
        code, out, err = _run(capsys, "--bucket", str(bucket.root), *args)
        assert code == exit_code and words in err and err.count("\n") == 1, (args, err)
    assert (busy / "mine.txt").read_text() == "keep me"
    export(bucket, tmp_path / "raw", ExportOptions("raw", accept_suggested=True))
    code, out, err = _run(
        capsys,
        "--bucket",
        str(bucket.root),
        "export",
        str(tmp_path / "raw"),
        "--format",
        "parquet",
        "--accept-suggested",
    )
    assert code == 1 and "holds a raw export" in err


@requires_corpus
@pytest.mark.corpus
@PLANTED_GROUP
def test_corpus_raw_export_reads_back_with_the_same_steps(tmp_path, tmp_path_factory):
    from support.built_once import planted_bucket, planted_export
    # The run's one raw export of the corpus; Claude Code's, Codex's and Pi's logs sync back whole.
    dest, doc = planted_export(tmp_path_factory, "raw")
    bucket = Bucket.open(planted_bucket(tmp_path_factory, tmp_path / "bucket"))
    assert doc["refused"] == [] and doc["written"] == doc["sessions"] > 10
    names = {"claude": "claude_code", "codex": "codex", "pi": "pi"}
    assert set(names.values()) <= {p.name for p in (dest / "sessions").iterdir()}
    again = tmp_path / "bucket2"
    args = [x for a, f in names.items() for x in ("--source", f"{a}={dest / 'sessions' / f}")]
    assert main(["--bucket", str(again), "sync", *args, "--json"]) == 0
    _same_but_placeholders(bucket, Bucket.open(again), agents=set(names))


def test_check_verifies_digests_extra_files_and_runs_the_detectors(tmp_path, capsys):
    bucket = Bucket.open(_bucket(tmp_path, _source(tmp_path)))
    dest = tmp_path / "out"
    export(bucket, dest, ExportOptions("raw", accept_suggested=True))
    code, out, _ = _run(capsys, "export", "--check", str(dest), "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    log = dest / "sessions" / "claude_code" / f"{SESSION}.jsonl"
    data = log.read_bytes()
    log.write_bytes(data.replace(b"Deploy", b"Deplyo", 1))
    (dest / "stray.txt").write_text("?")
    code, out, _ = _run(capsys, "export", "--check", str(dest), "--json")
    problems = {p["file"]: p["problem"] for p in json.loads(out)["problems"]}
    assert (
        code == 1
        and "digest" in problems[str(log.relative_to(dest))]
        and "not in the manifest" in problems["stray.txt"]
    )
    # A secret put back, with the manifest's digest made to match: the detectors still find it.
    (dest / "stray.txt").unlink()
    leaked = data.replace(b"Deploy with", f"Deploy {TOKEN} with".encode(), 1)
    log.write_bytes(leaked)
    manifest = json.loads((dest / "manifest.json").read_bytes())
    import hashlib

    manifest["files"][str(log.relative_to(dest))] = {
        "sha256": hashlib.sha256(leaked).hexdigest(),
        "size": len(leaked),
    }
    (dest / "manifest.json").write_text(json.dumps(manifest))
    code, out, _ = _run(capsys, "export", "--check", str(dest))
    assert code == 1 and "github-token" in out and TOKEN not in out


def test_a_suggestion_that_appears_after_review_stops_its_session(tmp_path, monkeypatch):
    """A sync between the review and the write can grow a session: its new suggestions are not
    written unreviewed (the session is refused, the export goes on)."""
    from tracetui.export import run

    bucket = Bucket.open(_bucket(tmp_path, _source(tmp_path)))
    from tracetui.redact import PlanStore

    store = PlanStore(bucket.root / "plans")
    from tracetui.redact import refresh_plan

    plan = refresh_plan(bucket.session(SESSION), store)
    for span in plan.pending():
        plan.decide(span, "accepted")
    store.save(plan)
    calls = []
    real = run._undecided

    def later(session, plan, options):
        calls.append(1)
        found = real(session, plan, options)
        # The second look (at write time) meets a suggestion the review did not see.
        return (
            found
            if len(calls) == 1
            else [
                {
                    "step": None,
                    "index": None,
                    "field": "title",
                    "kind": "email",
                    "tier": "suggested",
                    "detector": "pii:email",
                }
            ]
        )

    monkeypatch.setattr(run, "_undecided", later)
    report = export(bucket, tmp_path / "out", ExportOptions("raw"))
    assert len(calls) == 2 and report.written == 0
    assert report.refused and report.refused[0]["findings"][0]["kind"] == "email"
    assert not (tmp_path / "out" / "sessions").exists()


def test_layout_makes_every_log_given_name_a_plain_path_inside_the_export():
    from tracetui.capsule.scrub import Scrubbed
    from tracetui.export.manifest import inside
    from tracetui.export.raw import layout
    from tracetui.model import Session
    from tracetui.sources import RawLog

    nobody = Scrubbed(Session(id="s", agent="claude", source=""), [], [])
    files = [
        RawLog("/home/u/.claude/projects/p/abc.jsonl", b""),
        RawLog("/home/u/.claude/projects/p/abc/subagents/agent-1.jsonl", b""),
        RawLog("/home/u/.claude/projects/p/abc/subagents/agent-1.meta.json", b""),
        RawLog("/elsewhere/../../etc/pass\x1bwd\n.jsonl", b""),
        RawLog("/x/" + "y" * 400 + ".jsonl", b""),
    ]
    placed = [rel for rel, _ in layout("claude", files, nobody)]
    assert placed[:3] == [
        "sessions/claude_code/abc.jsonl",
        "sessions/claude_code/abc/subagents/agent-1.jsonl",
        "sessions/claude_code/abc/subagents/agent-1.meta.json",
    ]
    for rel in placed:
        inside(Path("/tmp/export"), rel)  # raises for anything that steps outside
        assert all(
            re.fullmatch(r"[A-Za-z0-9._\-]+", part) and part not in (".", "..") for part in rel.split("/")
        )
        assert all(len(part) <= 200 for part in rel.split("/"))
    assert placed[3].endswith(".jsonl") and placed[4].endswith(".jsonl")


def test_an_interrupted_export_leaves_a_manifest_of_what_is_there_and_resumes(tmp_path, capsys, monkeypatch):
    from tracetui.export.manifest import Dest

    bucket = Bucket.open(_bucket(tmp_path, _source(tmp_path)))
    dest = tmp_path / "out"
    real = Dest.write
    calls = []

    def flaky(self, rel, data):
        calls.append(rel)
        if rel.startswith("receipts/"):
            raise KeyboardInterrupt
        return real(self, rel, data)

    monkeypatch.setattr(Dest, "write", flaky)
    with pytest.raises(KeyboardInterrupt):
        export(bucket, dest, ExportOptions("raw", accept_suggested=True))
    monkeypatch.setattr(Dest, "write", real)
    manifest = json.loads((dest / "manifest.json").read_bytes())
    on_disk = {
        p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file() and p.name != "manifest.json"
    }
    assert set(manifest["files"]) == on_disk and on_disk
    code, out, _ = _run(capsys, "export", "--check", str(dest), "--json")
    assert code == 0, out
    again = export(bucket, dest, ExportOptions("raw", accept_suggested=True))
    assert again.written == 1 and again.refused == []
    code, out, _ = _run(capsys, "export", "--check", str(dest), "--json")
    assert code == 0, out


def test_a_session_whose_logs_are_gone_is_refused_and_the_rest_exported(tmp_path, capsys):
    bucket_dir = _bucket(tmp_path, _source(tmp_path))
    assert main(["--bucket", str(bucket_dir), "sync", "--source", f"pi={FIXTURES / 'pi'}"]) == 0
    bucket = Bucket.open(bucket_dir)
    real = bucket.raw_files

    def gone(session_id):
        if bucket.resolve(session_id) == SESSION:
            from tracetui.errors import NotFound

            raise NotFound("the bucket has no copy of it; run `tracetui sync`")
        return real(session_id)

    seen: list[str] = []

    def second_time_gone(session_id):
        # The review reads the logs for the digest; they vanish before the write.
        seen.append(bucket.resolve(session_id))
        return real(session_id) if seen.count(SESSION) < 2 else gone(session_id)

    bucket.raw_files = second_time_gone  # type: ignore[method-assign]
    report = export(bucket, tmp_path / "out", ExportOptions("raw", accept_suggested=True))
    assert [r["session"] for r in report.refused] == [SESSION]
    assert "could not be read" in report.refused[0]["reason"]
    assert report.written == report.sessions - 1 >= 1


def test_more_agents_read_back(tmp_path, capsys):
    """Copilot's `<id>/events.jsonl` keeps its folder (the id is its name), Gemini's files read back,
    and OpenCode's sessions (staged by the bucket) go out as OpenCode's own export documents."""
    bucket = tmp_path / "bucket"
    args = [x for a in ("copilot", "gemini", "opencode") for x in ("--source", f"{a}={FIXTURES / a}")]
    assert main(["--bucket", str(bucket), "sync", *args, "--json"]) == 0
    dest = tmp_path / "out"
    code, out, _ = _run(
        capsys,
        "--bucket",
        str(bucket),
        "export",
        str(dest),
        "--format",
        "raw",
        "--accept-suggested",
        "--json",
    )
    doc = json.loads(out)
    listed = {r.id: r.agent for r in Bucket.open(bucket).list_sessions()}
    assert doc["refused"] == [] and "opencode" in listed.values()
    assert (dest / "sessions" / "copilot" / "3c4d5e6f-4444-4d4d-9e9e-112233445566" / "events.jsonl").is_file()
    again = tmp_path / "bucket2"
    back = [x for a in ("copilot", "gemini", "opencode") for x in ("--source", f"{a}={dest / 'sessions' / a}")]
    assert main(["--bucket", str(again), "sync", *back, "--json"]) == 0
    a, b = Bucket.open(bucket), Bucket.open(again)
    kept = sorted(listed)
    assert sorted(r.id for r in b.list_sessions()) == kept
    for sid in kept:
        x, y = a.session(sid), b.session(sid)
        assert [(s.id, s.kind) for s in x.steps] == [(s.id, s.kind) for s in y.steps], sid


def test_opencode_sessions_go_out_as_opencode_export_documents_and_read_back(tmp_path, capsys):
    """OpenCode keeps sessions in a database or many small files, which the bucket stages; raw gives
    them back in OpenCode's own export format, and tracetui's reader reads the same steps from it."""
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "opencode" / "storage", src / "storage")
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"opencode={src}", "--json"]) == 0
    dest = tmp_path / "out"
    code, out, _ = _run(capsys, "--bucket", str(bucket), "export", str(dest), "--format", "raw",
                        "--accept-suggested", "--json")  # fmt: skip
    doc = json.loads(out)
    assert code == 0 and doc["written"] >= 1 and not doc["refused"], doc
    files = sorted((dest / "sessions" / "opencode").glob("*.json"))
    assert files and all(set(json.loads(f.read_bytes())) == {"info", "messages"} for f in files)
    again = tmp_path / "again"
    assert main(["--bucket", str(again), "sync", "--source", f"opencode={dest / 'sessions' / 'opencode'}"]) == 0
    with Bucket.open(bucket) as before, Bucket.open(again) as after:
        old = {r.id: before.session(r.id) for r in before.list_sessions(SessionFilter(include_hidden=True))}
        new = {r.id: after.session(r.id) for r in after.list_sessions(SessionFilter(include_hidden=True))}
        assert set(new) == set(old)
        for sid, session in old.items():
            assert [(s.id, s.kind) for s in new[sid].steps] == [(s.id, s.kind) for s in session.steps]


def test_the_gate_view_of_a_long_log_holds_no_buffer_per_line():
    """Each orjson.dumps result keeps about 4 KB whatever its length: the gate's view of a log of 100,000
    short records, kept as a list of them before it was joined, peaked 400 MB over the log's own 4 MB."""
    from support.peak_memory import run_measured

    script = (
        "import json\n"
        "from tracetui.export.raw import gate_view\n"
        "data = '\\n'.join(json.dumps({'type': 'x', 'n': i, 'text': 'hello'}) for i in range(100000)).encode()\n"
        "mark()\n"
        "gate_view(data)\n"
    )
    out = run_measured(script)
    assert out.returncode == 0 and out.floor_kb > 0, out.stderr[-2000:]
    assert out.grown_kb < 100_000


def test_each_text_is_scanned_once_and_the_logs_scrubbed_once(tmp_path, monkeypatch):
    """The strings no field shows are scanned for the raw format by the gate's own scan, so the gate
    is told what they hold and does not scan them again; a session the gate passes at once has its
    logs scrubbed once, not again for the gate."""
    from tracetui.redact import many
    from tracetui.export.writers import RawWriter

    src = _source(tmp_path)
    _plant(src, {"note": "a string of the record that no reader shows", "who": "another one, long enough"})
    bucket = _bucket(tmp_path, src)
    _decide_all(bucket)
    scanned: list[str] = []
    scan = many.TextScanner.scan

    def counted(self, texts, identity):
        scanned.extend(texts)
        return scan(self, texts, identity)

    made = []
    members = RawWriter._members

    def counted_members(self, *args):
        made.append(args)
        return members(self, *args)

    monkeypatch.setattr(many.TextScanner, "scan", counted)
    monkeypatch.setattr(RawWriter, "_members", counted_members)
    report = export(Bucket.open(bucket), tmp_path / "out", ExportOptions("raw"))
    assert report.written == 1 and not report.refused
    assert "a string of the record that no reader shows" in scanned
    assert len(scanned) == len(set(scanned)), "a text was scanned twice"
    assert len(made) == 1


def test_an_unshown_string_that_outruns_the_detectors_is_scrubbed_whole(tmp_path, monkeypatch):
    """A string of a record no reader shows is scanned within the gate's budget: one made to outrun
    the detectors stops neither the export nor its session, and leaves the export as a placeholder."""
    import time

    from tracetui.redact import many, scan

    slow = "a string that no detector finishes in time"
    src = _source(tmp_path)
    _plant(src, {"note": slow})
    bucket = _bucket(tmp_path, src)
    _decide_all(bucket)
    real = many.scan_text

    def scan_text(text, identity=None, **kwargs):
        if text != slow:
            return real(text, identity, **kwargs)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            pass
        return []

    budget = scan.field_budget  # a short one for the slow string's length only: no other text races it
    monkeypatch.setattr(many, "scan_text", scan_text)
    monkeypatch.setattr(scan, "field_budget", lambda length: 0.05 if length == len(slow) else budget(length))
    started = time.monotonic()
    report = export(Bucket.open(bucket), tmp_path / "out", ExportOptions("raw"))
    assert time.monotonic() - started < 20
    assert report.written == 1 and not report.refused
    blob = _all_bytes(tmp_path / "out")
    assert slow.encode() not in blob
    [row] = [r for r in report.receipts[0]["receipt"] if r["kind"] == "unscanned"]
    assert row["decided_by"] == "detector"
