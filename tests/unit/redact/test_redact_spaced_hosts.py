"""Classes sec22's labelled set found: a password typed with spaces unquoted on a config line, three-word
passphrases, a key under its registry's host or name (`.gem/credentials`, Composer's `auth.json`), a short
password on a config line, a short value under a key header's name, and what a notebook printed alone after a
cell that showed a credential's variable. What must stay no sure finding: stand-ins and sentences with
spaces, YAML's indicators, a header's stand-in or a schema's word, a digest under a symbol, and what a
tokenizer or a count printed. Every value here was made for these tests."""

from __future__ import annotations

import pytest
from support.redact_places import assert_flood_linear, frames, place_tests

from tracetui.redact.rules.assignments import assignment_findings
from tracetui.redact.rules.headers import context_findings
from tracetui.redact.rules.host_keys import host_key_findings
from tracetui.redact.rules.notebook import notebook_output_findings

SURE = [
    ("[database]\nhost = db\npassword = {v}\nport = 5432\n", "correct horse battery"),
    ("DB_PASSWORD={v}\nDB_PORT=5432\n", "my secret pass"),
    ("database:\n  password: {v}\n  host: db\n", "velvet canyon 42"),
    ("spring.datasource.password={v}\n", "Ivory pebble 367?"),
    ("export SMTP_PASSWORD={v}\n", "blue prairie mango$"),
    ('{{"db": {{"password": "{v}"}}}}\n', "quartz-oyster-tulip"),
    ("password: {v}\n", "saffron_walnut_glacier"),
    ("[acme]\nusername = deploy\npassword = {v}\n", "krp51eje"),
    ("[acme]\nusername = deploy\npassword = {v}\n", "Dna#Ihoj"),
    ("---\n:rubygems_api_key: rubygems_0f3a\n:acme: {v}\n", "vDWrSGRsvDggtLGURzjEHYBd"),
    (":acme_internal: {v}\n", "7e5d68735d4dcbb7114d3c26f71c1cd5"),
    ("---\nhttps://gems.acme.io: {v}\n", "3303d8105b21887bd81ed81750a67ca0"),
    ('{{\n  "github-oauth": {{\n    "github.com": "{v}"\n  }}\n}}\n',
     "45dfb09d95c3891b4175592cdecae0883f078819"),
    ('{{"gitlab-token": {{"gitlab.acme.io": "{v}"}}}}\n', "tAbOmntVFVxgWztPaUj4"),
    ('{{"bearer": {{"repo.acme.io": "{v}"}}}}\n', "bb4d8a6e-4e17-4291-8320-ac8bc9ede0da"),
    ("X-Figma-Token: {v}\n", "nlr917fsw"),
    ('headers = {{"X-RapidAPI-Key": "{v}"}}\n', "ynh423hei"),
    ("Ocp-Apim-Subscription-Key: {v}\n", "q32j0x0qd"),
    ("http GET https://api.acme.io/v1 apikey:{v}\n", "wva355heg"),
    ('curl -H "Authorization: Key {v}" https://api.acme.io\n', "b10b4e87f99b"),
    ("X-Vault-Token: {v}\n", "u63qj1h"),
    ('{{"cells": [{{"cell_type": "code", "outputs": [{{"output_type": "execute_result", "data": '
     '{{"text/plain": ["\'{v}\'"]}}}}], "source": ["api_key = os.environ[\\"OPENAI_API_KEY\\"]\\n", '
     '"api_key"]}}]}}', "opa6l!tq"),
    ('{{"cells": [{{"cell_type": "code", "outputs": [{{"output_type": "stream", "text": ["{v}\\n"]}}], '
     '"source": ["pw = getpass()\\n", "print(db_password)"]}}]}}', "walnut moon silver"),
    ("In [3]: db_password\nOut[3]: '{v}'\n\nIn [4]: ", "Autumn2027@"),
    ("In [3]: print(token)\n{v}\n\nIn [4]: ", "krc9F3LbTfvOJ"),
    ('DB_PASSWORD="{v}"\n', "my secret pass"),
    ("[db]\npassword = {v}   # rotated monthly\n", "correct horse battery"),
    ("password = {v} # rotate\n", "hunter2x"),
    ("proxy_set_header X-Api-Key {v};\n", "p2pwowl4"),
    ('RequestHeader set X-Api-Key "{v}"\n', "gPqbEZvY"),
    ('"header": [{{"key": "X-Api-Key", "value": "{v}"}}]', "jftyNdksX"),  # sure on main, lost, found again
    ("X-Api-Key: {v}\n", "jftyNdksX"),
    ("axios.defaults.headers.common['X-API-KEY'] = '{v}';\n", "zeh398"),
    ('req.Header.Set("X-Api-Key", "{v}")\n', "wbb916ttu"),
    ('{{"cells": [{{"cell_type": "code", "outputs": [{{"output_type": "execute_result", "data": '
     '{{"text/plain": ["\'{v}\'"]}}}}], "source": ["import os\\n", "os.getenv(\\"DB_PASSWORD\\")"]}}]}}',
     "Autumn2027@"),
]

NOT_SURE = [
    ("[database]\npassword = {v}\n", "your password here"),
    ("DB_PASSWORD={v}\n", "set in CI"),
    ("database:\n  password: {v}\n", "too short"),
    ("database:\n  password: {v}\n", "!vault |"),
    ("password: {v}\n", "str = Field(...)"),
    ("password: {v}\n", "string | null"),
    ("DB_PASSWORD={v}\n", "$DB_PASS other"),
    ("password = {v}\n", "same as above"),
    ('someotherpassword = "{v}"\n', "doesnt start right"),
    ("password: {v}\n", "plain-text-mode"),
    ("password: {v}\n", "foo-bar-baz"),
    ("password = {v}\n", "!vault"),
    (":sha256: {v}\n", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    ("https://acme.io/docs: {v}\n", "see the install guide"),
    ('{{"github-oauth": {{"github.com": "{v}"}}}}\n', "<token>"),
    ('{{"require": {{"acme.io": "{v}"}}}}\n', "3303d8105b21887bd81ed81750a67ca0"),
    ("X-Api-Key: {v}\n", "required"),
    ("X-Api-Key: {v}\n", "${API_KEY}"),
    ("X-Request-Id: {v}\n", "abc123xyz"),
    ("Authorization: Token {v}\n", "<token>"),
    ("In [3]: tokenizer\nOut[3]: '{v}'\n", "bert-base-uncased"),
    ("In [3]: api_key\nOut[3]: '{v}'\n", "<your-key>"),
    ("In [3]: token_count\nOut[3]: {v}\n", "4096"),
    ('DB_PASSWORD="{v}"\n', "your password here"),
    ("allowedHeaders: ['X-Api-Key', '{v}']\n", "Authorization"),
    ('add_header Access-Control-Allow-Headers "Content-Type, X-Api-Key, {v}";\n', "Authorization"),
    ("  result.apiKey = {v};\n", "args[++i]"),
    ("The X-Api-Key header is {v}.\n", "required"),
]

FRAMES = frames("conf/settings")


test_sure_over_the_value, test_sure_in_a_framing, test_no_sure_finding = place_tests(
    SURE, [SURE[k] for k in (0, 1, 2, 7, 10, 15, 23)], FRAMES, NOT_SURE
)


# The new readings' floods on one line (60,000 characters), read by their rule alone: linear.
FLOODS = {
    "spaced values": (assignment_findings, "password = correct horse battery x y z\n"),
    "spaced run": (assignment_findings, "password = " + "ab " * 20),
    "short made": (assignment_findings, "password = krp51eje\n"),
    "symbol keys": (host_key_findings, "\n:acme: " + "a1" * 12),
    "url keys": (host_key_findings, "\nhttps://a.b.c/d/e: Bearer a1b2c3d4e5f6g7h8 "),
    "host pairs": (host_key_findings, '{"oauth": {"a.bc": "x1y2z3w4v5", "c.de": "x", '),
    "host dots": (host_key_findings, '{"token": {"' + "a." * 40 + "io"),
    "key headers": (context_findings, "X-Api-Key: abc123xyz X-Figma-Token: ab12cd "),
    "key header directives": (context_findings, "proxy_set_header X-Api-Key " + "a1" * 8 + " "),
    "key header setters": (context_findings, '["x-api-key"] = "ab12cd", '),
    "env quoted phrases": (assignment_findings, 'DB_PASSWORD="my secret pass x" '),
    "notebook cells": (notebook_output_findings, '"text/plain": ["\'krc9\'"], "api_key"], cell_type '),
    "notebook sources": (notebook_output_findings, 'output_type "text": ["x1y2\\n"] "api_key" \t \t'),
    "ipython": (notebook_output_findings, "In [3]: api_key\nOut[3]: 'abc1'\n"),
}


@pytest.mark.parametrize("name", FLOODS)
def test_flood_is_linear(name: str) -> None:
    assert_flood_linear(*FLOODS[name])
