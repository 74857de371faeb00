"""Where a vendor's credential begins and what shapes its name admits. A Slack webhook's URL is the
credential whole: its span starts at the scheme, so no `https://` is left beside the placeholder. A
Telegram bot token of detect-secrets' shape under a Telegram name is one. Every value here is made up."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from tracetui.redact import scan_text

URLS = [
    "https://hooks.slack.com/services/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",
    "https://hooks.slack.com/workflows/66rTYLuWufo38a5ydskQggS9DiAmEH+AoN+SiGpSiF0nR",
    "http://hooks.slack.com/triggers/I7glZk3zbvRzKRz1U/Y5Z+GaC5A8ZW467zalq0nj5PedK",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "place",
    [
        lambda u: f"SLACK_WEBHOOK_URL={u}\n",
        lambda u: json.dumps({"webhook": u}),
        lambda u: f"curl -X POST -d '{{\"text\":\"hi\"}}' {u}",
        lambda u: "next=" + urllib.parse.quote(u, safe=""),
    ],
    ids=["env", "json", "curl", "percent-encoded"],
)
def test_a_slack_webhook_is_scrubbed_from_its_scheme(url, place):
    text = place(url)
    shown = url if url in text else urllib.parse.quote(url, safe="")
    at = text.index(shown)
    assert any(f.start <= at and at + len(shown) <= f.end for f in scan_text(text)), text


@pytest.mark.parametrize(
    "text,flagged",
    [
        # detect-secrets' shape of a bot token: 8 to 10 digits, a colon, 35 characters, under its name.
        ("TELEGRAM_BOT_TOKEN=4389457135:BvNFR7ie2BFBZLnWtU7TCm08eEoa7jgiCHg", True),
        ('telegram_token: "71240958:q3Zt9_kWm2LxP0aVbN7cRs4YhJ8dEu1GfTo"', True),
        # gitleaks' hard negatives for the name keep holding: a 4-digit id, a 17-digit one.
        ('telegram_api_token = "7569:Ale12m2ci71h5xww32ui7_h9vin604hqwy7"', False),
        ('telegram_api_token = "40548377712919408:A19b5jwd1reja_wyxwnnawblv9f8oimjl_a"', False),
    ],
)
def test_a_telegram_token_of_detect_secrets_shape_under_its_name(text, flagged):
    assert bool(scan_text(text)) is flagged, text
