"""Detection on the gitleaks rules that ../shared/secrets leaves out, built from gitleaks' own rule tests.

    .venv/bin/python bench/bench_gitleaks_half.py [--gitleaks DIR] [--seeds 1 2 3] [--all-rules] [--quiet]

../shared/secrets/gitleaks_rule_examples.jsonl holds the examples of about half of gitleaks' rule ids; the
judge keeps the other half back. This reads gitleaks' source at run time (the mirror that the `fetch`
tool makes, /work/.mirror/gitleaks+gitleaks, a bare git dir or a checkout; or --gitleaks) and, for every
rule id absent from the shared file, rebuilds the examples its test would check: the `tps` and `fps`
lists of `cmd/generate/config/rules/*.go`, with the generated parts (`secrets.NewSecret(regex)`) drawn
from the rule's own regex with a fixed seed, and `utils.GenerateSampleSecrets` expanded into the
templates of `cmd/generate/config/utils/generate.go` (read from the same source, not copied). Nothing
of gitleaks is committed: without the source the bench says so and exits.

The Go in those files is read by a small evaluator of the few forms they use (string literals, `+`,
`[]string{…}`, `map[string]string{…}`, `append`, `fmt.Sprintf` and the `utils`/`secrets` helpers);
a statement it cannot read is reported per rule, never guessed.

The bare secret of a row is known where the test generated it (the argument of GenerateSampleSecrets);
otherwise it is the rule's own secret group matched on the text (its regex read into Python), and
failing that the row is scored as the shared file's rows without a secret (any finding counts).
Scoring is `support.evaluate.score_row`'s: found = the whole secret covered at any tier,
sure = covered by sure findings alone, a negative is flagged when any finding lands on it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import string
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared harness: tests/support

from tracetui.redact.detect import scan_text  # noqa: E402
from support.evaluate import Row, Score, covered, score_row  # noqa: E402
from tracetui.redact.finding import AUTO  # noqa: E402
from support.placed import CONTEXTS  # noqa: E402
from support.regex_samples import Spelling, spell  # noqa: E402

SHARED = ROOT.parent / "shared" / "secrets" / "gitleaks_rule_examples.jsonl"
DEFAULT_SOURCES = (Path("/work/.mirror/gitleaks+gitleaks"), Path("/work/.mirror/gitleaks+gitleaks/repo"))
RULES_DIR = "cmd/generate/config/rules"
GENERATE_GO = "cmd/generate/config/utils/generate.go"


# ---------------------------------------------------------------- reading the source (git dir or checkout)


class Source:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.bare = not (path / RULES_DIR).is_dir()

    def names(self) -> list[str]:
        if not self.bare:
            return sorted(str(p.relative_to(self.path)) for p in (self.path / RULES_DIR).glob("*.go"))
        out = self._git("ls-tree", "--name-only", "HEAD", RULES_DIR + "/")
        return sorted(n for n in out.splitlines() if n.endswith(".go"))

    def read(self, name: str) -> str:
        if not self.bare:
            return (self.path / name).read_text(encoding="utf-8")
        return self._git("show", f"HEAD:{name}")

    def commit(self) -> str:
        if not self.bare:
            return "checkout"
        return self._git("rev-parse", "--short=12", "HEAD").strip()

    def _git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", str(self.path), *args], check=True, capture_output=True, text=True
        ).stdout


def find_source(given: str | None) -> Source | None:
    if given:
        candidates = [Path(given)]
    elif "GITLEAKS_SRC" in os.environ:
        candidates = [Path(os.environ["GITLEAKS_SRC"])]
    else:
        candidates = list(DEFAULT_SOURCES)
    for c in candidates:
        if (c / RULES_DIR).is_dir():
            return Source(c)
        if (c / "HEAD").is_file():
            try:
                src = Source(c)
                if src.names():
                    return src
            except (subprocess.CalledProcessError, OSError):
                continue
    return None


# ---------------------------------------------------------------- Go tokens

_TOKEN = re.compile(
    r"(?P<ws>[ \t\r]+)|(?P<nl>\n)|(?P<lc>//[^\n]*)|(?P<bc>/\*.*?\*/)"
    r"|(?P<raw>`[^`]*`)|(?P<str>\"(?:[^\"\\\n]|\\.)*\")|(?P<rune>'(?:[^'\\\n]|\\.)*')"
    r"|(?P<num>\d+)|(?P<id>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\.\.\.|:=|==|!=|&&|\|\||<-|[-+*/%&|^<>=!:;,.(){}\[\]])",
    re.S,
)


@dataclass(slots=True)
class Tok:
    kind: str  # str, num, id, op, nl
    value: str


def _unquote(lit: str) -> str:
    body = lit[1:-1]
    return json.loads('"' + body.replace("\\x", "\\u00").replace("\\'", "'") + '"') if "\\" in body else body


def tokens(src: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if m is None:
            raise SyntaxError(f"cannot read Go at {src[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        text = m.group()
        if kind in ("ws", "lc"):
            continue
        if kind == "bc":
            if "\n" in text:
                out.append(Tok("nl", "\n"))
            continue
        if kind == "raw":
            out.append(Tok("str", text[1:-1].replace("\r", "")))
        elif kind == "str":
            out.append(Tok("str", _unquote(text)))
        elif kind == "rune":
            out.append(Tok("str", _unquote('"' + text[1:-1] + '"')))
        else:
            out.append(Tok(kind, text))
    return out


# ---------------------------------------------------------------- values


@dataclass(slots=True)
class Sample:
    """One example line; `secret` where the test generated it, `template` the line's shape."""

    text: str
    secret: str | None = None
    template: str = "literal"


class Opaque:
    """A value the evaluator does not model (an allowlist, a struct it does not need)."""


OPAQUE = Opaque()


class Unreadable(Exception):
    pass


# ---------------------------------------------------------------- generating text from a regex

try:
    import re._parser as _sre  # type: ignore[import-not-found]
    import re._constants as _src  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _src
    import sre_parse as _sre

_PRINTABLE = [c for c in string.printable if c not in "\t\n\r\x0b\x0c"]


def go_to_python(pattern: str) -> tuple[str, int]:
    """A Go (RE2) pattern as Python reads it: an inline `(?i)` after the start is taken for the whole."""
    flags = 0
    if "(?i)" in pattern:
        flags |= re.I
        pattern = pattern.replace("(?i)", "")
    pattern = pattern.replace(r"\z", r"\Z")
    for posix, cls in (("[:alnum:]", "a-zA-Z0-9"), ("[:alpha:]", "a-zA-Z"), ("[:digit:]", "0-9"),
                       ("[:upper:]", "A-Z"), ("[:lower:]", "a-z"), ("[:xdigit:]", "0-9a-fA-F"),
                       ("[:space:]", r"\s"), ("[:punct:]", r"!-/:-@\[-`{-~")):
        pattern = pattern.replace(posix, cls)
    return pattern, flags


def _category(cat: Any) -> list[str]:
    name = str(cat)
    if "DIGIT" in name:
        chars = list(string.digits)
    elif "WORD" in name:
        chars = list(string.ascii_letters + string.digits + "_")
    elif "SPACE" in name:
        chars = [" "]
    else:
        chars = list(string.ascii_letters)
    if "NOT" in name:
        chars = [c for c in _PRINTABLE if c not in chars]
    return chars


def _class_chars(items: list[tuple[Any, Any]]) -> list[str]:
    chars: list[str] = []
    negate = False
    for op, av in items:
        if op is _src.NEGATE:
            negate = True
        elif op is _src.LITERAL:
            chars.append(chr(av))
        elif op is _src.RANGE:
            chars += [chr(c) for c in range(av[0], av[1] + 1)]
        elif op is _src.CATEGORY:
            chars += _category(av)
    if negate:
        chars = [c for c in _PRINTABLE if c not in chars]
    return chars


def generate(pattern: str, rng: random.Random) -> str:
    """A random string the Go pattern matches (as `secrets.NewSecret`: each repeat a count in its
    bounds, an unbounded one at most one past its minimum; every class member equally likely)."""
    py, _ = go_to_python(pattern)
    out: list[str] = []
    try:
        spell(list(_sre.parse(py)), rng, out, _NEW_SECRET)
    except ValueError as e:
        raise Unreadable(str(e)) from e
    return "".join(out)


_NEW_SECRET = Spelling(
    any=lambda rng: rng.choice(string.ascii_letters + string.digits),
    not_literal=lambda av, rng: rng.choice([c for c in _PRINTABLE if ord(c) != av]),
    in_class=lambda av, rng: rng.choice(_class_chars(list(av))),
    count=lambda lo, hi, rng: rng.randint(lo, lo + 1 if hi == _src.MAXREPEAT else hi),
    strict=True,
)


# ---------------------------------------------------------------- the evaluator


def _class_fn(cls: str) -> Callable[[str], str]:
    return lambda size: f"[{cls}]{{{size}}}"


class Evaluator:
    """Evaluates the Go expressions of one rule function; `env` holds its local variables."""

    def __init__(self, templates: dict[str, str], rng: random.Random, helpers: dict[str, Any]) -> None:
        self.templates = templates
        self.rng = rng
        self.env: dict[str, Any] = {}
        self.helpers = helpers
        self.toks: list[Tok] = []
        self.i = 0

    # -- helpers of gitleaks' generator, re-implemented from what they do
    def call(self, name: str, args: list[Any]) -> Any:
        fns: dict[str, Callable[..., Any]] = {
            "secrets.NewSecret": lambda r: generate(r, self.rng),
            "newPlausibleSecret": self._plausible,
            "utils.Numeric": _class_fn("0-9"),
            "utils.Hex": _class_fn("a-f0-9"),
            "utils.AlphaNumeric": _class_fn("a-z0-9"),
            "utils.AlphaNumericExtendedShort": _class_fn("a-z0-9_-"),
            "utils.AlphaNumericExtended": _class_fn(r"a-z0-9=_\-"),
            "utils.AlphaNumericExtendedLong": _class_fn(r"a-z0-9\/=_\+\-"),
            "utils.Hex8_4_4_4_12": lambda: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "utils.GenerateSampleSecrets": self._samples,
            "utils.GenerateSampleSecret":
                lambda i, s: Sample(f'{i}_api_token = "{s}"', s, "GenerateSampleSecret"),
            "utils.GenerateSemiGenericRegex": _semi_generic,
            "utils.GenerateUniqueTokenRegex": lambda r, ci: ("(?i)" if ci else "") + r"\b(" + r
            + r")(?:[\x60'\"\s;]|\\[nr]|$)",
            "utils.MergeRegexps": lambda *rs: "|".join(rs),
            "regexp.MustCompile": lambda r: r,
            "regexp.QuoteMeta": re.escape,
            "fmt.Sprintf": _sprintf,
            "strings.ToUpper": lambda s: s.upper(),
            "strings.ToLower": lambda s: s.lower(),
            "strings.Repeat": lambda s, n: s * int(n),
            "strings.Join": lambda xs, sep: sep.join(_text(x) for x in xs),
            "append": lambda xs, *more: list(xs or []) + list(more),
            "convert": lambda v: v,
            "base64.StdEncoding.EncodeToString": lambda v: base64.b64encode(_text(v).encode()).decode(),
            "base64.URLEncoding.EncodeToString":
                lambda v: base64.urlsafe_b64encode(_text(v).encode()).decode(),
            "base64.RawURLEncoding.EncodeToString":
                lambda v: base64.urlsafe_b64encode(_text(v).encode()).decode().rstrip("="),
        }
        fn = fns.get(name)
        if fn is None:
            raise Unreadable(f"call {name}")
        args = [a.text if isinstance(a, Sample) and name not in ("append",) else a for a in args]
        return fn(*args)

    def _plausible(self, regex: str) -> str:
        for _ in range(1000):
            s = generate(regex, self.rng)
            if re.search("[1-9]", s):
                return s
        raise Unreadable("newPlausibleSecret")

    def _samples(self, ident: str, secret: str) -> list[Sample]:
        return [
            Sample(t.replace("{i}", ident).replace("{I}", ident.upper()).replace("{s}", secret), secret, name)
            for name, t in self.templates.items()
        ]

    # -- parsing
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self, value: str | None = None) -> Tok:
        t = self.peek()
        if t is None or (value is not None and t.value != value):
            raise Unreadable(f"expected {value!r}, got {t.value if t else 'end'!r}")
        self.i += 1
        return t

    def skip_nl(self) -> None:
        while (t := self.peek()) is not None and t.kind == "nl":
            self.i += 1

    def expr(self) -> Any:
        left = self.unary()
        while (t := self.peek()) is not None and t.value == "+":
            self.i += 1
            self.skip_nl()
            right = self.unary()
            left = _text(left) + _text(right)
        return left

    def unary(self) -> Any:
        t = self.peek()
        if t is not None and t.value in ("&", "*"):
            self.i += 1
        return self.postfix(self.primary())

    def primary(self) -> Any:
        t = self.take()
        if t.kind == "str":
            return t.value
        if t.kind == "num":
            return int(t.value)
        if t.value == "(":
            self.skip_nl()
            v = self.expr()
            self.skip_nl()
            self.take(")")
            return v
        if t.value == "[":
            self.take("]")
            elem = self.type_name()
            if (p := self.peek()) is not None and p.value == "(":
                return _Callee("convert")  # []byte(s): the same text
            return self.composite("[]" + elem)
        if t.value == "map":
            self.take("[")
            self.type_name()
            self.take("]")
            self.type_name()
            return self.composite("map")
        if t.kind == "id":
            name = t.value
            while (p := self.peek()) is not None and p.value == "." and (q := self.peek(1)) is not None \
                    and q.kind == "id":
                self.i += 2
                name += "." + q.value
            if name in ("nil",):
                return None
            if name in ("true", "false"):
                return name == "true"
            p = self.peek()
            if p is not None and p.value == "{" and (name[:1].isupper() or "." in name):
                return self.composite(name)
            if p is not None and p.value == "(":
                return _Callee(name)
            if name in self.env:
                return self.env[name]
            if name in self.helpers:
                return self.helpers[name]
            return _Name(name)
        raise Unreadable(f"token {t.value!r}")

    def type_name(self) -> str:
        name = ""
        while (t := self.peek()) is not None and (t.kind == "id" or t.value in (".", "*", "[", "]")):
            name += t.value
            self.i += 1
            if t.kind == "id" and (n := self.peek()) is not None and n.value != ".":
                break
        return name

    def postfix(self, v: Any) -> Any:
        while (t := self.peek()) is not None and t.value in ("(", "["):
            if t.value == "(":
                self.i += 1
                args: list[Any] = []
                spread = False
                self.skip_nl()
                while (p := self.peek()) is not None and p.value != ")":
                    args.append(self.expr())
                    if (p := self.peek()) is not None and p.value == "...":
                        self.i += 1
                        spread = True
                    self.skip_nl()
                    if (p := self.peek()) is not None and p.value == ",":
                        self.i += 1
                    self.skip_nl()
                self.take(")")
                if not isinstance(v, _Callee):
                    raise Unreadable("call of a value")
                if spread and v.name == "append":
                    args = args[:-1] + list(_as_list(args[-1]))
                v = self.call(v.name, args)
            else:
                self.i += 1
                idx = self.expr()
                self.take("]")
                v = v[idx] if isinstance(v, (list, dict)) else OPAQUE
        if isinstance(v, _Callee):
            raise Unreadable(f"function value {v.name}")
        return v

    def composite(self, type_name: str) -> Any:
        self.take("{")
        keyed: dict[Any, Any] = {}
        items: list[Any] = []
        self.skip_nl()
        while (t := self.peek()) is not None and t.value != "}":
            start = self.i
            try:
                if t.value == "{":
                    v: Any = self.composite("")
                else:
                    v = self.expr()
                if (p := self.peek()) is not None and p.value == ":":
                    self.i += 1
                    self.skip_nl()
                    key = v.name if isinstance(v, _Name) else v
                    q = self.peek()
                    keyed[key] = self.expr() if q is None or q.value != "{" else self.composite("")
                else:
                    items.append(v)
            except (Unreadable, KeyError, IndexError, TypeError, ValueError) as e:
                self.i = start
                self._skip_element()
                items.append(OPAQUE) if not keyed else None
                if type_name.startswith("[]string") or type_name == "map":
                    raise Unreadable(f"element of {type_name}: {e}") from e
            self.skip_nl()
            if (p := self.peek()) is not None and p.value == ",":
                self.i += 1
            self.skip_nl()
        self.take("}")
        if type_name == "map" or (keyed and not items and not type_name.startswith("[]")):
            return keyed
        return items

    def _skip_element(self) -> None:
        depth = 0
        while (t := self.peek()) is not None:
            if t.value in "({[" and t.kind == "op":
                depth += 1
            elif t.value in ")}]" and t.kind == "op":
                if depth == 0:
                    return
                depth -= 1
            elif t.value == "," and depth == 0:
                return
            self.i += 1


@dataclass(slots=True)
class _Callee:
    name: str


@dataclass(slots=True)
class _Name:
    name: str


def _text(v: Any) -> str:
    if isinstance(v, Sample):
        return v.text
    if isinstance(v, str):
        return v
    raise Unreadable(f"not a string: {type(v).__name__}")


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, list):
        return v
    return [v]


def _semi_generic(identifiers: list[str], secret: str, case_insensitive: bool) -> str:
    ids = "|".join(identifiers)
    head = "(?i)" if case_insensitive else ""
    return (head + r"[\w.-]{0,50}?(?:" + ids + r")(?:[ \t\w.-]{0,20})[\s'\"]{0,3}"
            + r"(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)" + r"[\x60'\"\s=]{0,5}(" + secret
            + r")(?:[\x60'\"\s;]|\\[nr]|$)")


def _sprintf(fmt: str, *args: Any) -> str:
    it = iter(args)

    def one(m: re.Match[str]) -> str:
        if m.group() == "%%":
            return "%"
        v = next(it)
        if m.group().endswith("q"):
            return json.dumps(_text(v))
        return v.text if isinstance(v, Sample) else str(v)

    return re.sub(r"%%|%[-+# 0-9.]*[svdq]", one, fmt)


# ---------------------------------------------------------------- rule functions


@dataclass
class RuleCase:
    rule_id: str
    file: str
    tps: list[Sample] = field(default_factory=list)
    fps: list[Sample] = field(default_factory=list)
    regex: str | None = None
    secret_group: int = 0
    unread: list[str] = field(default_factory=list)


def _functions(toks: list[Tok]) -> Iterator[tuple[str, list[Tok]]]:
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.value == "func" and i + 1 < len(toks) and toks[i + 1].kind == "id":
            name = toks[i + 1].value
            j = i + 2
            while j < len(toks) and toks[j].value != "{":
                j += 1
            depth, k = 0, j
            while k < len(toks):
                if toks[k].kind == "op" and toks[k].value == "{":
                    depth += 1
                elif toks[k].kind == "op" and toks[k].value == "}":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            yield name, toks[j + 1 : k]
            i = k
        i += 1


def _statements(body: list[Tok]) -> Iterator[list[Tok]]:
    cur: list[Tok] = []
    depth = 0
    for t in body:
        if t.kind == "op" and t.value in "([{":
            depth += 1
        elif t.kind == "op" and t.value in ")]}":
            depth -= 1
        if (t.kind == "nl" or t.value == ";") and depth == 0:
            if cur and cur[-1].value not in (",", "+", "(", "{", "[", "=", ":="):
                yield cur
                cur = []
            continue
        cur.append(t)
    if cur:
        yield cur


def read_rules(src: Source, templates: dict[str, str], seed: int) -> Iterator[RuleCase]:
    for name in src.names():
        toks = tokens(src.read(name))
        package_vars = _package_vars(toks, templates, seed, name)
        for fn, body in _functions(toks):
            rng = random.Random(f"{seed}:{name}:{fn}")
            ev = Evaluator(templates, rng, package_vars)
            case = RuleCase("", name.rsplit("/", 1)[-1])
            rule: dict[str, Any] = {}
            for stmt in _statements(body):
                _run(ev, stmt, case, rule)
            rid = rule.get("RuleID")
            if isinstance(rid, str) and rid:
                case.rule_id = rid
                regex = rule.get("Regex")
                case.regex = regex if isinstance(regex, str) else None
                sg = rule.get("SecretGroup")
                case.secret_group = sg if isinstance(sg, int) else 0
                yield case


def _package_vars(toks: list[Tok], templates: dict[str, str], seed: int, name: str) -> dict[str, Any]:
    """`var name = …` at the top of a file (example lists some rules share)."""
    top: list[Tok] = []
    depth = 0
    in_func = False
    for t in toks:
        if t.value == "func" and depth == 0:
            in_func = True
        if t.kind == "op" and t.value in "([{":
            depth += 1
        elif t.kind == "op" and t.value in ")]}":
            depth -= 1
            if depth == 0 and in_func and t.value == "}":
                in_func = False
                continue
        if not in_func:
            top.append(t)
    ev = Evaluator(templates, random.Random(f"{seed}:{name}:var"), {})
    scratch = RuleCase("", name)
    for stmt in _statements(top):
        if stmt[0].value == "var":
            _run(ev, stmt, scratch, {})
    return {k: v for k, v in ev.env.items() if v is not OPAQUE}


def _run(ev: Evaluator, stmt: list[Tok], case: RuleCase, rule: dict[str, Any]) -> None:
    if stmt[0].value == "var":
        stmt = [stmt[1], Tok("op", "=")] + stmt[stmt.index(next(t for t in stmt if t.value == "=")) + 1 :] \
            if any(t.value == "=" for t in stmt) else []
    if not stmt:
        return
    ev.toks, ev.i = stmt, 0
    try:
        if stmt[0].value == "return":
            ev.i = 1
            if (p := ev.peek()) is not None and p.value == "&":
                ev.i += 1
            if ev.peek() is None:
                return
            callee = ev.primary()
            if isinstance(callee, _Callee) and callee.name in ("utils.Validate", "utils.ValidateWithPaths"):
                ev.take("(")
                args: list[Any] = []
                while (p := ev.peek()) is not None and p.value != ")":
                    ev.skip_nl()
                    args.append(ev.expr())
                    ev.skip_nl()
                    if (p := ev.peek()) is not None and p.value == ",":
                        ev.i += 1
                    ev.skip_nl()
                rv = args[0] if args else None
                if isinstance(rv, dict):
                    rule.update(rv)
                case.tps = _samples(args[1] if len(args) > 1 else None)
                case.fps = _samples(args[2] if len(args) > 2 else None)
            elif isinstance(callee, _Callee):
                v = ev.postfix(callee)
                if isinstance(v, dict):
                    rule.update(v)
            return
        if len(stmt) >= 3 and stmt[0].kind == "id" and stmt[1].value in (":=", "="):
            target = stmt[0].value
            ev.i = 2
            v = ev.expr()
            ev.env[target] = v
            if isinstance(v, dict) and "RuleID" in v:
                rule.clear()
                rule.update(v)
            return
        if len(stmt) >= 5 and stmt[0].kind == "id" and stmt[1].value == "." and stmt[3].value == "=":
            ev.i = 4
            v = ev.expr()
            held = ev.env.get(stmt[0].value)
            if isinstance(held, dict):
                held[stmt[2].value] = v
                if held is not rule and "RuleID" in held:
                    rule.update(held)
    except (Unreadable, KeyError, IndexError, TypeError, ValueError, StopIteration) as e:
        if stmt[0].value in ("tps", "fps", "return") or "tps" in (t.value for t in stmt[:2]) or \
                "fps" in (t.value for t in stmt[:2]):
            case.unread.append(f"{' '.join(t.value for t in stmt[:4])[:60]}… ({e})")
        if stmt[0].kind == "id" and len(stmt) > 1 and stmt[1].value in (":=", "="):
            ev.env[stmt[0].value] = OPAQUE


def _samples(v: Any) -> list[Sample]:
    out: list[Sample] = []
    for x in _as_list(v):
        if isinstance(x, Sample):
            out.append(x)
        elif isinstance(x, str):
            out.append(Sample(x))
        elif isinstance(x, list):
            out += _samples(x)
    return out


def read_templates(src: Source) -> dict[str, str]:
    toks = tokens(src.read(GENERATE_GO))
    for fn, body in _functions(toks):
        if fn != "GenerateSampleSecrets":
            continue
        for stmt in _statements(body):
            if stmt[0].value == "samples":
                ev = Evaluator({}, random.Random(0), {})
                ev.toks, ev.i = stmt, 2
                v = ev.expr()
                if isinstance(v, dict) and v:
                    return {str(k): str(t) for k, t in v.items()}
    raise Unreadable("no sample templates in generate.go")


# ---------------------------------------------------------------- the secret of a literal example


def secret_by_rule(case: RuleCase, text: str) -> tuple[bool | None, str | None]:
    """Whether the rule's regex takes `text` (None: the regex does not read in Python), and its
    secret (gitleaks: the group named, else the first non-empty group, else the match), without
    the quotes a rule's group may hold around it (`-u "user:pass"`)."""
    if not case.regex:
        return None, None
    py, flags = go_to_python(case.regex)
    try:
        m = re.search(py, text, flags)
    except re.error:
        return None, None
    if m is None:
        return False, None
    value = None
    if case.secret_group and case.secret_group <= (m.re.groups or 0):
        value = m.group(case.secret_group)
    if not value:
        value = next((g for g in m.groups() if g), None)
    if not value:
        # the whole match: without the one character a rule reads past the token to see its end
        value = m.group().rstrip("<>;,&?#)]}|'\"` \t\r\n\\")
    value = value.strip("'\"` \t\r\n\\")  # the quotes a rule's group may hold (`-u "user:pass"`)
    return True, value or None


# ---------------------------------------------------------------- scoring


@dataclass
class RuleScore:
    positives: int = 0
    found: int = 0
    sure: int = 0
    hit: int = 0
    negatives: int = 0
    flagged: int = 0
    touched: int = 0
    misses: list[str] = field(default_factory=list)
    flagged_texts: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


def shared_rule_ids(path: Path) -> tuple[set[str], set[str]]:
    ids: set[str] = set()
    positives: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            ids.add(r["rule_id"])
            if r["label"] == "tp":
                positives.add(r["text"])
    return ids, positives


def build(
    src: Source, seeds: list[int], skip_ids: set[str]
) -> tuple[dict[str, list[tuple[Row, str]]], dict[str, list[str]], set[str], int]:
    """Rows per rule id: each seed's generated positives; literal rows (the same on every seed) once.

    Also the texts of every rule's positives (a negative of one rule that is another's positive is
    not scored), and how many generated lines were dropped because the rule's own regex does not
    take them: gitleaks' Validate would stop on such a line, so it is the sampler's noise (a class
    like `[\\-_]` drawn wider than the rule reads it), never an example gitleaks tests.
    """
    templates = read_templates(src)
    rows: dict[str, list[tuple[Row, str]]] = {}
    unread: dict[str, list[str]] = {}
    positive_texts: set[str] = set()
    seen: set[tuple[str, bool, str]] = set()
    dropped = 0
    for seed in seeds:
        for case in read_rules(src, templates, seed):
            positive_texts.update(s.text for s in case.tps)
            if case.rule_id in skip_ids:
                continue
            rows.setdefault(case.rule_id, [])
            if case.unread and seed == seeds[0]:
                unread.setdefault(case.rule_id, []).extend(case.unread)
            for positive, samples in ((True, case.tps), (False, case.fps)):
                for s in samples:
                    key = (case.rule_id, positive, s.text)
                    if key in seen:
                        continue
                    seen.add(key)
                    secret = None
                    if positive:
                        matched, secret = secret_by_rule(case, s.text)
                        if matched is False:
                            dropped += 1
                            continue
                        if secret is None and s.secret and s.secret in s.text:
                            secret = s.secret
                    row = Row("gitleaks", case.rule_id, s.text, positive, secret)
                    rows[case.rule_id].append((row, s.template))
    return rows, unread, positive_texts, dropped


def score(
    rows: dict[str, list[tuple[Row, str]]], other_positives: set[str]
) -> tuple[dict[str, RuleScore], dict[str, RuleScore]]:
    """Scores per rule id, and per template of the line (`literal` for the tests' own strings)."""
    positive_texts = {r.text for rs in rows.values() for r, _ in rs if r.positive} | other_positives
    out: dict[str, RuleScore] = {}
    by_template: dict[str, RuleScore] = {}
    for rule_id, rs in sorted(rows.items()):
        for n, (row, template) in enumerate(rs):
            if not row.positive and row.text in positive_texts:
                continue  # a negative for one rule that is another's positive: scrubbing it is right
            s: Score = score_row(f"{rule_id}#{n}", row)
            for sc in (out.setdefault(rule_id, RuleScore()), by_template.setdefault(template, RuleScore())):
                _add(sc, s, row)
    return out, by_template


def _add(sc: RuleScore, s: Score, row: Row) -> None:
    sc.positives += s.positives
    sc.found += s.caught
    sc.sure += s.caught_auto
    sc.hit += s.hit
    sc.negatives += s.negatives
    sc.flagged += s.flagged
    sc.touched += s.touched
    if row.positive and not s.caught:
        sc.misses.append(_show(row.text) + (f"  [secret {_show(row.secret)}]" if row.secret else ""))
    if not row.positive and s.flagged:
        sc.flagged_texts.append(_show(row.text))


def placed(rows: dict[str, list[tuple[Row, str]]], positive_texts: set[str]) -> None:
    """Each positive with a known secret, its line placed in every context of `support.placed`
    (a tool's output, a numbered Read, a diff, JSON-escaped, base64, split, …): the agent-log half of
    the kept-back set, for these formats. One line per rule and template kind (the `ini` line and each
    literal), so a rule with many templates does not outweigh the others."""
    per_context: dict[str, list[int]] = {}
    failures: dict[str, list[str]] = {}
    for rule_id, rs in sorted(rows.items()):
        for row, template in rs:
            if not row.positive or not row.secret or template not in ("ini - unquoted1", "literal"):
                continue
            for ctx_name, ctx in CONTEXTS.items():
                made = ctx(row.text, row.secret)
                if made is None or not made[1]:
                    continue
                text, spans = made
                findings = scan_text(text)
                sure = [f for f in findings if f.tier == AUTO]
                ok = all(covered(findings, a, b) for a, b in spans)
                ok_sure = all(covered(sure, a, b) for a, b in spans)
                t = per_context.setdefault(ctx_name, [0, 0, 0])
                t[0] += 1
                t[1] += ok
                t[2] += ok_sure
                if not ok:
                    failures.setdefault(ctx_name, []).append(f"{rule_id}: {_show(row.text, 100)}")
    print("\n| context | placed | found (full span) | sure |")
    print("|---|---|---|---|")
    total = [0, 0, 0]
    for ctx_name, (n, found, found_sure) in per_context.items():
        print(f"| {ctx_name} | {n} | {found} ({pct(found, n)}) | {found_sure} ({pct(found_sure, n)}) |")
        total = [total[0] + n, total[1] + found, total[2] + found_sure]
    n, found, found_sure = total
    print(f"| * | {n} | {found} ({pct(found, n)}) | {found_sure} ({pct(found_sure, n)}) |")
    # Each rule's negatives, placed as placed.py places its hard negatives (the whole line is the span).
    flagged: list[str] = []
    n_neg = 0
    for rule_id, rs in sorted(rows.items()):
        for row, _ in rs:
            if row.positive or row.text in positive_texts:
                continue  # a negative for one rule that is another's positive is not scored
            for ctx_name in ("tool-output", "read-output", "json-escaped", "diff"):
                made = CONTEXTS[ctx_name](row.text, row.text)
                if made is None or not made[1]:
                    continue
                text, spans = made
                n_neg += 1
                if any(f.start < b and a < f.end for f in scan_text(text) for a, b in spans):
                    flagged.append(f"{ctx_name}: {rule_id}: {_show(row.text, 100)}")
    print(f"\nnegatives placed: {n_neg}, flagged at any tier {len(flagged)} ({pct(len(flagged), n_neg)})")
    print("\nplaced misses:")
    for ctx_name, what in failures.items():
        for w in what:
            print(f"  {ctx_name}: {w}")
    print("\nplaced negatives flagged:")
    for w in flagged:
        print(f"  {w}")


def _show(text: str, limit: int = 160) -> str:
    t = text.encode("unicode_escape").decode("ascii")
    return t if len(t) <= limit else t[:limit] + "…"


def pct(n: int, d: int) -> str:
    return "-" if d == 0 else f"{100.0 * n / d:.1f}%"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gitleaks", help="gitleaks source: a checkout or a bare git dir")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--all-rules", action="store_true", help="score the rules in the shared file too")
    ap.add_argument("--quiet", action="store_true", help="totals and misses only, no per-rule table")
    ap.add_argument("--json", action="store_true", help="per-rule figures as JSON")
    ap.add_argument("--placed", action="store_true",
                    help="also place each known secret, and each negative, in agent-log contexts")
    args = ap.parse_args()
    src = find_source(args.gitleaks)
    if src is None:
        print("skipped: no gitleaks source (fetch github:gitleaks/gitleaks, or pass --gitleaks DIR)")
        return 0
    shared_ids, shared_pos = shared_rule_ids(SHARED) if SHARED.is_file() else (set(), set())
    skip = set() if args.all_rules else shared_ids
    rows, unread, positive_texts, dropped = build(src, args.seeds, skip)
    table, by_template = score(rows, shared_pos | positive_texts)
    total = RuleScore()
    for sc in table.values():
        for k in ("positives", "found", "sure", "hit", "negatives", "flagged", "touched"):
            setattr(total, k, getattr(total, k) + getattr(sc, k))
    if args.json:
        fields = ("positives", "found", "sure", "negatives", "flagged")
        print(json.dumps({k: {f: getattr(v, f) for f in fields} for k, v in table.items()}, indent=1))
        return 0
    print(f"gitleaks {src.commit()}, {len(table)} rule ids"
          f"{'' if args.all_rules else f' absent from {SHARED.name}'}, seeds {args.seeds}")
    if not args.quiet:
        print("| rule | positives | found (full span) | sure | negatives | flagged (any tier) |")
        print("|---|---|---|---|---|---|")
        for rule_id, sc in table.items():
            print(f"| {rule_id} | {sc.positives} | {sc.found} | {sc.sure} | {sc.negatives} | {sc.flagged} |")
        print("\n| template of the line | positives | found (full span) | hit (any overlap) | sure "
              "| negatives | flagged |")
        print("|---|---|---|---|---|---|---|")
        for name, sc in sorted(by_template.items()):
            print(f"| {name} | {sc.positives} | {sc.found} | {sc.hit} | {sc.sure} | {sc.negatives} "
                  f"| {sc.flagged} |")
    print(f"\ntotal: positives {total.positives}, found (full span, any tier) {total.found} "
          f"({pct(total.found, total.positives)}), hit {total.hit}, sure {total.sure} "
          f"({pct(total.sure, total.positives)}); negatives {total.negatives}, flagged at any tier "
          f"{total.flagged} ({pct(total.flagged, total.negatives)}), sure {total.touched}")
    print(f"generated lines the rule's own regex does not take (sampler noise, left out): {dropped}")
    print("\nmisses:")
    for rule_id, sc in table.items():
        for m in sc.misses:
            print(f"  {rule_id}: {m}")
    print("\nnegatives flagged:")
    for rule_id, sc in table.items():
        for t in sc.flagged_texts:
            print(f"  {rule_id}: {t}")
    if unread:
        print("\nstatements not read (their examples are left out):")
        for rule_id, what in sorted(unread.items()):
            for w in what:
                print(f"  {rule_id}: {w}")
    if args.placed:
        placed(rows, shared_pos | positive_texts)
    empty = [r for r, sc in table.items() if sc.positives == 0 and sc.negatives == 0]
    if empty:
        print(f"\nrules with no example read: {', '.join(empty)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
