"""Classes sec20's labelled set (framework and config shapes inside agents' log framing) found: a passphrase
of plain words or a short made password under a password's name, digits as a password, base64 with slashes,
a PIN or one-time code, PowerShell's `ConvertTo-SecureString`, a web server's `Authorization` directive, a
UUID or percent-encoded token as a URL's user, config directives (`auth_pass X`), a Wi-Fi `psk`, XML settings
named in an attribute, secret stores' and Oracle's commands. What must stay no sure finding: sentences,
settings' names and paths, a board's pin, counting digits, a Sentry DSN's key, a time UUID, templates
(Symfony's `%env(…)%`, `env('X')`, a DSN's stand-in password). Every value here was made for these tests."""

from __future__ import annotations

import pytest
from support.redact_places import assert_flood_linear, frames, place_tests

from tracetui.redact.rules.assignments import assignment_findings, pin_findings
from tracetui.redact.rules.commands import secure_string_findings, store_findings
from tracetui.redact.rules.markup import xml_value_findings

SURE = [
    ("spring:\n  datasource:\n    password: {v}\n", "juniper-iris-mosaic-anchor-pillow"),
    ('  keyPassphrase: "{v}"\n', "yonder umbra juniper glacier nectar"),
    ("RELEASE_STORE_PASSWORD={v}\n", "correct_horse_battery_staple"),
    ("GPG_PASSPHRASE={v}\nPORT=3000\n", "ember prism prism lunar22"),
    ("<password>{v}</password>\n", "thistle-basalt-lantern-orchid-42"),
    ("  vault_password: {v}\n  other: 1\n", "thistle basalt lantern orchid 42"),
    ("ansible_become_password: {v}\n", "ezA1oobx"),
    ("  password: {v}\n", "ohXo0ahT"),
    ("    encryptionKey: {v}\n", "EyRyj/dP64Lb4fq7hJEKw/KKXowyJPnI"),
    ("MAIL_ENCRYPTION_KEY={v}\n", "EyRyj/dP64Lb4fq7hJEKw/KKXowyJPnI"),
    ("spring.datasource.key-passphrase={v}\nlogging.level=INFO\n", "yonder umbra juniper glacier nectar"),
    ("Server=sql.acme.io;Uid=app;Pwd={v};Encrypt=yes\n", "yonder umbra juniper glacier nectar"),
    ('  password: "{v}"\n', "131078"),
    ("<password>{v}</password>\n", "29169184"),
    ("ADMIN_PIN={v}\n", "482913"),
    ('{{"otp": "{v}", "user": "ops"}}', "30571842"),
    ("  pin_code: {v}\n", "771204"),
    ("$s = ConvertTo-SecureString '{v}' -AsPlainText -Force\n", "Tq8v!R2mZx"),
    ('$s = ConvertTo-SecureString -AsPlainText -Force -String "{v}"\n', "u7Kp2Xq9Lm4Zt8Wv"),
    ("'{v}' | ConvertTo-SecureString -AsPlainText -Force\n", "Hq4Tz8Kp_Vw2"),
    ('    proxy_set_header Authorization "Basic {v}";\n', "YWRtaW46dTdLcDJYcTlMbTRadDhXdg=="),
    ('RequestHeader set Authorization "Bearer {v}"\n', "Rm9XbN5sLc7YdJ3fGa6UeP1kQz"),
    ("$ git clone https://{v}@git.heroku.com/acme-api.git\n", "833d2a5f-f182-46cf-a43b-fc7860be8b64"),
    ("origin\thttps://{v}@git.acme.io/a.git (fetch)\n", "EyRyj%2FdP64Lb4fq7hJEKw%2FKKXowyJPnI"),
    ("    auth_type PASS\n    auth_pass {v}\n", "c5nVT!jN3Zr6!72"),
    ("binddn cn=nslcd,dc=acme\nbindpw {v}\n", "Xq7vT2mZ9pLw4RbN"),
    ('network={{\n    ssid="Acme"\n    psk="{v}"\n}}\n', "rCDomP2htTSywPgDBoR8FsPThVi3iEFk3m"),
    ('    <property name="connection.password">{v}</property>\n', "c5nVT!jN3Zr6!72"),
    ("$ sqlplus scott/{v}@//db.prod.acme.io:1521/ORCLPDB1\n", "Tq8v!R2mZx"),
    ('$ dotnet user-secrets set "Smtp:Password" "{v}"\n', "c5nVT!jN3Zr6!72"),
    ("$ az keyvault secret set --vault-name kv --name db --value '{v}'\n", "Hq4Tz8Kp_Vw2!x"),
    ("$ aws secretsmanager create-secret --name prod/db --secret-string {v}\n", "Xq7vT2mZ9pLw4RbN"),
]

NOT_SURE = [
    ("password: {v}\n", "use-the-env-var-instead"),
    ("password: {v}\n", "not-set-in-dev"),
    ("db_password: {v}\n", "vault_secret_lookup_value"),
    ("password = {v}\n", "same as above"),
    ("password: {v}\n", "tundra-tundra-tundra-tundra"),
    ("password: {v}\n", "userPassword"),
    ("password={v}\n", "getPassword"),
    ("  encryption_key_file: {v}\n", "Users/Dev2/Documents/ProjectX"),
    ("  signing_key: {v}\n", "charts/Api2/templates/Deployment3"),
    ("PASSWORD_RESET_TIMEOUT = {v}\n", "259200"),
    ("  password: {v}\n", "123456"),
    ("pin: {v}\n", "13"),
    ("otp: {v}\n", "123456"),
    ("ping: {v}\n", "482913"),
    ("spin={v}\n", "482913"),
    ("$s = ConvertTo-SecureString '{v}' -AsPlainText -Force\n", "<your-password>"),
    ("$s = ConvertTo-SecureString '{v}' -Key $key\n", "76492d1116743f0423413b16050a5345"),
    ("Use the authorization {v} for that.\n", "basic credentials"),
    ("SENTRY_DSN=https://{v}@o1.ingest.sentry.io/5\n", "833d2a5f-f182-46cf-a43b-fc7860be8b64"),
    ("$ git clone https://{v}@git.acme.io/a.git\n", "3f1b5e9a-7c2d-11ee-b962-0242ac120002"),
    ("database_password: '{v}'\n", "%env(DB_PASSWORD)%"),
    ('  <password>{v}</password>\n', "%env(resolve:DB_PASSWORD)%"),
    ('\tdsn := "shop:{v}@tcp(db.acme.io:3306)/shop"\n', "${DB_PASSWORD}"),
    ('\tdsn := "shop:{v}@tcp(db.acme.io:3306)/shop"\n', "changeme"),
    ('    <property name="connection.password">{v}</property>\n', "env('DB_PASSWORD')"),
    ("    'password' => {v},\n", "env('DB_PASSWORD', '')"),
    ('    <property name="hibernate.dialect">{v}</property>\n', "PostgreSQL95Dialect2"),
    ("token {v}\n", "expired"),
    ("Password reset {v}\n", "sent"),
]

# Agents' framings of one text: a tool result JSON-escaped in a JSONL line, a diff hunk, `cat -n`, `grep -n`.
FRAMES = frames("config/app.yml")



FRAMED = ("datasource", "ohXo0ahT", "ADMIN_PIN", "heroku", "auth_pass", "connection.password", "user-secrets")


test_sure_over_the_value, test_sure_in_a_framing, test_no_sure_finding = place_tests(
    SURE, [c for c in SURE if any(w in c[0] + c[1] for w in FRAMED)], FRAMES, NOT_SURE
)


# The new readings' floods on one line (60,000 characters; 200,000 for the one that was quadratic), read
# by their rule alone (a few hundredths of a second): linear. A rule that went back to the line's start
# for each match takes seconds (the PowerShell rule did: 0.5 s here, 7.5 s at 840,000 characters).
FLOODS = {
    "directives": (assignment_findings, "x auth_pass Xq7vT2mZ9pLw "),
    "secure strings": (secure_string_findings, "ConvertTo-SecureString 'a1b2c3d4' -Force; "),
    "pins": (pin_findings, 'pin="4829131" otp: 30571 '),
    "stores": (store_findings, "az keyvault secret set --name a "),
    "oracle": (store_findings, "sqlplus a/b "),
    "xml settings": (xml_value_findings, '<property name="password">'),
}


@pytest.mark.parametrize("name", FLOODS)
def test_flood_is_linear(name: str) -> None:
    rule, unit = FLOODS[name]
    assert_flood_linear(rule, unit, 200_000 if name == "secure strings" else 60_000)
