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

from tracetui.redact import AUTO, scan_text

SEEDS = (14, 15, 16)


def test_secrets_in_agent_files_are_found_whole_and_sure_in_every_log_format(tmp_path):
    lines, problems = [], []
    for seed in SEEDS:
        table = battery(secret_contexts(seed), positive=True, root=tmp_path / f"s{seed}")
        lines.append(f"seed {seed} (found at any tier / sure, of the values placed three ways):\n{render(table)}")
        problems.extend(f"seed {seed}: {p}" for p in failures(table))
    assert problems == [], "\n".join(problems[:40]) + "\n\n" + "\n\n".join(lines)


def test_hard_negatives_in_agent_files_get_no_finding_in_any_log_format(tmp_path):
    lines, problems = [], []
    for seed in SEEDS:
        table = battery(negative_contexts(seed), positive=False, root=tmp_path / f"s{seed}")
        lines.append(f"seed {seed}:\n{render(table, negative=True)}")
        problems.extend(f"seed {seed}: {p}" for p in failures(table))
    assert problems == [], "\n".join(problems[:40]) + "\n\n" + "\n\n".join(lines)


def test_the_battery_places_every_context_in_every_format(tmp_path):
    # A context a reader drops would score nothing and hide a miss: each value is in some field.
    table = battery(secret_contexts(14), positive=True, root=tmp_path)
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
        "Use your login and password manually on the page.\n",
        "login: admin\npassword required for this step\n",
    ],
)
def test_words_after_password_in_prose_are_not_a_netrc_value(text):
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
