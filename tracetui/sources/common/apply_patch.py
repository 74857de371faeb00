"""The Codex `apply_patch` patch grammar, parsed into `FileEdit`s.

A patch looks like:

    *** Begin Patch
    *** Add File: path            then every line prefixed with '+'
    *** Delete File: path
    *** Update File: path
    *** Move to: new/path         optional, right after Update File
    @@ optional anchor text       starts a hunk; the text is a line found before the hunk
     context
    -removed
    +added
    *** End of File               optional: the hunk ends at the end of the file
    *** End Patch

More in docs/internals/sources.md, `sources/common/apply_patch.py`.
"""

from __future__ import annotations

from tracetui.model import FileEdit, Hunk

BEGIN = "*** Begin Patch"
END = "*** End Patch"
ADD = "*** Add File: "
DELETE = "*** Delete File: "
UPDATE = "*** Update File: "
MOVE = "*** Move to: "
EOF_MARK = "*** End of File"


class Patch(list[FileEdit]):
    """The edits of one patch, in order, plus what the plain list cannot say.

    - `anchors[i][j]`: the `@@` text of hunk j of edit i (None when the header was bare);
    - `end_of_file[i][j]`: hunk j of edit i was followed by `*** End of File`;
    - `problems`: one short sentence per defect; empty means the patch was well formed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[list[str | None]] = []
        self.end_of_file: list[list[bool]] = []
        self.problems: list[str] = []

    @property
    def malformed(self) -> bool:
        return bool(self.problems)


def parse_patch(text: str) -> Patch:
    """Parse an apply_patch body (tolerant of CRLF, a heredoc wrapper, missing End Patch)."""
    patch = Patch()
    lines = _lines(text)
    if not lines:
        patch.problems.append("empty patch")
        return patch
    i = 0
    if lines[0].strip() == BEGIN:
        i = 1
    else:
        patch.problems.append("does not start with *** Begin Patch")
    ended = False
    current: _Builder | None = None
    problems = patch.problems
    n = len(lines)
    while i < n:
        line = lines[i]
        head = line[:1]
        if (head == "+" or head == "-") and current is not None:
            # The bulk of a patch, so it is settled first: a line starting with '+' or '-' can be
            # neither blank nor a `***` marker, so in a file section it is always a body line.
            if current.content is None:
                current.hunk_line(line)
            elif head == "+":
                current.content.append(line[1:])
            else:
                problems.append(f"line {i + 1}: an Add File line does not start with '+'")
            i += 1
            continue
        stripped = line.strip()
        if stripped == END:
            ended = True
            i += 1
            break
        if line.startswith(ADD):
            _finish(patch, current)
            current = _Builder(FileEdit(line[len(ADD) :].strip(), "create"))
            current.content = []
        elif line.startswith(DELETE):
            _finish(patch, current)
            current = None
            _finish(patch, _Builder(FileEdit(line[len(DELETE) :].strip(), "delete")))
        elif line.startswith(UPDATE):
            _finish(patch, current)
            current = _Builder(FileEdit(line[len(UPDATE) :].strip(), "update"))
            if i + 1 < n and lines[i + 1].startswith(MOVE):
                current.edit.move_to = lines[i + 1][len(MOVE) :].strip()
                i += 1
        elif current is None:
            if stripped:
                problems.append(f"line {i + 1}: text outside a file section")
        elif current.content is not None:
            if line.startswith("+"):
                current.content.append(line[1:])
            elif stripped and stripped != EOF_MARK:
                problems.append(f"line {i + 1}: an Add File line does not start with '+'")
        else:
            current.update_line(line, i + 1, problems)
        i += 1
    _finish(patch, current)
    if not ended:
        patch.problems.append("no *** End Patch")
    elif any(line.strip() for line in lines[i:]):
        patch.problems.append("text after *** End Patch")
    if not patch and not patch.problems:
        patch.problems.append("no file sections")
    _rewrites(patch)
    return patch


def _rewrites(patch: Patch) -> None:
    """A file deleted and added again in one patch is rewritten whole: one `write` edit where the
    add was. Read as two, the delete (of lines the log never showed) had nothing to be judged by."""
    gone: list[int] = []
    for i, edit in enumerate(patch):
        if edit.op != "delete":
            continue
        later = next((j for j in range(i + 1, len(patch)) if patch[j].path == edit.path), None)
        if later is not None and patch[later].op == "create":
            patch[later].op = "write"
            gone.append(i)
    for i in reversed(gone):
        del patch[i], patch.anchors[i], patch.end_of_file[i]


def _lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    # Cut at once: popping the front a line at a time moved every line after it, and a patch of a
    # million leading blank lines (1 MB) took a minute.
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    del lines[:first]
    # The model sometimes passes the whole heredoc (`<<'EOF'` ... `EOF`) as the patch argument.
    if len(lines) >= 2 and lines[0].lstrip().startswith("<<") and lines[1].strip() == BEGIN:
        delimiter = lines[0].strip()[2:].strip().strip("'\"")
        lines = lines[1:]
        if lines and lines[-1].strip() == delimiter:
            lines = lines[:-1]
    return lines


class _Builder:
    """One file section while it is being read."""

    __slots__ = ("anchor", "anchors", "content", "edit", "eofs", "idle", "lines")

    def __init__(self, edit: FileEdit) -> None:
        self.edit = edit
        self.content: list[str] | None = None  # Add File lines
        self.lines: list[str] | None = None  # the open hunk's lines (None: no hunk open)
        self.anchor: str | None = None
        self.anchors: list[str | None] = []
        self.eofs: list[bool] = []
        self.idle: list[tuple[Hunk, str | None, bool]] = []  # context-only hunks, with anchor and end mark

    def update_line(self, line: str, number: int, problems: list[str]) -> None:
        if line.startswith("@@"):
            self.close_hunk(False)
            anchor = line[2:].strip()
            self.anchor = anchor or None
            self.lines = []
            return
        if line.strip() == EOF_MARK:
            self.close_hunk(True)
            return
        if line[:1] in (" ", "+", "-"):
            self.hunk_line(line)
        elif line == "":
            self.hunk_line(" ")  # Codex reads an empty line inside a hunk as an empty context line
        else:
            problems.append(f"line {number}: unexpected line in an Update File hunk")

    def hunk_line(self, body: str) -> None:
        """Add a ' ', '+' or '-' line to the open hunk."""
        if self.lines is None:  # the first hunk of a section may omit its @@ header
            self.lines = []
            self.anchor = None
        self.lines.append(body)

    def close_hunk(self, end_of_file: bool) -> None:
        lines = self.lines
        self.lines = None
        if not lines:
            return
        # Every hunk line starts with ' ', '+' or '-' (see update_line), so counting two of them
        # tells all: no '+' and no '-' is a context-only hunk, which changes nothing.
        heads = [line[0] for line in lines]
        added = heads.count("+")
        removed = heads.count("-")
        hunk = Hunk(0, len(lines) - added, 0, len(lines) - removed, lines)
        if not added and not removed:
            self.idle.append((hunk, self.anchor, end_of_file))
            return
        self.edit.hunks.append(hunk)
        self.anchors.append(self.anchor)
        self.eofs.append(end_of_file)
        self.anchor = None

    def keep_idle(self) -> None:
        """An update made only of context-only hunks keeps them: they say the file stayed as it was."""
        if self.edit.hunks or self.content is not None:
            return
        for hunk, anchor, end_of_file in self.idle:
            self.edit.hunks.append(hunk)
            self.anchors.append(anchor)
            self.eofs.append(end_of_file)


def _finish(patch: Patch, builder: _Builder | None) -> None:
    if builder is None:
        return
    if builder.content is not None:
        builder.edit.content = "\n".join(builder.content) + "\n" if builder.content else ""
    else:
        builder.close_hunk(False)
        builder.keep_idle()
    if not builder.edit.path:
        patch.problems.append(f"a {builder.edit.op} section has no path")
        return
    patch.append(builder.edit)
    patch.anchors.append(builder.anchors)
    patch.end_of_file.append(builder.eofs)
    return


# ---- finding a patch inside a shell command -------------------------------------------------

_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_NAMES = ("apply_patch", "applypatch")


def patch_from_command(command: object) -> tuple[str, str | None] | None:
    """The patch a shell-tool command applies, and the directory it `cd`s into first (or None).

    Recognises the forms Codex itself accepts: argv `["apply_patch", PATCH]`, and a shell script
    (argv `[bash, -lc, SCRIPT]` or a plain command string) that is, as a whole, `apply_patch`
    fed by a heredoc, optionally preceded by `cd DIR &&`. A script that merely mentions
    apply_patch among other commands is not an edit Codex would have intercepted.
    """
    if isinstance(command, list):
        if not command or not all(isinstance(part, str) for part in command):
            return None
        if len(command) == 2 and command[0] in _NAMES:
            return command[1], None
        if len(command) == 3 and _is_shell(command[0]) and command[1] in ("-lc", "-c", "-l"):
            return _from_script(command[2])
        return None
    if isinstance(command, str):
        return _from_script(command)
    return None


def _is_shell(program: str) -> bool:
    return program.replace("\\", "/").rsplit("/", 1)[-1] in _SHELLS


def _from_script(script: str) -> tuple[str, str | None] | None:
    text = script.replace("\r\n", "\n").strip()
    directory: str | None = None
    if text.startswith("cd "):
        head, sep, rest = text.partition("&&")
        if not sep:
            return None
        directory = _unquote(head[3:].strip())
        text = rest.strip()
    for name in _NAMES:
        if text.startswith(name):
            text = text[len(name) :]
            break
    else:
        return None
    first, newline, body = text.partition("\n")
    first = first.strip()
    if not newline or not first.startswith("<<"):
        return None
    delimiter = _unquote(first[2:].lstrip("-").strip())
    if not delimiter:
        return None
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == delimiter:
            if any(rest.strip() for rest in lines[i + 1 :]):
                return None  # more commands follow: not a pure apply_patch invocation
            return "\n".join(lines[:i]), directory
    return body, directory  # no closing delimiter: take what is there (parse_patch flags it)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
