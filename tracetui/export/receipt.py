"""DONATION.md, the receipt of a donation (tracetui.export.donation): what the folder gives away, under
which licence, what was scrubbed and what the author kept, from the manifest's session entries
(kinds and counts, never a value). Apart from donation.py so the raw writer can write it without
importing the export's run."""

from __future__ import annotations

import re
from typing import Any

RECEIPT = "DONATION.md"
# Its lines that carry values, as the writer fills them (`check_views.donation_view` reads them back); every
# other line is one the writer writes as it is (`own_lines`).
MADE_BY = (
    "Made by tracetui {version}. The author gives these sessions under the licence `{license}` (confirmed "
    "when the donation was made). Every file here is listed with its SHA-256 in `manifest.json`; "
    "`tracetui export --check .` verifies them and runs the detectors over every byte again."
)
SESSIONS = "## Sessions ({n})"
ROW = "| {name} | {n} |"  # an agent's sessions, a kind's spans or sessions


def receipt_text(license: str, sessions: dict[str, Any]) -> str:
    """DONATION.md: what the folder gives away, from the manifest's session entries (never a value)."""
    from tracetui import __version__
    from tracetui.export.card import contents

    about = contents(sessions, [], None)
    lines = [
        "# Donation receipt",
        "",
        MADE_BY.format(version=__version__, license=license),
        "",
        SESSIONS.format(n=sum(about.agents.values())),
        "",
        "| agent | sessions |",
        "|---|---|",
        *(ROW.format(name=cell(agent), n=n) for agent, n in sorted(about.agents.items())),
        "",
        "## Scrubbed (replaced by placeholders)",
        "",
    ]
    if about.scrubbed:
        scrubbed = sorted(about.scrubbed.items())
        lines += ["| kind | spans |", "|---|---|", *(ROW.format(name=cell(k), n=n) for k, n in scrubbed)]
    else:
        lines.append("Nothing needed scrubbing.")
    lines += ["", "## Kept by the author (suggestions rejected after review)", ""]
    if about.kept:
        kept = sorted(about.kept.items())
        lines += ["| kind | sessions |", "|---|---|", *(ROW.format(name=cell(k), n=n) for k, n in kept)]
    else:
        lines.append("None.")
    lines += ["", "Each session's own receipt is `receipts/<agent>/<session>.json` (kinds and counts, never values).", ""]
    return "\n".join(lines)


def cell(text: str) -> str:
    """A name from the manifest (the user's file) as a table cell: word characters only."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", text)[:60] or "?"


def own_lines() -> frozenset[str]:
    """Every line of DONATION.md that holds no value of a donation's, as the writer writes them: the
    receipts of no session and of one with a kind scrubbed and kept (their lines made from a template
    hold the writer's own words and no licence)."""
    full = {"s": {"agent": "claude", "receipt": [{"kind": "email", "count": 1}],
                  "rejected": [{"kind": "email"}]}}  # fmt: skip
    return frozenset(receipt_text("", {}).split("\n")) | frozenset(receipt_text("", full).split("\n"))
