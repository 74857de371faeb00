"""Ground truth: a real Gemini CLI session of the public repository Pasha1213123123/short, checked by hand.

The log (../shared/corpus/gemini/Pasha1213123123__short__.gemini__chats__session-2026-03-09T18-05-
0e9049f5.json, a v1 JSON chat, workspace `D:\\Flutter\\shortrezerv`, 2026-03-09 18:07-18:48 UTC) planned
and built changes to a Flutter short-video app (a speed-dial FAB, autoplay, genres, portrait lock,
the upload screen moved into settings) with `write_file` and `replace` calls, and wrote a plan or a
report in DOCS/analysis after each: 40 patches. The user committed most of it in c6ef8ef ("09.03.26",
18:52 UTC) and the rest, with eleven days of other work, in 1365012 ("20.03", the reference). The
repository is cloned from its fetched mirror into a temporary folder, never committed here. Each
expectation was decided by hand, not from the tool's output: each call's new lines (its new text less
its old) were counted in the file at c6ef8ef~1, c6ef8ef and 1365012, and `git diff c6ef8ef 1365012`,
`git log --all -S` read where they differ:

- DOCS/analysis/action_plan.md, my_prompts/report_001.md and the five report_002*.md files: never in
  any commit under any name (`git log --all -S` on a line of each finds only 1365012's copies of the
  chat log and of Gemini's tool-output files under .gemini/, which are the log, not the file): lost;
- the plans (autoplay_plan.md, fab_plan.md, ...) and report_003/004: in c6ef8ef as written, unchanged
  since: alive;
- Info.plist (the four landscape orientations removed) and shorts_page_view.dart's removed upload FAB
  (28 lines): still absent at both commits: alive;
- pubspec.yaml: the session added `flutter_speed_dial: ^7.1.0`, then replaced it with `^7.0.0`
  before any commit (lost); c6ef8ef left pubspec.yaml out, and 1365012 holds the `^7.0.0` line:
  alive, accepted by 1365012;
- upload_screen.dart: the genre-selection heading (077780_2) was restyled in 1365012 (SizedBox 16 ->
  24, the "Select Genres:" Text replaced by a localised Row): transformed; `_buildGenreSelection`
  (077846_3, 26 evidence lines) lost one line to 1365012 (`addAll(['Action', ...])` became
  `addAll(AppConstants.defaultGenres)`): transformed. (The trail said alive: 1365012 also added
  DOCS/analysis/multi_genre_filter_plan.md, which quotes `.toList();` and other lines still in place,
  and was taken for the home of the rewritten line; fixed in moves._gone.)
- short_player_screen.dart's FAB rewrite (246126_1) folded the three buttons into one SpeedDial: its
  37 lines of its own (the dial, its children's icons, labels and styles) are at the reference as
  written: alive. The onTap bodies it moved, re-indented, from the old buttons into the children are
  not its lines (the same lines but for whitespace); 1365012 reworded three of them
  (`FirebaseAnalytics.instance.logEvent(` -> `ref.read(firebaseAnalyticsProvider).logEvent(`), which
  read as the patch transformed until the trail set such lines aside (PaTa's ground truth). The
  other short_player_screen, providers, settings_screen, main.dart and AndroidManifest edits: all
  their lines are at the reference: alive.

Sample: 20 of the 40 patches (every state, created files, both deletions, the files 1365012 changed,
first and last); 19/20 agreed before the fix, 20/20 after. The other 20 were counted the same way and
agree.
Judged at 1365012 (main when the mirror was fetched).
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

LOG = CORPUS / "gemini" / "Pasha1213123123__short__.gemini__chats__session-2026-03-09T18-05-0e9049f5.json"
LOGGED_ROOT = "d:/flutter/shortrezerv"
REF = "1365012a36371e9fdd2e86cd95bcd7128b5fb31b"
LATER = REF
DAY = "c6ef8ef61e51f9926b785bc9b352b6c8dfecfc47"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    (
        "0f31dad3-9f1c-432f-81c1-081c4bc470fa:call:write_file_1773080204049_0",
        "DOCS/analysis/action_plan.md",
        "lost",
        None,
        None,
    ),
    (
        "b515af80-544d-4879-bae5-2dbfc72daf81:call:write_file_1773080217986_0",
        "DOCS/analysis/my_prompts/report_001.md",
        "lost",
        None,
        None,
    ),
    (
        "e428aaca-e7aa-4189-ae54-229a1f88df72:call:write_file_1773080567701_3",
        "DOCS/analysis/my_prompts/report_002_shorts_page_view.md",
        "lost",
        None,
        None,
    ),
    (
        "7aba81c0-feb9-4af6-9bbc-a8eba7de37b7:call:write_file_1773080411309_0",
        "DOCS/analysis/autoplay_plan.md",
        "alive",
        DAY,
        None,
    ),
    (
        "e3c1236e-8bc9-4ce8-89f9-42b3efcaa4a0:call:replace_1773080420852_0",
        "lib/providers.dart",
        "alive",
        DAY,
        None,
    ),
    (
        "c87cf95c-8f1f-4809-9be4-2e281324793a:call:replace_1773080424223_0",
        "lib/screens/settings_screen.dart",
        "alive",
        DAY,
        None,
    ),
    (
        "0a3372b2-3296-4526-9c4f-807b9df20750:call:replace_1773080432299_0",
        "lib/screens/short_player_screen.dart",
        "alive",
        DAY,
        None,
    ),
    (
        "8d42485f-618b-419d-9dbe-9737eb14b903:call:replace_1773081036848_1",
        "lib/main.dart",
        "alive",
        DAY,
        None,
    ),
    (
        "ae498219-59dc-4113-b58c-93b478acbc93:call:replace_1773081043508_0",
        "android/app/src/main/AndroidManifest.xml",
        "alive",
        DAY,
        None,
    ),
    (
        "6e3b1698-accd-4eca-8891-ed18c57bf8a0:call:replace_1773081049342_0",
        "ios/Runner/Info.plist",
        "alive",
        DAY,
        None,
    ),
    (
        "03e81aa0-fe94-4e3c-8a1f-f291c63f7327:call:replace_1773081063427_2",
        "lib/providers.dart",
        "alive",
        DAY,
        None,
    ),
    (
        "6c252167-1cbb-4816-81b8-a05d049ae7b4:call:replace_1773081077780_2",
        "lib/screens/upload_screen.dart",
        "transformed",
        DAY,
        None,
    ),
    (
        "6c252167-1cbb-4816-81b8-a05d049ae7b4:call:replace_1773081077846_3",
        "lib/screens/upload_screen.dart",
        "transformed",
        DAY,
        None,
    ),
    ("77b411a4-6696-4a35-a66b-e86734d6523c:call:replace_1773081085673_0", "pubspec.yaml", "lost", None, None),
    (
        "ba8f2420-12ad-433b-8159-0e1234f4f69c:call:replace_1773081223754_0",
        "pubspec.yaml",
        "alive",
        LATER,
        None,
    ),
    (
        "6618e930-790f-4023-8f94-6ad54f6ad719:call:replace_1773081246126_1",
        "lib/screens/short_player_screen.dart",
        "alive",
        DAY,
        None,
    ),
    (
        "034d9e55-2327-406d-b97c-a795599737e5:call:write_file_1773081252031_0",
        "DOCS/analysis/my_prompts/report_003_final.md",
        "alive",
        DAY,
        None,
    ),
    (
        "47af182a-e927-42e0-9f5f-6bad548bc46e:call:replace_1773081777907_0",
        "lib/screens/shorts_page_view.dart",
        "alive",
        DAY,
        None,
    ),
    (
        "c6ada3ef-e837-4447-b2b6-d79b523e18c4:call:replace_1773081786154_1",
        "lib/screens/settings_screen.dart",
        "alive",
        DAY,
        None,
    ),
    (
        "1995b259-154d-450e-8eb2-ab46690f1837:call:write_file_1773081790804_0",
        "DOCS/analysis/my_prompts/report_004_move_upload.md",
        "alive",
        DAY,
        None,
    ),
]


def a_plan_quoting_lines_still_in_place_is_not_their_new_home(judged: Judged) -> None:
    [f] = [f for f in judged.fates if f.patch.step_id.endswith("replace_1773081077846_3")]
    assert (f.kept, f.evidence, f.path_now) == (25, 26, None)


def the_version_replaced_before_any_commit_is_superseded(judged: Judged) -> None:
    [first] = [f for f in judged.fates if f.patch.step_id.endswith("replace_1773081085673_0")]
    assert first.superseded_by == "ba8f2420-12ad-433b-8159-0e1234f4f69c:call:replace_1773081223754_0"


def every_patch_of_the_session_is_judged(judged: Judged) -> None:
    assert len(judged.fates) == 40
    assert not [f for f in judged.fates if f.state == "unknown" or f.patch.partial]


SHORT = GroundTruth(
    "short",
    CorpusLog("gemini", LOG, "Pasha1213123123", "short", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0][-15:]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(
        a_plan_quoting_lines_still_in_place_is_not_their_new_home,
        the_version_replaced_before_any_commit_is_superseded,
        every_patch_of_the_session_is_judged,
    ),
    corpus=True,
)
