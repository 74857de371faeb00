"""The review's masked hint of a value shows what a person recognises and nothing a reader can use.
A street address's hint kept its last word, meant to be the street's kind (Street, Avenue): after a
unit, a city, a state or a ZIP code that last word was the ZIP+4 code (`20500-0003`, a building),
the unit number or the city. Only the street's kind is kept now."""

from __future__ import annotations

import pytest

from tracetui.redact.hint import MASK, value_hint
from tracetui.redact.pii import pii_findings

ADDRESSES = [
    ("ship to 1600 Pennsylvania Avenue, Apt 4B, Washington, DC 20500-0003 today", "Avenue",
     ["1600", "Pennsylvania", "4B", "Washington", "DC", "20500", "0003"]),
    ("at 42 Elm Street, Springfield today", "Street", ["42", "Elm", "Springfield"]),
    ("at 7 Ocean Drive, Suite 12 please", "Drive", ["7", "Ocean", "12"]),
    ("mail 10 Downing St. NY 10001 now", "St", ["10", "Downing", "NY", "10001"]),
]


@pytest.mark.parametrize(("text", "kind", "private"), ADDRESSES)
def test_an_address_hint_keeps_the_streets_kind_only(text, kind, private):
    [value] = [text[f.start:f.end] for f in pii_findings(text, text.lower()) if f.kind == "street-address"]
    hint = value_hint("street-address", value)
    assert kind in hint and MASK in hint
    for word in private:
        assert word not in hint, (word, hint)


def test_a_street_kind_alone_is_still_shown():
    assert value_hint("street-address", "221 Baker Street") == "•• •• Street"
