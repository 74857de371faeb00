"""Small judgements about a candidate value: is it random enough, is it a placeholder, an id?

Shared by the rules, the detect-secrets adapter and the PII rules so they agree on what is
structure (ids, hashes, UUIDs) and what is a secret.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from functools import lru_cache


# The judgements below are asked of the same value, and of the same name, many times over: a rule
# tests a value's entropy at two or three thresholds, and one key name (`password`) stands before
# thousands of values in a config dump. They are pure, so each asks once (a megabyte of such lines
# was judged in 6.5 s of CPU; its bound is 6).
@lru_cache(maxsize=1024)
def entropy(value: str) -> float:
    """Shannon entropy in bits per character (a Counter is ~6x faster than detect-secrets' loop)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


_PLACEHOLDER_WORDS = re.compile(
    r"(?i)^(?:null|none|nil|true|false|undefined|changeme|change_me|changeit|password\d*|passwd|secret\d*"
    r"|token\d*|key\d*|value\d*|string|foo|bar|baz|foobar|redacted|placeholder|dummy|sample|test|testing|todo"
    r"|fixme|\*+|\.+|-+|_+)$"
)
# A whole value that is a reference to something else: $VAR, ${VAR}, {{ var }}, %VAR%, #{var}, <...>,
# or a slot a program fills in: `{base64(user:pass)}`, `{0}`, `%s`, `%(password)s`, `$(vault read …)`,
# `${{ secrets.X }}` (GitHub Actions), `@DB_PASSWORD@` (autoconf, CMake), `%env(DB_PASSWORD)%` (Symfony).
# (The last: a query's named parameter or a Ruby symbol, `:password`, `:new_password`: letters only.)
_TEMPLATE = re.compile(
    r"^(?:\$[A-Za-z_{(][^\s]*|\$\d|\{\{.*\}\}|\{[\w.\- ]*\}|%[\w.\-]+%?|%(?:\(\w+\))?[sdr]"
    r"|%env\([\w:.\-]+\)%|#\{[^}]*\}|<[^>]*>|\[[\w.\- ]*\]|\$\{\{.*\}\}|@[A-Za-z_][A-Za-z0-9_]*@"
    r"|:[a-z_][A-Za-z_]{1,63})$"
)
# A call that reads the value from the environment (Laravel's `env('DB_PASSWORD')`, `getenv("X")`, Ruby's
# `ENV.fetch("X")`, Java's `System.getenv("X")`): where the value comes from, not the value.
_ENV_CALL = re.compile(
    r"(?:env|getenv|os\.getenv|ENV\.fetch|System\.getenv)\([ \t]*['\"]?[\w.\-]{1,100}['\"]?[ \t]*[,)]"
)
# A credential's word with words that say whose or what kind it is, and nothing random: what a tutorial
# or a README types where the value goes (`mypassword`, `your_secret`, `randompassword`,
# `super-secret-key`, `testpassword123`).
_DESCRIBED_CREDENTIAL = re.compile(
    r"(?i)^(?:(?:my|your|some|random|super|strong|secure|secret|test|dummy|fake|example|sample|dev|local"
    r"|default|admin|user|db|database|app|jwt|session|api)[_\-]?){1,3}"
    r"(?:password|passwd|pass|pwd|secret|token|key|api[_\-]?key)s?(?:[_\-]?\d{1,5})?$"
)
_CONSTANT = re.compile(r"^[A-Z]+(?:_[A-Z]+)+$")
# A `<slot>` holds a word or more (`<your-key>`, `<API TOKEN>`); a `<…>` with other symbols or a letter or
# two inside is a generated value's punctuation (WordPress's salts, `openssl rand -base64`-like passwords hold `<`, `=`, `>`).
_PLACEHOLDER_PARTS = re.compile(
    r"(?i)xxxx|abcdefghijklmnop|example|fake[_\-]?(?:key|token|secret|pass|value)|dummy|your[_\-]?(?:api|token|key|secret|pass)|<[a-z][\w .\-]{2,}>|<>|\.\.\.|\*\*\*"
)
# "…goes here" spelled into one word (`SlackAppConfigurationAccessTokenHere`, `RANDOMSTRINGHERE`): the
# stand-in word ends a run of letters, capitalised as a word of its own. A generated value's letters
# spell no word; a phrase like `nowhere` is not capitalised so.
_STAND_IN_TAIL = re.compile(r"(?:[A-Z]{3}HERE|[a-z]Here)(?![A-Za-z0-9])")


def _fill_in_slot(v: str) -> bool:
    """`{base64(user:password)}`, `{token_for(svc)}`: one pair of braces around a call, no spaces.
    (Checked by counting, not by a regex: a pattern for it backtracks quadratically on `{((((…`.)"""
    return (
        len(v) > 2
        and v[0] == "{"
        and v[-1] == "}"
        and v.count("{") == 1
        and v.count("}") == 1
        and not any(c.isspace() for c in v)
    )


_CREDENTIAL_WORDS = re.compile(r"(?i)^(?:user(?:name)?|login|e?mail)[:/](?:pass(?:word)?|secret|token)$")


def is_placeholder(value: str) -> bool:
    """A template, a variable reference, an elided or dummy value: nothing to scrub."""
    v = value.strip("\"'`")
    if not v or len(set(v)) <= 2 or _fill_in_slot(v):
        return True
    if is_worded_placeholder(v):
        return True
    if _TEMPLATE.match(v) or v.startswith(("process.env", "os.environ", "env.", "ENV[", "<")) \
            or _ENV_CALL.match(v):
        return True
    if _CONSTANT.match(v):
        return True  # ACCESS_TOKEN, API_KEY: the name of a setting, not its value
    if _CREDENTIAL_WORDS.match(v):
        return True  # `username:password`, `user:pass`: what goes there, spelled out
    return bool(_PLACEHOLDER_WORDS.match(v) or _PLACEHOLDER_PARTS.search(v) or _DESCRIBED_CREDENTIAL.match(v))


# Words that say a value was typed to stand for a credential: `insert_key_here`, `a-fake-api-key`,
# `YOUR_TOKEN`, `replace-me`. Only when every piece of the value is a plain word: a generated value
# never splits into words, and `abc12fake…` (a word inside a random run) is not a placeholder.
_STAND_IN_WORDS = frozenset(
    "fake dummy example sample placeholder insert your here replace redacted changeme mock bogus".split()
)
_VALUE_PIECES = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^A-Za-z\d]+")
_WORD_SEPARATORS = frozenset("-_. ")
# The stand-in words. A piece is a run of the value's ASCII letters, so a piece that lowers to one of
# them is that word's letters, in some case, in the value, and in `value.lower()` (ASCII letters lower
# to themselves, one for one; a non-ASCII letter that lowers to ASCII, the Kelvin sign to `k`, can only
# add a word): where none is, no piece is one and the value is no worded placeholder, without splitting
# it. Most values asked hold none (random runs the entropy check meets): 20 -> 2.3 us a value, `re.I`
# costing more than the split it saves.
_STAND_IN_ANY = re.compile("|".join(sorted(_STAND_IN_WORDS)))


def is_worded_placeholder(value: str) -> bool:
    # The tail's two spellings of `here`, looked for by `in` before the pattern, which starts at any letter.
    if ("HERE" in value or "Here" in value) and _STAND_IN_TAIL.search(value):
        return True
    if _STAND_IN_ANY.search(value.lower()) is None:
        return False
    pieces = _VALUE_PIECES.findall(value)
    words = [p.lower() for p in pieces if p[0].isalpha()]
    if len(words) < 2 or any(p[0].isdigit() and len(p) > 2 for p in pieces):
        return False
    if any(not p[0].isalnum() and not set(p) <= _WORD_SEPARATORS for p in pieces):
        return False
    if sum(len(w) < 3 for w in words) > 1:
        return False  # a generated value splits into many short pieces (`Zq`, `Xk`), words do not
    return any(w in _STAND_IN_WORDS for w in words)


# A vendor's short literal prefix and its separator (`sha256~`, `xoxe.`, `pnu_`): the body follows.
_VENDOR_PREFIX = re.compile(r"^[A-Za-z0-9]{2,10}[\-_.~]+")


def is_stand_in_token(value: str) -> bool:
    """A vendor's prefix on a body of stand-in words (`sha256~XXXX_PUT_YOUR_TOKEN_HERE_XXXX`,
    `xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere`): the prefix's digits are not the body's."""
    if is_worded_placeholder(value):
        return True
    prefix = _VENDOR_PREFIX.match(value)
    return prefix is not None and is_worded_placeholder(value[prefix.end() :])


_FILLER_RUN = re.compile(r"([a-z0-9])\1{3,}")
_SHORT_PERIOD = re.compile(r"([a-z0-9]{2,4}?)\1{3,}")
# Masking characters, four or more in a row: what a tool or a person prints in place of a secret.
_MASK_RUN = re.compile(r"[*#•●]{4,}")


def is_filler(value: str) -> bool:
    """A vendor's prefix with a typed filler body (`ghp_xxxx…`, `AKIAXXXX…`, `xoxb-1111-2222-aaaa…`,
    `GR1348941123123123…`): most of its letters and digits are one character, runs of one character,
    or one short unit repeated. A generated body
    never is: in 20 random base-62 characters the commonest appears two or three times, and a run
    of four equal characters turns up about once in 200,000 positions."""
    if _MASK_RUN.search(value):
        return True  # `****`, `####`, `••••`: a value masked by whoever printed it
    chars = value.lower()
    if not chars.isalnum():
        chars = "".join(filter(str.isalnum, chars))
    if len(chars) < 8:
        return False
    if 2 * len(set(chars)) > len(chars):
        # None of the three below can hold: each needs 70% of the characters in runs (one character,
        # or a unit of two to four, four times or more) holding at most a quarter of their length in
        # distinct characters, so at most 0.3 + 0.7 / 4 of all of them are distinct. Generated values
        # stop here.
        return False
    if max(Counter(chars).values()) >= 0.7 * len(chars):
        return True
    if sum(len(m.group(0)) for m in _FILLER_RUN.finditer(chars)) >= 0.7 * len(chars):
        return True
    # A unit of two to four characters typed over and over (`123123123123…`, `ab12ab12ab12ab12`):
    # in random base-62, a unit of two four times in a row turns up about once in 10^10 positions.
    if sum(len(m.group(0)) for m in _SHORT_PERIOD.finditer(chars)) >= 0.7 * len(chars):
        return True
    # A stand-in word typed over and over (`glpat-EXAMPLEEXAMPLEEXAMPL`, `AKIAEXAMPLEEXAMPLEEX`), as `xxxx`
    # is: twice at least, half the characters; no generated body spells a word of five letters or more twice.
    words = _REPEATED_WORD.findall(chars)
    return len(words) >= 2 and sum(map(len, words)) >= 0.5 * len(chars)


_REPEATED_WORD = re.compile(r"example|sample|dummy|placeholder|redacted")


# Each character's successor when counting: digits, then on to the letters (hex order, `…89abcdef`)
# or round to `0` (`1234567890`, the keyboard's row), letters in the alphabet's order.
_COUNT_NEXT = frozenset(
    [(a, b) for a, b in zip("0123456789abcdefghijklmnopqrstuvwxy", "123456789abcdefghijklmnopqrstuvwxyz")]
    + [("9", "0")]
)
_SEGMENTS = re.compile(r"[\-_.:/]+")


def _counting_runs(chars: str) -> list[int]:
    """The lengths of the runs of four or more characters that count up (`1234`, `abcdef`)."""
    runs = []
    length = 1
    for a, b in zip(chars, chars[1:]):
        if (a, b) in _COUNT_NEXT:
            length += 1
            continue
        if length >= 4:
            runs.append(length)
        length = 1
    if length >= 4:
        runs.append(length)
    return runs


def is_counting_filler(value: str) -> bool:
    """A vendor's prefix on a body typed by counting: `dapi1234567890123456…`, or the token's id fields
    typed as the same count (`xoxp-1234-1234-1234-<hex>`): the shape of a token shown, like `AKIAXXXX`.

    In random characters a run of four counting up starts at a position once in 16^3 (hex) to ~31^3
    (both cases and digits, read lower-case) tries, a run of eight once in 10^8 or more, so a generated
    body is never mostly such runs, and no issuer numbers two of a token's fields `1234`. A bare count
    with no prefix (`1234567890abcdef…` as a whole value) is left to the rules: the labelled sets call it
    a key (IBM COS's 48 hex, MessageBird's and Snyk's UUID shape)."""
    prefix = _WORD_PREFIX.match(value)
    if prefix is None or _counting_runs(prefix.group(1).lower()):
        return False  # no prefix, or the "prefix" is the count's own start (`abcdefgh…`)
    body = value[prefix.end():].lower()
    chars = "".join(c for c in body if c.isalnum())
    if len(chars) >= 16:
        runs = _counting_runs(chars)
        if runs and max(runs) >= 8 and sum(runs) >= 0.7 * len(chars):
            return True
    counted = [s for s in _SEGMENTS.split(body) if len(s) >= 4 and _counting_runs(s) == [len(s)]]
    return len(counted) > len(set(counted))


# A vendor's literal prefix: two to eight letters, then a separator or the first digit of the body.
_WORD_PREFIX = re.compile(r"([A-Za-z]{2,8})(?:[\-_.]+|(?=\d))")


def is_time_uuid(value: str) -> bool:
    """A version-1 or -2 UUID whose clock reads 1980 to 2100 (`743b294a-cd03-11ec-9d64-0242ac120002`): made
    of the time it was made and the machine's MAC address, guessable, so no service issues one as a token.
    A random hex value takes this shape about once in 5,000 tries (the version digit, the variant, a
    clock in range), and a random (v4) UUID never."""
    if len(value) != 36 or not UUID_RE.match(value):
        return False
    if value[14] not in "12" or value[19].lower() not in "89ab":
        return False  # a random UUID (v4), or not RFC 4122's variant
    ticks = int(value[15:18] + value[9:13] + value[0:8], 16)  # 100 ns since 1582-10-15
    years = ticks / (10_000_000 * 86_400 * 365.2425)
    return 1980 - 1582 <= years <= 2100 - 1582


def is_filler_token(value: str) -> bool:
    """`is_filler` of the token, or of its last path segment (a webhook URL ending in `XXXX…`)."""
    return is_filler(value) or ("/" in value and is_filler(value.rsplit("/", 1)[1]))


_NULLISH = re.compile(r"(?i)^(?:null|none|nil|true|false|undefined)$")


def is_reference(value: str) -> bool:
    """A value that names or points at the secret rather than holding it: `${TOKEN}`, `process.env.X`,
    `API_KEY`, `null`. Unlike a dummy (`AKIAZZZZ...`, `xxxx`), nothing here could be a real key."""
    v = value.strip("\"'`")
    if not v:
        return True
    if (
        _TEMPLATE.match(v)
        or _fill_in_slot(v)
        or v.startswith(("process.env", "os.environ", "env.", "ENV[", "<", "${", "$(", "{{"))
    ):
        return True
    return bool(_CONSTANT.match(v) or _NULLISH.match(v))


# Words a programmer puts in a name to say its value is not a live credential (`invalidToken`,
# `fake_secret`, `nonMatchingKey`, `mockPassword`): test fixtures, which coding-agent logs are full of.
_FIXTURE_WORDS = frozenset(
    "fake dummy mock mocked stub invalid wrong bogus bad example sample placeholder expired revoked unused "
    "nonmatching mismatched unmatched".split()
)
_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# Negations spread over two words (`nonMatching`, `not_real`); a bare `non` (`NON_PROD_KEY`) is live.
_FIXTURE_PAIRS = re.compile(r"non(?:matching|existent|existing|valid)|not(?:real|valid)")


@lru_cache(maxsize=1024)
def is_fixture_name(name: str) -> bool:
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    return any(w in _FIXTURE_WORDS for w in words) or bool(_FIXTURE_PAIRS.search("".join(words)))


# Words that end a name to say what its value is, when that is not the credential itself: its name,
# where it lives, how long it is (`LLM_SECRET_NAME`, `TOKEN_URL`, `key_vault_name`, `TokenFile`,
# `password_length`, `key_down_event`, a request's `signature`); and qualifiers that make a key something nobody keeps
# secret (`public_key`, `primaryKey`, `foreign_key`, `bucket_key`, `cache_key`, `idempotency_key`,
# `site_key`, `csrf_token`: a form's anti-forgery value, good for one session of one page). Never `id`:
# OAuth client ids are credentials of their own.
_NOT_SECRET_LAST = frozenset(
    "name names url uri urls endpoint file filename files path paths dir length len size type types alias version "
    "count format label header field prefix suffix pattern regex event events index column algorithm alg mode "
    "location ttl expiry expires expiration timeout signature sig namespace ref store provider mount".split()
)
_NOT_SECRET_QUALIFIER = frozenset(
    "public pub primary foreign bucket schema sequence csrf xsrf authenticity natural"
    " page continuation pagination cursor".split()  # `next_page_token`: where a listing goes on
)
# Keys (not tokens) that name or find a record, and keys published by design: a captcha's site key,
# a payment form's publishable key.
_RECORD_KEY_QUALIFIER = frozenset(
    "cache idempotency partition sort dedup deduplication object lookup unique composite shard translation "
    "i18n site publishable".split()
)
_QUALIFIED_WORDS = frozenset({"key", "keys", "token"})


@lru_cache(maxsize=1024)
def names_no_secret(name: str) -> bool:
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    if not words:
        return False
    if words[-1] in _NOT_SECRET_LAST or words[-1] in ("pubkey", "sitekey"):
        return True
    return any(
        w in _NOT_SECRET_QUALIFIER and nxt in _QUALIFIED_WORDS
        or w in _RECORD_KEY_QUALIFIER and nxt in ("key", "keys")
        for w, nxt in zip(words, words[1:])
    )


# A file viewer's line number before a line: Claude Code's `    12→`, `cat -n`'s tab, OpenCode's `00012| `,
# Copilot's `12.<tab>`, grep's `12:`. For composing into line-anchored patterns.
LINE_NUMBER = r"[ \t]*\d{1,7}(?:\u2192|\t|\|[ \t]?|\.\t|:[ \t]?)"


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z_]*(?:[.\-][A-Za-z_][A-Za-z0-9_]*)*(?:\(\)?)?$")
_DOTTED = re.compile(r"^[&*]?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")


# Inside one dotted part: a digit between two letters with both cases about (`X6wo`, `Z8Cd`), or mostly
# scraps of words (below). Names are words: `corev1`, `v1beta1`, `getHTTPClient`, `s3Bucket`,
# `getDbConn` have neither, while a generated password with a `.` in it nearly always has one.
_GENERATED_PART = re.compile(r"(?=[A-Za-z]*[a-z])(?=[A-Za-z]*[A-Z])[A-Za-z]*[A-Za-z]\d+[A-Za-z]|[A-Za-z]\d+[a-z]")
# Numeronyms keep digits between lower-case letters in names: `k8s`, `i18n`, `l10n`, `a11y`, `e2e`.
_NUMERONYM = re.compile(r"(?<![a-z])[a-z]\d{1,2}[a-z]{1,2}(?![a-z])")


# Camel-case words: names are made of them (`Secret`, `Reference`, `HTTP`), generated text of scraps.
_CAMEL_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_VOWELS = frozenset("aeiouyAEIOUY")


def _scrap(word: str) -> bool:
    """A camel-case word no name is made of: one or two letters with a lower-case one (`r`, `Ts`), or
    four letters or more without a vowel (`wdcxq`)."""
    if not any(c.islower() for c in word):
        return False
    return len(word) <= 2 or len(word) >= 4 and not any(c in _VOWELS for c in word)


def generated_part(part: str) -> bool:
    """Whether one name-like piece (letters, digits, `_`) reads as generated rather than as words."""
    if not (any(c.islower() for c in part) and any(c.isupper() for c in part)):
        return False
    if _GENERATED_PART.search(_NUMERONYM.sub("", part)) is not None:
        return True
    words = _CAMEL_WORD.findall(part)
    scraps = sum(map(_scrap, words))
    return len(part) >= 8 and scraps >= 3 and scraps >= 0.3 * len(words)


_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
_LETTER_GROUPS = re.compile(r"[a-z]{4}(?:([ \-])[a-z]{4})(?:\1[a-z]{4}){2}")


def random_letters(value: str) -> bool:
    """Lower-case letters that spell no words: a Google app password (`ngsissjeaxkmwqlx`, or in its
    four groups of four), an Apple app-specific one (`abcd-efgh-ijkl-mnop` shape). Words almost never
    run five consonants together, nor keep under a fifth of their letters vowels; sixteen random
    letters do one or the other nine times in ten."""
    letters = value.replace(" ", "").replace("-", "") if _LETTER_GROUPS.fullmatch(value) else value
    if len(letters) < 12 or not (letters.isascii() and letters.isalpha() and letters.islower()):
        return False
    if any(letters[i:i + 5] in "abcdefghijklmnopqrstuvwxyz" for i in range(len(letters) - 4)):
        return False  # `abcd-efgh-ijkl-mnop`: the alphabet, typed to show the shape
    vowels = sum(c in "aeiouy" for c in letters)
    return _CONSONANT_RUN.search(letters) is not None or vowels < 0.2 * len(letters)


# A piece of a value split where its case changes (`[A-Z]?[a-z]+`, or a run of capitals): a word of code.
_CASE_PIECES = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def random_mixed_letters(value: str) -> bool:
    """Letters of both cases that split into no words: a generator's letters-only password
    (`XohxQwUoAeManuYCNW`). Code's camel case (`userPasswordHash`, `getHTTPSProxyURL`) splits into words of
    four letters on average; random case splits into pieces of one or two (`Qw`, `Uo`, `Ae`)."""
    return len(value) >= 16 and random_case(value)


def random_case(value: str) -> bool:
    """Letters of both cases whose case changes as a generator's does (pieces under three letters on
    average), whatever their length: `gPqbEZvY`, not `Authorization` or `ContentType`."""
    if not (value.isascii() and value.isalpha()) or value.islower() or value.isupper():
        return False
    return len(value) < 3 * len(_CASE_PIECES.findall(value))


_VALUE_PARTS = re.compile(r"[._\-]")
# A person's password: a capitalised word, a year or a number, a `.`/`_`, a word (`Saffron1907.willow`).
# Code's class names carry a bit width (`Int32`, `Base64`, `Sha256`) or a one-digit version (`Vue3`).
_WORD_AND_NUMBER = re.compile(r"([A-Z][a-z]{2,})(\d{2,4})")
_BIT_WIDTHS = frozenset({"16", "32", "64", "128", "256", "512"})
# The words code puts a bit width after (`Int32`, `Base64`, `Sha256`, `Utf16`, `Vector128`, `Color32`): a
# bit width after another word (`Ember16.meadow`) is a number a person picked, as any other is.
_WIDTH_WORDS = frozenset(
    "int uint float base sha utf ucs crc aes rsa fixed sfixed sint vector color simd half hash xxh murmur fnv"
    " blake hmac word dword qword bits byte bytes char complex decimal atomic ptr rgb rgba argb ieee bit"
    " big sig keccak vec".split()
)


# Pieces of code's names that hold no vowel or are one or two letters long: not a generator's scraps.
_CODE_SCRAPS = frozenset(
    "http https src dst ctx cfg msg msgs btn mgr svc str pwd db fn cb rx tx js ts css html xml sql url"
    " rpc grpc"
    " tls ssl dns tcp udp ssh jwt md cmd std lst pkg hdr req res resp err buf len num idx ptr"
    " is up to on of by at id io ui in ok as if or no my we".split()
)


def _random_case_part(part: str) -> bool:
    """Nine letters or more whose case changes every few (`SDLBjsDPlXN`), with two pieces or more no name
    is made of (`Bjs`, `Pl`: no vowel, or one or two letters, and no abbreviation of code's) and under a
    third vowels: `SetUpTLSForDB`, `getHttpSrcCtx` and `isUpToDate` are words."""
    if len(part) < 9 or not (part.isascii() and part.isalpha()) or part.islower() or part.isupper():
        return False
    pieces = _CASE_PIECES.findall(part)
    if len(part) >= 4 * len(pieces):
        return False
    scraps = sum(
        any(c.islower() for c in p) and (len(p) <= 2 or not any(c in _VOWELS for c in p))
        and p.lower() not in _CODE_SCRAPS for p in pieces)
    return scraps >= 2 and 3 * sum(c in _VOWELS for c in part) < len(part)


def generated_identifier(value: str) -> bool:
    """A value shaped like a code identifier that a person or a generator made: a short prefix on random
    case (`tf_SDLBjsDPlXN`), or a capitalised word and a number joined to a word (`Saffron1907.willow`)."""
    parts = _VALUE_PARTS.split(value)
    if any(map(_random_case_part, parts)):
        return True
    if len(parts) < 2 or not all(p.isalpha() for p in parts[1:]):
        return False
    worded = _WORD_AND_NUMBER.fullmatch(parts[0])
    return worded is not None and not (
        worded.group(2) in _BIT_WIDTHS and worded.group(1).lower() in _WIDTH_WORDS)


def app_password_shape(value: str) -> bool:
    """Four groups of four lower-case letters, spaced or hyphenated, that spell no words: how Google
    and Apple show an app password."""
    return _LETTER_GROUPS.fullmatch(value) is not None and random_letters(value)


def looks_like_identifier(value: str) -> bool:
    """`var.db_password`, `self.password`, `get_token`, `&corev1.SecretReference`: code, not a value.
    A dotted value with a generated-looking part (`WDqpB.X6wouqiNDV0Nf`) is a password with a dot."""
    if _DOTTED.match(value):
        return not any(generated_part(part) for part in value.lstrip("&*").split("."))
    return bool(_IDENTIFIER.match(value)) and not any(ch.isdigit() for ch in value)


def random_enough(value: str, min_len: int = 8, min_entropy: float = 2.8) -> bool:
    return len(value) >= min_len and len(set(value)) >= 5 and entropy(value) >= min_entropy


def has_letter_and_digit(value: str) -> bool:
    return any(map(str.isdigit, value)) and any(map(str.isalpha, value))


UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
HEX_HASH_RE = re.compile(r"^(?:sha\d*[:=\-])?[0-9a-fA-F]{7,128}$")
# The agents' own ids: Anthropic message/tool ids, OpenAI call/response ids, request ids. OpenAI
# writes some with a hyphen (`chatcmpl-…`, `file-…`).
STRUCTURAL_ID_RE = re.compile(
    r"^(?:(?:msg|toolu|srvtoolu|call|fc|rs|resp|req|request|chatcmpl|run|thread|asst|file|evt|ws|item|ctc|cs|"
    r"sess|session|agent)_|(?:chatcmpl|file|run|cmpl|batch|ftjob)-)[A-Za-z0-9]{8,}$"
)


# A digest named by its algorithm, alone or after what it addresses (`app@sha256:…`, an image's digest
# reference), the digest in hex or left as a slot (`xxx`, `…`, `<digest>`).
_NAMED_DIGEST = re.compile(
    r"^(?:[\w.\-/:]{1,200}@)?(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b|blake3)[:=]"
    r"(?:[0-9a-fA-F]{7,128}|[xX]{3,}|\.{3}|…|\*{3,}|<[^<>]{1,40}>)$"
)


def is_named_digest(value: str) -> bool:
    """`sha256:<hex>`, `app@sha256:xxx`: a content address, which no key or password is written as."""
    return _NAMED_DIGEST.match(value) is not None


def is_structural(value: str) -> bool:
    """A UUID, a content hash or an agent id: identifies records, protects nothing."""
    return bool(UUID_RE.match(value) or HEX_HASH_RE.match(value) or STRUCTURAL_ID_RE.match(value))


# Passwords a URL or a Basic header is written with to show its shape (`user:password@host`).
STAND_IN_PASSWORDS = ("password", "pass", "pwd", "secret")
_PAIR_BASE64 = re.compile(r"[A-Za-z0-9+/]{8,200}={0,2}")


def is_stand_in_pair(value: str) -> bool:
    """Whether `value` is base64 of `user:password` whose password is a stand-in (`dXNlcm5hbWU6cGFzc3dvcmQ=`,
    base64 of `username:password`): a Basic header's or a registry `auth`'s shape, not a credential."""
    if _PAIR_BASE64.fullmatch(value) is None:
        return False
    try:
        pair = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    _, colon, password = pair.partition(":")
    return bool(colon) and (is_placeholder(password) or password.lower() in STAND_IN_PASSWORDS)


def is_stand_in_base64(value: str) -> bool:
    """Whether `value` is base64 of one line in a template's syntax (`${DB_PASSWORD}`, `{{ .Values.key }}`,
    `<your-api-key>`, `%(password)s`) or masked (`********`): a template's Kubernetes Secret. A word
    (`changeme`, `mypassword`) may be the password deployed, and stays one."""
    if _PAIR_BASE64.fullmatch(value) is None:
        return False
    try:
        line = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8").rstrip("\n")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return bool(line) and line.isprintable() and (
        _TEMPLATE.match(line) is not None or is_reference(line) or not any(c.isalnum() for c in line))


# Where a secret manager keeps the value, written where the value goes: 1Password's `op://vault/item/field`,
# `vals`' `ref+vault://…`, Azure App Service's `@Microsoft.KeyVault(…)`, an AWS secret's or parameter's ARN,
# SOPS' and hiera-eyaml's ciphertext (`ENC[AES256_GCM,data:…]`, `ENC[PKCS7,…]`), CloudFormation's
# `{{resolve:…}}`. Or a label of words: a scheme-like word, `:`, and a path of words
# (`secretRef:db-credentials/password`, `vault:secret/data/api#token`).
_STORE_REFERENCE = re.compile(
    r"op://|ref\+[a-z0-9]+://|@Microsoft\.KeyVault\(|arn:aws[\w\-]*:(?:secretsmanager|ssm|kms):"
    r"|ENC\[(?:AES256_GCM|PKCS7|GPG),|\{\{resolve:"
)
_WORDED_REFERENCE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?://)?[A-Za-z][\w.\-]*(?:[/#][\w.\-]+)+")
_REFERENCE_WORD = re.compile(r"[A-Za-z]+")


def is_secret_reference(value: str) -> bool:
    """Whether `value` says where a secret is kept (a secret manager's reference, ciphertext, a path of
    words) rather than holding it: there is nothing in it to scrub."""
    if _STORE_REFERENCE.match(value):
        return True
    if not _WORDED_REFERENCE.fullmatch(value) or any(c.isdigit() for c in value):
        return False
    words = _REFERENCE_WORD.findall(value)
    return len(words) >= 3 and not any(generated_part(w) or random_letters(w.lower()) for w in words)


# Words that make a spaced value a sentence, an instruction, a validation's message or a stand-in rather
# than a password typed with spaces (`your password here`, `set in CI`, `too short`, `same as above`).
_SPACED_STAND_IN_WORDS = frozenset(
    "a an the to of in on at by for from with and or is are was be been it its this that these those use "
    "used using set get read see ask via per must should will would can cannot could does do did not no "
    "none null nil empty blank unset your you yours enter insert replace change changeme put paste type fill "
    "todo tbd fixme same above below example sample dummy fake placeholder redacted hidden masked removed "
    "omitted required optional default goes least characters chars min max length too short long weak "
    "invalid incorrect wrong missing mismatch expired failed error ok provided supplied stored kept managed "
    "env environment variable var vars vault manager keychain 1password file config configured "
    "password passwords passwd passphrase token tokens credential credentials key keys value "
    "foo bar baz qux lorem ipsum string str int bool optional".split()
)
_SPACED_CODE = frozenset("%{}<>()[]|=*\\`")
_SHELL_VARIABLE = re.compile(r"\$[\w({]")


def spaced_stand_in(value: str) -> bool:
    """Whether a value of a few pieces a space apart, found where a password would be, is no password: a
    template's or code's signs in it, a YAML indicator first (`!vault |`, `>-`, `&anchor`), a comment, or a
    piece that a sentence, a stand-in or a setting's word is (`_SPACED_STAND_IN_WORDS`)."""
    if value[0] in "!&*|>@%#-?:" or any(c in _SPACED_CODE for c in value) or _SHELL_VARIABLE.search(value):
        return True  # a password may end in `$`, never hold `$NAME`
    pieces = value.split()
    if not 2 <= len(pieces) <= 6 or not 6 <= len(value) <= 64 or any(p.startswith("#") for p in pieces[1:]):
        return True
    return any(p.lower().strip("!?.,;:'\"") in _SPACED_STAND_IN_WORDS for p in pieces)
