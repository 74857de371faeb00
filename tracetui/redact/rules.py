"""Format rules for credentials detect-secrets lacks or cuts short, and context rules around them.

Every pattern here is written to run in linear time on hostile input (no nested quantifiers over
the same characters), because session text can carry anything a web page or a file held. Each rule
has literal "needles": the regex only runs on a text that contains one of them, which keeps the
whole table cheap on the 99% of text that holds no credential at all.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.needles import Needles
from tracetui.redact.syntax import CODE_C, KNOWN_CODE, SECRET_FILE, UNKNOWN, Syntax, syntax_of_path
from tracetui.redact.text_checks import (
    LINE_NUMBER,
    app_password_shape,
    is_structural,
    entropy,
    generated_part,
    has_letter_and_digit,
    is_counting_filler,
    is_filler,
    is_filler_token,
    is_time_uuid,
    UUID_RE,
    is_fixture_name,
    is_named_digest,
    is_placeholder,
    is_reference,
    is_stand_in_token,
    looks_like_identifier,
    names_no_secret,
    random_enough,
    random_letters,
)

Check = Callable[[str], "str | None"]  # value -> tier to report, or None to drop


@dataclass(slots=True, frozen=True)
class Rule:
    name: str
    kind: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...]  # lower-case literals; the rule runs only if one is in the lowered text
    tier: str = AUTO
    group: int | str = 0
    check: Check | None = None


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
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(decoded, dict)


def jwt_tier(value: str) -> str | None:
    """Sure only when header and payload decode to JSON objects. A header that is no JSON object
    (letters typed by hand, `eyJ` followed by filler) was never issued by anything: not a JWT. A
    good header with a payload cut short or no signature is still shown, as a suggestion."""
    parts = value.split(".")
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


_ANTHROPIC_KEY_TYPE = re.compile(r"sk-ant-(?:api|admin)\d\d-")


def _other_anthropic_tier(value: str) -> str | None:
    return None if is_placeholder(value) or _ANTHROPIC_KEY_TYPE.match(value) else SUGGESTED


# A token boundary on the left is checked in Python after the match (see token_findings): as a
# lookbehind at the start of a pattern it stops `re` from skipping ahead to the literal prefix,
# which made each rule ~20x slower.
_LEFT_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_E = r"(?![A-Za-z0-9_\-])"  # and on the right


_UUID = r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"  # lower-case, as vendors write one


def _rule(name: str, kind: str, regex: str, needles: tuple[str, ...] | str, *, flags: int = 0, **kw) -> Rule:
    if isinstance(needles, str):
        needles = (needles,)
    needles = tuple(n.lower() for n in needles)
    return Rule(name, kind, re.compile(regex, flags), needles, **kw)


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
    _rule("slack-webhook", "slack-webhook",
          r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,}", "hooks.slack.com/"),
    _rule("stripe-key", "stripe-key", r"(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,247}" + _E,
          ("sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk_prod_", "rk_prod_"), check=_not_dummy()),
    _rule("npm-token", "npm-token", r"npm_[A-Za-z0-9]{36}" + _E, "npm_", check=_not_dummy()),
    _rule("pypi-token", "pypi-token", r"pypi-AgE[A-Za-z0-9_\-]{50,}", "pypi-age", check=_pypi_tier),
    _rule("jwt", "jwt", r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}" + _E, "eyj",
          check=jwt_tier),
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
          "vault", group=1, check=lambda v: AUTO if has_letter_and_digit(v) else None),
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
          "sumo", group=1,
          check=lambda v: AUTO if has_letter_and_digit(v[2:]) else None),
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
]


_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----")
# Base64 lines, real or JSON-escaped newlines between them; a blank line ends the key.
_PEM_BODY = re.compile(r"(?:[A-Za-z0-9+/=]|\r?\n(?!\r?\n)|\\n(?!\\n))*")
# The smallest private key (an Ed25519 seed in PKCS#8) is 64 base64 characters: a body of fewer than 48
# (a margin for a cut excerpt) holds no key.
_PEM_MIN_BODY = 48
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_PEM_LIMIT = 16_384  # an 8192-bit RSA key with JSON-escaped newlines still fits


def pem_findings(text: str, lowered: str) -> Iterator[Finding]:
    """Whole private-key blocks: header, body and footer (detectors that stop at the header leak the body)."""
    if "private key" not in lowered:
        return
    for m in _PEM_BEGIN.finditer(text):
        end_m = _PEM_END.search(text, m.end(), m.end() + _PEM_LIMIT)
        if end_m is not None:
            end = end_m.end()
        else:  # cut short (an excerpt, a truncated tool output): take the key material that follows
            body = _PEM_BODY.match(text, m.end(), m.end() + _PEM_LIMIT)
            end = body.end() if body is not None else m.end()
            while end > m.end() and text[end - 1] in " \t\r\n":
                end -= 1
        body_end = end_m.start() if end_m is not None else end
        if sum(map(_BASE64_CHARS.__contains__, text[m.end():body_end])) < _PEM_MIN_BODY:
            continue  # `…KEY-----\nanything\n-----END…`, `…KEY-----...`: a placeholder, no key inside
        yield Finding(m.start(), end, "private-key", AUTO, "rule:private-key")


_MAILCHIMP_TAIL = re.compile(r"-us\d{1,2}(?![A-Za-z0-9_\-])")
_HEX32 = re.compile(r"[0-9a-f]{32}")


def mailchimp_findings(text: str, lowered: str) -> Iterator[Finding]:
    """`<32 hex>-us<dc>`: found from its literal tail, then the key checked behind it."""
    if "-us" not in text:
        return
    for m in _MAILCHIMP_TAIL.finditer(text):
        a = m.start() - 32
        if a >= 0 and _HEX32.fullmatch(text, a, m.start()) and (a == 0 or text[a - 1] not in _LEFT_TOKEN_CHARS):
            yield Finding(a, m.end(), "mailchimp-key", AUTO, "rule:mailchimp-key")


_FB_SEPARATOR = re.compile(r"\||%7C")
_FB_SECRET = re.compile(r"[A-Za-z0-9_\-]{27}(?![A-Za-z0-9_\-])")
_DIGITS_BEFORE = re.compile(r"\d{15,16}$")


def facebook_app_token_findings(text: str, lowered: str) -> Iterator[Finding]:
    """`<app id>|<secret>`: found from its separator, then both sides checked."""
    if "|" not in text and "%7c" not in lowered:
        return
    for m in _FB_SEPARATOR.finditer(text):
        secret = _FB_SECRET.match(text, m.end())
        if not secret:
            continue
        head = _DIGITS_BEFORE.search(text, max(0, m.start() - 16), m.start())
        if head is None or (head.start() > 0 and text[head.start() - 1] in _LEFT_TOKEN_CHARS):
            continue
        if entropy(secret.group(0)) >= 3.0:
            yield Finding(head.start(), secret.end(), "facebook-token", AUTO, "rule:facebook-token")


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


# --- Context rules: a credential-sounding name, then a value -------------------------------------

# Names that say "what follows is a credential". Found first with this cheap alternation, then the
# surrounding identifier is read by hand (a regex like `\w*token\w*` backtracks quadratically on
# long runs of word characters, such as a 24,000-character base64 line).
_KEYWORD = re.compile(r"token|secret|pass|pw|key|credential|auth|dsn|client[_.\-]?id|sonar\.login")
# Which of the stems found above really name a credential (checked on the whole identifier).
_NAME_OK = re.compile(
    r"token|secret|passw(?:or)?d|passwd|passphrase|pwd|(?<![a-z])pw(?![a-z])|(?<![a-z])pass(?![a-z])|"
    r"key(?![a-z])|keys?$|credential|auth(?![a-z])|authorization|_auth(?![a-z])|dsn|client[_.\-]?id|sonar\.login|"
    r"(?<![a-z])(?:api|secret|private|access|auth|client|license|signing|encryption|master|session)[_.\-]?key"
)


def names_a_credential(name: str) -> bool:
    """Whether an identifier holds a credential's word (`apiKey`, `DB_PASSWORD`), not only its letters."""
    return bool(_NAME_OK.search(name.lower()))


# A name ending in a source or config file's extension names that file.
_FILE_NAME = re.compile(
    r"\.(?:rs|py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rb|java|kt|swift|c|h|cc|cpp|hpp|cs|php|md|txt|json|ya?ml|toml|"
    r"ini|cfg|conf|sh|bash|zsh|lock|xml|html|css|scss|sql|proto|gradle|tf|lua|ex|exs|erl|dart|vue|svelte)$"
)
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
# What may sit between the name and its value: closing quotes/brackets, an assignment operator.
# `=>` before `=` (a Ruby or Perl hash, Logstash: `"apiToken" => "…"`); PHP's `.=` and `??=`. A declared
# type between the name and `=` (Go's `var apiToken string = "…"`, Kotlin's `: String =`, Rust's `: &str =`)
# only before a quote: a declaration of a string. A name and a quoted value with only spaces between
# (`password "…";`, a directive) may sit in a JSON string, its quotes escaped (`password \\"…\\";`).
_SEPARATOR = re.compile(
    r"[ \t]*+(?::[ \t]*+)?(?:\[\]|&(?:'static[ \t]+)?)?[A-Za-z_][A-Za-z0-9_.]{0,30}+\??[ \t]*+:?="
    r"[ \t]*+(?=\\?[\"'`])"
    r"|(?:\[\d{0,4}\])?(?:\\?[\"'\]]){0,2}[ \t]*(?:===?|!==?|=>|\.=|\?\?=|=|:=|::=|:::=|\?=|\|\|=|->|:)[ \t]*"
    r"|[ \t]+(?=\\?[\"'])"
)
_SPACE_SEPARATOR = re.compile(r"[ \t]+")
_CODE_OPERATOR = re.compile(r"=>|\.=|\?\?=")
# A backslash before the quote: the same assignment inside a JSON string (`\"value\"`).
# Up to 4096 characters: an STS session token or a service-role JWT runs past 1,000, and a value cut
# short leaves its tail in the capsule. Possessive: the class holds no quote, so backing off never helps.
_QUOTED_VALUE = re.compile(r"@?(\\?[\"'`])([^\"'`\s\\]{1,4096}+)\1")
# Passphrases may hold spaces; only taken for password-like names, within one line.
_QUOTED_PHRASE = re.compile(r"@?(\\?[\"'`])([^\"'`\r\n\\]{1,200})\1")
_BARE_VALUE = re.compile(r"(?:(?:Bearer|Basic|Token|token|bearer)[ \t]+)?([^\s\"'`,;<>(){}\[\]\\]{1,4096})")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# XML/config style: key="SomePassword" value="..."
_XML_VALUE = re.compile(r"[ \t]+value[ \t]*=[ \t]*\"([^\"\s]{1,400})\"")


def assignment_findings(text: str, lowered: str | None = None, syntax: Syntax = UNKNOWN) -> Iterator[Finding]:
    """Values assigned to credential-named keys: `API_KEY=...`, `"token": "..."`, `--password x`.

    In source code (`syntax`), only a string literal is a value: an unquoted right-hand side is an
    expression, and in the C family a `'…'` is a char literal. Not in a comment or inside a multi-line
    string (a docstring, a YAML or .env text in triple quotes or a template literal): that is words."""
    code = syntax in KNOWN_CODE
    literals = _MultiLineLiterals(text) if code else None
    assigned = _Assigned(text)
    n = len(text)
    last_end = -1
    if lowered is None or len(lowered) != len(text):
        lowered = text.lower() if len(text.lower()) == n else text
    for m in _KEYWORD.finditer(lowered):
        # The identifier around the keyword, bounded so a long word costs at most a few dozen steps.
        a = m.start()
        stop = max(0, a - 64)
        while a > stop and text[a - 1] in _IDENT_CHARS:
            a -= 1
        if a > 0 and text[a - 1] == "\\" and text[a] in "nrt":
            a += 1  # `\nmockToken = …` inside a JSON string: the name starts after the escaped line break
        b = m.end()
        stop = min(n, b + 64)
        while b < stop and text[b] in _IDENT_CHARS:
            b += 1
        if b < last_end:
            continue
        name = text[a:b]
        if not _NAME_OK.search(name.lower()):
            continue  # "keyboard", "passive", "author": a stem inside another word
        if _FILE_NAME.search(name):
            continue  # `src/auth.rs:31:…`, `token.py:12:`: grep's file and line, not a setting
        sep = _SEPARATOR.match(text, b)
        if sep is None:
            if a > 0 and name.startswith("-") and text[a - 1] in " \t" or name.startswith("--"):
                sep = _SPACE_SEPARATOR.match(text, b)  # a command-line flag: --token VALUE
            elif text.startswith('"', b) or text.startswith("'", b):
                xml = _XML_VALUE.match(text, b + 1)  # <add key="Password" value="..."/>
                if xml:
                    yield from _judge(name, xml.group(1), xml.start(1), True, False)
                    last_end = xml.end()
                    continue
                pair = _argument_pair(text, a, b)
                if pair is not None:
                    last_end = pair.end
                    yield pair
                continue
            if sep is None:
                continue
        if name.lower() == "pass" and not sep.group(0).strip():
            continue  # "to pass '--prompt' as a value": the verb before a quoted word, not a key
        p = sep.end()
        quoted = _QUOTED_VALUE.match(text, p)
        if quoted is None and _PHRASE_NAME.search(name):
            quoted = _QUOTED_PHRASE.match(text, p)
        code_line = code and not (_in_comment(text, a) or (literals is not None and literals.inside(a)))
        if quoted is None and _CODE_OPERATOR.search(sep.group(0)):
            continue  # `key => value`, `$key .= value`: a hash entry, PHP; a bare right side is code
        if quoted:
            if syntax == CODE_C and code_line and quoted.group(1)[-1] != '"':
                last_end = quoted.end()
                continue  # `api_key = 'abc…';` in C, C#, Objective-C: a char literal, not a string
            value, start = quoted.group(2), quoted.start(2)
        elif code_line and sep.group(0).strip() and not _ENV_NAME.match(name):
            # `password = cfg.get(…)`, `token: string`: code, whatever it looks like. An upper-case
            # name keeps the usual rules: `DB_PASSWORD = 5KVE…` is an env or INI line (a config file
            # named `config.cfg.php`, a docstring's example), and a constant's code (`= os.environ[…]`,
            # `= get_key()`, `= OTHER_NAME`) is passed over by them anyway.
            continue
        else:
            bare = _BARE_VALUE.match(text, p)
            if not bare:
                continue
            value, start = bare.group(1), bare.start(1)
            if assigned.elsewhere(value, start):
                continue  # `Key = s3Secret` after `s3Secret := os.Getenv(…)`: a variable, not a literal
            nxt = text[bare.end(): bare.end() + 1]
            if nxt not in ("", "\n", "\r") and not nxt.isspace() and sep.group(0).strip():
                # The value goes on past a bracket or comma: code (`get_token(...)`), or a password
                # made of symbols that runs to the end of the line (`m{{h}o)p$[e...`, `A,.:-@*?!`).
                odd = _line_end_value(text, start, name)
                if odd is not None:
                    last_end = odd.end
                    yield odd
                    continue
            # `token = get_token(...)`, `password=args.password`: code, not a value.
            if nxt in ("(", "[", "{"):
                continue
            line = _line_start(text, a) if nxt in (" ", "\t") else None
            if line is not None and _YAML_KEY.fullmatch(text, line, start):
                phrase = _yaml_phrase(text, start, name)
                if phrase is not None:
                    last_end = phrase.end
                    yield phrase
                    continue
        env_style = bool(_ENV_NAME.match(name)) and text[b: p].strip() == "=" and "=" == text[p - 1: p]
        last_end = start + len(value)
        yield from _judge(name, value, start, bool(quoted), env_style)


# A credential's name as one string argument and its value as the next: `os.Setenv("DB_PASSWORD", "…")`,
# PHP's `define('AUTH_KEY', '…')`, `os.environ.setdefault("API_KEY", "…")`, `System.setProperty(…)`.
_ARGUMENT_GAP = re.compile(r"(\\?[\"'])[ \t]*,[ \t]*")


def _generated_or_dense(value: str) -> bool:
    if value.isdigit():
        return len(value) >= 16 and len(set(value)) >= 5 and value not in _COUNTING  # a numeric client id
    if has_letter_and_digit(value) and random_enough(value, 8, 3.0):
        return not looks_like_identifier(value) and not _SNAKE_WORDS.fullmatch(value)
    return _dense_random(value)


# `poule_v2`, `data_type`, `config_v10`: words joined by `_`, a version number at most.
_SNAKE_WORDS = re.compile(r"[a-z]+(?:_(?:[a-z]+|v?\d{1,3}))+|[a-z]+\d{1,3}")


def _argument_pair(text: str, a: int, b: int) -> Finding | None:
    gap = _ARGUMENT_GAP.match(text, b)
    if gap is None or a == 0 or not text[a - len(gap.group(1)) : a] == gap.group(1):
        return None  # the name must be a string literal of its own, closed by the same quote
    quoted = _QUOTED_VALUE.match(text, gap.end())
    if quoted is None:
        return None
    value, name = quoted.group(2), text[a:b]
    # Strings side by side are more often a list (`("password", "credentials")`, `"add-user-auth",
    # "fix-payment-bug"`) or a call's positional arguments (`mysqli(host, 'poule', 'PASSWORD', 'poule_v2')`)
    # than a name and its value. So the name is a compound (`DB_PASSWORD`, `apiKey`, `db.password`), not a
    # credential's bare word, and the value is generated: not words, with a digit or dense with symbols.
    if name.lower().strip("_-.") in _WORD_PASSWORDS or not _generated_or_dense(value) or _kebab_words(value):
        return None
    found = list(_judge(name, value, quoted.start(2), True, False))
    return found[0] if found else None


# A variable's name as the whole value: letters first, a lower-case letter and a digit or an inner
# capital in it (`s3Secret`, `dbPass2`); plain words and constants are judged by the usual rules.
_VARIABLE_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,63}")


_ASSIGNED = re.compile(r"(?<![\w.$])([A-Za-z_][A-Za-z0-9_]{2,63})[ \t]*(?::=|!=|==|=(?![=>]))")


class _Assigned:
    """The names a text assigns or tests, read once per text and only when a value might be one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.where: dict[str, list[int]] | None = None

    def elsewhere(self, value: str, at: int) -> bool:
        """Whether the bare `value` at `at` is a variable the same text assigns or tests elsewhere
        (`s3Secret := os.Getenv(…)`, `let dbPass2 = …`, `if s3Secret != ""`): code naming where a
        secret is held. A literal password does not stand left of an `=`; plain lower-case words
        (`admin`, `postgres`) are left to the usual rules, since they are weak real passwords too."""
        if not _VARIABLE_LIKE.fullmatch(value) or value.isupper() or value.islower() and value.isalpha():
            return False
        if self.where is None:
            self.where = {}
            for m in _ASSIGNED.finditer(self.text):
                seen = self.where.setdefault(m.group(1), [])
                if len(seen) < 2:
                    seen.append(m.start(1))
        return any(p != at for p in self.where.get(value, ()))


# A comment's opener before a name on its line (after a Read's line number or a diff's `+`): what
# follows is words, where `name = value` holds a literal even in a source file.
_COMMENT_OPENER = re.compile(r"(?:^|(?<=[\s;→|+\-]))(?:#|//|/\*|<!--|--(?=\s))|^[\s\d→|+\-]*\*(?!\*)")


class _MultiLineLiterals:
    """Where a source file's multi-line strings open and close (triple quotes, backticks), found once per
    text; a position after an odd count of one kind of mark is inside such a string."""

    def __init__(self, text: str) -> None:
        self.marks = [[m.start() for m in pattern.finditer(text)] for pattern in _LITERAL_MARKS]

    def inside(self, at: int) -> bool:
        return any(bisect.bisect_left(marks, at) % 2 == 1 for marks in self.marks if marks)


_LITERAL_MARKS = (re.compile(r'"""'), re.compile(r"'''"), re.compile(r"`"))


def _in_comment(text: str, at: int) -> bool:
    lo = max(0, at - 300)
    nl = text.rfind("\n", lo, at)
    return _COMMENT_OPENER.search(text[nl + 1 if nl >= 0 else lo : at]) is not None


# A credential's name and value in sibling fields: Kubernetes/ECS env lists (`- name: X` /
# `value: Y`), CloudFormation parameters, secret managers' JSON (`{"Name": "X", "Value": "Y"}`).
_NAME_VALUE = re.compile(
    r"(?i)(?<![\w\-])(?:name|key|parameterkey|parameter_key)(\\?[\"']?)[ \t]*[:=][ \t]*(\\?[\"']?)"
    r"([A-Za-z_/][\w.\-/:]{1,120})\2[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?[\\\"']{0,2}(?:value|parametervalue|parameter_value)"
    r"[\\\"']{0,2}[ \t]*[:=][ \t]*"
)


def name_value_findings(text: str, lowered: str) -> Iterator[Finding]:
    if "value" not in lowered or ("name" not in lowered and "key" not in lowered):
        return
    for m in _NAME_VALUE.finditer(text):
        name = m.group(3)
        if not _NAME_OK.search(name.lower()):
            continue
        quoted = _QUOTED_VALUE.match(text, m.end())
        if quoted:
            value, start = quoted.group(2), quoted.start(2)
        else:
            bare = _BARE_VALUE.match(text, m.end())
            if bare is None:
                continue
            value, start = bare.group(1), bare.start(1)
        yield from _judge(name, value, start, bool(quoted), bool(_ENV_NAME.match(name)))


# A setting named only for the service whose key it holds (`cloudflare: "<key>"`, `SOURCEGRAPH=<token>`):
# services whose keys carry no prefix of their own, so no format rule finds them. The name alone says
# less than `token` or `key` would (it may be a version, an image, a region), so only a generated value
# of key size counts, and only as a question.
_SERVICE_NAMES = frozenset(
    "cloudflare sourcegraph heroku datadog newrelic new_relic new-relic sendgrid mailgun mailchimp twilio "
    "algolia pusher mapbox bugsnag rollbar honeycomb mixpanel amplitude fastly netlify vercel asana trello "
    "airtable contentful zendesk hubspot intercom okta auth0 dropbox digitalocean linode vultr doppler "
    "pulumi snyk circleci travis droneci finnhub etsy kucoin kraken bittrex gitter looker launchdarkly "
    "messagebird nytimes plaid postman rapidapi shippo sumologic typeform yandex zapier".split()
)
# Found from the value's side (a key-sized run after `:` or `=`), whose first character is one of two, so
# `re` skips ahead at C speed; the name before it is then read by hand. A search for the names themselves
# cost 40% of a whole scan.
_KEY_AFTER_SIGN = re.compile(r"[:=][ \t]*(\\?[\"'])?([A-Za-z0-9_\-]{20,100})(?![A-Za-z0-9_\-])")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def service_key_findings(text: str, lowered: str) -> Iterator[Finding]:
    for m in _KEY_AFTER_SIGN.finditer(text):
        at = m.start()
        if text[at - 2 : at] in ('\\"', "\\'"):
            at -= 2
        elif text[at - 1 : at] in ('"', "'"):
            at -= 1
        a = at
        while a > 0 and at - a < 20 and text[a - 1] in _NAME_CHARS:
            a -= 1
        if a > 0 and text[a - 1] == "\\" and text[a] in "nrt":
            a += 1  # the name starts after a JSON string's escaped line break
        elif a > 0 and (text[a - 1] in _IDENT_CHARS or text[a - 1] in "/@"):
            continue  # part of a longer word, path or handle
        if lowered[a:at] not in _SERVICE_NAMES:
            continue
        value, start = m.group(2), m.start(2)
        if m.group(1) is not None and not text.startswith(m.group(1), m.end()):
            continue  # an opened quote must close right after the value
        if not _generated_or_dense(value) or value.isdigit() or is_placeholder(value) or is_filler(value) \
                or _kebab_words(value):
            continue
        yield Finding(start, start + len(value), "secret", SUGGESTED, "rule:service-key")


# Where a line ends, for a value that runs to it: a line break, or inside a JSON string (a config printed
# as JSON, a patch in a tool's JSON arguments) an escaped one or the string's closing quote, which may be
# followed by the next element on the same line (a structured patch's `"lines": [" a", "+k = v", " b"]`);
# a markdown table's cell ends a line too (`| `k = v` | … |`). Up to two quotes may close first: the
# value's own, then a code span's or the JSON string's.
_LINE_END = r"(?:\\?[\"'`]){0,2}(?:[,;]?[ \t]*(?:\r?\n|$|\\[nr]|\|)|(?<!\\\")(?<=\")[ \t]*[,\]}])"
# The rest of a line after `name = ` / `name: `, for symbol-heavy unquoted passwords; it stops at a JSON
# escape (`\n`, `\"`, `\\`).
_LINE_REST = re.compile(rf"(?:[^\s\"'`\\]|\\(?![nrt\"'\\])){{1,200}}(?={_LINE_END})")
_PASSWORD_WORD = re.compile(r"(?<![a-z])pass(?![a-z])")
_CODE_START = re.compile(r"[A-Za-z_$][\w.$]*[(\[]|[({\[]|\$\{|\{\{|\$\(|%\{")
_OPEN, _CLOSE = "([{", ")]}"


def _brackets_mismatched(value: str) -> bool:
    """A closer with no opener, or of another kind: truncated code leaves openers unclosed, it does
    not close a `{` with a `)`. Random passwords do that all the time."""
    stack: list[str] = []
    # Closers at the very end belong to a call the line opened before the value (`f(x.key))`).
    for ch in value.rstrip(_CLOSE):
        if ch in _OPEN:
            stack.append(ch)
        elif ch in _CLOSE:
            if not stack or _OPEN.index(stack.pop()) != _CLOSE.index(ch):
                return True
    return False


def _line_end_value(text: str, start: int, name: str) -> Finding | None:
    m = _LINE_REST.match(text, start)
    if m is None or not (_STRONG_NAME.search(name) or _PASSWORD_WORD.search(name.lower())):
        return None
    if m.group(0).endswith(";"):
        return None  # `passwd = m{x)…;`: a C-like statement, whose unquoted right side is an expression
    value = m.group(0).rstrip(",;")
    if len(value) < 8 or value[0] in ":=>" or _CODE_START.match(value) or is_reference(value):
        return None
    symbols = [c for c in value if not c.isalnum() and c != "_"]
    # Code and paths use a few symbols among many letters; a typed password is dense with them.
    dense = len(set(symbols)) >= 5 and len(symbols) >= 0.4 * len(value)
    if not (dense or _brackets_mismatched(value)):
        return None
    kind = "password" if re.search(r"(?i)pass|pwd", name) else "secret"
    return Finding(start, start + len(value), kind, SUGGESTED, "rule:assignment")


# `secret_key: some words` at the start of a YAML/config line (only `name:` then a space), after what a
# viewer puts before a line: `cat -n`'s or Claude's `12→` line number, grep's `path:12:`, a diff's `+`, the
# label of a stream's first line in a shell tool's result (Gemini CLI's `Stdout: `).
# (grep's path is split at its first `/` or `.`, and the dashes before the key are taken whole, so no two
# parts of the pattern can share a character: a line of 40,000 `a.` or dashes was 10 s a match.)
_YAML_KEY = re.compile(
    rf"(?:{LINE_NUMBER}|[\w\-]*+[/.][\w./\-]*[:\-]\d{{1,7}}[:\-]|\+|(?:Stdout|Stderr|Output):[ \t]+)?"
    r"[ \t-]*+[\w.\-]+:[ \t]+"
)
_PHRASE_REST = re.compile(rf"[A-Za-z0-9_\-]{{1,100}}(?:[ \t][A-Za-z0-9_\-]+){{1,5}}[ \t]*(?={_LINE_END})")


# How far back a YAML-style key's line start is looked for: no key, with a viewer's prefix before it, is
# longer. Each credential name of a line looked back to its start, so a megabyte line of `password=x `
# took 30 s.
_KEY_LINE = 1024


def _line_start(text: str, at: int) -> int | None:
    """Where the line holding `at` starts, counting a JSON string's own lines (after an escaped line break,
    or after the string's opening quote: one no word or backslash comes right before) and a markdown table's
    cells (after a `|` border, and a code span's opening backtick). None where it starts more than
    `_KEY_LINE` characters before `at`: too far for a key."""
    lo = max(0, at - _KEY_LINE)
    start = text.rfind("\n", lo, at) + 1 or (0 if lo == 0 else -1)
    escaped = text.rfind("\\n", max(start, lo), at)
    if escaped >= 0:
        start = escaped + 2
    within = max(start, lo)
    opening = max(text.rfind('"', within, at), text.rfind("|", within, at), text.rfind("`", within, at))
    if opening >= 0:
        before = text[opening - 1] if opening > 0 else ""
        if not (text[opening] == '"' and (before == "\\" or before.isalnum())):  # a quote inside a string
            start = opening + 1
    return start if start >= 0 else None


def _yaml_phrase(text: str, start: int, name: str) -> Finding | None:
    """An unquoted multi-word value of a secret-named YAML key: a passphrase, or prose. Only ever a
    suggestion."""
    if not _PHRASE_NAME.search(name):
        return None
    m = _PHRASE_REST.match(text, start)
    if m is None:
        return None
    value = m.group(0).rstrip()
    if is_reference(value) or is_placeholder(value):
        return None
    kind = "password" if re.search(r"(?i)pass|pwd", name) else "secret"
    return Finding(start, start + len(value), kind, SUGGESTED, "rule:assignment")


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


def id_of_a_credential(name: str, value: str) -> bool:
    """`jobCredentialsId: '<uuid>'`, `UserSecretsId`: a UUID or hash naming which credential is meant."""
    return _names(_ID_NAME, name) and is_structural(value)


@lru_cache(maxsize=4096)
def _names(pattern: re.Pattern[str], name: str) -> bool:
    """Whether `pattern` is in a key's name. Asked of one name before every value it holds (a config
    dump of thousands of `password = …` lines), so answered once per name."""
    return pattern.search(name) is not None


# `pass` as a word of a name (`SMTP_PASS`, `db_pass`, `mail-pass`), not inside one (`bypass`, `passport`).
_PASSWORD_NAME = re.compile(r"(?i)passw|pwd|passphrase|(?<![a-z])pass(?![a-z])")
_PASS_OR_PWD = re.compile(r"(?i)pass|pwd")
_PHRASE_NAME = re.compile(r"(?i)passw|passphrase|secret|api[_\-]?key")
_STRONG_NAME = re.compile(
    r"(?i)token|secret|passw|passphrase|pwd|(?<![a-z])pass(?![a-z])|credential|auth|dsn"
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
    # Telegram bot tokens: the bot's numeric id, a colon, 35 characters starting with `A`.
    (re.compile(r"(?i)telegram"), re.compile(r"\d{5,16}:A[A-Za-z0-9_\-]{34}")),
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
        return entropy(value) >= 4.5
    return ("+" in value or "=" in value.rstrip("=")) and entropy(value) >= 4.0


_COUNTING = "1234567890" * 13
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


def _dense_random(value: str) -> bool:
    """Long, symbol-rich and as random as generated bytes (WordPress's salts, `openssl rand` output):
    a colon there is one more symbol, not the `host:port` or `type:name` it is in shorter values."""
    return len(value) >= 32 and entropy(value) >= 4.5 and sum(not c.isalnum() for c in value) >= 4


def _judge(name: str, value: str, start: int, quoted: bool, env_style: bool) -> Iterator[Finding]:
    if names_no_secret(name):
        return  # `TOKEN_URL`, `key_name`, `public_key`: the name says the value is not the credential
    if is_placeholder(value) or is_filler(value) or not any(c.isalnum() for c in value):
        return  # a template, a typed filler, or punctuation only
    if not quoted and value.endswith("."):
        value = value.rstrip(".")  # the end of a sentence, not of the value; inside quotes it is the value's
        if not value or is_placeholder(value):
            return
    password_name = _names(_PASSWORD_NAME, name)
    if not quoted and looks_like_identifier(value) and not (password_name and random_letters(value)):
        return  # code (`password=user_password`), unless the letters spell nothing: an app password
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
    strong = _names(_STRONG_NAME, name)
    kind = "password" if _names(_PASS_OR_PWD, name) else "secret"
    end = start + len(value)
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
    if quoted and " " not in value and password_name and random_enough(value, 6, 2.5):
        yield Finding(start, end, kind, AUTO, "rule:assignment")  # passwords may be plain words
        return
    # A colon inside usually means structure (`id:token`, `host:port`, a type name) more than a key.
    if (
        random_enough(value)
        and (has_letter_and_digit(value) or entropy(value) >= 3.5)
        and len(value) >= 10
        and (":" not in value or _dense_random(value))
        and " " not in value  # a phrase is more often a prompt or a label than a secret
    ):
        yield Finding(start, end, kind, AUTO, "rule:assignment")
    elif random_enough(value, min_len=6, min_entropy=2.5) and (
        quoted or has_letter_and_digit(value) or (value.isdigit() and len(value) >= 12)
    ):
        yield Finding(start, end, kind, SUGGESTED, "rule:assignment")


# --- Headers, cookies, URLs with passwords -------------------------------------------------------

_AUTH_HEADER = re.compile(
    r"(?i)\b(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*[\"']?(?:(?:bearer|basic|token|digest|bot|negotiate|apikey)[ \t]+)?"
    r"([^\s\"',;]{8,})"
)
_KEY_HEADER = re.compile(
    r"(?i)\bx-(?:api-key|auth-token|access-token|amz-security-token|goog-api-key|csrf-token|xsrf-token|"
    r"session-token|vault-token)[\"']?[ \t]*:[ \t]*[\"']?([^\s\"',;]{8,})"
)
_BEARER = re.compile(r"(?i)\bbearer[ \t]+([A-Za-z0-9_\-.=:+/~]{16,})")
_COOKIE = re.compile(r"(?im)\b(?:set-)?cookie[\"']?[ \t]*[:=][ \t]*[\"']?([^\r\n\"']{4,})")
_URL_PASSWORD = re.compile(
    r"\b([a-z][a-z0-9+.\-]{1,20})://([^\s:/@\"'<>]{0,128}):([^\s@/\"'<>]{1,256})@(?=[^\s/\"'<>]+)", re.I
)
_QUERY_SECRET = re.compile(
    r"(?i)[?&;](?:password|passwd|pwd|token|access_token|refresh_token|id_token|secret|client_secret|api_key|"
    r"apikey|key|sig|signature|auth|session|sessionid|code)=((?:[^&\s\"'#<>\\]|\\(?![nrt\"'\\])){6,})"
)  # a value stops at a JSON string's escape (`\"`, `\n`): the escape is the string's, not the value's
_DB_SCHEMES = frozenset(
    "postgres postgresql mysql mariadb mongodb mongodb+srv redis rediss amqp amqps mssql sqlserver oracle "
    "jdbc clickhouse cockroachdb couchdb neo4j cassandra".split()
)


# Cookies that count visits for analytics and remember consent (Google Analytics and Ads, Meta's pixel,
# Hotjar, Microsoft Clarity, Matomo, Segment's anonymous id): a visitor's tracking id, which opens no
# session; and the attributes a Set-Cookie line puts after its one cookie.
_ANALYTICS_COOKIE = re.compile(
    r"(?i)_ga(?:_\w+)?|_gid|_gat\w*|_gcl_\w+|_fbp|_fbc|__utm\w|_hj\w+|_clck|_clsk|_pk_(?:id|ses)[\w.]*"
    r"|ajs_anonymous_id|optanonconsent|optanonalertboxclosed|cookieconsent_status"
)
_COOKIE_ATTRIBUTES = frozenset(
    "path domain expires max-age secure httponly samesite partitioned priority".split()
)


def _analytics_only(cookies: str) -> bool:
    """Whether every cookie in a Cookie or Set-Cookie value is an analytics or consent cookie."""
    names = [pair.split("=", 1)[0].strip() for pair in cookies.split(";")]
    names = [n for n in names if n and n.lower() not in _COOKIE_ATTRIBUTES]
    return bool(names) and all(_ANALYTICS_COOKIE.fullmatch(n) for n in names)


# Authorization schemes that sign each request (AWS SigV4, HTTP Message Signatures): the header holds a
# key id and a signature good for that one request; the key that made it never leaves the client.
_SIGNING_SCHEMES = frozenset({"aws4-hmac-sha256", "aws4-ecdsa-p256-sha256", "signature"})


def context_findings(text: str, lowered: str) -> Iterator[Finding]:
    if "authoriz" in lowered:
        for m in _AUTH_HEADER.finditer(text):
            value = m.group(1).rstrip("\\")  # a trailing `\` escapes the closing quote of a JSON string
            if value.lower() in _SIGNING_SCHEMES:
                continue  # `AWS4-HMAC-SHA256 Credential=…, Signature=…`: a request's signature, not its key
            if value and not is_placeholder(value):
                end = m.start(1) + len(value)
                yield Finding(m.start(1), end, "auth-header", AUTO, "rule:authorization-header")
    if "x-" in lowered:
        for m in _KEY_HEADER.finditer(text):
            if text.endswith("://", 0, m.start()):
                continue  # `https://x-access-token:<token>@host`: a URL's user; the URL rule takes the pair
            value = m.group(1).rstrip("\\")
            if value and not is_placeholder(value):
                yield Finding(m.start(1), m.start(1) + len(value), "auth-header", AUTO, "rule:key-header")
    if "bearer" in lowered:
        for m in _BEARER.finditer(text):
            v = m.group(1)
            if not is_placeholder(v) and random_enough(v):
                yield Finding(m.start(1), m.end(1), "auth-header", AUTO, "rule:bearer")
    if "cookie" in lowered:
        for m in _COOKIE.finditer(text):
            v = m.group(1).rstrip()
            if not is_placeholder(v) and "=" in v and random_enough(v) and not _analytics_only(v):
                yield Finding(m.start(1), m.start(1) + len(v), "cookie", AUTO, "rule:cookie")
    if "://" in text:
        for m in _URL_PASSWORD.finditer(text):
            scheme, password = m.group(1).lower(), m.group(3)
            if is_placeholder(password) or password.lower() in ("password", "pass", "pwd", "secret"):
                continue
            kind = "db-password" if scheme.split(":")[0] in _DB_SCHEMES else "url-password"
            # The whole `user:password`, as for an HTTP client's `-u`: the pair is the credential.
            yield Finding(m.start(2), m.end(3), kind, AUTO, "rule:url-password")
    if "=" in text and ("?" in text or "&" in text or ";" in text):
        for m in _QUERY_SECRET.finditer(text):
            v = m.group(1)
            if not is_placeholder(v) and random_enough(v, min_len=8):
                yield Finding(m.start(1), m.end(1), "url-secret", AUTO, "rule:query-parameter")


# Command lines that take a password as a short flag, where no `name=` says so: `mysql -pSECRET`
# (attached), `docker login -p SECRET`, `sshpass -p SECRET`, `redis-cli -a SECRET`.
_CLI_PASSWORD = re.compile(
    r"(?i)\b(?:mysql|mysqldump|mysqladmin|mariadb(?:-dump)?)\b[^\n|;&]{0,200}?[ \t]-p[\"']?([^\s\"'`;|&]{1,200})"
    r"|\b(?:docker|podman|buildah|skopeo|helm|nerdctl|oras)(?:[ \t]+registry)?[ \t]+login\b[^\n|;&]{0,200}?"
    r"[ \t](?:-p|--password)(?:=|[ \t]+)[\"']?([^\s\"'`;|&]{1,200})"
    r"|\bsshpass[ \t]+-p[ \t]*[\"']?([^\s\"'`;|&]{1,200})"
    r"|\bredis-cli\b[^\n|;&]{0,200}?[ \t]-a[ \t]+[\"']?([^\s\"'`;|&]{1,200})"
)
_CLI_NEEDLES = ("mysql", "mariadb", "login", "sshpass", "redis-cli")
# HTTP clients that take `user:password` (curl -u/--user/-U/--proxy-user, httpie/xh -a/--auth) or
# a password flag (wget --password, --http-password...). Found from the command word, then the flags
# read within its command line (backslash continuations included), so no pattern runs over a line twice.
_HTTP_CLIENT = re.compile(r"(?:(?<![\w./\-])|(?<=\\[nrt]))(curl|wget|https?|xh|xhs|httpie)(?=[ \t])")
_HTTP_FLAG = re.compile(
    r"(?<![^ \t'\"])(?:(-u|-U)(?:[ \t]+|(?=[^\s\-]))|(-a)[ \t]+|"
    r"(--user|--proxy-user|--auth|--http-user|--ftp-user)(?:=|[ \t]+)|"
    r"(--password|--http-password|--ftp-password|--proxy-password)(?:=|[ \t]+))"
)
_FLAG_VALUE = re.compile(r"\\?\"([^\"\n\\]{1,300})\\?\"|'([^'\n]{1,300})'|([^\s\"'`;|&\\]{1,300})")
_COMMAND_END = re.compile(r"(?<!\\)\n|\\n(?![ \t]*-)|[;|]|&&")


def http_client_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The credential an HTTP client is given: for `-u`/`--user`/`-a`/`--auth`, the whole `user:password`
    pair (Basic auth sends the pair, and the user half says whose account the password opens), judged on
    its password; for wget's `--password`, the password and the `--user` of the same command."""
    if not any(map(lowered.__contains__, ("curl", "wget", "http", "xh"))):
        return
    end = -1
    for cmd in _HTTP_CLIENT.finditer(text):
        if cmd.start() < end:
            continue  # inside the previous command line (`curl ... | http ...` is read once)
        word = cmd.group(1)
        end_m = _COMMAND_END.search(text, cmd.end(), cmd.end() + 2000)
        end = end_m.start() if end_m else min(len(text), cmd.end() + 2000)
        wget_user: tuple[int, int] | None = None
        for flag in _HTTP_FLAG.finditer(text, cmd.end(), end):
            short, auth_a, long_user, password_flag = flag.groups()
            if auth_a and word == "curl":
                continue  # curl's -a is --append, it takes no value
            if password_flag and word != "wget":
                continue
            v = _FLAG_VALUE.match(text, flag.end(), end)
            if v is None:
                continue
            g = next(i for i in (1, 2, 3) if v.group(i) is not None)
            value, start = v.group(g), v.start(g)
            pair_start, pair_end = start, start + len(value)
            if value.startswith(("<", "$", "%")):
                continue  # `<user:password>`, `$CREDS`, `%AUTH%`: a template or a variable
            if not password_flag:
                user, colon, password = value.partition(":")
                if not colon and word == "wget" and long_user:
                    wget_user = (start, start + len(value))  # `--user=bob`, its password in its own flag
                    continue
                if not colon and text.startswith(":", v.end()):
                    # `"user":"password"`: user and password quoted apart
                    rest = _FLAG_VALUE.match(text, v.end() + 1, end)
                    if rest is None:
                        continue
                    g2 = next(i for i in (1, 2, 3) if rest.group(i) is not None)
                    value, start = rest.group(g2), rest.start(g2)
                    pair_end = start + len(value)
                elif colon and not password and g == 3 and text.startswith(("'", '"'), v.end()):
                    rest = _FLAG_VALUE.match(text, v.end(), end)  # kevin:'password'
                    if rest is None or rest.lastindex == 3:
                        continue
                    value, start = rest.group(rest.lastindex or 1), rest.start(rest.lastindex or 1)
                    pair_end = start + len(value)
                elif colon and not password:
                    # `-u TOKEN:` (an API key as the user name, no password): the key is the secret
                    if len(user) < 8 or not random_enough(user, 8, 2.5) or is_reference(user):
                        continue
                    value = user
                elif not colon:
                    continue  # curl asks for the password; nothing on the line
                else:
                    start += len(user) + 1
                    value = password
            if value.lower() in _WORD_PASSWORDS:
                continue  # `--user user:pass` in a how-to
            inner = value[1:-1] if value[:1] == "{" and value[-1:] == "}" else value
            if (is_reference(value) or is_placeholder(value)) and not (inner != value and _generated(inner)):
                continue  # `{password}` is a template; `{ZqL5kVrX1n8tA2}` is a value in braces
            yield Finding(pair_start, pair_end, "password", AUTO, "rule:http-client-credentials")
            if password_flag and wget_user is not None:
                yield Finding(wget_user[0], wget_user[1], "password", AUTO, "rule:http-client-credentials")
                wget_user = None


_WORD_PASSWORDS = frozenset("pass pwd pw passwd password secret token key apikey changeme letmein".split())


def _generated(value: str) -> bool:
    return has_letter_and_digit(value) and random_enough(value, 8, 3.0) and not is_placeholder(value)

# XML elements named for a credential: Maven's `<password>…</password>`, `<apiKey>…</apiKey>`.
# The value may sit on a line of its own, indented (`<apiToken>\n    …\n</apiToken>`).
_XML_ELEMENT = re.compile(
    r"<([A-Za-z][\w.\-]{0,40})>[ \t]*(?:\r?\n[ \t]*)?([^<>\s]{1,400})[ \t]*(?:\r?\n[ \t]*)?</\1>"
)

# A property list's entry: `<key>API_TOKEN</key>` then its `<string>…</string>`.
_PLIST_PAIR = re.compile(r"<key>([A-Za-z][\w.\-]{0,80})</key>\s{0,40}<string>([^<>\s]{1,400})</string>")


def cli_password_findings(text: str, lowered: str) -> Iterator[Finding]:
    if any(map(lowered.__contains__, _CLI_NEEDLES)):
        for m in _CLI_PASSWORD.finditer(text):
            g = next(i for i in range(1, 5) if m.group(i) is not None)
            value = m.group(g)
            if is_reference(value) or is_placeholder(value):
                continue
            yield Finding(m.start(g), m.end(g), "password", AUTO, "rule:cli-password")
    if "</" in text:
        for m in _XML_ELEMENT.finditer(text):
            name = m.group(1)
            if name.lower() == "key":
                continue  # a property list's `<key>`: it holds a setting's name; its value comes next
            if _NAME_OK.search(name.lower()):
                yield from _judge(name, m.group(2), m.start(2), True, False)
        if "<key>" in text:
            for m in _PLIST_PAIR.finditer(text):
                if _NAME_OK.search(m.group(1).lower()):
                    yield from _judge(m.group(1), m.group(2), m.start(2), True, False)


# A .netrc / _netrc entry (`machine HOST login USER password PASS`, one line or spread over a few):
# tokens separated by spaces, so no `=` or `:` tells the assignment rules a value follows. The grammar
# itself names the field, so a value there is a password whatever it looks like.
# (No backslash in a bare value: inside a JSON string, `\n` ends the line the value is on.)
_NETRC_PASSWORD = re.compile(r"(?<![\w\-.])password[ \t]+(\"[^\"\r\n\\]{1,400}\"|[^\s\"\\]{1,400})")
_NETRC_ENTRY = re.compile(r"(?<![\w\-.])(?:machine[ \t]+[\w.\-:\[\]]+|default|login[ \t]+\S+)(?![\w\-.])")
_NETRC_LOOKBACK = 300  # the entry's `machine`/`login` is on the same line or a line or two above


def _literal_password(value: str) -> bool:
    """A value a credential file's password slot holds, worth a question: not a template, a reference,
    a filler or a word of a sentence."""
    return (
        len(value) >= 6 and not is_placeholder(value) and not is_reference(value) and not is_filler(value)
        and any(c.isalpha() for c in value) and (not value.isalpha() or random_enough(value, 8, 3.0))
    )


# A credential file's password, token or secret line (`.pypirc`, `.npmrc`, AWS' `credentials`, `.netrc`
# flattened), where a value is always a literal: under a `[section]` or an npm registry's `//host/:`.
_CRED_FILE_LINE = re.compile(
    rf"(?im)(?:^(?:{LINE_NUMBER})?|(?<=\\n))[ \t]*(?:(//[^\s:]{{1,200}}/:)?(_password|_authtoken|_auth)"
    r"|(password|aws_secret_access_key|aws_session_token))[ \t]*[=:][ \t]*([^\s\"'#;\\]{1,400})[ \t]*(?=\r?$|\\[nr])"
)
_SECTION = re.compile(r"(?m)(?:^|\\n)[ \t]*\[[\w .:\-]{1,80}\][ \t]*(?:\r?$|\\[nr])")


def credential_file_findings(text: str, lowered: str) -> Iterator[Finding]:
    """Suggestions for the values of credential files' lines that the other rules judge as words (a
    passphrase, a kebab-cased password): those files hold no code, so the value is the secret."""
    if "password" not in lowered and "_auth" not in lowered and "aws_s" not in lowered:
        return
    section: bool | None = None
    for m in _CRED_FILE_LINE.finditer(text):
        if m.group(4) is not None and UUID_RE.fullmatch(m.group(4)):
            continue  # a UUID token: the assignment rules judge it (a v1 UUID is a clock, not a token)
        if m.group(1) is None:  # not an npm registry's line: only under a section
            if section is None:
                section = _SECTION.search(text) is not None
            if not section:
                continue
        value = m.group(4)
        if _literal_password(value):
            kind = "password" if "pass" in (m.group(2) or m.group(3) or "").lower() else "secret"
            yield Finding(m.start(4), m.end(4), kind, SUGGESTED, "rule:credential-file")


def netrc_findings(text: str, lowered: str) -> Iterator[Finding]:
    if "password" not in lowered or ("machine" not in lowered and "login" not in lowered):
        return
    for m in _NETRC_PASSWORD.finditer(lowered):
        if not _NETRC_ENTRY.search(lowered, max(0, m.start() - _NETRC_LOOKBACK), m.start()):
            continue
        start, end = m.start(1), m.end(1)
        if text[start] == '"':
            start, end = start + 1, end - 1
        # Unquoted: a plain word after `password` is prose ("login and password manually"), not a value.
        judged = False
        for f in _judge("password", text[start:end], start, False, True):
            judged = True
            yield Finding(f.start, f.end, "password", AUTO, "rule:netrc")
        value = text[start:end]
        if not judged and _literal_password(value):
            # A .netrc's password is a literal whatever it looks like (a passphrase in words, symbols).
            yield Finding(start, end, "password", SUGGESTED, "rule:netrc")


# A `value` field whose object says what it holds: Terraform's `"db_password": {"sensitive": true, …,
# "value": "…"}`, SSM's `{"Name": "/prod/db/password", "Type": "SecureString", "Value": "…"}`. The name
# is the object's key, or a `name` field of the same object; other fields may sit between.
# (The key is found by its literal word, which `re` searches for fast; the quote before it is checked after.)
_VALUE_KEY = re.compile(r"value\\?[\"'][ \t]*:[ \t]*")
_OBJECT_KEY = re.compile(r"[A-Za-z_/][\w.\-/:]{0,120}")
_NAME_FIELD = re.compile(r"(\\?[\"'])(?:name|key|parameter_?name)\1[ \t]*:[ \t]*(\\?[\"'])([A-Za-z_/][\w.\-/:]{0,120})\2")
_OBJECT_REACH = 400


def _key_before(text: str, at: int) -> str | None:
    """The quoted key of the object opening at `at` (`"db_password": {`), read backwards a character at
    a time: a regex searched over the window before every `value` key would cost its length each."""
    j = at
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j == 0 or text[j - 1] != ":":
        return None
    j -= 1
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j == 0 or text[j - 1] not in "\"'":
        return None
    end = j - 1
    start = text.rfind(text[end], max(0, end - 122), end)
    if start < 0:
        return None
    name = text[start + 1 : end].rstrip("\\")
    return name if _OBJECT_KEY.fullmatch(name) else None


def object_value_findings(text: str, lowered: str) -> Iterator[Finding]:
    if "value" not in lowered or "{" not in text:
        return
    for m in _VALUE_KEY.finditer(lowered):
        if m.start() == 0 or text[m.start() - 1] not in "\"'":
            continue
        lo = max(0, m.start() - _OBJECT_REACH)
        opening = text.rfind("{", lo, m.start())
        if opening < 0 or "}" in text[opening : m.start()]:
            continue
        name = None
        window = lowered[opening : m.start()]
        field = _NAME_FIELD.search(window) if "name" in window or "key" in window else None
        if field is not None and _NAME_OK.search(field.group(3)):
            name = text[opening + field.start(3) : opening + field.end(3)]
        else:
            key = _key_before(text, opening)
            if key is not None and _NAME_OK.search(key.lower()):
                name = key
        if name is None:
            continue
        quoted = _QUOTED_VALUE.match(text, m.end())
        if quoted is not None:
            yield from _judge(name, quoted.group(2), quoted.start(2), True, False)


# A .pgpass line: `host:port:database:user:password`, the port a number or `*`. No name is written; the
# fifth field of that shape is the password.
# The line may stand inside a JSON string (after its quote or an escaped line break) or an `echo "…"` that
# writes the file, and then ends at the string's quote or escaped break.
_PGPASS = re.compile(
    rf"(?m)(?:^(?:{LINE_NUMBER}|\+)?|(?<=\\n)|(?<=[\"']))[ \t]*(?:[\w.\-]+|\*|\[[0-9A-Fa-f:]+\]):(?:\d{{1,5}}|\*):"
    r"(?:[\w.\-$]*[A-Za-z_][\w.\-$]*|\*):(?:[\w.\-@$]*[A-Za-z_][\w.\-@$]*|\*):"
    r"(\S{1,400}?)(?:[ \t]*\r?$|(?=\\[nr])|(?=\\?[\"'][ \t]*(?:[>,;}\]|)]|$)))"
)  # the database and the user are names or `*`: a sequencer's read id (`HWI-ST565:4:1101:5508:…`) is numbers


# What a .pgpass line holds past its host, found first: most texts have none, and the line-start search
# costs a step per character.
_PGPASS_HINT = re.compile(r":(?:\d{1,5}|\*):[^\s:]+:[^\s:]+:\S")


def pgpass_findings(text: str, lowered: str) -> Iterator[Finding]:
    if ":" not in text or _PGPASS_HINT.search(text) is None:
        return
    for m in _PGPASS.finditer(text):
        value = m.group(1)
        if is_placeholder(value) or is_reference(value) or is_filler(value):
            continue
        if has_letter_and_digit(value) and random_enough(value, 8, 3.0):
            yield Finding(m.start(1), m.end(1), "password", AUTO, "rule:pgpass")
        elif random_enough(value, 6, 2.5):
            yield Finding(m.start(1), m.end(1), "password", SUGGESTED, "rule:pgpass")


# The whole text of a file named for a credential (syntax SECRET_FILE): one token, perhaps after a
# Read tool's line number. A file of several words or lines is read by the other rules.
_KEY_FILE_BODY = re.compile(rf"(?:<file>\s*)?(?:{LINE_NUMBER})?[ \t]*([^\s<]\S{{11,4095}})\s*(?:</file>\s*)?")


# A diff or patch of such files (all of its files are, or the syntax would not say so): the lines it adds
# or removes, one token each.
_KEY_FILE_DIFF_LINE = re.compile(r"(?m)^[+\-](?![+\-]{2} )[ \t]*(\S{12,4096})[ \t]*\r?$")


def _key_file_value(value: str) -> bool:
    return not (is_placeholder(value) or is_filler(value) or is_reference(value)) and random_enough(value, 12, 3.0)


def key_file_findings(text: str) -> Iterator[Finding]:
    m = _KEY_FILE_BODY.fullmatch(text.lstrip("\r\n"))
    if m is not None:
        if _key_file_value(m.group(1)):
            start = len(text) - len(text.lstrip("\r\n")) + m.start(1)
            yield Finding(start, start + len(m.group(1)), "secret", AUTO, "rule:key-file")
        return
    if "\n" in text and ("*** Begin Patch" in text or "\n+++ " in text or text.startswith(("--- ", "diff "))):
        for line in _KEY_FILE_DIFF_LINE.finditer(text):
            if _key_file_value(line.group(1)):
                yield Finding(line.start(1), line.end(1), "secret", AUTO, "rule:key-file")


# The same file pasted into a message: its name, then a fenced block holding one token.
# (A title joins the lines with spaces, so a space may stand for the line break.)
_FENCED_TOKEN = re.compile(r"```[\w\-]*[ \t]*[\r\n ][ \t\r\n]*([^`\s]{12,4096})[ \t\r\n]*```")
_PATH_WORD = re.compile(r"[\w.~/\\\-]+")


def quoted_key_file_findings(text: str) -> Iterator[Finding]:
    if "```" not in text:
        return
    for m in _FENCED_TOKEN.finditer(text):
        before = text[max(0, m.start() - 200) : m.start()]
        if any(syntax_of_path(w.group(0).rstrip(".,:;")) == SECRET_FILE for w in _PATH_WORD.finditer(before)):
            if _key_file_value(m.group(1)):
                yield Finding(m.start(1), m.end(1), "secret", AUTO, "rule:key-file")


# A diff or patch of the manifest puts `+`, `-` or a space before each line.
_K8S_SECRET = re.compile(r"(?im)^[+\-]?[ \t]*kind:[ \t]*[\"']?secret[\"']?[ \t]*$")
_K8S_DATA_VALUE = re.compile(r"(?m)^[+\-]?[ \t]+[\w.\-]+:[ \t]*[\"']?([A-Za-z0-9+/]{8,}={0,2})[\"']?[ \t]*$")


def k8s_secret_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The base64 values of a Kubernetes Secret manifest: encoded, so no format rule sees them."""
    if "kind:" not in lowered or "secret" not in lowered or "data:" not in lowered or not _K8S_SECRET.search(text):
        return
    for m in _K8S_DATA_VALUE.finditer(text):
        value = m.group(1)
        if not is_placeholder(value) and (value.endswith("=") or entropy(value) > 3.5):
            yield Finding(m.start(1), m.end(1), "k8s-secret", AUTO, "rule:k8s-secret-data")


# Every rule's needles, looked for in one search (`needles`): the rules to run are those with a needle in
# the text, in the table's order, as each rule's own `in` tests chose them, and a rule with no needle runs
# on every text. Over the corpus's fields token_findings took 1.9-2.1 s, most of it those tests and the
# loop asking them (185 needles, each reading a long text again); with the one search, 1.2 s.
_TOKEN_NEEDLES = Needles(n for r in TOKEN_RULES for n in r.needles)


def _by_needle(table: list[Rule]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, rule in enumerate(table):
        for n in rule.needles:
            out.setdefault(n, []).append(i)
    return out


_RULES_BY_NEEDLE = _by_needle(TOKEN_RULES)
_ALWAYS = [i for i, r in enumerate(TOKEN_RULES) if not r.needles]  # none today


def _token_rules(lowered: str) -> list[Rule]:
    """The rules whose needles a text holds (any one of them), in the table's order."""
    present = _TOKEN_NEEDLES.present(lowered)
    if not present:
        return [TOKEN_RULES[i] for i in _ALWAYS]
    wanted = set(_ALWAYS)
    for n in present:
        wanted.update(_RULES_BY_NEEDLE[n])
    return [TOKEN_RULES[i] for i in sorted(wanted)]


def filler_after_prefix(value: str, needles: tuple[str, ...]) -> bool:
    """Filler judged on the body after the rule's literal prefix, which a long prefix would outweigh."""
    low = value.lower()
    for needle in needles:
        if len(needle) >= 4 and low.startswith(needle.lower()):
            return is_filler(value[len(needle):])
    return False


_MASK_AFTER = re.compile(r"[\-_.:/]?[*#•●]{4}")


def masked_after(text: str, end: int) -> bool:
    """Whether a run of masking characters goes on where a match stopped: the token was redacted."""
    return _MASK_AFTER.match(text, end) is not None


def _after_escaped_break(text: str, at: int) -> bool:
    """`…\\nsgp_…` in a JSON string: the `n` before the token is its escaped line break, not a letter of
    a longer word (a doubled backslash before it is a literal backslash and an `n`)."""
    return at >= 2 and text[at - 1] in "nrt" and text[at - 2] == "\\" and (at < 3 or text[at - 3] != "\\")


def token_findings(text: str, lowered: str) -> Iterator[Finding]:
    for rule in _token_rules(lowered):
        needles = rule.needles
        for m in rule.pattern.finditer(text):
            start, end = m.span(rule.group)
            if start < 0 or start == end:
                continue
            if rule.group == 0 and start > 0 and text[start - 1] in _LEFT_TOKEN_CHARS \
                    and not _after_escaped_break(text, start):
                continue
            value = text[start:end]
            if filler_after_prefix(value, needles):
                continue  # `GR1348941XXXX…`: the vendor's literal prefix, then a typed filler
            if masked_after(text, end):
                continue  # `xoxp-5723…-1881-####…`: the format's head, the rest masked by whoever printed it
            if is_reference(value) or is_filler_token(value) or is_stand_in_token(value):
                # `${TOKEN}`; `ghp_xxxx…`, `AKIAXXXX…`, a webhook URL ending in `XXXX…`, `xoxb-…TokenHere`
                continue
            tier: str | None = rule.tier
            if is_placeholder(value):
                tier = SUGGESTED  # the vendor's format with a filler body: show it, do not assume
            elif rule.check is not None:
                tier = rule.check(value)
            if tier is None:
                continue
            yield Finding(start, end, rule.kind, tier, f"rule:{rule.name}")
