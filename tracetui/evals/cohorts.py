"""Cohorts: sessions grouped by what a team changes between runs of its agents.

A session counts in every cohort its log names (a session that invoked two skills is in both); one
that names none is in the `(none)` cohort of that dimension. What each dimension reads:

- skill: Claude Code's Skill tool calls and slash commands (as the reader tags them), Codex's
  `/prompts:name`, and a prompt whose first word is `/name` where another session starts so too
  (`shared_commands`: a lone one may be a pasted shell prompt);
- model, agent, version (the agent's, as `agent version`), repo (the git remote the log names, else
  the project folder);
- template: the first prompt's file (an `@path` it names) or its first words; a template only one
  session used is no cohort (`(none)`).
"""

from __future__ import annotations

import re
from collections import Counter

from tracetui.model import Session, StepKind
from tracetui.safe_text import clip, safe_line

BY = ("skill", "model", "agent", "version", "repo", "template")
NONE = "(none)"
TEMPLATE_WORDS = 6  # first prompts that agree on this many words share a template
_SLASH = re.compile(r"^/([A-Za-z0-9][\w:.-]{0,63})(?=\s|$)")
_TAGGED_PROMPT = "prompts:"  # Codex's custom prompts: the agent's own naming, no guess
GUESS = "?"  # marks a `/name` read off a prompt's first word, kept only where sessions share it
_FILE = re.compile(r"(?:^|\s)@([\w./-]{1,200}\.\w{1,10})\b")
KEY_MAX = 80


def keys(session: Session, by: str) -> list[str]:
    """The cohorts of dimension `by` the session is in (a template's raw key: see `shared_templates`)."""
    if by == "agent":
        return [session.agent]
    if by == "model":
        return sorted({_key(m) for m in session.models if m}) or [NONE]
    if by == "version":
        return [f"{session.agent} {_key(session.version)}" if session.version else NONE]
    if by == "repo":
        remote = session.git.remote if session.git else None
        return [_key(_remote_name(remote)) if remote else _key(session.project) if session.project else NONE]
    if by == "skill":
        return sorted(skills(session)) or [NONE]
    if by == "template":
        return [template(session) or NONE]
    raise ValueError(by)


def skills(session: Session) -> set[str]:
    """The skills and commands the session invoked, as `/name` (a slash command, a prompt) or `skill:name`."""
    found: set[str] = set()
    for step in session.steps:
        if step.copied:  # a fork's copy of its parent's steps is the parent's choice
            continue
        if step.kind == StepKind.TOOL_CALL and (step.tool or "").lower() == "skill":
            args = step.tool_input if isinstance(step.tool_input, dict) else {}
            name = args.get("skill") or args.get("command") or args.get("name")
            if isinstance(name, str) and name.strip():
                found.add("skill:" + _key(name.strip().lstrip("/")))
        elif step.kind == StepKind.USER:
            command = step.meta.get("command")
            if isinstance(command, str) and command.strip():
                found.add(_key(command.strip()))
                continue
            m = _SLASH.match(step.text.lstrip())
            if m:
                name = "/" + _key(m.group(1))
                found.add(name if m.group(1).startswith(_TAGGED_PROMPT) else GUESS + name)
    return found


def template(session: Session) -> str | None:
    """The first prompt's template: `file:PATH` where it names a file with `@`, else its first words."""
    first = next((s for s in session.steps if s.kind == StepKind.USER and s.text.strip() and not s.copied), None)
    if first is None:
        return None
    text = first.text.strip()
    named = _FILE.search(text)
    if named:
        return "file:" + _key(named.group(1))
    words = text.lower().split()
    if len(words) < TEMPLATE_WORDS:
        return None  # a short prompt shares no template, only words
    return _key(" ".join(words[:TEMPLATE_WORDS])) + " …"


def shared_templates(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """{session: template keys} with the templates only one session used made `(none)`."""
    used = Counter(k for ks in found.values() for k in ks)
    return {sid: [k if used[k] > 1 and k != NONE else NONE for k in ks] for sid, ks in found.items()}


def shared_commands(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """{session: skill keys} with each guessed `/name` kept where a second session starts with it too,
    or a log tagged it as a command; a lone guess is dropped (a session left with none: `(none)`)."""
    tagged = {k for ks in found.values() for k in ks if not k.startswith(GUESS)}
    used = Counter(k for ks in found.values() for k in set(ks) if k.startswith(GUESS))
    out: dict[str, list[str]] = {}
    for sid, ks in found.items():
        kept = {k.removeprefix(GUESS) for k in ks if not k.startswith(GUESS) or used[k] > 1 or k[1:] in tagged}
        out[sid] = sorted(kept - {NONE}) or [NONE]
    return out


def _remote_name(remote: str) -> str:
    """`owner/name` of a git remote URL where it has one (https, ssh and scp-like forms)."""
    text = remote.strip().rstrip("/")
    if text.endswith(".git"):
        text = text[:-4]
    parts = re.split(r"[/:]", text)
    tail = [p for p in parts if p][-2:]
    return "/".join(tail) if len(tail) == 2 else text


def _key(value: str | None) -> str:
    """A cohort name as the log gives it, made one safe short line (it is hostile text)."""
    return safe_line(clip(value or "", KEY_MAX))
