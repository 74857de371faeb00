"""Files a session's shell commands wrote, read from the command's text (issue 34), and the whole text
where the command's own words hold it (`shell_texts`, issue 40: a capsule carries it).

The text is hostile: split into words and scanned, never run, and only so much of it is read. The
spellings read and the ones left out are in docs/internals/trail.md, "Shell writes".
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
    return [(path, whole) for path, whole, _ in _writes(command, cwd, home)[0]]


# Line breaks other than "\n" that str.splitlines() splits on: where the command holds one, the lines
# read are not the bytes the shell wrote, so no text is taken from it.
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def shell_texts(command: str, cwd: str, home: str | None) -> list[tuple[str, str]]:
    """(absolute path, text) of each file `command` writes whole with a text its own words hold: a
    here-document whose body the shell leaves as it stands (a quoted delimiter, or no `$`, backquote or
    backslash in it) fed to `cat > f`, `tee f` or `cat <<EOF | tee f`; `echo` of literal words into
    `>`. A file the command writes again afterwards (`>>`, `sed -i`) is left out: its text is not known.
    A command longer than what is read gives none (its body may be cut)."""
    return writes_and_texts(command, cwd, home)[1]


def writes_and_texts(
    command: str, cwd: str, home: str | None
) -> tuple[list[tuple[str, bool]], list[tuple[str, str]]]:
    """`shell_writes` and `shell_texts` of `command`, from one reading of it."""
    writes, sure = _writes(command, cwd, home)
    files = [(path, whole) for path, whole, _ in writes]
    cut = len(command) > MAX_TEXT or command.count("\n") >= MAX_LINES
    if not sure or cut or _OTHER_BREAKS.search(command):
        return files, []
    last = {path: i for i, (path, _, _) in enumerate(writes)}
    texts = [(path, text) for i, (path, _, text) in enumerate(writes) if text is not None and last[path] == i]
    return files, texts


# (absolute path, whole, the text written where the command's words hold it)
_Write = tuple[str, bool, str | None]


def _writes(command: str, cwd: str, home: str | None) -> tuple[list[_Write], bool]:
    """Every write of `command`, and whether its lines were told apart for sure: a `<<WORD` inside a
    quoted string reads as a here-document, and the lines taken for its body may be commands."""
    found: list[_Write] = []
    sure = True
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
        literal: str | None = None
        here = _HEREDOC.search(text)
        if here is not None:
            # The here-document's lines are the command's input, not commands.
            end, strip = here.group(3), here.group(1) == "-"
            start = i
            while i < len(lines) and (lines[i].lstrip("\t") if strip else lines[i]) != end:
                i += 1
            body = "\n".join(lines[start:i])
            sure = sure and "<<" in tokens
            if i < len(lines) and tokens.count("<<") == 1:
                # Its text, where the shell writes the lines as they stand: ended by its delimiter,
                # the only one of the line, and quoted or free of expansions.
                kept = [ln.lstrip("\t") if strip else ln for ln in lines[start:i]]
                if here.group(2) or not any(c in ln for ln in kept for c in "$`\\"):
                    literal = "".join(ln + "\n" for ln in kept)
            i += 1
        cwd = _read_line(tokens, cwd, home, body, literal, found)
    return found, sure


def _read_line(
    tokens: list[str], cwd: str, home: str | None, body: str | None, literal: str | None, found: list[_Write]
) -> str:
    """The writes of one logical line's simple commands; gives the cwd after them (`cd`)."""
    words: list[str] = []
    piped: str | None = None  # what the previous command printed into a `|`, where known
    for token in [*tokens, ";"]:
        if token in _SPLIT:
            out: str | None = None
            if words:
                cwd, out = _one(words, cwd, home, body, literal, piped, found)
            piped = out if token == "|" else None
            words = []
        else:
            words.append(token)
    return cwd


def _one(
    words: list[str],
    cwd: str,
    home: str | None,
    body: str | None,
    literal: str | None,
    piped: str | None,
    found: list[_Write],
) -> tuple[str, str | None]:
    """The writes of one simple command; gives the cwd after it and the text it prints to a pipe (where
    known: `cat` of a known input, `echo` of literal words, `tee`)."""
    args: list[str] = []
    outputs: list[tuple[str, bool, bool]] = []  # (path, whole, standard output)
    redirected = False
    stdin = piped
    rest = iter(words)
    for word in rest:
        if word in _TRUNCATE or word in _APPEND or (word in (">", ">>") and args and args[-1].isdigit()):
            target = next(rest, None)
            descriptor = args.pop() if args and args[-1].isdigit() else None  # the descriptor of `2>`
            stdout = descriptor in (None, "1") and word not in ("&>", "&>>")
            redirected = redirected or descriptor in (None, "1")
            path = _expand(target, home) if target is not None else None
            if path is not None and not path.startswith("/dev/"):
                outputs.append((_absolute(path, cwd), word in _TRUNCATE, stdout and word in _TRUNCATE))
        elif word in ("<<", "<<-"):
            next(rest, None)  # a here-document's word: its lines are the command's input
            stdin = literal
        elif word in ("<", "<<<"):
            next(rest, None)  # an input: no file written, and not a text the log holds
            stdin = None
        elif word in (">&", "<&"):
            next(rest, None)  # a descriptor (`2>&1`): no file written
            if args and args[-1].isdigit():
                args.pop()
        else:
            args.append(word)
    while args and (args[0] in _PREFIXES or "=" in args[0] and not args[0].startswith("-")):
        args = args[1:]
    printed: str | None = None
    if args:
        printed = _printed(args, stdin, home)
    for path, whole, stdout in outputs:
        found.append((path, whole, printed if stdout else None))
    if not args:
        return cwd, None
    plain = [_expand(w, home) for w in args]
    if args[0] == "cd":
        return (_cd(cwd, [w for w in plain[1:] if w is not None], home) if None not in plain else cwd), None
    program = posixpath.basename(args[0])
    if program == "env" and len(args) > 1:
        args, plain, program = args[1:], plain[1:], posixpath.basename(args[1])
    if program == "tee":
        append = any(w in ("-a", "--append") for w in args[1:])
        options = all(w in ("-a", "--append") for w in args[1:] if w.startswith("-"))
        text = stdin if options and not append else None
        files = [w for w in plain[1:] if w is not None and not w.startswith("-")]
        found.extend((_absolute(w, cwd), not append, text) for w in files)
    elif program == "sed":
        found.extend((_absolute(p, cwd), False, None) for p in _in_place(args[1:], plain[1:], "sed"))
    elif program == "perl":
        found.extend((_absolute(p, cwd), False, None) for p in _in_place(args[1:], plain[1:], "perl"))
    elif _PYTHON.match(program):
        code = _python_code(args[1:], body)
        if code is not None and _PY_WRITES.search(code):
            for m in _PY_STRING.finditer(code):
                path = _expand(m.group(2), home)
                if path is not None and ("/" in path or "." in path.strip(".")) and not path.startswith("-"):
                    found.append((_absolute(path, cwd), True, None))
    return cwd, None if redirected else printed


def _printed(args: list[str], stdin: str | None, home: str | None) -> str | None:
    """What a command prints, where its words say it all: `cat` (or `tee`) of a known input, `echo` of
    literal words (no option, no escape, nothing the shell expands). None where not known."""
    program = posixpath.basename(args[0])
    if program == "cat" and all(w == "-" for w in args[1:]):
        return stdin
    if program == "tee":
        return stdin
    if program == "echo" and args[1:] and not args[1].startswith("-"):
        if all(_expand(w, home) == w and "\\" not in w for w in args[1:]):
            return " ".join(args[1:]) + "\n"
    if program == "printf" and args[1:] and all(_expand(w, home) == w for w in args[1:]):
        return _printf(args[1], args[2:])
    return None


# The escapes of a `printf` format read here; any other backslash leaves its text unknown.
_PRINTF_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


def _printf(form: str, args: list[str]) -> str | None:
    """What `printf FORMAT [WORD...]` prints where it is plain: a format of text, `\\n`, `\\t`, `\\\\`
    and `%%` with no words, or `%s\\n` (one line per word), ending in a line break. Anything else: None."""
    if form == "%s\\n" and args:
        return None if any("\\" in w for w in args) else "".join(w + "\n" for w in args)
    if args or form.startswith("-"):
        return None
    out, i = [], 0
    while i < len(form):
        c = form[i]
        if c in "\\%":
            nxt = form[i + 1] if i + 1 < len(form) else ""
            if c == "%" and nxt == "%":
                out.append("%")
            elif c == "\\" and nxt in _PRINTF_ESCAPES:
                out.append(_PRINTF_ESCAPES[nxt])
            else:
                return None
            i += 2
            continue
        out.append(c)
        i += 1
    text = "".join(out)
    return text if text.endswith("\n") else None  # a last line without its break is not a whole line


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
