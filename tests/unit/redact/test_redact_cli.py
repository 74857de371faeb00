"""`tracetui scan ID --json`: the contract's keys, never a value, and the plan saved in the bucket."""

from __future__ import annotations

import json
import sys

from support.narrow import present

from tracetui.cli import main
from tracetui.redact import PlanStore

from shared_data import FIXTURES

sys.path.insert(0, str(FIXTURES / "redact"))
import redact_samples  # noqa: E402, F401  (imported for what it sets up)


SESSION = "77777777-7777-4777-8777-777777777777"
TOKEN = "ghp_" + "Rk7Tq2Wm9Xv4Lp8Zs3Nc6Hd1Jf5Gb0Ya2Ue7"


def _bucket(tmp_path, capsys):
    bucket = tmp_path / "bucket"
    source = FIXTURES / "redact" / "claude" / "projects"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={source}", "--json"]) == 0
    capsys.readouterr()
    return bucket


def test_scan_json_lists_findings_without_values(tmp_path, capsys):
    bucket = _bucket(tmp_path, capsys)
    assert main(["--bucket", str(bucket), "scan", SESSION[:8], "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out)
    assert TOKEN not in out and "acme-corp" not in out and "jdoe" not in out
    assert rows and all(
        {"step", "field", "start", "end", "kind", "tier", "detector"} <= set(r) for r in rows
    )
    kinds = {(r["kind"], r["tier"]) for r in rows}
    assert ("github-token", "auto") in kinds
    assert ("email", "suggested") in kinds
    assert ("home-path", "auto") in kinds
    assert any(r["step"] is None and r["field"] == "cwd" for r in rows)
    plans = PlanStore(bucket / "plans")
    plan = plans.load(SESSION)
    assert plan is not None and len(plan.spans) == len(rows)


def test_scan_table_and_unknown_id(tmp_path, capsys):
    bucket = _bucket(tmp_path, capsys)
    assert main(["--bucket", str(bucket), "scan", SESSION, "--no-save"]) == 0
    out = capsys.readouterr().out
    assert TOKEN not in out and "github-token" in out and "waiting for a decision" in out
    assert not (bucket / "plans" / f"{SESSION}.plan.json").exists()
    assert main(["--bucket", str(bucket), "scan", "no-such-session"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tracetui: ") and err.count("\n") == 1


def test_scan_and_seal_share_one_plan_store_and_one_scan_cache(tmp_path, capsys):
    bucket = _bucket(tmp_path, capsys)
    assert main(["--bucket", str(bucket), "scan", SESSION[:8], "--json"]) == 0
    caches = sorted(p.relative_to(bucket) for p in bucket.rglob("*.scan.json"))
    assert caches and all(p.parts[:2] == ("cache", "scan-cache") for p in caches)
    cached = {p: (bucket / p).stat().st_mtime_ns for p in caches}
    out = tmp_path / "x.capsule"
    main(["--bucket", str(bucket), "seal", SESSION[:8], "--accept-suggested", "-o", str(out)])
    capsys.readouterr()
    # The seal read the plan and the cache the scan left: no second cache folder, nothing rescanned.
    assert sorted(p.relative_to(bucket) for p in bucket.rglob("*.scan.json")) == caches
    assert {p: (bucket / p).stat().st_mtime_ns for p in caches} == cached


def test_scan_steps_lists_exactly_what_the_seal_of_those_steps_checks(tmp_path, capsys):
    from tracetui.bucket import Bucket
    from tracetui.capsule import seal_scope
    from tracetui.redact import plan_store, refresh_plan

    bucket = _bucket(tmp_path, capsys)
    assert main(["--bucket", str(bucket), "scan", SESSION[:8], "--json"]) == 0
    everything = json.loads(capsys.readouterr().out)
    assert main(["--bucket", str(bucket), "scan", SESSION[:8], "--steps", "0:1", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first and len(first) < len(everything)
    with Bucket.open(bucket) as b:
        session = b.session(SESSION)
        plan = refresh_plan(session, plan_store(b), save=False)
    scope = seal_scope(session, plan, (0, 1))
    assert all(r["step"] is None or r["step"] in scope.included for r in first)
    assert all(r["index"] is None or isinstance(r["index"], int) for r in first)
    listed = sorted((r["step"] or "", r["field"], r["kind"]) for r in first if r["decision"] is None)
    assert listed == sorted((f["step"] or "", f["field"], f["kind"]) for f in scope.undecided)


def test_findings_are_decided_from_the_cli_and_then_the_seal_goes_through(tmp_path, capsys):
    bucket = _bucket(tmp_path, capsys)
    out = tmp_path / "x.capsule"
    assert main(["--bucket", str(bucket), "seal", SESSION[:8], "-o", str(out)]) == 1  # undecided: refused
    assert "a decision before sealing" in capsys.readouterr().err
    assert main(["--bucket", str(bucket), "scan", SESSION[:8], "--json"]) == 0
    waiting = {r["kind"] for r in json.loads(capsys.readouterr().out) if r["decision"] is None}
    assert "email" in waiting
    others = [arg for kind in sorted(waiting - {"email"}) for arg in ("--accept", kind)]
    assert main(["--bucket", str(bucket), "scan", SESSION[:8], "--reject", "email", *others, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert not [r for r in rows if r["decision"] is None]
    assert {r["decision"] for r in rows if r["kind"] == "email"} == {"rejected"}
    # The decisions were saved: the seal needs no --accept-suggested now.
    assert main(["--bucket", str(bucket), "seal", SESSION[:8], "-o", str(out)]) == 0, capsys.readouterr().err
    assert out.exists()
    assert main(["--bucket", str(bucket), "scan", SESSION[:8], "--accept", "email", "--reject", "email"]) == 2


def test_scan_reports_the_decisions_left_beside_the_findings_waiting(tmp_path, capsys):
    bucket = _bucket(tmp_path, capsys)
    assert main(["--bucket", str(bucket), "scan", SESSION[:8], "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    waiting = [r for r in rows if r["decision"] is None]
    assert waiting and all(r["value_id"] for r in rows)
    values = {r["value_id"] for r in waiting}
    assert main(["--bucket", str(bucket), "scan", SESSION[:8]]) == 0
    out = capsys.readouterr().out
    assert f"{len(waiting)} waiting for a decision ({len(values)} decision" in out
    # The same value gets the same id, and different values different ids.
    plan = present(PlanStore(bucket / "plans").load(SESSION))
    by_id: dict[str, set[str]] = {}
    for span in plan.spans:
        by_id.setdefault(span.value_id[:16], set()).add(span.value_id)
    assert all(len(v) == 1 for v in by_id.values())
