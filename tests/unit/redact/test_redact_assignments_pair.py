"""A text's assignments read under two kinds in one pass (`assignment_findings_as`) are, list for list,
what two calls of `assignment_findings` give; and the keyword plugin, which reads only whether a kind
is of the C family, is asked once where two kinds agree on that (`ds.keyword_kind`).

Every value here is made up for these tests.
"""

from __future__ import annotations

import pytest
from shared_data import corpus_files, requires_corpus

from tracetui.redact import ds
from tracetui.redact.detect import _lower_aligned
from tracetui.redact.fields import iter_fields
from tracetui.redact.rules import assignment_findings, assignment_findings_as
from tracetui.redact.syntax import (
    CODE,
    CODE_C,
    CONFIG,
    KNOWN_CODE,
    SECRET_FILE,
    UNKNOWN,
    Syntax,
    field_syntaxes,
)
from tracetui.sources import group, read_session

PAIRS = [
    (CODE, UNKNOWN), (CODE_C, UNKNOWN), (UNKNOWN, CODE), (CODE, CODE_C), (UNKNOWN, UNKNOWN),
    (SECRET_FILE, CODE),
]

# Where code and text part ways: an unquoted right side (code: an expression; text: a value that may
# run over the next name), a C char literal, a comment, a docstring, and each followed by a name whose
# reading depends on how far the one before it took the text.
PARTING = [
    "api_key = Zq8vR2mK9tLwP4xB7nQ3\npassword = 'Hk4mW9qZ2xLp7Rt5'\n",
    "token = get_token(x) secret_key = 'Qm3xZ8wK2pR7vL4t'\n",
    "db_password = s3Cr3tPassw0rd9 api_token=\"Vb6nM1qW8eR3tY5u\"\n",
    "char api_key = 'Zq8vR2mK9tLwP4x';\nconst char *secret = \"Lp7Rt5Hk4mW9qZ2x\";\n",
    "# password = Zq8vR2mK9tLwP4xB\nAPI_KEY = Hk4mW9qZ2xLp7Rt5Vb6n\n",
    '"""\nsecret: Zq8vR2mK9tLwP4xB7nQ3\n"""\nauth_token = cfg.token\n',
    "password=token_value_Zq8vR2mK9tLwP4x,token=Hk4mW9qZ2xLp7Rt5\n",
    "export AWS_SECRET_ACCESS_KEY=Zq8vR2mK9tLwP4xB7nQ3Hk4mW9qZ2xLp7Rt5Vb6n\nsecret = load(key)\n",
    "    apiKey: string = process.env.KEY; apiSecret = `Zq8vR2mK9tLwP4xB`\n",
    "password key=Zq8vR2mK9tLwP4xB secret=Hk4mW9qZ2xLp7Rt5\n",
    '<add key="Password" value="Zq8vR2mK9tLwP4xB"/> os.Setenv("DB_PASSWORD", "Hk4mW9qZ2xLp7Rt5")\n',
    "--password Zq8vR2mK9tLwP4xB --token $(cat f) passwd: hunter2-Zq8vR2\n",
]


def _both_alone(text: str, first: Syntax, second: Syntax) -> tuple[list, list]:
    lowered = _lower_aligned(text)
    return list(assignment_findings(text, lowered, first)), list(assignment_findings(text, lowered, second))


@pytest.mark.parametrize("text", PARTING)
@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_the_pair_is_two_calls(text, first, second):
    lowered = _lower_aligned(text)
    assert assignment_findings_as(text, lowered, first, second) == _both_alone(text, first, second)


def test_the_fixtures_do_part_ways_so_the_pair_is_told_apart():
    # Were the pair to give one list for both, or each kind's list for the other, these would fail.
    parted = [t for t in PARTING if len(set(map(tuple, _both_alone(t, CODE, UNKNOWN)))) == 2]
    assert len(parted) >= 5
    assert any(len(set(map(tuple, _both_alone(t, CODE_C, CODE)))) == 2 for t in PARTING)


def test_the_keyword_plugin_reads_only_the_c_family():
    text = "char *password = 'Zq8vR2mK9tLwP4xB';\napi_key = \"Hk4mW9qZ2xLp7Rt5Vb6n\"\n"
    lowered = _lower_aligned(text)
    found = {k: list(ds.keyword_findings(text, lowered, k)) for k in (UNKNOWN, CODE, CODE_C, CONFIG)}
    assert found[CODE] == found[UNKNOWN] == found[CONFIG] != found[CODE_C]
    kinds = [ds.keyword_kind(k) for k in (CODE, UNKNOWN, CONFIG, CODE_C)]
    assert kinds[0] == kinds[1] == kinds[2] != kinds[3]


@requires_corpus
@pytest.mark.corpus
@pytest.mark.parametrize("agent", ["claude", "codex", "pi"])
def test_the_corpus_code_fields_read_the_same_in_one_pass(agent):
    checked = 0
    for session in (read_session(g) for g in group(agent, corpus_files(agent)[:12])):
        hints = field_syntaxes(session)
        for f in iter_fields(session):
            if hints.get((f.step, f.name), UNKNOWN) not in KNOWN_CODE:
                continue
            lowered = _lower_aligned(f.text)
            pair = assignment_findings_as(f.text, lowered, CODE, UNKNOWN)
            assert pair == _both_alone(f.text, CODE, UNKNOWN)
            checked += 1
    if not checked:
        pytest.skip(f"no code field in the first {agent} logs")
