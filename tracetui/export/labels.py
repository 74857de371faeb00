"""Outcome labels: what git says became of a session's work, and what its tests said.

Per patch, its survival state at the reference (the trail's, cached in the bucket); per session the
lines it wrote (`line_identity.written`: a re-indented line is not one) and how many of those are
alive, transformed, reverted or lost (a patch's lines count under its state), the test commands it
ran with the exit status each returned (from the tool results), and the commits that took its work.
Without a repository every state is `unknown`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.errors import TracetuiError
from tracetui.model import Session, StepKind
from tracetui.trail import Fate, given_clone, trail
from tracetui.trail.line_identity import written

LINE_STATES = ("alive", "transformed", "reverted", "lost", "uncommitted", "unknown")

# Programs that run tests by themselves, and those that do when their next word asks them to
# (`go test`, `npm run test:unit`). A command runs tests when one of its simple commands' program is
# one: a word elsewhere (a patch's text, an echo, a heredoc's body) is no test run.
_RUNNERS = frozenset(
    "pytest py.test tox nox nosetests unittest jest vitest mocha ava karma rspec phpunit ctest bats"
    " trial ward behave".split()
)
_TEST_SUBCOMMAND = frozenset(
    "go cargo npm pnpm yarn bun deno dotnet mvn mvnw gradle gradlew mix swift zig make just rake bazel"
    " flutter dart sbt lein stack cabal playwright".split()
)
_RUN_SUBCOMMAND = frozenset({"cypress"})  # `cypress run`
# Words that run the rest of the command as a command of its own.
_WRAPPERS = frozenset("sudo env time nice nohup command exec xvfb-run npx bunx pnpx dotenv".split())
_WRAPPER_PAIRS = {"uv": "run", "poetry": "run", "pipenv": "run", "pdm": "run", "hatch": "run",
                  "pnpm": "exec", "yarn": "exec", "bundle": "exec", "conda": "run", "rye": "run"}  # fmt: skip
_SHELLS = frozenset("sh bash zsh dash ksh fish".split())
_PYTHONS = re.compile(r"python(?:\d+(?:\.\d+)?)?(?:\.exe)?|py")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "|&", ";;"})
_HEREDOC = re.compile(
    r"<<-?[ \t]*(['\"]?)([A-Za-z_][\w.-]*)\1[^\n]*\n(.*?)(?:^|\n)[ \t]*\2[ \t]*(?=\n|$)", re.S
)


def is_test_command(command: str, depth: int = 0) -> bool:
    """Whether a shell command runs tests: one of its simple commands is a test runner (past `cd x &&`,
    variable assignments, `sudo`/`env`/`timeout 60`, `uv run`, `npx`, `python -m`, `bash -lc '...'`).
    A heredoc's body is data, never a command."""
    text = _HEREDOC.sub("\n", command)
    for words in _simple_commands(text):
        if _runs_tests(words, depth):
            return True
    return False


def _lexed(line: str, punctuation: str) -> list[str] | None:
    """A shell line's tokens, `punctuation` split off as operators; None where a quote is left open."""
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=punctuation)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:
        return None


def _simple_commands(text: str) -> list[list[str]]:
    found: list[list[str]] = []
    for line in text.splitlines():
        tokens = _lexed(line, ";&|()") or line.split()  # an unclosed quote: words as they stand
        words: list[str] = []
        for token in tokens:
            if token in _SEPARATORS:
                if words:
                    found.append(words)
                words = []
            else:
                words.append(token)
        if words:
            found.append(words)
    return found


def status_is_the_tests(command: str, depth: int = 0) -> bool:
    """Whether a test command's exit status is its tests': the last simple command that runs tests is
    followed only by `&&` (a failure stops the rest, a pass leaves the status to them). After `|` the
    status is the pipe's last program's (`pytest | tail`: tail's 0, whatever the tests did) unless
    `pipefail` is set; after `;` or `||` it is a later command's (`pytest || true`)."""
    chain: list[tuple[list[str], str]] = []
    for line in _HEREDOC.sub("\n", command).splitlines():
        words: list[str] = []
        for token in _tokens(line):
            if token in _SEPARATORS:
                chain.append((words, token))
                words = []
            else:
                words.append(token)
        chain.append((words, ";"))  # a line's end goes on as `;` does
    chain = [(words, sep) for words, sep in chain if words]
    last = max((i for i, (words, _) in enumerate(chain) if _runs_tests(words, depth)), default=None)
    if last is None:
        return False
    words = chain[last][0]
    shell = next((j for j, w in enumerate(words) if w.rsplit("/", 1)[-1].lower() in _SHELLS), None)
    if shell is not None and depth <= 3:  # `bash -lc 'cd x && pytest | tail'`: the script decides
        script = next((words[j + 1] for j in range(shell + 1, len(words) - 1) if words[j].startswith("-")
                       and "c" in words[j]), None)  # fmt: skip
        rest = " ".join(words[words.index(script, shell + 1) :]) if script is not None else None
        if rest is not None and not status_is_the_tests(rest, depth + 1):
            return False
    piped_ok = "pipefail" in command
    return all(sep == "&&" or (sep == "|" and piped_ok) for _, sep in chain[last:-1]) and (
        chain[last][1] in ("&&", ";") or (chain[last][1] == "|" and piped_ok) or last == len(chain) - 1
    )


def _tokens(line: str) -> list[str]:
    """A line's words and separators, a redirection's `2>&1` or `&>` kept as words."""
    raw = _lexed(line, ";&|()<>")
    if raw is None:  # an unclosed quote: words as they stand
        return line.split()
    out: list[str] = []
    for token in raw:
        last = out[-1] if out else ""
        if token[:1] in "<>" and (last.isdigit() or last == "&"):
            out[-1] += token  # `2>`, `&>`: the operator of a redirection, not a word and a separator
        elif token == "&" and last and last[-1] in "<>":
            out[-1] += token  # `2>&`
        elif len(last) > 1 and last[-1] == "&" and last[-2] in "<>":
            out[-1] += token  # `2>&1`: the descriptor it names
        else:
            out.append(token)
    return out


def _runs_tests(words: list[str], depth: int) -> bool:
    i = 0
    while i < len(words):
        word = words[i]
        name = word.rsplit("/", 1)[-1].lower()
        if _ASSIGNMENT.match(word) or word in ("!", "{", "}", "then", "do", "else", "if", "while"):
            i += 1
        elif name in _WRAPPERS:
            i += 1
            while i < len(words) and (words[i].startswith("-") or _ASSIGNMENT.match(words[i])):
                i += 1
        elif name == "timeout":
            i += 1
            while i < len(words) and (words[i].startswith("-") or words[i][:1].isdigit()):
                i += 1
        elif name in _WRAPPER_PAIRS and i + 1 < len(words) and words[i + 1] == _WRAPPER_PAIRS[name]:
            i += 2
            while i < len(words) and words[i].startswith("-"):
                i += 1
        elif name == "nix" and ("-c" in words[i:] or "--command" in words[i:]):
            # `nix develop -c CMD`, `nix shell PKG --command CMD`: CMD runs in the environment.
            i = next(j for j in range(i, len(words)) if words[j] in ("-c", "--command")) + 1
        elif name == "nix-shell" and "--run" in words[i:-1]:
            return is_test_command(words[words.index("--run", i) + 1], depth + 1) if depth <= 3 else False
        elif name in _SHELLS:
            script = next((words[j + 1] for j in range(i + 1, len(words) - 1) if words[j].startswith("-")
                           and "c" in words[j]), None)  # fmt: skip
            if script is None or depth > 3:
                return False
            # argv joined with spaces (`bash -lc cd x && pytest`) leaves the script's rest as words.
            rest = " ".join(words[words.index(script, i + 1) :])
            return is_test_command(rest, depth + 1)
        else:
            break
    if i >= len(words):
        return False
    name = words[i].rsplit("/", 1)[-1].lower()
    args = [w for w in words[i + 1 :] if not w.startswith("-")]
    if name in _RUNNERS:
        return True
    if _PYTHONS.fullmatch(name):
        module = next((words[j + 1] for j in range(i + 1, len(words) - 1) if words[j] == "-m"), None)
        return module in _RUNNERS or module in ("pytest", "unittest", "nose", "nose2", "tox", "nox")
    if name in _TEST_SUBCOMMAND and args:
        first = args[0]
        if first == "test" or first.startswith("test:"):
            return True
        return first == "run" and len(args) > 1 and (args[1] == "test" or args[1].startswith("test:"))
    return name in _RUN_SUBCOMMAND and args[:1] == ["run"]


@dataclass(slots=True)
class Outcome:
    """The labels of one session and the fates of its patches."""

    fates: list[Fate] = field(default_factory=list)
    ref: str = "HEAD"
    repo: str | None = None
    note: str | None = None
    tests: list[dict[str, Any]] = field(default_factory=list)  # {"step", "command", "exit_code"}
    # People's ratings (`tracetui rate`): {"step": index or None, "verdict", "note", "at"}
    ratings: list[dict[str, Any]] = field(default_factory=list)
    ref_commit: str | None = None  # the commit `ref` named when judged (not a label: it names no work)

    def labels(self) -> dict[str, Any]:
        lines = {state: 0 for state in LINE_STATES}
        added = 0
        for fate in self.fates:
            n = written(fate.patch)
            lines[fate.state] = lines.get(fate.state, 0) + n
            added += n
        last = self.tests[-1]["exit_code"] if self.tests else None
        return {
            "ref": self.ref,
            "patches": len(self.fates),
            "lines_added": added,
            **{f"lines_{state}": n for state, n in lines.items()},
            "tests": self.tests,
            "tests_last_exit": last,
            "commits": sorted({f.commit for f in self.fates if f.commit}),
            "note": self.note,
            "ratings": self.ratings,
            "rating": next((r["verdict"] for r in reversed(self.ratings) if r["step"] is None), None),
        }


def outcome(
    session: Session, ref: str = "HEAD", repo: str | Path | None = None, cache_dir: Path | None = None
) -> Outcome:
    """The session's outcome at `ref`: in `repo` where it is the session's own repository (one clone
    is given for every session exported or evaluated: `trail.given_clone`), else in the repository
    of its cwd.

    A repository where `ref` does not resolve (another project's clone, a branch since deleted) gives
    `unknown` states with the reason, not a failed export.
    """
    clone, aside = given_clone(session, repo)
    try:
        # A fork's copies of its parent's patches are the parent's run (as its tool_calls rows are).
        found = trail(session, repo=clone, ref=ref, cache_dir=cache_dir, own_only=True)
        fates, where, at = list(found.own), found.repo, found.ref_commit
        note = aside + (found.note or "judged where it ran") if aside else found.note
    except TracetuiError as exc:
        from tracetui.trail import session_patches

        fates = [Fate(p, "unknown", reason=str(exc)) for p in session_patches(session) if not p.copied]
        note, where, at = aside + str(exc), None, None
    return Outcome(fates, ref, where, note, test_runs(session), ref_commit=at)


def command_of(tool_input: Any) -> str | None:
    """The shell command of a tool call, as the readers give it (a string, or argv as a list)."""
    if isinstance(tool_input, dict):
        for key in ("command", "cmd", "script"):
            value = tool_input.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return " ".join(value)
    return None


def test_runs(session: Session) -> list[dict[str, Any]]:
    """Every test command the session ran, in order, with the exit status its result reported where
    that status is the tests' (`status_is_the_tests`; else None): a command whose program is a test
    runner (`is_test_command`), from a call that ran as a command."""
    results: dict[str, Any] = {}
    for step in session.steps:
        if step.kind == StepKind.TOOL_RESULT and step.tool_call_id:
            code = step.meta.get("exit_code")
            # An error with no status (aborted, timed out, refused) says nothing of the tests.
            results[step.tool_call_id] = None if isinstance(code, bool) or not isinstance(code, int) else code
    runs = []
    for step in session.steps:
        # A call that wrote files (apply_patch through the shell, a heredoc write) or that never
        # ran (a copy a resumed log wrote again; a fork's copy; a call Pi's aborted turn dropped)
        # is no test run, whatever its text mentions.
        if step.kind != StepKind.TOOL_CALL or step.edits or "relogged" in step.meta or step.copied:
            continue
        if step.meta.get("not_run"):
            continue
        command = command_of(step.tool_input)
        if command is None or not is_test_command(command):
            continue
        code = step.meta.get("exit_code")
        if isinstance(code, bool) or not isinstance(code, int):
            code = results.get(step.tool_call_id or "")
        if not status_is_the_tests(command):  # `pytest | tail`: tail's status says nothing of the tests
            code = None
        runs.append({"step": step.index, "command": command, "exit_code": code})
    return runs
