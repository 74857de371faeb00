"""Classes sec19's labelled set found: a vendor's credential under the vendor's name alone (a Discord
application's id, Contribsys' pair), a word and a bit width a person picked (`Ember16.meadow`), four vendors'
token shapes, a URL whose user is a token, the value of `gh secret set` past other flags, an environment
variable's fallback literal, Terraform's `variable` default, an env line's symbol-dense value, a key after
`base64:`, prose that sets a credential's name in code spans; and what must stay nothing or no sure finding:
other Discord ids, code's bit widths, a URL's user name, a Sentry DSN, a secret manager's reference (also
URL-encoded), a URL password of filler. Every value here was generated for these tests."""

from __future__ import annotations

import time

import pytest

from tracetui.redact import scan_text
from tracetui.redact.finding import AUTO
from tracetui.redact.syntax import CODE, UNKNOWN, Syntax

SURE = [
    ("discord.app.id: {v}\n", "918273645512837465", UNKNOWN),
    ("DISCORD_APPLICATION_ID={v}\n", "1176503928410572236", UNKNOWN),
    ("sidekiqLicense: {v}\n", "1a9f3c2e:7b4d0e8a", UNKNOWN),
    ('bundleEnterpriseContribsysCom: "{v}"\n', "c04e7d1b:93fa6e20", UNKNOWN),
    ("SIGNING_KEY={v}\n", "Ember16.meadow", UNKNOWN),
    ("  webhookSecret: {v}\n", "Harbor256_falcon", UNKNOWN),
    ("export BUILDKITE_TOKEN_FILE=/tmp/t; echo {v}\n", "bkua_6f1d0c9e3b7a25d48e0f1a6c9b3d7e2f5a8c0d14", UNKNOWN),
    ("the app uses {v} for CRM calls\n", "pat-na1-3f9c2d7e-8b14-4a6f-9e0d-5c7b1a2e4d68", UNKNOWN),
    ("render: {v}\n", "rnd_Qm7TzK2vX9pLw4RbN8sYc1HdJ6fGa3Ue", UNKNOWN),
    ("mail via {v}\n", "re_Hq4Tz8Kp_Vw2Rm9XbN5sLc7YdJ3fGa6Ue", UNKNOWN),
    ("origin\thttps://{v}@gitlab.acme.io/platform/api.git (fetch)\n", "Xk29dLq0pWm3Zr8YtBv1Nc4Hj7Fs", UNKNOWN),
    ("$ git clone https://{v}@github.com/acme/api.git\n", "4c1e9a7f2b8d03e6a5f1c9b7d2e4a8f0c3b6d915", UNKNOWN),
    ('$ gh secret set ZENDESK_TOKEN --repo acme/api --body "{v}"\n', "nHovFZZwo6Z2p2VwL50m7MNTguXXA8Hv", UNKNOWN),
    ("$ gh secret set API_TOKEN --env prod -R acme/api -b {v}\n", "Tq8vR2mZx5LpW9nK3cYb7HdF", UNKNOWN),
    ("$ gh secret set API_TOKEN --org acme --body={v}\n", "Tq8vR2mZx5LpW9nK3cYb7HdF", UNKNOWN),
    ("const c = {{\n  token: process.env.ZENDESK_TOKEN || '{v}',\n}};\n", "nHovFZZwo6Z2p2VwL50m7MNT", CODE),
    ('const key = process.env.API_KEY ?? "{v}";\n', "Gv4kT9wQ2xZ7pL3mN8rB5cY1", CODE),
    ('variable "db_password" {{\n  type      = string\n  sensitive = true\n  default   = "{v}"\n}}\n',
     "u7Kp2Xq9Lm4Zt8Wv", UNKNOWN),
    ('variable "api_token" {{\n  description = "the token"\n  default = "{v}"\n}}\n', "Zr5Nq8Wt2Lk7Xp4M", UNKNOWN),
    ("HOSTNAME=4f1c2a9e8b7d\nSECRET_KEY={v}\nPORT=3000\n",
     "django-insecure-xtf3t1v1r*oxl)izl_kr3m^qv&s5(z%p%oq6moqk&x+ozu-7=g", UNKNOWN),
    ("MYSQL_ROOT_PASSWORD={v}\n", "ymZ3Ge!xDV4F]cyUP", UNKNOWN),
    ("APP_ENV=production\nAPP_KEY={v}\n", "base64:Xq7vT2mZ9pLw4RbN8sYc1HdJ6fGa3UeK5oQzW0rVt4M=", UNKNOWN),
    ("  encryption_key: {v}\n", "base64:Xq7vT2mZ9pLw4RbN8sYc1HdJ6fGa3UeK5oQzW0rVt4M=", UNKNOWN),
    ("Added to your `.env`: `ZENDESK_API_TOKEN` is now `{v}`. Restart.", "nHovFZZwo6Z2p2VwL50m7MNT", UNKNOWN),
    ("Then set `DB_PASSWORD` to `{v}` in the dashboard.", "u7Kp2Xq9Lm4Zt8Wv", UNKNOWN),
]

NOTHING = [
    ("DISCORD_GUILD_ID={v}\n", "918273645512837465"),
    ("discord_channel_id: {v}\n", "918273645512837465"),
    ("SIGNING_KEY={v}\n", "Int16.parse"),
    ("SIGNING_KEY={v}\n", "Color32.white"),
    ("$ git clone {v}\n", "ssh://git@github.com/acme/api.git"),
    ("origin\t{v} (fetch)\n", "https://jdoe@bitbucket.org/acme/api.git"),
    ("SENTRY_DSN={v}\n", "https://1cdbb7ea0fa67f7daf1d221bf62cb12d@o450123.ingest.sentry.io/5512345"),
    ("$ git clone {v}\n", "https://YOUR_PERSONAL_ACCESS_TOKEN@github.com/acme/api.git"),
    ("DB_PASSWORD={v}\n", "secretRef:db-credentials/password"),
    ("DATABRICKS_TOKEN={v}\n", "op://Engineering/databricks/credential"),
    ("  db_password: {v}\n", "ENC[AES256_GCM,data:Hq4Tz8Kp0Vw2==,iv:Rm9XbN5sLc7YdJ3fGa6UeP1k=,tag:Nw4==,type:str]"),
    ("CLIENT_SECRET={v}\n", "@Microsoft.KeyVault(SecretUri=https://acme-kv.vault.azure.net/secrets/api/)"),
    ("API_TOKEN={v}\n", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-AbCdEf"),
    ("curl -d 'grant_type=client_credentials&db_password={v}&x=1'\n", "op%3A%2F%2FEngineering%2Fdb%2Fpassword"),
    ("curl -d 'grant_type=client_credentials&api_token={v}&x=1'\n", "%24%7BAPI_TOKEN%7D"),
    ("> Authorization: Bearer {v}\n", "op://Engineering/databricks/credential"),
    ("origin\thttps://x-access-token:{v}@github.com/acme/api.git\n", "pul-0000000000000000000000000000000000000000"),
    ('variable "region" {{\n  description = "where"\n  default = "{v}"\n}}\n', "eu-west-1"),
    ("const port = process.env.PORT ?? '{v}';\n", "3000"),
    ("m = {v}(pattern)\n", "re_compile_patterns_for_ever_yone1234"),
    ("PASSWORD={v}\n", "m{x)a(b]c"),
    ("SECRET_CMD={v}\n", "$(vault read -field=token secret/x)"),
    ("DB_HOST={v}\n", "db:5432"),
    ("Here `token` is `{v}`, as the type says.", "string|undefined"),
    ("`apiKey` was `{v}` before the change.", "process.env.KEY"),
    ("The flag `DEBUG_TOKEN_CACHE` is now `{v}`.", "disabled"),
]


# Read through the new views, where detect-secrets' keyword plugin also sees the name: no finding at all.
NO_FINDING = [
    ('$ gh secret set DB_PASSWORD --repo acme/api --body "{v}"\n', "secretRef:db-credentials/password"),
    ('variable "db_password" {{\n  sensitive = true\n  default   = "{v}"\n}}\n', "op://Engineering/db/password"),
    ("const c = {{ dbPassword: process.env.DB_PASSWORD || '{v}' }};\n", "secretRef:db-credentials/password"),
]


def _hits(text: str, value: str, syntax: Syntax = UNKNOWN) -> list:
    start = text.index(value)
    return [f for f in scan_text(text, syntax=syntax) if f.start < start + len(value) and start < f.end]


@pytest.mark.parametrize(("place", "value", "syntax"), SURE)
def test_sure_over_the_value(place: str, value: str, syntax: Syntax) -> None:
    text = place.format(v=value)
    start = text.index(value)
    assert any(f.tier == AUTO and f.start <= start and f.end >= start + len(value)
               for f in _hits(text, value, syntax)), text


@pytest.mark.parametrize(("place", "value"), NOTHING)
def test_no_sure_finding(place: str, value: str) -> None:
    text = place.format(v=value)
    assert not [f for f in _hits(text, value) if f.tier == AUTO], text


@pytest.mark.parametrize(("place", "value"), NO_FINDING)
def test_secret_reference_is_no_finding(place: str, value: str) -> None:
    text = place.format(v=value)
    assert not _hits(text, value), text


# The new readings' floods, 100,000 characters each: linear (about 0.1 s); a reading that went back over
# what it passed would take minutes.
FLOODS = {
    "terraform default": 'variable "a" {' + 'x = "y"\n' * 12_500,
    "gh flags": "gh secret set A" + " -a b" * 20_000,
    "url users": ("://" + "a1" * 140) * 350,
    "env fallbacks": "process.env.A || " * 6_000,
    "vendor names": "discord.app.id: 9 " * 5_500,
}


@pytest.mark.parametrize("name", FLOODS)
def test_flood_is_linear(name: str) -> None:
    started = time.process_time()
    scan_text(FLOODS[name])
    assert time.process_time() - started < 2.0
