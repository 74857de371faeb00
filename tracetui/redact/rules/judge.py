"""How a value found after a credential's name is judged: sure, a question, or nothing (its
vendor's shape, a placeholder, a variable's name, counting digits)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import unquote

from tracetui.redact import kinds
from tracetui.redact.credential_words import NAME_OK as _NAME_OK
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.passphrase import passphrase_words
from tracetui.redact.rules.headers import _SIGNING_SCHEMES
from tracetui.redact.rules.table import TOKEN_RULES
from tracetui.redact.text_checks import (
    STAND_IN_PASSWORDS,
    app_password_shape,
    entropy,
    generated_identifier,
    generated_part,
    has_letter_and_digit,
    is_counting_filler,
    is_filler,
    is_fixture_name,
    is_named_digest,
    is_placeholder,
    is_reference,
    is_secret_reference,
    is_stand_in_base64,
    is_stand_in_pair,
    is_structural,
    is_time_uuid,
    looks_like_identifier,
    names_no_secret,
    random_enough,
    random_letters,
    random_mixed_letters,
)

# --- Context rules: a credential-sounding name, then a value -------------------------------------

# Names that say "what follows is a credential". Found first with this cheap alternation, then the
# surrounding identifier is read by hand (a regex like `\w*token\w*` backtracks quadratically on
# long runs of word characters, such as a 24,000-character base64 line).
_KEYWORD = re.compile(
    r"token|secret|pass|pw|key|credential|auth|dsn|client[_.\-]?id|sonar\.login|discord|contribsys|sidekiq"
    r"|psk"
)
# Which of the stems found really name a credential: `credential_words.NAME_OK`, on the identifier.
_NAME_LIKE = re.compile(r"^[A-Za-z][A-Za-z_.\-]*$")


_SETTING_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def names_a_setting(value: str) -> bool:
    """`ClearTextPassword`, `password_input`, `real_key`: words around a credential's name, which a
    config or a test puts where the value goes; a value is one word or holds more than letters. The
    credential's word is one of the value's words: letters that only spell it inside a generated run
    (`hvs.GqDsnShup…` holds `dsn`) name nothing."""
    if not (_NAME_LIKE.match(value) and (value.isalpha() and value[:1].isupper() or not value.isalpha())):
        return False
    if any(generated_part(part) for part in re.split(r"[_.\-]", value)):
        return False
    return any(_NAME_OK.fullmatch(w) or _NAME_OK.fullmatch(w[:-1]) for w in map(str.lower, _SETTING_WORD.findall(value)))


# Literal prefixes of the formats above: a token that starts with one is judged by its format rule
# alone, so a near-miss the rule turned down (an edited example, a cut-off head) is not raised again
# by the generic entropy check. Anthropic's api03/admin01 keys are the exact-shape ones.
_GENERIC_NEEDLES = frozenset({"sk-ant-", "api-", "key-", "pubkey-", "test_", "live_"})  # words, not vendors
FORMAT_PREFIXES = tuple(
    sorted({n for r in TOKEN_RULES for n in r.needles if len(n) >= 4 and n[-1] in "-_."} - _GENERIC_NEEDLES
           | {"sk-ant-api03-", "sk-ant-admin01-", "eyj", "pypi-", "sg.", "cmvmd", "gr1348941", "aiza"}
           | {"sntrys_", "sntryu_", "r8_", "sk-ant-oat01-", "sk-ant-ort01-", "sk-helicone-", "pk-helicone-"}
           | {p + "-" for p in ("glpat", "gldt", "glft", "glsoat", "glrt", "glcbt", "glimt", "glptt", "gloas",
                                "glagent", "glffct", "glsa", "glwt")})
)


def owned_by_format(value: str) -> bool:
    """Whether `value` starts with the literal prefix of a format rule (see FORMAT_PREFIXES)."""
    return value.lower().startswith(FORMAT_PREFIXES)


_ID_NAME = re.compile(r"(?i:credentials?|keys?|tokens?|secrets?)[_\-]?(?:Id|ID|id)$")
# A service account's `private_key_id` stands in its key file next to the key: the file is the credential,
# and the labelled sets take the id with the key.
_PRIVATE_KEY_ID = re.compile(r"(?i)private[_\-]?key[_\-]?id$")


def id_of_a_credential(name: str, value: str) -> bool:
    """`jobCredentialsId: '<uuid>'`, `UserSecretsId`: a UUID or hash naming which credential is meant."""
    return _names(_ID_NAME, name) and not _names(_PRIVATE_KEY_ID, name) and is_structural(value)


@lru_cache(maxsize=4096)
def _names(pattern: re.Pattern[str], name: str) -> bool:
    """Whether `pattern` is in a key's name. Asked of one name before every value it holds (a config
    dump of thousands of `password = …` lines), so answered once per name."""
    return pattern.search(name) is not None


# `pass` as a word of a name (`SMTP_PASS`, `db_pass`, `mail-pass`), not inside one (`bypass`, `passport`).
_PASSWORD_NAME = re.compile(
    r"(?i)passw|pwd|passphrase|(?<![a-z])pass(?![a-z])|(?<![a-z])psk(?![a-z])|(?:bind|root)pw"
)
_PASS_OR_PWD = re.compile(r"(?i)pass|pwd")
# A name whose last word is the password's (`password`, `DB_PASS`, `adminPwd`): its value is the password, not
# a setting about one (`PASSWORD_RESET_TIMEOUT = 259200`, `password_min_length`).
# A PIN's or one-time code's name ends so too (`admin_pin`, `adminPin`, `otpCode`; not `spin`).
_ENDS_PASSWORD = re.compile(
    r"(?i)(?:passw(?:or)?d|passwd|pass|pwd|pw|psk|(?<![a-z])(?:pin|otp)(?:_?code)?"
    r"|(?-i:(?<=[a-z])(?:Pin|PIN|Otp|OTP)(?:Code)?))$"
)
_PHRASE_NAME = re.compile(r"(?i)passw|passphrase|secret|api[_\-]?key")
_STRONG_NAME = re.compile(
    r"(?i)token|secret|passw|passphrase|pwd|(?<![a-z])pass(?![a-z])|credential|auth|dsn|(?:bind|root)pw"
    r"|(?<![a-z])psk(?![a-z])"
    r"|(?:api|private|access|secret|client|license|signing"
    r"|encryption|master|session)[_.\-]?key"
)
_KEBAB = re.compile(r"^[a-z]+(?:[-_.][a-z0-9]+)+$")
_KEBAB_PARTS = re.compile(r"[-_.]")


def _kebab_words(value: str) -> bool:
    """`fix-payment-bug`, `add-user-auth`, `release-2024-01-15`: words joined, as a list or a call's
    arguments hold them; not when a part is a long run mixing digits into letters, which a vendor's
    lower-case token is (Fastly's `ulnfd-dcobrtz8wd0s8pen0y2uu9frk5`)."""
    if not _KEBAB.match(value):
        return False
    return not any(
        len(part) >= 12 and sum(c.isdigit() for c in part) >= 3 and not part.isdigit()
        for part in _KEBAB_PARTS.split(value)
    )
_OPAQUE = re.compile(r"[A-Za-z0-9+=_\-]+")  # no `/`, `:`, `.`: not a path, label or type name


# Credentials whose name says which vendor issued them, and the shapes that vendor issues. A value of
# another shape under such a name is a test value or a near-miss of the format, not that credential.
_VENDOR_SHAPES = (
    # IBM Cloud API keys: 44 characters; IBM COS HMAC secrets: 48.
    (re.compile(r"(?i)ibm.{0,12}(?:iam|cloud|api)|(?:iam|cloud).{0,12}ibm"), re.compile(r".{44}")),
    (re.compile(r"(?i)(?:ibm|cos).{0,8}hmac|ibm.{0,12}cos"), re.compile(r".{48}")),
    # Telegram bot tokens: the bot's numeric id, a colon, 35 characters starting with `A`; or, as
    # detect-secrets has the shape, an id of 8 to 10 digits and any 35 (the name says whose it is).
    (re.compile(r"(?i)telegram"), re.compile(r"\d{5,16}:A[A-Za-z0-9_\-]{34}|\d{8,10}:[A-Za-z0-9_\-]{35}")),
    # Sumo Logic: access ids `su` + 12, access keys 64 letters and digits.
    # The name as a word of its own (`SUMO_ACCESS_KEY`, `sumoToken`), not inside `sumOfExposures`.
    (re.compile(r"(?<![A-Za-z])(?:sumo|Sumo|SUMO)(?:logic|Logic|LOGIC)?(?![a-z])"),
     re.compile(r"su[A-Za-z0-9]{12}|[A-Za-z0-9]{64}")),
    # Cisco Meraki dashboard API keys: 40 lower-case hexadecimal digits.
    (re.compile(r"(?<![A-Za-z])(?:meraki|Meraki|MERAKI)(?![a-z])"), re.compile(r"[0-9a-f]{40}")),
)


def wrong_vendor_length(name: str, value: str) -> bool:
    """Whether `name` names a vendor whose credentials never have the shape of `value`: the value does
    not begin with one that ends there. What follows a symbol is not the key's (`<key>&v=2`, the rest of a
    query a bare value runs into); more of the key's own characters (`<40 hex>R21`) are."""
    shape = _vendor_shape(name)
    return shape is not None and shape.match(value) is None


@lru_cache(maxsize=1024)
def _vendor_shape(name: str) -> re.Pattern[str] | None:
    for pattern, shape in _VENDOR_SHAPES:
        if pattern.search(name):
            return re.compile(rf"(?:{shape.pattern})(?![A-Za-z0-9_\-])")
    return None


_STANDARD_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _slash_led_base64(value: str) -> bool:
    """Base64 that happens to start with `/` (one value in 64): whole 4-character groups, and as random
    as encoded bytes are. A path is not padded to groups of four and repeats its letters."""
    if not _STANDARD_BASE64.fullmatch(value):
        return False
    return entropy(value) >= min(4.8, math.log2(len(value)) - 0.5)


def _base64_like(value: str) -> bool:
    """Long standard base64 (which has `/` in it) rather than a path: no path starts so, and its
    slash-separated pieces are random, mixing cases and digits, or (one case only) holding base64's
    `+`, or a `=` before its end, among digits, which no file name in a path does."""
    if len(value) < 32 or value.startswith(("./", "~")) or "." in value:
        return False
    if value.startswith("/") and not _slash_led_base64(value):
        return False
    if not any(c.isdigit() for c in value):
        return False
    if any(c.isupper() for c in value) and any(c.islower() for c in value):
        return entropy(value) >= 4.5 or entropy(value) >= 4.0 and _case_churn(value) >= 0.35
    return ("+" in value or "=" in value.rstrip("=")) and entropy(value) >= 4.0


def _case_churn(value: str) -> float:
    """How often two letters side by side change case: about half the time in random base64, a fifth
    or less in a path's names (`Users/Dev2/Documents/ProjectX`)."""
    pairs = [a.isupper() != b.isupper() for a, b in zip(value, value[1:]) if a.isalpha() and b.isalpha()]
    return sum(pairs) / len(pairs) if pairs else 0.0


_COUNTING = "1234567890" * 13
# A value opening with `user:password@` (a DSN without its scheme): the password is what is judged.
_USER_PASSWORD_AT = re.compile(r"[A-Za-z_][\w.\-]{0,63}:([^\s@]{1,256})@(?=[A-Za-z0-9\[])")
# A short made password: letters of both cases and a digit, nothing else (pwgen's `ohXo0ahT`); unquoted
# under a password's name it is no code (code's names hold no digit among mixed case this short).
_SHORT_MADE = re.compile(r"(?=[^\d]*\d)(?=[^a-z]*[a-z])(?=[^A-Z]*[A-Z])[A-Za-z\d]{8,31}")
# A vendor-style prefix on nothing but counting digits (`xoxp-1234567890`, `sk_123456789`): typed to
# show the shape. Eight digits in counting order turn up in random digits once in 10^8 tries.
_PREFIX_ON_COUNTING = re.compile(r"[a-z][a-z0-9]{1,7}[\-_](\d{8,60})")


def prefix_on_counting(name: str, value: str) -> bool:
    """A token's shape typed with counting digits, under a name that is not a password's (a person's
    weak password may well be `admin_12345678`)."""
    if _names(_PASSWORD_NAME, name):
        return False
    counting = _PREFIX_ON_COUNTING.fullmatch(value)
    return (counting is not None and counting.group(1) in _COUNTING) or is_counting_filler(value)


# Two halves of random hex either side of a colon: a `user:password` pair a vendor issues (Contribsys'
# Sidekiq credentials, `1a2b3c4d:5e6f7a8b`), not a `host:port` or a `type:name`.
_HEX_PAIR = re.compile(r"[0-9a-f]{8,40}:[0-9a-f]{8,40}")
# A Discord application's id: a snowflake of 17 to 20 digits, which gitleaks counts as its credential.
_SNOWFLAKE_NAME = re.compile(r"(?i)discord")
_SNOWFLAKE = re.compile(r"[1-9]\d{16,19}")


def _dense_random(value: str) -> bool:
    """Long, symbol-rich and as random as generated bytes (WordPress's salts, `openssl rand` output):
    a colon there is one more symbol, not the `host:port` or `type:name` it is in shorter values."""
    return len(value) >= 32 and entropy(value) >= 4.5 and sum(not c.isalnum() for c in value) >= 4


def _unprefixed(value: str) -> str:
    """`base64:…`, `hex:…`: the encoding a framework writes before a key (Laravel's `APP_KEY`) is no
    structure's colon (`host:port`, `type:name`); what follows it is the key."""
    return value[7:] if value.startswith("base64:") else value[4:] if value.startswith("hex:") else value


def _percent_stand_in(value: str) -> bool:
    said = unquote(value)
    return said != value and (is_placeholder(said) or is_reference(said) or is_secret_reference(said))


def _judge(name: str, value: str, start: int, quoted: bool, env_style: bool) -> Iterator[Finding]:
    if names_no_secret(name):
        return  # `TOKEN_URL`, `key_name`, `public_key`: the name says the value is not the credential
    if is_placeholder(value) or is_filler(value) or not any(c.isalnum() for c in value) \
            or is_stand_in_pair(value) or is_stand_in_base64(value) or is_secret_reference(value):
        # a template, a typed filler, punctuation only, base64 of `username:password` or of `${KEY}`, or
        # where a secret manager keeps it (`op://…`, `ENC[AES256_GCM,…]`)
        return
    if "%" in value and _percent_stand_in(value):
        return  # a form's or a query's encoding of one of those (`op%3A%2F%2F…`, `%24%7BTOKEN%7D`)
    pair = _USER_PASSWORD_AT.match(value)
    if pair is not None and (is_placeholder(pair.group(1)) or pair.group(1).lower() in STAND_IN_PASSWORDS):
        return  # Go's MySQL DSN `shop:${DB_PASSWORD}@tcp(…)`, `user:changeme@host`: a template's pair
    if not quoted and value.endswith("."):
        value = value.rstrip(".")  # the end of a sentence, not of the value; inside quotes it is the value's
        if not value or is_placeholder(value):
            return
    password_name = _names(_PASSWORD_NAME, name)
    strong = _names(_STRONG_NAME, name)
    if password_name and passphrase_words(value):
        yield Finding(start, start + len(value), kinds.PASSWORD, AUTO, "rule:assignment")  # a passphrase
        return
    if value.isdigit() and 6 <= len(value) <= 8 and _names(_ENDS_PASSWORD, name) and len(set(value)) >= 3 \
            and value not in _COUNTING:
        yield Finding(start, start + len(value), kinds.PASSWORD, AUTO, "rule:assignment")  # digits only
        return
    if not quoted and looks_like_identifier(value) and not (
            password_name and (random_letters(value) or random_mixed_letters(value))
            or strong and generated_identifier(value)):
        # code (`password=user_password`), unless the letters spell nothing (an app password) or the
        # shape is a made one (`tf_SDLBjsDPlXN`, `Saffron1907.willow`)
        return
    if is_named_digest(value) or value.lower() in _SIGNING_SCHEMES:
        return  # `name@sha256:…`, `sha256:<hex>`: a content address (an image's digest); a signing scheme
    if prefix_on_counting(name, value):
        return  # `xoxp-1234567890`: a prefix on a typed count, the shape of a token shown, not one
    if value.lower() == name.lower().strip("-_"):
        return
    if id_of_a_credential(name, value):
        return  # `credentialsId: '<uuid>'`, `keyId`: which credential, not the credential
    if is_time_uuid(value):
        return  # `_authToken=<v1 uuid>`: a clock and a MAC address, which no service issues as a token
    if names_a_setting(value):
        return  # key="ClearTextPassword", "password_input": the name of a setting, not its value
    if "/" in value and not value.endswith("=") and (value.count("/") >= 2 or value.startswith(("/", "./", "~"))) \
            and not _base64_like(value):
        return  # a path or a label like "ns/name", not a credential
    kind = kinds.PASSWORD if _names(_PASS_OR_PWD, name) else kinds.SECRET
    end = start + len(value)
    if _names(_SNOWFLAKE_NAME, name) and _SNOWFLAKE.fullmatch(value) and len(set(value)) >= 5 \
            and value not in _COUNTING:
        yield Finding(start, end, kind, AUTO, "rule:assignment")  # a Discord application's id
        return
    if not strong and (_KEBAB.match(value) or not has_letter_and_digit(value)):
        # "key: controller-revision-hash": a weak name needs a value that looks generated; a long
        # quoted random-looking one is still worth a question.
        if quoted and _OPAQUE.fullmatch(value) and not _KEBAB.match(value) and random_enough(value, 16, 3.0):
            yield Finding(start, end, kind, SUGGESTED, "rule:assignment")
        return
    if is_fixture_name(name) or wrong_vendor_length(name, value):
        # `invalidToken = "..."`, `fake_secret`, `ibm_iam_key = <not 44 chars>`: the code or the
        # vendor's format says this is not a live credential.
        return
    if env_style and len(value) >= 4 and strong:
        yield Finding(start, end, kind, AUTO, "rule:env-assignment")
        return
    # Sixteen random digits hold eight different ones on average (five or fewer one time in 25); their
    # entropy (2.3 to 3.0) says less than that count. Counting up (`1234567890123456`) is typed.
    if strong and value.isdigit() and len(value) >= 16 and len(set(value)) >= 5 and value not in _COUNTING:
        yield Finding(start, end, kind, AUTO, "rule:assignment")  # a numeric secret or client id
        return
    if password_name and app_password_shape(value):
        yield Finding(start, end, kind, AUTO, "rule:assignment")  # `abcd efgh ijkl mnop`: an app password
        return
    if password_name and " " in value and _made_phrase(value):
        yield Finding(start, end, kind, AUTO, "rule:assignment")  # `Ivory pebble 367?`, typed with spaces
        return
    if quoted and " " not in value and password_name and random_enough(value, 6, 2.5):
        yield Finding(start, end, kind, AUTO, "rule:assignment")  # passwords may be plain words
        return
    if password_name and _SHORT_MADE.fullmatch(value) and random_enough(value, 8, 2.5):
        yield Finding(start, end, kind, AUTO, "rule:assignment")  # `ezA1oobx`, as pwgen makes them, unquoted
        return
    # A colon inside usually means structure (`id:token`, `host:port`, a type name) more than a key.
    if (
        random_enough(value)
        and (has_letter_and_digit(value) or entropy(value) >= 3.5 or strong and generated_identifier(value))
        and len(value) >= 10
        and (":" not in _unprefixed(value) or _dense_random(value) or _HEX_PAIR.fullmatch(value) is not None)
        and " " not in value  # a phrase is more often a prompt or a label than a secret
    ):
        yield Finding(start, end, kind, AUTO, "rule:assignment")
    elif random_enough(value, min_len=6, min_entropy=2.5) and (
        quoted or has_letter_and_digit(value) or (value.isdigit() and len(value) >= 12)
    ):
        yield Finding(start, end, kind, SUGGESTED, "rule:assignment")


# A password typed with spaces: two to five words, one of them a number, with a capital or a symbol, and
# none of the little words a sentence needs (`see the docs 2`, `set in vault 1` are instructions).
_PHRASE_PIECE = re.compile(r"[A-Za-z0-9!-/:-@\[-`{-~]{1,20}")
_SENTENCE_WORDS = frozenset(
    "a an the to of in on at by for from with and or not is are be it this that see use set get read enter "
    "type put change replace your you our my here there todo fixme tbd none null via per".split()
)


def _made_phrase(value: str) -> bool:
    pieces = value.split(" ")
    if not 2 <= len(pieces) <= 5 or not 8 <= len(value) <= 48:
        return False
    if not all(_PHRASE_PIECE.fullmatch(p) for p in pieces):
        return False
    if any(p.lower().strip("!?.,;:") in _SENTENCE_WORDS for p in pieces):
        return False
    symbol_or_capital = any(not c.isalnum() and c != " " or c.isupper() for c in value)
    return has_letter_and_digit(value) and symbol_or_capital and not is_placeholder(value)


_WORD_PASSWORDS = frozenset("pass pwd pw passwd password secret token key apikey changeme letmein".split())
