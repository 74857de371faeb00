"""A redaction plan in the bucket is a file anyone with the folder can write. Its words are ours (a
detector's kind, a tier, a detector's name, a step id, where the second gate found a value): a plan
whose words hold terminal controls, or are not words at all, is damaged, said in one line. They
reached the Review screen's kind column raw (ESC, C1 CSI, a bidi override; tests/ui/
test_hostile_plans_app.py), and a step id of another type was taken as a step no session has."""

from __future__ import annotations


import orjson
import pytest
from support.fixture_bucket import synced

from tracetui.cli import main

SESSION = "33333333"
HOSTILE = "\x1b]8;;http://evil.example\x07[bold red]k[/]\u202e\x9b31m"


@pytest.fixture
def planned(tmp_path):
    """A synced session with its (empty) plan saved, and that plan's path and document."""
    bucket = synced(tmp_path, main)
    assert main([*bucket, "scan", SESSION]) == 0
    (path,) = (tmp_path / "b" / "plans").glob("*.plan.json")
    return bucket, path, orjson.loads(path.read_bytes())


def _gate_span(**change: object) -> dict:
    """A pending span the second gate added on the title ('make b equal 3'): refreshing keeps it."""
    span = {"step": None, "field": "title", "start": 0, "end": 4, "kind": "password", "tier": "suggested",
            "detector": "gate:rule:password", "decision": None, "value_id": ""}
    return {**span, **change}


def _gate_value(**change: object) -> dict:
    value = {"value_id": "ab" * 16, "kind": "password", "tier": "suggested", "detector": "gate:rule:password",
             "where": "trail.jsonl", "decision": None, "placeholder": ""}  # fmt: skip
    return {**value, **change}


EDITS = {
    "span kind": lambda: {"spans": [_gate_span(kind=HOSTILE)]},
    "span tier": lambda: {"spans": [_gate_span(tier=HOSTILE)]},
    "span detector": lambda: {"spans": [_gate_span(detector="gate:" + HOSTILE)]},
    "span step a list": lambda: {"spans": [_gate_span(step=["b0000001"])]},
    "span step a number": lambda: {"spans": [_gate_span(step=7)]},
    "span kind empty": lambda: {"spans": [_gate_span(kind="")]},
    "value kind": lambda: {"values": [_gate_value(kind=HOSTILE)]},
    "value where": lambda: {"values": [_gate_value(where=HOSTILE)]},
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_plan_whose_words_are_not_words_is_damaged_in_one_line(planned, capsys, edit):
    bucket, path, doc = planned
    path.write_bytes(orjson.dumps({**doc, **EDITS[edit]()}))
    seal = ["seal", SESSION, "--accept-suggested", "-o", str(path.parent / "c.capsule")]
    for command in (["review"], ["review", "--json"], ["scan", SESSION], seal):
        capsys.readouterr()
        assert main([*bucket, *command]) == 1, command
        out = capsys.readouterr()
        if "--json" in command:
            assert b"\x1b" not in out.out.encode() and "is damaged" in out.out
        else:
            assert "is damaged" in out.err and out.err.count("\n") == 1, out.err
        for shown in (out.out, out.err):
            assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown


def test_a_plan_of_our_own_words_still_loads_and_waits(planned, capsys):
    """The check is on the shape of the words, not a list of them: a gate's pending span of a
    kind the detectors name with spaces and parentheses is listed for review as before."""
    bucket, path, doc = planned
    path.write_bytes(orjson.dumps({**doc, "spans": [_gate_span(kind="Public IP (ipv4)",
                                                               detector="gate:ds:Public IP (ipv4)")]}))
    capsys.readouterr()
    assert main([*bucket, "review", "--json"]) == 0
    groups = orjson.loads(capsys.readouterr().out)["groups"]
    assert [g["kind"] for g in groups] == ["Public IP (ipv4)"]


# A plan is named by its session's id, and ids come from logs. Ids that differ only by case (`AbC`,
# `abc`) were one file on a case-insensitive file system (macOS's, Windows'): one session's review
# decisions were another's. A plain id shaped like a hashed name (`a_b-<16 hex>`) was another's
# file on any file system. Only a plain lowercase id is its own name now; plans kept under the old
# names are moved on first use, where the plan there is that session's.
def _tricky_ids() -> list[str]:
    from tracetui.redact.plan import plan_path

    ids = ["abc", "AbC", "ABC", "a/b", "a:b", "CON", "con", "x" * 97, "X" * 97]
    # Plain ids spelled as another id's hashed name.
    ids += [plan_path("", i).name.removesuffix(".plan.json") for i in list(ids) if i != "abc"]
    ids += [i.lower() for i in ids]
    return sorted(set(ids))


def test_no_two_ids_share_a_plan_file_even_where_case_is_not_told_apart():
    from tracetui.redact.plan import plan_path

    ids = _tricky_ids()
    names = {plan_path("", i).name.casefold() for i in ids}
    assert len(names) == len(ids), "two session ids share a plan file"
    for device in ("con", "nul", "com1", "lpt9.x"):  # a device on Windows, whatever the extension
        assert plan_path("", device).name.split(".")[0] != device.split(".")[0]
    common = "0199aaaa-1111-7222-8333-444455556666"  # a UUID keeps its own name: nothing moves for it
    assert plan_path("", common).name == f"{common}.plan.json"


def _plan_file(path, session: str) -> None:
    from tracetui.redact.plan import Plan, save_plan

    save_plan(Plan(session), path)


def test_a_plan_under_its_old_name_is_found_and_moved(tmp_path):
    from tracetui.redact.plan import PlanStore

    store = PlanStore(tmp_path)
    _plan_file(tmp_path / "AbC.plan.json", "AbC")  # where the last version kept it
    key = orjson.loads((tmp_path / "AbC.plan.json").read_bytes())["key"]
    plan = store.load("AbC")
    assert plan is not None and plan.session == "AbC" and plan.key == key
    assert not (tmp_path / "AbC.plan.json").exists() and store.path("AbC").is_file()
    assert store.path("AbC").name != "AbC.plan.json"


def test_a_plan_under_an_old_name_that_is_another_id_s_stays_where_it_is(tmp_path):
    """On a case-insensitive file system `AbC.plan.json` may be `abc`'s plan (as `ABC` here)."""
    from tracetui.redact.plan import PlanStore

    store = PlanStore(tmp_path)
    _plan_file(tmp_path / "AbC.plan.json", "ABC")
    assert store.load("AbC") is None
    assert orjson.loads((tmp_path / "AbC.plan.json").read_bytes())["session"] == "ABC"


def test_an_id_s_new_plan_name_that_is_another_id_s_old_one_is_not_its_plan(tmp_path):
    """A log may name its session `Ab-<16 hex>`: the last version kept that id's plan under its own
    name, which is now the hashed name of `Ab`. `Ab` took that plan (its decisions) as its own, and its
    next save overwrote them; the plan is moved to its own id's new name first."""
    from tracetui.redact.plan import PlanStore, plan_path

    store = PlanStore(tmp_path)
    taken = plan_path(tmp_path, "Ab")
    other = taken.name.removesuffix(".plan.json")  # `Ab-<hash of Ab>`: a plain id to the last version
    _plan_file(taken, other)  # where the last version kept `other`'s plan
    key = orjson.loads(taken.read_bytes())["key"]
    assert store.load("Ab") is None
    moved = store.load(other)
    assert moved is not None and moved.session == other and moved.key == key
    assert store.path(other) != store.path("Ab")


def test_a_fifo_at_an_id_s_new_plan_name_does_not_block(tmp_path):
    import os

    from tracetui.redact.plan import PlanStore, plan_path

    os.mkfifo(plan_path(tmp_path, "Ab"))
    with pytest.raises(Exception, match="FIFO"):
        PlanStore(tmp_path).load("Ab")


@pytest.mark.parametrize("meanwhile", ["saved", "moved"])
def test_a_plan_moved_from_its_old_name_meanwhile_is_neither_lost_nor_overwritten(
    tmp_path, monkeypatch, meanwhile
):
    """Between the look at the new name and the move, another process (an export's write worker, the
    app) saved the session's plan there, or moved the old one itself: the move overwrote the newer plan
    with the older, or failed and gave the old name, where no plan is (so the session seemed unplanned,
    and its next save replaced its decisions)."""
    from tracetui.redact import plan as plan_module
    from tracetui.redact.plan import Plan, PlanStore, plan_path, save_plan

    store = PlanStore(tmp_path)
    old, new = tmp_path / "AbC.plan.json", plan_path(tmp_path, "AbC")
    _plan_file(old, "AbC")
    read = plan_module.read_regular
    newer = Plan("AbC")

    def other_process_first(path, limit=None):
        data = read(path, limit)
        if meanwhile == "saved":
            save_plan(newer, new)
        else:
            old.rename(new)
        return data

    monkeypatch.setattr(plan_module, "read_regular", other_process_first)
    assert store.path("AbC") == new
    monkeypatch.setattr(plan_module, "read_regular", read)
    kept = store.load("AbC")
    assert kept is not None
    if meanwhile == "saved":
        assert kept.key == newer.key
