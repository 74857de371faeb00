"""The literals the detectors test a text for before their patterns, found with the format rules' needles
in the one search a scan makes over its lowered text (`rules.TOKEN_NEEDLES`), so a test for a literal the
text lacks is a set lookup, not a pass over the text.

More in docs/internals/redact.md, `redact/gate_words.py`.
"""

from __future__ import annotations

from collections.abc import Callable

# As the detectors write them (ASCII, so a word in a text is its lower-case form in the lowered text at
# the same place: `detect._lower_aligned` lowers each character to one).
GATE_WORDS: tuple[str, ...] = (
    # the terminal view (`views`), on the text as logged
    "\\u", "\\u00", "\\u001", "\\u009", "u00", "\\x", ": >", ": |", "->", "config set", "configure set",
    "git config", "set -", "secret set", "secrets set", "gh secret", "sed ", "http-basic.", "printenv", "echo",
    "$env:", "process.env", "variable \"", "` is ", "` was ", "` to ",
    # the rules, detect-secrets' keyword plugin, prose and identity, on the lowered text
    "key", "pass", "pwd", "secret", "contrase", "token", "credential", "pin code", "value", "name", "password",
    "_auth", "aws_s", "machine", "login", "kind:", "data:", "authoriz", "x-", "bearer", "cookie", "private key",
    "%7c", "curl", "wget", "http", "xh", "mysql", "mariadb", "sshpass", "redis-cli", "/users/", "/home/",
    "users\\", "\\home\\", "-home-", "-users-",
    # PINs and one-time codes, PowerShell's and secret stores' commands, Oracle's logins (`rules.commands`)
    "securestring", "pin=", "pin:", "pin\"", "pin'", "pin =", "otp=", "otp:", "otp\"", "otp'", "otp =",
    "pin_code", "pin-code", "otp_code", "otp-code", "pincode", "otpcode", "keyvault", "secretsmanager",
    "user-secrets", "sqlplus", "sqlldr", "expdp", "impdp", "rman", "dgmgrl", "userid=",
    # the stems of a credential's name (`rules.assignments`), on the lowered text
    "pw", "auth", "dsn", "client", "sonar.login", "discord", "contribsys", "sidekiq", "psk",
    # the cues of a credential's line (`joined`), on the text lowered by `str.lower`
    " -u", " -a", "--user", "--auth", "--password", "--http-password", "passw", "api_key", "apikey", "api-key",
    # a credential as a call's argument, a notebook's output (`rules.calls`, `rules.notebook`)
    "password(", "passwd(", "pwd(", "passphrase(", "secret(", "secretkey(", "secret_key(", "token(",
    "apikey(", "api_key(", "pin(", "pincode(", "pin_code(", "pass(", "key(", "otp(", "otpcode(", "otp_code(",
    "networkcredential", "passwordcredentials", "mysqli", "mysql_connect", "passwordauth", "basicauth", "digestauth",
    "plainauth", "getconnection", "pdo(", "smtp.start", "login(", "authenticate(", "connect(", "basic_auth",
    "auth=", "auth =", "output_type", "text/plain",
    # a key under its registry's host or name (`rules.host_keys`): a YAML key that opens its line
    "\n:", "\t:", "+:", "::", "\\n:", "\": \":", "\":\":",
    # IPython's prompt before a cell's line (`rules.notebook`); key headers without `X-` (`rules.headers`)
    "in [",
    "private-token", "circle-token", "ocp-apim", "dd-api", "dd-application",
    # detect-secrets' plugins' needles, on the text as logged (`ds`)
    "AccountKey=", "://", "_authToken", "pypi-", "hooks.slack.com", "sq0csp-", "k_live_",
)  # fmt: skip

_LOWERED = {w: w.lower() for w in GATE_WORDS}
_AS_LOWERED = frozenset(w for w in GATE_WORDS if w == w.lower())
if not all(w.isascii() and w for w in GATE_WORDS):
    raise ValueError("a gate word is ASCII and not empty")


class Holds:
    """`word in holds` answers `word in text`; for a gate word whose lowered form the search did not find
    (`present`, the needles in the text's lowered form), without reading the text, and where `text` is
    the very string searched, for a lower-case word, from the search alone. Any other word is looked for
    in the text itself, so a word left off the list is slower, never missed."""

    __slots__ = ("present", "searched", "text")

    def __init__(self, text: str, present: frozenset[str], searched: bool = False) -> None:
        self.text = text
        self.present = present
        self.searched = searched

    def __contains__(self, word: str) -> bool:
        low = _LOWERED.get(word)
        if low is None:
            return word in self.text
        if low not in self.present:
            return False
        return (self.searched and word in _AS_LOWERED) or word in self.text


# The format rules' search (`rules.TOKEN_NEEDLES.present`), given by the rules as they load: they import
# this module, so it cannot import them.
_search: list[Callable[[str], frozenset[str]]] = []


# The last lowered text asked and its answer: a scan's detectors ask of the same text one after the
# other, a dozen of them (one tuple, so a thread reads a whole pair; the text is held, so no other string
# can take its identity).
_last: tuple[str, Holds] = ("", Holds("", frozenset(), searched=True))


def bind(search: Callable[[str], frozenset[str]]) -> None:
    global _last
    _search[:] = [search]
    _last = ("", Holds("", frozenset(), searched=True))


class Words:
    """Words asked of a text together: `words.any_in(has)` is `any(word in has for word in words)`. Where
    every word is a gate word and `has` a `Holds`, a search that found none of them says no in one set
    test (most texts), where each `in` was a call of Python."""

    __slots__ = ("lowered", "words")

    def __init__(self, *words: str) -> None:
        self.words = words
        self.lowered = frozenset(_LOWERED[w] for w in words) if all(w in _LOWERED for w in words) else None

    def any_in(self, has: Holds | str) -> bool:
        if self.lowered is not None and isinstance(has, Holds) and has.present.isdisjoint(self.lowered):
            return False
        return any(word in has for word in self.words)


def in_lowered(lowered: str) -> Holds | str:
    """The gate words of a lowered text, from the format rules' search over it; before the rules are
    loaded, the text itself."""
    global _last
    if not _search:
        return lowered
    last_text, last_holds = _last
    if last_text is lowered:
        return last_holds
    holds = Holds(lowered, _search[0](lowered), searched=True)
    _last = (lowered, holds)
    return holds
