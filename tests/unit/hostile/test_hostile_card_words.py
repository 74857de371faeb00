"""A team dataset's card (README.md at its root, the page the Hub shows) is written by every machine
from every machine's manifest, so one machine's manifest is hostile to the card the others publish.
Its words (agents, kinds scrubbed and kept, survival states) were kept to one printable line without
`|`, `<`, `>` or a backtick, and its front matter is tracetui's own; but Markdown's brackets went
through: a kind named `![p](https://evil.example/p.png)` put that image (a visitor-tracking pixel) and
any link on the dataset's page. Found 2026-11-28 by rendering such a card. They are backslashed now."""

from __future__ import annotations

import pytest

from tracetui.dataset.card import Summary, team_card

markdown_it = pytest.importorskip("markdown_it")

IMAGE = "![p](https://evil.example/p.png)"
LINK = "[login](https://evil.example/)"
FRONT = "x\n---\nlicense: other\nconfigs: []\n"


def _summary() -> Summary:
    out = Summary()
    out.machines = {"m1": {IMAGE: 1, LINK + FRONT: 1}}
    out.licenses = {"mit": 1}
    out.sessions = {
        "m1/a": {"agent": IMAGE, "receipt": [{"kind": LINK, "count": 2}], "rejected": [{"kind": IMAGE}]},
        "m1/b": {"agent": LINK + FRONT, "receipt": [{"kind": "*" + IMAGE + "*", "count": 1}]},
    }
    out.states = {IMAGE: 3, "alive": 1}
    return out


def test_another_machine_s_words_add_no_image_or_link_to_the_team_card():
    card = team_card(_summary())
    _, front, body = card.split("---\n", 2)
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(body)
    assert "<img" not in html and "<a " not in html and "evil.example" in html
    assert "<em>" not in html
    assert "license: mit" in front and "other" not in front


def test_the_hub_reads_the_card_s_own_metadata():
    hub = pytest.importorskip("huggingface_hub")
    data = hub.DatasetCard(team_card(_summary())).data.to_dict()
    assert data["license"] == "mit" and [c["config_name"] for c in data["configs"]][0] == "sessions"
