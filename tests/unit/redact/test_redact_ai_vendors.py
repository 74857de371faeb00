"""Issue 14, round 10, by class on values made up here: the keys of the services coding agents call every
day (model APIs and gateways, agent tooling, search APIs, vector databases, hosting, observability,
payments, messaging), whose formats gitleaks' list lacks. Each format is found sure, under a kind of its
own, alone and in the places agents meet it (an `.env` line, an `export`, a tool input's JSON string, a
curl header or URL, a Read output with its line numbers); a filler or placeholder of its shape stays
clean, a near-miss of its length or charset is not sure, and keys their vendors publish stay clean.
"""

from __future__ import annotations

import json
import random
import string
import time

import pytest

from tracetui.redact import AUTO, scan_text
from tracetui.redact.finding import Finding

_ALNUM = string.ascii_letters + string.digits
_HEX = "0123456789abcdef"
_LOWER = string.ascii_lowercase + string.digits
_URLSAFE = _ALNUM + "_-"


def _r(n: int, alphabet: str = _ALNUM, seed: int = 10) -> str:
    rng = random.Random(seed * 1000 + n * 7 + len(alphabet))
    return "".join(rng.choice(alphabet) for _ in range(n))


def _uuid(seed: int) -> str:
    return "-".join(_r(n, _HEX, seed) for n in (8, 4, 4, 4, 12))


# kind, variable name, made-up value in the vendor's format
KEYS = [
    ("tavily-key", "TAVILY_API_KEY", "tvly-" + _r(32, seed=1)),
    ("tavily-key", "TAVILY_API_KEY", "tvly-dev-" + _r(32, seed=2)),
    ("tavily-key", "TAVILY_API_KEY", "tvly-dev-" + _r(6, seed=3) + "-" + _r(42, seed=3)),
    ("replicate-token", "REPLICATE_API_TOKEN", "r8_" + _r(37, seed=4)),
    ("xai-key", "XAI_API_KEY", "xai-" + _r(80, seed=5)),
    ("nvidia-key", "NVIDIA_API_KEY", "nvapi-" + _r(64, _URLSAFE, seed=6)),
    ("together-key", "TOGETHER_API_KEY", "tgp_v1_" + _r(43, _URLSAFE, seed=7)),
    ("cerebras-key", "CEREBRAS_API_KEY", "csk-" + _r(48, _LOWER, seed=8)),
    ("elevenlabs-key", "ELEVENLABS_API_KEY", "sk_" + _r(48, _HEX, seed=9)),
    ("langsmith-key", "LANGSMITH_API_KEY", "lsv2_pt_" + _r(32, _HEX, seed=10) + "_" + _r(10, _HEX, seed=10)),
    ("langsmith-key", "LANGCHAIN_API_KEY", "lsv2_sk_" + _r(32, _HEX, seed=11) + "_" + _r(10, _HEX, seed=11)),
    ("langfuse-key", "LANGFUSE_SECRET_KEY", "sk-lf-" + _uuid(12)),
    ("helicone-key", "HELICONE_API_KEY",
     "sk-helicone-" + "-".join(_r(7, _LOWER, seed=13 + i) for i in range(4))),
    ("helicone-key", "HELICONE_API_KEY",
     "sk-helicone-eu-" + "-".join(_r(7, _LOWER, seed=17 + i) for i in range(4))),
    ("posthog-key", "POSTHOG_PERSONAL_API_KEY", "phx_" + _r(47, seed=21)),
    ("wandb-key", "WANDB_API_KEY", "wandb_v1_" + _r(77, _ALNUM + "_", seed=22)),
    ("axiom-token", "AXIOM_TOKEN", "xaat-" + _uuid(23)),
    ("context7-key", "CONTEXT7_API_KEY", "ctx7sk-" + _uuid(24)),
    ("e2b-key", "E2B_API_KEY", "e2b_" + _r(40, _HEX, seed=25)),
    ("browserbase-key", "BROWSERBASE_API_KEY", "bb_live_" + _r(27, _URLSAFE, seed=26)),
    ("figma-token", "FIGMA_TOKEN", "figd_" + _r(40, _URLSAFE, seed=27)),
    ("figma-token", "FIGMA_OAUTH_TOKEN", "figu_" + _r(40, _URLSAFE, seed=28)),
    ("apify-token", "APIFY_TOKEN", "apify_api_" + _r(36, seed=29)),
    ("jina-key", "JINA_API_KEY", "jina_" + _r(32, _HEX, seed=30) + _r(28, seed=30)),
    ("pinecone-key", "PINECONE_API_KEY", "pcsk_" + _r(6, seed=31) + "_" + _r(63, seed=31)),
    ("supabase-key", "SUPABASE_SECRET_KEY", "sb_secret_" + _r(31, _URLSAFE, seed=32)),
    ("neon-key", "NEON_API_KEY", "napi_" + _r(64, seed=33)),
    ("vercel-token", "VERCEL_TOKEN", "vcp_" + _r(56, _URLSAFE, seed=34)),
    ("vercel-token", "AI_GATEWAY_API_KEY", "vck_" + _r(56, _URLSAFE, seed=35)),
    ("netlify-token", "NETLIFY_AUTH_TOKEN", "nfp_" + _r(36, seed=36)),
    ("render-key", "RENDER_API_KEY", "rnd_" + _r(28, seed=37)),
    ("deno-token", "DENO_DEPLOY_TOKEN", "ddp_" + _r(36, seed=38)),
    ("cloudflare-token", "CLOUDFLARE_API_TOKEN", "cfut_" + _r(40, seed=39) + _r(8, _HEX, seed=39)),
    ("cloudflare-token", "CLOUDFLARE_API_TOKEN", "cfat_" + _r(40, seed=40) + _r(8, _HEX, seed=40)),
    ("paddle-key", "PADDLE_API_KEY",
     "pdl_live_apikey_" + _r(26, _LOWER, seed=41) + "_" + _r(22, seed=41) + "_" + _r(3, seed=42)),
    ("anthropic-oauth-token", "CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-" + _r(93, _URLSAFE, seed=43) + "AA"),
    ("anthropic-oauth-token", "ANTHROPIC_REFRESH_TOKEN", "sk-ant-ort01-" + _r(93, _URLSAFE, seed=44) + "AA"),
]
_IDS = [f"{kind}-{i}" for i, (kind, _, _) in enumerate(KEYS)]


def _places(name: str, value: str) -> dict[str, str]:
    """The places agents meet a key: each text holds `value` once, as it is."""
    return {
        "alone": f"{value}\n",
        "env-line": f"{name}={value}\n",
        "export": f"export {name}=\"{value}\"\n",
        "tool-input-json": json.dumps({"command": f"{name}={value} npm run dev", "description": "Start"}),
        "json-config": json.dumps({"mcpServers": {"svc": {"env": {name: value}}}}, indent=2),
        "curl-header": f"curl -s https://api.vendor.test/v1/models -H 'Authorization: Bearer {value}'\n",
        "curl-url": f"curl 'https://api.vendor.test/v1/search?q=kittens&api_key={value}'\n",
        "claude-read": f"     1→# local settings\n    12→{name}={value}\n    13→DEBUG=false\n",
        "python-call": f'client = Client(api_key="{value}")\n',
    }


def _covering(text: str, value: str) -> list[Finding]:
    i = text.index(value)
    return [f for f in scan_text(text) if f.start < i + len(value) and i < f.end]


@pytest.mark.parametrize(("kind", "name", "value"), KEYS, ids=_IDS)
def test_a_vendor_key_is_found_sure_under_its_own_kind_wherever_agents_meet_it(kind, name, value):
    for place, text in _places(name, value).items():
        i = text.index(value)
        found = _covering(text, value)
        assert [(f.start, f.end, f.kind, f.tier) for f in found] == [(i, i + len(value), kind, AUTO)], place


@pytest.mark.parametrize(("kind", "name", "value"), KEYS, ids=_IDS)
def test_a_filler_or_placeholder_of_the_vendors_shape_stays_clean(kind, name, value):
    prefix = _prefix_of(value)
    body = value[len(prefix):]
    filler = prefix + "".join("x" if c.isalnum() else c for c in body)
    for stand_in in (filler, prefix + "YOUR_API_KEY", prefix + "your-api-key-here"):
        for place in ("alone", "env-line", "tool-input-json", "claude-read"):
            text = _places(name, stand_in)[place]
            assert scan_text(text) == [], (stand_in, place)


def _prefix_of(value: str) -> str:
    """The literal prefix the filler keeps before the body it replaces."""
    for prefix in ("sk-ant-oat01-", "sk-ant-ort01-", "sk-helicone-eu-", "sk-helicone-", "pdl_live_apikey_",
                   "tvly-dev-", "lsv2_pt_", "lsv2_sk_", "wandb_v1_", "apify_api_", "sb_secret_", "bb_live_",
                   "tgp_v1_", "ctx7sk-", "sk-lf-", "nvapi-", "tvly-", "xaat-", "cfut_", "cfat_", "pcsk_",
                   "jina_", "napi_", "csk-", "xai-", "r8_", "sk_", "phx_", "e2b_", "figd_", "figu_", "vcp_",
                   "vck_", "nfp_", "rnd_", "ddp_"):
        if value.startswith(prefix):
            return prefix
    raise AssertionError(value)


# One character short or long, or a character outside the format's charset: an edited example or a
# cut-off head, which the vendor never issued.
NEAR_MISSES = [
    "tvly-" + _r(31, seed=50),
    "tvly-" + _r(12, seed=51),
    "r8_" + _r(36, seed=52),
    "r8_" + _r(38, seed=53),
    "xai-" + _r(40, seed=54),
    "csk-" + _r(47, _LOWER, seed=55),
    "sk_" + _r(47, _HEX, seed=56),
    "sk_" + _r(48, _ALNUM, seed=57),  # not hex
    "lsv2_pt_" + _r(31, _HEX, seed=58) + "_" + _r(10, _HEX, seed=58),
    "lsv2_pt_" + _r(32, _ALNUM, seed=59) + "_" + _r(10, _HEX, seed=59),  # not hex
    "sk-lf-" + _uuid(60)[:-1],
    "pcsk_" + _r(6, seed=61) + "_" + _r(62, seed=61),
    "sb_secret_" + _r(30, seed=62),
    "napi_" + _r(63, seed=63),
    "vcp_" + _r(55, seed=64),
    "e2b_" + _r(40, _ALNUM, seed=65),  # not hex
    "ctx7sk-" + _r(36, _ALNUM, seed=66),  # no UUID
    "rnd_" + _r(27, seed=67),
    "figd_" + _r(30, seed=68),
    "cfut_" + _r(47, seed=69),
    "phx_" + _r(30, seed=70),
    "sk-ant-oat01-" + _r(20, seed=71),
]


@pytest.mark.parametrize("value", NEAR_MISSES)
def test_a_near_miss_of_a_vendor_format_is_not_sure(value):
    for text in (f"{value}\n", json.dumps({"stdout": f"{value}\n", "exit": 0}), f"    12→{value}\n"):
        assert all(f.tier != AUTO for f in _covering(text, value)), text


# Identifiers and model names that start with the same letters: code, not keys.
@pytest.mark.parametrize(
    "text",
    [
        "napi_status status = napi_create_function(env, NULL, 0, Method, NULL, &fn);\n",
        "from e2b_code_interpreter import Sandbox\n",
        "nfp_object_serialization_with_values = build()\n",
        'model = "xai-grok-2-latest"\n',
        "rnd_seed = 42\nrnd_state = np.random.RandomState(rnd_seed)\n",
        "jina_embeddings_v3 = load('jina_embeddings_v3')\n",
        "mov r8_w, 1\n",
        "pdl_live_apikey_\n",
        "see https://api.telegram.org/bot<TOKEN>/getMe\n",
        "curl https://api.telegram.org/bot${BOT_TOKEN}/sendMessage\n",
    ],
)
def test_identifiers_sharing_a_prefix_stay_clean(text):
    assert scan_text(text) == []


# --- a Telegram bot's token inside the Bot API's URL path ---------------------------------------------------


_BOT_TOKEN = "7104853362:AA" + _r(33, _URLSAFE, seed=80)


@pytest.mark.parametrize(
    "template",
    [
        "https://api.telegram.org/bot{t}/getMe\n",
        "curl -s \"https://api.telegram.org/bot{t}/sendMessage?chat_id=42&text=hi\"\n",
        'url = f"https://api.telegram.org/file/bot{t}/photos/file_1.jpg"\n',
        '{{"tool_input": {{"url": "https://api.telegram.org/bot{t}/getUpdates"}}}}',
        "    31→WEBHOOK=https://api.telegram.org/bot{t}/setWebhook\n",
    ],
)
def test_a_telegram_bot_token_in_the_api_url_path_is_found_sure(template):
    text = template.format(t=_BOT_TOKEN)
    i = text.index(_BOT_TOKEN)
    found = _covering(text, _BOT_TOKEN)
    expected = [(i, i + len(_BOT_TOKEN), "telegram-token", AUTO)]
    assert [(f.start, f.end, f.kind, f.tier) for f in found] == expected


def test_a_filler_bot_token_in_the_url_stays_clean():
    text = "https://api.telegram.org/bot123456789:AA" + "x" * 33 + "/getMe\n"
    assert scan_text(text) == []


# --- Claude's OAuth tokens in its credentials file ----------------------------------------------------------


def test_claude_credentials_file_tokens_are_found_sure():
    access = "sk-ant-oat01-" + _r(93, _URLSAFE, seed=90) + "AA"
    refresh = "sk-ant-ort01-" + _r(93, _URLSAFE, seed=91) + "AA"
    text = json.dumps({"claudeAiOauth": {"accessToken": access, "refreshToken": refresh,
                                         "expiresAt": 1767225600000, "scopes": ["user:inference"]}})
    for token in (access, refresh):
        assert [(f.kind, f.tier) for f in _covering(text, token)] == [("anthropic-oauth-token", AUTO)]


# --- keys their vendors publish by design -------------------------------------------------------------------


PUBLIC = [
    "phc_" + _r(43, seed=95),
    "phc_" + _r(44, _URLSAFE, seed=96),
    "sb_publishable_" + _r(31, _URLSAFE, seed=97),
]


@pytest.mark.parametrize("value", PUBLIC)
def test_a_public_key_stays_clean_whatever_name_holds_it(value):
    places = ("alone", "env-line", "export", "tool-input-json", "json-config", "claude-read", "python-call")
    for place in places:
        name = "NEXT_PUBLIC_POSTHOG_KEY" if value.startswith("phc_") else "SUPABASE_KEY"
        text = _places(name, value)[place]
        assert _covering(text, value) == [], place
    snippet = f"posthog.init('{value}', {{api_host: 'https://us.i.posthog.com'}})\n"
    assert scan_text(snippet) == []


def test_a_stripe_publishable_key_alone_stays_clean_as_before():
    assert scan_text("pk_live_" + _r(99, seed=98) + "\n") == []


def test_a_secret_key_beside_a_public_one_is_still_found():
    public, secret = "phc_" + _r(43, seed=99), "phx_" + _r(47, seed=100)
    text = f"POSTHOG_KEY={public}\nPOSTHOG_PERSONAL_API_KEY={secret}\n"
    found = scan_text(text)
    assert [(text[f.start:f.end], f.kind, f.tier) for f in found] == [(secret, "posthog-key", AUTO)]


# --- hostile sizes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "tvly-dev-" + "a1b2c-" * 170_000,  # the segment form, never closed
        "tvly-" + "A1" * 500_000,
        ("xai-" + "a1" * 60 + " ") * 8_000,  # a body past the longest length on every line
        "-helicone-abc1234-" * 60_000,
        ("sk-ant-oat01-" + "x9" * 40 + "\n") * 10_000,
        "api.telegram.org/bot" * 50_000 + "1" * 200_000,
        ("api.telegram.org/bot1234567:" + "A" * 40 + "\n") * 15_000,
        "lsv2_pt_" + "ab12" * 250_000,
        ("ctx7sk-" + "0" * 8 + "-") * 70_000,
        "phc_" * 250_000,
    ],
    ids=["tavily-segments", "tavily-long", "xai", "helicone", "anthropic-oauth", "telegram-open", "telegram",
         "langsmith", "context7", "public-prefix"],
)
def test_a_megabyte_aimed_at_the_vendor_formats_scans_in_seconds(text):
    t0 = time.process_time()
    scan_text(text)
    assert time.process_time() - t0 < 6
