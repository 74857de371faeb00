"""Ground truth: a real Gemini CLI session of wingorithm/Vibe-Coding-Comparison-Project, checked by hand.

The log (../shared/corpus/gemini/wingorithm__Vibe-Coding-Comparison-Project__...ticketing-vc__chats__
session-2026-04-25T08-46-c737eb36.jsonl, a v2 JSONL chat, workspace `C:\\Beta-Project\\Vibe
Engineering\\ticketing-VC`) built a Spring Boot ticketing service with 38 `write_file` and 21
`replace` calls (59 patches, 2026-04-25 08:46-10:30 UTC). The repository's top level is that folder;
its work was committed in 310ce4d ("Implement core features", 10:35 UTC), and five later commits the
same day touched four of its files. The repository is cloned from its fetched mirror into a temporary
folder, never committed here. Each expectation was decided by hand, not from the tool's output: the
log's successful calls were replayed in order and the result compared with `git show 310ce4d:PATH`
(equal for every file but build.gradle), each call's new lines counted at 310ce4d and at the
reference, and `git diff 310ce4d REF` read for the files changed since:

- build.gradle: 8ht4vqn7's starter-web/data-jpa lines, gqsdocvf's h2 line: alive; 9epzne11's
  `springdoc-openapi-starter-webmvc-ui:2.5.0` became 2.8.5 in db9a6d4: transformed; tjgpmffp's Spring
  Boot `3.4.1` never reached a commit (`git log --all -S"version '3.4.1'"` finds none; 310ce4d has
  4.0.6, the user's): lost;
- application.properties (r40frcmx): 2 of its lines (password default, `ddl-auto=update`) were
  replaced in the session (t473my0f and a later edit), the rest committed as written: transformed;
  t473my0f's line: alive;
- creates a later call of the session partly rewrote before 310ce4d, the rest committed unchanged:
  CustomerTier.java (7imisjv1: `BEGINNER, FANS, LOVERS` replaced by 0e3je97i's constructors),
  EventRepository.java (bz9usi91), EventSearchServiceTest.java (59uamjob: its two tests rewritten by
  39ofia5s), BookingController.java (f5isxpef: one comment line): transformed; the rewriting
  calls 0e3je97i, 39ofia5s and moohicjd: alive;
- CustomerTierTest.java (2x8ukku6): 8633acd renamed its three test methods: transformed;
- PaymentService.java (7cvwjvjc, 112 lines): 882b959 replaced RestTemplate by RestClient (the two
  imports, the field, the constructor's parameter and assignment, the `postForEntity` call) and
  restructured one catch block: 76 of its 85 evidence lines are in place, the rest rewritten, and
  no other file holds them: transformed. (The trail said alive: PaymentServiceTest.java, written in
  8633acd just before, repeats the class's import block, and was taken for the home of the rewritten
  lines; fixed in moves._gone, with test_trail_identity's hand-made case.)
- TicketingVcApplication.java (q84loucd's `@EnableScheduling` and its import): 882b959 added two
  beans around them: alive; Event.java, BookingService.java (117 lines), V1 and V5 migrations:
  unchanged since 310ce4d: alive.

Sample: 20 of the 59 patches (every state, creates, the four files changed after the commit, first and
last); 19/20 agreed before the fix, 20/20 after. The other 39 were checked the same way (new lines at
310ce4d and at the reference) and agree.
Judged at db9a6d4 (main when the mirror was fetched).
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

LOG = CORPUS / "gemini" / (
    "wingorithm__Vibe-Coding-Comparison-Project__.gemini__tmp__ticketing-vc__chats__"
    "session-2026-04-25T08-46-c737eb36.jsonl"
)
LOGGED_ROOT = "c:/beta-project/vibe engineering/ticketing-vc"
REF = "db9a6d401ec63b8c59aea0ecf30b0227aebfe785"
CORE = "310ce4d7341fa223342117b808c73cba131e1479"
J = "src/main/java/wingorithm/ticketing/vibecoding/"
T = "src/test/java/wingorithm/ticketing/vibecoding/"
PROPS = "src/main/resources/application.properties"
MIGRATIONS = "src/main/resources/db/migration/"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("05f0b5d0-0aa0-4773-a6da-103aaddf15b4:call:8ht4vqn7", "build.gradle", "alive", CORE, None),
    ("05f0b5d0-0aa0-4773-a6da-103aaddf15b4:call:r40frcmx", PROPS, "transformed", CORE, None),
    (
        "2cc4f119-c7aa-4631-9dd3-97b0d7f55372:call:7imisjv1",
        J + "domain/customer/CustomerTier.java",
        "transformed",
        CORE,
        None,
    ),
    (
        "97fa0446-61b8-461e-a1a8-25f4f2746e5d:call:0pq7sdli",
        J + "domain/event/Event.java",
        "alive",
        CORE,
        None,
    ),
    (
        "97fa0446-61b8-461e-a1a8-25f4f2746e5d:call:bz9usi91",
        J + "infrastructure/persistence/event/EventRepository.java",
        "transformed",
        CORE,
        None,
    ),
    ("7dae1fd2-de52-4e50-a752-22e03670003e:call:9epzne11", "build.gradle", "transformed", CORE, None),
    (
        "43efba38-bcbf-4239-8089-d0f5b3263172:call:59uamjob",
        T + "application/event/EventSearchServiceTest.java",
        "transformed",
        CORE,
        None,
    ),
    ("4d68c480-c634-4238-a479-4fdda6142e92:call:gqsdocvf", "build.gradle", "alive", CORE, None),
    ("1a795cf1-e956-4382-9628-de1f00a9b156:call:tjgpmffp", "build.gradle", "lost", None, None),
    ("2406b4f8-01fe-42da-a142-3d3427f025ff:call:t473my0f", PROPS, "alive", CORE, None),
    (
        "643bba04-1994-41fc-861e-b4234f4ce086:call:ophd1nzn",
        MIGRATIONS + "V1__initial_schema.sql",
        "alive",
        CORE,
        None,
    ),
    (
        "bf61d0cd-e3c6-405d-8d90-86b085d59d24:call:0e3je97i",
        J + "domain/customer/CustomerTier.java",
        "alive",
        CORE,
        None,
    ),
    (
        "bf61d0cd-e3c6-405d-8d90-86b085d59d24:call:2x8ukku6",
        T + "domain/customer/CustomerTierTest.java",
        "transformed",
        CORE,
        None,
    ),
    (
        "1f1ce9c7-7ca6-4abb-8a36-2cba5e3d5498:call:39ofia5s",
        T + "application/event/EventSearchServiceTest.java",
        "alive",
        CORE,
        None,
    ),
    (
        "d9cc704f-c9e5-41b4-945f-92095162be91:call:lu4a0kp2",
        J + "application/booking/BookingService.java",
        "alive",
        CORE,
        None,
    ),
    (
        "4bd4e345-7e82-45e2-8780-7e7d3bfec86c:call:f5isxpef",
        J + "presentation/rest/booking/BookingController.java",
        "transformed",
        CORE,
        None,
    ),
    (
        "c2c260a3-bd49-44e9-b0de-12d7ec6cfe12:call:q84loucd",
        J + "TicketingVcApplication.java",
        "alive",
        CORE,
        None,
    ),
    (
        "850ef28c-cdd6-4994-bd1a-f2438c800587:call:yu40pgon",
        MIGRATIONS + "V5__add_receipt_url.sql",
        "alive",
        CORE,
        None,
    ),
    (
        "dee4dc07-013f-42ee-ba96-08754fc61a72:call:7cvwjvjc",
        J + "application/booking/PaymentService.java",
        "transformed",
        CORE,
        None,
    ),
    (
        "dee4dc07-013f-42ee-ba96-08754fc61a72:call:moohicjd",
        J + "presentation/rest/booking/BookingController.java",
        "alive",
        CORE,
        None,
    ),
]


def rewritten_lines_are_not_found_in_a_test_that_shares_the_import_block(judged: Judged) -> None:
    [f] = [f for f in judged.fates if f.patch.step_id.endswith(":7cvwjvjc")]
    assert (f.kept, f.evidence, f.path_now) == (76, 85, None)


def every_patch_of_the_session_is_judged(judged: Judged) -> None:
    assert len(judged.fates) == 59
    assert not [f for f in judged.fates if f.state == "unknown" or f.patch.partial]


VIBE_CODING = GroundTruth(
    "vibe-coding",
    CorpusLog("gemini", LOG, "wingorithm", "Vibe-Coding-Comparison-Project", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0][-8:]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(
        rewritten_lines_are_not_found_in_a_test_that_shares_the_import_block,
        every_patch_of_the_session_is_judged,
    ),
    corpus=True,
)
