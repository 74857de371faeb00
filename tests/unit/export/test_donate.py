"""`tracetui donate` (issue 36): the dry run says what leaves and writes nothing; nothing is written
without a yes; the folder holds the card, the data and the receipt and passes `export --check`; the
upload command opens a pull request; `--push` sends only through the Hub's client after a yes (a
fake client here: the tests never reach the network)."""

from __future__ import annotations

import importlib
import json

import pytest
from support.demo_library import module_demo

import tracetui.export as export_api
from tracetui.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from module_demo(tmp_path_factory, "donate")


def _cli(bucket, *args: str) -> list[str]:
    return ["--bucket", str(bucket.root), "donate", *args]


def test_dry_run_lists_what_leaves_and_writes_nothing(demo, capsys):
    root, bucket = demo
    dest = root / "dry"
    code = main(_cli(bucket, str(dest), "--dry-run", "--json"))
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["dry_run"] is True
    assert out["license"] == "cc-by-4.0"
    assert {"claude", "codex", "pi"} <= set(out["agents"])
    assert len(out["sessions"]) == sum(out["agents"].values())
    # The demo's Codex session printed made-up secrets: the dry run says decisions wait.
    assert out["decisions_left"] > 0
    assert "--create-pr" in out["upload"] and "--repo-type dataset" in out["upload"]
    assert not dest.exists()


def test_no_yes_no_terminal_writes_nothing(demo, capsys, monkeypatch):
    root, bucket = demo
    dest = root / "unconfirmed"
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code = main(_cli(bucket, str(dest), "--accept-suggested"))
    assert code == 2
    assert "--yes" in capsys.readouterr().err
    assert not dest.exists()


def test_a_no_at_the_prompt_writes_nothing(demo, capsys, monkeypatch):
    root, bucket = demo
    dest = root / "declined"
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(_cli(bucket, str(dest), "--accept-suggested")) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert not dest.exists()


def test_undecided_values_stop_it_before_any_question(demo, capsys, monkeypatch):
    root, bucket = demo
    dest = root / "undecided"
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked before the review was done"))
    assert main(_cli(bucket, str(dest), "--yes")) == 1
    assert "tracetui review" in capsys.readouterr().err
    assert not dest.exists()


@pytest.fixture(scope="module")
def donated(demo):
    root, bucket = demo
    dest = root / "given"
    donation = export_api.donate(bucket, dest, export_api.DonateOptions(accept_suggested=True, repo="someone/traces"))
    return dest, donation


def test_the_folder_holds_card_data_receipt_and_passes_check(donated, demo):
    dest, donation = donated
    assert donation.ok, donation.check.problems
    assert (dest / "README.md").is_file() and (dest / "DONATION.md").is_file()
    assert list((dest / "sessions").rglob("*.jsonl"))
    receipt = (dest / "DONATION.md").read_text()
    assert "cc-by-4.0" in receipt and "| codex | 1 |" in receipt
    # The scrubbed kinds are listed, never a value.
    assert "## Scrubbed" in receipt and "| kind | spans |" in receipt
    again = export_api.check(dest)
    assert again.ok and "DONATION.md" in json.loads((dest / "manifest.json").read_bytes())["files"]
    assert donation.upload.startswith("hf upload someone/traces ")
    assert "--create-pr" in donation.upload


def test_the_receipt_is_not_part_of_a_plain_export(demo):
    root, bucket = demo
    dest = root / "plain"
    export_api.export(bucket, dest, export_api.ExportOptions("raw", accept_suggested=True))
    assert not (dest / "DONATION.md").exists()


class FakeHub:
    """HfApi's upload_folder, recording what it was asked: the endpoint a test can look at."""

    calls: list[dict] = []

    def upload_folder(self, **kwargs):
        FakeHub.calls.append(kwargs)

        class Commit:
            pr_url = "https://hub.invalid/datasets/someone/traces/discussions/1"

        return Commit()


def test_push_opens_a_pull_request_with_the_checked_folder(donated):
    dest, donation = donated
    FakeHub.calls.clear()
    url = export_api.push(donation, "someone/traces", api=FakeHub)
    assert url.endswith("/discussions/1")
    (call,) = FakeHub.calls
    assert call["repo_id"] == "someone/traces" and call["repo_type"] == "dataset"
    assert call["create_pr"] is True and call["folder_path"] == str(dest)


def test_push_refuses_a_bad_repo_id_and_a_failed_check(donated):
    _, donation = donated
    with pytest.raises(Exception, match="owner/name"):
        export_api.push(donation, "../../etc", api=FakeHub)
    donation.check.problems.append({"file": "x", "problem": "forged"})
    try:
        with pytest.raises(Exception, match="nothing was sent"):
            export_api.push(donation, "someone/traces", api=FakeHub)
    finally:
        donation.check.problems.pop()


def test_cli_push_asks_again_before_sending(demo, capsys, monkeypatch):
    root, bucket = demo
    dest = root / "pushed"
    FakeHub.calls.clear()
    # The module, not the package's `donate` function of the same name.
    monkeypatch.setattr(importlib.import_module("tracetui.export.donation"), "_default_api", lambda: FakeHub)
    answers = iter(["y", "n"])  # yes to writing, no to sending
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert main(_cli(bucket, str(dest), "--accept-suggested", "--push", "someone/traces")) == 1
    assert not FakeHub.calls and (dest / "DONATION.md").is_file()
    assert "nothing was sent" in capsys.readouterr().err
    assert main(_cli(bucket, str(dest), "--accept-suggested", "--push", "someone/traces", "--yes")) == 0
    assert len(FakeHub.calls) == 1
    assert "pull request opened" in capsys.readouterr().out
