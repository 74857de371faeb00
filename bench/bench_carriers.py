"""Issue 35's carrier classes: how many of the made-up carriers the scan finds, and how many look-alikes it
flags, per class.

    .venv/bin/python bench/bench_carriers.py

The carriers and look-alikes are the tests' own (tests/support/carriers.py), all made up there;
this only counts. A carrier is found
when a finding of any tier covers its whole spelling (sure: sure findings alone); a look-alike is flagged
when any finding lands on it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import carriers  # noqa: E402

from tracetui.redact import AUTO, scan_text  # noqa: E402


def _covered(text: str, start: int, end: int, sure: bool) -> bool:
    return any(f.start <= start and end <= f.end and (f.tier == AUTO or not sure) for f in scan_text(text))


def main() -> None:
    rows: list[tuple[str, int, int, int]] = []  # class, cases, found, sure
    classes: dict[str, list[tuple[str, int, int]]] = {"encoded": [], "spelled": [], "credential lines": []}
    for name, text in carriers.CARRIERS.items():
        token = carriers.T[name]
        if token[:10] in text and token[-6:] in text:  # readable in place (percent, quoted-printable)
            classes["encoded"].append((text, text.index(token[:10]), text.index(token[-6:]) + 6))
            continue
        # Else the encoded run, which the finding must cover whole.
        run = max(re.findall(r"[A-Za-z0-9+/_%\-]{16,}={0,2}|[0-9a-f]{24,}", text), key=len)
        classes["encoded"].append((text, text.index(run), text.index(run) + len(run)))
    for name, text in carriers.SPELLED.items():
        if name == "pem-body":
            at = text.index(carriers.KEY_BODY)
            classes["spelled"].append((text, at, at + len(carriers.KEY_BODY)))
        else:
            first = text.index(carriers.TOKEN[0] if name not in ("plus", "implicit", "lua") else '"ghp_"')
            classes["spelled"].append((text, first, text.rindex(carriers.TOKEN[-1]) + 1))
    for text in carriers.CREDENTIAL_LINES.values():
        at = text.index(carriers.PASSPHRASE)
        classes["credential lines"].append((text, at, at + len(carriers.PASSPHRASE)))
    for name, cases in classes.items():
        found = sum(_covered(t, a, b, False) for t, a, b in cases)
        sure = sum(_covered(t, a, b, True) for t, a, b in cases)
        rows.append((name, len(cases), found, sure))
    print("| carriers | cases | found (whole spelling) | sure |")
    print("|---|---|---|---|")
    for name, n, found, sure in rows:
        print(f"| {name} | {n} | {found} | {sure} |")
    negatives = [*carriers.ENCODED_LOOK_ALIKES, *carriers.SPELLED_LOOK_ALIKES]
    flagged = sum(bool(scan_text(t)) for t in negatives)
    print(f"\nlook-alikes flagged at any tier: {flagged} of {len(negatives)}")


if __name__ == "__main__":
    main()
