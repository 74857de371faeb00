"""A code field's scan as text of no known kind, made beside its own (`scan_text(as_text=...)`), is
exactly what a scan of the text alone gives: the export's gate takes it instead of its own scan."""

from __future__ import annotations

import json

import pytest
from shared_data import SECRETS, requires_secrets
from support import carriers, planted

from tracetui.redact import Identity, scan_text
from tracetui.redact.syntax import CODE, CODE_C, CONFIG, PROSE, SECRET_FILE, UNKNOWN

ME = Identity(user_names={"alice"}, emails={"alice@corp.example"}, home_paths={"/home/alice"})
KINDS = (CODE, CODE_C, SECRET_FILE)


def _framed(text: str) -> list[str]:
    """The text alone and as code reads names and values: where the kinds part ways (a long text
    alone: the 24,000-character line framed five times costs seconds and reads no new name)."""
    if len(text) > 2_000:
        return [text]
    quoted = json.dumps(text)
    return [
        text,
        f"password = {quoted}\napi_key: {quoted}\n",
        f'const token = "{text}";\nsecret := `{text}`\n',
        f"db_pass = os.environ['X'] or {quoted}  # {text}\n",
        f"/home/alice/.aws/credentials\naws_secret_access_key={text}\n",
    ]


def _assert_same(texts: list[str]) -> None:
    for text in texts:
        alone = scan_text(text, ME)  # the same for every kind: made once (two of every nine scans)
        for kind in KINDS:
            box: list = []
            mine = scan_text(text, ME, syntax=kind, as_text=box)
            assert mine == scan_text(text, ME, syntax=kind), (kind, text[:80])
            assert box == [alone], (kind, text[:80])


def test_the_planted_carriers_read_as_text_the_same_beside_a_code_scan():
    texts = [planted.PROMPT, planted.TOKEN, *carriers.CARRIERS.values(), *carriers.SPELLED.values(),
             *carriers.CREDENTIAL_LINES.values()]  # fmt: skip
    _assert_same([framed for text in texts for framed in _framed(text)])


@pytest.mark.slow
@requires_secrets
@pytest.mark.parametrize("name", ["gitleaks_rule_examples.jsonl", "detect_secrets_plugin_cases.jsonl"])
def test_the_labelled_secrets_read_as_text_the_same_beside_a_code_scan(name):
    with open(SECRETS / name, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    _assert_same([framed for row in rows for framed in _framed(row["text"])])


def test_a_scan_of_no_known_kind_or_a_fast_one_files_nothing_beside_it():
    for kind, fast in ((UNKNOWN, False), (CONFIG, False), (PROSE, False), (CODE, True)):
        box: list = []
        scan_text("password = 'Xq7mTz2pLw9vR3kJ'", ME, syntax=kind, fast=fast, as_text=box)
        assert box == []


def test_a_code_field_s_join_windows_are_scanned_once_for_both_kinds(monkeypatch):
    # A window a join or a spelling reads is scanned once, its scan as text made beside it: a second
    # full scan of each window under the other kind ran every detector again for three that differ.
    from tracetui.redact import detect

    text = 'api_token = "ghp_aB3dE5fG7hJ9kL1m" +\n    "N2pQ4rS6tU8vW0xY1z2A"\nprint(api_token)\n'
    alone, as_text = scan_text(text, ME, syntax=CODE), scan_text(text, ME)
    windows: list = []
    scan = detect.scan_text

    def counted(window, *args, **kwargs):
        if kwargs.get("_join") is False:
            windows.append(kwargs.get("syntax"))
        return scan(window, *args, **kwargs)

    monkeypatch.setattr(detect, "scan_text", counted)
    box: list = []
    assert scan(text, ME, syntax=CODE, as_text=box) == alone
    assert box == [as_text]
    assert alone and windows and set(windows) == {CODE}, windows
