"""`scan_text`: every detector over one text, overlaps resolved, structure filtered out.

Offsets are in characters of the (decoded) text. Bytes are decoded as UTF-8 with replacement, which
keeps one character per undecodable byte, so a caller holding bytes can still find each span.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from functools import partial

from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.identity import Identity, identity_findings
from tracetui.redact.syntax import SECRET_FILE, UNKNOWN, Syntax, read_as

# Bump when detectors change: cached scan results of older versions are thrown away.
DETECTORS_VERSION = "41"


def detectors_salt(identity: Identity | None = None) -> str:
    """What a remembered scan answer hangs on besides its text: the detectors' version and who the
    user is (their names and addresses are found as identity values); the environment's by default."""
    who = identity if identity is not None else Identity.from_environment()
    return f"{DETECTORS_VERSION}:{who.fingerprint()}"


def _lower_aligned(text: str) -> str:
    """`text.lower()` with the same length (a few characters, like 'İ', lower to two)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def scan_text(
    text: str | bytes,
    identity: Identity | None = None,
    *,
    syntax: Syntax = UNKNOWN,
    fast: bool = False,
    as_text: list[list[Finding]] | None = None,
    _depth: int = 0,
    _join: bool = True,
    _view: bool = True,
) -> list[Finding]:
    """Findings in one text, sorted by position; never the values themselves.

    `syntax` is what the caller knows of the text (`tracetui.redact.syntax`: source code of a quoting
    convention, config, prose); UNKNOWN reads it as any text.
    `fast` runs only the format rules (a fallback when a field's full scan runs out of time).
    `as_text`, for a full scan of a kind the detectors read apart (code), is given the text's findings
    as text of no known kind too, exactly as that call gives them: the detectors that do not read the
    kind run once for both. The review files them for the export's gate (`reviewed.py`).
    Base64 and percent-encoded runs are decoded and scanned too (`encoded`), `_depth` levels deep.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text).decode("utf-8", errors="replace")
    syntax = read_as(syntax)  # as the scan cache keys it (`field_key`): no other kind reaches a rule
    other = UNKNOWN if as_text is not None and not fast and syntax != UNKNOWN else None
    found, plain = _scan(text, identity, syntax, other, fast, _depth, _join, _view)
    if plain is not None:
        assert as_text is not None
        as_text.append(plain)
    return found


def _scan(
    text: str,
    identity: Identity | None,
    syntax: Syntax,
    other: Syntax | None,
    fast: bool,
    _depth: int,
    _join: bool,
    _view: bool,
) -> tuple[list[Finding], list[Finding] | None]:
    """`scan_text`'s findings under `syntax`, and under `other` where given (None otherwise): the
    second list is the first with each detector that reads the syntax's part made again for `other`."""
    # The detectors load on a first scan, not with the package: a blame whose gate remembers every
    # string scans nothing, and their import (detect-secrets' rules among them) was 0.05-0.07 s of CPU.
    from tracetui.redact.detectors import (
        drop_known,
        ds,
        encoded_findings,
        joined_findings,
        name_findings,
        pii,
        prose,
        rules,
        spelled_findings,
        terminal_view,
    )

    if not text:
        return [], None if other is None else []
    lowered = _lower_aligned(text)
    present = rules.TOKEN_NEEDLES.present(lowered)  # the rules' needles and the gate words (`gate_words`)
    if _view and _depth == 0 and _join:
        # Colour codes, `\u003d`-style escapes and box borders are read as a terminal shows them; the
        # view's findings are mapped back onto the text as logged (`views`).
        view = terminal_view(text, present)
        if view is not None:
            inner, inner_other = _scan(view.text, identity, syntax, other, fast, 0, True, False)
            back = resolve(view.back(f) for f in inner)
            return back, None if inner_other is None else resolve(view.back(f) for f in inner_other)
    found: list[Finding] = []
    # Where `other` is given: (start, end, findings) of `found` that a detector reading the syntax
    # made, and what it makes for `other` instead. Every other detector's part is the same for both.
    apart: list[tuple[int, int, list[Finding]]] = []
    found.extend(rules.token_findings(text, lowered))
    found.extend(rules.pem_findings(text, lowered))
    found.extend(rules.mailchimp_findings(text, lowered))
    found.extend(rules.facebook_app_token_findings(text, lowered))
    found.extend(rules.context_findings(text, lowered))
    found.extend(rules.k8s_secret_findings(text, lowered))
    for read in rules.PASSWORD_READERS:
        found.extend(read(text, lowered))
    found.extend(rules.netrc_findings(text, lowered))
    found.extend(rules.pgpass_findings(text, lowered))
    found.extend(rules.credential_file_findings(text, lowered))
    at = len(found)
    if syntax == SECRET_FILE:
        found.extend(rules.key_file_findings(text))
    if other is not None:
        apart.append((at, len(found), list(rules.key_file_findings(text)) if other == SECRET_FILE else []))
    found.extend(rules.quoted_key_file_findings(text))
    found.extend(rules.http_client_findings(text, lowered))
    found.extend(identity_findings(text, lowered, identity))
    if not fast:
        found.extend(ds.regex_plugin_findings(text, lowered))
        if other is None:
            found.extend(rules.assignment_findings(text, lowered, syntax))
        else:  # the names and their signs found once for both kinds
            _both(found, apart, *rules.assignment_findings_as(text, lowered, syntax, other))
        found.extend(rules.name_value_findings(text, lowered))
        found.extend(rules.service_key_findings(text, lowered))
        found.extend(rules.object_value_findings(text, lowered))
        found.extend(prose.prose_findings(text, lowered))
        at = len(found)
        found.extend(ds.keyword_findings(text, lowered, syntax))
        if other is not None:
            apart.append((at, len(found), ds.keyword_findings_as(text, lowered, other, syntax, found[at:])))
        found.extend(pii.pii_findings(text, lowered))
        found.extend(name_findings(text))
        found.extend(ds.entropy_findings(text))
        rescan = lambda decoded, depth: scan_text(decoded, identity, _depth=depth)  # noqa: E731
        found.extend(encoded_findings(text, rescan, _depth))
        if _join:
            window_scan = lambda w: scan_text(w, identity, syntax=syntax, _depth=_depth, _join=False)  # noqa: E731
            for reader in (partial(joined_findings, present=present), spelled_findings):
                at = len(found)
                if other is None:
                    found.extend(reader(text, window_scan))
                else:
                    mine, theirs = _windows(reader, text, identity, syntax, other, _depth)
                    found.extend(mine)
                    apart.append((at, len(found), theirs))
    return _settled(text, found, apart, other, drop_known)


def _settled(
    text: str,
    found: list[Finding],
    apart: list[tuple[int, int, list[Finding]]],
    other: Syntax | None,
    drop_known: Callable[[str, Iterable[Finding]], list[Finding]],
) -> tuple[list[Finding], list[Finding] | None]:
    """`_scan`'s answer from what its detectors found (`apart`: what those that read the kind found for
    `other` instead, where given)."""
    if not found and not any(theirs for _start, _end, theirs in apart):
        # Nothing found (most texts): no example to drop, no overlap to resolve, for either kind.
        return [], None if other is None else []
    if other is None:
        return resolve(drop_known(text, found)), None
    theirs_found: list[Finding] = []
    done = 0
    for start, end, theirs in apart:
        theirs_found.extend(found[done:start])
        theirs_found.extend(theirs)
        done = end
    theirs_found.extend(found[done:])
    return resolve(drop_known(text, found)), resolve(drop_known(text, theirs_found))


def _both(
    found: list[Finding], apart: list[tuple[int, int, list[Finding]]], mine: list[Finding],
    theirs: list[Finding],
) -> None:
    """A detector's findings under the scan's kind (`mine`) added to `found`, and what it gives under
    the other kind instead (`theirs`) noted in `apart` over them."""
    at = len(found)
    found.extend(mine)
    apart.append((at, len(found), theirs))


Reader = Callable[[str, Callable[[str], list[Finding]]], Iterable[Finding]]


def _windows(
    reader: Reader, text: str, identity: Identity | None, syntax: Syntax, other: Syntax, depth: int
) -> tuple[list[Finding], list[Finding]]:
    """A join's or a spelling's findings under `syntax` and under `other`. The windows it scans are
    found without the syntax, and their scans read it; its answer is a function of the text and of
    those scans' answers, so one search answers for both where every window scans alike under both
    (nearly always: nothing in it), and it searches again for `other` where one does not."""
    alike = True

    def both(window: str) -> list[Finding]:
        # One scan answers for both syntaxes (`as_text`): only the detectors that read the syntax run
        # twice, as for the field itself, where a second full scan of the window ran every one again.
        nonlocal alike
        plain: list[list[Finding]] = []
        mine = scan_text(window, identity, syntax=syntax, _depth=depth, _join=False, as_text=plain)
        if alike and (plain[0] if plain and other == UNKNOWN else other_scan(window)) != mine:
            alike = False
        return mine

    def other_scan(window: str) -> list[Finding]:
        return scan_text(window, identity, syntax=other, _depth=depth, _join=False)

    mine = list(reader(text, both))
    return mine, mine if alike else list(reader(text, other_scan))


def _rank(f: Finding) -> tuple[int, int, int]:
    """Which of overlapping findings names the union: sure before suggested, specific before generic."""
    d = f.detector
    if d.startswith("decoded:"):
        d = d.split(":", 2)[2]  # what was found inside the encoding names it (never "high-entropy")
    elif d.startswith("spelled:"):
        d = d.split(":", 1)[1]
    if d.startswith("rule:") and d not in _GENERIC_RULES:
        family = 0
    elif d.startswith(("detect-secrets:", "identity:")) and d != "detect-secrets:KeywordDetector":
        family = 1
    elif d in _GENERIC_RULES or d == "detect-secrets:KeywordDetector":
        family = 2
    elif d.startswith("pii:"):
        family = 3
    else:
        family = 4
    return (0 if f.tier == AUTO else 1, family, -(f.end - f.start))


_GENERIC_RULES = frozenset({"rule:assignment", "rule:env-assignment", "rule:query-parameter", "rule:bearer"})


def resolve(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per overlapping group of the same tier (the union span, the best name); a
    suggestion wholly inside a sure finding is dropped, since the sure one already scrubs it."""
    by_tier: dict[str, list[Finding]] = {AUTO: [], SUGGESTED: []}
    for f in findings:
        if f.end > f.start:
            by_tier.setdefault(f.tier, []).append(f)
    merged: dict[str, list[Finding]] = {}
    for tier, group in by_tier.items():
        group.sort(key=lambda f: (f.start, -f.end))
        out: list[Finding] = []
        cluster: list[Finding] = []
        end = -1
        for f in group:
            if cluster and f.start < end:
                cluster.append(f)
                end = max(end, f.end)
                continue
            if cluster:
                out.append(_union(cluster, end))
            cluster, end = [f], f.end
        if cluster:
            out.append(_union(cluster, end))
        merged[tier] = out
    sure = merged.get(AUTO, [])
    result = list(sure)
    if merged.get(SUGGESTED):
        starts = [f.start for f in sure]
        for f in merged[SUGGESTED]:
            i = bisect.bisect_right(starts, f.start) - 1
            if i >= 0 and sure[i].start <= f.start and f.end <= sure[i].end:
                continue
            result.append(f)
    result.sort(key=lambda f: (f.start, f.end))
    return result


def _union(cluster: list[Finding], end: int) -> Finding:
    best = min(cluster, key=_rank)
    start = min(f.start for f in cluster)
    return Finding(start, end, best.kind, best.tier, best.detector, best.step, best.field)
