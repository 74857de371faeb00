"""The `html` and `md` formats: one episode (`--sessions ID --steps A:B`) as a page to paste into an
issue: prompts, answers, tool calls folded with their results, the episode's diffs with a survival
badge each, and the outcome labels. Redacted like every format, and scanned by the second gate both
as the text it shows and as the page's own bytes.

Every string from the log is hostile: in HTML it is escaped (after control and invisible format
characters are made visible, as on a terminal), and the page has no script, no external asset and no
link of ours; it reads the same with scripts off. In Markdown, log text only ever sits inside fenced
code blocks whose fence is longer than any run of backticks in it, and the one HTML element used
(`<details>`, for folding) carries escaped text only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from tracetui import __version__
from tracetui.capsule.scope import select_steps
from tracetui.capsule.scrub import session_lines_view
from tracetui.cost import steps_cost
from tracetui.errors import TracetuiError
from tracetui.export.labels import LINE_STATES
from tracetui.export.manifest import safe_component
from tracetui.export.tables import patch_rows
from tracetui.model import Session, Step, StepKind
from tracetui.safe_text import clip, safe_line, safe_text, unpinged
from tracetui.trail.line_identity import written

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Prepared, Reviewed
    from tracetui.model import SessionSummary

RESULT_LIMIT = 20_000  # characters of one tool result shown (the rest is said, not shown)
# Characters a page should stay under: GitHub takes 65,536 in an issue's body, and the words a user
# writes around a pasted page need some room.
PAGE_LIMIT = 60_000
_TICKS = re.compile(r"`+")
# The page's words, as templates the writer fills: `export --check` reads a page back by these same
# templates (`check_views`), leaving their words out and reading the values that came from the log.
TITLE = "{title} (steps {first} to {last})"
SESSION = ("{agent} session {id}, started {started}, project {project}; exported redacted by tracetui "
           "{version}{compact}.")  # fmt: skip
COMPACT = " (compact: tool results folded to a line, long texts cut)"
EPISODE = "This episode (steps {first} to {last}) at {ref}: {outcome}; cost {cost}.{copied}"
# A fork's copies of its parent's steps are shown, and their edits are the parent's run (`own_only`):
# the header says so rather than count none of what the page shows being made.
COPIED = " Its {n} patches copied from the session it was forked from are counted there, not here."
WHOLE = "The whole session ({steps} steps): {outcome}; cost {cost}."
OUTCOME = "{added} lines added, {states}; {tests}"
STATE_LINES = "{n} {state}"
SEP = ", "  # between the states of an outcome
TESTS_RUN = "tests run {n}"
LAST_EXIT = ", last exit {code}"
UNKNOWN = "unknown"  # a time, a project or an exit status the log did not give
UNPRICED = "unknown (a model the price table lacks)"
NO_COST = "none recorded"
MONEY = "${value:,.4f}"
GAP = ("{n} steps ({first} to {last}) left out to fit {chars:,} characters: export them with "
       "--steps {first}:{last}")  # fmt: skip
INPUT, RESULT, ERROR = "input", "result", " (error)"  # a tool call's bodies' names
REASONING = "reasoning"  # a folded reasoning step's summary
TOOL = "tool"  # a tool call's name where the log gave none
SUMMARY = "{tool}: {what}"  # a folded tool call's summary
NOTE_KINDS = (StepKind.SUBAGENT_START, StepKind.SUBAGENT_END, StepKind.MODEL_CHANGE)  # steps shown as a note
NOTE = "{kind} {name}"  # such a step's note: its kind and the subagent or model it names (none: the kind)
IN_COMMIT = " in {commit}"  # after a diff's state
# The HTML page's tags (as opened, `<{tag}>`) that say which part a text is in: `export --check` leaves a
# part's own words out by them (`check_views.html_view`). A diff's badge has a class of its state where
# the style colours that state (`BADGED`, else none).
DOCTYPE = "<!DOCTYPE html>\n"
TAG_STYLE, TAG_TITLE, TAG_HEADING, TAG_SUMMARY = "style", "title", "h1", "summary"
TAG_META = 'p class="meta"'
TAG_BADGE = 'span class="badge {state}"'


def label(kind: str) -> str:
    """A step's kind as the page names it (`tool_call`: `tool call`)."""
    return kind.replace("_", " ")


_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1f2328;
overflow-wrap:anywhere}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
.step{border-left:3px solid #d0d7de;padding:.2em .8em;margin:1em 0}.user{border-color:#0969da}
.assistant{border-color:#8250df}.system{border-color:#9a6700}.meta{color:#59636e;font-size:13px}
.badge{font-size:12px;padding:.1em .5em;border-radius:1em;background:#eaeef2}
.alive{background:#dafbe1}.transformed{background:#fff8c5}
.reverted{background:#ffebe9}.lost{background:#ffebe9}
.add{color:#116329}.del{color:#82071e}
""".strip()
BADGED = tuple(s for s in LINE_STATES if f".{s}{{" in _STYLE)  # the line states the style colours


def _in(tag: str, text: str) -> str:
    """`text` in the element `tag` opens (its name and attributes)."""
    return f"<{tag}>{text}</{tag.split(' ', 1)[0]}>"


class PageWriter:
    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.kind = exporter.options.format

    def digest_extra(self, summary: SessionSummary) -> bytes:
        return b""

    def write(self, reviewed: list[Reviewed], step: Callable[[str], None]) -> None:
        if len(reviewed) != 1:
            raise TracetuiError(
                f"--format {self.kind} exports one episode: choose one session (--sessions ID)"
            )
        ex = self.exporter
        [item] = reviewed
        prepared = None if ex.keep_session(item) else ex.prepare(item.summary.id)
        if prepared is not None:
            episode = select_steps(prepared.clean, ex.options.steps)
            a, b = episode[0].index, episode[-1].index
            rel = f"{safe_component(item.summary.id)}-steps-{a}-{b}.{self.kind}"

            views: dict[bytes, bytes] = {}  # a page built -> what the gate reads of it

            def build() -> dict[str, bytes]:
                # From the scrubbed copy as the gate last left it (it may scrub more and build again).
                shown = select_steps(prepared.clean, ex.options.steps)
                page = render(prepared, shown, self.kind, ex.options.compact)
                views[page.page] = page.log_text
                return {
                    rel: page.page,
                    "episode.jsonl": b"\n".join(orjson.dumps(s.to_dict()) for s in shown),
                }

            def view(data: bytes) -> bytes:
                # The page as the log's text on it; the episode's steps as their log's strings.
                return views[data] if data in views else session_lines_view(data)

            members = ex.gated(prepared, build, view)
            if members is not None:
                page, shown = members[rel], members["episode.jsonl"]
                # Counted on the text the page shows (HTML escapes a placeholder's angle brackets).
                receipt_file, entry = ex.receipt(prepared, shown)
                ex.record(prepared, item.digest, [ex.dest.write(rel, page), receipt_file], entry)
                chars = page_chars(page)
                if chars > PAGE_LIMIT:
                    ex.report.warnings.append(
                        f"{rel} is {chars:,} characters, over {PAGE_LIMIT:,} (GitHub takes 65,536 in an issue): "
                        + ("choose fewer steps (--steps)" if ex.options.compact else "export it again with --compact "
                           "(tool results folded to a line), or choose fewer steps (--steps)")
                    )
        step(item.summary.id)


@dataclass(frozen=True, slots=True)
class _Shape:
    """How much of each step a page shows. The full page shows everything (a tool result up to
    RESULT_LIMIT); a compact one folds each tool result to its first line and clips the rest."""

    text: int | None = None  # characters of a prompt, an answer or reasoning
    result_line: bool = False  # a tool result as its first line and its length
    input_chars: int | None = None  # characters of a tool call's arguments
    diff_lines: int | None = None  # lines of each diff
    keep: int | None = None  # steps shown from each end of the episode (the middle is said, not shown)


# Ever tighter shapes for --compact, tried in order until the page fits under PAGE_LIMIT.
_COMPACT = (
    _Shape(4_000, True, 600, 80),
    _Shape(1_500, True, 300, 30),
    _Shape(500, True, 160, 12),
    _Shape(160, True, 100, 4),
    _Shape(80, True, 60, 0),
)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A page, and the log's text on it as the page shows it, each piece on lines of its own: what the
    second gate reads. The page's own words (`steps 0 to 4`, a step's kind, a badge, its style) are
    the same in every export: a user or host named like one was found there, where no scrub could take
    it out, and the session was refused."""

    page: bytes
    log_text: bytes


def render(prepared: Prepared, episode: list[Step], kind: str, compact: bool = False) -> Rendered:
    """The page; with `compact`, the first of ever tighter shapes that fits under PAGE_LIMIT
    characters, and where even the tightest does not, the episode's two ends with its middle said."""
    if not compact:
        return _render(prepared, episode, kind, _Shape()).rendered()
    for shape in _COMPACT:
        page = _render(prepared, episode, kind, shape)
        if page.chars <= PAGE_LIMIT:
            return page.rendered()
    keep = len(episode) // 2
    while keep > 1:
        keep //= 2
        page = _render(prepared, episode, kind, _Shape(80, True, 60, 0, keep))
        if page.chars <= PAGE_LIMIT:
            break
    return page.rendered()


def page_chars(page: bytes) -> int:
    """What GitHub counts of a page pasted into an issue: its characters."""
    return len(page.decode("utf-8", "replace"))


def episode_outcome(prepared: Prepared, episode: list[Step]) -> dict[str, Any]:
    """The episode's own outcome: the lines its patches added and their states, the test commands
    it ran (with the last exit status) and what its requests cost, beside the whole session's."""
    ids = {s.id for s in episode}
    indexes = {s.index for s in episode}
    lines = {state: 0 for state in LINE_STATES}
    added = 0
    for fate in prepared.outcome.fates:
        if fate.patch.step_id in ids:
            n = written(fate.patch)
            added += n
            lines[fate.state] = lines.get(fate.state, 0) + n
    tests = [t for t in prepared.outcome.tests if t.get("step") in indexes]
    priced = steps_cost(prepared.clean.steps, list(prepared.clean.models))
    prices = [priced.steps[i] for i in ids if i in priced.steps]
    cost = None if any(p is None for p in prices) else sum(p for p in prices if p is not None)
    return {
        "lines_added": added,
        **{f"lines_{state}": n for state, n in lines.items()},
        "tests": len(tests),
        "tests_last_exit": tests[-1]["exit_code"] if tests else None,
        "cost_usd": cost if prices else None,
        "cost_known": not prices or cost is not None,
        "session_cost_usd": priced.cost_usd,
    }


def _outcome_line(lines: dict[str, Any], tests: int, last: Any) -> str:
    shown = [s for s in LINE_STATES if s in ("alive", "transformed", "reverted", "lost")
             or lines[f"lines_{s}"]]  # fmt: skip
    states = SEP.join(STATE_LINES.format(n=lines[f"lines_{state}"], state=state) for state in shown)
    code = UNKNOWN if last is None else last
    ran = TESTS_RUN.format(n=tests) + (LAST_EXIT.format(code=code) if tests else "")
    return OUTCOME.format(added=lines["lines_added"], states=states, tests=ran)


def _copied(session: Session, episode: list[Step]) -> str:
    if not any(s.copied and s.edits for s in episode):
        return ""
    from tracetui.trail import session_patches

    ids = {s.id for s in episode}
    return COPIED.format(n=sum(1 for p in session_patches(session) if p.copied and p.step_id in ids))


def _money(value: float | None, known: bool = True) -> str:
    if not known:
        return UNPRICED
    return NO_COST if value is None else MONEY.format(value=value)


def _render(prepared: Prepared, episode: list[Step], kind: str, shape: _Shape) -> _Page:
    clean = prepared.clean
    ids = {s.id for s in episode}
    results = {s.tool_call_id: s for s in clean.steps if s.kind == StepKind.TOOL_RESULT and s.tool_call_id}
    patches: dict[str, list[dict[str, Any]]] = {}
    for row in patch_rows(prepared):
        if row["step_id"] in ids:
            patches.setdefault(row["step_id"], []).append(row)
    labels = prepared.labels()
    own = episode_outcome(prepared, episode)
    page = _Html() if kind == "html" else _Markdown()
    title = clean.title or clean.id
    first, last = episode[0].index, episode[-1].index
    page.title(TITLE.format(title=title, first=first, last=last), title)
    page.meta(
        SESSION.format(agent=clean.agent, id=clean.id, started=clean.started or UNKNOWN,
                       project=clean.project or UNKNOWN, version=__version__,
                       compact=COMPACT if shape.result_line else ""),
        clean.id, clean.started, clean.project,
    )  # fmt: skip
    page.meta(EPISODE.format(first=first, last=last, ref=labels["ref"],
                             outcome=_outcome_line(own, own["tests"], own["tests_last_exit"]),
                             cost=_money(own["cost_usd"], own["cost_known"]),
                             copied=_copied(clean, episode)), labels["ref"])  # fmt: skip
    page.meta(WHOLE.format(steps=len(clean.steps),
                           outcome=_outcome_line(labels, len(labels["tests"]), labels["tests_last_exit"]),
                           cost=_money(own["session_cost_usd"])))  # fmt: skip
    calls = {x.tool_call_id for x in episode}
    shown = [s for s in episode if not (s.kind == StepKind.TOOL_RESULT and s.tool_call_id in calls)]
    if shape.keep is not None and len(shown) > 2 * shape.keep:
        middle = shown[shape.keep:-shape.keep]
        first_left, last_left = middle[0].index, middle[-1].index
        gap = (shape.keep, GAP.format(n=len(middle), first=first_left, last=last_left, chars=PAGE_LIMIT))
        shown = shown[: shape.keep] + shown[-shape.keep:]
    else:
        gap = None
    for n, s in enumerate(shown):
        if gap is not None and n == gap[0]:
            page.note(s.index, gap[1])
        if s.kind == StepKind.TOOL_CALL:
            result = results.get(s.tool_call_id) if s.tool_call_id else None
            arguments = (
                orjson.dumps(s.tool_input, option=orjson.OPT_INDENT_2).decode()
                if s.tool_input is not None
                else ""
            )
            body = [(INPUT, _cut(arguments, shape.input_chars))]
            if result is not None:
                name = RESULT + (ERROR if result.is_error else "")
                body.append((name, _first_line(result.text) if shape.result_line else clip(result.text, RESULT_LIMIT)))
            summary = SUMMARY.format(tool=s.tool or TOOL, what=_summary(s))
            page.folded(s.index, summary, body, s.tool, _summary(s))
            for row in patches.get(s.id, ()):
                page.diff(row["path"], row["state"], row["commit"], _diff_cut(row["diff"], shape.diff_lines))
        elif s.kind == StepKind.REASONING:
            page.folded(s.index, REASONING, [("", _cut(s.text, shape.text))])
        elif s.kind in NOTE_KINDS:
            page.note(s.index, NOTE.format(kind=label(s.kind), name=s.subagent or s.model or "").strip(),
                      s.subagent or s.model)
        else:
            role = {"user": "user", "assistant": "assistant"}.get(s.kind, "system")
            page.text(s.index, role, label(s.kind), _cut(s.text, shape.text))
    return page


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def _first_line(text: str) -> str:
    """A tool result folded to a line: its first non-blank line, and how much it left out."""
    rows = text.splitlines()
    first = next((r for r in rows if r.strip()), "")
    first = first if len(first) <= 160 else first[:160] + "…"
    more = len(rows) - 1
    return f"{first}  ({len(rows):,} lines, {len(text):,} characters)" if more > 0 or len(first) < len(text) else first


def _diff_cut(diff: str, limit: int | None) -> str:
    if limit is None:
        return diff
    rows = diff.split("\n")
    if len(rows) <= limit:
        return diff
    return "\n".join(rows[:limit] + [f"… {len(rows) - limit:,} more lines"])


def _summary(s: Step) -> str:
    from tracetui.export.labels import command_of

    command = command_of(s.tool_input)
    if command:
        return clip(command, 120)
    if isinstance(s.tool_input, dict):
        for key in ("file_path", "path", "pattern", "description", "query"):
            value = s.tool_input.get(key)
            if isinstance(value, str):
                return clip(value, 120)
    return ""


class _Page:
    """A page being written: its parts, and the log's text on it as the page shows it (`log`), each
    piece as the page writes it (escaped, its markup with it), for the gate. A method is given the
    text it writes and, after it, the log's pieces within it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.log: list[str] = []

    def finish(self) -> str:
        raise NotImplementedError

    @property
    def chars(self) -> int:
        return len(self.finish())

    def rendered(self) -> Rendered:
        # A blank line between pieces, as a step's label line stood between them on the page.
        return Rendered(self.finish().encode("utf-8"), "\n\n".join(self.log).encode("utf-8"))

    def _logged(self, shown: Callable[[str], str], pieces: tuple[str | None, ...]) -> None:
        self.log.extend(shown(p) for p in pieces if p)


def _html_number(index: int) -> str:
    return f"#{index}"


class _Html(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.head = ""

    @staticmethod
    def esc(text: str) -> str:
        return html.escape(safe_text(text), quote=True)

    def title(self, text: str, *log: str | None) -> None:
        self.head = self.esc(safe_line(text))
        self.parts.append(_in(TAG_HEADING, self.head))
        self._logged(lambda p: self.esc(safe_line(p)), log)

    def meta(self, text: str, *log: str | None) -> None:
        self.parts.append(_in(TAG_META, self.esc(text)))
        self._logged(self.esc, log)

    def text(self, index: int, role: str, label: str, text: str) -> None:
        self.parts.append(
            f'<div class="step {role}">{_in(TAG_META, f"{_html_number(index)} {self.esc(label)}")}'
            f"<pre>{self.esc(text)}</pre></div>"
        )
        self._logged(self.esc, (text,))

    def note(self, index: int, text: str, *log: str | None) -> None:
        self.parts.append(_in(TAG_META, f"{_html_number(index)} {self.esc(text)}"))
        self._logged(self.esc, log)

    def folded(self, index: int, summary: str, body: list[tuple[str, str]], *log: str | None) -> None:
        inner = "".join(
            (_in(TAG_META, self.esc(name)) if name else "") + f"<pre>{self.esc(text)}</pre>"
            for name, text in body
        )
        head = _in(TAG_SUMMARY, f"{_html_number(index)} {self.esc(safe_line(summary))}")
        self.parts.append(f'<details class="step assistant">{head}{inner}</details>')
        self._logged(lambda p: self.esc(safe_line(p)), log)
        self._logged(self.esc, tuple(text for _, text in body))

    def diff(self, path: str, state: str, commit: str | None, diff: str) -> None:
        lines = []
        for line in diff.split("\n"):
            cls = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
            lines.append(f'<span class="{cls}">{self.esc(line)}</span>' if cls else self.esc(line))
        where = IN_COMMIT.format(commit=commit[:12]) if commit else ""
        badged = TAG_BADGE.format(state=state if state in BADGED else "")
        badge = _in(badged, self.esc(state) + self.esc(where))
        meta = _in(TAG_META, f"{self.esc(path)} {badge}")
        self.parts.append(f'<div class="step">{meta}<pre>{chr(10).join(lines)}</pre></div>')
        self._logged(self.esc, (path, commit[:12] if commit else None))
        self.log.append(chr(10).join(lines))

    def finish(self) -> str:
        return (
            f'{DOCTYPE}<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"{_in(TAG_TITLE, self.head)}{_in(TAG_STYLE, _STYLE)}</head><body>\n"
            + "\n".join(self.parts)
            + "\n</body></html>\n"
        )


# A Markdown page's lines around the log's text (its fenced blocks are `fenced`'s).
MD_TITLE = "# {text}"
MD_STEP = "**{number} {label}**"
MD_NOTE = "*{number} {text}*"
MD_SUMMARY = "<details><summary>{number} {summary}</summary>"
MD_FOLDED_END = "</details>"
MD_PATH = "**{path}**: {state}"
MD_FENCES = ("text", "diff")  # a fenced block's languages


def _number(index: int) -> str:
    """A step's number on a Markdown page: `#3` unpinged, or GitHub would link issue 3 of the
    repository the page is pasted in, and show the page on that issue's thread."""
    return unpinged(f"#{index}")


class _Markdown(_Page):
    @staticmethod
    def fenced(text: str, lang: str = MD_FENCES[0]) -> str:
        text = safe_text(text)
        longest = max((len(m.group(0)) for m in _TICKS.finditer(text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}{lang}\n{text}\n{fence}"

    @staticmethod
    def inline(text: str) -> str:
        """Log text outside a code block (a `<details>` summary): escaped as HTML, Markdown's
        specials backslashed, on one line."""
        # Quotes kept: no attribute holds this text, and the `#` of `&#x27;`, backslashed below, made
        # every apostrophe of a title read `&#x27;` on the page.
        plain = html.escape(safe_line(text), quote=False)
        return unpinged(re.sub(r"([\\`*_{}\[\]()#+!|~>])", r"\\\1", plain))

    def title(self, text: str, *log: str | None) -> None:
        self.parts.append(MD_TITLE.format(text=self.inline(text)))
        self._logged(self.inline, log)

    def meta(self, text: str, *log: str | None) -> None:
        self.parts.append(self.inline(text))
        self._logged(self.inline, log)

    def text(self, index: int, role: str, label: str, text: str) -> None:
        head = MD_STEP.format(number=_number(index), label=self.inline(label))
        self.parts.append(f"{head}\n\n{self.fenced(text)}")
        self._logged(safe_text, (text,))

    def note(self, index: int, text: str, *log: str | None) -> None:
        self.parts.append(MD_NOTE.format(number=_number(index), text=self.inline(text)))
        self._logged(self.inline, log)

    def folded(self, index: int, summary: str, body: list[tuple[str, str]], *log: str | None) -> None:
        inner = "\n\n".join(
            (f"{self.inline(name)}\n\n" if name else "") + self.fenced(text) for name, text in body
        )
        head = MD_SUMMARY.format(number=_number(index), summary=self.inline(summary))
        self.parts.append(f"{head}\n\n{inner}\n\n{MD_FOLDED_END}")
        self._logged(self.inline, log)
        self._logged(safe_text, tuple(text for _, text in body))

    def diff(self, path: str, state: str, commit: str | None, diff: str) -> None:
        where = IN_COMMIT.format(commit=commit[:12]) if commit else ""
        head = MD_PATH.format(path=self.inline(path), state=self.inline(state + where))
        self.parts.append(f"{head}\n\n{self.fenced(diff, MD_FENCES[1])}")
        self._logged(self.inline, (path, commit[:12] if commit else None))
        self._logged(safe_text, (diff,))

    def finish(self) -> str:
        return "\n\n".join(self.parts) + "\n"


# How each page writes a text of the log outside code, and a step's number: `check_views` reads the
# page's own words back through them.
ESCAPES: dict[str, Callable[[str], str]] = {"html": _Html.esc, "md": _Markdown.inline}
NUMBERS: dict[str, Callable[[int], str]] = {"html": _html_number, "md": _number}
