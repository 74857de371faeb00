"""Issue 14, round 9, by class on values made up here: what a terminal or a JSON encoder puts around a
secret (colour codes, `\\u003d` escapes, a box's borders across a wrap), a markdown table's name and value
cells, a sed replacement, and the marks of viewers and patches (Claude's `12→`, grep's `path:12:`, a
patch's `+` after a JSON-escaped line break or inside a structured patch's string) that made a near-miss
or a harmless line look like a credential. Beside each negative, a real-shaped value is still found.
"""

from __future__ import annotations

import json
import random
import string

import pytest

from tracetui.redact import scan_text
from tracetui.redact.finding import Finding
from tracetui.redact.views import terminal_view

_ALNUM = string.ascii_letters + string.digits


def _r(n: int, alphabet: str = _ALNUM, seed: int = 9) -> str:
    rng = random.Random(seed * 1000 + n)
    return "".join(rng.choice(alphabet) for _ in range(n))


def touching(text: str, value: str) -> list[Finding]:
    i = text.index(value)
    return [f for f in scan_text(text) if f.start < i + len(value) and i < f.end]


def covers(text: str, *parts: str) -> bool:
    """Every character of each part (found left to right) is inside some finding."""
    spans = [(f.start, f.end) for f in scan_text(text)]
    at = 0
    for part in parts:
        i = text.index(part, at)
        if not all(any(a <= k < b for a, b in spans) for k in range(i, i + len(part))):
            return False
        at = i + len(part)
    return True


def _password(seed: int) -> str:
    return _r(6, seed=seed) + "x9" + _r(10, seed=seed + 1)


# --- 1. colour codes around a value ----------------------------------------------------------------


@pytest.mark.parametrize("esc", ["\x1b", "\\u001b"])
@pytest.mark.parametrize("seed", range(3))
def test_a_value_coloured_by_a_terminal_is_found_whole(esc, seed):
    value = _password(seed)
    text = f"{esc}[36mDEPLOY_SECRET{esc}[0m={esc}[1;33m{value}{esc}[0m\n"
    assert covers(text, value), text


def test_a_colour_code_glued_to_a_near_miss_does_not_make_it_a_token():
    # An Anthropic key's shape with a body too short: clean alone, and clean after a colour code.
    near = "sk-ant-api03-" + "abc123xyz-456de-klMnopqrstuvwx-3456yza789bcde-1234fghijklmnop" + "AA"
    assert touching(near + "\n", near) == []
    assert touching(f"\x1b[2m\x1b[1;33m{near}\x1b[0m\n", near) == []


# --- 2. JSON's \u00XX escapes of symbols ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_a_name_and_value_joined_by_an_escaped_equals_sign_are_read_as_an_assignment(seed):
    value = _r(30, seed=seed)
    text = '{"stdout":"env:\\nSERVICE_TOKEN\\u003d' + value + '\\nok"}'
    assert covers(text, value), text


def test_an_escaped_padding_sign_is_scrubbed_with_the_token():
    value = _r(28, string.ascii_lowercase + string.digits, seed=4)
    text = '{"stdout":"netlifyToken\\u003d' + value + '\\u003d\\n"}'
    assert covers(text, value + "\\u003d"), text


def test_a_url_token_between_escaped_signs_is_found():
    value = _r(32, seed=5)
    text = '{"url":"https://api.acme.test/v1?access_token\\u003d' + value + '\\u0026page\\u003d2"}'
    assert covers(text, value)


def test_a_letter_written_as_an_escape_is_left_as_written():
    # Only symbols are decoded: `\u0041` is text about escapes. `\\u003d` is read at its depth (issue 35:
    # a JSON document inside a JSON string escapes its escapes), so it reads `=`.
    assert terminal_view("see \\u0041 here") is None
    deeper = terminal_view("a \\\\u003d b")
    assert deeper is not None and deeper.text == "a = b"


# --- 3. a box's borders across a wrapped line ---------------------------------------------------------


def _boxed(line: str, width: int) -> str:
    rows = [line[i:i + width] for i in range(0, len(line), width)]
    return ("╭" + "─" * (width + 2) + "╮\n" + "\n".join(f"│ {r.ljust(width)} │" for r in rows)
            + "\n╰" + "─" * (width + 2) + "╯")


@pytest.mark.parametrize("seed", range(3))
def test_a_token_wrapped_inside_a_box_is_found_on_both_rows(seed):
    token = "ghp_" + _r(36, seed=seed)
    line = f"GITHUB_TOKEN={token}"
    text = _boxed(line, 30)
    assert covers(text, line[13:30], line[30:]), text


def test_short_rows_of_a_box_are_not_joined():
    view = terminal_view("│ first row   │\n│ second row  │")
    assert view is not None and view.text == "first row\nsecond row"


# --- 4. a markdown table's name and value cells -------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_a_value_in_the_cell_after_a_credential_name_is_found(seed):
    value = _r(32, string.ascii_lowercase + string.digits + "_", seed=seed)
    text = f"| Variable | Value |\n|---|---|\n| `CLIENT_SECRET` | `{value}` |\n| `REGION` | `eu-west-1` |"
    assert covers(text, value), text


def test_a_table_that_describes_settings_is_clean():
    text = ("| Variable | Description | Required |\n|---|---|---|\n"
            "| `DB_PASSWORD` | The database password | yes |\n"
            "| `API_KEY` | Your API key from the dashboard | no |\n"
            "| `GITHUB_TOKEN` | `${{ secrets.GITHUB_TOKEN }}` |\n")
    assert scan_text(text) == []


# --- 5. a sed replacement --------------------------------------------------------------------------------


@pytest.mark.parametrize("delim", ["/", "|", "#"])
def test_the_replacement_of_a_sed_substitution_is_read_as_the_line_it_writes(delim):
    value = _r(30, seed=7)
    text = f"sed -i 's{delim}^CLIENT_SECRET=.*{delim}CLIENT_SECRET={value}{delim}' config/.env"
    assert covers(text, value), text
    assert [text[f.start:f.end] for f in scan_text(text)] == [value]


def test_a_sed_replacement_by_a_variable_is_clean():
    assert scan_text("sed -e 's|PASSWORD=.*|PASSWORD=\"$NEW\"|' .env") == []


# --- 6. viewers' and patches' marks before a line ------------------------------------------------------


_NEAR_OPENAI = "sk-proj-" + "Xq8tdMjHV6pmbBbwilTeT4BlbkFJ3UDnpdEwNNm6wVBpYM0z"  # too short for the format


def test_a_near_miss_after_claudes_line_number_arrow_is_judged_as_alone():
    assert touching(_NEAR_OPENAI + "\n", _NEAR_OPENAI) == []
    assert touching(f"   119→{_NEAR_OPENAI}\n   120→\n", _NEAR_OPENAI) == []


def test_a_near_miss_in_a_patch_is_judged_as_alone():
    patch = f"*** Begin Patch\n*** Add File: .env\n+{_NEAR_OPENAI}\n+NODE_ENV=production\n*** End Patch\n"
    assert touching(json.dumps({"input": patch}), _NEAR_OPENAI) == []
    hunk = json.dumps({"structuredPatch": [{"lines": [" a", "+" + _NEAR_OPENAI, " b"]}]})
    assert touching(hunk, _NEAR_OPENAI) == []


def test_a_real_key_in_the_same_places_is_still_found():
    key = "sk-proj-" + _r(60, _ALNUM + "-_", seed=3) + "T3BlbkFJ" + _r(40, seed=4)
    patch = f"*** Begin Patch\n*** Add File: .env\n+{key}\n*** End Patch\n"
    for text in (f"   119→{key}\n", json.dumps({"input": patch}),
                 json.dumps({"structuredPatch": [{"lines": [" a", "+" + key, " b"]}]})):
        assert covers(text, key), text


def test_the_next_line_of_grep_or_of_an_escaped_patch_is_not_a_wrapped_tail():
    uuid1 = "743b294a-cd03-11ec-9d64-0242ac120002"  # a time UUID: not a token under `_authToken`
    grep = f"config/app.env:12:_authToken={uuid1}\nconfig/app.env:13:LOG_LEVEL=debug\n"
    assert touching(grep, uuid1) == []
    patch = json.dumps({"input": f"*** Begin Patch\n+_authToken={uuid1}\n+NODE_ENV=prod\n*** End Patch"})
    assert touching(patch, uuid1) == []
    escaped = '{"stdout":"env:\\nartifactory:_password=AP6xxxxxx\\nok","exit":0}'
    assert scan_text(escaped) == []


def test_a_wrapped_token_is_still_rejoined_in_those_places():
    token = "glpat-" + _r(20, seed=6)
    text = f"config/app.env:12:GITLAB_TOKEN={token[:14]}\n{token[14:]}\n"
    assert covers(text, token[:14], token[14:]), text


# --- 7. a credential set by a command's arguments, a YAML block, a plan's change -------------------------


@pytest.mark.parametrize(
    "template",
    [
        "aws configure set aws_secret_access_key {v} --profile ci",
        "set -gx DEPLOY_SECRET {v}",
        "npm config set //npm.acme.test/:_authToken {v}",
        "dotnet user-secrets set ServiceApiKey {v}",
        "gh secret set DEPLOY_TOKEN --body {v} --repo acme/api",
        "gh secret set DEPLOY_TOKEN -b {v}",
        "poetry config http-basic.acme ci-bot {v}",
        "auth:\n  token: |\n    {v}\n  user: ci-bot\n",
        '  ~ resource "acme_key" "ci" {\n      ~ secret = "old-value-1" -> "{v}"\n    }',
    ],
)
@pytest.mark.parametrize("seed", range(2))
def test_a_value_named_by_a_commands_arguments_is_found(template, seed):
    value = _r(24, string.ascii_lowercase + string.digits, seed=seed) + "Q7"
    text = template.replace("{v}", value)
    assert covers(text, value), text


@pytest.mark.parametrize(
    "text",
    [
        "set -euo pipefail\nset -x PATH /usr/local/bin $PATH",
        "git config --global user.name ci-bot\ngit config core.autocrlf false",
        "aws configure set region eu-west-1 --profile ci",
        "gh secret set DEPLOY_TOKEN --body \"$TOKEN\"",
        "script: |\n  echo building\n  make all\n",
        '  ~ description = "first draft" -> "second draft"',
    ],
)
def test_settings_that_hold_no_credential_stay_clean(text):
    assert scan_text(text) == []


@pytest.mark.parametrize(
    "template",
    ["$ printenv API_TOKEN\n{v}\n$ ", '$ echo "$DEPLOY_SECRET"\n{v}\n', "$ echo ${CLIENT_SECRET}\n{v}\n",
     "PS> $env:SERVICE_API_KEY\n{v}\nPS> "],
)
def test_the_output_of_a_command_printing_a_credential_variable_is_found(template):
    value = _r(20, string.ascii_lowercase + string.digits, seed=12)
    text = template.replace("{v}", value)
    assert covers(text, value), text


@pytest.mark.parametrize(
    "text",
    ['if [ -z "$API_KEY" ]; then\n  echo "$API_KEY"\n  exit 1\nfi\n', "$ printenv PATH\n/usr/bin:/bin\n",
     "$ echo $API_TOKEN\n\n$ ", "$ echo $DB_PASSWORD\n********\n",
     "echo $TOKEN_URL\nhttps://auth.acme.test/token\n"],
)
def test_printed_variables_that_are_no_credential_stay_clean(text):
    assert scan_text(text) == []


def test_a_random_string_after_a_streams_label_or_greps_line_number_is_suggested():
    blob = _r(56, _ALNUM + "+/", seed=13)
    gemini = json.dumps({"output": f'Command: cat .env\nStdout: "{blob}"\n'})
    grep = f'config/app.env:12:"{blob}"\nconfig/app.env:13:LOG_LEVEL=debug\n'
    for text in (gemini, grep):
        assert covers(text, blob), text
    # A name that says what the value is still turns it down (the generic rule's own negative).
    assert touching(f"sumOfExposures = {blob};", blob) == []


def test_a_diffs_added_address_is_not_a_phone_number():
    for text in ("@@ -1 +1 @@\n-a\n+169.254.169.254\n", '{"lines": [" a", "+256.256.256.256"]}'):
        assert [f for f in scan_text(text) if f.kind == "phone"] == [], text
    assert [f.kind for f in scan_text("call +1.415.555.0132 now")] == ["phone"]
    assert [f.kind for f in scan_text("@@ -1 +1 @@\n+8.8.4.4\n")] == ["ip-address"]


def test_a_query_value_stops_at_the_escape_of_a_json_strings_quote():
    # The placeholder (the parameter's own name in capitals) stays clean; a real token's span ends at `\"`.
    line = 'API_CREATE("https://api.acme.test/v1/create?access_token=ACCESS_TOKEN"),'
    assert scan_text(json.dumps({"c": "x\n" + line + "\n"})) == []
    token = _r(30, seed=11)
    text = json.dumps({"c": f'"https://api.acme.test/v1?access_token={token}"'})
    assert [text[f.start:f.end] for f in scan_text(text)] == [token]


# --- 8. hostile sizes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "sed " + "s/a/b" * 200_000,  # substitutions never closed
        "sed " + "s|A_TOKEN=.*|A_TOKEN=x9Kq2|'\n" * 20_000,
        "| `API_TOKEN` | `x9Kq2Lm3` |\n" * 20_000,
        ("│ " + "x" * 60 + " │\n") * 15_000,  # rows all full width: one long joined line
        "a\\u003d" * 150_000,
        "\x1b[1;33mX" * 150_000,
        "\x1b]" + "x" * 1_000_000,  # an OSC sequence never ended
        "$ printenv API_TOKEN\nx9Kq2Lm3\n" * 30_000,
        "echo $" + "A" * 1_000_000,
    ],
    ids=["sed-open", "sed", "table", "box", "escapes", "ansi", "osc", "printenv", "echo-long"],
)
def test_a_megabyte_aimed_at_the_views_scans_in_seconds(text):
    import time

    t0 = time.process_time()
    scan_text(text)
    assert time.process_time() - t0 < 6
