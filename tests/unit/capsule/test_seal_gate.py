"""One detector pass decides: whatever the seal's second gate finds that the plan missed is scrubbed by
the plan or waits for a decision the user can make (`scan --accept/--reject KIND`); the seal never
dead-ends.

The gate-only finding is provoked the way it happens for real: the plan (and its scan cache) was made
by detectors that did not know the token, and the gate's detectors do. Here the plan's scanner is made
blind to it, and the gate gets a stand-in for the 1Password service-account rule (on top of the real
rules, which may know it by now: the tests ask the gate which kind it reports).
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from support.narrow import present
from shared_data import FIXTURES

from tracetui.capsule import SealRefused, seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.cli import main
from tracetui.model import Step, StepKind
import tracetui.redact as redact_package
from tracetui.redact import PlanStore, build_plan, rules, scan_session, scan_text
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.plan import GATE, REJECTED

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

# A made-up token in the shape of a 1Password service-account token: "ops_" and base64 of JSON.
_INNER = {"signInAddress": "my.1password.com", "userAuth": {"method": "SRPg-4096"}, "deviceUuid": "qk4zt7m"}
_BODY = base64.urlsafe_b64encode(json.dumps(_INNER, separators=(",", ":")).encode()).decode()
OPS = "ops_" + _BODY.rstrip("=")
OUTPUT = json.dumps({"items": [{"label": "ci", "value": OPS}], "vault": "deploy"})
STAND_IN = "onepassword-service-token"
_OPS = re.compile(r"ops_eyJ[A-Za-z0-9_\-]{20,}")


@pytest.fixture
def blind_plan(monkeypatch):
    """The plan's scanner (and so its scan cache) never reports anything on the token."""
    from tracetui.redact import scan as scan_module

    real = scan_module.scan_text

    def blind(text, identity=None, **kw):
        hidden = [m.span() for m in _OPS.finditer(text if isinstance(text, str) else "")]
        found = real(text, identity, **kw)
        return [f for f in found if not any(f.start < b and a < f.end for a, b in hidden)]

    monkeypatch.setattr(scan_module, "scan_text", blind)


@pytest.fixture
def gate_knows(monkeypatch):
    """The gate's detectors know the token: the format rules gain a stand-in rule for it."""
    before = rules.token_findings

    def token_findings(text: str, lowered: str) -> Iterator[Finding]:
        yield from before(text, lowered)
        for m in _OPS.finditer(text):
            yield Finding(m.start(), m.end(), STAND_IN, AUTO, "rule:onepassword-stand-in")

    monkeypatch.setattr(rules, "token_findings", token_findings)
    at = OUTPUT.index(OPS)
    sure = [f for f in scan_text(OUTPUT) if f.tier == AUTO and f.start <= at < f.end]
    assert len(sure) == 1, sure
    return sure[0].kind  # the kind the gate names it by


def _session_with_token(repo: Path):
    s = kit.make_session(repo)
    ts = s.steps[3].timestamp
    s.steps[4:4] = [
        Step("c9", 0, StepKind.TOOL_CALL, "assistant", "", ts, tool="Bash", tool_call_id="toolu_9",
             tool_input={"command": "op item list --format json"}, parent="r1"),
        Step("r9", 0, StepKind.TOOL_RESULT, "tool", OUTPUT, ts, tool="Bash", tool_call_id="toolu_9",
             parent="c9"),
    ]  # fmt: skip
    for i, step in enumerate(s.steps):
        step.index = i
    s.steps[6].parent = "r9"
    return s


def test_a_token_only_the_gate_finds_is_scrubbed_by_the_plan_and_the_seal_goes_through(
    tmp_path, blind_plan, gate_knows
):
    kind = gate_knows
    repo, _ = kit.make_repo(tmp_path)
    session = _session_with_token(repo)
    plan = build_plan(session, scan_session(session, workers=0))
    assert not [s for s in plan.spans if s.step == "r9"], "the plan's scan must miss the token"
    assert plan.pending() == []
    store = PlanStore(tmp_path / "plans")
    out = tmp_path / "t.capsule"
    result = seal(session, plan, repo=repo, out=out, secret=b"k" * 32, store=store)
    data = out.read_bytes()
    for content in read_archive(data, ALLOWED).values():
        assert OPS.encode() not in content
    assert result.gate_added == 1
    assert kind in {row["kind"] for row in result.receipt}
    # The plan now holds it, where the token is, as a sure finding: saved, and listed by a scan.
    saved = store.load(session.id)
    assert saved is not None
    gate = [s for s in saved.spans if s.detector.startswith(GATE)]
    assert [(s.step, s.field, s.kind, s.decision) for s in gate] == [("r9", "text", kind, "auto")]
    assert OPS in session.steps[5].text[gate[0].start : gate[0].end]
    # A rescan (which never reports it) keeps it, and the user can reject it: the next seal keeps it.
    again = build_plan(session, scan_session(session, workers=0), saved)
    assert [(s.key, s.kind, s.detector) for s in again.spans if s.step == "r9"] == [
        (gate[0].key, kind, gate[0].detector)
    ]
    assert again.decide_kind(kind, REJECTED) == 1
    kept = seal(session, again, repo=repo, secret=b"k" * 32, store=store)
    assert OPS.encode() in read_archive(kept.data, ALLOWED)["trace.jsonl"]
    assert kept.gate_added == 0
    assert {"kind": kind, "count": 1} in kept.manifest["redaction"]["rejected"]


def test_a_value_no_field_holds_waits_for_a_decision_then_either_decision_seals(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    token = "ghp_Z9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gF9eD8c"
    (repo / "README.md").write_text(f"# calc\n\nAdds numbers.\nci token {token}\n")
    kit.git(repo, "commit", "-qam", "readme")
    session = kit.make_session(repo)
    store = PlanStore(tmp_path / "plans")
    plan = build_plan(session, scan_session(session, workers=0))
    for attempt in range(2):  # the same refusal, not a new finding each time
        with pytest.raises(SealRefused, match="decide them by kind|Decide it by kind") as info:
            seal(session, store.load(session.id) or plan, repo=repo, store=store)
        assert info.value.kinds == ["github-token"]
        assert [(f["member"], f["kind"]) for f in info.value.findings] == [("trail.jsonl", "github-token")]
        assert token not in str(info.value) and token not in repr(info.value.findings)
        saved = present(store.load(session.id))
        assert saved is not None and [(v.kind, v.where, v.decision) for v in saved.values] == [
            ("github-token", "trail.jsonl", None)
        ]
        assert token not in (tmp_path / "plans").joinpath(store.path(session.id).name).read_text()
    assert saved.decide_kind("github-token", "accepted", only_pending=True) == 1
    scrubbed = seal(session, saved, repo=repo, secret=b"s" * 32)
    trail = read_archive(scrubbed.data, ALLOWED)["trail.jsonl"]
    assert token.encode() not in scrubbed.data and token.encode() not in trail
    placeholder = saved.values[0].placeholder
    assert placeholder.encode() in trail
    assert {r["placeholder"]: r["decided_by"] for r in scrubbed.receipt}[placeholder] == "user"
    saved.decide_kind("github-token", REJECTED)
    kept = seal(session, saved, repo=repo)
    assert token.encode() in read_archive(kept.data, ALLOWED)["trail.jsonl"]


# -- through the CLI, as a user would ------------------------------------------------------------------


def _claude_log_with_token(tmp_path: Path, repo: Path) -> Path:
    projects = tmp_path / "projects"
    log = kit.write_claude_log(projects, repo)
    records = [orjson.loads(line) for line in log.read_text().splitlines()]
    head = {k: records[0][k] for k in ("sessionId", "cwd", "version", "gitBranch", "isSidechain", "userType")}
    ts = records[-1]["timestamp"]
    records[-1:-1] = [
        {**head, "type": "assistant", "uuid": "b0000000-0000-4000-8000-0000000000a1",
         "parentUuid": records[2]["uuid"], "timestamp": ts, "requestId": "req_9",
         "message": {"id": "msg_9", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                     "content": [{"type": "tool_use", "id": "toolu_09", "name": "Bash",
                                  "input": {"command": "op item list --format json"}}],
                     "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 5}}},
        {**head, "type": "user", "uuid": "b0000000-0000-4000-8000-0000000000a2",
         "parentUuid": "b0000000-0000-4000-8000-0000000000a1", "timestamp": ts,
         "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_09",
                                                  "content": OUTPUT}]}},
    ]  # fmt: skip
    records[-1]["parentUuid"] = "b0000000-0000-4000-8000-0000000000a2"
    log.write_text("".join(orjson.dumps(r).decode() + "\n" for r in records))
    return projects


def test_the_cli_seals_a_session_whose_token_only_the_gate_finds(tmp_path, capsys, blind_plan, gate_knows):
    kind = gate_knows
    repo, _ = kit.make_repo(tmp_path)
    projects = _claude_log_with_token(tmp_path, repo)
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"claude={projects}", "--json"]) == 0
    capsys.readouterr()
    sid = kit.CLAUDE_SESSION[:8]
    assert main([*bucket, "scan", sid, "--json"]) == 0  # the plan and its scan cache: blind to the token
    assert not [r for r in json.loads(capsys.readouterr().out) if r["decision"] is None]
    out = tmp_path / "c.capsule"
    assert main([*bucket, "seal", sid, "-o", str(out)]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "the second gate found 1 more span(s) the scan had missed and scrubbed them" in said
    assert OPS not in said and OPS.encode() not in out.read_bytes()
    assert kind in said  # the receipt row
    assert main([*bucket, "scan", sid, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["kind"], r["decision"]) for r in rows if r["detector"].startswith(GATE)] == [(kind, "auto")]
    # The next seal finds it in the plan: the plan scrubs it, the gate has nothing left to add.
    assert main([*bucket, "seal", sid, "-o", str(out)]) == 0
    assert "second gate" not in capsys.readouterr().out
    assert OPS.encode() not in out.read_bytes()


def test_the_cli_names_the_commands_that_decide_a_gate_value_and_they_unblock_the_seal(tmp_path, capsys):
    repo, _ = kit.make_repo(tmp_path)
    token = "ghp_Z9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gF9eD8c"
    (repo / "test_calc.py").write_text(f"{kit.TEST}# token {token}\n")
    kit.git(repo, "add", "test_calc.py")
    kit.git(repo, "commit", "-qm", "a test file with a token")
    projects = tmp_path / "projects"
    log = kit.write_claude_log(projects, repo)
    # The agent edits the file rather than writing it: the patch's context comes from git.
    text = log.read_text().replace('"name":"Write"', '"name":"Edit"').replace(
        f'"input":{{"file_path":"{repo}/test_calc.py","content":' + orjson.dumps(kit.TEST).decode() + "}",
        '"input":{"file_path":"' + str(repo) + '/test_calc.py","old_string":"print(\'ok\')",'
        '"new_string":"print(\'fine\')"}',
    )
    assert '"name":"Edit"' in text and "old_string" in text
    log.write_text(text)
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"claude={projects}", "--json"]) == 0
    capsys.readouterr()
    sid = kit.CLAUDE_SESSION[:8]
    out = tmp_path / "v.capsule"
    assert main([*bucket, "seal", sid, "--steps", "0:3", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "member trail.jsonl" in err and token not in err
    assert f"`tracetui scan {kit.CLAUDE_SESSION} --steps 0:3 --accept github-token` (scrub)" in err
    assert main([*bucket, "scan", sid, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["member"], r["kind"], r["decision"]) for r in rows if r.get("member")] == [
        ("trail.jsonl", "github-token", None)
    ]
    assert main([*bucket, "scan", sid, "--steps", "0:3", "--accept", "github-token"]) == 0
    capsys.readouterr()
    assert main([*bucket, "seal", sid, "--steps", "0:3", "-o", str(out)]) == 0, capsys.readouterr().err
    assert token.encode() not in out.read_bytes()


# -- speed: fates from the trail's cache ------------------------------------------------------------


def test_a_second_seal_takes_the_fates_from_the_trails_cache(tmp_path, monkeypatch):
    from tracetui.trail import by_file
    from tracetui.trail import trail as trail_of

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    plan = build_plan(session, scan_session(session, workers=0))
    judged: list[int] = []
    judge = by_file.judge  # where a trail's patches are judged

    def counting(*args, **kwargs):
        judged.append(1)
        return judge(*args, **kwargs)

    monkeypatch.setattr(by_file, "judge", counting)
    cache = tmp_path / "cache"
    first = seal(session, plan, repo=repo, cache_dir=cache)
    assert judged, "the first seal judges"
    n = len(judged)
    second = seal(session, plan, repo=repo, cache_dir=cache)
    assert len(judged) == n, "the second seal judged the patches again"
    assert second.data == first.data
    # The cache is the trail's own: `tracetui trail` (and the app's trail pane) fill it for the seal.
    fresh = tmp_path / "cache2"
    assert trail_of(session, repo=repo, cache_dir=fresh).cached is False
    n = len(judged)
    assert seal(session, plan, repo=repo, cache_dir=fresh).data == first.data
    assert len(judged) == n
    # A change in the repository is a new key: judged again, never a stale fate.
    kit.commit_fix(repo)
    seal(session, plan, repo=repo, cache_dir=cache)
    assert len(judged) > n


def test_the_gate_answers_a_second_seal_from_its_memo_unless_the_detectors_changed(tmp_path, monkeypatch):
    from tracetui.capsule import scrub
    from tracetui.redact import detect

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    plan = build_plan(session, scan_session(session, workers=0))
    scanned: list[str] = []
    real = scrub.scan_text

    def counting(text, identity=None, **kw):
        scanned.append(text)
        return real(text, identity, **kw)

    monkeypatch.setattr(scrub, "scan_text", counting)
    cache = tmp_path / "cache"
    first = seal(session, plan, repo=repo, cache_dir=cache)
    assert scanned
    scanned.clear()
    assert seal(session, plan, repo=repo, cache_dir=cache).data == first.data
    assert scanned == []
    monkeypatch.setattr(detect, "DETECTORS_VERSION", "another")
    seal(session, plan, repo=repo, cache_dir=cache)
    assert scanned, "other detectors answered from the old memo"


def test_the_gate_memo_s_code_digest_covers_the_rules_subpackage(tmp_path, monkeypatch):
    """The format rules live in `redact/rules/`: a change there must not be answered from the memo
    that older rules filled (the digest read only the package's top-level modules)."""
    from tracetui.redact import reviewed

    package = tmp_path / "redact"
    (package / "rules").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    rule = package / "rules" / "tokens.py"
    rule.write_text("RULES = ['ghp_']\n")
    monkeypatch.setattr(redact_package, "__file__", str(package / "__init__.py"))
    before = reviewed.detectors_code.__wrapped__()
    rule.write_text("RULES = ['ghp_', 'glpat-']\n")
    assert reviewed.detectors_code.__wrapped__() != before


def test_a_memo_planted_in_the_buckets_cache_cannot_hide_a_token_from_the_gate(
    tmp_path, monkeypatch, blind_plan, gate_knows
):
    """Whoever can write the bucket's cache (a shared or synced bucket, one received) can compute the
    memo's salt (the detectors' version and code, the identity's names): a memo that says a text holds
    nothing must not make the seal's last check skip it. The planter here is another user (their own
    config folder) whose gate misses the token; the user's seal over their memo still finds it."""
    from tracetui import settings
    from tracetui.capsule import scrub

    repo, _ = kit.make_repo(tmp_path)
    session = _session_with_token(repo)
    cache = tmp_path / "cache"
    real = scrub.scan_text

    def planter_scan(text, identity=None, **kw):
        return [f for f in real(text, identity, **kw) if OPS not in text[f.start : f.end]]

    monkeypatch.setattr(scrub, "scan_text", planter_scan)
    monkeypatch.setattr(settings, "config_dir", lambda: tmp_path / "planter")
    planted = seal(session, build_plan(session, scan_session(session, workers=0)), repo=repo, cache_dir=cache)
    assert OPS.encode() in read_archive(planted.data, ALLOWED)["trace.jsonl"]
    assert list((cache / "gate").glob("*.json"))
    monkeypatch.setattr(scrub, "scan_text", real)
    monkeypatch.setattr(settings, "config_dir", lambda: tmp_path / "user")
    result = seal(session, build_plan(session, scan_session(session, workers=0)), repo=repo, cache_dir=cache)
    for content in read_archive(result.data, ALLOWED).values():
        assert OPS.encode() not in content
    assert result.gate_added == 1
