"""The made-up secrets planted in one Claude session of the corpus for the run's corpus buckets and
exports (support.built_once): one per carrier class of issue 35, as support.carriers defines them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import carriers

TOKEN = "ghp_" + "Vb3Nm6Qw9Er2Ty5Ui8Op1As4Df7Gh0Jk3Lz6X"
PROMPT = "here is what I found:\n" + "\n".join(
    [TOKEN, *carriers.CARRIERS.values(), *carriers.SPELLED.values(), *carriers.CREDENTIAL_LINES.values()]
) + "\n"
# Each must be absent from every output, however decoded.
NEEDLES = {
    "plain": [TOKEN],
    **{f"encoded {name}": carriers.spellings(name) for name in carriers.CARRIERS},
    "spelled": [
        carriers.TOKEN[4:18], carriers.TOKEN[22:], " ".join(carriers.TOKEN[4:20]), ".".join(carriers.TOKEN[4:20]),
        "','".join(carriers.TOKEN[4:12]), carriers.KEY_BODY.splitlines()[1], carriers.PASSPHRASE,
    ],
}


def plant_carriers(src: Path) -> str:
    """The carriers put in the first plain-text prompt of one Claude session of `src` (a copy of the
    corpus); the session's id."""
    for path in sorted((src / "claude").glob("*.jsonl")):
        lines = path.read_bytes().split(b"\n")
        for i, line in enumerate(lines):
            if b'"type":"user"' not in line:
                continue
            record = json.loads(line)
            content = record.get("message", {}).get("content")
            if isinstance(content, str):
                record["message"]["content"] = PROMPT + content
                lines[i] = json.dumps(record).encode()
                path.write_bytes(b"\n".join(lines))
                return str(record["sessionId"])
    pytest.skip("no plain-text Claude prompt to plant in")
