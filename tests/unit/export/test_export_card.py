"""The dataset cards of the parquet and raw exports, as the Hub reads them: `huggingface_hub`'s
`DatasetCard.load` finds the Hub's metadata (language, licence, task and size categories, the
`agent-traces` tag, one config per table for parquet) and the template's sections filled from the
export; without huggingface_hub the export writes the same card."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tracetui.cli import main
from tracetui.export import ExportOptions, check, export
from tracetui.export.card import Contents, dataset_card, raw_card
from tracetui.export.tables import TABLES

hub = pytest.importorskip("huggingface_hub", reason="huggingface_hub is not installed (pip install tracetui[hf])")
yaml = pytest.importorskip("yaml")

SECTIONS = [
    "## Dataset Details",
    "### Dataset Description",
    "## Uses",
    "### Direct Use",
    "### Out-of-Scope Use",
    "## Dataset Structure",
    "## Dataset Creation",
    "### Curation Rationale",
    "#### Data Collection and Processing",
    "#### Who are the source data producers?",
    "#### Annotation process",
    "#### Who are the annotators?",
    "#### Personal and Sensitive Information",
    "## Bias, Risks, and Limitations",
    "### Recommendations",
    "## Citation",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from tracetui.demo.build import build, open_library

    root = tmp_path_factory.mktemp("card")
    return root, open_library(build(root / "demo"))


def _hub_metadata(card, license: str) -> None:
    data = card.data
    assert data.language == ["en"] and data.license == license
    assert data.task_categories == ["text-generation"] and data.size_categories == ["n<1K"]
    assert "agent-traces" in data.tags and {"claude-code", "codex", "pi"} <= set(data.tags)
    for section in SECTIONS:
        assert f"\n{section}\n" in card.text, section


def _scrubbed_kinds(dest: Path) -> dict[str, int]:
    manifest = json.loads((dest / "manifest.json").read_bytes())
    kinds: dict[str, int] = {}
    for entry in manifest["sessions"].values():
        for row in entry["receipt"]:
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + row["count"]
    return kinds


def test_parquet_card_has_the_hubs_metadata_and_sections(demo):
    root, bucket = demo
    dest = root / "parquet"
    export(bucket, dest, ExportOptions("parquet", accept_suggested=True, license="apache-2.0"))
    card = hub.DatasetCard.load(dest / "README.md")
    _hub_metadata(card, "apache-2.0")
    configs = card.data.to_dict()["configs"]
    assert [c["config_name"] for c in configs] == list(TABLES)
    assert [c["data_files"] for c in configs] == [
        [{"split": "train", "path": f"data/{t}/**/*.parquet"}] for t in TABLES
    ]
    assert configs[0].get("default") is True
    kinds = _scrubbed_kinds(dest)
    assert kinds
    for kind, n in kinds.items():  # what was scrubbed, by kind, as the receipts count it
        assert f"| {kind} | {n} |" in card.text
    assert "3 sessions of coding agents" in card.text and "| survival of the patches | patches |" in card.text
    assert "- **License:** apache-2.0" in card.text
    assert check(dest).ok


def test_raw_export_has_its_own_card(demo):
    root, bucket = demo
    dest = root / "raw"
    export(bucket, dest, ExportOptions("raw", accept_suggested=True))
    card = hub.DatasetCard.load(dest / "README.md")
    _hub_metadata(card, "cc-by-4.0")
    assert "configs" not in card.data.to_dict()  # the trace viewer reads the agents' own files
    for folder in ("claude_code", "codex", "pi"):
        assert any((dest / "sessions" / folder).iterdir())
        assert f"`sessions/{folder}/`" in card.text
    assert check(dest).ok, check(dest).problems


def test_raw_export_refuses_a_licence_that_is_no_id(demo, capsys):
    root, bucket = demo
    code = main(["--bucket", str(bucket.root), "export", str(root / "bad"), "--format", "raw",
                 "--accept-suggested", "--license", "cc by; rm -rf"])
    assert code == 2 and "--license" in capsys.readouterr().err
    assert not (root / "bad" / "README.md").exists()


def _front(card: str) -> tuple[dict, str]:
    _, front, body = card.split("---\n", 2)
    return yaml.safe_load(front), body


@pytest.mark.parametrize("kind", ["parquet", "raw"])
def test_without_huggingface_hub_the_card_is_the_same(monkeypatch, kind):
    about = Contents(
        {"claude": 2, "gemini": 1, "no": 1}, {"alive": 3, "lost": 1}, ["2026-01", "2026-03"],
        {"email": 4, "aws-key": 1}, {"email": 1},
    )

    def make() -> str:
        if kind == "parquet":
            return dataset_card("cc-by-4.0", "main", {"sessions": 4, "steps": 40}, about)
        return raw_card("cc-by-4.0", "main", about)

    with_hub = make()
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # as if it were not installed
    plain = make()
    assert _front(plain)[0] == _front(with_hub)[0]
    assert _front(plain)[1].strip() == _front(with_hub)[1].strip()
    monkeypatch.undo()
    loaded = hub.DatasetCard(plain)
    assert loaded.data.license == "cc-by-4.0" and "agent-traces" in loaded.data.tags
    assert {"claude-code", "gemini-cli"} <= set(loaded.data.tags) and "no" not in loaded.data.tags


def test_a_manifests_strange_kinds_stay_plain_words_on_the_card():
    about = Contents({"x\n---\nlicense: evil": 1}, None, [], {"kind`|\n## injected": 2}, {})
    card = dataset_card("mit", "HEAD\n---", {}, about)
    front, body = _front(card)
    assert front["license"] == "mit" and "\n## injected" not in body and "\n---\nlicense" not in body
    assert "| kind## injected | 2 |" in body


ABOUT = Contents({"claude": 2}, {"alive": 3}, ["2026-01"], {"email": 4}, {})


def test_a_card_made_before_from_the_same_data_is_read_back_not_made_again(tmp_path, monkeypatch):
    first = dataset_card("cc-by-4.0", "main", {"sessions": 2}, ABOUT, tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError("the card was made again")

    monkeypatch.setattr(hub, "DatasetCard", refuse)
    assert dataset_card("cc-by-4.0", "main", {"sessions": 2}, ABOUT, tmp_path) == first
    for other in [("mit", "main", {"sessions": 2}), ("cc-by-4.0", "v1", {"sessions": 2}),
                  ("cc-by-4.0", "main", {"sessions": 3})]:  # fmt: skip
        with pytest.raises(AssertionError, match="made again"):
            dataset_card(*other, ABOUT, tmp_path)
    monkeypatch.undo()
    assert raw_card("cc-by-4.0", "main", ABOUT, tmp_path) != first  # another kind of card


def test_a_damaged_kept_card_is_made_again_and_the_cache_stays_small(tmp_path):
    import os

    first = dataset_card("cc-by-4.0", "main", {"sessions": 2}, ABOUT, tmp_path)
    [kept] = (tmp_path / "cards").iterdir()
    kept.write_bytes(b"\xff\xfe not a card")
    assert dataset_card("cc-by-4.0", "main", {"sessions": 2}, ABOUT, tmp_path) == first
    kept.unlink()
    os.mkfifo(kept)  # would block a plain read for ever
    assert dataset_card("cc-by-4.0", "main", {"sessions": 2}, ABOUT, tmp_path) == first
    for n in range(30):
        dataset_card("cc-by-4.0", "main", {"sessions": n}, ABOUT, tmp_path)
    assert len(list((tmp_path / "cards").iterdir())) == 16
