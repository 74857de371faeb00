"""Where a line ends when a value runs to it. A password dense with symbols (`m{{h}o)p${e]…}}`) or a
passphrase in words under a secret's name is taken to the end of its line; a config printed as JSON (a
tool's output inside a JSON string, a patch in a tool's JSON arguments, a pretty-printed log) ends that
line at an escaped line break or at the string's closing quote, and a file viewer puts a line number
before the key. Every value here is made up for these tests."""

from __future__ import annotations

import json
import time

import pytest

from tracetui.redact import scan_text

SYMBOLS = "q{{z}o)p$[e]wyb(ody[kx>-_$#gone7}}"
PHRASE = "correct horse battery staple"


def spans(text: str) -> list[str]:
    return [text[f.start:f.end] for f in scan_text(text)]


@pytest.mark.parametrize(
    "line",
    [
        "secret = {v}",
        "db_pass := {v}",
        "api_secret: {v}",
    ],
)
@pytest.mark.parametrize(
    "place",
    [
        lambda line: json.dumps({"output": "$ cat .env\n" + line + "\nLOG_LEVEL=info\n"}),  # a tool output
        lambda line: json.dumps({"lines": [" [service]", "+" + line, " retries = 3"]}, indent=2),  # a patch
        lambda line: json.dumps({"input": "*** Begin Patch\n*** Add File: a.conf\n+" + line + "\n*** End Patch"}),
        lambda line: line + "\nnext = 1\n",  # as written, for comparison
    ],
    ids=["tool-output", "structured-patch", "apply-patch", "plain"],
)
def test_a_symbol_dense_value_ends_where_its_line_does(line, place):
    text = place(line.format(v=SYMBOLS))
    assert SYMBOLS in spans(text), text


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"output": "Command: cat main.c\nStdout: passwd = " + SYMBOLS + ";\n"}),
        "passwd = " + SYMBOLS + ";\n",
    ],
)
def test_a_value_a_statement_ends_with_a_semicolon_is_code_in_json_too(text):
    assert SYMBOLS not in spans(text)


@pytest.mark.parametrize(
    "text",
    [
        "$ cat -n config/service.ini\n     1\t[service]\n     2\taws_secret_access_key: {p}\n     3\tretries = 3",
        "   118\u2192# service settings\n   119\u2192secret_passphrase: {p}\n   120\u2192",
    ],
    ids=["cat-n", "claude-read"],
)
def test_a_passphrase_under_a_secrets_name_after_a_line_number_is_suggested(text):
    text = text.replace("{p}", PHRASE)
    assert PHRASE in spans(text), text


def test_a_backslash_inside_a_plain_password_stays_in_it():
    value = "Zq\\w8#x!pL{r&(t"
    assert value in spans(f"DB_PASSWORD = {value}\n")


# --- where a line starts and ends in what a viewer, a diff, a table or a JSON encoder puts around it ----

DOTTY = "A,.:-\u00a8@*\u00bf?!x9"  # symbols and two letters past ASCII, as a typed password may hold


@pytest.mark.parametrize(
    "place",
    [
        # a structured patch's lines on one line of JSON, the next element after the closing quote
        lambda line: json.dumps({"lines": [" [service]", "+" + line, " retries = 3"]}),
        # a markdown table of a file's lines, the value's cell last, then in the middle
        lambda line: "| file | line |\n|---|---|\n| `.env` | `" + line + "` |\n| `a.yml` | `debug: false` |\n",
        lambda line: "| `.env` | " + line + " | from the vault |\n",
        # grep's `path:12:`, a diff's `+`, Gemini's shell result label
        lambda line: "$ grep -rn KEY config/\nconfig/app.env:12:" + line + "\nconfig/app.env:13:LOG=debug\n",
        lambda line: "--- a/.env\n+++ b/.env\n@@ -1 +1,2 @@\n LOG=info\n+" + line + "\n",
        lambda line: json.dumps({"output": "Command: cat .env\nStdout: " + line + "\n"}, indent=2),
    ],
    ids=["structured-patch-one-line", "table-last-cell", "table-middle-cell", "grep-n", "diff-added", "stdout"],
)
@pytest.mark.parametrize(
    "line, value",
    [
        ("api_secret: " + SYMBOLS, SYMBOLS),
        ("db_pass := " + SYMBOLS + "'", SYMBOLS),  # a stray closing quote of the value's own before the end
        ("secret_passphrase: " + PHRASE, PHRASE),
    ],
)
def test_a_value_run_to_its_lines_end_is_found_where_a_viewer_puts_the_line(place, line, value):
    text = place(line)
    assert value in spans(text), text


def test_a_quoted_value_after_its_name_and_a_space_is_found_inside_a_json_string():
    text = json.dumps({"stdout": "env:\npassword \"" + SYMBOLS + "\";\nok"})
    found = [f for f in scan_text(text) if text[f.start:f.end] == SYMBOLS]
    assert found and found[0].tier == "auto", text  # as sure as the same line unescaped


def test_a_value_with_characters_past_ascii_is_found_where_json_escapes_them():
    plain = "secret_value = \"" + DOTTY + "\"\n"
    escaped = json.dumps({"stdout": plain})  # Python writes ASCII only: `\u00a8`, `\u00bf`
    assert "\\u00a8" in escaped
    assert DOTTY in spans(plain)
    assert json.dumps(DOTTY)[1:-1] in spans(escaped), escaped


@pytest.mark.parametrize(
    "text",
    [
        "| name | what |\n|---|---|\n| `API_SECRET` | `the key the service signs with` |\n",
        "| `.env` | `api_secret: ${API_SECRET}` |\n",
        json.dumps({"lines": [" [service]", "+password = get_password(cfg)", " retries = 3"]}),
        json.dumps({"lines": [" def f():", "+    token = request.headers.get(AUTH)", "     return token"]}),
        json.dumps({"output": "Command: cat notes\nStdout: \u4e2d\u6587\u7684\u5bc6\u7801\u8bf4\u660e secret: see the vault\n"}),
        json.dumps({"output": "Stdout: token: <your token here>\n"}),
        "config/app.env:12:api_secret: ${{ secrets.API_SECRET }}\n",
    ],
    ids=["described", "reference", "call", "code", "cjk-prose", "placeholder", "actions-reference"],
)
def test_look_alikes_in_those_places_stay_clean(text):
    assert spans(text) == [], text


@pytest.mark.parametrize(
    "unit",
    [
        "\\nsecret_key: some words here",
        "\\n| `x` | `api_secret: some words here` |",
        '\\npassword \\"q{{z}o)p$[e]w\\";',
        "\\u4e2d\\u6587 ",
        "`a` == `b` password ",
        "\\n| `x` | `api_secret: some == words` |",
    ],
    ids=["escaped-lines", "table-cells", "escaped-quotes", "wide-escapes", "backtick-comparisons",
         "compared-cells"],
)
def test_a_megabyte_of_one_json_line_aimed_at_those_places_scans_in_seconds(unit):
    text = '{"out": "' + unit * (1_000_000 // len(unit)) + '"}'
    start = time.process_time()
    scan_text(text)
    assert time.process_time() - start < 6.0
