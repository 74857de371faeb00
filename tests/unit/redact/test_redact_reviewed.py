"""The review's scan cache as the export's second gate reads it (`redact/reviewed.py`): an entry is
taken only where the review ran every detector over exactly that text to the end, with the gate's
detectors' code and identity, and the user's key vouches for it. Values are made up here."""

from __future__ import annotations

import os

import orjson
import pytest

from tracetui.model import Session, Step
from tracetui.redact import reviewed, scan
from tracetui.redact.detect import scan_text
from tracetui.redact.finding import AUTO
from tracetui.redact.field_key import field_key
from tracetui.redact.identity import Identity
from tracetui.redact.plan import PlanStore
from tracetui.redact.scan import gate_scan, refresh_plan, session_identity

SECRET = "export DB_PASS=Zq8!vR2#pL9mXw4t"  # the format rules alone miss it; every detector finds it
PLAIN = "the tests pass on both machines now"
ME = Identity(user_names={"alee"}, host_names={"build-box-7"})


def _session(*texts: str, sid: str = "s-reviewed") -> Session:
    steps = [Step(id=f"u{n}", index=n, kind="user", role="user", text=t) for n, t in enumerate(texts)]
    return Session(id=sid, agent="claude", source="x.jsonl", title="a run", steps=steps)


def _reviewed(tmp_path, session: Session) -> tuple[PlanStore, reviewed.ReviewedScans]:
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    refresh_plan(session, store, ME, workers=0)
    return store, reviewed.ReviewedScans(store.cache_path(session.id), session_identity(session, ME))


def _cache(store: PlanStore, session: Session) -> dict:
    return orjson.loads(store.cache_path(session.id).read_bytes())


def _write(store: PlanStore, session: Session, data: dict) -> None:
    store.cache_path(session.id).write_bytes(orjson.dumps(data))


def _out_of_time_for(monkeypatch, marker: str, fast_too: bool = False) -> None:
    """The review's full scan (and with `fast_too` its format rules) of a text holding `marker`
    runs out of time; the gate's own scan (which names its `scan`) does not."""
    real = scan.scan_in_time

    def timed(text, identity, syntax=scan.UNKNOWN, *, fast=False, scan=None, slack=1.0):
        if scan is None and marker in text and (fast_too or not fast):
            return None
        return real(text, identity, syntax, fast=fast, scan=scan, slack=slack)

    monkeypatch.setattr(scan, "scan_in_time", timed)


def test_a_text_the_review_scanned_whole_is_taken_as_the_gate_would_scan_it(tmp_path):
    session = _session(SECRET, PLAIN)
    _, taken = _reviewed(tmp_path, session)
    identity = session_identity(session, ME)
    for text in (SECRET, PLAIN):
        assert taken.take(text) == gate_scan(text, identity)
    assert any(f.tier == AUTO for f in taken.take(SECRET) or [])
    assert taken.take("a text the review never saw") is None


def test_a_field_of_config_or_prose_is_taken_as_text_of_no_known_kind(tmp_path):
    """The detectors read config and prose as any text (`syntax.read_as`), so the review files such a
    field under the key the gate asks by; code is read apart, and its entry stays apart, with its scan
    as text of no known kind filed beside it: the gate's own scan of it."""
    conf, md, code = (f"{SECRET} # {n}" for n in ("conf", "md", "py"))
    steps = [
        Step(id=f"c{i}", index=i, kind="tool_call", role="assistant", tool="Write", tool_call_id=f"t{i}",
             tool_input={"file_path": f"/w/app/{name}", "content": text})
        for i, (name, text) in enumerate((("app.conf", conf), ("NOTES.md", md), ("settings.py", code)))
    ]
    session = Session(id="s-kinds", agent="claude", source="x.jsonl", title="a run", steps=steps)
    _, taken = _reviewed(tmp_path, session)
    identity = session_identity(session, ME)
    for text in (conf, md):
        assert taken.take(text) == gate_scan(text, identity)
        assert any(f.tier == AUTO for f in taken.take(text) or [])
    assert taken.take(code) == gate_scan(code, identity)
    assert any(f.tier == AUTO for f in taken.take(code) or [])
    assert field_key(conf, "config") == field_key(conf, "prose") == field_key(conf) != field_key(conf, "code")


def test_a_field_only_the_format_rules_read_in_time_is_not_taken(tmp_path, monkeypatch):
    """The cache keeps the format rules' findings of a field whose full scan ran out: nothing there
    for SECRET. The gate must scan it whole, and find the password."""
    _out_of_time_for(monkeypatch, "DB_PASS")
    session = _session(SECRET, PLAIN)
    store, taken = _reviewed(tmp_path, session)
    assert _cache(store, session)["fields"][field_key(SECRET)] == []  # the rules alone: nothing
    assert taken.take(SECRET) is None
    assert taken.take(PLAIN) is not None
    assert any(f.tier == AUTO for f in gate_scan(SECRET, session_identity(session, ME)))


def test_an_unscanned_field_is_not_taken(tmp_path, monkeypatch):
    _out_of_time_for(monkeypatch, "DB_PASS", fast_too=True)
    session = _session(SECRET, PLAIN)
    store, taken = _reviewed(tmp_path, session)
    rows = _cache(store, session)["fields"][field_key(SECRET)]
    assert [r["kind"] for r in rows] == ["unscanned"]  # a suggestion: the gate looks at sure findings
    assert taken.take(SECRET) is None


def test_a_cache_written_before_the_marks_is_not_taken_by_the_gate_but_still_read_by_the_review(
    tmp_path, monkeypatch
):
    session = _session(SECRET, PLAIN)
    store, _ = _reviewed(tmp_path, session)
    old = _cache(store, session)
    del old[reviewed.GATE]
    _write(store, session, old)
    fresh = reviewed.ReviewedScans(store.cache_path(session.id), session_identity(session, ME))
    assert fresh.take(SECRET) is None and fresh.take(PLAIN) is None

    def no_scan(*args, **kwargs):
        raise AssertionError("the review scanned a cached field again")

    monkeypatch.setattr(scan, "_scan_many", no_scan)
    refresh_plan(session, store, ME, workers=0)  # every field answered from the old cache
    assert reviewed.GATE not in _cache(store, session)  # nothing made the old entries the gate's


def test_another_code_digest_or_identity_is_not_taken(tmp_path, monkeypatch):
    session = _session(SECRET, PLAIN)
    store, taken = _reviewed(tmp_path, session)
    path = store.cache_path(session.id)
    assert taken.take(PLAIN) is not None
    other = Identity(user_names={"bstone"}).merged(session_identity(session, ME))
    assert reviewed.ReviewedScans(path, other).take(PLAIN) is None
    monkeypatch.setattr(reviewed, "detectors_code", lambda: "0123456789abcdef")
    assert reviewed.ReviewedScans(path, session_identity(session, ME)).take(PLAIN) is None


@pytest.mark.parametrize("damage", ["truncated", "not json", "rows of strings", "offsets past the text"])
def test_a_damaged_cache_is_not_taken(tmp_path, damage):
    session = _session(SECRET, PLAIN)
    store, _ = _reviewed(tmp_path, session)
    path = store.cache_path(session.id)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-40])
    elif damage == "not json":
        path.write_bytes(b"\xff\xfe not json")
    else:
        data = _cache(store, session)
        rows = data["fields"][field_key(SECRET)]
        data["fields"][field_key(SECRET)] = (
            ["start", "end"] if damage == "rows of strings" else [{**rows[0], "end": 10_000}]
        )
        _write(store, session, data)
    assert reviewed.ReviewedScans(path, session_identity(session, ME)).take(SECRET) is None


@pytest.mark.timeout(20)
@pytest.mark.parametrize("kind", ["fifo", "link to a fifo", "link to the cache", "huge", "folder"])
def test_a_cache_that_is_no_plain_file_or_huge_is_ignored_without_hanging(tmp_path, kind):
    session = _session(SECRET, PLAIN)
    store, _ = _reviewed(tmp_path, session)
    path = store.cache_path(session.id)
    if kind in ("fifo", "link to a fifo"):
        path.unlink()
        fifo = path if kind == "fifo" else tmp_path / "fifo"
        os.mkfifo(fifo)
        if kind == "link to a fifo":
            path.symlink_to(fifo)
    elif kind == "link to the cache":
        path.rename(tmp_path / "elsewhere.json")
        path.symlink_to(tmp_path / "elsewhere.json")
    elif kind == "folder":
        path.unlink()
        path.mkdir()
    else:  # sparse: nothing of it is on disk
        with path.open("r+b") as fh:
            fh.truncate(reviewed.MOST_BYTES + 1)
    assert reviewed.ReviewedScans(path, session_identity(session, ME)).take(PLAIN) is None


def test_marks_made_without_the_users_key_are_not_taken(tmp_path, monkeypatch):
    """The bucket may be shared, synced or received, and the salt and code digest are anyone's to
    work out: a planter's entry saying the secret's text holds nothing must not be taken."""
    session = _session(SECRET, PLAIN)
    store, _ = _reviewed(tmp_path, session)
    data = _cache(store, session)
    digest = field_key(SECRET)
    data["fields"][digest] = []  # findings removed, the user's mark kept
    _write(store, session, data)
    identity = session_identity(session, ME)
    assert reviewed.ReviewedScans(store.cache_path(session.id), identity).take(SECRET) is None
    planter = b"p" * 32  # marked again, with a key of the planter's own
    data["gate"]["marks"][digest] = reviewed._mark(planter, data["salt"], data["gate"]["code"], digest, [])
    _write(store, session, data)
    assert reviewed.ReviewedScans(store.cache_path(session.id), identity).take(SECRET) is None


def test_a_forged_mark_is_carried_by_the_review_as_it_is_never_made_good(tmp_path):
    """The review keeps the marks of entries it did not scan as they are: it never marks anew what
    it did not scan itself, so growing the session does not launder a planted entry."""
    session = _session(SECRET, PLAIN)
    store, _ = _reviewed(tmp_path, session)
    data = _cache(store, session)
    digest = field_key(SECRET)
    data["fields"][digest] = []
    data["gate"]["marks"][digest] = "0" * 32
    _write(store, session, data)
    grown = _session(SECRET, PLAIN, "one more message")
    refresh_plan(grown, store, ME, workers=0)
    again = _cache(store, grown)
    assert again["fields"][digest] == [] and again["gate"]["marks"][digest] == "0" * 32
    taken = reviewed.ReviewedScans(store.cache_path(grown.id), session_identity(grown, ME))
    assert taken.take(SECRET) is None and taken.take("one more message") is not None


def test_an_entry_with_its_findings_removed_answers_for_its_own_text_alone(tmp_path):
    """The gate looks up the digest of the very text it is about to let out, so an entry can only
    ever answer for the text it was made of. Even one that holds nothing for SECRET and carries a
    good mark (only the user's own key makes one) answers for SECRET alone: not for SECRET within
    a longer text, nor for a text differing by one character."""
    session = _session(SECRET, PLAIN)
    store, _ = _reviewed(tmp_path, session)
    data = _cache(store, session)
    digest = field_key(SECRET)
    data["fields"][digest] = []
    key = reviewed.user_key()
    assert key is not None
    data["gate"]["marks"][digest] = reviewed._mark(key, data["salt"], data["gate"]["code"], digest, [])
    _write(store, session, data)
    taken = reviewed.ReviewedScans(store.cache_path(session.id), session_identity(session, ME))
    assert taken.take(SECRET) == []
    for text in (SECRET + "\n", f"{SECRET} # and more", SECRET.replace("Zq8", "Zq9")):
        assert taken.take(text) is None
        assert scan_text(text)  # what the gate scans instead finds it


def test_the_scan_cache_written_with_marks_is_the_same_wherever_made(tmp_path):
    """Serial and pooled reviews write the same bytes (test_redact_many): the marks are in the
    fields' order, not a set's."""
    session = _session(*(f"message {n} {SECRET if n % 3 == 0 else PLAIN}" for n in range(20)))
    a, _ = _reviewed(tmp_path / "a", session)
    b, _ = _reviewed(tmp_path / "b", session)
    assert list(_cache(a, session)["gate"]["marks"]) == list(_cache(a, session)["fields"])
    assert a.cache_path(session.id).read_bytes() == b.cache_path(session.id).read_bytes()


def test_processes_making_the_users_key_at_once_all_take_the_first(tmp_path, monkeypatch):
    """Review workers mark their scan caches at once on a first run: each must mark with the key
    the gate reads afterwards, not one of its own that another replaced."""
    from tracetui import settings

    monkeypatch.setattr(settings, "config_dir", lambda: tmp_path / "config")
    real_link = os.link
    raced = bytes(range(32))

    def link_after_another(src, dst):  # another process made its key between our read and link
        (tmp_path / "config" / reviewed.KEY_FILE).write_text(raced.hex())
        return real_link(src, dst)

    monkeypatch.setattr(os, "link", link_after_another)
    assert reviewed.user_key() == raced
    assert reviewed.user_key() == raced
    assert [p.name for p in (tmp_path / "config").iterdir()] == [reviewed.KEY_FILE]  # no temporary left


def _code_session(text: str) -> Session:
    step = Step(id="c0", index=0, kind="tool_call", role="assistant", tool="Write", tool_call_id="t0",
                tool_input={"file_path": "/w/app/settings.py", "content": text})  # fmt: skip
    return Session(id="s-code", agent="claude", source="x.jsonl", title="a run", steps=[step])


def _review_runs_out(monkeypatch, marker: str, lone_too: bool) -> None:
    """The review's scan of a code text holding `marker` beside its scan as text runs out of time,
    and with `lone_too` its lone full scan as well (the format rules still answer); the gate's scan,
    the detectors' own, does not."""
    real = scan.scan_text

    def timed(text, identity=None, *, syntax=scan.UNKNOWN, fast=False, as_text=None, **kw):
        if marker in text and not fast and (lone_too or as_text is not None):
            raise scan._OutOfTime()
        return real(text, identity, syntax=syntax, fast=fast, as_text=as_text, **kw)

    monkeypatch.setattr(scan, "scan_text", timed)


@pytest.mark.parametrize("lone_too", [False, True], ids=["pair", "both"])
def test_a_code_field_whose_scan_as_text_ran_out_is_not_taken(tmp_path, monkeypatch, lone_too):
    """Nothing is filed for the gate where the two scans did not end in time together: the field's own
    scan stands as ever (whole where it ended alone, the format rules' otherwise), and the gate scans."""
    code = f"{SECRET}  # in settings"
    _review_runs_out(monkeypatch, "DB_PASS", lone_too)
    session = _code_session(code)
    store, taken = _reviewed(tmp_path, session)
    data = _cache(store, session)
    assert field_key(code) not in data["fields"]
    assert (field_key(code, "code") in data["gate"]["marks"]) is not lone_too
    assert taken.take(code) is None
    assert any(f.tier == AUTO for f in gate_scan(code, session_identity(session, ME)))
