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
from typing import TYPE_CHECKING, Any

import orjson

from tracetui import __version__
from tracetui.capsule.scope import select_steps
from tracetui.errors import TracetuiError
from tracetui.export.manifest import safe_component
from tracetui.export.tables import patch_rows
from tracetui.model import Step, StepKind
from tracetui.safe_text import clip, safe_line, safe_text

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Prepared, Reviewed
    from tracetui.model import SessionSummary

RESULT_LIMIT = 20_000  # characters of one tool result shown (the rest is said, not shown)
_TICKS = re.compile(r"`+")
_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1f2328}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
.step{border-left:3px solid #d0d7de;padding:.2em .8em;margin:1em 0}.user{border-color:#0969da}
.assistant{border-color:#8250df}.system{border-color:#9a6700}.meta{color:#59636e;font-size:13px}
.badge{font-size:12px;padding:.1em .5em;border-radius:1em;background:#eaeef2}
.alive{background:#dafbe1}.transformed{background:#fff8c5}
.reverted{background:#ffebe9}.lost{background:#ffebe9}
.add{color:#116329}.del{color:#82071e}
""".strip()


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

            def build() -> dict[str, bytes]:
                # From the scrubbed copy as the gate last left it (it may scrub more and build again).
                shown = select_steps(prepared.clean, ex.options.steps)
                return {
                    rel: render(prepared, shown, self.kind),
                    "episode.jsonl": b"\n".join(orjson.dumps(s.to_dict()) for s in shown),
                }

            members = ex.gated(prepared, build)
            if members is not None:
                page, shown = members[rel], members["episode.jsonl"]
                # Counted on the text the page shows (HTML escapes a placeholder's angle brackets).
                receipt_file, entry = ex.receipt(prepared, shown)
                ex.record(prepared, item.digest, [ex.dest.write(rel, page), receipt_file], entry)
        step(item.summary.id)


def render(prepared: Prepared, episode: list[Step], kind: str) -> bytes:
    clean = prepared.clean
    ids = {s.id for s in episode}
    results = {s.tool_call_id: s for s in clean.steps if s.kind == StepKind.TOOL_RESULT and s.tool_call_id}
    patches: dict[str, list[dict[str, Any]]] = {}
    for row in patch_rows(prepared):
        if row["step_id"] in ids:
            patches.setdefault(row["step_id"], []).append(row)
    labels = prepared.labels()
    page = _Html() if kind == "html" else _Markdown()
    title = clean.title or clean.id
    page.title(f"{title} (steps {episode[0].index} to {episode[-1].index})")
    page.meta(
        f"{clean.agent} session {clean.id}, started {clean.started or 'unknown'}, "
        f"project {clean.project or 'unknown'}; "
        f"exported redacted by tracetui {__version__}."
    )
    page.meta(
        f"Outcome at {labels['ref']}: {labels['lines_added']} lines added, {labels['lines_alive']} alive, "
        f"{labels['lines_transformed']} transformed, {labels['lines_reverted']} reverted, "
        f"{labels['lines_lost']} lost; "
        f"tests run {len(labels['tests'])}, last exit {labels['tests_last_exit']}."
    )
    for s in episode:
        if s.kind == StepKind.TOOL_RESULT and s.tool_call_id in {x.tool_call_id for x in episode}:
            continue  # shown folded under its call
        if s.kind == StepKind.TOOL_CALL:
            result = results.get(s.tool_call_id) if s.tool_call_id else None
            arguments = (
                orjson.dumps(s.tool_input, option=orjson.OPT_INDENT_2).decode()
                if s.tool_input is not None
                else ""
            )
            body = [("input", arguments)]
            if result is not None:
                body.append(
                    ("result" + (" (error)" if result.is_error else ""), clip(result.text, RESULT_LIMIT))
                )
            page.folded(s.index, f"{s.tool or 'tool'}: {_summary(s)}", body)
            for row in patches.get(s.id, ()):
                page.diff(row["path"], row["state"], row["commit"], row["diff"])
        elif s.kind == StepKind.REASONING:
            page.folded(s.index, "reasoning", [("", s.text)])
        elif s.kind in (StepKind.SUBAGENT_START, StepKind.SUBAGENT_END, StepKind.MODEL_CHANGE):
            page.note(s.index, f"{s.kind.replace('_', ' ')} {s.subagent or s.model or ''}".strip())
        else:
            role = {"user": "user", "assistant": "assistant"}.get(s.kind, "system")
            page.text(s.index, role, s.kind.replace("_", " "), s.text)
    return page.finish().encode("utf-8")


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


class _Html:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.head = ""

    @staticmethod
    def esc(text: str) -> str:
        return html.escape(safe_text(text), quote=True)

    def title(self, text: str) -> None:
        self.head = self.esc(safe_line(text))
        self.parts.append(f"<h1>{self.head}</h1>")

    def meta(self, text: str) -> None:
        self.parts.append(f'<p class="meta">{self.esc(text)}</p>')

    def text(self, index: int, role: str, label: str, text: str) -> None:
        self.parts.append(
            f'<div class="step {role}"><p class="meta">#{index} {self.esc(label)}</p>'
            f"<pre>{self.esc(text)}</pre></div>"
        )

    def note(self, index: int, text: str) -> None:
        self.parts.append(f'<p class="meta">#{index} {self.esc(text)}</p>')

    def folded(self, index: int, summary: str, body: list[tuple[str, str]]) -> None:
        inner = "".join(
            (f'<p class="meta">{self.esc(name)}</p>' if name else "") + f"<pre>{self.esc(text)}</pre>"
            for name, text in body
        )
        self.parts.append(
            f'<details class="step assistant"><summary>#{index} {self.esc(safe_line(summary))}</summary>'
            f"{inner}</details>"
        )

    def diff(self, path: str, state: str, commit: str | None, diff: str) -> None:
        lines = []
        for line in diff.split("\n"):
            cls = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
            lines.append(f'<span class="{cls}">{self.esc(line)}</span>' if cls else self.esc(line))
        state_cls = state if state in ("alive", "transformed", "reverted", "lost") else ""
        where = f" in {commit[:12]}" if commit else ""
        self.parts.append(
            f'<div class="step"><p class="meta">{self.esc(path)} <span class="badge {state_cls}">'
            f"{self.esc(state)}{self.esc(where)}</span></p><pre>{chr(10).join(lines)}</pre></div>"
        )

    def finish(self) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{self.head}</title><style>{_STYLE}</style></head><body>\n"
            + "\n".join(self.parts)
            + "\n</body></html>\n"
        )


class _Markdown:
    def __init__(self) -> None:
        self.parts: list[str] = []

    @staticmethod
    def fenced(text: str, lang: str = "text") -> str:
        text = safe_text(text)
        longest = max((len(m.group(0)) for m in _TICKS.finditer(text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}{lang}\n{text}\n{fence}"

    @staticmethod
    def inline(text: str) -> str:
        """Log text outside a code block (a `<details>` summary): escaped as HTML, Markdown's
        specials backslashed, on one line."""
        plain = html.escape(safe_line(text), quote=True)
        return re.sub(r"([\\`*_{}\[\]()#+!|~>])", r"\\\1", plain)

    def title(self, text: str) -> None:
        self.parts.append(f"# {self.inline(text)}")

    def meta(self, text: str) -> None:
        self.parts.append(self.inline(text))

    def text(self, index: int, role: str, label: str, text: str) -> None:
        self.parts.append(f"**#{index} {self.inline(label)}**\n\n{self.fenced(text)}")

    def note(self, index: int, text: str) -> None:
        self.parts.append(f"*#{index} {self.inline(text)}*")

    def folded(self, index: int, summary: str, body: list[tuple[str, str]]) -> None:
        inner = "\n\n".join(
            (f"{self.inline(name)}\n\n" if name else "") + self.fenced(text) for name, text in body
        )
        self.parts.append(
            f"<details><summary>#{index} {self.inline(summary)}</summary>\n\n{inner}\n\n</details>"
        )

    def diff(self, path: str, state: str, commit: str | None, diff: str) -> None:
        where = f" in {commit[:12]}" if commit else ""
        self.parts.append(
            f"**{self.inline(path)}**: {self.inline(state + where)}\n\n{self.fenced(diff, 'diff')}"
        )

    def finish(self) -> str:
        return "\n\n".join(self.parts) + "\n"
