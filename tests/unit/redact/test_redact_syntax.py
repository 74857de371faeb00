"""The kind of text a field holds (tracetui.redact.syntax): a file's type read from the step that
names it, and the keyword rules it changes. Unknown text keeps the rules as they were; in source
code an unquoted right-hand side is an expression, and in the C family a `'…'` is a char literal.
All values are made up here.
"""

from __future__ import annotations

import time

import pytest

from tracetui.model import FileEdit, Hunk, Session, Step, StepKind
from tracetui.redact import Identity, scan_session, scan_text
from tracetui.redact.finding import Finding
from tracetui.redact.syntax import (
    CODE,
    CODE_C,
    CONFIG,
    PROSE,
    UNKNOWN,
    Syntax,
    diff_syntax,
    field_syntaxes,
    syntax_of_path,
)

# Symbol-heavy with a bracket closed by the wrong kind: what a typed password looks like unquoted.
ODD = "Zq8#rT!w{k)9Lm]vX"
RANDOM = "Vb7Qm2Lx9Rt4Kw8P"


def touching(text: str, value: str, syntax: Syntax = UNKNOWN) -> list[Finding]:
    i = text.index(value)
    return [f for f in scan_text(text, syntax=syntax) if f.start < i + len(value) and i < f.end]


@pytest.mark.parametrize(
    ("path", "syntax"),
    [
        ("src/app.py", CODE), ("web/x.tsx", CODE), ("A.java", CODE), ("main.tf", CODE), ("Foo.cls", CODE),
        ("lib/net.c", CODE_C), ("K.cs", CODE_C), ("View.m", CODE_C), ("x.hpp", CODE_C),
        (".env", CONFIG), ("deploy/.env.production", CONFIG), ("app.yaml", CONFIG), ("db.ini", CONFIG),
        ("README.md", PROSE), ("main.go", UNKNOWN), ("Makefile", UNKNOWN), ("notes", UNKNOWN),
        (None, UNKNOWN), ("C:\\src\\APP.PY", CODE),
    ],
)  # fmt: skip
def test_syntax_of_a_path(path, syntax):
    assert syntax_of_path(path) == syntax


@pytest.mark.parametrize(
    "path", ["a.py", "a.js", "A.java", "A.swift", "main.tf", "A.cls", "a.c", "a.cs", "a.m"]
)
def test_in_source_code_an_unquoted_right_side_is_an_expression(path):
    for line in (f"password = {ODD}", f"db_pass: {ODD}", f"aws_secret = {ODD},"):
        assert touching(line, ODD, UNKNOWN), line  # read as any text: a password typed bare
        assert touching(line, ODD, syntax_of_path(path)) == [], (path, line)


@pytest.mark.parametrize("path", ["a.conf", ".env", "a.yaml", "a.go", "notes.md", "a.sh"])
def test_where_a_bare_value_is_a_literal_it_is_still_found(path):
    line = f"password = {ODD}"
    assert touching(line, ODD, syntax_of_path(path))


@pytest.mark.parametrize("path", ["a.py", "a.js", "a.c", "a.m", "a.cs", "main.tf"])
def test_a_double_quoted_string_in_code_is_still_a_value(path):
    syntax = syntax_of_path(path)
    for line in (f'password = "{ODD}";', f'api_key = "{RANDOM}";', f'secret = @"{RANDOM}";',
                 f'if (db_pass != "{RANDOM}") {{'):
        assert touching(line, ODD if ODD in line else RANDOM, syntax), (path, line)


@pytest.mark.parametrize("path", ["a.c", "a.cs", "a.m", "a.cpp"])
def test_in_the_c_family_a_single_quoted_value_is_a_char_literal(path):
    lines = (f"api_key = '{RANDOM}';", f"aws_secret_access_key = @'{RANDOM}';", f"db_pass[] = '{RANDOM}';")
    for line in lines:
        assert touching(line, RANDOM, UNKNOWN), line
        assert touching(line, RANDOM, syntax_of_path(path)) == [], (path, line)


@pytest.mark.parametrize("path", ["a.py", "a.js", "A.java", "a.swift", "a.go", "a.conf"])
def test_where_single_quotes_make_a_string_they_are_still_found(path):
    line = f"api_key = '{RANDOM}';"
    assert touching(line, RANDOM, syntax_of_path(path))


def test_a_vendor_format_is_found_in_code_whatever_the_quoting():
    token = "ghp_" + "Kq7Lm2Vx9Rt4Wb8Np3Zs6Hd1Jf5Gc0Ay2Teu"
    for syntax in (CODE, CODE_C):
        assert touching(f"token = {token}", token, syntax)
        assert touching(f"token = '{token}';", token, syntax)


def test_a_flag_in_code_still_takes_its_value():
    line = f'run(["deploy --password {RANDOM}"])'
    assert touching(line, RANDOM, CODE)


def test_diff_syntax_from_its_file_headers():
    one = "diff --git a/src/db.py b/src/db.py\n--- a/src/db.py\n+++ b/src/db.py\n"
    one += f"@@ -1 +1 @@\n+password = {ODD}\n"
    assert diff_syntax(one) == CODE
    mixed = one + "diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n@@ -1 +1 @@\n+X=1\n"
    assert diff_syntax(mixed) == UNKNOWN
    new_file = "diff --git a/k.c b/k.c\n--- /dev/null\n+++ b/k.c\n@@ -0,0 +1 @@\n+int x;\n"
    assert diff_syntax(new_file) == CODE_C
    patch = "*** Begin Patch\n*** Update File: web/api.ts\n@@\n+const a = 1\n*** End Patch"
    assert diff_syntax(patch) == CODE
    assert diff_syntax("some words first\n" + one) == UNKNOWN  # a commit message: not all code


def _call(
    i: int, tool: str, tool_input: dict, result: str = "ok", edits: list[FileEdit] | None = None
) -> list[Step]:
    call = Step(f"c{i}", 2 * i, StepKind.TOOL_CALL, "assistant", tool=tool, tool_call_id=f"t{i}",
                tool_input=tool_input, edits=edits or [])
    out = Step(f"r{i}", 2 * i + 1, StepKind.TOOL_RESULT, "tool", text=result, tool=tool, tool_call_id=f"t{i}")
    return [call, out]


def _session() -> Session:
    line = f"db_password = {ODD}"
    c_line, c_hunk = f"api_key = '{RANDOM}';", Hunk(1, 1, 1, 1, [f"+api_key = '{RANDOM}';"])
    steps = [
        *_call(0, "Write", {"file_path": "/w/app/settings.py", "content": line}),
        # Another value: a value written to .env is the user's wherever it shows (identity rules).
        *_call(1, "Write", {"file_path": "/w/app/.env", "content": line.replace("Zq8", "Yp7")}),
        *_call(2, "Read", {"file_path": "/w/app/config.js"}, result=f"     1\u2192{line}\n"),
        *_call(3, "Read", {"file_path": "/w/app/app.conf"}, result=f"     1\u2192{line}\n"),
        *_call(4, "Bash", {"command": "cat app/settings.py"}, result=line),
        *_call(5, "Bash", {"command": "cat app/settings.py app/local.py"}, result=line),
        *_call(6, "Edit", {"file_path": "/w/lib/db.m", "old_string": "x", "new_string": c_line},
               edits=[FileEdit("/w/lib/db.m", "update", hunks=[c_hunk])]),
        *_call(7, "Edit", {"file_path": "/w/lib/db.js", "old_string": "x", "new_string": c_line}),
        *_call(8, "str_replace_editor", {"command": "view", "path": "C:\\w\\app\\Db.java"}, result=line),
        *_call(9, "powershell", {"command": "Get-Content -Raw app\\settings.py"}, result=line),
    ]
    return Session(id="s", agent="claude", source="/dev/null", steps=steps)


def test_a_session_passes_each_fields_file_type_into_the_scan():
    session = _session()
    hints = field_syntaxes(session)
    assert hints[("c0", "tool_input.content")] == CODE
    assert hints[("c1", "tool_input.content")] == CONFIG
    assert ("c0", "tool_input.file_path") not in hints  # a path is not the file's text
    assert hints[("r2", "text")] == CODE and hints[("r3", "text")] == CONFIG
    assert hints[("r4", "text")] == CODE and ("r5", "text") not in hints  # one file dumped whole, or unknown
    assert hints[("c6", "edits[0].hunks[0]")] == CODE_C and hints[("c6", "tool_input.new_string")] == CODE_C
    assert hints[("r8", "text")] == CODE and hints[("r9", "text")] == CODE

    found = {(f.step, f.field) for f in scan_session(session, Identity(), workers=0)}
    # The same line: a literal in .env and app.conf, an expression in settings.py and config.js.
    assert ("c1", "tool_input.content") in found and ("r3", "text") in found
    assert ("c0", "tool_input.content") not in found and ("r2", "text") not in found
    assert ("r4", "text") not in found and ("r5", "text") in found
    # `'…'` is a char literal in Objective-C, a string in JavaScript.
    assert ("c6", "tool_input.new_string") not in found and ("c6", "edits[0].hunks[0]") not in found
    assert ("c7", "tool_input.new_string") in found


def test_the_scan_cache_keeps_a_fields_syntax_apart(tmp_path):
    session = _session()
    cache = tmp_path / "cache.json"
    first = scan_session(session, Identity(), cache_path=cache, workers=0)
    assert scan_session(session, Identity(), cache_path=cache, workers=0) == first
    # The same text under another file type is scanned as that type, not served from the cache.
    session.steps[0].tool_input["file_path"] = "/w/app/settings.conf"
    again = {(f.step, f.field) for f in scan_session(session, Identity(), cache_path=cache, workers=0)}
    assert ("c0", "tool_input.content") in again


def test_an_upper_case_name_in_code_keeps_the_usual_rules():
    # A config file named for code (`config.cfg.php`), or an env line in a docstring: still a value.
    value = "7Hq2mLx9Vb4Rt8Kw"
    for line in (f"DB_PASSWORD = {value}", f"16. DB_PASSWORD             = {value}\r\n17. DB_NAME = x"):
        assert touching(line, value, CODE), line
    assert touching(f"db_password = {value}", value, CODE) == []


@pytest.mark.parametrize(
    "line",
    [
        f"# prod password: {ODD}",
        f"     3\u2192# db_password = {ODD}",
        f"x = connect()  # password: {ODD}",
        f"+// secret: {ODD}",
        f" * password = {ODD}",
        f"-- password = {ODD}",
        f"<!-- password = {ODD}",
    ],
)
def test_in_a_comment_of_a_source_file_a_bare_value_is_still_found(line):
    for syntax in (CODE, CODE_C):
        assert touching(line, ODD, syntax), (syntax, line)


def test_in_a_c_comment_a_single_quoted_value_is_still_found():
    assert touching(f"// api_key = '{RANDOM}'", RANDOM, CODE_C)


MB = 1_000_000
QUARTER = MB // 4  # a quadratic path takes minutes on this much


@pytest.mark.parametrize(
    "text",
    ["password = x" * (QUARTER // 12), "# token: " * (QUARTER // 9), " * secret = ab; " * (QUARTER // 16),
     "api_key = 'ab1';" * (QUARTER // 16), '"""password = x\n' * (QUARTER // 16)],
    ids=["assignments", "comments", "comment-stars", "char-literals", "string-marks"],
)
def test_a_long_line_of_code_scans_in_linear_time(text):
    for syntax in (CODE, CODE_C):
        t0 = time.process_time()
        scan_text(text, syntax=syntax)
        assert time.process_time() - t0 < 5.0


def test_hostile_commands_and_diffs_are_read_in_linear_time():
    big_diff = "diff --git a/x.py b/x.py\n" + "+++ b/x.py\n" * 99_999
    t0 = time.process_time()
    assert field_syntaxes(Session(id="s", agent="claude", source="/dev/null", steps=[
        *_call(0, "Bash", {"command": "cat " + "-a " * 160 + "x y"}, result="x"),
        *_call(1, "Bash", {"command": "git diff"}, result=big_diff),
        *_call(2, "Bash", {"command": "git diff"}, result="diff --git a/x b/x\n*** Update File: " + "a" * MB),
    ])) == {("r1", "text"): CODE}
    assert time.process_time() - t0 < 5.0


@pytest.mark.parametrize(
    "text",
    [
        f'CONFIG = """\ndb:\n  password: {ODD}\n"""\n',
        f"ENV = '''\ndb_password = {ODD}\n'''\n",
        f"const yaml = `\nsecret: {ODD}\n`;",
    ],
    ids=["python-triple-double", "python-triple-single", "js-template"],
)
def test_inside_a_multi_line_string_of_code_a_bare_value_is_still_found(text):
    assert touching(text, ODD, CODE)


def test_after_a_multi_line_string_closes_code_is_code_again():
    text = f'"""Module docstring."""\npassword = {ODD}\n'
    assert touching(text, ODD, CODE) == []
