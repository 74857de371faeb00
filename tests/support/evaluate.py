"""Scoring the detectors on labelled strings (the bench and a threshold test share this).

A positive counts as *caught* when findings cover the whole secret (a partial span is a leak), and
as *hit* when any finding overlaps it; where a row does not say which part is the secret, any
finding on the row counts for both. A negative is *touched* when a sure (auto) finding lands on it,
since that is what would be scrubbed without asking; suggestions are counted separately.

A negative row is a hard negative *for its rule* (../shared/secrets/README.md), not a claim that the
text is clean. So each flagged negative is also checked the README's way: when every finding on it
names another kind than the row's rule, and an independent referee says the flagged value is a valid
credential of that kind, the row is *flagged as another kind* and is not counted as a false positive
in the README figure (the strict figure counts it). The referees are never our own detectors: the
published shape of a format (OTHER_KIND_FORMATS) for a vendor's kind, and detect-secrets' own keyword
plugin for a generic secret or password.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tracetui.redact.detect import scan_text
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.syntax import UNKNOWN, Syntax, syntax_of_path


@dataclass(slots=True)
class Row:
    source: str  # "gitleaks" or "detect-secrets"
    group: str  # rule id / plugin name
    text: str
    positive: bool
    secret: str | None
    syntax: Syntax = UNKNOWN  # the file type a row names (detect-secrets' cases), as a log names a file


@dataclass(slots=True)
class Score:
    positives: int = 0
    caught: int = 0  # whole secret covered by some tier
    caught_auto: int = 0  # whole secret covered by sure findings alone
    hit: int = 0
    negatives: int = 0
    touched: int = 0  # a sure finding on a negative
    suggested_on_negative: int = 0
    other_kind: int = 0  # flagged, but only as a valid credential of another kind (README scoring)
    missed: list[str] = field(default_factory=list)
    touched_ids: list[str] = field(default_factory=list)
    flagged_ids: list[str] = field(default_factory=list)
    other_kind_ids: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        """Negatives with any finding, sure or suggested (the strict figure)."""
        return self.touched + self.suggested_on_negative

    @property
    def flagged_readme(self) -> int:
        """The README's figure: a valid credential of another kind is not a false positive of the row's rule."""
        return self.flagged - self.other_kind

    def add(self, other: Score) -> None:
        for name in (
            "positives",
            "caught",
            "caught_auto",
            "hit",
            "negatives",
            "touched",
            "suggested_on_negative",
            "other_kind",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.missed += other.missed
        self.touched_ids += other.touched_ids
        self.flagged_ids += other.flagged_ids
        self.other_kind_ids += other.other_kind_ids


def load_rows(secrets_dir: str | Path) -> Iterator[tuple[str, Row]]:
    d = Path(secrets_dir)
    with open(d / "gitleaks_rule_examples.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            yield r["id"], Row("gitleaks", r["rule_id"], r["text"], r["label"] == "tp", r.get("secret"))
    with open(d / "detect_secrets_plugin_cases.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            yield (
                r["id"],
                Row(
                    "detect-secrets",
                    r["detector"],
                    r["text"],
                    bool(r["should_flag"]),
                    r.get("expected_secret"),
                    syntax_of_path(f"case.{r['file_extension']}" if r.get("file_extension") else None),
                ),
            )


def covered(findings: Iterable[Finding], a: int, b: int) -> bool:
    """Whether the findings together cover every character of [a, b)."""
    pos = a
    for f in sorted(findings, key=lambda f: f.start):
        if f.start <= pos < f.end:
            pos = f.end
        if pos >= b:
            return True
    return pos >= b


def score_row(row_id: str, row: Row) -> Score:
    s = Score()
    if not row.text:
        # An empty example (a binary-file rule): nothing to find, nothing to score.
        return s
    findings = scan_text(row.text, syntax=row.syntax)
    sure = [f for f in findings if f.tier == AUTO]
    if row.positive:
        s.positives = 1
        secret = row.secret or ""
        where = row.text.find(secret) if secret else -1
        if where >= 0:
            a, b = where, where + len(secret)
            caught, caught_auto = covered(findings, a, b), covered(sure, a, b)
            s.hit = int(any(f.start < b and a < f.end for f in findings))
        else:
            caught = caught_auto = bool(findings)
            caught_auto = bool(sure)
            s.hit = int(bool(findings))
        s.caught, s.caught_auto = int(caught), int(caught_auto)
        if not caught:
            s.missed.append(row_id)
    else:
        s.negatives = 1
        if sure:
            s.touched = 1
            s.touched_ids.append(row_id)
        elif findings:
            s.suggested_on_negative = 1
        if findings:
            s.flagged_ids.append(row_id)
            if all(other_kind_credential(row, f, row.text[f.start : f.end]) for f in findings):
                s.other_kind = 1
                s.other_kind_ids.append(row_id)
    return s


# Rules and plugins whose kind is a generic secret or password (named by a keyword, not a format).
_GENERIC_GROUPS = frozenset({"generic-api-key", "KeywordDetector"})
_GENERIC_KINDS = frozenset({"secret", "password"})


def _jwt_shape(value: str) -> bool:
    """Three base64url parts, the first two JSON objects: what RFC 7519 makes a JWT."""
    parts = value.split(".")
    if len(parts) != 3 or not parts[2]:
        return False
    for part in parts[:2]:
        try:
            if not isinstance(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))), dict):
                return False
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return False
    return True


# Anthropic's published shape of an admin key: the type, 93 characters, `AA`.
_ADMIN_KEY = re.compile(r"sk-ant-admin01-[A-Za-z0-9_\-]{93}AA")

# Vendor kinds a finding may name, each with the format's published shape (written here from the format's
# facts: gitleaks' rule list, RFC 7519; not taken from our detectors) and the row groups of that same kind.
OTHER_KIND_FORMATS: dict[str, tuple[Callable[[str], bool], frozenset[str]]] = {
    "anthropic-admin-key": (
        lambda v: _ADMIN_KEY.fullmatch(v) is not None,
        frozenset({"anthropic-admin-api-key"}),
    ),
    "jwt": (_jwt_shape, frozenset({"jwt", "jwt-base64", "JwtTokenDetector"})),
}


def _row_is_generic(row: Row) -> bool:
    # gitleaks' `*-password` rules (NuGet, Terraform) find a password by its name, as the generic kinds do.
    return row.group in _GENERIC_GROUPS or row.group.endswith("-password") and "planetscale" not in row.group


def other_kind_credential(row: Row, finding: Finding, value: str) -> bool:
    """Whether `finding` on negative `row` is a valid credential of a kind other than the row's rule."""
    if finding.kind in _GENERIC_KINDS:
        if _row_is_generic(row):
            return False
        return value in _keyword_plugin_values(row.text)
    fmt = OTHER_KIND_FORMATS.get(finding.kind)
    if fmt is None:
        return False
    accepts, same_kind = fmt
    return row.group not in same_kind and accepts(value)


def _keyword_plugin_values(text: str) -> set[str]:
    """What detect-secrets' keyword plugin (the reference for a named secret) returns on each line."""
    from detect_secrets.plugins.keyword import KeywordDetector

    plugin = KeywordDetector()
    return {v for line in text.splitlines() for v in plugin.analyze_string(line)}


# detect-secrets' plugin cases expect a vendor prefix on a typed filler to be flagged (`AP6xxxxxxxxxx`,
# `AKIAZZZZZZZZZZZZZZZZ`, `npm_xxxxxxxxxxx`, `SKxxxx…`, a Slack webhook of `x`s): that is what the
# plugin's regex returns, but by issue 14's definition these are placeholders, hard negatives.
# Listed by hand, row by row, so that the detector's own filler test does not decide its score.
FILLER_POSITIVES = frozenset(
    [f"ds-{i:04d}" for i in range(0, 19)]
    + ["ds-0025", "ds-0028", "ds-0029", "ds-0030", "ds-0031", "ds-0546", "ds-0570", "ds-0638", "ds-0639"]
)


def evaluate(secrets_dir: str | Path, issue_labels: bool = False) -> dict[tuple[str, str], Score]:
    """Scores per (source, group), plus (source, "*") and ("*", "*") totals.

    A negative whose exact text is also a positive of another row (gitleaks marks an admin key as a
    negative for the plain-key rule, and `password = "rootpasswd"` as both) is not scored as a
    negative: scrubbing it is right. With `issue_labels`, the FILLER_POSITIVES are scored as the
    placeholders they are (negatives).
    """
    table: dict[tuple[str, str], Score] = {}
    rows = list(load_rows(secrets_dir))
    if issue_labels:
        for row_id, row in rows:
            if row_id in FILLER_POSITIVES:
                row.positive = False
    positive_texts = {row.text for _, row in rows if row.positive}
    for row_id, row in rows:
        if not row.positive and row.text in positive_texts:
            continue
        s = score_row(row_id, row)
        for key in ((row.source, row.group), (row.source, "*"), ("*", "*")):
            table.setdefault(key, Score()).add(s)
    return table


def pct(n: int, d: int) -> str:
    return "-" if d == 0 else f"{100.0 * n / d:.1f}%"
