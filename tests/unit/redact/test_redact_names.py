"""Issue 35: person names where the text says a name is one, the display name beside an e-mail address,
as suggestions (kind `person-name`); roles, bots and example addresses stay clean. Names are made up."""

from __future__ import annotations

import pytest

from tracetui.redact import SUGGESTED, scan_text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Author: Ana Lima <ana@lima.dev>", "Ana Lima"),
        ('From: "Lima, Ana" <ana.lima@acme-robotics.io>', "Lima, Ana"),
        ("Co-authored-by: Jean-Luc O'Brien <jl@obrien.ie>", "Jean-Luc O'Brien"),
        ('authors = ["Ümit Kaya Demir <umit@kaya.dev>"]', "Ümit Kaya Demir"),
    ],
)
def test_a_display_name_beside_an_address_is_a_suggested_person_name(text, name):
    names = [f for f in scan_text(text) if f.kind == "person-name"]
    assert [(text[f.start : f.end], f.tier) for f in names] == [(name, SUGGESTED)]


@pytest.mark.parametrize(
    "text",
    [
        "Co-authored-by: dependabot[bot] <support@github.com>",
        "John Doe <john.doe@example.com>",
        "Release Bot <release@acme.io>",
        "Map<String, Object> m = new HashMap<String, Object>();",
        "Ana Lima wrote the parser.",
    ],
)
def test_roles_bots_examples_and_names_in_prose_are_not_person_names(text):
    assert "person-name" not in {f.kind for f in scan_text(text)}
