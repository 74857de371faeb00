"""Places sec17's labelled set found missed or over-read: JSON escaped three and four deep, SQL's
`IDENTIFIED BY`, a drawn table's name and value cells, a query parameter under a vendor's name, a
server's documented default pair by where its host is, stand-in URL pairs and cookies, and a header's
scheme named in prose. Every value here was generated for these tests."""

from __future__ import annotations

import json

import pytest

from tracetui.redact import scan_text
from tracetui.redact.finding import AUTO
from tracetui.redact.syntax import CODE, UNKNOWN

KEY = "5oaZNV8ehjLPVyhUML4eiq6f"
TOKEN = "aEcjPbLHM0d82SrNBKo8C3fLXapH"
PASSWORD = "DtU0mc!LRKgfb33dWLo"
SESSION = "gEtSVFK5yO2yBH4dWQOmybA5TMVBZEGg"


def _escaped(value: str, depth: int) -> str:
    for _ in range(depth):
        value = json.dumps(value)[1:-1]
    return value


def _triple(name: str, value: str) -> str:
    inner = json.dumps({"file_path": "/home/dev/.config/app.json", "content": json.dumps({name: value})})
    return json.dumps({"type": "tool_result", "content": inner})


def _quad(name: str, value: str) -> str:
    return json.dumps({"message": json.dumps({"input": json.dumps({"content": json.dumps({name: value})})})})


def _box(name: str, value: str) -> str:
    w = len(value) + 2
    return (f"┌─────────────┬{'─' * w}┐\n│ Key         │ {'Value'.ljust(len(value))} │\n"
            f"│ {name.ljust(11)} │ {value} │\n│ REGION      │ {'eu-west-1'.ljust(len(value))} │\n"
            f"└─────────────┴{'─' * w}┘\n")


# (case, text, syntax, the value as the text writes it): covered whole by sure findings.
SURE = [
    ("json-three-deep", _triple("db_password", PASSWORD), UNKNOWN, _escaped(PASSWORD, 3)),
    ("json-three-deep-docker-auth", _triple("auth", KEY), UNKNOWN, KEY),
    ("json-four-deep", _quad("api_token", TOKEN), UNKNOWN, TOKEN),
    ("sql-identified-by", f"CREATE USER 'app'@'%' IDENTIFIED BY '{PASSWORD}';\n", UNKNOWN, PASSWORD),
    ("sql-identified-with", f"ALTER USER 'app'@'%' IDENTIFIED WITH caching_sha2_password BY '{PASSWORD}';",
     UNKNOWN, PASSWORD),
    ("sql-grant-identified", f"GRANT ALL ON app.* TO 'app'@'%' IDENTIFIED BY \"{PASSWORD}\";", UNKNOWN,
     PASSWORD),
    ("sql-oracle-unquoted", f"CREATE USER app IDENTIFIED BY {TOKEN};", UNKNOWN, TOKEN),
    ("sql-in-json", json.dumps({"command": f"mysql -e \"CREATE USER 'a'@'%' IDENTIFIED BY '{PASSWORD}'\""}),
     UNKNOWN, PASSWORD),
    ("box-table", _box("DB_PASSWORD", PASSWORD), UNKNOWN, PASSWORD),
    ("box-table-token", _box("API_TOKEN", TOKEN), UNKNOWN, TOKEN),
    ("query-vendor-key-fstring",
     f'url = f"https://api.acme.io/v1/items?page={{page}}&acme_api_key={KEY}"\n', CODE, KEY),
    ("query-vendor-token", f"GET https://api.acme.io/v1?q=1&github_token={TOKEN} 200\n", CODE, TOKEN),
    ("default-pair-public-host", "DATABASE_URL=postgres://postgres:postgres@db.acme-prod.io:5432/app\n",
     UNKNOWN, "postgres:postgres"),
    ("bare-table", f"NAME            | VALUE\nDB_PASSWORD     | {PASSWORD}\nREGION          | eu-west-1\n",
     UNKNOWN, PASSWORD),
    ("bare-table-coloured",
     f"\x1b[1mNAME       \x1b[0m | VALUE\nAPI_TOKEN   | \x1b[33m{TOKEN}\x1b[0m\nREGION      | eu-west-1\n",
     UNKNOWN, TOKEN),
    ("redis-requirepass", f"# redis.conf\nbind 0.0.0.0\nrequirepass {PASSWORD}\nmaxmemory 256mb\n", UNKNOWN,
     PASSWORD),
    ("az-login-p", f"az login --service-principal -u 8f0e3c2a-1b4d -p {PASSWORD} --tenant acme.io", UNKNOWN,
     PASSWORD),
    ("connection-string",
     json.dumps({"Default": f"Server=tcp:sql.acme.io;User Id=app;Password={KEY};Encrypt=1;"}), UNKNOWN, KEY),
    ("letters-only-password", "REDIS_PASSWORD=XqhzQwUoAeMbnuYCNWSoUwp\n", UNKNOWN, "XqhzQwUoAeMbnuYCNWSoUwp"),
    ("letters-only-password-yaml", "    env:\n      SMTP_PASSWORD: PlkWqEoRtzYuXnMbvCaS\n", UNKNOWN,
     "PlkWqEoRtzYuXnMbvCaS"),
    ("cookie-session", f"curl https://app.acme.io/me -H 'Cookie: sessionid={SESSION}; theme=dark'", UNKNOWN,
     SESSION),
]


@pytest.mark.parametrize("case,text,syntax,value", SURE, ids=[c[0] for c in SURE])
def test_a_value_in_these_places_is_found_sure_and_whole(case, text, syntax, value):
    a = text.index(value)
    b = a + len(value)
    pos = a
    for f in sorted((f for f in scan_text(text, syntax=syntax) if f.tier == AUTO), key=lambda f: f.start):
        if f.start <= pos < f.end:
            pos = f.end
    assert pos >= b, (case, [(text[f.start:f.end], f.tier) for f in scan_text(text, syntax=syntax)])


# A documented default pair on a host the internet does not reach: shown for review, never sure.
PRIVATE_DEFAULTS = [
    "DATABASE_URL=postgres://postgres:postgres@db.example.com:5432/app\n",
    "      - DATABASE_URL=postgresql://postgres:postgres@postgres:5432/shop\n",
    "AMQP_URL=amqp://guest:guest@10.0.3.7:5672/\n",
    'engine = create_engine("mysql://root:root@mysql.internal/app")\n',
    "REDIS_URL=redis://admin:admin@192.168.1.20:6379/0\n",
    "ES_URL=http://elastic:changeme@search.local:9200\n",
]


@pytest.mark.parametrize("text", PRIVATE_DEFAULTS)
def test_a_default_pair_on_a_private_host_is_a_suggestion_at_most(text):
    assert [f for f in scan_text(text) if f.tier == AUTO] == [], text


# Nothing here is a credential: the shape of one written out, or a word about one.
NOTHING = [
    "DATABASE_URL=postgres://user:password@localhost:5432/app\n",
    "DATABASE_URL=postgres://myuser:mypassword@db.example.com:5432/app\n",
    "DATABASE_URL=postgres://root:changeme@db:5432/app\n",
    "curl https://app.acme.io/me -H 'Cookie: sessionid=${SESSION_ID}; theme=dark'",
    "set-cookie: session=<token>; Path=/; HttpOnly; Secure\n",
    "set-cookie: session=changeme; Path=/; HttpOnly\n",
    "The auth scheme (`Authorization: Bearer`), the idempotency key header (`Idempotency-Key`).",
    "Requests are identified by 'request_id' in the logs; users identified by their email.\n",
    "CREATE USER 'app'@'%' IDENTIFIED BY '${DB_PASSWORD}';\n",
    "GET /v1/items?next_page_token=CiAKGjBpNDd2Nmp2Zml2cXRwYjBp&limit=50\n",
    '{"nextPageToken": "CiAKGjBpNDd2Nmp2Zml2cXRwYjBp", "items": []}',
    '{"Default": "Server=tcp:sql.acme.io;User Id=app;Password=changeme;Encrypt=True;"}',
    "url=jdbc:mysql://db.acme.io:3306/app?user=app&password=changeme&useSSL=true\n",
    "$ ls | grep token\ntoken.txt\n",
    *[f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  password: {b}\n"
      for b in ("KioqKioqKio=", "JHtEQl9QQVNTV09SRH0=", "PHlvdXItYXBpLWtleT4=")],  # ********, ${…}, <…>
    "masterauth <password>\n",
]


@pytest.mark.parametrize("text", NOTHING)
def test_a_stand_in_or_a_word_is_nothing(text):
    assert scan_text(text) == [], [(text[f.start:f.end], f.tier, f.detector) for f in scan_text(text)]


@pytest.mark.parametrize("b64", ["aHVudGVyMg==", "Y2hhbmdlbWU="])  # a short password; `changeme`, maybe the one set
def test_a_secrets_word_value_stays_sure(b64):
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  password: {b64}\n"
    assert [f for f in scan_text(text) if f.tier == AUTO], b64


def test_a_stand_in_pair_on_a_public_host_stays_a_suggestion():
    # It may be a real pair: detect-secrets' labelled case (`username:password@` a public host) flags it.
    text = "https://username:password@api.acme-prod.io/v1\n"
    found = scan_text(text)
    assert found and all(f.tier != AUTO for f in found)
