"""People whose names this machine already knows: the account's full name, git's `user.name`, the
authors and committers of a session's repository, and the names the user told the editor to remember.

Each is found wherever it appears, as a suggestion (kind `person-name`): knowing a name needs no model
and no list of names, only a place that already holds it. Agents and bots that sign commits
(`Claude`, `dependabot[bot]`) are not people and are left out.
"""

from __future__ import annotations

import configparser
import functools
import os
import re
from pathlib import Path

from tracetui.errors import TracetuiError
from tracetui.regular_file import discover_git_dir, read_regular

# How far back a repository's history is read for its people: enough for every recent contributor,
# bounded so a repository of a million commits costs a fraction of a second.
_COMMITS = 3000
_NAMES_LIMIT = 1 << 20  # the remembered-names file is a few lines; a huge one is not read
_NAMES_FILE = "names.txt"

# Signatures of programs, not people. Words compared in lower case.
_NOT_PEOPLE = frozenset(
    {"claude", "codex", "copilot", "gemini", "opencode", "openclaw", "cursor", "devin", "aider", "github",
     "gitlab", "bitbucket", "dependabot", "renovate", "actions", "bot", "ci", "root", "admin", "unknown",
     "user", "your name", "you", "system", "noreply", "web-flow", "autofix", "pre-commit-ci", "snyk-bot",
     # accounts images create, whose GECOS field names the image, not a person
     "ubuntu", "debian", "fedora", "centos", "alpine", "vagrant", "ec2-user", "runner", "docker", "node",
     "daemon", "nobody", "operator", "games", "backup", "linuxbrew", "codespace", "jenkins", "gitpod"}
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_][\w'’.\-]*")


def usable_person_name(name: str) -> bool:
    """Whether `name` reads as a person's: letters, not a program's signature, and long enough that
    finding it in text is not finding an ordinary word (one word: a handle of at least five letters)."""
    name = name.strip()
    if not name or len(name) > 80 or any(ord(c) < 32 for c in name):
        return False
    low = name.lower()
    if low in _NOT_PEOPLE or "[bot]" in low or low.endswith("bot") or "@" in name:
        return False
    words = _WORD.findall(name)
    if not words or any(w.lower() in _NOT_PEOPLE for w in words):
        return False
    if len(words) == 1:
        return len(words[0]) >= 5
    # Several words with digits among them name a group or a machine ("Seed 2577cc60 maintainers").
    return all(len(w) >= 2 for w in words) and not any(c.isdigit() for c in name)


def account_names() -> set[str]:
    """The account's full name (the passwd entry's GECOS field) and git's global `user.name`."""
    names: set[str] = set()
    try:
        import pwd

        gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",")[0].strip()
        if gecos:
            names.add(gecos)
    except (ImportError, KeyError, OSError):  # Windows, or a container's uid with no entry
        pass
    home = os.environ.get("HOME")
    if home:
        for cfg in (Path(home) / ".gitconfig", Path(home) / ".config" / "git" / "config"):
            names.update(_git_user_names(cfg))
    return {n for n in names if usable_person_name(n)}


def _git_user_names(path: Path) -> set[str]:
    try:
        text = read_regular(path, limit=_NAMES_LIMIT).decode("utf-8", errors="replace")
    except (OSError, TracetuiError):  # missing, not a regular file, or too large: no names
        return set()
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return set()
    return {v.strip().strip('"') for s in parser.sections() for k, v in parser.items(s) if k == "name" and s == "user"}


def repository_people(cwd: str | None) -> frozenset[str]:
    """Authors and committers of the repository holding `cwd` on this machine (none where it is gone)."""
    if not cwd:
        return frozenset()
    try:
        # A FIFO or a huge file among the repository's own would block the open for ever or fill the memory.
        found = discover_git_dir(cwd)
    except Exception:  # a path of another machine, no repository or such a one: nobody to learn
        return frozenset()
    if not found:
        return frozenset()
    return _people_of(str(found))


@functools.lru_cache(maxsize=64)
def _people_of(git_dir: str) -> frozenset[str]:
    import pygit2

    names: set[str] = set()
    try:
        repo = pygit2.Repository(git_dir)
        if repo.head_is_unborn:
            return frozenset()
        walker = repo.walk(repo.head.target, pygit2.enums.SortMode.TIME)
        for n, commit in enumerate(walker):
            if n >= _COMMITS:
                break
            names.add(commit.author.name)
            names.add(commit.committer.name)
    except Exception:  # a damaged or unreadable repository: the names read so far
        pass
    return frozenset(n for n in names if usable_person_name(n))


def remembered_names_path() -> Path:
    """The names the user asked the editor to find in every session (one per line)."""
    from platformdirs import user_data_path

    return user_data_path("tracetui") / _NAMES_FILE


def remembered_names(path: Path | None = None) -> set[str]:
    path = remembered_names_path() if path is None else path
    try:
        text = read_regular(path, limit=_NAMES_LIMIT).decode("utf-8", errors="replace")
    except (OSError, TracetuiError):  # missing, not a regular file, or too large: no names
        return set()
    return {line.strip() for line in text.splitlines() if line.strip() and len(line.strip()) <= 80}


def remember_name(name: str, path: Path | None = None) -> bool:
    """Add `name` to the remembered names; False where it is no usable text (empty, a line break)."""
    name = name.strip()
    if not name or len(name) > 80 or any(ord(c) < 32 for c in name):
        return False
    path = remembered_names_path() if path is None else path
    if name in remembered_names(path):
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:
        out.write(name + "\n")
    return True
