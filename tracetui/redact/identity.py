"""The user's own identity and environment: names, homes, hosts, emails, values from .env reads.

These are the things a shared session leaks without any secret format: `/Users/jdoe/...` in every
path, Claude Code's `-Users-jdoe-proj` project slugs, the machine's host name, the git email, and
the values the agent read out of the project's `.env`. They are known exactly, so they are sure
("auto") findings wherever they appear.
"""

from __future__ import annotations

import configparser
import getpass
import hashlib
import os
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tracetui.errors import TracetuiError
from tracetui.model import Session, StepKind
from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.gate_words import Words, in_lowered
from tracetui.redact.people import account_names, remembered_names, repository_people
from tracetui.redact.text_checks import entropy, is_placeholder
from tracetui.regular_file import read_regular

# Account names that name no person: scrubbing them as words would hit ordinary text.
GENERIC_USERS = frozenset(
    "root admin administrator user users runner ubuntu debian ec2-user vagrant docker node app dev test "
    "guest shared public default all www-data nobody daemon build ci home work src tmp var".split()
)
# Host names that name no machine: a build box called `test` or `runner` had every such word of every log
# scrubbed, and `export --check` then failed on the export's own card. Such an account name is no host's.
GENERIC_HOSTS = GENERIC_USERS | {"localhost", "localhost.localdomain", "127.0.0.1", "::1", "host"}


@dataclass(slots=True)
class Identity:
    user_names: set[str] = field(default_factory=set)
    host_names: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)  # exact secret values known from this environment
    person_names: set[str] = field(default_factory=set)  # people this machine knows (`people.py`)
    # Home folders outside the known prefixes that the session's own evidence shows (`homes_in`).
    home_paths: set[str] = field(default_factory=set)

    def merged(self, other: Identity) -> Identity:
        return Identity(
            self.user_names | other.user_names,
            self.host_names | other.host_names,
            self.emails | other.emails,
            self.values | other.values,
            self.person_names | other.person_names,
            self.home_paths | other.home_paths,
        )

    def fingerprint(self) -> str:
        """A stable digest of everything here (a scan cache key part; never shown)."""
        h = hashlib.sha256()
        for group in (self.user_names, self.host_names, self.emails, self.values, self.person_names,
                      self.home_paths):
            for item in sorted(group):
                h.update(item.encode("utf-8", "surrogatepass") + b"\0")
            h.update(b"\1")
        return h.hexdigest()[:16]

    @classmethod
    def from_environment(cls) -> Identity:
        """Who runs tracetui: login name, $HOME's last part, host name, git user email; the people the
        account knows (its full name, git's user.name, the names the user asked to remember)."""
        ident = cls()
        for name in (_safe(getpass.getuser), lambda: Path(os.environ.get("HOME", "")).name):
            value = _safe(name) if callable(name) else name
            if value:
                ident.user_names.add(value)
        host = _safe(socket.gethostname)
        if host:
            ident.host_names.add(host)
            ident.host_names.add(host.split(".")[0])
        home = os.environ.get("HOME")
        if home:
            for cfg in (Path(home) / ".gitconfig", Path(home) / ".config" / "git" / "config"):
                ident.emails.update(_git_emails(cfg))
        ident.person_names = account_names() | {n for n in remembered_names() if n}
        ident.user_names = {u for u in ident.user_names if _usable_name(u)}
        ident.host_names = {h for h in ident.host_names if h and h.lower() not in GENERIC_HOSTS and len(h) >= 3}
        return ident


def _safe(fn):
    try:
        return fn()
    except Exception:  # no login name in a container, no host name: nothing to learn
        return None


def _usable_name(name: str) -> bool:
    return len(name) >= 2 and name.lower() not in GENERIC_USERS


# The most of a git config read for its e-mails, as for its names (people.py): hand-written, a few KB.
GITCONFIG_MOST = 1 << 20


def _git_emails(path: Path) -> set[str]:
    try:
        # A regular file of a sane size only: a FIFO in its place (a dotfiles checkout) blocked every
        # scan for ever, a sparse file of gigabytes took the memory. Such a file holds no e-mail.
        text = read_regular(path, GITCONFIG_MOST).decode("utf-8", errors="replace")
    except (OSError, TracetuiError):
        return set()
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return set(re.findall(r"(?im)^\s*email\s*=\s*(\S+@\S+)\s*$", text))
    return {v.strip() for s in parser.sections() for k, v in parser.items(s) if k == "email" and "@" in v}


# --- What the session itself reveals -------------------------------------------------------------

# A path's separator as a log spells it: `/`, `\\`, or `\\` escaped once more by JSON.
_SEP = r"(?:\\\\|\\|/)"
# Homes a Windows machine shows: its drive's folders (whose case Windows ignores), as WSL mounts them
# (`/mnt/c/Users/NAME`), and a WSL distribution's homes as Windows reaches them (`\\\\wsl$\\Ubuntu\\home`).
_WINDOWS_HOMES = (
    r"/mnt/[A-Za-z]/(?i:users)/|" + _SEP + r"{2,4}wsl(?:\$|\.localhost)" + _SEP + r"[A-Za-z0-9._\-]{1,64}"
    + _SEP + r"home" + _SEP
)
_HOME_NAME = re.compile(
    r"(?:/Users/|/home/|/export/home/|/var/home/|" + _WINDOWS_HOMES + r"|"
    r"[A-Za-z]:" + _SEP + r"(?i:Users|Documents and Settings)" + _SEP + r")"
    r"([A-Za-z0-9._][A-Za-z0-9._\-]{0,63})"
)
_ENV_FILE = re.compile(r"(?:^|[/\\\s\"'])\.env(?:\.[\w.\-]+)?(?:$|[\s\"'])")
_ENV_LINE = re.compile(r"(?m)^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*(.*?)[ \t]*\r?$")
_NUMBERED_LINE = re.compile(r"^[ \t]*\d+(?:\t|→|:|\|)")  # Read-tool output: "    12→KEY=value"


def user_names_in(texts: Iterable[str]) -> set[str]:
    names = set()
    for text in texts:
        if text:
            for m in _HOME_NAME.finditer(text):
                if _usable_name(m.group(1)):
                    names.add(m.group(1))
    return names


# The agent's own store, as only a home holds it: a subfolder a project's own `.claude`, `.codex`,
# `.gemini` or `.pi` folder never has (sessions, plans, system skills), or a folder no project has.
_STORE = (r"\.claude/(?:projects|plans|todos|file-history|shell-snapshots|session-env)"
          r"|\.codex/(?:sessions|archived_sessions|memories|skills/\.system)"
          r"|\.pi/agent|\.gemini/(?:tmp|history)|\.copilot/(?:session-state|history-session-state)"
          r"|\.local/share/opencode")
_STORE_NEEDLES = ("/.claude/", "/.codex/", "/.pi/agent", "/.gemini/", "/.copilot/", "/.local/share/opencode")
_HOME_OF_STORE = re.compile(  # an absolute path's start (not `~/`, `C:/`, `x/`), up to 8 folders
    r"(?<![A-Za-z0-9._@+~\-/\\:])((?:/[A-Za-z0-9._@+\-]{1,64}){1,8}?)"
    r"/(?:" + _STORE + r")(?![A-Za-z0-9._\-])"
)
# Folders a system keeps, never a person's home however a log names them (`/mnt/data/.claude`).
_SYSTEM_FOLDERS = frozenset(
    "usr opt srv etc mnt media data bin sbin lib lib64 proc sys boot run nix snap volumes private export "
    "users local share cache config".split()
)
MAX_HOMES = 16  # more is a log made to list folders, not one person's homes
ROOT_HOME = "/root"  # the superuser's home: one folder deep, which no other home outside the prefixes is
# What only a home holds (a shell's history, ssh's own files, a user's tool caches), never a project:
# a dotfiles repository has `.bashrc` and `.gitconfig`, a Gatsby site `.cache`, but none of these.
_LIVED_IN = (r"\.(?:bash|zsh)_history|\.ssh/(?:known_hosts|authorized_keys|id_[a-z0-9]+)"
             r"|\.npm/_cacache|\.cargo/registry|\.rustup/toolchains|\.vscode-server/|\.nvm/versions")


def homes_in(texts: Iterable[str]) -> set[str]:
    """Home folders outside the known prefixes (`/srv/NAME`, `/u/NAME`) shown by the agent's store
    in them: the folder holding `.claude/projects`, `.codex/sessions`, ...
    A folder whose last name names no person (`/srv/app`), or one a known prefix already covers, is
    left out."""
    homes: set[str] = set()
    for text in texts:
        if not text or not any(n in text for n in _STORE_NEEDLES):
            continue
        for m in _HOME_OF_STORE.finditer(text):
            home = m.group(1)
            parts = home.split("/")[1:]
            if home == ROOT_HOME:
                homes.add(home)
                continue
            if len(parts) < 2 or any(p.strip(".") == "" for p in parts) or not _usable_name(parts[-1]):
                continue  # `/srv/.claude` is no one's home: every `/srv/...` path would read <HOME>
            if parts[-1].lower() in _SYSTEM_FOLDERS:
                continue
            if _HOME_PREFIX.match(home):
                continue  # found as any home is
            homes.add(home)
            if len(homes) >= MAX_HOMES:
                return homes
    return homes


def lived_in(folder: str, texts: Iterable[str]) -> bool:
    """Whether `texts` show in `folder` what only a home holds (`_LIVED_IN`): a shell's history,
    ssh's known hosts or keys, a user's npm, Cargo, rustup, nvm or VS Code server folders."""
    found = re.compile(r"(?<![A-Za-z0-9._@+\-/])" + re.escape(folder) + r"/(?:" + _LIVED_IN + r")")
    return any(folder in text and found.search(text) for text in texts if text)


def identity_from_session(session: Session) -> Identity:
    """User names and homes from the session's own paths, and values from the .env files it read."""
    texts = [session.cwd or "", session.source or "", *session.files]
    texts += [s.cwd for s in session.steps if s.cwd]
    ident = Identity(user_names=user_names_in(texts))
    # A store in the session's own working folder is the project's (a `CODEX_HOME` kept in the
    # repository), not a home: taken as one, the project's name would read <HOME> everywhere. Unless
    # the session shows the folder lived in (`lived_in`): the agent was run in the home itself.
    worked_in = {c.rstrip("/") for c in (session.cwd, *(s.cwd for s in session.steps)) if c}
    every = [*texts, *(s.text for s in session.steps)]
    homes = homes_in(every)
    ident.home_paths = {h for h in homes if h not in worked_in or h == ROOT_HOME or lived_in(h, every)}
    ident.values = env_values(session)
    ident.person_names = set(repository_people(session.cwd))
    return ident


def env_values(session: Session) -> set[str]:
    """Values of KEY=VALUE lines in the results of tool calls that read a .env file."""
    reads: set[str] = set()
    for step in session.steps:
        if step.kind == StepKind.TOOL_CALL and step.tool_call_id and _ENV_FILE.search(_target_text(step.tool_input)):
            reads.add(step.tool_call_id)
    values: set[str] = set()
    if not reads:
        return values
    for step in session.steps:
        if step.kind == StepKind.TOOL_RESULT and step.tool_call_id in reads:
            for line in step.text.splitlines():
                line = _NUMBERED_LINE.sub("", line, count=1)
                m = _ENV_LINE.match(line)
                if not m:
                    continue
                value = m.group(2).strip().strip("\"'")
                if _secret_setting(m.group(1), value):
                    values.add(value)
    return values


# A .env holds settings as well as secrets (`DDL_AUTO=update`, `DB_HOST=localhost`, `APP_NAME=shop`).
# Its values are scrubbed everywhere they appear, so a setting taken for a secret blanks a common word
# in the whole session. A value is taken when its name says it is a credential, when it is a URL
# that carries one, or when it reads as random rather than as words.
_CREDENTIAL_NAME = re.compile(
    r"(?i)pass|pwd|secret|token|credential|auth|private|salt|cookie|signing|(?:^|[_.\-])(?:api)?_?key(?:s|$|[_.\-])|dsn"
)
_URL_WITH_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def _secret_setting(name: str, value: str) -> bool:
    if len(value) < 6 or value.isdigit() or is_placeholder(value):
        return False
    if _CREDENTIAL_NAME.search(name) or _URL_WITH_PASSWORD.search(value):
        return entropy(value) >= 2.0
    letters_and_digits = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    return len(value) >= 16 and letters_and_digits and " " not in value and entropy(value) >= 3.5


# Arguments that name what a call reads: a .env named only in an edit's instruction or new text is
# not a read of it (a real session's `dotenv.load(fileName: ".env")` edit took its result for one).
_TARGET_ARGS = frozenset(
    {"file_path", "path", "file", "filename", "filepath", "absolute_path", "notebook_path", "target_file",
     "paths", "files", "command", "cmd", "args", "argv", "input"}
)  # fmt: skip


def _target_text(tool_input) -> str:
    if isinstance(tool_input, dict):
        return " ".join(_call_text(v) for k, v in tool_input.items() if str(k).lower() in _TARGET_ARGS)
    return _call_text(tool_input)


def _call_text(tool_input) -> str:
    if isinstance(tool_input, str):
        return tool_input
    if isinstance(tool_input, dict):
        return " ".join(_call_text(v) for v in tool_input.values())
    if isinstance(tool_input, list):
        return " ".join(_call_text(v) for v in tool_input)
    return ""


# --- Finding them in text ------------------------------------------------------------------------

# Any home directory, whoever's: the name in it is a person's account name. A drive letter starts a
# word (or follows an escaped line break): in `…/node_modules:/Users/jdoe` the `s:` is a PATH list's
# end and separator, not drive S.
_HOME_PREFIX = re.compile(
    r"(?:/(?:Users|home|export/home|var/home)/|" + _WINDOWS_HOMES + r"|(?:(?<![A-Za-z0-9._])|(?<=\\[nrt]))"
    r"[A-Za-z]:" + _SEP + r"(?i:Users|Documents and Settings)" + _SEP + r")"
    r"[A-Za-z0-9._][A-Za-z0-9._\-]{0,63}"
)
# Claude Code's project folder names a home whoever's it is (`/home/NAME/shop` -> `-home-NAME-shop`,
# `C:\\Users\\NAME` -> `C--Users-NAME`, WSL's `-mnt-c-Users-NAME`): a word's dash (`stay-at-home-`)
# or an option's (`--home-dir`) starts none. A slug keeps only a name's letters and digits: it ends at
# the next dash.
_HOME_SLUG = re.compile(
    r"(?:(?<![A-Za-z0-9._\-])|(?<=[A-Za-z]-))(?:-mnt-[A-Za-z])?-(?:home|Users)-([A-Za-z0-9]{1,64})"
    r"(?![A-Za-z0-9])"
)
# Pi's session folder is the cwd between two dashes each side (`/home/NAME/x` -> `--home-NAME-x--`): an
# option (`--home-dir x`) has no closing pair.
_PI_SLUG = re.compile(r"(?<=-)(?<![A-Za-z0-9._\-]-)-(?:home|Users)-[A-Za-z0-9._]{1,64}(?=-[^\s\"'/\\]*--|--)")
_HOME_NEEDLES = ("/users/", "/home/", "users\\", "\\home\\")
_ANY_HOME = Words(*_HOME_NEEDLES)
_NOT_A_USER = frozenset({"shared", "public", "default", "all users", "default user", "runner"})


def identity_findings(text: str, lowered: str, ident: Identity | None) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if _ANY_HOME.any_in(has):
        for m in _HOME_PREFIX.finditer(text):
            before = text[m.start() - 1: m.start()]
            escaped = before in ("n", "r", "t") and text[m.start() - 2: m.start() - 1] == "\\"
            if before and (before.isalnum() or before in "._") and not escaped:
                continue  # "/x/home/..." or "D:" inside a word (not after a JSON `\n`): not a home directory
            name = m.group(0).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
            if name.lower() in _NOT_A_USER or name in (".", ".."):
                continue
            yield Finding(m.start(), m.end(), kinds.HOME_PATH, AUTO, "identity:home-path")
    if "-home-" in has or "-users-" in has:
        for m in _HOME_SLUG.finditer(text):
            if m.group(1).lower() not in _NOT_A_USER:
                yield Finding(m.start(), m.end(), kinds.HOME_PATH, AUTO, "identity:project-slug")
        for m in _PI_SLUG.finditer(text):
            if m.group(0).rsplit("-", 1)[1].lower() not in _NOT_A_USER:
                yield Finding(m.start(), m.end(), kinds.HOME_PATH, AUTO, "identity:project-slug")
    if ident is None:
        return
    yield from _known_home_findings(text, ident.home_paths)
    # Most texts hold none of these literals: a substring test (C's fast search) says so before the
    # patterns below try their alternations at every position. `re.I` folds a few characters that
    # `str.lower` leaves or lowers otherwise (`ſ`, `İ`, the Kelvin sign), so a folded literal is tested
    # so only where it and the text are ASCII.
    ascii_text = text.isascii()
    names = sorted((n for n in ident.user_names if _usable_name(n) and n in text), key=len, reverse=True)
    if names:
        # Claude Code writes the project dir as a slug: /Users/jdoe/proj -> -Users-jdoe-proj.
        alts = "|".join(re.escape(n) for n in names)
        for m in re.finditer(r"-(?:Users|home)-(?:" + alts + r")(?=-|$|[/\\\s\"'])", text):
            yield Finding(m.start(), m.end(), kinds.HOME_PATH, AUTO, "identity:project-slug")
        for m in re.finditer(r"(?<![A-Za-z0-9])(?:" + alts + r")(?![A-Za-z0-9])", text):
            tier = AUTO if len(m.group(0)) >= 5 else SUGGESTED
            yield Finding(m.start(), m.end(), kinds.USER_NAME, tier, "identity:user-name")
    for group, kind, detector in (
        (ident.host_names, kinds.HOST_NAME, "identity:host-name"),
        (ident.emails, kinds.EMAIL, "identity:git-email"),
        (ident.values, kinds.ENV_VALUE, "identity:env-file-value"),
    ):
        folded = kind in (kinds.HOST_NAME, kinds.EMAIL)
        literals = [v for v in group if v and len(v) >= 3]
        if folded and ascii_text:
            literals = [v for v in literals if not v.isascii() or v.lower() in lowered]
        elif not folded:
            literals = [v for v in literals if v in text]
        if not literals:
            continue
        for m in _literals_pattern(literals, folded).finditer(text):
            yield Finding(m.start(), m.end(), kind, AUTO, detector)
    yield from _person_findings(text, ident.person_names)


def _known_home_findings(text: str, homes: set[str]) -> Iterator[Finding]:
    """A home the session showed (`homes_in`) as a whole folder, and as Claude Code's slug of it
    (`/srv/jdoe/shop` -> `-srv-jdoe-shop`)."""
    present = [h for h in homes if h in text]
    slugs = [s for s in (re.sub(r"[^A-Za-z0-9]", "-", h) for h in homes) if s in text]
    if present:
        alts = "|".join(re.escape(h) for h in sorted(present, key=len, reverse=True))
        for m in re.finditer(r"(?<![A-Za-z0-9._\-/])(?:" + alts + r")(?!\.?[A-Za-z0-9_\-])", text):
            yield Finding(m.start(), m.end(), kinds.HOME_PATH, AUTO, "identity:home-path")
    if slugs:
        alts = "|".join(re.escape(s) for s in sorted(slugs, key=len, reverse=True))
        for m in re.finditer(r"(?<![A-Za-z0-9])(?:" + alts + r")(?=-|$|[/\\\s\"'])", text):
            yield Finding(m.start(), m.end(), kinds.HOME_PATH, AUTO, "identity:project-slug")


def _literals_pattern(literals: list[str], folded: bool) -> re.Pattern[str]:
    """Any of `literals` as a whole word, the longest first; case-folded (`re.I`) or not.

    `re` tries it at every character: a lookahead on the literals' first characters fails there sooner
    than the lookbehind (under `re.I` its class folds as the literals' characters do)."""
    literals = sorted(literals, key=len, reverse=True)
    first = "".join(sorted({re.escape(v[0]) for v in literals}))
    alternatives = "|".join(re.escape(v) for v in literals)
    pattern = rf"(?=[{first}])(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])"
    return re.compile(pattern, re.I if folded else 0)


def _person_findings(text: str, people: set[str]) -> Iterator[Finding]:
    """Known people's names as written (case kept: `Lima` the name, not `lima` the word), as
    suggestions: a name may also be a project's or a place's, and the user decides."""
    present = sorted((n for n in people if n in text), key=len, reverse=True)
    if not present:
        return
    pattern = re.compile(r"(?<![\w@.])(?:" + "|".join(re.escape(n) for n in present) + r")(?![\w@])")
    for m in pattern.finditer(text):
        yield Finding(m.start(), m.end(), kinds.PERSON_NAME, SUGGESTED, "identity:person-name")
