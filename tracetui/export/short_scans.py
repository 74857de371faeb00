"""The second gate's short texts scanned once per identity in an export (`ShortScans`).

More in docs/internals/export.md, `export/short_scans.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracetui.redact import Identity, Scanning, TextScanner
from tracetui.redact.finding import GATE_OUT_OF_TIME, Finding

# Texts this short are remembered: a step id (`L123`) or a word comes back in every session of a bucket,
# and a scan costs some 30 us however short the text.
SHORT = 16
SHORT_MOST = 200_000  # remembered at once (some 30 MB at the most); past it, it starts again


@dataclass(slots=True)
class Submitted:
    """Texts given to `ShortScans.submit`: those remembered (by index), the rest's scans under way."""

    texts: list[str]
    known: dict[int, list[Finding]]
    who: str  # the identity's fingerprint
    scanning: Scanning
    done: list[list[Finding]] | None = None


class ShortScans:
    """A `TextScanner` that scans a short text once per identity for the export's life: the answer
    hangs on the text, the identity (its fingerprint, as the gate's memo keys it) and the detectors,
    and neither of the last two changes within an export. An answer the time limit cut short is not
    remembered (a slow moment is not the text's answer)."""

    def __init__(self, scanner: TextScanner) -> None:
        self.scanner = scanner
        self._short: dict[tuple[str, str], list[Finding]] = {}

    def scan(self, texts: list[str], identity: Identity | None) -> list[list[Finding]]:
        """Each text's findings, in the order of `texts` (`TextScanner.scan` of those not remembered)."""
        who, known, rest = self._known(texts, identity)
        return self._merged(texts, known, who, self.scanner.scan(rest, identity))

    def _known(
        self, texts: list[str], identity: Identity | None
    ) -> tuple[str, dict[int, list[Finding]], list[str]]:
        """The identity's fingerprint, the texts remembered (by index) and the rest."""
        who = identity.fingerprint() if identity is not None else ""
        known: dict[int, list[Finding]] = {}
        for i, text in enumerate(texts):
            if len(text) <= SHORT and (found := self._short.get((who, text))) is not None:
                known[i] = list(found)
        return who, known, [t for i, t in enumerate(texts) if i not in known] if known else texts

    def submit(self, texts: list[str], identity: Identity | None) -> Submitted:
        """Start scanning the texts not remembered (`TextScanner.submit`) and return at once."""
        who, known, rest = self._known(texts, identity)
        submitted = Submitted(texts, known, who, self.scanner.submit(rest, identity))
        if submitted.scanning.done is not None:
            # Scanned already (here, not on the workers): remembered now, before the session after
            # this one is submitted (`Exporter.warm` runs one session ahead of the gate).
            self.results(submitted)
        return submitted

    def results(self, submitted: Submitted) -> list[list[Finding]]:
        """The findings of each text `submit` was given, in its order (waiting for them); the short
        ones scanned now are remembered."""
        if submitted.done is None:
            scanned = self.scanner.results(submitted.scanning)
            submitted.done = self._merged(submitted.texts, submitted.known, submitted.who, scanned)
        return submitted.done

    def _merged(
        self, texts: list[str], known: dict[int, list[Finding]], who: str, scanned: list[list[Finding]]
    ) -> list[list[Finding]]:
        """Every text's findings, the remembered ones among those scanned; the short ones scanned
        remembered now."""
        answers = iter(scanned)
        out: list[list[Finding]] = []
        for i, text in enumerate(texts):
            if i in known:
                out.append(known[i])
                continue
            found = next(answers)
            out.append(found)
            if len(text) <= SHORT and not any(f.detector == GATE_OUT_OF_TIME for f in found):
                if len(self._short) >= SHORT_MOST:
                    self._short.clear()
                self._short[(who, text)] = list(found)
        return out

    def close(self) -> None:
        self.scanner.close()
