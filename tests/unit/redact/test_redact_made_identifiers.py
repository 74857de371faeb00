"""Values sec18's labelled set found missed or over-read: a made password shaped like a code identifier
under a credential's name (a prefix on random case, a capitalised word and a number joined to a word), a
Discord application's id, a vendor's `hex:hex` pair, a Secret's base64 of a whole file of stand-ins; and
the code identifiers that must stay nothing. Every value here was generated for these tests."""

from __future__ import annotations

import base64
import json

import pytest

from tracetui.redact import scan_text
from tracetui.redact.finding import AUTO
from tracetui.redact.text_checks import generated_identifier

# A short prefix on random case, and a person's word-number-word password (generated, seed 1801).
MADE = ["qz_RkVbtWpXcJm", "hl.MxqJrTvBnkD", "Lantern1984.orchid", "Cinder57_raven", "wpt-ZtKhbQcnPfL"]
# Code's identifiers: bit widths, versions, camel-case words, abbreviations.
CODE = ["Int32.MaxValue", "Base64.decode", "Sha256.digest", "Vue3.config", "self.password", "getApiToken",
        "SetUpTLSForDB", "getHttpSrcCtx", "isUpToDate", "config.secretKey", "kv_dbPassword",
        "XMLHttpRequest.token", "tf_secretValue"]
PLACES = [
    "SIGNING_KEY={v}\n",
    "docker run -d -e CLIENT_SECRET={v} acme/api:1.4.2",
    "helm upgrade --install api ./chart --set webhookSecret={v}",
    "app.jwt.secret={v}\nlogging.level.root=INFO\n",
    "    env:\n      API_TOKEN: {v}\n",
]


def _sure_over(text: str, value: str) -> bool:
    start = text.index(value)
    return any(f.tier == AUTO and f.start <= start and f.end >= start + len(value) for f in scan_text(text))


@pytest.mark.parametrize("value", MADE)
def test_made_shape_is_generated(value: str) -> None:
    assert generated_identifier(value)


@pytest.mark.parametrize("value", CODE)
def test_code_identifier_is_not_generated(value: str) -> None:
    assert not generated_identifier(value)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("value", MADE)
def test_made_identifier_under_a_credential_name_is_sure(place: str, value: str) -> None:
    assert _sure_over(place.format(v=value), value)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("value", CODE)
def test_code_identifier_under_a_credential_name_is_nothing(place: str, value: str) -> None:
    text = place.format(v=value)
    start = text.index(value)
    assert not [f for f in scan_text(text) if f.start < start + len(value) and start < f.end]


@pytest.mark.parametrize("text", [
    "DISCORD_CLIENT_ID=873402169512047361\n",
    "docker run -e discordClientId=1093487265019283746 acme/bot:2",
    "--set discord.client.id=914736205813579402",
])
def test_discord_application_id_is_sure(text: str) -> None:
    value = text.split("=")[1].split()[0]
    assert _sure_over(text, value)


@pytest.mark.parametrize("text", [
    "CLIENT_ID=873402169512047361\n",  # a numeric id under no vendor's name stays as it was: nothing sure
    "DISCORD_CLIENT_ID=1234567890123456789\n",  # counting digits
])
def test_other_numeric_ids_are_not_sure(text: str) -> None:
    value = text.split("=")[1].split()[0]
    assert not _sure_over(text, value)


@pytest.mark.parametrize("text", [
    "docker run -e sidekiqProCredentials=4b7e19c2:a03f58d6 acme/api",
    "helm upgrade api ./chart --set contribsysCredentials=e81d4a07:5c29b3f0",
    "SIDEKIQ_CREDENTIALS=90af3e1c:7d24b86e\n",
])
def test_hex_pair_under_a_credential_name_is_sure(text: str) -> None:
    value = text.split("=")[1].split()[0]
    assert _sure_over(text, value)


@pytest.mark.parametrize("text", [
    "GIT_RANGE=4b7e19c2:a03f58d6\n",  # not a credential's name
    "auth_token: deadbeef:cafebabe",  # hex words, no digit: the colon still reads as structure
])
def test_hex_pair_elsewhere_is_not_sure(text: str) -> None:
    value = text.split()[-1].split("=")[-1]
    assert not _sure_over(text, value)


def _secret(filename: str, body: str) -> tuple[str, str]:
    blob = base64.b64encode(body.encode()).decode()
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  {filename}: {blob}\n"
    return text, blob


STAND_IN_FILES = [
    (".env", "NODE_ENV=production\nAPI_TOKEN=${API_TOKEN}\nPORT=8080\n"),
    (".env", "# app\nexport DB_PASSWORD=<your-db-password>\nSMTP_PASSWORD=********\n"),
    ("config.json", json.dumps({"apiKey": "{{ .Values.apiKey }}", "region": "eu-west-1"})),
    ("config.json", json.dumps({"db": {"password": "REDACTED", "host": "db"}, "token": "%(token)s"})),
]
REAL_FILES = [
    (".env", "NODE_ENV=production\nAPI_TOKEN=Xk29dLq0ZpR7vN3wTb\nPORT=8080\n"),
    (".env", "API_TOKEN=${API_TOKEN}\nSTRIPE=sk9Qm2xLr7VbT4nKp8Wd3Z\n"),  # a key under a name that hides it
    (".env", "DB_PASSWORD=changeme\n"),  # a plain word may be the password set
    ("config.json", json.dumps({"apiKey": "<your-key>", "clientSecret": "q8Vd0LmZ3rTx7NcW2pKs"})),
    ("app.txt", "just some text with ${API_TOKEN} in it\n"),  # not a file of entries
]


@pytest.mark.parametrize("filename,body", STAND_IN_FILES)
def test_secret_of_a_stand_in_file_is_nothing(filename: str, body: str) -> None:
    text, blob = _secret(filename, body)
    start = text.index(blob)
    assert not [f for f in scan_text(text) if f.start < start + len(blob) and start < f.end]


@pytest.mark.parametrize("filename,body", REAL_FILES)
def test_secret_of_a_file_with_a_value_stays_sure(filename: str, body: str) -> None:
    text, blob = _secret(filename, body)
    assert _sure_over(text, blob)
