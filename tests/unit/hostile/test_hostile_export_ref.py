"""The revision an export's labels refer to (`--ref`, a recipe's `review.ref`) is written where no gate
reads it: the dataset card (twice), the manifest's options and each raw receipt's labels. A branch
named with a token (or with the user's name, which the gate scrubs from every row) went out there as
it was, while the same name was a placeholder in the Parquet rows and refused the ATIF export as "a
bug: please report it". Found by exporting with `--ref feat/<token>` and grepping the folder. An export
whose `--ref` holds what the gate scrubs now refuses before anything is written, and says to name the
revision by its commit id or a tag. The token is made up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.gate_kit import pi_bucket, v3_tree

from tracetui.cli import main

TOKEN = "ghp_" + "Qm7Xc2Vb9Nz4Lk1Jh8Gf5Ds3Ap6Wo0Ei2Ru4T"


@pytest.mark.parametrize("fmt", ["raw", "parquet", "atif"])
def test_an_export_never_writes_a_ref_that_holds_a_token(tmp_path: Path, capsys, fmt):
    bucket = pi_bucket(tmp_path, {"s.jsonl": v3_tree()})
    dest = tmp_path / fmt
    capsys.readouterr()
    code = main(["--bucket", str(bucket), "export", str(dest), "--format", fmt, "--accept-suggested",
                 "--ref", f"feat/{TOKEN}", "--json"])  # fmt: skip
    out = capsys.readouterr()
    assert code == 1 and not dest.exists()
    assert TOKEN not in out.out + out.err
    assert "commit id" in json.loads(out.out)["error"]


def test_a_plain_ref_still_exports(tmp_path: Path, capsys):
    bucket = pi_bucket(tmp_path, {"s.jsonl": v3_tree()})
    dest = tmp_path / "raw"
    code = main(["--bucket", str(bucket), "export", str(dest), "--format", "raw", "--accept-suggested",
                 "--ref", "release/v1.2", "--json"])  # fmt: skip
    assert code == 0 and "release/v1.2" in (dest / "README.md").read_text()
