"""Classes sec21's labelled set (source code, HTTP traces, credential files, notebooks, in agents' framing)
found: a credential as a call's argument (a setter or builder named for it, a user-and-password call's
password), a header or session cookie as HAR/Postman fields, a PIN under a camel-case name, a password
typed with spaces, a token a notebook printed alone, a bearer token in a template literal, an unquoted
key of symbols (Django's). What must stay no sure finding: a label given to a call named for a token, a
key's name among more arguments, a host and port, a URL, a formula, a stand-in password, a query's named
parameter (`:password`), a template percent-encoded in a URL, base64 of a stand-in pair in a JSON-escaped
header, a path or a version printed alone. Every value here was made for these tests."""

from __future__ import annotations

import pytest
from support.redact_places import assert_flood_linear, frames, place_tests

from tracetui.redact.rules.assignments import assignment_findings, name_value_findings, pin_findings
from tracetui.redact.rules.calls import pair_call_findings, setter_findings
from tracetui.redact.rules.markup import xml_value_findings
from tracetui.redact.rules.notebook import notebook_output_findings

SURE = [
    ('config.setPassword("{v}");\n', "opa6l!tq"),
    ('config.setPasswd("{v}");\n', "quartz-oyster-tulip"),
    ('        .password("{v}"))\n', "Autumn2027@"),
    ('b.withApiKey("{v}")\n', "zsG5wyRYTYxQ0G8m_srgFtqDxAYnuRTefymF09Hh08A"),
    ('user.set_password("{v}")\n', "Winter2024!"),
    ('var c = new NetworkCredential("noreply@acme.io", "{v}");\n', "Autumn2027@"),
    ('conn = DriverManager.getConnection("jdbc:mysql://db/shop", "root", "{v}");\n', "opa6l!tq"),
    ("$pdo = new PDO($dsn, 'root', '{v}');\n", "t6pS$Ac6r7#46"),
    ('client.login("bob", "{v}")\n', "s3cr3t-Pa55"),
    ("conn = connect(user, '{v}')\n", "hunter2!x"),
    ('resp = requests.get(url, auth=("admin", "{v}"))\n', "Will-Xy912"),
    ("Net::SMTP.start('smtp.acme.io', 587, 'acme.io', 'mailer', '{v}', :login)\n", "opa6l!tq"),
    ('auth := smtp.PlainAuth("", "ops@acme.io", "{v}", "smtp.acme.io")\n', "Spring2023#"),
    ('{{"name": "Authorization", "value": "Bearer {v}"}}', "Autumn2027@x"),
    ('[{{\n  "name": "Cookie",\n  "value": "sessionid={v}; theme=dark"\n}}]', "Autumn2027@"),
    ('"cookies": [{{"name": "sessionid", "value": "{v}", "httpOnly": true}}]', "Autumn2027@"),
    ("adminPin: {v}\n", "23828218"),
    ('AdminPin: "{v}",\n', "68050618"),
    ("    'admin_pin' => '{v}',\n", "482913"),
    ("<password>{v}</password>\n", "Ivory pebble 367?"),
    ('db_password = "{v}"\n', "Hollow jigsaw 631."),
    ('{{"output_type": "execute_result", "data": {{"text/plain": ["\'{v}\'"]}}}}',
     "zsG5wyRYTYxQ0G8m_srgFtqDxAYnuRT"),
    ('{{"output_type": "stream", "text": ["{v}\\n"]}}', "acme_prod_yfSCimodFN43raNfEIkgyheQFgZY"),
    ('config.setUserPassword("{v}");\n', "opa6l!tq"),
    ('config.setSmtpPass("{v}");\n', "61Oj$KOd3d#64"),
    ('c.setSecretAccessKey("{v}");\n', "2VNnX1iIiUGADVgf1SE3cc3TWMdshs/vwwAp/0f/"),
    ("  headers: {{ Authorization: `Bearer {v}` }},\n", "opa6l!tq"),
    ("access-token: {v}\ncontext: default\n", "a*_zk(b^soc%ih8*4_h8e2i^0iv))@ees#qv)escu6a^^6q^oa"),
]

NOT_SURE = [
    ("util_1.NullThrowsReasons.MissingToken('{v}', node.type));\n", "export"),
    ('authStorage.setRuntimeApiKey("{v}", "test-key");\n', "anthropic"),
    ('x = getToken("{v}")\n', "github"),
    ('lexer.token("{v}")\n', "IDENT"),
    ('sock.connect("localhost", "{v}")\n', "8080"),
    ('client.login("bob", "{v}")\n', "password"),
    ('reconnect(user, "{v}")\n', "opa6l!tq"),
    ("spin: {v}\n", "482913"),
    ('stmt = db.prepare("UPDATE users SET pw = ?"); o.Password = "{v}";\n', ":password"),
    ("<password>{v}</password>\n", ":new_password"),
    ("uri=mongodb://svc:{v}@mongo:27017/app\n", "%7Bpassword%7D"),
    ("https://ci-bot:{v}@github.com\n", "%24%7BAPI_SECRET%7D"),
    ("uri=mongodb://svc:{v}@mongo:27017/app\n", "%3Credacted%3E"),
    (r"> Authorization: Basic {v}\r\n> Content-Length: 2\r\n", "ZGVwbG95OjxwYXNzd29yZD4="),
    ("<password>{v}</password>\n", "see the docs 2"),
    ("<db_password>{v}</db_password>\n", "Set it in vault 1"),
    ('{{"output_type": "stream", "text": ["{v}\\n"]}}', "3c579ed014840f304bc1896fad629aee1827e998"),
    ('{{"output_type": "stream", "text": ["{v}\\n"]}}', "ml/Checkpoints/RunB7x/epoch_12.pt"),
    ('{{"output_type": "execute_result", "data": {{"text/plain": ["\'{v}\'"]}}}}', "gpt-4o-2024-08-06"),
    ('m.bypass("{v}")\n', "Xk9vP2qLm1"),
    ('x.getUserPassword("{v}")\n', "Xk9vP2qLm1"),
    ("  headers: {{ Authorization: `Bearer {v}` }},\n", "${token}"),
    ("`dev.credentials.url={v}`,\n", "dev-lb1.api.f4ke.com:5215"),
    ("auth_url: {v}\n", "https://login.microsoftonline.com/common/oauth2/v2.0/token?x=1&y=2"),
    ("secret: {v}\n", "compute(a,b)+x[1]*y^2%z"),
]

FRAMES = frames("har/app.har")



# A HAR's and a Kubernetes env list's name/value pairs with a line between, in each framing.
SPLIT_PAIRS = [
    ('{{\n  "name": "Authorization",\n  "value": "Bearer {v}"\n}}', "Autumn2027@x"),
    ('{{\n  "name": "sessionid",\n  "value": "{v}"\n}}', "Autumn2027@"),
    ("env:\n- name: DB_PASSWORD\n  value: {v}\n", "Xq7vT2mZ9pLw4RbN"),
]


test_sure_over_the_value, test_sure_in_a_framing, test_no_sure_finding = place_tests(
    SURE, [SURE[0], SURE[5], SURE[21], *SPLIT_PAIRS], FRAMES, NOT_SURE
)


# The new readings' floods on one line (60,000 characters), read by their rule alone: linear. Each unit
# holds the pattern's whole match, so every one is read on to its end (a value the judge turns away at
# once, so the time is the reading's).
FLOODS = {
    "setters": (setter_findings, 'a.setPassword("x") '),
    "setter names": (setter_findings, "a" * 40 + 'Token("'),
    "pair calls": (pair_call_findings, 'login(user, "x") '),
    "pair arguments": (pair_call_findings, "connect(" + "a," * 20),
    "header fields": (name_value_findings, '{"name": "Authorization", "value": "Bearer x"} '),
    "session cookies": (name_value_findings, '{"name": "sessionid", "value": "x"} '),
    "camel pins": (pin_findings, "adminPin: 4829131 "),
    "notebook outputs": (notebook_output_findings, '"text/plain": ["\'zsG5wyRYTYxQ0G8m_srgFtqDxAYnuRT\'"], '),
    "spaced xml": (xml_value_findings, "<password>Ivory " + "pebble " * 60 + "</pass> "),
    "split pairs": (name_value_findings, '"name": "a",\n' + " \t" * 30_000 + "\n"),
    "symbol keys": (assignment_findings, "access-token: a*_zk(b^soc%ih8*4_h8e2i^0iv)@ees#qv)escu6a^^6\n"),
}


@pytest.mark.parametrize("name", FLOODS)
def test_flood_is_linear(name: str) -> None:
    assert_flood_linear(*FLOODS[name])
