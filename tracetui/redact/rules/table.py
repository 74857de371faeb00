"""The table of credential formats: one `Rule` per vendor token shape, with the checks that
tell a real token from an example by its shape, each rule's regex compiled when a text first holds
one of its needles. Read by `tokens`."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tracetui.redact.finding import AUTO, SUGGESTED
from tracetui.redact.text_checks import entropy, has_letter_and_digit, is_filler, is_placeholder

Check = Callable[[str], "str | None"]  # value -> tier to report, or None to drop


@dataclass(slots=True, frozen=True)
class Rule:
    name: str
    kind: str
    regex: str
    needles: tuple[str, ...]  # lower-case literals; the rule runs only if one is in the lowered text
    tier: str = AUTO
    group: int | str = 0
    check: Check | None = None
    flags: int = 0
    _compiled: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @property
    def pattern(self) -> re.Pattern[str]:
        """The regex compiled on first use: most texts hold few vendors' needles, and compiling all
        the table's at import cost each process that loads the detectors (every export and evaluation
        worker) about 0.03 s of CPU. Two threads may both compile it: either pattern is the same."""
        compiled = self._compiled
        if compiled is None:
            compiled = re.compile(self.regex, self.flags)
            object.__setattr__(self, "_compiled", compiled)
        return compiled


def _not_dummy(min_entropy: float = 3.0) -> Check:
    """Sure when the body looks generated; a suggestion when it is filler (`AKIAZZZZ...`, `xxxx`,
    `...EXAMPLEKEY`): a string in a vendor's exact format is shown for review even if it looks fake,
    since a log cannot tell a documented dummy from a real key that happens to look plain."""

    def check(value: str) -> str | None:
        if is_placeholder(value) or entropy(value) < min_entropy:
            return SUGGESTED
        return AUTO

    return check


# GitLab token bodies by prefix (min, max length): outside these a `gl...-` string is a malformed or
# hand-made example, not a GitLab token. Routable tokens (a `.` inside the body) are always sure.
_GITLAB_LENGTHS = {
    "glimt": (25, 25), "glptt": (40, 40), "gloas": (64, 64), "glagent": (50, 1024),
}


def _gitlab_tier(value: str) -> str | None:
    prefix, _, body = value.partition("-")
    if value.startswith("GR1348941"):
        prefix, body = "GR1348941", value[9:]
    if is_placeholder(body) or entropy(body) < 3.0:
        return SUGGESTED
    if "." in body:
        return AUTO
    lo, hi = _GITLAB_LENGTHS.get(prefix, (20, 50))
    return AUTO if lo <= len(body) <= hi else None


def _json_object(part: str) -> bool:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return False  # RecursionError: a header of a thousand nested arrays stopped every scan of its text
    return isinstance(decoded, dict)


# A backslash inside the payload or the signature, as gitleaks' pattern allows (doubled where the token
# stands in a JSON string, or in one inside another), but not one that starts a string's escape (`\n`,
# `\u0026`): there the token has ended.
_JWT_MORE = r"(?:\\{1,4}(?![nrtbfu])[A-Za-z0-9_\-]+)*"


def jwt_tier(value: str) -> str | None:
    """Sure only when header and payload decode to JSON objects. A header that is no JSON object
    (letters typed by hand, `eyJ` followed by filler) was never issued by anything: not a JWT. A
    good header with a payload cut short or no signature is still shown, as a suggestion. A backslash
    in it (`_JWT_MORE`) is left out before decoding."""
    parts = value.replace("\\", "").split(".")
    if not _json_object(parts[0]):
        return None
    if len(parts) < 3 or not parts[2] or not _json_object(parts[1]):
        return SUGGESTED
    return AUTO


def _openai_project_tier(value: str) -> str | None:
    # OpenAI keys carry the marker `T3BlbkFJ` ("openai" in base64); a key whose marker is there but
    # altered (`T4BlbkFJ`) is an edited example, which OpenAI never issued.
    if "BlbkFJ" in value and "T3BlbkFJ" not in value:
        return None
    if is_placeholder(value) or entropy(value) < 3.0:
        return SUGGESTED
    return AUTO


def _pypi_tier(value: str) -> str | None:
    # A PyPI macaroon encodes its location, identifier and caveats, then its signature: real ones run
    # well past 150 characters. A short one is a cut-off head, which holds the identifier but not
    # the signature that makes it a credential.
    return AUTO if len(value) >= 120 else None


def _artifactory_password_tier(value: str) -> str | None:
    body = value[3:]
    if is_placeholder(body) or entropy(body) < 2.5:
        return SUGGESTED
    if len(value) >= 20 and has_letter_and_digit(body) and entropy(body) >= 3.5:
        return AUTO
    return None


def _named_random_tier(body: str, least_entropy: float) -> str | None:
    """A named vendor value of random letters and digits: sure with a digit in it; without one (one
    Sumo Logic id in eight, one legacy Vault token in seventy), offered for a decision where it mixes
    cases and does not read as a placeholder, rather than missed."""
    if has_letter_and_digit(body):
        return AUTO
    mixed = any(c.isupper() for c in body) and any(c.islower() for c in body)
    return SUGGESTED if mixed and entropy(body) >= least_entropy and not is_placeholder(body) else None


_ANTHROPIC_KEY_TYPE = re.compile(r"sk-ant-(?:api|admin)\d\d-")


def _other_anthropic_tier(value: str) -> str | None:
    return None if is_placeholder(value) or _ANTHROPIC_KEY_TYPE.match(value) else SUGGESTED


# A token boundary on the left is checked in Python after the match (see token_findings): as a
# lookbehind at the start of a pattern it stops `re` from skipping ahead to the literal prefix,
# which made each rule ~20x slower.
_LEFT_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_E = r"(?![A-Za-z0-9_\-])"  # and on the right


_UUID = r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"  # lower-case, as vendors write one


def _random_body(body: str) -> str | None:
    """Sure where a body mixes both cases and digits as generated ones do; nothing otherwise."""
    if any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body) \
            and entropy(body) >= 3.5 and not is_placeholder(body):
        return AUTO
    return None


def _rule(name: str, kind: str, regex: str, needles: tuple[str, ...] | str, *, flags: int = 0, **kw) -> Rule:
    if isinstance(needles, str):
        needles = (needles,)
    needles = tuple(n.lower() for n in needles)
    return Rule(name, kind, regex, needles, flags=flags, **kw)


TOKEN_RULES: list[Rule] = [
    _rule("anthropic-key", "anthropic-key", r"sk-ant-api\d\d-[A-Za-z0-9_\-]{93}AA" + _E, "sk-ant-",
          check=_not_dummy()),
    # Admin keys manage an organisation (members, workspaces, other keys): a kind of their own.
    _rule("anthropic-admin-key", "anthropic-admin-key", r"sk-ant-admin\d\d-[A-Za-z0-9_\-]{93}AA" + _E,
          "sk-ant-", check=_not_dummy()),
    # Claude's OAuth tokens (`claude setup-token`, `~/.claude/.credentials.json`): access `oat`, refresh
    # `ort`. Anthropic publishes no length, so 40 or more of the body's characters, as scanners take them.
    _rule("anthropic-oauth-token", "anthropic-oauth-token", r"sk-ant-o[ar]t\d\d-[A-Za-z0-9_\-]{40,}" + _E,
          "sk-ant-o", check=_not_dummy()),
    # Other Anthropic credentials (session tokens, a short OAuth token): same prefix, looser body. API and
    # admin keys have one exact shape (93 characters and `AA`), which the rule above takes; one of another
    # length or ending is an edited example, not a key.
    _rule("anthropic-key-other", "anthropic-key", r"sk-ant-[a-z]{2,8}\d\d-[A-Za-z0-9_\-]{20,}", "sk-ant-",
          tier=SUGGESTED, check=_other_anthropic_tier),
    _rule("openai-key", "openai-key",
          r"sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_\-]{16,}T3BlbkFJ[A-Za-z0-9_\-]{16,}", "t3blbkfj"),
    _rule("openai-project-key", "openai-key", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}" + _E,
          ("sk-proj-", "sk-svcacct-", "sk-admin-"), check=_openai_project_tier),
    _rule("github-token", "github-token", r"gh[pousr]_[A-Za-z0-9]{36,255}" + _E,
          ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), check=_not_dummy()),
    _rule("github-fine-grained-pat", "github-token", r"github_pat_[A-Za-z0-9_]{60,255}" + _E, "github_pat_",
          check=_not_dummy()),
    _rule("gitlab-token", "gitlab-token",
          r"(?:glpat|gldt|glft|glsoat|glrt|glcbt|glimt|glptt|gloas|glagent|glffct|glsa|glwt)-[A-Za-z0-9_\-.]{20,}",
          "gl", check=_gitlab_tier),
    _rule("gitlab-runner-token", "gitlab-token", r"GR1348941[A-Za-z0-9_\-]{20,}", "gr1348941", check=_gitlab_tier),
    _rule("gitlab-session-cookie", "cookie", r"_gitlab_session=[0-9a-z]{32}", "_gitlab_session="),
    _rule("huggingface-token", "huggingface-token", r"hf_[A-Za-z]{34}" + _E, "hf_",
          check=lambda v: AUTO if has_letter_and_digit(v) or entropy(v) > 3.5 and not is_placeholder(v) else None),
    _rule("huggingface-org-token", "huggingface-token", r"api_org_[A-Za-z]{34}" + _E, "api_org_",
          check=_not_dummy(3.5)),
    _rule("google-api-key", "google-api-key", r"AIza[0-9A-Za-z_\-]{35}" + _E, "aiza", check=_not_dummy()),
    _rule("google-oauth-secret", "google-oauth-secret", r"GOCSPX-[0-9A-Za-z_\-]{28}" + _E, "gocspx-"),
    # Common prefix factored out ("A..."), so `re` can skip ahead to each "A".
    _rule("aws-access-key", "aws-key", r"A(?:3T[A-Z0-9]|KIA|SIA|BIA|CCA)[A-Z2-7]{16}" + _E,
          ("akia", "asia", "abia", "acca", "a3t"), check=_not_dummy(2.5)),
    _rule("aws-secret-key", "aws-secret",
          r"(?i)aws[\w.\-]{0,24}?(?:secret|key)[\w.\-]{0,24}?(?:\\?[\"'])?\s*(?:=|:|=>)\s*(?:\\?[\"'])?"
          r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
          "aws", group=1, check=_not_dummy()),
    _rule("bedrock-key", "aws-key", r"bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=]*",
          "bedrock-api-key-"),
    _rule("slack-token", "slack-token", r"(?:xoxe\.)?xox[abposre]-(?:[0-9]+-)*[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", "xox",
          flags=re.I, check=lambda v: slack_tier(v)),
    # From the scheme: the URL is the credential (a span from `hooks.` left `https://` by the placeholder).
    _rule("slack-webhook", "slack-webhook",
          r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,}",
          "hooks.slack.com/"),
    _rule("stripe-key", "stripe-key", r"(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,247}" + _E,
          ("sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk_prod_", "rk_prod_"), check=_not_dummy()),
    _rule("npm-token", "npm-token", r"npm_[A-Za-z0-9]{36}" + _E, "npm_", check=_not_dummy()),
    _rule("pypi-token", "pypi-token", r"pypi-AgE[A-Za-z0-9_\-]{50,}", "pypi-age", check=_pypi_tier),
    _rule("jwt", "jwt", r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}" + _JWT_MORE + r"\.[A-Za-z0-9_\-]{8,}" + _JWT_MORE
          + _E, "eyj", check=jwt_tier),
    # SendGrid keys are `SG.` + 22 + `.` + 43; test keys and older formats run a 66-character body.
    _rule("sendgrid-key", "sendgrid-key",
          r"SG\.(?:[A-Za-z0-9_\-=]{20,24}\.[A-Za-z0-9_\-=]{39,50}|[A-Za-z0-9_\-=.]{66}" + _E + ")", "sg.",
          check=lambda v: AUTO if has_letter_and_digit(v[3:]) and entropy(v[3:]) >= 3.5 else None),
    _rule("digitalocean-token", "digitalocean-token", r"do[opr]_v1_[a-f0-9]{64}" + _E,
          ("doo_v1_", "dop_v1_", "dor_v1_")),
    _rule("twilio-key", "twilio-key", r"SK[0-9a-fA-F]{32}" + _E, "sk", check=_not_dummy()),
    _rule("twilio-account", "twilio-key", r"AC[0-9a-f]{32}" + _E, "ac", check=_not_dummy()),
    _rule("square-token", "square-token", r"sq0(?:atp|csp)-[0-9A-Za-z_\-]{22,43}", "sq0"),
    _rule("shopify-token", "shopify-token", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" + _E, "shp"),
    _rule("linear-key", "linear-key", r"lin_(?:api|oauth)_[A-Za-z0-9]{40}" + _E, "lin_"),
    _rule("notion-token", "notion-token", r"ntn_[0-9]{11}[A-Za-z0-9]{35}" + _E, "ntn_",
          check=lambda v: AUTO if any(c.isalpha() for c in v[4:]) else None),
    _rule("databricks-token", "databricks-token", r"dapi[a-f0-9]{32}(?:-\d)?" + _E, "dapi"),
    _rule("atlassian-token", "atlassian-token", r"ATATT3[A-Za-z0-9_\-=]{100,}", "atatt3"),
    _rule("onepassword-key", "1password-key",
          r"A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}" + _E,
          "a3-", check=_not_dummy(2.5)),
    _rule("age-secret-key", "age-key", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", "age-secret-key-1"),
    # A Freenet insert URI: the private half of an SSK or USK (its trailer `AQECAAE`; the public
    # request form, `AQACAAE`, is a content address: `known.py`).
    _rule("freenet-insert-key", "freenet-insert-key",
          r"(?:SSK|USK)@([A-Za-z0-9~\-]{43},[A-Za-z0-9~\-]{43}),AQECAAE", ",aqecaae", group=1),
    _rule("vault-token", "vault-token", r"hvs\.[A-Za-z0-9_\-]{90,}", "hvs."),
    _rule("vault-token-legacy", "vault-token",
          r"(?i)vault[\w.\-]{0,24}(?:\\?[\"'])?\s*(?:=|:|=>)?\s*(?:\\?[\"'])?(s\.[A-Za-z0-9]{24})" + _E,
          "vault", group=1, check=lambda v: AUTO if has_letter_and_digit(v) else _named_random_tier(v[2:], 3.5)),
    _rule("hashicorp-tf-token", "terraform-token", r"(?i)" + r"[a-z0-9]{14}\.atlasv1\.[a-z0-9_\-=]{60,70}",
          "atlasv1", check=_not_dummy()),
    _rule("heroku-key", "heroku-key", r"HRKU-AA[0-9a-zA-Z_\-]{58}" + _E, "hrku-"),
    _rule("planetscale-token", "planetscale-token", r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\-=.]{32,64}", "pscale_"),
    _rule("prefect-token", "prefect-token", r"pnu_[A-Za-z0-9]{36}" + _E, "pnu_", check=_not_dummy()),
    _rule("clojars-token", "clojars-token", r"(?i)CLOJARS_[a-z0-9]{60}" + _E, "clojars_"),
    _rule("doppler-token", "doppler-token", r"dp\.pt\.[A-Za-z0-9]{43}" + _E, "dp.pt."),
    _rule("easypost-token", "easypost-token", r"EZ[AT]K[A-Za-z0-9]{54}" + _E, ("ezak", "eztk")),
    _rule("flutterwave-key", "flutterwave-key", r"FLW(?:PUB|SEC)K_TEST-[a-hA-H0-9]{32}-X", "flw"),
    _rule("grafana-token", "grafana-token", r"(?:eyJrIjoi[A-Za-z0-9]{60,400}={0,3}|glc_[A-Za-z0-9+/]{32,400}={0,3}"
          r"|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})", ("eyjrijoi", "glc_", "glsa_")),
    _rule("harness-token", "harness-token", r"pat\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}" + _E,
          "pat."),
    _rule("harness-sat", "harness-token", r"sat\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}" + _E,
          "sat."),
    _rule("intra42-secret", "intra42-secret", r"s-s4t2(?:ud|af)-[a-f0-9]{64}" + _E, "s-s4t2"),
    _rule("mailgun-key", "mailgun-key", r"(?:key|pubkey)-[a-f0-9]{32}" + _E, ("key-", "pubkey-")),
    _rule("mapbox-token", "mapbox-token", r"[ps]k\.eyJ[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{20,}|"
          + r"pk\.[a-z0-9]{60}\.[a-z0-9]{22}" + _E, ("pk.", "sk.")),
    _rule("newrelic-key", "newrelic-key", r"NR(?:II|AK|AA|JS)-[A-Za-z0-9_\-]{19,40}" + _E, "nr"),
    _rule("scalingo-token", "scalingo-token", r"tk-us-[A-Za-z0-9_\-]{48}" + _E, "tk-us-"),
    _rule("sendinblue-key", "sendinblue-key", r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}" + _E, "xkeysib-"),
    _rule("settlemint-token", "settlemint-token", r"sm_(?:aat|pat|sat)_[A-Za-z0-9]{16}" + _E, "sm_"),
    _rule("shippo-token", "shippo-token", r"shippo_(?:live|test)_[a-fA-F0-9]{40}" + _E, "shippo_"),
    _rule("twitter-bearer", "twitter-token", r"A{22}[A-Za-z0-9%]{80,}", "a" * 22),
    _rule("yandex-key", "yandex-key", r"AQVN[A-Za-z0-9_\-]{35,38}" + _E, "aqvn"),
    _rule("yandex-aws-key", "yandex-key", r"YC[A-Za-z0-9_\-]{38}" + _E, "yc", check=_not_dummy()),
    _rule("yandex-token", "yandex-key", r"t1\.[A-Za-z0-9_\-]+={0,2}\.[A-Za-z0-9_\-]{86}={0,2}" + _E, "t1."),
    _rule("artifactory-token", "artifactory-token", r"AKCp[A-Za-z0-9]{69}" + _E, "akcp"),
    # Artifactory encrypted passwords: `AP` + a hex digit + base58.
    _rule("artifactory-password", "artifactory-token", r"AP[0-9A-F][A-Za-z0-9]{8,}" + _E, "ap",
          check=_artifactory_password_tier),
    _rule("artifactory-ref-token", "artifactory-token", r"cmVmd[A-Za-z0-9]{59}" + _E, "cmvmd"),
    _rule("adobe-secret", "adobe-secret", r"p8e-[A-Za-z0-9]{32}" + _E, "p8e-"),
    _rule("alibaba-key", "alibaba-key", r"LTAI[A-Za-z0-9]{20}" + _E, "ltai", check=_not_dummy()),
    _rule("facebook-token", "facebook-token", r"EAA[MC][A-Za-z0-9]{100,}" + _E, "eaa"),
    _rule("telegram-token", "telegram-token", r"(?<![A-Za-z0-9_:\-])\d{5,16}:A[A-Za-z0-9_\-]{32,34}" + _E, ":a",
          check=lambda v: AUTO if has_letter_and_digit(v.split(":", 1)[1]) else None),
    _rule("artifactory-api-key-legacy", "artifactory-token", r"AKC[a-zA-Z0-9]{10,}" + _E, "akc",
          check=lambda v: AUTO if has_letter_and_digit(v[3:]) and entropy(v) >= 3.0
          else SUGGESTED if is_placeholder(v[3:]) else None),
    _rule("discord-webhook", "discord-webhook", r"discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{60,}", "discord"),
    _rule("softlayer-url-key", "softlayer-key", r"api\.softlayer\.com/soap/v3(?:\.1)?/([a-z0-9]{64})" + _E,
          "softlayer", group=1),
    # Sentry's formats as its CLI documents them: a user token is 64 hex digits; an organisation token
    # is base64 of a JSON object (so `eyJ`), `_`, and a 43-character base64 key. One digit short or
    # long, or no JSON inside, is an edited example.
    _rule("sentry-user-token", "sentry-token", r"sntryu_[a-f0-9]{64}(?![A-Za-z0-9_\-])", "sntryu_",
          check=_not_dummy()),
    _rule("sentry-org-token", "sentry-token",
          r"sntrys_eyJ[A-Za-z0-9+/]{10,800}={0,2}_[A-Za-z0-9+/]{43}(?![A-Za-z0-9+/=_\-])", "sntrys_"),
    # More vendors with a distinctive literal prefix (formats as the vendors document them). Each rule's
    # needle check costs ~1% of scan time, so only formats likely in coding sessions are here.
    _rule("pulumi-token", "pulumi-token", r"pul-[a-f0-9]{40}" + _E, "pul-", check=_not_dummy()),
    _rule("sourcegraph-token", "sourcegraph-token", r"sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}" + _E, "sgp_",
          check=_not_dummy()),
    _rule("postman-key", "postman-key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}" + _E, "pmak-", check=_not_dummy()),
    _rule("slack-app-token", "slack-token", r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+" + _E, "xapp-", check=_not_dummy()),
    _rule("perplexity-key", "perplexity-key", r"pplx-[A-Za-z0-9]{48}" + _E, "pplx-", check=_not_dummy()),
    _rule("docker-hub-token", "docker-token", r"dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,}" + _E, "dckr_", check=_not_dummy()),
    _rule("openshift-token", "openshift-token", r"sha256~[\w\-]{43}" + _E, "sha256~", check=_not_dummy()),
    _rule("azure-ad-client-secret", "azure-secret",
          r"[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])", "q~",
          check=lambda v: AUTO if has_letter_and_digit(v) and entropy(v) >= 3.5 else None),
    _rule("groq-key", "groq-key", r"gsk_[A-Za-z0-9]{52}" + _E, "gsk_", check=_not_dummy()),
    _rule("openrouter-key", "openrouter-key", r"sk-or-v1-[a-f0-9]{64}" + _E, "sk-or-v1-", check=_not_dummy()),
    _rule("tailscale-key", "tailscale-key", r"tskey-[a-z]+-[A-Za-z0-9]{8,}-[A-Za-z0-9]{16,}" + _E, "tskey-",
          check=_not_dummy()),
    _rule("supabase-token", "supabase-token", r"sbp_[a-f0-9]{40}" + _E, "sbp_", check=_not_dummy()),
    # Google OAuth access tokens (`gcloud auth print-access-token`, curl headers).
    _rule("google-oauth-token", "google-oauth-token", r"ya29\.[0-9A-Za-z_\-]{30,}", "ya29.", check=_not_dummy()),
    # The services coding agents call every day (model APIs, agent tooling, search, vector databases,
    # hosting, observability, payments), which gitleaks' list lacks: each a literal prefix and a body of
    # a known charset and length, as the vendor documents it or trufflehog, betterleaks and kingfisher
    # take it (bench/RESULTS.md, round 10). Prefixes that are words or too short to be a vendor's (`fc-`,
    # `re_`, `key_`, `fw_`, `ak-`) are left to a credential's name.
    _rule("tavily-key", "tavily-key",
          r"tvly-(?:(?:dev|prod)-)?(?:[A-Za-z0-9]{32}|[A-Za-z0-9]{5,8}-[A-Za-z0-9]{36,48})" + _E, "tvly-",
          check=_not_dummy()),
    _rule("replicate-token", "replicate-token", r"r8_[A-Za-z0-9_\-]{37}" + _E, "r8_", check=_not_dummy()),
    _rule("xai-key", "xai-key", r"xai-[A-Za-z0-9_\-]{70,120}" + _E, "xai-", check=_not_dummy()),
    _rule("nvidia-key", "nvidia-key", r"nvapi-[A-Za-z0-9_\-]{60,70}" + _E, "nvapi-", check=_not_dummy()),
    _rule("together-key", "together-key", r"tgp_v1_[A-Za-z0-9_\-]{43}" + _E, "tgp_v1_", check=_not_dummy()),
    _rule("cerebras-key", "cerebras-key", r"csk-[A-Za-z0-9]{48}" + _E, "csk-", check=_not_dummy()),
    # ElevenLabs' newer keys: `sk_` and 48 hex digits (24 bytes, no digest's length); its older ones are
    # 32 hex under a name.
    _rule("elevenlabs-key", "elevenlabs-key", r"sk_[a-f0-9]{48}" + _E, "sk_", check=_not_dummy()),
    _rule("langsmith-key", "langsmith-key", r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}" + _E, "lsv2_",
          check=_not_dummy()),
    _rule("langfuse-key", "langfuse-key", r"sk-lf-" + _UUID + _E, "sk-lf-", check=_not_dummy()),
    # Helicone writes four groups of seven base32 characters (`-eu`, `-rl`, `proxy-` keys before them, a
    # proxy key's UUID after); `pk-` keys are its write-only keys, still credentials.
    _rule("helicone-key", "helicone-key",
          r"[sp]k-helicone-(?:eu-)?(?:rl-)?(?:proxy-)?[a-z0-9]{7}(?:-[a-z0-9]{7}){3}"
          r"(?:-" + _UUID + ")?" + _E,
          "-helicone-", check=_not_dummy()),
    _rule("posthog-key", "posthog-key", r"ph[xs]_[A-Za-z0-9_\-]{41,49}" + _E, ("phx_", "phs_"),
          check=_not_dummy()),
    _rule("wandb-key", "wandb-key", r"wandb_v1_[A-Za-z0-9_]{64,96}" + _E, "wandb_v1_", check=_not_dummy()),
    _rule("axiom-token", "axiom-token", r"xa[ap]t-" + _UUID + _E, ("xaat-", "xapt-"), check=_not_dummy()),
    _rule("context7-key", "context7-key", r"ctx7sk-" + _UUID + _E, "ctx7sk-", check=_not_dummy()),
    _rule("e2b-key", "e2b-key", r"e2b_[a-f0-9]{40}" + _E, "e2b_", check=_not_dummy()),
    _rule("browserbase-key", "browserbase-key", r"bb_(?:live|test)_[A-Za-z0-9_\-]{27}" + _E,
          ("bb_live_", "bb_test_"), check=_not_dummy()),
    _rule("figma-token", "figma-token", r"fig[du]_[A-Za-z0-9_\-]{38,42}" + _E, ("figd_", "figu_"),
          check=_not_dummy()),
    _rule("apify-token", "apify-token", r"apify_api_[A-Za-z0-9]{34,38}" + _E, "apify_api_",
          check=_not_dummy()),
    _rule("jina-key", "jina-key", r"jina_[a-f0-9]{32}[A-Za-z0-9_\-]{24,32}" + _E, "jina_",
          check=_not_dummy()),
    _rule("pinecone-key", "pinecone-key", r"pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63}" + _E, "pcsk_",
          check=_not_dummy()),
    _rule("supabase-key", "supabase-key", r"sb_secret_[A-Za-z0-9_\-]{31}" + _E, "sb_secret_",
          check=_not_dummy()),
    _rule("neon-key", "neon-key", r"napi_[A-Za-z0-9]{64}" + _E, "napi_", check=_not_dummy()),
    _rule("vercel-token", "vercel-token", r"vc[pikar]_[A-Za-z0-9_\-]{56}" + _E,
          ("vcp_", "vci_", "vck_", "vca_", "vcr_"), check=_not_dummy()),
    # Netlify's `nfp_` is also a prefix of identifiers (`nfp_object_…`): the body must read as generated.
    _rule("netlify-token", "netlify-token", r"nfp_[A-Za-z0-9_]{36}" + _E, "nfp_",
          check=lambda v: AUTO if has_letter_and_digit(v[4:]) and entropy(v[4:]) >= 3.5 else None),
    _rule("render-key", "render-key", r"rnd_[A-Za-z0-9]{28}" + _E, "rnd_", check=_not_dummy()),
    _rule("deno-token", "deno-token", r"dd[pw]_[A-Za-z0-9]{36}" + _E, ("ddp_", "ddw_"), check=_not_dummy()),
    # Cloudflare's scannable formats: 40 characters and an 8-digit hex checksum.
    _rule("cloudflare-token", "cloudflare-token", r"cf(?:k|ut|at)_[A-Za-z0-9]{40}[a-f0-9]{8}" + _E,
          ("cfk_", "cfut_", "cfat_"), check=_not_dummy()),
    _rule("paddle-key", "paddle-key",
          r"pdl_(?:live|sdbx)_apikey_[a-z0-9]{26}_[A-Za-z0-9]{22}_[A-Za-z0-9]{3}" + _E,
          ("pdl_live_apikey_", "pdl_sdbx_apikey_"), check=_not_dummy()),
    # A bot's token inside the Bot API's URL path (`…/bot<id>:<token>/getMe`), where the `bot` glued to it
    # reads as part of the word to `telegram-token`, which wants the token's start at a word's.
    _rule("telegram-url-token", "telegram-token",
          r"api\.telegram\.org/(?:file/)?bot(\d{5,16}:A[A-Za-z0-9_\-]{32,34})" + _E, "api.telegram.org/",
          group=1, check=lambda v: AUTO if has_letter_and_digit(v.split(":", 1)[1]) else None),
    # From gitleaks' list of formats (facts of each vendor's format; the patterns are written here).
    _rule("dynatrace-token", "dynatrace-token", r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}" + _E, "dt0c01.",
          check=_not_dummy()),
    _rule("teams-webhook", "teams-webhook",
          r"(?i)(?:https?://)?[a-z0-9\-]{1,60}\.webhook\.office\.com/webhookb2/[a-z0-9\-]{36}@[a-z0-9\-]{36}/IncomingWebhook/"
          r"[a-z0-9]{32}/[a-z0-9\-]{36}(?:/[A-Za-z0-9_\-]{20,80})?", "webhook.office.com/webhookb2/"),
    _rule("sumologic-access-id", "sumologic-key",
          r"(?:[Ss]umo|SUMO)[\w.\-]{0,30}(?:\\?[\"'])?[ \t]*(?:=|:|=>)[ \t]*(?:\\?[\"'])?"
          r"(su[A-Za-z0-9]{12})" + _E,
          "sumo", group=1, check=lambda v: _named_random_tier(v[2:], 3.0)),
    _rule("flyio-token", "flyio-token",
          r"(?:FlyV1[ \t]+)?(?:fo1_[\w\-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3})"
          r"(?:,fm[12][ar]?_[A-Za-z0-9+/]{20,}={0,3})*", ("fo1_", "fm1", "fm2_"), check=_not_dummy()),
    _rule("bedrock-long-lived-key", "aws-key", r"ABSK[A-Za-z0-9+/]{109,269}={0,2}" + _E, "absk",
          check=_not_dummy()),
    _rule("onepassword-service-token", "1password-token", r"ops_eyJ[A-Za-z0-9+/]{250,}={0,3}", "ops_eyj"),
    _rule("sidekiq-secret", "sidekiq-secret",
          r"(?i:BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM)(?:\\?[\"'])?[ \t]*(?:=|:|=>)[ \t]*(?:\\?[\"'])?"
          r"([a-f0-9]{8}:[a-f0-9]{8})" + _E, "__contribsys__com", group=1),
    _rule("sidekiq-url", "sidekiq-secret", r"([a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com",
          "contribsys.com", group=1),
    _rule("airtable-pat", "airtable-token", r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}" + _E, "pat", check=_not_dummy()),
    _rule("clickhouse-key", "clickhouse-key", r"4b1d[A-Za-z0-9]{38}" + _E, "4b1d", check=_not_dummy(3.5)),
    _rule("readme-token", "readme-token", r"rdme_[a-z0-9]{70}" + _E, "rdme_", check=_not_dummy()),
    _rule("rubygems-token", "rubygems-token", r"rubygems_[a-f0-9]{48}" + _E, "rubygems_", check=_not_dummy()),
    # Mixed case: a lowercase-hex `ico-…` is a cache-busting file name (`favicon.ico-<md5>.png`).
    _rule("infracost-token", "infracost-token", r"ico-[A-Za-z0-9]{32}" + _E, "ico-",
          check=lambda v: AUTO if v[4:] != v[4:].lower() and v[4:] != v[4:].upper() and entropy(v[4:]) >= 3.5 else None),
    _rule("duffel-token", "duffel-token", r"duffel_(?:test|live)_[A-Za-z0-9_\-=]{43}" + _E, "duffel_",
          check=_not_dummy()),
    _rule("frameio-token", "frameio-token", r"fio-u-[A-Za-z0-9_\-=]{64}" + _E, "fio-u-", check=_not_dummy()),
    _rule("vault-batch-token", "vault-token", r"hvb\.[\w\-]{138,300}" + _E, "hvb.", check=_not_dummy()),
    _rule("octopus-key", "octopus-key", r"API-[A-Z0-9]{26}" + _E, "api-",
          check=lambda v: AUTO if has_letter_and_digit(v[4:]) and entropy(v[4:]) >= 3.5 else None),
    _rule("typeform-token", "typeform-token", r"tfp_[A-Za-z0-9_\-.=]{59}" + _E, "tfp_", check=_not_dummy()),
    _rule("authress-key", "authress-key",
          r"(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.[a-z0-9]{4,6}\.acc[_\-][a-z0-9\-]{10,32}\.[A-Za-z0-9+/_=\-]{30,120}",
          ".acc", check=_not_dummy()),
    _rule("defined-networking-key", "dnkey-token", r"dnkey-[a-z0-9=_\-]{26}-[a-z0-9=_\-]{52}" + _E, "dnkey-"),
    _rule("plaid-token", "plaid-token",
          r"access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
          ("access-sandbox-", "access-development-", "access-production-")),
    _rule("gocardless-token", "gocardless-token", r"live_[A-Za-z0-9_\-=]{40}" + _E, "live_",
          check=lambda v: AUTO if has_letter_and_digit(v[5:]) and entropy(v[5:]) >= 3.5 else None),
    _rule("lob-key", "lob-key", r"(?:live|test)_(?:pub_[a-f0-9]{31}|[a-f0-9]{35})" + _E, ("live_", "test_"),
          check=lambda v: AUTO if has_letter_and_digit(v) and entropy(v.rsplit("_", 1)[1]) >= 3.0 else None),
    _rule("dropbox-token", "dropbox-token", r"sl\.(?:u\.)?[A-Za-z0-9_\-=]{130,}" + _E, "sl.",
          check=_not_dummy(3.5)),
    _rule("square-token-eaaa", "square-token", r"EAAA[\w\-]{22,60}" + _E, "eaaa", check=_not_dummy(3.5)),
    _rule("flutterwave-encryption-key", "flutterwave-key", r"FLWSECK_TEST-?[a-hA-H0-9]{12}" + _E,
          "flwseck_test"),
    _rule("slack-config-token", "slack-token", r"xoxe\.xox[bp]-\d-[A-Z0-9]{150,170}|xoxe-\d-[A-Z0-9]{140,150}",
          "xoxe", flags=re.I),
    _rule("jfrog-identity-token", "artifactory-token", r"cmVmdGtuOjAxOj[A-Za-z0-9]{40,}" + _E, "cmvmdgtuojaxoj"),
    _rule("hashicorp-vault-service-token-new", "vault-token", r"hvs\.CAES[A-Za-z0-9_\-]{80,}", "hvs.caes"),
    _rule("mattermost-style-pat", "secret",
          r"(?i:mattermost)[\w.\-]{0,20}(?:\\?[\"'])?[ \t]*(?:=|:)[ \t]*(?:\\?[\"'])?"
          r"([a-z0-9]{26})" + _E, "mattermost", group=1, check=lambda v: AUTO if has_letter_and_digit(v) else None),
    # MaxMind license keys: 6, `_`, 29, `_mmk`; Cloudflare Origin CA keys: `v1.0-` + 24 + `-` + 146 hex.
    _rule("maxmind-license-key", "maxmind-key", r"[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk" + _E, "_mmk",
          check=_not_dummy()),
    _rule("cloudflare-origin-ca-key", "cloudflare-key", r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}" + _E, "v1.0-",
          check=_not_dummy()),
    _rule("putty-key", "private-key", r"PuTTY-User-Key-File-\d: .*(?:\r?\n.+){0,40}", "putty-user-key-file"),
    # Buildkite user API tokens (`bkua_` + 40 hex), HubSpot private-app tokens (`pat-` region `-` UUID),
    # Render API keys (`rnd_` + 32), Resend API keys (`re_` + 8, `_`, 24): a body of mixed case and digits,
    # since `re_` and `rnd_` open code's names (`re_compile_…`).
    _rule("buildkite-token", "buildkite-token", r"bkua_[a-f0-9]{40}" + _E, "bkua_", check=_not_dummy()),
    _rule("hubspot-pat", "hubspot-token", r"pat-(?:na|eu|ap)\d{1,2}-" + _UUID + _E,
          ("pat-na", "pat-eu", "pat-ap"), check=_not_dummy()),
    _rule("render-key", "render-key", r"rnd_[A-Za-z0-9]{32}" + _E, "rnd_",
          check=lambda v: _random_body(v[4:])),
    _rule("resend-key", "resend-key", r"re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}" + _E, "re_",
          check=lambda v: _random_body(v[3:].replace("_", ""))),
]


# Slack's legacy shapes: `xoxo-`/`xoxs-` tokens are four dash-separated numbers and hex, workspace
# tokens (`xoxa-`/`xoxr-`) a version digit and a short random body.
_SLACK_LEGACY = re.compile(r"xox[os]-\d+-\d+-\d+-[a-fA-F\d]+|xox[ar]-\d-[0-9A-Za-z]{8,48}", re.I)


def slack_tier(value: str) -> str | None:
    body = value[5:]
    if _SLACK_LEGACY.fullmatch(value) and not is_placeholder(body) and not is_filler(body):
        return AUTO
    if len(body) < 12:
        return None
    if is_placeholder(body) or entropy(body) < 3.0:
        # The shape is Slack's (numeric ids, dashes) but the digits are filler: show it for review.
        return SUGGESTED if re.match(r"(?:\d+-){2,}[A-Za-z0-9]+", body) else None
    if re.search(r"\d{8,}|(?:\d{5,}-){2}", body) or re.match(r"\d-", body) or (len(body) >= 12 and has_letter_and_digit(body)
                                                               and "-" not in body):
        return AUTO
    return None
