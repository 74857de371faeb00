"""What kind of text a field holds, as far as the log tells: a hint the caller passes into the scan.

A log knows a file's type where a step names the file: the path of a Read, Write or Edit, a
`cat PATH`-like command whose output is the file, a diff's file headers. The type decides how a
`name = value` line reads, the same way detect-secrets' keyword plugin picks its patterns by file
extension:

More in docs/internals/redact.md, `redact/syntax.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

from tracetui.model import Session, Step, StepKind
from tracetui.redact.fields import step_fields

Syntax = Literal["unknown", "code", "code-c", "config", "prose", "secret-file"]
UNKNOWN: Syntax = "unknown"
CODE: Syntax = "code"
CODE_C: Syntax = "code-c"
CONFIG: Syntax = "config"
PROSE: Syntax = "prose"
SECRET_FILE: Syntax = "secret-file"
KNOWN_CODE: frozenset[str] = frozenset({CODE, CODE_C})
# The kinds a detector reads apart from text of no known kind (`detect.scan_text`); config and prose read
# as UNKNOWN does, so a field of either is scanned, and its scan filed for the export's gate, as one.
_READ_APART: frozenset[str] = frozenset({CODE, CODE_C, SECRET_FILE})


def read_as(syntax: Syntax) -> Syntax:
    """`syntax` as the detectors tell it apart: UNKNOWN for a kind that none reads otherwise."""
    return syntax if syntax in _READ_APART else UNKNOWN


_BY_EXTENSION: dict[str, Syntax] = {
    **dict.fromkeys(
        ("py", "pyi", "pyw", "js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts", "java", "kt", "kts",
         "scala", "swift", "tf", "hcl", "cls", "php", "rb", "rs", "dart", "groovy", "lua", "vue", "svelte"),
        CODE,
    ),
    **dict.fromkeys(("c", "h", "cc", "cpp", "cxx", "hpp", "hh", "hxx", "cs", "m", "mm"), CODE_C),
    **dict.fromkeys(
        ("env", "yaml", "yml", "eyaml", "ini", "cfg", "cnf", "cf", "conf", "toml", "properties", "json", "sh",
         "bash", "zsh", "npmrc", "netrc", "pypirc"),
        CONFIG,
    ),
    **dict.fromkeys(("md", "markdown", "txt", "rst"), PROSE),
}


# A file named for the one credential it holds: `master.key` (Rails), `.vault-token`, `deploy.token`,
# `gh_token`, `app.secret`, `db.password`. A name with a source extension after it (`api_key.py`) is code.
_SECRET_FILE_NAME = re.compile(
    r"^(?:\.?vault-token|token|secret|[\w.\-]*[._\-](?:token|secret|key|password|passwd))$|^[\w.\-]+\.key$"
)


def syntax_of_path(path: str | None) -> Syntax:
    """The kind of text a file of this name holds (`.env.local` is an env file); UNKNOWN when unsure."""
    if not path:
        return UNKNOWN
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    if _SECRET_FILE_NAME.match(name):
        return SECRET_FILE
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return CONFIG
    if "." not in name.lstrip("."):
        return UNKNOWN  # `Makefile`, `.bashrc`, a directory
    return _BY_EXTENSION.get(name.rsplit(".", 1)[1], UNKNOWN)


# Diff headers naming the file a section changes: git's, unified diff's, Codex's apply_patch.
_DIFF_START = re.compile(r"\s*(?:diff --git |--- |\*\*\* Begin Patch)")
_DIFF_FILE = re.compile(
    r"^(?:diff --git a/\S+ b/(\S+)|\+\+\+ (?:b/)?(\S+)"
    r"|\*\*\* (?:Update|Add) File: (.+?)|\*\*\* Move to: (.+?))[ \t]*$",
    re.M,
)


def diff_syntax(text: str) -> Syntax:
    """A text that is a diff or a patch takes the syntax of the files it changes, when they all share one."""
    if not _DIFF_START.match(text[:200]):
        return UNKNOWN
    paths = {next(g for g in m.groups() if g) for m in _DIFF_FILE.finditer(text)} - {"/dev/null"}
    kinds = {syntax_of_path(p) for p in paths}
    return kinds.pop() if len(kinds) == 1 else UNKNOWN


# Tool inputs that hold a file's text (Claude's Write/Edit/MultiEdit, Pi's write/edit, other agents').
_CONTENT_KEYS = frozenset(
    {"content", "new_string", "old_string", "new_str", "old_str", "file_text", "newText", "oldText",
     "new_source", "newString", "oldString"}
)
_PATH_KEYS = ("file_path", "notebook_path", "path", "file", "filename", "filepath", "filePath", "absolute_path")
_READ_TOOLS = frozenset({"read", "read_file", "readfile", "view", "cat", "open_file"})
_EDIT_TEXT = re.compile(r"^edits\[\d+\]\.(?:old_string|new_string|content|original|hunks\[\d+\])$")
_LAST_KEY = re.compile(r"\.([A-Za-z_]\w*)$")
# A command whose whole output is one file: `cat x.py`, `head -n 80 x.py`, `sed -n '1,200p' x.py`.
_DUMP = re.compile(
    r"^(?:cd [^;&|]+&&\s*)?(?:cat|head|tail|nl|bat|more|less|Get-Content|gc)(?:\s+-[\w-]+(?:\s+\d+)?)*"
    r"\s+([^\s;&|<>*?$`]+)\s*$"
    r"|^(?:cd [^;&|]+&&\s*)?sed\s+-n\s+['\"]?\d+(?:,\d+)?p['\"]?\s+([^\s;&|<>*?$`]+)\s*$"
)
_SHELLS = frozenset({"bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh"})


def _input_path(tool_input: Any) -> str | None:
    if not isinstance(tool_input, dict):
        return None
    for key in _PATH_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _command(tool_input: Any) -> str | None:
    if isinstance(tool_input, dict):
        tool_input = tool_input.get("command", tool_input.get("cmd"))
    if isinstance(tool_input, list) and tool_input and all(isinstance(p, str) for p in tool_input):
        if len(tool_input) >= 3 and tool_input[0] in _SHELLS and tool_input[1] in ("-c", "-lc"):
            return tool_input[2]
        return " ".join(tool_input)
    return tool_input if isinstance(tool_input, str) else None


def _dumped_file(tool_input: Any) -> str | None:
    """The file a shell command prints whole, when that is all it does."""
    command = _command(tool_input)
    if command is None or len(command) > 500:
        return None
    m = _DUMP.match(command.strip())
    if m is None:
        return None
    return (m.group(1) or m.group(2)).strip("'\"")


def _call_syntax(step: Step) -> Syntax:
    """The syntax of a tool call's file-text inputs."""
    return syntax_of_path(_input_path(step.tool_input))


def _result_syntax(call: Step) -> Syntax:
    """The syntax of what a tool call's result prints: a read file, or a file a command dumps."""
    path = _input_path(call.tool_input)
    # A read tool, or an editor tool asked to view (Copilot's `str_replace_editor` with `command: view`).
    viewed = isinstance(call.tool_input, dict) and call.tool_input.get("command") == "view"
    if path and ((call.tool or "").lower() in _READ_TOOLS or viewed):
        return syntax_of_path(path)
    return syntax_of_path(_dumped_file(call.tool_input))


def _step_hints(step: Step, calls: dict[str, Step]) -> Iterator[tuple[str, Syntax]]:
    call_syntax = _call_syntax(step) if step.tool_input is not None else UNKNOWN
    result_syntax = UNKNOWN
    if step.kind == StepKind.TOOL_RESULT and step.tool_call_id:
        call = calls.get(step.tool_call_id)
        if call is not None:
            result_syntax = _result_syntax(call)
    edit_syntax = [syntax_of_path(e.path) for e in step.edits]
    for name, text in step_fields(step):
        syntax = UNKNOWN
        if name.startswith("tool_input"):
            key = _LAST_KEY.search(name)
            if key and key.group(1) in _CONTENT_KEYS:
                syntax = call_syntax
        elif name.startswith("edits["):
            if _EDIT_TEXT.match(name):
                syntax = edit_syntax[int(name[6 : name.index("]")])]
        elif name == "text":
            syntax = result_syntax
        if syntax == UNKNOWN and ("\n" in text and ("diff --git" in text or "*** Begin Patch" in text
                                                      or "\n+++ " in text)):
            syntax = diff_syntax(text)
        if syntax != UNKNOWN:
            yield name, syntax


def field_syntaxes(session: Session) -> dict[tuple[str | None, str], Syntax]:
    """(step id, field name) -> the syntax the field's text is in, for every field the log says it of."""
    calls = {s.tool_call_id: s for s in session.steps if s.kind == StepKind.TOOL_CALL and s.tool_call_id}
    out: dict[tuple[str | None, str], Syntax] = {}
    for step in session.steps:
        for name, syntax in _step_hints(step, calls):
            out[(step.id, name)] = syntax
    return out
