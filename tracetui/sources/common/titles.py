"""Session titles, and which sessions a listing leaves out, decided once for every agent.

More in docs/internals/sources.md, `sources/common/titles.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tracetui.model import Step, StepKind, Tokens

TITLE_LIMIT = 200

# Why a listing leaves a session out unless asked for everything (`Session.hidden`).
HIDDEN_EMPTY = "empty"  # no prompt and nothing the model did: an agent opened and closed
HIDDEN_WARMUP = "warm-up"  # a cache warm-up run the agent started by itself, whose parent is absent
HIDDEN_COMMANDS = "commands only"  # only the CLI's own commands (/quit, /mcp list), nothing asked of a model
# Only a queued prompt (Claude Code's `queue-operation` records, nothing else): the run ended before the
# prompt reached the conversation, so nothing was answered (a harness's probe, a run stopped at once).
HIDDEN_QUEUED = "queued only"
# A run the agent started by itself (Claude Code's compaction summarizer, next-prompt suggestion, `/btw`
# side question; the Codex VS Code extension's task-title run) read without the session it served: its
# prompt is the agent's, not the user's.
HIDDEN_OWN_RUN = "agent's own run"

# Blocks dropped with everything they hold, wherever they are.
_DROPPED_TAGS = (
    "ide_opened_file",
    "ide_selection",
    "ide_diagnostics",
    "system-reminder",
    "local-command-caveat",
    "local-command-stdout",
    "local-command-stderr",
    "bash-stdout",
    "bash-stderr",
    "task-notification",
    "user-prompt-submit-hook",
    "user-memory-input",
    "command-message",
    "command-contents",
    "environment_context",
    "user_instructions",
    "INSTRUCTIONS",
    "permissions instructions",
    "turn_aborted",
    "collaboration_mode",
    "model_switch",
    "personality_spec",
    "subagent_notification",
    "user_shell_command",
    "skill",
    "image",
    "file",
    "current_datetime",  # early Copilot CLI builds wrote the date into the prompt itself
)
# Every pattern below takes time linear in the text (bounded repeats, no unbounded lazy scan that
# can fail from many starting points): a prompt is a stranger's text and may be megabytes long.
_TAG_NAMES = "|".join(re.escape(t) for t in _DROPPED_TAGS)
_DROPPED_OPEN = re.compile(rf"<({_TAG_NAMES})(?:\s[^<>]{{0,500}})?>")
_CLOSERS = {t: re.compile(rf"</{re.escape(t)}\s*>") for t in _DROPPED_TAGS}
# Any other block at the very start whose tag is spelt like a harness's (`ide_x`, `x-y`).
_LEADING_HARNESS_OPEN = re.compile(r"\A\s*<([a-z]+(?:[_-][a-z0-9]+)+)(?:\s[^<>]{0,500})?>")
# Tags whose content is the user's own words: the tags go, the words stay.
_UNWRAPPED = re.compile(r"</?(?:command-args|bash-input|user_query|user_request)\s*>")
_COMMAND_NAME = re.compile(r"<command-name>\s*([^<]{0,200}?)\s*</command-name>")
_COMMAND_MESSAGE = re.compile(r"<command-message>\s*([^\s<]{1,200})[^<]{0,2000}</command-message>")
# Markers that stand for an attachment (`<media:document>`, `<meta awareness="low" />`).
_MARKERS = re.compile(r"<media:[\w-]{1,100}>|<meta\b[^<>]{0,500}/>|\[image\]")

# Codex Desktop hands a conversation on as "## Prior conversation with Codex:", its JSON, then the request.
_IDE_PREAMBLE = re.compile(
    r"\A\s*#+\s*(?:Context from my IDE setup|Files mentioned by the user|Prior conversation with Codex)"
    r":.*?"
    r"(?:^#+[ \t]*My request for [^\n:]*:[ \t]*$|\Z)",
    re.DOTALL | re.MULTILINE,
)
_USER_INPUT = re.compile(r"\A\s*#+[ \t]*User Input[ \t]*\n(?:\s*```[\w-]*\n(.*?)\n[ \t]*```|(.*?)(?=^#+\s|\Z))",
                         re.DOTALL | re.MULTILINE)  # fmt: skip
_UNTRUSTED_BLOCK = re.compile(
    r"^[^\n]{0,120}\(untrusted[^)\n]{0,120}\):[ \t]*\n[ \t]*```[^\n]{0,40}\n(?:[^`]|`(?!``)){0,8000}```[ \t]*$",
    re.MULTILINE,
)
# Titles need the start of a prompt; a wrapper (an IDE selection) rarely runs longer than this.
_PROMPT_LIMIT = 200_000
# A prompt template's front matter, opening the prompt: `<meta>` (cc-sdd's Codex prompts, which Codex
# does not read as front matter and so sends) or YAML's `---`, each on a line of its own.
_FRONT_MATTER_OPEN = re.compile(r"\A\s*(<meta>|---)[ \t]*\r?\n")
_FRONT_MATTER_LINES = 60  # more than any template's; a longer block is not front matter
_FRONT_MATTER_KEY = re.compile(r"([A-Za-z][\w-]{0,60}):[ \t]*(.*)")
_FRONT_MATTER_ARGUMENT = re.compile(r"[ \t]+[^:\n]{1,100}:[ \t]*(.*)")
_HEADING = re.compile(r"\s*#{1,6}[ \t]+([^\n]+)")
_SYSTEM_EVENT_LINE = re.compile(r"\A\s*System: \[[^\]\n]*\][^\n]*(?:\n|\Z)")
# `[Telegram Someone id:123 +1h 2026-02-09 20:32 GMT+1] ` or `[Wed 2026-03-11 16:14 UTC] `.
_ENVELOPE = re.compile(r"\A\s*\[[^\]\n]{0,200}?(?:\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2})[^\]\n]{0,80}\]")
_MESSAGE_ID = re.compile(r"\[message_id: [^\]\n]*\]")
_SESSION_RESET_PROMPT = "A new session was started via /new or /reset."
_BARE_COMMAND = re.compile(r"\A/[\w:.-]+\Z")


def clip(text: str) -> str:
    """Whitespace collapsed to single spaces, cut to TITLE_LIMIT characters (ending in `…`)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= TITLE_LIMIT else flat[: TITLE_LIMIT - 1].rstrip() + "…"


def prompt_text(text: str) -> str:
    """The words a user typed in a prompt, without what was wrapped around them, on one line;
    "" when nothing of the user's is left (an IDE block alone, a reminder, an attachment)."""
    text = text[:_PROMPT_LIMIT]
    template = _template_request(text)
    if template is not None:
        return " ".join(template.split())
    command = _COMMAND_NAME.search(text) or _COMMAND_MESSAGE.search(text)
    if command is not None:
        # `<command-name>/x</command-name>`, or in older logs only `<command-message>x is running…`.
        name = command.group(1).strip()
        name = name if not name or name.startswith("/") else "/" + name
        text = text[: command.start()] + " " + name + " " + text[command.end() :]
    text = _drop_blocks(text)
    text = _UNWRAPPED.sub(" ", text)
    while True:
        match = _LEADING_HARNESS_OPEN.match(text)
        closer = match and re.compile(rf"</{re.escape(match.group(1))}\s*>").search(text, match.end())
        if not closer:
            break
        text = text[closer.end() :]
    text = _MARKERS.sub(" ", text)
    ide = _IDE_PREAMBLE.match(text)
    if ide is not None:
        text = text[ide.end() :]
    quoted = _USER_INPUT.match(text)
    if quoted is not None:
        text = quoted.group(1) if quoted.group(1) is not None else quoted.group(2) or ""
    text = _UNTRUSTED_BLOCK.sub(" ", text)
    while True:
        match = _SYSTEM_EVENT_LINE.match(text) or _ENVELOPE.match(text)
        if match is None:
            break
        text = text[match.end() :]
    if text.lstrip().startswith(_SESSION_RESET_PROMPT):
        return ""
    text = _MESSAGE_ID.sub(" ", text)
    return " ".join(text.split())


def _template_request(text: str) -> str | None:
    """What a prompt expanded from a template with front matter asks: the template's first heading
    (else its `description:`), then the values of its `arguments:` (cc-sdd writes the user's words
    there: `arguments:` / `   feature-name: cart`). None where the text opens with no front matter
    that names a template (a pasted document's own `---` block is the user's text)."""
    opening = _FRONT_MATTER_OPEN.match(text)
    if opening is None:
        return None
    closer = "</meta>" if opening.group(1) == "<meta>" else "---"
    keys: dict[str, str] = {}
    arguments: list[str] = []
    key = None
    at = opening.end()
    for _ in range(_FRONT_MATTER_LINES):
        end = text.find("\n", at)
        line = (text[at:] if end < 0 else text[at:end]).rstrip("\r")
        if line.strip() == closer:
            break
        if end < 0:
            return None  # never closed: not front matter
        at = end + 1
        top = _FRONT_MATTER_KEY.fullmatch(line)
        if top is not None:
            key = top.group(1).lower()
            keys[key] = top.group(2).strip()
            continue
        argument = _FRONT_MATTER_ARGUMENT.fullmatch(line)
        if key == "arguments" and argument is not None and argument.group(1).strip():
            arguments.append(argument.group(1).strip())
    else:
        return None
    if not keys.get("description"):
        return None
    heading = _HEADING.match(text, 0 if end < 0 else end + 1)
    name = heading.group(1).strip() if heading is not None else keys["description"]
    return f"{name}: {' '.join(arguments)}" if arguments else name


def _drop_blocks(text: str) -> str:
    """`text` without the harness's blocks and what they hold; a block left open (a log cut
    short, a reminder that runs to the end) takes the rest of the text with it."""
    kept: list[str] = []
    at = 0
    while True:
        opening = _DROPPED_OPEN.search(text, at)
        if opening is None:
            kept.append(text[at:])
            break
        kept.append(text[at : opening.start()])
        closing = _CLOSERS[opening.group(1)].search(text, opening.end())
        if closing is None:
            break
        kept.append(" ")
        at = closing.end()
    return "".join(kept)


# Openers that say nothing of the work: greetings and go-aheads, matched whole (case and punctuation
# aside), alone or with a name after a greeting ("hi claude"). A 1,425-step session was titled `hi`.
_OPENERS = frozenset(
    """hi hello hey hiya heya yo howdy greetings sup hola bonjour salut hallo ciao ola oi privet
    continue proceed resume go next yes y yep yeah yup sure ok okay k kk fine thanks thx ty start begin
    ping test testing hmm
    """.split()
) | frozenset(
    {"good morning", "good afternoon", "good evening", "go on", "go ahead", "keep going", "carry on",
     "do it", "thank you", "please continue", "continue please", "let's go", "lets go", "are you there",
     "you there", "привет", "你好", "您好", "继续", "こんにちは", "안녕", "안녕하세요"}
)  # fmt: skip
_GREETINGS = frozenset("hi hello hey hiya heya yo howdy greetings hola bonjour hallo ciao".split())
_PUNCTUATION = re.compile(r"[\s!?.,;:'\"~()\[\]*_-]+")
_ONE_LATIN_WORD = re.compile(r"[A-Za-z]{1,20}")


def is_weak(prompt: str) -> bool:
    """A prompt that says little about the session: a bare command, no letter or digit, a greeting
    or a one-word opener (`hi`, `continue`, `yes`, any single Latin word)."""
    if _BARE_COMMAND.match(prompt) or not any(ch.isalnum() for ch in prompt):
        return True
    if len(prompt) > 60:
        return False
    words = _PUNCTUATION.sub(" ", prompt).lower().split()
    said = " ".join(words)
    if said in _OPENERS or (len(words) == 1 and _ONE_LATIN_WORD.fullmatch(words[0])):
        return True
    return len(words) == 2 and words[0] in _GREETINGS  # "hi claude", "hello there"


def first_prompts(steps: Iterable[Step], runs: bool = False) -> Iterable[str]:
    """The non-empty prompts of the main conversation, in order (subagents' prompts are their
    parent's words, not the user's); with `runs`, the subagents' too (a session with no step of
    its own has no better name)."""
    for step in steps:
        if step.kind == StepKind.USER and (runs or step.subagent is None) and step.text:
            prompt = prompt_text(step.text)
            if prompt:
                yield prompt


def session_title(
    own: Sequence[str | None], steps: Iterable[Step], fallback: str | None = None, runs: bool = False
) -> str | None:
    """The session's title: the first of the agent's own titles (`own`, best first) with any text;
    else the first prompt that says something (`runs`: subagents' prompts count); else the first
    weak one; else `fallback`."""
    for title in own:
        if title and title.strip():
            return clip(title)
    weak = None
    for prompt in first_prompts(steps, runs):
        if not is_weak(prompt):
            return clip(prompt)
        weak = weak or prompt
    if weak is not None:
        return clip(weak)
    return clip(fallback) if fallback and fallback.strip() else None


# A session with none of these is empty: nobody typed anything and the model did nothing (only
# what the agent injects at start-up, or nothing at all).
_ACTIVE_KINDS = frozenset({StepKind.USER, StepKind.ASSISTANT, StepKind.REASONING, StepKind.TOOL_CALL})


def why_hidden(steps: Sequence[Step], tokens: Tokens | None = None) -> str | None:
    """HIDDEN_EMPTY for a session with no prompt (no user step of any kind), no step of the
    model's and no token usage (`tokens`, the session's: a log can keep the usage of a response
    whose steps it lost), else None. Conservative on purpose: a session with anything the user
    sent is listed, even when its title finds no words in it."""
    if tokens is not None and tokens.total > 0:
        return None
    return None if any(step.kind in _ACTIVE_KINDS for step in steps) else HIDDEN_EMPTY
