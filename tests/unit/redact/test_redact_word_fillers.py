"""A vendor's prefix on a body typed as a stand-in word over and over (`glpat-EXAMPLEEXAMPLE…`) is a
placeholder, as `glpat-xxxx…` is: no finding at any tier. The same prefix on a generated body, or a word
once among random characters, stays a key. Every value here is made up for these tests."""

from __future__ import annotations

import pytest

from tracetui.redact import scan_text

FILLED = [
    "glpat-EXAMPLEEXAMPLEEXAMPL",
    "AKIAEXAMPLEEXAMPLEEX",
    "ghp_EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEE",
    "npm_SAMPLESAMPLESAMPLESAMPLESAMPLESAMPLE",
    "xoxb-EXAMPLEEXAMPLE-EXAMPLEEXAMPLEEXAMPLE",
    "sk_live_DUMMYDUMMYDUMMYDUMMYDUMMY",
    "hf_exampleexampleexampleexampleexample",
    "lin_api_ExampleExampleExampleExampleExampleExam",
]

PLACES = [
    "export TOKEN={v}\n",
    'GITHUB_TOKEN="{v}"\n',
    '{{"env": {{"API_KEY": "{v}"}}}}',
    'curl -H "Authorization: Bearer {v}" https://api.acme.io/v1/me',
    "  api_key: {v}\n",
]


@pytest.mark.parametrize("value", FILLED)
@pytest.mark.parametrize("place", PLACES)
def test_a_prefix_on_a_repeated_stand_in_word_is_no_finding(value, place):
    text = place.format(v=value)
    at = text.index(value)
    hits = [f for f in scan_text(text) if f.start < at + len(value) and at < f.end]
    assert hits == [], (text, hits)


KEYS = [
    "glpat-Zq8vK2mW4xR7tY1nB5cD",  # a generated body
    "ghp_EXAMPLEq8vK2mW4xR7tY1nB5cDzA9cE1gI3kM",  # a word once, then a generated run
    "AKIAIOSFODNN7EXAMPLE"[:4] + "Q7R2W5T8Y3U6I9O1",
]


@pytest.mark.parametrize("value", KEYS)
def test_a_generated_body_or_one_word_among_random_stays_a_key(value):
    text = f"export TOKEN={value}\n"
    at = text.index(value)
    assert any(f.start <= at and at + len(value) <= f.end for f in scan_text(text)), text
