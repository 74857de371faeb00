"""Credential files as an agent's log shows them: a service account's key file, a basic-auth header in
code held in a JSON string, and the public halves that look like keys (an RSA public key, the storage
emulator's published account key). Every value here was generated for these tests."""

from __future__ import annotations

import json

import pytest

from tracetui.redact import scan_text
from tracetui.redact.finding import AUTO

KEY_ID = "7c1e94b05fa2d83e6b09c4d1a8f3e527b60d9a14"
SA_FILE = json.dumps({
    "type": "service_account", "project_id": "ledger-prod-5521", "private_key_id": KEY_ID,
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
    "client_email": "ci@ledger-prod-5521.iam.gserviceaccount.com",
}, indent=2)
BASIC = "ZGVwbG95OnR1cm5pcC1rYXlhay00Nw=="  # base64 of a made-up user:password

SURE = [
    ("sa-file", SA_FILE, KEY_ID),
    ("sa-file-cat", "$ cat sa.json\n" + SA_FILE, KEY_ID),
    ("sa-file-written", json.dumps({"file_path": "/srv/sa.json", "content": SA_FILE}), KEY_ID),
    ("sa-yaml", "privateKeyId: " + KEY_ID + "\n", KEY_ID),
    ("basic-code-in-json", json.dumps({"content": f'headers = {{"Authorization": "Basic {BASIC}"}}\n'}), BASIC),
    ("basic-code-in-json-twice",
     json.dumps({"c": json.dumps({"content": f'h = {{"Authorization": "Basic {BASIC}"}}\n'})}), BASIC),
    ("proxy-auth-in-json", json.dumps({"content": f"{{'Proxy-Authorization': 'Basic {BASIC}'}}"}), BASIC),
]


@pytest.mark.parametrize("name,text,value", SURE, ids=[c[0] for c in SURE])
def test_the_value_is_covered_by_a_sure_finding(name, text, value):
    at = text.index(value)
    sure = [f for f in scan_text(text) if f.tier == AUTO and f.start <= at and at + len(value) <= f.end]
    assert sure, (text, scan_text(text))


RSA_PUBLIC = """-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAwTwiNk1h6zY8+1nQAjyiX47IcvbW1mtJDTLGjosd2rSAVduwyDig
IpWrAJXH5Js+JcSqu0AlutIQJfMCX0zah1P2hV6TVwUlQ9uSgH4NYeJZxkUnguJh
Dv6+P8BkKne/bGseis73Q3gmqnpJOdX9tvalT0xb9FcYdFzUWDGwcBHLHu8xqf2n
P6YhoIO596dSie+WHfq7m8slWA68J7jCSQIDAQAB
-----END RSA PUBLIC KEY-----
"""
AZURITE = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

NOTHING = [
    ("rsa-public-key", "$ cat id_rsa.pub.pem\n" + RSA_PUBLIC, "MIIBCgKCAQEA"),
    ("rsa-public-key-in-json", json.dumps({"content": RSA_PUBLIC}), "MIIBCgKCAQEA"),
    ("azurite", f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                f"AccountKey={AZURITE};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;\n", AZURITE),
    ("azurite-json", json.dumps({"Storage": f"AccountName=devstoreaccount1;AccountKey={AZURITE}"}), AZURITE),
    ("basic-placeholder-in-json", json.dumps({"content": 'h = {"Authorization": "Basic <base64>"}'}), "<base64>"),
    ("basic-env-in-json", json.dumps({"content": 'h = {"Authorization": "Basic ${BASIC_AUTH}"}'}), "BASIC_AUTH"),
    ("key-id-of-a-credential", 'jobCredentialsId: "3f9b2a41-7c0e-4d2b-9a51-6e8f0c2d1b7a"\n', "3f9b2a41"),
]


@pytest.mark.parametrize("name,text,value", NOTHING, ids=[c[0] for c in NOTHING])
def test_no_finding_on_the_value(name, text, value):
    at = text.index(value)
    hits = [f for f in scan_text(text) if f.start < at + len(value) and at < f.end]
    assert hits == [], (text, hits)


# A JWT with a backslash inside its payload and signature, as gitleaks' pattern takes one.
JWT = ("eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiOTY4MmUwNzQtNzkxNS\\03MmQ1LTM5MTEtYzliMDhiYjljOTEy"
       "IiwgImlhdCI6IDE3NjAxMzc1OTAsICJleHAiOiAxNzcwNjI3MTkxLCAicm9sZSI6ICJ1c2VyIiwgImlzcyI6ICJodHRwczovL2F1dGgu"
       "YWNtZS5pby8ifQ.qyjvIsjI6p\\ZOgWljziaFzjJgA_UbY-MSDdVYpVrvxfE")
JWT_PLACES = [
    ("env", "API_TOKEN={v}\n", 0),
    ("bearer", 'curl -H "Authorization: Bearer {v}" https://api.acme.io/v1/orders\n', 0),
    ("cookie", "Set-Cookie: session={v}; Path=/; HttpOnly\n", 0),
    ("json", '{{"access_token": "{v}", "expires_in": 3600}}', 1),
    ("json-in-json", '{{"content": "{{\\"access_token\\": \\"{v}\\"}}"}}', 2),
]


@pytest.mark.parametrize("name,place,escapes", JWT_PLACES, ids=[c[0] for c in JWT_PLACES])
def test_a_jwt_with_a_backslash_is_covered_whole(name, place, escapes):
    value = JWT
    for _ in range(escapes):
        value = json.dumps(value)[1:-1]
    text = place.format(v=value)
    at = text.index(value)
    sure = [f for f in scan_text(text) if f.tier == AUTO and f.start <= at and at + len(value) <= f.end]
    assert sure, (text, scan_text(text))


def test_a_jwt_ends_at_a_json_strings_escape():
    jwt = JWT.replace("\\", "")
    text = json.dumps({"content": f"TOKEN={jwt}\nNEXT=1\n"})
    end = text.index(jwt) + len(jwt)
    assert [f for f in scan_text(text) if f.end > end] == []


# `user:password` where the password is the user's name, on this machine: an image's documented default.
DEFAULT_PAIRS = [
    "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app\n",
    "Set `BROKER_URL` to `amqp://guest:guest@127.0.0.1:5672/`.\n",
    'engine = create_engine("mysql://root:root@localhost/app")\n',
]


@pytest.mark.parametrize("text", DEFAULT_PAIRS)
def test_a_local_default_pair_is_a_suggestion_at_most(text):
    assert [f for f in scan_text(text) if f.tier == AUTO] == [], text
    assert scan_text(text), text  # still shown for review


@pytest.mark.parametrize("text", [
    "DATABASE_URL=postgres://postgres:postgres@db.acme.io:5432/app\n",
    "DATABASE_URL=postgres://app:k3Rv9pQz77wL@localhost:5432/app\n",
])
def test_a_pair_elsewhere_or_not_default_stays_sure(text):
    assert [f for f in scan_text(text) if f.tier == AUTO], text


STAND_IN = "dXNlcm5hbWU6cGFzc3dvcmQ="  # base64 of `username:password`
STAND_IN_PLACES = [
    f"curl -H 'Authorization: Basic {STAND_IN}' https://api.example.com\n",
    f"GET /v1 HTTP/1.1\nAuthorization: Basic {STAND_IN}\n",
    json.dumps({"auths": {"registry.example.com": {"auth": STAND_IN}}}),
    # base64 of `admin:<password>`
    "Authorization: Basic " + "YWRtaW46PHBhc3N3b3JkPg==" + "\n",
]


@pytest.mark.parametrize("text", STAND_IN_PLACES)
def test_base64_of_a_stand_in_pair_is_no_finding(text):
    assert scan_text(text) == [], text


CERT_B64 = (
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJJVENCeWFBREFnRUNBZ2tBa3A1bU1iSHdGdXd3Q2dZSUtvWkl6ajBFQXdJd0Z6RVZN"
    "Qk1HQTFVRUF3d00KWVhCcE1pNWhZMjFsTG1sdk1CNFhEVEkyTURFd01UQXdNREF3TUZvWERUSTJNRFF3TVRBd01EQXdNRm93RnpFVgpNQk1H"
    "QTFVRUF3d01ZWEJwTWk1aFkyMWxMbWx2TUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFCllHNm1YMFJDU0NsWDVYV2QwSWhz"
    "VElzRHFhbXFiWW83T1ZmdjBhb2o0V3MvOFR0bnpkOG1EbHNsNjE4SHA0YWYKYlVFZXFUS1dFd2Z4WjNrc1JCUno3REFLQmdncWhrak9QUVFE"
    "QWdOSEFEQkVBaUJLV0VaSko4aldiUU9uNStNUgpZMHVrVy9HaHNseGhFZnl1YTAxbnJiWHhnZ0lnTVRoYk5OaGVQUGoySTB4WHFMNnJBRmd5"
    "QVZLMDFmZExCNFU2CnkxK2wrQ0k9Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"
)
KEY_B64 = (
    "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUZBTXIvK2svUGd0VVhaSzUyczRFVHQ0dWZoeis3SnZwcTF1by85RWNI"
    "UHhvQW9HQ0NxR1NNNDkKQXdFSG9VUURRZ0FFWUc2bVgwUkNTQ2xYNVhXZDBJaHNUSXNEcWFtcWJZbzdPVmZ2MGFvajRXcy84VHRuemQ4bQpE"
    "bHNsNjE4SHA0YWZiVUVlcVRLV0V3ZnhaM2tzUkJSejdBPT0KLS0tLS1FTkQgRUMgUFJJVkFURSBLRVktLS0tLQo="
)
TLS_SECRET = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-tls\ntype: kubernetes.io/tls\ndata:\n"
              f"  tls.crt: {CERT_B64}\n  tls.key: {KEY_B64}\n")


def test_a_tls_secrets_certificate_is_no_finding_and_its_key_is():
    found = scan_text(TLS_SECRET)
    crt, key = TLS_SECRET.index(CERT_B64), TLS_SECRET.index(KEY_B64)
    assert [f for f in found if f.start < crt + len(CERT_B64) and crt < f.end] == []
    assert [f for f in found if f.tier == AUTO and f.start <= key and key + len(KEY_B64) <= f.end]
