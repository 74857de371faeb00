"""A dataset card's BibTeX entry named the labels' revision as given, and a recipe (a stranger's file)
gives it: `ref = "HEAD}, howpublished = {\\input{/etc/passwd}"` closed the `note` field, and whoever
cited the dataset compiled `\\input{/etc/passwd}` (the file in their PDF) or `\\write18{...}` (a command,
where shell escape is on) into their paper. Found 2026-11-28 running such a recipe. The revision is
written with LaTeX's specials spelled as text now, so the entry's braces stay its own."""

from __future__ import annotations

import re

from support.fixture_bucket import synced

from tracetui.cli import main
from tracetui.export.card import Contents, dataset_card

SPELLED = {"textbackslash", "textbraceleft", "textbraceright", "textasciitilde", "textasciicircum"}
REF = "HEAD}, howpublished = {\\input{/etc/passwd}\\immediate\\write18{id} $x$ 50% #1 a_b ~ ^"


def _bibtex(card: str) -> str:
    return card.split("```bibtex\n", 1)[1].split("```", 1)[0]


def _fields_are_ours(entry: str) -> None:
    """Each field of the entry is one of the card's, with balanced braces, and no TeX command in it
    but the ones that spell a character."""
    body = entry.split("\n", 1)[1].rsplit("}", 1)[0]
    depth, names, name = 0, [], ""
    for ch in body:
        if depth == 0 and ch == "=":
            names.append(name.strip(" ,\n"))
            name = ""
        elif depth == 0 and ch not in "{}":
            name += ch
        depth += (ch == "{") - (ch == "}")
        assert depth >= 0, body
    assert depth == 0 and names == ["title", "author", "year", "note"], names
    commands = set(re.findall(r"\\([A-Za-z]+)", entry))
    assert commands <= SPELLED, commands


def test_a_hostile_revision_stays_inside_the_note():
    about = Contents({"pi": 1}, None, ["2026-01"])
    entry = _bibtex(dataset_card("mit", REF, {"sessions": 1}, about))
    _fields_are_ours(entry)
    assert "\\textbackslash{}input\\textbraceleft{}/etc/passwd\\textbraceright{}" in entry
    assert "\\$x\\$ 50\\% \\#1 a\\_b" in entry


def test_a_recipe_s_revision_on_the_card_it_writes(tmp_path, capsys):
    bucket = synced(tmp_path, main)
    recipe = tmp_path / "r.toml"
    lines = ["version = 1", 'name = "cite"', "[review]", "accept_suggested = true", f"ref = '''{REF}'''"]
    recipe.write_text("\n".join(lines) + "\n")
    dest = tmp_path / "out"
    assert main([*bucket, "export", "--recipe", str(recipe), str(dest)]) == 0
    _fields_are_ours(_bibtex((dest / "README.md").read_text()))
