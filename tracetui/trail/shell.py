"""Files a session's shell commands renamed, read from the command's text.

A log records an edit tool's file, never what a shell command did to it: an agent that writes
calendar.py, runs `mv calendar.py cal-widget.py` and edits cal-widget.py has written one file under
two names. Read: `mv`, `git mv` (with `git -C DIR`), a copy whose source is then removed (`cp a b &&
rm a`, or the `rm` in a later command), `-t DIR`, several sources into a folder; literal paths (quotes
and `~`/`$HOME` understood), `cd`/`pushd`/`popd` within the same command followed, a subshell's `cd`
ending with it. A glob, another variable or a substitution makes the command unread. The text is
hostile: it is only split into words (shlex), never run, and only so much of it is read.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable
from typing import Any

_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "/bin/bash", "/bin/sh", "/bin/zsh", "/usr/bin/bash", "/usr/bin/env"})
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "|&", "(", ")"})
_HOME = re.compile(r"^(/home/[^/]+|/Users/[^/]+|/root)(?=/|$)")
# globs, braces, substitutions, variables: not a literal path; nor is one holding a NUL (none can)
_UNREAD = re.compile(r"[*?\[\]{}`$\x00]")
_PREFIXES = frozenset({"sudo", "command", "builtin", "nohup", "time"})


def command_text(tool_input: Any) -> str | None:
    """The shell text of a tool call's input (`command` or `cmd`, a string or an argv with `bash -c`)."""
    if not isinstance(tool_input, dict):
        return None
    value = tool_input.get("command", tool_input.get("cmd"))
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(x, str) for x in value):
        if len(value) >= 3 and value[0] in _SHELLS and value[-2] in ("-c", "-lc", "-l"):
            return value[-1]
        return shlex.join(value)
    return None


def home_of(cwd: str | None) -> str | None:
    """The home folder a logged cwd lies in (/home/NAME, /Users/NAME, /root), for `~`; None if none."""
    found = _HOME.match(cwd or "")
    return found.group(1) if found else None


MAX_TEXT = 256 * 1024  # characters of one command read; past them the rest is not
MAX_WORDS = 4096  # words of one line read; a longer line is not
MAX_PENDING = 256  # copies waiting for their source's removal


class ShellRenames:
    """The renames a session's shell commands make, read one command after another.

    A rename is a `mv` or `git mv`, or a copy whose source a later removal deletes (`cp a b && rm a`,
    or `cp` in one command and `rm` in a later one): the copy is held until its source goes, and
    dropped where the session edits either file in between (the copy no longer holds what the source
    did, so where the patches' lines live is not known)."""

    def __init__(self) -> None:
        self.pending: dict[str, str] = {}  # copied path -> its copy's path, both absolute

    def read(
        self, command: str, cwd: str, home: str | None, is_folder: Callable[[str], bool]
    ) -> list[tuple[str, str]]:
        """(old, new) absolute paths of each rename `command` makes, in order; `is_folder(path)` says
        whether a path is a folder the session knows of (`mv file folder` moves the file into it)."""
        found: list[tuple[str, str]] = []
        stack: list[str] = []  # the cwd outside each open subshell `( ... )`
        pushed: list[str] = []  # pushd's
        for text in command[:MAX_TEXT].splitlines():
            tokens = _tokens(text)
            if tokens is None:
                continue
            for words in _commands(tokens):
                if words == ["("]:
                    stack.append(cwd)
                    continue
                if words == [")"]:
                    cwd = stack.pop() if stack else cwd  # the subshell's `cd` ends with it
                    continue
                expanded = [_expand(w, home) for w in words]
                plain = [w for w in expanded if w is not None]
                if words[0] in ("cd", "pushd"):
                    if len(plain) < len(expanded):
                        return found  # to a folder not read: the paths after it are not known
                    if words[0] == "pushd":
                        pushed.append(cwd)
                    cwd = _cd(cwd, plain[1:], home)
                    continue
                if words[0] == "popd":
                    if not pushed:
                        return found  # back to a folder pushed before this command: not known
                    cwd = pushed.pop()
                    continue
                if len(plain) < len(expanded):
                    continue
                self._one(plain, cwd, is_folder, found)
        return found

    def forget(self, path: str) -> None:
        """The session edited `path` (absolute): a copy from or to it is no longer a rename to wait for."""
        for old, new in list(self.pending.items()):
            if path in (old, new) or _under(path, old) or _under(path, new):
                del self.pending[old]

    def _one(
        self, words: list[str], cwd: str, is_folder: Callable[[str], bool], found: list[tuple[str, str]]
    ) -> None:
        parsed = _parse(words, cwd)
        if parsed is None:
            return
        tool, sources, target, into, cwd = parsed
        if tool == "rm":
            for source in sources:
                gone = _absolute(source, cwd)
                for old, new in list(self.pending.items()):
                    if new == gone or _under(new, gone):
                        del self.pending[old]  # the copy went first: nothing holds the source's lines
                    elif old == gone or _under(old, gone):
                        del self.pending[old]
                        found.append((old, new))
            return
        if target is None:
            return
        target = _absolute(target, cwd)
        into = into is not None and (into or len(sources) > 1 or is_folder(target))
        for source in sources:
            old = _absolute(source, cwd)
            new = posixpath.join(target, posixpath.basename(old)) if into else target
            if old == new:
                continue
            if tool == "mv":
                self.forget(old)  # a copy from or to a file moved since is not one to wait for
                self.forget(new)
                found.append((old, new))
            elif len(self.pending) < MAX_PENDING:
                self.pending[old] = new


def renames(
    command: str, cwd: str, home: str | None, is_folder: Callable[[str], bool]
) -> list[tuple[str, str]]:
    """(old, new) absolute paths of each rename one command makes on its own, in order."""
    return ShellRenames().read(command, cwd, home, is_folder)


def _tokens(text: str) -> list[str] | None:
    """The shell words and operators of one line, or None where it is not read (an unclosed quote: a
    here-document or a multi-line string; too many words)."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens: list[str] = []
        for token in lexer:
            parens = _PUNCTS.fullmatch(token) and _PARENS_IN.search(token)
            tokens += _PARENS.findall(token) if parens else [token]
            if len(tokens) > MAX_WORDS:
                return None
    except ValueError:
        return None
    return tokens


def _commands(tokens: list[str]) -> list[list[str]]:
    """The simple commands between operators, without redirections or the keywords before them; an
    opening and a closing subshell parenthesis come as commands of their own (`["("]`, `[")"]`)."""
    out: list[list[str]] = [[]]
    skip = False
    for token in tokens:
        if skip:
            skip = False
            continue
        if token in ("(", ")"):
            out += [[token], []]
        elif token in _OPERATORS:
            out.append([])
        elif not token.strip("<>&|"):  # a redirection (`>`, `2>`, `&>>`): its target is no argument
            if out[-1] and out[-1][-1].isdigit():
                out[-1].pop()  # the descriptor of `2>`
            skip = True
        elif not out[-1] and token in _KEYWORDS:
            continue  # `then mv a b`, `{ mv a b; }`
        else:
            out[-1].append(token)
    return [words for words in out if words]


# shlex runs operator characters together (`);`, `))`): a parenthesis is a token of its own.
_PUNCTS = re.compile(r"[();<>|&]+")
_PARENS_IN = re.compile(r"[()]")
_PARENS = re.compile(r"[()]|[;<>|&]+")
_KEYWORDS = frozenset({"then", "do", "else", "{", "}", "!", "time"})
_TOOLS = {"mv": "mv", "/bin/mv": "mv", "/usr/bin/mv": "mv", "cp": "cp", "/bin/cp": "cp", "/usr/bin/cp": "cp",
          "rm": "rm", "/bin/rm": "rm", "/usr/bin/rm": "rm", "unlink": "rm"}  # fmt: skip
_WITH_VALUE = frozenset({"-S", "--suffix"})  # options that take the next word (mv and cp's backup suffix)


def _parse(words: list[str], cwd: str) -> tuple[str, list[str], str | None, bool | None, str] | None:
    """(tool, sources, target, target is a folder, cwd) of an `mv`, `cp`, `rm` or `git mv`/`git rm`
    (`rm`: no target), else None. The target is a folder where named so (`-t`, a trailing `/`: True),
    never with `-T` (None), else where it is one. `git -C DIR` moves the cwd of that command only."""
    while words and (words[0] in _PREFIXES or "=" in words[0] and not words[0].startswith("-")):
        words = words[1:]  # sudo, an environment assignment
    if words[:1] == ["git"]:
        words = words[1:]
        while words and words[0].startswith("-"):
            if words[0] == "-c" and len(words) >= 2:
                words = words[2:]  # a setting
            elif words[0] == "-C" and len(words) >= 2:
                cwd = _absolute(words[1], cwd)
                words = words[2:]
            elif words[0] in ("--no-pager", "--literal-pathspecs", "--no-optional-locks"):
                words = words[1:]
            else:
                return None  # --git-dir, --work-tree, ...: another tree, not read
        if words[:1] not in (["mv"], ["rm"]) or (words[0] == "rm" and "--cached" in words):
            return None  # `git rm --cached` leaves the file where it is
        tool = words[0]
    else:
        found = _TOOLS.get(words[0]) if words else None
        if found is None:
            return None
        tool = found
    args: list[str] = []
    target: str | None = None
    no_folder = False
    options = True
    rest = iter(words[1:])
    for word in rest:
        if options and word == "--":
            options = False
        elif options and word in ("-t", "--target-directory") and tool != "rm":
            target = next(rest, None)
            if target is None:
                return None
        elif options and word.startswith("--target-directory=") and tool != "rm":
            target = word.split("=", 1)[1]
        elif options and word in ("-T", "--no-target-directory") and tool != "rm":
            no_folder = True
        elif options and word in _WITH_VALUE and tool != "rm":
            if next(rest, None) is None:
                return None
        elif options and word.startswith("-") and word != "-":
            continue  # -f, -v, -n, -r, -p, -k (git's)
        else:
            args.append(word)
    if tool == "rm":
        return (tool, args, None, False, cwd) if args else None
    if target is not None:
        return (tool, args, target, True, cwd) if args else None
    if len(args) < 2:
        return None
    if no_folder:
        return (tool, args[:1], args[1], None, cwd) if len(args) == 2 else None
    return tool, args[:-1], args[-1], args[-1].endswith("/"), cwd


def _under(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


def _expand(word: str, home: str | None) -> str | None:
    """A word as the shell reads it when it is a literal path; None when it is not (a glob, a variable)."""
    if word == "~" or word.startswith("~/"):
        if home is None:
            return None
        word = home + word[1:]
    for name in ("${HOME}", "$HOME"):
        if word.startswith(name) and home is not None:
            word = home + word[len(name) :]
    return None if _UNREAD.search(word) else word


def _cd(cwd: str, args: list[str], home: str | None) -> str:
    if not args:
        return home or cwd
    return _absolute(args[0], cwd) if args[0] != "-" else cwd


def _absolute(path: str, cwd: str) -> str:
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(cwd, path))
