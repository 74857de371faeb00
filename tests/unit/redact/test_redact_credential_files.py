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
