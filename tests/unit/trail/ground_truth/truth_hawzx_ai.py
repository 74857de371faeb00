"""Ground truth: a real Copilot CLI session kept in the public repository Tokisaki7-Dev/HAWZX-AI.

The log (../shared/corpus/copilot/Tokisaki7-Dev__HAWZX-AI__.copilot__session-state__27d7ef99-...jsonl,
the older Copilot CLI format: `str_replace_editor` create and str_replace calls, no cwd in the log,
2025-12-02 08:26-08:30 UTC) scaffolded a FastAPI + Electron app in
`c:\\Users\\endri\\Desktop\\Projetos\\HAWZX-AI`: 14 patches. The repository is the user's whole home
folder (`.copilot/`, `.vscode/`, `Desktop/`, ...), so the trail maps `c:/users/endri` onto it; its
fetched mirror lacks the largest blobs (editor extensions, rg.exe), which made the trail fail before
the fix in file_versions._small_blob. The project folder has a repository of its own (0c78ab8, "Ignorar
pasta HAWZX-AI (tem repositório próprio)"), which is not public here: the session's code was committed
there, if anywhere, so this repository cannot tell its fate beyond its own history. Checked by hand
(`git log --all -- Desktop/Projetos/HAWZX-AI`, `git show`):

- only c5ec55f (10:01 UTC) and 96e875e (11:04 UTC) ever touched that folder, and only its Procfile,
  nixpacks.toml and runtime.txt; the HAWZX-AI/ folder at the top (36d93df, uploaded at 06:07 UTC,
  before the session, deleted at 08:35) holds an older, different app.py. The twelve other patches
  (backend/, frontend/, main.js, package.json, .env, railway.json, requirements.txt) never reached a
  commit of this repository: lost, here.
- Not asserted: Procfile and runtime.txt. The session wrote `web: uvicorn backend.app:app --host
  0.0.0.0 --port $PORT` and `python-3.11.0`; c5ec55f committed other text (`${PORT:-8000}`,
  `python-3.12.0`), and 96e875e the session's text again, without the final newline. Another session
  (63df9229, 06:13 UTC) had written the same two one-liners in another folder: whether 96e875e is
  this session's work or a rewrite that matches it the evidence does not say (the trail: alive,
  accepted by 96e875e).

12 patches asserted; 12/12 agree once the trail runs on this copy of the repository (before the fix
it failed as a whole). Judged at f1c0568 (main when the mirror was fetched).
"""

from __future__ import annotations

import subprocess

import pytest
from shared_data import CORPUS, mirror
from support.ground_truth import GroundTruth, Judged, judged_trail

from tracetui.sources import group

LOG = CORPUS / "copilot" / (
    "Tokisaki7-Dev__HAWZX-AI__.copilot__session-state__27d7ef99-f7c7-43eb-8599-cb469623c8f7.jsonl"
)
LOGGED_ROOT = "c:/users/endri"
REF = "f1c0568b9d08f99c15a8aee97994bf879ad7b2e5"
APP = "Desktop/Projetos/HAWZX-AI/"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("4f981321-c2aa-479d-8876-e0baed797927", APP + "backend/__init__.py", "lost", None, None),
    ("c70d0990-4429-448a-b605-e72c569df095", APP + "backend/services/__init__.py", "lost", None, None),
    ("c6d5596a-8372-4d72-85d7-912a486b9694", APP + "backend/app.py", "lost", None, None),
    ("88ce0759-6784-4aac-89f9-f949961f8fb4", APP + "backend/services/ai_service.py", "lost", None, None),
    ("9ee85290-5724-43ab-966c-f125cea348b2", APP + "frontend/index.html", "lost", None, None),
    ("5567d9a8-6b5e-4eeb-ba18-33d7b7d11146", APP + "frontend/style.css", "lost", None, None),
    ("fa11cc24-1235-49fe-b3a5-61a3b72afa5d", APP + "frontend/renderer.js", "lost", None, None),
    ("50d37fc1-285a-437c-b515-63d29a487e1e", APP + "main.js", "lost", None, None),
    ("cc10b5de-cfb1-42f7-bf98-76ad3314423a", APP + "package.json", "lost", None, None),
    ("b89fa586-fee5-4979-97e6-377343cd769b", APP + ".env", "lost", None, None),
    ("6b60bc74-8c05-40fb-a10f-fda2efdaaa16", APP + "railway.json", "lost", None, None),
    ("0f751e0e-d9f0-4fdf-899a-08e5096189b2", APP + "requirements.txt", "lost", None, None),
]


def judge(tmp_path_factory) -> Judged:
    source = mirror("Tokisaki7-Dev", "HAWZX-AI")
    if not LOG.is_file():
        pytest.skip(f"the corpus log is not at {LOG}")
    if source is None:
        pytest.skip("Tokisaki7-Dev/HAWZX-AI was not fetched (fetch github:Tokisaki7-Dev/HAWZX-AI)")
    clone = tmp_path_factory.mktemp("hawzx") / "repo"
    # no checkout: the fetched copy lacks some blobs, and git cannot write those files out
    clone_it = ["git", "clone", "-q", "--no-checkout", str(source), str(clone)]
    subprocess.run(clone_it, check=True, capture_output=True)
    has_ref = ["git", "-C", str(clone), "cat-file", "-e", REF + "^{commit}"]
    known = subprocess.run(has_ref, capture_output=True)
    if known.returncode != 0:
        pytest.skip(f"the mirror of Tokisaki7-Dev/HAWZX-AI lacks {REF[:7]}")
    [files] = group("copilot", [LOG])
    result = judged_trail(files, LOGGED_ROOT, clone, REF)
    return Judged(clone, {"": result.fates})


def every_patch_is_judged_in_the_home_folder_repository(judged: Judged) -> None:
    assert len(judged.fates) == 14
    assert all(f.patch.path.startswith(APP) and f.state != "unknown" for f in judged.fates)


HAWZX_AI = GroundTruth(
    "HAWZX-AI",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: t[1].removeprefix(APP),
    checks=(every_patch_is_judged_in_the_home_folder_repository,),
    corpus=True,
)
