"""Ground truth: real GitHub Copilot CLI sessions (1.0.27) kept in the public repository
yenkaiwang/nividaClaw.

The repository runs Copilot in GitHub Actions on an issue's comment: each run checks out an orphan
branch `issue-N`, Copilot works in /home/runner/work/nividaClaw/nividaClaw, and the bot commits what it
left ("Update results for issue #N") with its `~/.copilot/session-state` copied into the repository.
So each log is taken from the commit that holds it, and main (50fae3c, the tip when the mirror was
fetched) never holds the branches' files: each patch is judged at its branch's tip, as the trail
says (`judged_at`). Decided by hand from the branches' history, not from the tool's output:

- 6605bc99 (issue #4, "請畫出日本美女"): a `create` of artifacts/4359229809/japanese_beauty.py and 19
  `edit`s of it, then result.md. Replaying the create and the edits gives the file eb599af committed,
  byte for byte, and origin/issue-4 still holds it: each edit's new text is there once and its old text
  nowhere (alive, eb599af); the create's text was partly rewritten by those edits before the commit
  (transformed, eb599af). result.md is at the tip as written (alive).
- Four runs on issue #1 each change `.copilot/config.json`'s model and write a result.md (each result.md
  is at origin/issue-1's tip as written: alive, committed by the bot right after the run):
  52f1f633 (11:04) adds the `models` block (`minimaxai/minimax-m2.7`); d9ed79f commits it 43 s later;
  the next run's edit replaced its `default` line, its other lines are there: transformed, d9ed79f.
  Before the Copilot reader dropped the diff's line after the last newline the trail could not place
  the edit and called it lost.
  e50e6eb0 (11:22, minimax -> gemma-4-31b-it): committed by 1422226, its line replaced by ca0ab59
  (the next run): reverted. 11f725a0 (13:55, gemma -> Llama-3.1-Nemotron-70B-Reward): committed by
  ca0ab59, its line replaced by the owner's 2d80fd4 ("Change default model to Stable Diffusion
  3/XL"): reverted. cb22b326 (04-29 02:35, "Stable Diffusion 3/XL" -> stable-diffusion-3.5-large):
  committed by 82b819f, unchanged at the tip: alive.

29 patches asserted; 28/29 agreed before the fix (the config.json edit of 52f1f633 read lost).
One edit of 6605bc99 (9fba8ac6) has a diff of two overlapping hunks: its verdict was right, but
placed by a guess from git until the reader joined them.
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

OWNER, NAME = "yenkaiwang", "nividaClaw"
REF = "50fae3c9407dfb1595ac947682383c6c60007994"
LOGGED_ROOT = "/home/runner/work/nividaClaw/nividaClaw"
STATE = ".copilot/session-state"
ISSUE1, ISSUE4 = "refs/remotes/origin/issue-1", "refs/remotes/origin/issue-4"
CONFIG = ".copilot/config.json"
BEAUTY = "artifacts/4359229809/japanese_beauty.py"
AT_4 = "eb599afb12899c243d5cdbba238bd38df8edd3f7"
MINIMAX = "d9ed79f4483d9ee5f1362e757f50d12fe80c329f"
GEMMA = "1422226dac260ea4a8862711895c7671972fcb5b"
LLAMA = "ca0ab59fb417c68317c19a9642c1bc6f21b6f718"
SD35 = "82b819f170b5028ca18fe49aa09d702d287d6800"

# session -> the commit that holds its log
LOGS = {
    "6605bc99-7a33-4cbb-9817-90bfd932f526": AT_4,
    "52f1f633-6b07-413c-a0e6-a0c79cf89944": MINIMAX,
    "e50e6eb0-f398-4fbd-ab58-258a2548f2e4": GEMMA,
    "11f725a0-bf64-4f30-bd7d-f5224aa8a660": LLAMA,
    "cb22b326-cb9a-4e03-a975-3b44b46fdc5a": SD35,
}
BEAUTY_EDITS = [
    "4ce20499-4022-472b-b8ee-a17673d9c156",
    "ec6d0cca-81d6-4d96-90b0-8f960c2e9efe",
    "67d648e1-dd2a-4269-8f29-79437c4ef7f5",
    "cf5ad716-f91f-40f2-bf57-23b53ad59b53",
    "34f29587-8971-45ad-a6d5-6271c640466e",
    "7a11fc26-d987-4613-a71d-5e8156c016c3",
    "254bf56d-b37e-4f3d-bef9-54359cddc93c",
    "5538ed95-b7da-451c-aab6-43fc56a1561d",
    "9fba8ac6-5752-4744-b52b-ec329c61f232",
    "969622e6-f1f6-4df4-ad03-fff795def379",
    "98ec5278-8402-4baf-9242-c31bd2dde0fc",
    "3788cbe1-6345-426b-b3d1-94ea1db99c99",
    "d3787b24-e307-455a-a4f8-2f280af4d2f7",
    "d6190ad8-77f7-4d32-8370-1b9706c74535",
    "45264ff9-79a4-41df-8d06-98ae30d581f7",
    "6a33db64-800d-43c0-b4ae-80779804d324",
    "beeaa71a-0688-45ac-8a55-b2f08d68eec3",
    "f8d2c5fa-96c2-434d-85a0-fbfc7786e7c3",
    "d29b8595-d0c4-4a8d-9e01-fa2de329a12d",
]
# (step id, path, state, accepting commit, judged at)
TRUTH = [
    ("4a7f46e3-bd72-462b-8609-beefa00f4857:2", BEAUTY, "transformed", AT_4, ISSUE4),
    *[(step, BEAUTY, "alive", AT_4, ISSUE4) for step in BEAUTY_EDITS],
    ("ce10627e-a3ce-48a5-86ca-a359623ce467", "artifacts/4359229809/result.md", "alive", AT_4, ISSUE4),
    ("edacc213-82e5-4deb-b5c7-deca1b27af6d:1", CONFIG, "transformed", MINIMAX, ISSUE1),
    ("17b0e8c7-15cc-479f-b2d4-67842b8cf976", "artifacts/4334627792/result.md", "alive", MINIMAX, ISSUE1),
    ("b36b4458-dea0-455c-aed2-50c5676a18da", CONFIG, "reverted", GEMMA, ISSUE1),
    ("dada86f0-df7c-4c66-b6ac-bf7e410ec089:1", "artifacts/4334753714/result.md", "alive", GEMMA, ISSUE1),
    ("16d56f61-a480-4e36-b442-76a9fbb2a464", CONFIG, "reverted", LLAMA, ISSUE1),
    ("4fdbf077-608d-4114-ae5d-9f625d6bbc1b:1", "artifacts/4335858286/result.md", "alive", LLAMA, ISSUE1),
    ("92c0cf77-353d-4468-a66f-e5770ec82b9a", CONFIG, "alive", SD35, ISSUE1),
    ("1160905d-88fc-4a66-ae69-6720e90b0c4f", "artifacts/4340436466/result.md", "alive", SD35, ISSUE1),
]


def judge(tmp_path_factory) -> Judged:
    """Every patch of the five sessions, each log taken from the commit that holds it."""
    repo = mirrored.clone(tmp_path_factory, OWNER, NAME, REF, *LOGS.values())
    out = []
    for sid, commit in LOGS.items():
        logs = mirrored.committed_folder(repo, commit, f"{STATE}/{sid}", tmp_path_factory.mktemp(sid[:8]))
        [files] = group("copilot", [p for p in logs if p.name == "events.jsonl"])
        result = trail(read_session(files), repo=repo, ref=REF)
        assert result.note == f"paths under {LOGGED_ROOT} (as logged) are read in {repo}"
        out.extend(result.fates)
    return Judged(repo, {"": out})


def every_patch_is_asserted_and_placed_by_its_own_diff(judged: Judged) -> None:
    fates = judged.fates
    assert len(fates) == len(TRUTH)
    # 9fba8ac6's diff has two overlapping hunks: before the reader joined them its before-state was
    # guessed from git (`partial`), as was 52f1f633's config.json edit before the end-of-text fix
    assert [f.patch.step_id for f in fates if f.patch.partial] == []


def no_patch_was_renamed(judged: Judged) -> None:
    # every row's file is where the session wrote it (each row asserted this; every patch is a row)
    assert [f.patch.step_id for f in judged.fates if f.path_now is not None] == []


NIVIDACLAW = GroundTruth(
    "nividaClaw",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "judged_at"),
    label=lambda t: f"{t[0][:8]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(every_patch_is_asserted_and_placed_by_its_own_diff, no_patch_was_renamed),
)
