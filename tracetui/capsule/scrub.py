"""Where sealing meets the redaction plan: decisions, the scrubbed copy, the receipt, the second gate.

All knowledge of the plan's shape lives here, so the rest of the capsule code deals only in
`Scrubbed`: the scrubbed session, a `deep()` that scrubs any JSON-like value by the same
value -> placeholder map (so a secret gets one placeholder everywhere, including patch context
lines that came from git and were never in the log), the receipt and the rejected kinds.

Decisions, as docs/design.md puts them: sure findings (tier "auto") are scrubbed unless the user
rejected them; suggestions must be accepted (or added by hand) to be scrubbed, rejected to stay,
and anything still undecided blocks the seal unless `accept_suggested` accepts it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from tracetui.capsule.gate_memo import GateMemo
from tracetui.capsule.gitcmd import is_commit_id
from tracetui.capsule.keys import fingerprint
from tracetui.capsule.scope import in_scope
from tracetui.model import Session, StepKind
from tracetui.redact.apply import apply as redact_apply
from tracetui.redact.detect import scan_text
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.identity import Identity
from tracetui.redact.plan import ACCEPTED, REJECTED, Plan, PlanValue
from tracetui.redact.scan import gate_scan, timed_scans

# The value map and the gate's small helpers live beneath the capsule, where blame's gate reads them
# too; their names stay importable from here.
from tracetui.redact.value_map import (  # noqa: F401
    BY_DEFAULT,
    BY_USER,
    MIN_VALUE,
    NO_OWN_KEYS,
    Entry,
    OwnKeys,
    ValueMap,
    decided_by,
    entries,
    inert,
    is_gate_placeholder,
    json_strings,
    new_placeholders,
    planned_values,
    value_map,
    value_pattern,
)
from tracetui.sources.common.jsonl import loads_whole

PATH_KEEPS = frozenset({"user-name"})  # kinds a repo-relative file path keeps (see Scrubbed.repo_path)


# The fields of a session's `to_dict` whose dicts are the log's own data (a tool's input, a step's meta, the
# record types a reader skipped): their keys are the log's text. Every other key is the model's word.
LOG_DATA_KEYS = frozenset({"tool_input", "meta", "skipped"})


# The words of tracetui's own vocabulary a session's dict holds as values, by their key
# (`_format_words_kept` puts them back after a scrub).
_MODEL_WORDS: dict[str, frozenset[str]] = {
    "kind": frozenset(StepKind.ALL),
    "role": frozenset({"user", "assistant", "tool", "system"}),
    "op": frozenset({"create", "update", "delete", "write"}),
}


def log_strings(obj: Any, logs: bool = False) -> Any:
    """A session's (or a step's) `to_dict` as the log's text in it, for a gate to read: what
    `Scrubbed.session_dict` scrubs. Every value but the model's own words (`_MODEL_WORDS`), and a dict's
    keys only in the log's own data (`LOG_DATA_KEYS`); a dict of the model's becomes the list of its
    values."""
    if logs or not isinstance(obj, dict | list):
        return obj  # the log's own data, as it is (however deep)
    if isinstance(obj, list):
        return [log_strings(v) for v in obj]
    return [
        log_strings(v, k in LOG_DATA_KEYS) for k, v in obj.items()
        if not (isinstance(v, str) and v in _MODEL_WORDS.get(k, ()))
    ]


def session_lines_view(data: bytes) -> bytes:
    """What a gate reads of JSON lines of sessions' or steps' dicts: each line's `log_strings`; a line
    that is no JSON as it is."""
    return lines_view(data, log_strings)


def lines_view(data: bytes, strings: Callable[[Any], Any]) -> bytes:
    """Each JSON line of `data` as `strings` gives what a gate reads of its document; a line that is no
    JSON, or too deep to write again, as it is."""
    out = []
    for line in data.split(b"\n"):
        try:
            record = loads_whole(line) if line.strip() else None
        except orjson.JSONDecodeError:
            out.append(line)
            continue
        out.append(orjson.dumps(strings(record)) if record is not None else line)
    return b"\n".join(out)


@dataclass(slots=True)
class Scrubbed:
    session: Session
    receipt: list[dict[str, Any]]
    rejected: list[dict[str, Any]]  # kinds and counts the user chose to keep (never values)
    replacements: dict[str, str] = field(default_factory=dict)  # value -> placeholder
    kept_values: set[str] = field(default_factory=set)  # rejected by the user: not a leak
    # Repository paths `repo_path` gave back with a user name kept (the design's choice, so a replay
    # finds the file): the gate lets that name stand in exactly these strings, nowhere else.
    kept_paths: set[str] = field(default_factory=set)
    _map: ValueMap = field(init=False)

    def __post_init__(self) -> None:
        self._map = ValueMap(self.replacements)

    def text(self, value: str) -> str:
        return self._map.text(value)

    def spans(self, value: str) -> list[tuple[int, int, str]]:
        """(start, end, placeholder) of each replacement `text` makes in `value`, in order."""
        return self._map.spans(value)

    def repo_path(self, value: str) -> str:
        """A path inside the repository, scrubbed of secrets but not of the user's name: it names one
        of the repository's files ("src/alice/..."), which the replay must find as it is."""
        pattern = self._map.pattern
        if pattern is None or not value:
            return value
        kinds = {row["placeholder"]: row["kind"] for row in self.receipt}
        kept = False

        def swap(m: re.Match[str]) -> str:
            nonlocal kept
            placeholder = self.replacements[m.group(0)]
            if kinds.get(placeholder) in PATH_KEEPS:
                kept = True
                return m.group(0)
            return placeholder

        out = pattern.sub(swap, value)
        if kept:
            self.kept_paths.add(out)
        return out

    def with_spellings(self, extra: dict[str, str]) -> Scrubbed:
        """A copy that also replaces `extra` (other spellings of planned values -> their placeholders),
        such as a value as it reads escaped inside a JSON string that is itself inside a JSON string."""
        merged = {**{v: p for v, p in extra.items() if v not in self.kept_values}, **self.replacements}
        return Scrubbed(self.session, self.receipt, self.rejected, merged, self.kept_values, self.kept_paths)

    def widened(self, found: list[GateFinding], decided_by: str) -> Scrubbed:
        """A copy that also scrubs the values a gate found in what leaves (text built from git, a label,
        a context no field gives), each under a placeholder of its kind, the session scrubbed again."""
        chosen = new_placeholders([(g.kind, g.value) for g in found], self.receipt)
        rows = {r["placeholder"]: r for r in self.receipt}
        for g in found:
            placeholder = chosen[g.value]
            row = rows.setdefault(
                placeholder,
                {"placeholder": placeholder, "kind": g.kind, "tier": g.tier, "count": 0, "decided_by": decided_by},
            )
            row["count"] += 1
        # As the gate read it, and as the text holds it: a page writes `&` as `&amp;`.
        spelled = {**{html.unescape(v): p for v, p in chosen.items()}, **chosen}
        wider = self.with_spellings(spelled)
        wider.receipt = [rows[p] for p in sorted(rows)]
        as_dict = self.session.to_dict()
        wider.session = Session.from_dict(_format_words_kept(wider.session_dict(as_dict), as_dict))
        return wider

    def session_dict(self, obj: Any, logs: bool = False) -> Any:
        """A session's `to_dict` with every string scrubbed, but the keys that are the model's own words
        (`steps`, `title`): only the keys of what the log itself holds (`LOG_DATA_KEYS`) are its text. A
        value found everywhere that is such a word (a host named `steps`) left no model to read back."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {
                self.text(k) if logs and isinstance(k, str) else k: self.session_dict(v, logs or k in LOG_DATA_KEYS)
                for k, v in obj.items()
            }
        if isinstance(obj, (list, tuple)):
            return [self.session_dict(v, logs) for v in obj]
        return obj

    def values(self, obj: Any) -> Any:
        """`obj` (JSON-like: a format's own record, the outcome's labels, a patch's row) with every string
        value scrubbed and its keys kept: they are the writer's words, not the log's (a user or host
        named `tests` took the key out of the labels, and the page that reads them stopped)."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {k: self.values(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.values(v) for v in obj]
        return obj

    def deep(self, obj: Any) -> Any:
        """`obj` (JSON-like) with every string scrubbed, keys included."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {self.text(k) if isinstance(k, str) else k: self.deep(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.deep(v) for v in obj]
        return obj


def is_repo_relative(path: str) -> bool:
    """A repo-relative path (not absolute, no `..`, no home shorthand): one the seal and an export
    keep exact through `Scrubbed.repo_path`, since it names one of the repository's files."""
    if not path or path.startswith(("/", "~", "\\")):
        return False
    return ".." not in path.split("/") and ":" not in path[:3]


def prepare(
    session: Session,
    plan: Plan | None,
    accept_suggested: bool,
    key: bytes | None,
    included: frozenset[str] | None = None,
    gate_scrub: dict[str, PlanValue] | None = None,
    gate_keep: frozenset[str] = frozenset(),
) -> Scrubbed:
    """The scrubbed copy of the session and everything the capsule says about the scrubbing.

    `included` (the steps the capsule carries; None: all) limits what the rejected kinds count.
    `gate_scrub` and `gate_keep` are values the second gate found outside any field, decided in the
    plan's `values` (value -> its entry, to scrub; values to keep).
    Raises TracetuiError when the plan was made on other text than the session's (scan again).
    """
    plan = plan.copy() if plan is not None else Plan(session.id)
    planned = entries(session, plan)
    replacements, kept = value_map(planned, accept_suggested)
    receipt: dict[str, dict[str, Any]] = {}
    rejected: dict[str, int] = {}
    for e in planned:
        who = decided_by(e, accept_suggested)
        if who is None:
            if e.decision == REJECTED and e.value:
                if included is None or in_scope(e.step, e.field, included):
                    rejected[e.kind] = rejected.get(e.kind, 0) + 1
            continue
        placeholder = e.placeholder or "<REDACTED>"
        row = receipt.setdefault(
            placeholder,
            {
                "placeholder": placeholder,
                "kind": e.kind,
                "tier": e.tier,
                "count": 0,
                "decided_by": who,
            },
        )
        row["count"] += 1
        if key is not None and e.value and "fingerprint" not in row:
            row["fingerprint"] = fingerprint(key, e.value)
    for value, entry in (gate_scrub or {}).items():
        placeholder = entry.placeholder or "<REDACTED>"
        replacements.setdefault(value, placeholder)
        by = BY_USER if entry.decision == ACCEPTED else BY_DEFAULT
        row = receipt.setdefault(
            placeholder,
            {"placeholder": placeholder, "kind": entry.kind, "tier": entry.tier, "count": 0,
             "decided_by": by},
        )
        row["count"] += 1
        if key is not None and "fingerprint" not in row:
            row["fingerprint"] = fingerprint(key, value)
    kept.update(gate_keep)
    if accept_suggested:
        plan.accept_pending()
    scrubbed = Scrubbed(
        session=session,
        receipt=[receipt[p] for p in sorted(receipt)],
        rejected=[{"kind": k, "count": n} for k, n in sorted(rejected.items())],
        replacements={v: p for v, p in replacements.items() if v not in kept},
        kept_values=kept,
    )
    # The redaction layer scrubs each span where the plan found it; our value map then catches the
    # same values in places no span pointed at.
    clean = redact_apply(session, plan) if plan.spans else session
    as_dict = clean.to_dict()
    scrubbed.session = Session.from_dict(_format_words_kept(scrubbed.session_dict(as_dict), as_dict))
    return scrubbed


def _format_words_kept(clean: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """`clean` with the words of tracetui's own vocabulary put back: the agent, each step's kind and
    role, each edit's op. A value scrubbed everywhere that happens to be one of them (a .env's
    `update`, a span a user added over `tool`) is text in the log's fields, not in these. The log's
    commit stays only where it is a commit id."""
    clean["agent"] = original["agent"]
    git = clean.get("git")
    if git and not is_commit_id(git.get("commit")):
        git["commit"] = None  # a log's word for its commit that is none (no field walks it)
    for step, was in zip(clean["steps"], original["steps"]):
        step["kind"], step["role"] = was["kind"], was["role"]
        for edit, edit_was in zip(step.get("edits") or [], was.get("edits") or []):
            edit["op"] = edit_was["op"]
    return clean


def carried_receipt(receipt: list[dict[str, Any]], carried: bytes) -> list[dict[str, Any]]:
    """The receipt's rows counted in the bytes the capsule carries; rows with nothing there go.

    The plan's counts cover the whole session; a range capsule carries part of it, and its receipt
    must neither overstate nor hint at what the rest held.
    """
    out = []
    for row in receipt:
        n = carried.count(row["placeholder"].encode("utf-8"))
        if n:
            out.append({**row, "count": n})
    return out


@dataclass(slots=True, frozen=True)
class GateFinding:
    """A sure finding left in a finished member. `value` stays in memory: it is how the seal finds
    the same text in the session's fields, and never goes into a message, a row or a file."""

    member: str
    line: int
    kind: str
    tier: str
    detector: str
    value: str = field(repr=False)
    # Where it lies in the text scanned (characters): `export --check` places a finding of a piece of
    # a file by it. Not part of what a finding is.
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    def row(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "line": self.line,
            "kind": self.kind,
            "tier": self.tier,
            "detector": self.detector,
        }


def second_gate(
    members: dict[str, bytes],
    scrubbed: Scrubbed,
    identity: Identity | None = None,
    structural: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Sure findings left in the finished members (never their values); empty when clean."""
    return [g.row() for g in gate_findings(members, scrubbed, identity, structural)]


def gate_findings(
    members: dict[str, bytes],
    scrubbed: Scrubbed,
    identity: Identity | None = None,
    structural: frozenset[str] = frozenset(),
    memo: GateMemo | None = None,
    scan_many: Callable[[list[str], Identity | None], list[list[Finding]]] | None = None,
    texts: list[tuple[str, int, str]] | None = None,
    own_keys: OwnKeys = NO_OWN_KEYS,
) -> list[GateFinding]:
    """Sure findings left in the finished members, by the same detectors the plan's scan runs.

    `structural` are values the capsule itself put there (commit ids, member digests): a
    40-hex commit id next to the word "aws" looks like an AWS secret to detect-secrets. Only a value
    shaped as one passes for one: the commit a log names is the log's text (Codex's `commit_hash`), and a
    token written there went out as "structural" in a capsule's base, a dataset's `git_commit`.
    `memo` answers for texts an earlier seal scanned with the same detectors and identity;
    `scan_many` (with a memo) scans the texts it does not know all at once, on every core
    (`redact.many.TextScanner`), before they are judged here one by one. `texts` are `gate_texts` of
    these very members where the caller has them already; `own_keys` as `gate_texts` takes them.
    """

    def scan(text: str) -> list[Finding]:
        return gate_scan(text, identity, scan_text)  # a text it cannot scan in time is a leak

    leaks: list[GateFinding] = []
    todo = gate_texts(members, own_keys) if texts is None else texts
    if memo is not None and scan_many is not None:
        unknown = memo.missing([text for _, _, text in todo])
        if unknown:
            memo.fill(unknown, scan_many(unknown, identity))
    with timed_scans():  # one ticking timer for every text scanned here
        sure = [(name, line_no, text, memo.sure(text, scan) if memo is not None else scan(text))
                for name, line_no, text in todo]  # fmt: skip
    for name, line_no, text, found in sure:
        for f in found:
            if f.tier != AUTO:
                continue
            value = text[f.start : f.end]
            if (
                (value in structural and is_commit_id(value))
                or is_gate_placeholder(value)
                # A repository path kept exact on purpose (`repo_path`): its user name is the file's.
                or (f.kind in PATH_KEEPS and _in_kept_path(text, f.start, f.end, scrubbed.kept_paths))
                # Within what the user kept (their decision covers it), not merely holding it: a
                # kept user name is in every `name:password` a credential's finding spans.
                or any(value in k for k in scrubbed.kept_values)
            ):
                continue
            leaks.append(GateFinding(name, line_no, f.kind, f.tier, f.detector, value, f.start, f.end))
    return leaks


def gate_scrubbed(obj: Any, identity: Identity | None = None, only: frozenset[str] | None = None) -> Any:
    """`obj` (JSON-like, built from logs with no plan: `blame --format agent-trace`) with every value
    the second gate finds in its strings replaced by a placeholder of its kind, keys included: what
    an export does with a value its plan never listed (`Scrubbed.widened`), by the same gate. `only`:
    the members whose values are the log's (a blame row's prompt), the rest (the repository's own
    lines, which the receiver reads in the repository anyway) neither scanned nor changed."""
    blank = Session(id="", agent="", source="")
    picked = obj if only is None else list(_members(obj, only))
    texts = [("record", 1, t) for t in dict.fromkeys(json_strings(picked)) if not inert(t)]
    found = gate_findings({}, Scrubbed(blank, [], []), identity, texts=texts)
    if not found:
        return obj
    scrubbed = Scrubbed(blank, [], [], new_placeholders([(g.kind, g.value) for g in found], []))
    return scrubbed.deep(obj) if only is None else _with_members(obj, only, scrubbed.deep)


def _members(obj: Any, keys: frozenset[str]) -> Iterator[Any]:
    """The values of `obj`'s members named by `keys`, at any depth."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys:
                yield v
            else:
                yield from _members(v, keys)
    elif isinstance(obj, list):
        for v in obj:
            yield from _members(v, keys)


def _with_members(obj: Any, keys: frozenset[str], change: Callable[[Any], Any]) -> Any:
    """`obj` with `change` applied to the values of its members named by `keys`, at any depth."""
    if isinstance(obj, dict):
        return {k: change(v) if k in keys else _with_members(v, keys, change) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_with_members(v, keys, change) for v in obj]
    return obj


def gate_texts(
    members: dict[str, bytes], own_keys: OwnKeys = NO_OWN_KEYS
) -> list[tuple[str, int, str]]:
    """(member, line, text) of every distinct text the gate scans in `members`, in its order.

    `own_keys`: names the writer gave the keys of its JSON lines' records (a Parquet row's columns).
    Such a key, at a record's top level, is the writer's word and no text of the log: it is not read
    there (the same string as a value, or deeper, is), nor a value under it that is one of the words
    the writer fills it from (`"role": "user"`). A Parquet session gives about 55 of them."""
    seen: set[str] = set()
    todo: list[tuple[str, int, str]] = []
    for name in sorted(members):
        for line_no, text in _texts(name, members[name], own_keys):
            if text in seen or inert(text):
                continue
            seen.add(text)
            todo.append((name, line_no, text))
    return todo


def _in_kept_path(text: str, start: int, end: int, paths: set[str]) -> bool:
    """Whether text[start:end] lies inside one of `paths` where `text` holds it (a page shows a path
    within a line; a table gives it alone)."""
    for path in paths:
        i = text.find(path)
        while i >= 0 and i <= start:
            if end <= i + len(path):
                return True
            i = text.find(path, i + 1)
    return False


def _texts(name: str, data: bytes, own_keys: OwnKeys = NO_OWN_KEYS) -> Iterator[tuple[int, str]]:
    """(line, text) for every string in a member: each JSON key and value, decoded, or the text.

    Decoded strings are what detectors are built for (a PEM block has real newlines, not `\\n`),
    and they are the same unit the plan was made on.
    """
    if not name.endswith((".json", ".jsonl")):
        yield 1, gate_text(name, data)
        return
    for line_no, line in enumerate(data.split(b"\n"), 1):
        if line:
            try:
                record = loads_whole(line)
            except orjson.JSONDecodeError:
                # An agent's own log (an export's raw format) may hold a torn or non-JSON line, or one
                # nested too deep to walk (TooDeep): it is scanned as the text it is, not let through.
                yield line_no, line.decode("utf-8", errors="replace")
                continue
            for text in json_strings(record, own_keys):
                yield line_no, text


_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def gate_text(name: str, data: bytes) -> str:
    """The one text the gate reads of a member that is not JSON (a page, a log of text)."""
    if name.endswith(".html"):
        # A page reads as the text it shows: the renderer's own tags are breaks between texts (a log's
        # `<` is written `&lt;`, so every tag is the renderer's), or a tag glued to a placeholder
        # (`&lt;TOKEN_1&gt;</span>`) reads as a value no placeholder is.
        return _TAG.sub("\n", data.decode("utf-8", errors="replace"))
    return data.decode("utf-8", errors="replace")
