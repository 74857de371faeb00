"""Credentials where a coding agent really meets them, read through each agent's log format.

An independent check of the redaction (issue 14): made-up secrets in their vendors' shapes inside the
files and command outputs an agent reads or writes (`.env`, `~/.aws/credentials`, `.npmrc`, `.netrc`,
kubeconfig, a Kubernetes Secret, `docker run -e`, `psql`, connection strings, a service-account JSON,
`printenv`, a `set -x` curl, an HTTP dump, a `git diff`, an Edit, a notebook's output...), placed as a
tool's output, a tool's input and a user's prompt in a Claude Code, Codex, Pi, Gemini CLI, Copilot CLI
and OpenCode log, read back by the real readers and scanned by `scan_session` as a user's review
would. Every secret must be covered whole, at the sure tier (each context names it a credential); the
hard negatives beside them (hashes, digests, ids, public keys, placeholders, example keys) must get no
finding at all. `tests/agent_creds.py` holds the contexts, `tests/agent_logs.py` the log shapes.
"""

from __future__ import annotations

import pytest
from agent_creds import NEUTRAL, battery, failures, negative_contexts, render, secret_contexts
from support.narrow import present

from tracetui.redact import AUTO, scan_text

SEEDS = (14, 15, 16)


@pytest.fixture(scope="module")
def placed(tmp_path_factory) -> dict:
    """Each seed's secrets placed in every log format and scanned, once: two tests read seed 14's."""
    root = tmp_path_factory.mktemp("placed")
    return {seed: battery(secret_contexts(seed), positive=True, root=root / f"s{seed}") for seed in SEEDS}


def test_secrets_in_agent_files_are_found_whole_and_sure_in_every_log_format(placed):
    lines: list[str] = []
    problems: list[str] = []
    for seed, table in placed.items():
        lines.append(f"seed {seed} (found at any tier / sure, of the values placed three ways):\n{render(table)}")
        problems.extend(f"seed {seed}: {p}" for p in failures(table))
    assert problems == [], "\n".join(problems[:40]) + "\n\n" + "\n\n".join(lines)


def test_hard_negatives_in_agent_files_get_no_finding_in_any_log_format(tmp_path):
    lines: list[str] = []
    problems: list[str] = []
    for seed in SEEDS:
        table = battery(negative_contexts(seed), positive=False, root=tmp_path / f"s{seed}")
        lines.append(f"seed {seed}:\n{render(table, negative=True)}")
        problems.extend(f"seed {seed}: {p}" for p in failures(table))
    assert problems == [], "\n".join(problems[:40]) + "\n\n" + "\n\n".join(lines)


def test_the_battery_places_every_context_in_every_format(placed):
    # A context a reader drops would score nothing and hide a miss: each value is in some field.
    table = placed[14]
    absent = [p for p in failures(table) if "absent" in p]
    assert absent == []
    assert len({name for name, _agent in table}) >= 30


# --- the classes the battery found, on made-up strings beside the shapes that must stay clean -----


def _sure(text: str, value: str) -> bool:
    a = text.index(value)
    return any(f.tier == AUTO and f.start <= a and a + len(value) <= f.end for f in scan_text(text, NEUTRAL))


def _touched(text: str, value: str) -> bool:
    a = text.index(value)
    return any(f.start < a + len(value) and a < f.end for f in scan_text(text, NEUTRAL))


@pytest.mark.parametrize(
    "text, value",
    [
        ("machine ftp.corp.internal login deploy password oeHsRyaNk8548*A\n", "oeHsRyaNk8548*A"),
        ("machine api.heroku.com\n  login dev@shop.test\n  password bb96b337-2874-46c4-affa-dd20eaec6e3b\n",
         "bb96b337-2874-46c4-affa-dd20eaec6e3b"),
        ("default login anonymous password \"Zq8 v!k2 Lm0p\"\n", "Zq8 v!k2 Lm0p"),
        ("     3\u2192machine git.corp.internal login ci password 9fKd03mZqPw7\n", "9fKd03mZqPw7"),
    ],
)  # fmt: skip
def test_a_netrc_password_is_sure(text, value):
    assert _sure(text, value)


@pytest.mark.parametrize(
    "text",
    [
        '{"content":"machine github.com\\n  login dev@shop.test\\n  password REDACTED_GITHUB_PAT\\n"}',
        "Use your login and password manually on the page.\n",
        "login: admin\npassword required for this step\n",
    ],
)
def test_words_and_escapes_after_password_are_not_a_netrc_value(text):
    assert not any(f.detector == "rule:netrc" for f in scan_text(text, NEUTRAL))


@pytest.mark.parametrize(
    "text, value",
    [
        ("password = WDqpB.X6wouqiNDV0Nf\n", "WDqpB.X6wouqiNDV0Nf"),
        ("spring.mail.password=NjFRRWRTEkasl5WUNQY.F\n", "NjFRRWRTEkasl5WUNQY.F"),
        ("database:\n  password: lJhA.AvrZ8CdhPVhorl\n", "lJhA.AvrZ8CdhPVhorl"),
    ],
)
def test_a_password_with_a_dot_is_not_taken_for_an_attribute(text, value):
    assert _sure(text, value)


@pytest.mark.parametrize(
    "text, value",
    [
        ("password = self.db_password\n", "self.db_password"),
        ("token: corev1.SecretReference\n", "corev1.SecretReference"),
        ("api_key = settings.OPENAI_API_KEY\n", "settings.OPENAI_API_KEY"),
        ("secret = apps.v1beta1.DeploymentSecret\n", "apps.v1beta1.DeploymentSecret"),
        ("password: ctx.iOSAppKey\n", "ctx.iOSAppKey"),
    ],
)
def test_a_dotted_reference_stays_code(text, value):
    assert not _touched(text, value)


def test_a_long_value_is_covered_to_its_end():
    # An STS session token runs to 1,000 characters or more; the rule read 400 and left the rest.
    value = "IQoJb3JpZ2luX2VjE" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2eF4hJ6kL8nP0rS2uV4xY6+/" * 20
    for text in (f"aws_session_token={value}\n", f'"SessionToken": "{value}",\n'):
        assert _sure(text, value)


def test_base64_that_starts_with_a_slash_is_not_a_path():
    value = "/Taw/QLWdgc/+ukHTTICW4U76zwj/7GjNM4CFFBCiT+6Zx2o+MEjDHmW6mQZ0xBP"
    assert _sure(f"jwt.secret={value}\n", value)
    for path in ("/srv/shop/projects/app/src/main", "/var/lib/docker/volumes/shop_db_data/_data"):
        assert not _touched(f"secret_dir={path}\n", path)


def test_a_record_on_the_next_line_is_not_the_tail_of_a_wrapped_token():
    text = "machine github.com login octo password ghp_QHNZjRSyx5FkX0r1PhmyigqwKzfkNDI1DQZt\nmachine ftp.x login y\n"
    word = text.index("\nmachine") + 1
    assert not any(f.start <= word < f.end for f in scan_text(text, NEUTRAL))


@pytest.mark.parametrize(
    "text, value",
    [
        ("db.internal:5432:shop:app:qC_ZJ2^ysWEYjNBB*X!r\n", "qC_ZJ2^ysWEYjNBB*X!r"),
        ("*:*:*:replicator:F1+dA0n01=IWaWjzpeM9\n", "F1+dA0n01=IWaWjzpeM9"),
        ("     1\u2192localhost:5432:*:postgres:Rk29vNq7Lw3x\n", "Rk29vNq7Lw3x"),
    ],
)
def test_a_pgpass_line_is_sure(text, value):
    assert _sure(text, value)


@pytest.mark.parametrize(
    "text",
    [
        "+HWI-ST565_0092:4:1101:5508:5860#ACTTGA/1\n",  # a sequencer's read id
        "src/app.py:42:5:E501:line\n",
        "2026-03-01:10:00:00:INFO\n",
    ],
)
def test_other_colon_separated_lines_are_not_pgpass(text):
    assert not any(f.detector == "rule:pgpass" for f in scan_text(text, NEUTRAL))


@pytest.mark.parametrize(
    "text, value",
    [
        ('os.Setenv("DB_PASSWORD", "lBnjhvXSfcy5KwxIgqfp")\n', "lBnjhvXSfcy5KwxIgqfp"),
        ("define( 'DB_PASSWORD', 'cJG%8h%n7hX!7Ek0s1' );\n", "cJG%8h%n7hX!7Ek0s1"),
        ('os.environ.setdefault("DJANGO_DB_PASSWORD", "4PW*POqSw1FhILrakN")\n', "4PW*POqSw1FhILrakN"),
        # WordPress salts: `<`, `>`, `:` and a final `.` are the value's own characters
        ("define( 'AUTH_KEY', 'eJ|Na;<U>Yn^h.%[tJ@rJ{ZXGodPUW!_dkVH(4jKPI:JcQ48upFvko)gyTNQ5Y@l' );\n",
         "eJ|Na;<U>Yn^h.%[tJ@rJ{ZXGodPUW!_dkVH(4jKPI:JcQ48upFvko)gyTNQ5Y@l"),
        ("define( 'AUTH_KEY', '%u;gF5kmT[v9pd>TW1T^To?G[!-*,*!wxn=X_fT4oDpik:=xt|o+^6>n+w4tPG4.' );\n",
         "%u;gF5kmT[v9pd>TW1T^To?G[!-*,*!wxn=X_fT4oDpik:=xt|o+^6>n+w4tPG4."),
    ],
)  # fmt: skip
def test_a_credential_set_by_a_call_with_its_name_is_sure(text, value):
    assert _sure(text, value)


@pytest.mark.parametrize(
    "text, value",
    [
        ('SENSITIVE = ("password", "credentials", "token")\n', "credentials"),
        ('KEYS = ["password", "api_key"]\n', "api_key"),
        ('secret = os.getenv("API_KEY", "changeme")\n', "changeme"),
        ('API_KEY=<your-api-key>\n', "<your-api-key>"),
        # shapes of real sessions' strings side by side: examples in a list, a schema's columns, arguments
        ('(e.g., "add-user-auth", "fix-payment-bug")\n', "fix-payment-bug"),
        ('{"column_name":"password","data_type":"character varying(64)"}', "data_type"),
        ("new mysqli('127.0.0.1','shop','PASSWORD','shop_v2');\n", "shop_v2"),
    ],
)
def test_names_and_slots_are_not_values(text, value):
    assert not _touched(text, value)


def test_a_value_field_takes_its_name_from_its_object():
    tf = '{\n  "db_password": {\n    "sensitive": true,\n    "type": "string",\n    "value": "0akR_9n90WFzm2.%gN63d"\n  }\n}'
    ssm = '{"Parameter": {"Name": "/prod/db/password", "Type": "SecureString", "Value": "Xq7vR2mN9pLk4sT8"}}'
    assert _sure(tf, "0akR_9n90WFzm2.%gN63d")
    assert _sure(ssm, "Xq7vR2mN9pLk4sT8")
    plain = '{"region": {"sensitive": false, "value": "eu-west-1b7x9"}}'
    assert not _touched(plain, "eu-west-1b7x9")


def test_a_file_named_for_a_key_is_one_secret(tmp_path):
    from agent_logs import Prompt, Shell, Turn, Write, session_of

    from tracetui.redact import iter_fields, scan_session

    key, other = "b98db2f312cd81b6be6f528b9f75b5da", "5c0e7a9d2b4f61e83a7c90d1f2b6e4a8"
    turns: list[Turn] = [Shell("cat config/master.key", key + "\n"), Write(".vault-token", "hvs.CAESIq8Tn3pXv7\n"),
             Prompt(f"Here is config/master.key:\n```\n{key}\n```\n"), Shell("cat notes.txt", other + "\n")]  # fmt: skip
    session = session_of("claude", turns, tmp_path)
    findings = scan_session(session, NEUTRAL, workers=0)
    texts = {(f.step, f.name): f.text for f in iter_fields(session)}
    hit = {(f.step, f.field) for f in findings if f.detector.endswith("rule:key-file")}
    assert {k for k, t in texts.items() if key in t} <= hit  # the cat, the prompt, and the title made of it
    assert not {k for k, t in texts.items() if other in t} & hit  # a bare hash in a file named for nothing
    assert any(k[1] == "tool_input.content" and "hvs." in texts[k] for k in hit)


def test_a_sure_value_recurs_in_the_title_where_its_layout_is_lost(tmp_path):
    from agent_logs import Prompt, session_of

    from tracetui.redact import scan_session

    value = "VyEqRDRlbWhvVVkydTVJ"
    manifest = f"apiVersion: v1\nkind: Secret\ndata:\n  password: {value}\n"
    session = session_of("codex", [Prompt(f"why?\n```\n{manifest}```\n")], tmp_path)
    title = present(session.title)
    assert value in title
    found = scan_session(session, NEUTRAL, workers=0)
    at = title.index(value)
    assert any(f.field == "title" and f.tier == AUTO and f.start <= at < f.end for f in found)


def test_a_content_security_policys_nonce_and_hashes_are_not_secrets():
    from agent_creds import Gen

    g = Gen(1)  # some random nonces look like base64 secrets to the entropy plugin; none may be flagged
    for _ in range(30):
        nonce, digest = g.b64(16), g.b64(32)
        header = f"content-security-policy: script-src 'self' 'nonce-{nonce}' 'sha256-{digest}'\n"
        tag = f'<script nonce="{nonce}" src="/app.js"></script>\n'
        for text in (header, tag):
            assert not _touched(text, nonce), text
        assert not _touched(header, digest), header


def test_a_reference_before_a_diffs_next_name_is_not_a_wrapped_token():
    patch = "*** Add File: values.yaml\n+token: corev1.SecretReference\n+api_key = settings.OPENAI_API_KEY\n"
    assert not _touched(patch, "corev1.SecretReference")
    assert not _touched(patch, "+api_key")


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "db_password", "type": "x", "value": "Xq7vR2mN9pLk4sT8"},\n' * 15_000,
        '{"value": "y"}' * 70_000,
        "h:5432:db:u:" * 90_000,
        "h:5432:db:u:Xq7vR2mN9pLk4sT8\n" * 35_000,
        'os.Setenv("DB_PASSWORD", "Xq7vR2mN9pLk4sT8")\n' * 25_000,
        "machine h login u password " * 40_000,
        "master.key ```\nabc123def456ghi\n```\n" * 30_000,
        "password=" + "Ab1." * 250_000,
    ],
    ids=["value-keys", "bare-value-keys", "pgpass-run", "pgpass-lines", "arg-pairs", "netrc", "fences", "dotted"],
)
def test_a_megabyte_for_the_new_rules_scans_in_seconds(text):
    import time

    start = time.process_time()
    scan_text(text, NEUTRAL)
    assert time.process_time() - start < 6


@pytest.mark.parametrize("style", ["arrow", "tab", "pipe", "dot"])
def test_a_file_viewers_line_numbers_change_nothing(style):
    from agent_logs import _numbered

    from tracetui.redact.syntax import SECRET_FILE

    pgpass = _numbered("db.internal:5432:shop:app:qC_ZJ2^ysWEYjNBB*X!r\n", style)
    assert _sure(pgpass, "qC_ZJ2^ysWEYjNBB*X!r")
    key = _numbered("b98db2f312cd81b6be6f528b9f75b5da\n", style)
    assert any(f.detector == "rule:key-file" for f in scan_text(key, NEUTRAL, syntax=SECRET_FILE))
    example = _numbered("API_KEY=changeme\nSECRET_KEY=<your-secret-key>\nDB_PASSWORD=xxx\n", style)
    assert scan_text(example, NEUTRAL) == []  # the next line's number is not a wrapped token's tail
