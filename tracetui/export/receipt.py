"""DONATION.md, the receipt of a donation (tracetui.export.donation): what the folder gives away, under
which licence, what was scrubbed and what the author kept, from the manifest's session entries
(kinds and counts, never a value). Apart from donation.py so the raw writer can write it without
importing the export's run."""

from __future__ import annotations

import re
from typing import Any

RECEIPT = "DONATION.md"


def receipt_text(license: str, sessions: dict[str, Any]) -> str:
    """DONATION.md: what the folder gives away, from the manifest's session entries (never a value)."""
    from tracetui import __version__
    from tracetui.export.card import contents

    about = contents(sessions, [], None)
    lines = [
        "# Donation receipt",
        "",
        f"Made by tracetui {__version__}. The author gives these sessions under the licence `{license}` "
        "(confirmed when the donation was made). Every file here is listed with its SHA-256 in "
        "`manifest.json`; `tracetui export --check .` verifies them and runs the detectors over every "
        "byte again.",
        "",
        f"## Sessions ({sum(about.agents.values())})",
        "",
        "| agent | sessions |",
        "|---|---|",
        *(f"| {_cell(agent)} | {n} |" for agent, n in sorted(about.agents.items())),
        "",
        "## Scrubbed (replaced by placeholders)",
        "",
    ]
    if about.scrubbed:
        lines += ["| kind | spans |", "|---|---|", *(f"| {_cell(k)} | {n} |" for k, n in sorted(about.scrubbed.items()))]
    else:
        lines.append("Nothing needed scrubbing.")
    lines += ["", "## Kept by the author (suggestions rejected after review)", ""]
    if about.kept:
        lines += ["| kind | sessions |", "|---|---|", *(f"| {_cell(k)} | {n} |" for k, n in sorted(about.kept.items()))]
    else:
        lines.append("None.")
    lines += ["", "Each session's own receipt is `receipts/<agent>/<session>.json` (kinds and counts, never values).", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """A name from the manifest (the user's file) as a table cell: word characters only."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", text)[:60] or "?"
