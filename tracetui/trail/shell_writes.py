"""Files a session's shell commands wrote, read from the command's text (issue 34).

A log shows an edit tool's change, never what a shell command wrote: after `cat > f <<EOF`, a
`python - <<'PY'` script that writes f, `sed -i`, `perl -i`, a `>`/`>>` redirection or `tee`, the
replay's text of f is a guess until a later patch's removed lines show what was there. Read: those
spellings with literal paths (quotes and `~` understood; a glob or a variable is not read), `cd` in the
same command followed; a Python script's string literals that name a path, where the script writes a
file at all. The text is hostile: it is split into words (shlex) and scanned, never run, and only so
much of it is read.
"""

from __future__ import annotations

import posixpath
import re

from tracetui.trail.shell import MAX_TEXT, _PREFIXES, _absolute, _cd, _expand, _tokens

# Whether a command can write a file at all: the cheap test before the words are read.
_MAY_WRITE = re.compile(r">|\btee\b|\bsed\b|\bperl\b|\bpython")
_SPLIT = frozenset({"&&", "||", ";", "|", "&", ";;", "|&", "(", ")"})
_TRUNCATE = frozenset({">", ">|", "&>", "1>"})
_APPEND = frozenset({">>", "&>>"})
_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
# A script that writes: pathlib's writers, open() with a writing mode, a file object's write.
_PY_WRITES = re.compile(r"write_text\(|write_bytes\(|\.write\(|open\([^)\n]*,\s*(?:mode\s*=\s*)?['\"][wax+]")
_PY_STRING = re.compile(r"""(['"])([^'"\s\\]{1,300})\1""")
MAX_LINES = 2000  # lines of one command read


def may_write(command: str) -> bool:
    return _MAY_WRITE.search(command[:MAX_TEXT]) is not None


def shell_writes(command: str, cwd: str, home: str | None) -> list[tuple[str, bool]]:
    """(absolute path, whole) of each file `command` writes, in order; `whole` where the write replaces
    the file's text (`>`, `tee`, a script's write) rather than changing it in place or appending."""
    found: list[tuple[str, bool]] = []
    lines = command[:MAX_TEXT].splitlines()[:MAX_LINES]
    i = 0
    while i < len(lines):
        # One logical line: a quote left open (`python -c '...`) runs on into the next lines.
        text, tokens = lines[i], _tokens(lines[i])
        while tokens is None and i + 1 < len(lines):
            i += 1
            text += "\n" + lines[i]
            tokens = _tokens(text)
        i += 1
        if tokens is None:
            break
        body: str | None = None
        here = _HEREDOC.search(text)
        if here is not None:
            # The here-document's lines are the command's input, not commands.
            end, strip = here.group(3), here.group(1) == "-"
            start = i
            while i < len(lines) and (lines[i].lstrip("\t") if strip else lines[i]) != end:
                i += 1
            body = "\n".join(lines[start:i])
            i += 1
        cwd = _read_line(tokens, cwd, home, body, found)
    return found


def _read_line(
    tokens: list[str], cwd: str, home: str | None, body: str | None, found: list[tuple[str, bool]]
) -> str:
    """The writes of one logical line's simple commands; gives the cwd after them (`cd`)."""
    words: list[str] = []
    for token in [*tokens, ";"]:
        if token in _SPLIT:
            if words:
                cwd = _one(words, cwd, home, body, found)
            words = []
        else:
            words.append(token)
    return cwd


def _one(words: list[str], cwd: str, home: str | None, body: str | None, found: list[tuple[str, bool]]) -> str:
    args: list[str] = []
    rest = iter(words)
    for word in rest:
        if word in _TRUNCATE or word in _APPEND or (word in (">", ">>") and args and args[-1].isdigit()):
            target = next(rest, None)
            if args and args[-1].isdigit():
                args.pop()  # the descriptor of `2>`
            path = _expand(target, home) if target is not None else None
            if path is not None and not path.startswith("/dev/"):
                found.append((_absolute(path, cwd), word in _TRUNCATE))
        elif word in ("<", "<<", "<<-", "<<<", ">&", "<&"):
            next(rest, None)  # an input, a here-document's word, a descriptor: no file written
        else:
            args.append(word)
    while args and (args[0] in _PREFIXES or "=" in args[0] and not args[0].startswith("-")):
        args = args[1:]
    if not args:
        return cwd
    plain = [_expand(w, home) for w in args]
    if args[0] == "cd":
        return _cd(cwd, [w for w in plain[1:] if w is not None], home) if None not in plain else cwd
    program = posixpath.basename(args[0])
    if program == "env" and len(args) > 1:
        args, plain, program = args[1:], plain[1:], posixpath.basename(args[1])
    if program == "tee":
        append = any(w in ("-a", "--append") for w in args[1:])
        found.extend((_absolute(w, cwd), not append) for w in plain[1:] if w is not None and not w.startswith("-"))
    elif program == "sed":
        found.extend((_absolute(p, cwd), False) for p in _in_place(args[1:], plain[1:], "sed"))
    elif program == "perl":
        found.extend((_absolute(p, cwd), False) for p in _in_place(args[1:], plain[1:], "perl"))
    elif _PYTHON.match(program):
        code = _python_code(args[1:], body)
        if code is not None and _PY_WRITES.search(code):
            for m in _PY_STRING.finditer(code):
                path = _expand(m.group(2), home)
                if path is not None and ("/" in path or "." in path.strip(".")) and not path.startswith("-"):
                    found.append((_absolute(path, cwd), True))
    return cwd


def _in_place(args: list[str], plain: list[str | None], tool: str) -> list[str]:
    """The files `sed -i` or `perl -i` edits in place (none without `-i`)."""
    in_place = False
    script_given = False
    files: list[str] = []
    skip = False
    for word, path in zip(args, plain):
        if skip:
            skip = False
            continue
        if word.startswith("--"):
            in_place = in_place or word.startswith("--in-place")
            script_given = script_given or word.startswith(("--expression", "--file"))
            skip = word in ("--expression", "--file")
        elif word.startswith("-") and len(word) > 1:
            letters = word[1:]
            # `-i`, `-i.bak`, `-Ei`, `-pi`, `-0pi`: an i among the option letters before any script letter
            head = re.split(r"[ef]", letters, maxsplit=1)[0]
            in_place = in_place or "i" in head
            if re.search(r"[ef]", letters):
                script_given = True
                skip = letters.endswith(("e", "f")) and not letters.startswith("i")
        elif not script_given:
            script_given = True  # the first word that is no option is the script
        elif path is not None:
            files.append(path)
    return files if in_place else []


def _python_code(args: list[str], body: str | None) -> str | None:
    """The code a Python command runs: `-c CODE`, or a here-document on its standard input."""
    for i, word in enumerate(args):
        if word == "-c":
            return args[i + 1] if i + 1 < len(args) else None
        if not word.startswith("-"):
            return body if word == "-" else None  # a script file: its code is not in the log
    return body
