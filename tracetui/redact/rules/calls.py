"""A credential given as a call's argument, where no `name = value` says so: a setter or builder named for
it (`config.setPassword("…")`, `.password("…")`, `withApiKey("…")`), and the password's place in a call
that takes a user and a password (`new NetworkCredential("svc", "…")`, `getConnection(url, "root", "…")`,
`new PDO($dsn, 'root', '…')`, `client.login("bob", "…")`, `auth=("admin", "…")`). More in
docs/internals/redact.md, "Places sec21's labelled set found"."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.gate_words import Words, in_lowered
from tracetui.redact.rules.judge import _judge

# A credential's word right before a call's `(` and a string literal: found from the word, then the name
# read back to its start (at most 48 characters), so nothing is tried at every identifier.
_SETTER_CALL = re.compile(
    r"(?:p(?:ass(?:w(?:or)?d|phrase)?|wd|in(?:_?code)?|rivate_?key)|s(?:ecret(?:_?key)?|igning_?key)"
    r"|t(?:oken)|a(?:pi_?key|ccess_?key)|o(?:tp(?:_?code)?)|e(?:ncryption_?key)|m(?:aster_?key))"
    r"[ \t]*\([ \t]*(?=\\?[\"'`])"
)
_NAME_BACK = re.compile(r"[A-Za-z0-9_]{0,48}$")
# What a setter's name starts with; a name without it is a builder's, after a `.` (`.password("…")`).
_SETTER_PREFIX = re.compile(r"(?:set|with|Set|With)_?(?=[A-Za-z])")
# A name that starts with a verb reads, checks or makes the credential (`getToken("name")`,
# `verifyPassword("…")`, `createToken("label")`): its argument is a key, a label or a test's input.
_VERB = re.compile(
    r"(?i:get|has|is|check|verify|validate|hash|encode|decode|encrypt|decrypt|find|read|load|parse|"
    r"compare|match|fetch|lookup|rotate|revoke|delete|remove|create|generate|new|make|clear|reset|"
    r"require|expect|assert|mock|stub|fake|to|from|on|handle|refresh|update|save|store|put|add|use)"
    r"(?=[A-Z_]|$)"  # the verb a word of its own: `getToken`, `get_token`, not `UserPassword`
)
# One argument: a string literal (its quotes escaped inside a JSON string) or a plain expression.
_ARGUMENT = re.compile(
    r"[ \t]*(?:\\?\"([^\"\\\r\n]{0,300})\\?\"|\\?'([^'\\\r\n]{0,300})\\?'|`([^`\\\r\n]{0,300})`"
    r"|([^,()\[\]{}\"'`\r\n]{0,120}))[ \t]*(,|\))"
)
# Calls that take a user and a password, by name (lower case): (the user's place, the password's place).
# The generic verbs take a user only where the first argument reads as one (`_user_like`).
_PAIR_PLACES = {
    "networkcredential": (0, 1), "passwordauthentication": (0, 1), "usernamepasswordcredentials": (0, 1),
    "usernamepasswordauthenticationtoken": (0, 1), "httpbasicauth": (0, 1), "httpdigestauth": (0, 1),
    "basicauth": (0, 1), "setbasicauth": (0, 1), "withbasicauth": (0, 1), "plainauth": (1, 2),
    "getconnection": (1, 2), "pdo": (1, 2), "mysqli": (1, 2), "mysqli_connect": (1, 2),
    "mysql_connect": (1, 2), "smtp.start": (3, 4),
    "login": (0, 1), "authenticate": (0, 1), "connect": (0, 1), "basic_auth": (0, 1), "auth=": (0, 1),
}
_GENERIC = frozenset({"login", "authenticate", "connect", "basic_auth", "auth="})
_PAIR_CALL = re.compile(
    r"(a(?:uthenticate|uth[ \t]*=)|b(?:asic_?auth)|c(?:onnect)|g(?:etconnection)|h(?:ttp(?:basic|digest)auth)"
    r"|l(?:ogin)|m(?:ysqli?_connect|ysqli)|n(?:etworkcredential)|p(?:asswordauthentication|do|lainauth)"
    r"|s(?:etbasicauth|mtp\.start)|u(?:sernamepassword(?:credentials|authenticationtoken))|w(?:ithbasicauth))"
    r"[ \t]*\("
)
# (Both patterns run on the lowered text, which is the text's length, each alternative led by its own
# first letter: a case-blind pattern of plain alternatives cost 2 s over 19 MB of the mirrors' source,
# where these cost 0.2 s and 0.4 s, since `re` tries every alternative at each letter that may start one.)
_ANY_PAIR_CALL = Words(
    "networkcredential", "passwordcredentials", "passwordauth", "basicauth", "digestauth", "plainauth",
    "getconnection", "pdo(", "mysqli", "mysql_connect", "smtp.start", "login(", "authenticate(", "connect(",
    "basic_auth", "auth=", "auth =",
)
_ANY_SETTER = Words(
    "password(", "passwd(", "pwd(", "passphrase(", "secret(", "secretkey(", "secret_key(", "token(",
    "apikey(", "api_key(", "pin(", "pincode(", "pin_code(", "pass(", "key(", "otp(", "otpcode(", "otp_code(",
)
# A user's name as a literal (`"bob"`, `'svc-deploy'`, an email), or a variable named for one.
_USER_LITERAL = re.compile(r"[\w+\-]{1,64}(?:@[\w.\-]{1,128})?")
_USER_VARIABLE = re.compile(r"(?i)[\w.$>\-]{0,60}(?:user|login|name|email|account|principal)[\w]{0,20}")


def setter_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The string a setter or builder named for a credential is given (`setPassword("…")`)."""
    if not _ANY_SETTER.any_in(in_lowered(lowered)):
        return
    for m in _SETTER_CALL.finditer(lowered):
        back = _NAME_BACK.search(text, max(0, m.start() - 48), m.start())
        head = back.group() if back else ""
        name = head + text[m.start() : m.end()].split("(")[0].rstrip(" \t")
        if head[:1].isdigit() or (back and back.start() > 0 and text[back.start() - 1] in "$\\"):
            continue
        if head and not (head.endswith("_") or text[m.start()].isupper()):
            continue  # the word inside another (`bypass(`, `setpassword(`): a piece of its own or nothing
        prefix = _SETTER_PREFIX.match(name)
        after_dot = back is not None and back.start() > 0 and text[back.start() - 1] == "."
        builder = after_dot and name[0].islower()
        if prefix is None and not builder:
            continue  # `password("…")` alone is a function of that name, `.MissingToken(…)` a type's
        bare = name[prefix.end() :] if prefix else name
        if _VERB.match(bare):
            continue
        arg = _ARGUMENT.match(text, m.end())
        g = next((i for i in (1, 2, 3) if arg.group(i) is not None), 0) if arg else 0
        if arg is None or not g or arg.group(5) != ")":
            continue  # a variable, or one of more arguments (`setApiKey("anthropic", key)`: which one's)
        yield from _sure(_judge(bare, arg.group(g), arg.start(g), True, False))


def pair_call_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The password argument of a call that takes a user and a password."""
    if not _ANY_PAIR_CALL.any_in(in_lowered(lowered)):
        return
    for m in _PAIR_CALL.finditer(lowered):
        if m.start() > 0 and (lowered[m.start() - 1].isalnum() or lowered[m.start() - 1] in "_$"):
            continue  # inside a longer name (`reconnect(`, `_login(`)
        key = m.group(1).replace(" ", "").replace("\t", "")
        user_at, password_at = _PAIR_PLACES[key]
        args: list[tuple[str | None, str, int]] = []  # (literal or None, text, start)
        at = m.end()
        while len(args) <= password_at:
            arg = _ARGUMENT.match(text, at)
            if arg is None:
                break
            g = next((i for i in (1, 2, 3) if arg.group(i) is not None), 4)
            args.append((arg.group(g) if g < 4 else None, arg.group(g) or "", arg.start(g)))
            at = arg.end()
            if arg.group(5) == ")":
                break
        if len(args) <= password_at:
            continue
        literal, _, start = args[password_at]
        if literal is None or not literal:
            continue
        if key in _GENERIC and not _user_like(args[user_at]):
            continue
        yield from _sure(_judge("password", literal, start, True, False))


def _sure(found: Iterator[Finding]) -> Iterator[Finding]:
    # Only what the judge is sure of: a call's argument named by its function is read less surely than
    # `name = value`, and a word there (`MissingToken('export')`) is more often a label than a password.
    for f in found:
        if f.tier == AUTO:
            yield Finding(f.start, f.end, f.kind, f.tier, "rule:call-argument")


def _user_like(arg: tuple[str | None, str, int]) -> bool:
    literal, expression, _ = arg
    if literal is not None:
        return _USER_LITERAL.fullmatch(literal) is not None and not literal.isdigit()
    return _USER_VARIABLE.fullmatch(expression.strip()) is not None
