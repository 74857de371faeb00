"""The masked hint a review row shows of a value: which value it is, never the value."""

from __future__ import annotations

import pytest

from tracetui.model import Session, Step
from tracetui.redact import PlanStore, refresh_plan
from tracetui.redact.hint import value_hint
from tracetui.redact.review import group_pending, review_key


@pytest.mark.parametrize(
    ("kind", "value", "hint"),
    [
        ("email", "ana.ruiz@corp-mail.io", "a•••@corp-mail.io"),
        ("ip-address", "203.0.113.77", "203.•.•.•"),
        ("ip-address", "2001:db8::1", "2001:•••"),
        ("card-number", "4242 4242 4242 4242", "•••• (16 digits)"),
        ("national-id", "078-05-1120", "•••• (9 digits)"),
        ("phone", "+1 415 555 0132", "+•••• (11 digits)"),
        ("iban", "DE89 3704 0044 0532 0130 00", "DE•••• (22 characters)"),
        ("street-address", "221 Baker Street", "•• •• Street"),
        ("home-path", "/home/alessandro", "/home/a•••"),
        ("password", "hunter2hunter2", "•••• (14 characters)"),
        ("secret", "ghp_" + "a1B2c3D4e5" * 4, "ghp_•••• (44 characters)"),
    ],
)
def test_a_hint_keeps_the_shape_a_person_recognises_and_hides_the_rest(kind, value, hint):
    assert value_hint(kind, value) == hint


def test_no_hint_holds_a_run_of_the_value_long_enough_to_use():
    body = "Zq81xWm0Pt7LkR2vYc9N"
    for kind in ("secret", "password", "card-number", "national-id", "iban", "unknown-kind"):
        shown = value_hint(kind, "sk-" + body)
        assert not any(body[i:i + 4] in shown for i in range(len(body) - 3)), (kind, shown)


def test_review_groups_carry_the_hint_of_their_value(tmp_path):
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    session = Session(id="a", agent="claude", source="x.jsonl",
                      steps=[Step(id="s0", index=0, kind="user", role="user", text="mail ana.ruiz@corp-mail.io")])
    [group] = group_pending([(session, refresh_plan(session, store))], review_key(store))
    assert group.hint == "a•••@corp-mail.io" and group.to_dict()["hint"] == group.hint
    assert "ana.ruiz" not in str(group.to_dict())
    assert group.first_place == "a step 0 · text"
