"""Scanning a whole session: incremental (a cache keyed by each field's content hash), parallel
(worker processes for big sessions), and bounded (a time budget per field).

A field whose full scan runs out of time is scanned again with the format rules only; if even that
runs out, the whole field becomes one "unscanned" suggestion, so nothing unread slips into a capsule
without a human decision.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson

from tracetui.model import Session
from tracetui.redact import detect, kinds, reviewed
from tracetui.redact.detect import detectors_salt, resolve, scan_text
from tracetui.redact.field_key import field_key
from tracetui.redact.fields import Field, iter_fields
from tracetui.redact.finding import AUTO, GATE_OUT_OF_TIME, SUGGESTED, Finding
from tracetui.redact.identity import Identity, identity_from_session
from tracetui.redact.plan import Plan, PlanStore, build_plan, load_plan, save_plan
from tracetui.redact.syntax import UNKNOWN, Syntax, field_syntaxes, read_as
from tracetui.regular_file import keep_cache

# Below this much text, worker processes cost more to start than they save.
PARALLEL_THRESHOLD = 4_000_000
BATCH_CHARS = 2_000_000


def field_budget(length: int) -> float:
    """Seconds one field may take: generous, since the detectors run at several MB/s."""
    return 3.0 + length / 250_000


class _OutOfTime(Exception):
    pass


_TICK = 0.25  # seconds between the reads of a timed block's clock (`timed_scans`)


class _Watch:
    """The deadline of the scan running in a `timed_scans` block, read at each tick of its timer."""

    on = False
    deadline = math.inf


def _on_tick(signum, frame):  # pragma: no cover - fired by the timer
    if time.monotonic() > _Watch.deadline:
        _Watch.deadline = math.inf
        raise _OutOfTime()


@contextlib.contextmanager
def timed_scans() -> Iterator[None]:
    """Scans in the block (`scan_in_time`) timed by one ticking timer: arming a timer for each text
    costs two system calls, about 10 us, which a gate's many short texts pay again and again.
    Signals only reach the main thread: elsewhere the block times nothing."""
    if _Watch.on or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_tick)
    _Watch.on = True
    signal.setitimer(signal.ITIMER_REAL, _TICK, _TICK)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _Watch.on = False
        _Watch.deadline = math.inf
        signal.signal(signal.SIGALRM, previous)


def _scan_bounded(
    text: str, identity: Identity | None, syntax: Syntax = UNKNOWN
) -> tuple[list[Finding], bool]:
    """scan_text under a wall-clock budget: the format rules alone where the full scan runs out, and
    one "unscanned" suggestion over the field where they run out too (see `scan_in_time`); and
    whether the full scan ran to the end (only then may the export's gate take it: `reviewed`)."""
    for fast in (False, True):
        found = scan_in_time(text, identity, syntax, fast=fast)
        if found is not None:
            return found, not fast
    return [Finding(0, len(text), kinds.UNSCANNED, SUGGESTED, "scan:out-of-time")], False


Scanned = tuple[list[Finding], bool, list[Finding] | None]


def _scan_filed(text: str, identity: Identity | None, syntax: Syntax) -> Scanned:
    """`_scan_bounded`, and for a field of a kind the detectors read apart (code), its full scan as
    text of no known kind too, where both ran to the end in time: the export's gate reads every text
    so, and would otherwise scan the field again (`reviewed.py`). None where it is not made."""
    if read_as(syntax) == UNKNOWN:
        return (*_scan_bounded(text, identity, syntax), None)
    plain: list[list[Finding]] = []

    def both(text: str, identity: Identity | None, *, syntax: Syntax, fast: bool) -> list[Finding]:
        return scan_text(text, identity, syntax=syntax, fast=fast, as_text=plain)

    found = scan_in_time(text, identity, syntax, scan=both)
    if found is not None:
        return found, True, plain[0] if plain else None
    # The two ran out together: the field's own scan alone, as ever, and nothing filed for the gate.
    return (*_scan_bounded(text, identity, syntax), None)


def scan_in_time(
    text: str,
    identity: Identity | None,
    syntax: Syntax = UNKNOWN,
    *,
    fast: bool = False,
    scan: Callable[..., list[Finding]] | None = None,
    slack: float = 1.0,
) -> list[Finding] | None:
    """`scan` (default: scan_text) within `slack` times `field_budget` (up to a tick late), or None
    where it ran out. Signals only reach the main thread, so from any other thread (a UI worker) the
    scan runs unbounded."""
    run = scan_text if scan is None else scan
    if threading.current_thread() is not threading.main_thread():
        return run(text, identity, syntax=syntax, fast=fast)
    if not fast:
        from tracetui.redact import ds  # loaded with the detectors, on a first scan

        ds.load()
    with timed_scans():
        _Watch.deadline = time.monotonic() + slack * field_budget(len(text))
        try:
            return run(text, identity, syntax=syntax, fast=fast)
        except _OutOfTime:
            return None
        finally:
            _Watch.deadline = math.inf


# The gate's budget over a field's: its texts are pages and whole records, scanned on a busy machine
# beside the export's other work; the budget is there for a detector gone super-linear (hours), not
# to race an honest scan.
GATE_SLACK = 4.0


def gate_scan(
    text: str, identity: Identity | None, scan: Callable[..., list[Finding]] | None = None
) -> list[Finding]:
    """The second gate's scan of a text about to leave: every detector within the text's budget, or
    a sure finding over the whole text that stops it. Never the format rules alone: the gate is the
    check a plan cannot talk round, and a text made to outrun the detectors must not pass it."""
    # The detectors' own scan (default), not the plan's path through this module.
    found = scan_in_time(text, identity, scan=detect.scan_text if scan is None else scan, slack=GATE_SLACK)
    return found if found is not None else [Finding(0, len(text), kinds.UNSCANNED, AUTO, GATE_OUT_OF_TIME)]


Rows = tuple[list[dict], bool, list[dict] | None]


def _scan_batch(texts: list[tuple[str, Syntax]], identity: Identity | None) -> list[Rows]:
    with timed_scans():
        return [_rows(_scan_filed(t, identity, syntax)) for t, syntax in texts]


def _rows(scanned: Scanned) -> Rows:
    found, whole, plain = scanned
    return [f.to_dict() for f in found], whole, None if plain is None else [f.to_dict() for f in plain]


def session_identity(session: Session, base: Identity | None = None) -> Identity:
    """Who the user is (the running environment unless `base` is given) plus what the session shows."""
    base = Identity.from_environment() if base is None else base
    return base.merged(identity_from_session(session))


def scan_session(
    session: Session,
    identity: Identity | None = None,
    *,
    cache_path: str | Path | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Finding]:
    """Findings in every field of `session`, each located by step id and field name.

    `identity` is who the user is (default: the running environment); what the session itself shows
    (home paths in its cwd, values from .env files it read) is always added. With `cache_path`,
    results are cached per field content, so a session that grew only scans its new fields.
    `workers=0` scans in this process; by default big sessions use up to two worker processes.
    """
    found = _scan_session(session, identity, cache_path, workers, progress, cached_only=False)
    assert isinstance(found, list)  # only a cached-only scan gives up
    return found


def _scan_session(
    session: Session,
    identity: Identity | None,
    cache_path: str | Path | None,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    cached_only: bool,
) -> list[Finding] | int:
    """`scan_session`; with `cached_only`, where a field is not in the cache, the characters left to
    scan instead (and nothing scanned)."""
    identity = session_identity(session, identity)
    fields = list(iter_fields(session))
    hints = field_syntaxes(session)  # a Write of x.py is code, a Read of .env is config
    syntaxes = [hints.get((f.step, f.name), UNKNOWN) for f in fields]
    salt = detectors_salt(identity)
    cache, marks = _load_cache(cache_path, salt) if cache_path else ({}, {})
    digests = [field_key(f.text, syntax) for f, syntax in zip(fields, syntaxes)]
    todo: dict[str, tuple[str, Syntax]] = {}
    for f, syntax, d in zip(fields, syntaxes, digests):
        if d not in cache and d not in todo:
            todo[d] = (f.text, syntax)
    if todo and cached_only:
        return sum(len(text) for text, _syntax in todo.values())
    whole: set[str] = set()  # the fields scanned to the end by every detector here
    # A code field's text as the export's gate reads it (no known kind), kept while the field is.
    as_text = {field_key(f.text) for f, syntax in zip(fields, syntaxes) if read_as(syntax) != UNKNOWN}
    if todo:
        plain: dict[str, list[dict]] = {}
        cache.update(_scan_many(todo, identity, workers, progress, whole, plain))
        for d, rows in plain.items():
            if d not in cache:  # a field of that very text has its own scan (a fast one, maybe): kept
                cache[d] = rows
                whole.add(d)
    out: list[Finding] = []
    for f, d in zip(fields, digests):
        for row in cache.get(d, ()):
            if f.sure_only and not _gate_scrubs(row):
                continue  # a suggestion in an id or a hash: no gate acts on it, and ids are many
            out.append(Finding.from_dict(row).at(f.step, f.name))
    known = len(cache)
    joins: set[str] = set()
    across = _across_steps(fields, identity, cache, joins)
    if cache_path and (todo or len(cache) != known):
        used = set(digests) | joins | as_text
        _save_cache(cache_path, salt, {d: v for d, v in cache.items() if d in used}, whole, marks)
    if across:
        touched_steps = {(f.step, f.field) for f in across}
        mine = [f for f in out if (f.step, f.field) in touched_steps] + across
        out = [f for f in out if (f.step, f.field) not in touched_steps]
        for step, name in sorted(touched_steps, key=lambda k: (k[0] or "", k[1])):
            out.extend(r.at(step, name) for r in resolve(f for f in mine if (f.step, f.field) == (step, name)))
    carried = _known_values_in_session_fields(fields, out)
    if carried:
        # One finding per overlap in each field that gained some, as `scan_text` leaves them.
        touched = {f.field for f in carried}
        mine = [f for f in out if f.step is None and f.field in touched] + carried
        out = [f for f in out if not (f.step is None and f.field in touched)]
        for name in sorted(touched):
            out.extend(r.at(None, name) for r in resolve(f for f in mine if f.field == name))
    return out


def _gate_scrubs(row: dict) -> bool:
    """Whether a gate would act on this finding of a field: a sure one, or a text too long to scan in
    time (which the gate refuses, and the plan must show)."""
    return row.get("tier") == AUTO or row.get("kind") == kinds.UNSCANNED


# A secret cut between two consecutive steps (an assistant's two messages, a prompt sent in two parts): the
# end of one step's text and the start of the next's, each a run of token characters, are read together
# with the line that names them, and a finding across the join is placed on both halves.
_TAIL = re.compile(r"[A-Za-z0-9+/=_\-.~]{8,}\s*\Z")
_HEAD = re.compile(r"\A\s*([A-Za-z0-9+/=_\-.~]{8,})")
_ACROSS_IGNORED = ("detect-secrets:Base64HighEntropyString", "detect-secrets:HexHighEntropyString", "entropy:", "pii:")
_ACROSS_CONTEXT = 300  # characters of the first step read before its tail


def _generated(run: str) -> bool:
    """A run that mixes digits into letters, or cases within itself: a key's piece, not a word."""
    letters = sum(c.isalpha() for c in run)
    digits = sum(c.isdigit() for c in run)
    upper = sum(c.isupper() for c in run)
    return bool(digits and letters) or (upper >= 2 and letters - upper >= 2)


_ACROSS_KEY = "across:"  # the scan cache's key of a join, beside the fields' digests


def _across_steps(
    fields: list[Field], identity: Identity | None, cache: dict[str, list[dict]], used: set[str]
) -> list[Finding]:
    texts = [f for f in fields if f.step is not None and f.name == "text" and f.text]
    out: list[Finding] = []
    for first, second in zip(texts, texts[1:]):
        tail = _TAIL.search(first.text, max(0, len(first.text) - _ACROSS_CONTEXT))
        head = _HEAD.match(second.text) if tail is not None else None
        if tail is None or head is None or first.step == second.step:
            continue
        run = tail.group(0).rstrip()
        if not (_generated(run) and _generated(head.group(1))):
            continue  # words and paths: a message's last word and the next one's first
        before = first.text[max(0, len(first.text) - _ACROSS_CONTEXT): tail.start()]
        window = before + run + head.group(1)
        join = len(before) + len(run)
        offset = len(first.text) - len(tail.group(0)) - len(before)
        key = _ACROSS_KEY + field_key(window)
        used.add(key)
        if key not in cache:
            cache[key] = [f.to_dict() for f in scan_text(window, identity)]
        for f in (Finding.from_dict(row) for row in cache[key]):
            if f.detector.startswith(_ACROSS_IGNORED) or not (f.start < join < f.end):
                continue
            detector = f"across-steps:{f.detector}"
            out.append(Finding(f.start + offset, offset + join, f.kind, f.tier, detector, first.step, first.name))
            out.append(Finding(head.start(1), head.start(1) + f.end - join, f.kind, f.tier, detector,
                               second.step, second.name))
    return out


# The session-level fields an agent writes from what was said: the title, a subagent's description.
_WRITTEN_FROM_PROMPTS = re.compile(r"^(?:title|subagents\[\d+\]\.description)$")
# Shorter sure values (a user name, a short number) would match inside unrelated words.
_MIN_CARRIED = 8


def _known_values_in_session_fields(fields: list[Field], found: list[Finding]) -> list[Finding]:
    """A sure secret of any step, wherever it recurs in a session-level field: a title is the first prompt
    with its lines joined, so a Kubernetes Secret or a key file pasted there loses the layout that
    named it in the prompt. These fields are few and short, so each is searched for every value."""
    texts = {(f.step, f.name): f.text for f in fields}
    values: dict[str, Finding] = {}
    for f in found:
        if f.tier == AUTO and f.step is not None and f.end - f.start >= _MIN_CARRIED \
                and not f.detector.startswith(("identity:", "pii:")):  # their own rules read every field
            text = texts.get((f.step, f.field))
            if text is not None:
                values.setdefault(text[f.start : f.end], f)
    if not values:
        return []
    carried: list[Finding] = []
    for field in fields:
        if field.step is not None or not _WRITTEN_FROM_PROMPTS.search(field.name):
            continue  # paths and the remote (cwd, files, source, git.remote) hold names, not prompts
        for value, f in values.items():
            at = field.text.find(value)
            while at >= 0:
                carried.append(Finding(at, at + len(value), f.kind, AUTO, f"carried:{f.detector}", None, field.name))
                at = field.text.find(value, at + 1)
    return carried


def _scan_many(
    todo: dict[str, tuple[str, Syntax]],
    identity: Identity,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    whole: set[str],
    plain: dict[str, list[dict]],
) -> dict[str, list[dict]]:
    """Each field's findings by digest; the digests of those scanned whole are added to `whole`, and a
    code field's findings as text of no known kind, where made (`_scan_filed`), to `plain`."""
    items = list(todo.items())
    total = sum(len(t) for _, (t, _s) in items)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if total >= PARALLEL_THRESHOLD else 0
    results: dict[str, list[dict]] = {}
    if workers <= 1 and not (workers == 1 and total >= PARALLEL_THRESHOLD):
        done = 0
        with timed_scans():
            for digest, (text, syntax) in items:
                results[digest], done_whole, as_text = _rows(_scan_filed(text, identity, syntax))
                if done_whole:
                    whole.add(digest)
                if as_text is not None:
                    plain[field_key(text)] = as_text
                done += len(text)
                if progress:
                    progress(done, total)
        return results
    batches: list[list[tuple[str, tuple[str, Syntax]]]] = []
    current: list[tuple[str, tuple[str, Syntax]]] = []
    size = 0
    # Biggest first, so one huge field does not start last and leave a core idle at the end.
    for digest, item in sorted(items, key=lambda it: -len(it[1][0])):
        current.append((digest, item))
        size += len(item[0])
        if size >= BATCH_CHARS:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    import multiprocessing

    # "spawn": forking a process that runs threads (the UI) can deadlock the child.
    ctx = multiprocessing.get_context("spawn")
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [(batch, pool.submit(_scan_batch, [t for _, t in batch], identity)) for batch in batches]
        for batch, future in futures:
            for (digest, (text, _syntax)), (rows, done_whole, as_text) in zip(batch, future.result()):
                results[digest] = rows
                if done_whole:
                    whole.add(digest)
                if as_text is not None:
                    plain[field_key(text)] = as_text
                done += len(text)
            if progress:
                progress(done, total)
    return results


def _load_cache(path: str | Path, salt: str) -> tuple[dict[str, list[dict]], dict[str, str]]:
    """The cached fields, and the marks the export's gate reads (`reviewed`), carried as they are;
    nothing where the cache is not this salt's (other detectors, another identity: start over)."""
    data = reviewed.read_cache(path, salt)
    if data is None:
        return {}, {}
    return data["fields"], reviewed.carried_marks(data)


def _save_cache(
    path: str | Path, salt: str, fields: dict[str, list[dict]], whole: set[str], marks: dict[str, str]
) -> None:
    gate = reviewed.gate_section(salt, fields, whole, marks)
    marked = {reviewed.GATE: gate} if gate else {}
    keep_cache(path, orjson.dumps({"salt": salt, "fields": fields, **marked}))


def refresh_plan(
    session: Session,
    plan_location: str | Path | PlanStore,
    identity: Identity | None = None,
    *,
    workers: int | None = None,
    save: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """The session's plan, up to date: loaded, re-scanned where fields changed, saved.

    `plan_location` is a PlanStore (the bucket's plans dir), or the path of a plan file.
    """
    plan = refresh_cached_plan(
        session, plan_location, identity, workers=workers, save=save, progress=progress, cached_only=False
    )
    assert isinstance(plan, Plan)  # only a cached-only refresh gives up
    return plan


def refresh_cached_plan(
    session: Session,
    plan_location: str | Path | PlanStore,
    identity: Identity | None = None,
    *,
    workers: int | None = None,
    save: bool = True,
    progress: Callable[[int, int], None] | None = None,
    cached_only: bool = True,
) -> Plan | int:
    """`refresh_plan`; with `cached_only`, where a field of the session is not in its scan cache, the
    characters left to scan instead of a plan (nothing scanned or saved): the scan can go to another
    process (`redact.many`)."""
    if isinstance(plan_location, PlanStore):
        path, cache = plan_location.path(session.id), plan_location.cache_path(session.id)
    else:
        path = Path(plan_location)
        cache = path.with_name(path.name + ".scan-cache")
    previous = load_plan(path)  # first, as ever: a damaged plan is named before any scan
    findings = _scan_session(session, identity, cache, workers, progress, cached_only)
    if isinstance(findings, int):
        return findings
    plan = build_plan(session, findings, previous)
    if save:
        save_plan(plan, path)
    return plan
