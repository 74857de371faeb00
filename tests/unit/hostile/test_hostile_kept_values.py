"""A value the user chose to keep (a rejected finding: their own user name, say) is not a leak where it
shows. The second gate passed every sure finding that merely held a kept value, so keeping the name
`dev` let `dev:<password>` through wherever no field holds it (a patch's context lines from git, the
parts of a raw log no reader shows): a credential's finding names its user. Only what lies within a kept
value passes now. The password is made up here.
"""

from __future__ import annotations

import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import SealRefused, seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.capsule.scrub import Scrubbed, gate_findings
from tracetui.model import Session

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

URL = "postgres://dev:Tq8Lm2Vx9Rk4Wz7Np@db.internal/app"


def test_a_finding_that_holds_a_kept_value_is_still_a_finding():
    scrubbed = Scrubbed(Session("s", "claude", "x"), [], [], kept_values={"dev"})
    found = gate_findings({"trail.jsonl": f'{{"diff": " DATABASE_URL={URL}"}}'.encode()}, scrubbed)
    assert [g.value for g in found] == ["dev:Tq8Lm2Vx9Rk4Wz7Np"]
    kept = Scrubbed(Session("s", "claude", "x"), [], [], kept_values={"dev:Tq8Lm2Vx9Rk4Wz7Np"})
    assert gate_findings({"trail.jsonl": f'{{"diff": " DATABASE_URL={URL}"}}'.encode()}, kept) == []


def test_keeping_the_user_s_name_keeps_no_password_of_theirs_from_git(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    (repo / "README.md").write_text(f"# calc\n\nAdds numbers.\nDATABASE_URL={URL}\n")
    kit.git(repo, "commit", "-qam", "readme")
    session = kit.make_session(repo, extra_text=", signed dev")
    plan = kit.find_values(session, {"dev": ("user-name", "auto")}, decision="rejected")
    with pytest.raises(SealRefused, match="second gate") as refused:
        seal(session, plan, repo=repo)
    assert {(f["member"], f["tier"]) for f in refused.value.findings} == {("trail.jsonl", "auto")}
    # Issue 35: --accept-suggested scrubs what the gate finds where no review could show it.
    sealed = seal(session, plan, repo=repo, accept_suggested=True)
    assert b"Tq8Lm2Vx9Rk4Wz7Np" not in b"".join(read_archive(sealed.data, ALLOWED).values())
