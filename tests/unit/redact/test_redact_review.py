"""`tracetui review`: undecided suggestions of many sessions grouped by value, each decided once."""

from __future__ import annotations

import json
import re

from tracetui.cli import main
from tracetui.model import Session, Step
from tracetui.redact import ACCEPTED, REJECTED, PlanStore, refresh_plan
from tracetui.redact.review import decide_group, group_pending, review_key

MAIL = "ana.ruiz@corp-mail.io"


def _session(sid: str, text: str) -> Session:
    return Session(id=sid, agent="claude", source="x.jsonl", steps=[Step(id="s0", index=0, kind="user", role="user", text=text)])


def test_one_value_in_many_sessions_is_one_decision(tmp_path):
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    a = _session("a", f"write to {MAIL} and to bo.ng@corp-mail.io")
    b = _session("b", f"cc {MAIL} please")
    plans = {s.id: refresh_plan(s, store) for s in (a, b)}
    key = review_key(store)
    assert review_key(store) == key and (tmp_path / "plans" / "review.key").stat().st_mode & 0o777 == 0o600
    groups = group_pending([(a, plans["a"]), (b, plans["b"])], key)
    assert [(g.kind, len(g.occurrences), g.sessions) for g in groups] == [("email", 2, ["a", "b"]), ("email", 1, ["a"])]
    assert all(MAIL not in json.dumps(g.to_dict()) for g in groups)
    # A decision already made in one session stays; the value is decided where it still waits.
    [mine] = [s for s in plans["b"].spans if s.kind == "email"]
    plans["b"].decide(mine, REJECTED)
    groups = group_pending([(a, plans["a"]), (b, plans["b"])], key)
    assert decide_group(groups[0], ACCEPTED, plans) == 1
    assert {s.decision for s in plans["b"].spans} == {REJECTED}
    assert sorted(s.decision or "" for s in plans["a"].spans) == ["", ACCEPTED]


def test_review_cli_lists_and_decides_values_of_the_demo(tmp_path, capsys):
    assert main(["demo", "--build-only", str(tmp_path / "demo")]) == 0
    capsys.readouterr()
    bucket = str(tmp_path / "demo" / "bucket")
    assert main(["--bucket", bucket, "review", "--json"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["sessions"] == 3 and doc["decisions_left"] == len(doc["groups"]) >= 3
    # A group's id is 16 hex digits of an HMAC under the bucket's random key: it says nothing of the
    # value, and it may spell "4242" by chance (1 run in ~1,700), so the values are looked for around it.
    ids = [g["id"] for g in doc["groups"]]
    assert all(re.fullmatch("[0-9a-f]{16}", i) for i in ids), ids
    rest = re.sub("|".join(ids), "", out)
    assert "ana.ruiz" not in rest and "4242" not in rest
    email = next(g for g in doc["groups"] if g["kind"] == "email")
    assert main(["--bucket", bucket, "review", "--accept", email["id"][:6], "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["decided"] == 1 and after["decisions_left"] == doc["decisions_left"] - 1
    assert main(["--bucket", bucket, "scan", email["sessions"][0][:8], "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["decision"] for r in rows if r["kind"] == "email"} == {ACCEPTED}
    assert main(["--bucket", bucket, "review"]) == 0
    assert f"{doc['decisions_left'] - 1} decisions left" in capsys.readouterr().out
    assert main(["--bucket", bucket, "review", "--reject", "nope"]) == 1
    assert capsys.readouterr().err.startswith("tracetui: ")


def test_review_takes_export_s_selection_so_what_it_clears_is_what_an_export_takes(tmp_path, capsys):
    assert main(["demo", "--build-only", str(tmp_path / "demo")]) == 0
    capsys.readouterr()
    bucket = str(tmp_path / "demo" / "bucket")
    assert main(["--bucket", bucket, "ls", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    newest = max(listed, key=lambda r: r["started"])
    one_day = newest["started"][:10]
    cases = [
        (["--agent", newest["agent"]], {r["id"] for r in listed if r["agent"] == newest["agent"]}),
        (["--since", one_day], {r["id"] for r in listed if r["started"] >= one_day}),
        (["--sessions", newest["id"][:8]], {newest["id"]}),
    ]
    for selection, expected in cases:
        assert main(["--bucket", bucket, "review", *selection, "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["sessions"] == len(expected) < len(listed), selection
        assert {s for g in doc["groups"] for s in g["sessions"]} <= expected, selection
    # Reviewing the export's selection clears its suggestions; the export then goes through without
    # --accept-suggested.
    assert main(["--bucket", bucket, "review", "--sessions", newest["id"][:8], "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    for g in groups:
        assert main(["--bucket", bucket, "review", "--sessions", newest["id"][:8], "--accept", g["id"]]) == 0
    capsys.readouterr()
    code = main(["--bucket", bucket, "export", str(tmp_path / "out"), "--format", "raw",
                 "--sessions", newest["id"][:8], "--json"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out)["written"] == 1, out
    assert main(["--bucket", bucket, "review", "--until", "2000-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sessions"] == 0
