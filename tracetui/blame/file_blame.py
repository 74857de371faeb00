"""`blame_file`: every line of a file at a revision, each with the step that wrote it, and the
fates (the trail) that say whether that step's change was kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygit2

from tracetui.blame.copy_counts import CopyCounts
from tracetui.blame.index import LineIndex, Posting
from tracetui.blame.index_apart import Building, open_index_apart
from tracetui.blame.line_origins import LineOrigins, Started
from tracetui.blame.lines import _attribute, _bare_lines, _iso, _Line, _Matcher, file_keys, git_lines
from tracetui.blame.moved_in import RUN_SPAN, moved_in
from tracetui.blame.repo import open_repo, relative_name, repo_name, resolve, trail_repo
from tracetui.blame.results import (
    LOST_STALE_SECONDS,
    STATE_HUMAN,
    STATE_UNKNOWN,
    BlameLine,
    FileBlame,
)
from tracetui.errors import NotFound, TracetuiError
from tracetui.model import Session
from tracetui.trail import TrailByFile, trail
from tracetui.trail.line_identity import MOVED_BLOCK_LINES, SPLIT_SPAN, norm
from tracetui.trail.paths import absolute_path

# Lines each side of a range asked, attributed with it: a split line's parts, a moved block or run.
AROUND_ASKED = max(SPLIT_SPAN, MOVED_BLOCK_LINES, RUN_SPAN + 1) - 1

# A session's fates: all of them (a trail's, an export's outcome), or judged file by file as asked.
Judged = list[Any] | TrailByFile


# -- blame of a file -------------------------------------------------------------------------------


def blame_file(
    library: Any,
    file: str,
    repo: str | Path | None = None,
    ref: str = "HEAD",
    lines: tuple[int, int] | None = None,
    states: bool = True,
    progress: Callable[[int, int], None] | None = None,
    judged: dict[str, Judged] | None = None,
    index: LineIndex | None = None,
    writers_known: Callable[[list[str], Callable[[str], Session]], None] | None = None,
) -> FileBlame:
    """Each line of `file` as it is at `ref`, with the step that wrote it (the app's Blame screen and
    `tracetui blame` call this). `lines` is an inclusive 1-based range. `states` adds the writing
    patches' survival states from the trail (cached in the library's cache folder). `judged` holds
    the sessions' fates at this `ref` in this repository, and is filled as more are judged: a caller
    blaming several files of one revision passes one dict, and each session is judged once; and
    `index`, the line index it opened (`open_index`) and closes itself, refreshed once for them all.
    `writers_known` is given writers (but those a forked child is indexing) and how to have each's
    session: the likeliest as soon as it is read ahead, then every one once each line has its writer
    (the CLI's gate answers them meanwhile: `gate_apart`)."""
    r = open_repo(repo, file)
    rel = relative_name(r, file, repo is not None)
    commit = resolve(r, ref)
    try:
        entry = commit.tree[rel]
    except (KeyError, ValueError):
        raise NotFound(f"{rel} is not in {ref} ({str(commit.id)[:10]})") from None
    if entry.type_str != "blob":
        raise TracetuiError(f"{rel} is a folder at {ref}, not a file")
    data = r[entry.id].peel(pygit2.Blob).data
    if b"\0" in data[:8000]:
        raise TracetuiError(f"{rel} is a binary file: it has no lines to blame")
    texts = git_lines(data.decode("utf-8", errors="replace"))
    first, last = (1, len(texts)) if lines is None else lines
    if texts and (first < 1 or last > len(texts) or first > last):
        raise TracetuiError(f"lines {first}-{last} are outside {rel}, which has {len(texts)} lines at {ref}")
    out = FileBlame(repo_name(r), ref, str(commit.id), rel, [])
    if not texts:
        return out
    keys = file_keys(texts)  # each line's key, made once: the read-ahead's, each line's, its neighbours'
    asked, (first, last) = (first, last), _around(first, last, keys)
    # git's blame of the whole file (even for a few lines: its hunks name every name the file had)
    # runs in its own process while the index is opened and the likeliest writer's session is read.
    origins = Started(r, rel, str(commit.id), len(texts))
    counts = CopyCounts(r)
    own_index = index is None
    building: Building | None = None
    try:
        if index is None:
            # A fresh bucket's index is built by a forked child meanwhile, where it may be.
            index, building = open_index_apart(library, progress)
        fresh = building.sessions if building is not None else {}
        matcher = _Matcher(r, lambda sid: fresh[sid] if sid in fresh else library.session(sid))
        fates: dict[str, Judged] = judged if judged is not None and states else {}
        ready: dict[str, TrailByFile] = {}
        if states:
            ready = _read_ahead(library, r, ref, index, matcher, rel, keys[first - 1 : last], fates, fresh,
                                writers_known)  # fmt: skip
        commits: dict[str, pygit2.Commit] = {}
        found = origins.result()
        seq = _lines_of(r, rel, texts, first, last, found, commits, keys)
        if building is not None:
            out.refresh = building.wait()
        _attribute(seq, index, matcher, keys[first - 1 : last])
        moved_in(seq, r, index, matcher, counts)
        if writers_known is not None:
            written = sorted({x.writer.session for x in seq if x.writer is not None} - set(fresh))
            writers_known(written, lambda sid: _held(sid, matcher, ready, library))
        if states:
            counts.diff_ahead(_likely_asked(seq))  # git diffs them while the writers are judged

            def writers() -> set[str]:
                return {x.writer.session for x in seq if x.writer} - set(fates)

            fates.update(_fates(library, r, ref, writers(), seq, ready))
            _copies_made_later(seq, fates, r, index, matcher, counts)
            fates.update(_fates(library, r, ref, writers(), seq, ready))

            def fates_of(sessions: set[str]) -> dict[str, Judged]:
                fates.update(_fates(library, r, ref, sessions - set(fates), seq, ready))
                return fates

            _not_lost(seq, fates_of, index, matcher, ref)
        if building is not None:
            building.finish()  # the child's rows written into the file (it has long had the time)
    finally:
        if building is not None:
            building.close()
        origins.close()
        counts.close()
        if own_index and index is not None:
            index.close()
    if lines is not None and _decided_elsewhere(seq, asked, found.commits, keys):
        whole = blame_file(library, file, repo, ref, None, states, progress, fates if states else judged,
                           None if own_index else index, writers_known)  # fmt: skip
        out.lines.extend(x for x in whole.lines if asked[0] <= x.line <= asked[1])
    else:
        out.lines.extend(_answered(seq, commits, fates, asked))
    return out


def _answered(
    seq: list[_Line], commits: dict[str, pygit2.Commit], fates: dict[str, Judged], asked: tuple[int, int]
) -> list[BlameLine]:
    """The lines asked, each with its writer, its commit's author and time, and its patch's state."""
    made: dict[str, tuple[str, str]] = {}  # commit -> its author and time as each of its lines shows them
    return [_blame_line(x, _made(commits.get(x.commit), made) if x.commit else None, fates)
            for x in seq if asked[0] <= x.line <= asked[1]]  # fmt: skip


def _decided_elsewhere(
    seq: list[_Line], asked: tuple[int, int], line_commits: list[str | None], keys: list[int | None]
) -> bool:
    """Whether a bare line asked that went to a human (its neighbours' writers disagree, and no line of its
    commit attributed here has an agent writer) has its commit's lines with a key outside the lines
    attributed: one of them may have an agent writer in the whole file, which makes it `unknown` there
    (`lines._bare_lines`). Then the whole file is attributed, as `blame FILE` does."""
    if not seq:
        return False
    first, last = seq[0].line, seq[-1].line
    doubtful = {x.commit for x in seq if asked[0] <= x.line <= asked[1] and x.key is None and x.writer is None
                and x.kind == STATE_HUMAN and x.commit}  # fmt: skip
    outside = (c for n, c in enumerate(line_commits) if keys[n] is not None and not first <= n + 1 <= last)
    return bool(doubtful) and any(c in doubtful for c in outside)


def _around(first: int, last: int, keys: list[int | None]) -> tuple[int, int]:
    """The lines attributed for a range asked: the lines around it decide its lines (a split line's
    other parts, the rest of a moved block, the nearest lines with a key that a bare line at either end
    takes its writer from, however far), so they are attributed with it and left out of the answer,
    which is then what a blame of the whole file gives those lines. More in docs/internals/blame.md."""
    while first > 1 and keys[first - 1] is None:
        first -= 1
    while last < len(keys) and keys[last - 1] is None:
        last += 1
    return max(1, first - AROUND_ASKED), min(len(keys), last + AROUND_ASKED)


def _lines_of(
    r: pygit2.Repository, rel: str, texts: list[str], first: int, last: int, origins: LineOrigins,
    commits: dict[str, pygit2.Commit], around: list[int | None],
) -> list[_Line]:
    """The lines `first` to `last`, each with the commit git's blame gives it (kept in `commits`), and
    the file's lines' keys (`file_keys`) `around` them."""
    seq: list[_Line] = []
    for n in range(first, last + 1):
        cid = origins.commits[n - 1]
        if cid and cid not in commits:
            commits[cid] = r[cid].peel(pygit2.Commit)
        c = commits.get(cid) if cid else None
        when = float(c.commit_time) if c else None
        seq.append(_Line(rel, n, texts[n - 1], cid, (rel,), when, around=around))
    # Every name blame followed the file back to is one of its names: a line a later commit brings
    # back (a revert undone) after a rename was still written under the old name.
    names = (rel, *(x for x in origins.names if x != rel))
    for x in seq:
        x.names = names
    return seq


def _held(sid: str, matcher: _Matcher, ready: dict[str, TrailByFile], library: Any) -> Session:
    """The session as this blame read it already (the matcher's, or the one read ahead), else read."""
    session = matcher.held(sid)
    if session is None and sid in ready:
        session = ready[sid].session
    return session if session is not None else library.session(sid)


def _likely_asked(lines: list[_Line]) -> set[str]:
    """The commits `_copies_made_later` will likely ask of, before the fates say: the commits of each
    writer's lines but the first, where it holds half of them or more (the commit that took the patch,
    of whose lines none is asked; often the largest diff). One not named is diffed when asked."""
    by_patch: dict[tuple[str, int], Counter[str]] = {}
    when: dict[str, float] = {}
    for x in lines:
        if x.writer is not None and x.key is not None and x.commit:
            by_patch.setdefault((x.writer.session, x.writer.patch), Counter())[x.commit] += 1
            when[x.commit] = x.when or 0.0
    out: set[str] = set()
    for commits in by_patch.values():
        first = min(commits, key=lambda c: (when[c], c))
        took = 2 * commits[first] >= commits.total()
        out.update(c for c in commits if c != first or not took)
    return out


def _read_ahead(
    library: Any, r: pygit2.Repository, ref: str, index: LineIndex, matcher: _Matcher, rel: str,
    keys: list[int | None], fates: dict[str, Judged], fresh: dict[str, Session],
    likely: Callable[[list[str], Callable[[str], Session]], None] | None = None,
) -> dict[str, TrailByFile]:
    """The session that wrote most of these lines (by their keys) into a file of this name, its patches
    listed (the costliest part of its fates before the history is read), while git's blame runs: the
    one most likely to be asked for. Whether it is is known only once each line has its commit; if
    not, it is left unused. One session only: each costs a tenth of a second or more. The `fresh`
    sessions, which a child is indexing meanwhile, count by their edits of a file of this name.
    `likely` (`blame_file`'s `writers_known`) is told of the session as soon as it is read."""
    by_session: Counter[str] = Counter()
    postings = index.lookup(k for k in keys if k is not None)
    for found in postings.values():
        for p in {p.session: p for p in found if p.session not in fates and p.session not in fresh}.values():
            if matcher.tier(p, (rel,)) in (0, 1):
                by_session[p.session] += 1
    for sid, session in fresh.items():
        if sid not in fates:
            by_session[sid] += _edits_of(session, rel, matcher)
    by_session = +by_session  # a fresh session that edited no such file is no candidate
    if not by_session:
        return {}
    sid = by_session.most_common(1)[0][0]
    try:
        cache = getattr(library, "cache_dir", None)
        # The matcher read the session to recognise its folder as this clone's (`_Matcher._ours`), as
        # it often has: not read again.
        session = matcher.held(sid)
        if session is None:
            session = fresh[sid] if sid in fresh else library.session(sid)
        if likely is not None and sid not in fresh:
            likely([sid], lambda _: session)
        return {sid: TrailByFile(session, repo=trail_repo(r), ref=ref, cache_dir=cache,
                                 later_commits=False, only=frozenset((rel,)), counts=False)}  # fmt: skip
    except Exception:  # noqa: BLE001 - as in `_fates`, which asks again and keeps the failure
        return {}


def _edits_of(session: Session, rel: str, matcher: _Matcher) -> int:
    """The session's edits of a file of this name in this clone (as `_read_ahead` counts a posting)."""
    git = session.git
    count = 0
    for step in session.steps:
        for e in step.edits:
            path = absolute_path(e.path, step.cwd or session.cwd)
            p = Posting(session.id, session.agent, step.id, step.index, 0, path, None, None, True, None, None,
                        git.remote if git else None, git.commit if git else None)  # fmt: skip
            count += matcher.tier(p, (rel,)) in (0, 1)
    return count


def _made(c: pygit2.Commit | None, made: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The commit's author and time as a line shows them, made once for all its lines."""
    if c is None:
        return None
    found = made.get(str(c.id))
    if found is None:
        found = made[str(c.id)] = (c.author.name, _iso(c.commit_time))
    return found


def _blame_line(x: _Line, c: tuple[str, str] | None, fates: dict[str, Judged]) -> BlameLine:
    """A line as blame gives it: its writer's state from the fates, and why where it has no writer."""
    fate = _fate(fates.get(x.writer.session), x.writer, x.names) if x.writer is not None else None
    if x.writer is not None:
        state = str(fate.state) if fate is not None else STATE_UNKNOWN
    else:
        state = x.kind
    reason = x.reason  # set where a lost patch was set aside
    if reason is None and x.kind == STATE_UNKNOWN:
        reason = "only patches written after its commit match" if x.later else "a bare line between different writers"
    elif reason is None and x.commit is None:
        reason = "git gave no commit for this line"
    return BlameLine(
        x.path, x.line, x.text, x.commit, x.kind, state, x.writer,
        author=c[0] if c else None,
        committed=c[1] if c else None,
        reason=reason,
        superseded_by=fate.superseded_by if fate is not None else None,
    )  # fmt: skip


def _copies_made_later(
    lines: list[_Line],
    fates: dict[str, Judged],
    r: pygit2.Repository,
    index: LineIndex,
    matcher: _Matcher,
    counts: CopyCounts | None = None,
) -> None:
    """Lines a commit wrote anew that a patch had already brought in an earlier commit.

    A patch's text reaches git in the commit that accepted it (the trail's). A later commit that
    holds the same text (`#[serde(default)]` above a new field, days after the session) wrote a copy
    of its own when it added more copies of that line than it took out, over all its files; when it
    only moved lines (within a file, or to another), the patch's text went with them and the patch
    keeps them, as it keeps copies the commit puts back after a revert took them out. A line of
    such a new copy goes to the next patch that had not landed before its commit, else to its
    commit's author. Where a commit both moved and added copies of one text, which is which is not
    known, and the lines keep their patch. `counts` may be shared by the commits of a range."""
    counts = counts if counts is not None else CopyCounts(r)
    groups: dict[tuple[str, int, str, tuple[str, ...]], list[_Line]] = {}
    for x in lines:
        w = x.writer
        if w is None or x.key is None or x.commit is None:
            continue
        landed, path = _landed(fates, w, x.names)
        if landed is not None and counts.landed_before(landed, x.commit):
            groups.setdefault((x.commit, x.key, landed, (path, *x.names) if path else x.names), []).append(x)
    if not groups:
        return
    # The versions the loop below reads, in its order: git reads them while the diffs are parsed and
    # the first are counted.
    counts.read_ahead(
        pair for commit, _, landed, names in groups
        for pair in ((landed, names), (counts.parent(commit), names[1:] or names))
    )  # fmt: skip
    postings = index.lookup({key for _, key, _, _ in groups})
    asks: dict[str, set[str]] = {}  # the texts each commit is asked of, diffed at once
    for (commit, _, _, _), xs in groups.items():
        asks.setdefault(commit, set()).add(norm(xs[0].text))
    counts.will_ask(asks)
    # The commit's lines of one text, whichever patches they went to (twins placed by different
    # patches): the commit's new copies are counted against them all.
    of_text: Counter[tuple[str, int]] = Counter()
    for (commit, key, _, _), xs in groups.items():
        of_text[(commit, key)] += len(xs)
    changed = False
    for (commit, key, landed, names), xs in groups.items():
        text = norm(xs[0].text)  # the text the key stands for (a key is a digest of it)
        held = counts.in_file(landed, names, text)
        if not held and (all(x.split for x in xs) or counts.held_joined(landed, names, text)):
            # The patch landed this text only whole where the line is a part of it (`_split`), or
            # wrapped where the line joins it: the commit reshaped the patch's line, a formatter's work.
            continue
        # Copies lost since the patch landed (a revert) that this commit puts back are the patch's.
        lost = held - counts.in_file(counts.parent(commit), names[1:] or names, text)
        if counts.net_new(commit, text) - max(0, lost) < of_text[(commit, key)]:
            continue
        for x in xs:
            # Only patches to this file can take the line (`choose`, moved=False): where the others
            # landed is not asked, which would judge every file their sessions wrote that text in.
            rest = [
                p for p in postings.get(key, [])
                if matcher.tier(p, x.names) in (0, 1) and not counts.landed_before(_landed(fates, p, x.names)[0], commit)
            ]  # fmt: skip
            x.writer, x.later = matcher.choose(rest, x.names, x.when, moved=False, near=x.near, exact=x.exact)
            x.kind = "agent" if x.writer else (STATE_UNKNOWN if x.later else STATE_HUMAN)
        changed = True
    if changed:
        _bare_lines(lines)


def _not_lost(
    lines: list[_Line],
    fates_of: Callable[[set[str]], dict[str, Judged]],
    index: LineIndex,
    matcher: _Matcher,
    ref: str,
) -> None:
    """Blame and the trail judge as one: a line in a commit was not put there by a patch the trail
    finds in no commit (`lost`). Such a writer is set aside and the line goes to the next patch that
    explains it, else it is `human` (the lost patch was written LOST_STALE_SECONDS or more before the
    line's commit) or `unknown`, with the reason. A lost patch whose other lines a later step replaced
    is set aside too: the trail's state is the patch's, and a line of it at the revision contradicts
    it (the later step's own patch, where it holds the line, is the next candidate)."""
    set_aside: dict[int, set[tuple[str, int]]] = {}
    for _ in range(4):  # a few candidates deep: each round judges the new writers' sessions
        fates = fates_of({x.writer.session for x in lines if x.writer is not None})
        lost = [
            x for x in lines
            if x.writer is not None and not x.by_neighbours and _is_lost(fates, x.writer, x.names)
        ]  # fmt: skip
        if not lost:
            break
        postings = index.lookup({x.key for x in lost if x.key is not None})
        for x in lost:
            w = x.writer
            assert w is not None
            x.lost = x.lost or w
            aside = set_aside.setdefault(id(x), set())
            aside.add((w.session, w.patch))
            rest = [p for p in postings.get(x.key, []) if (p.session, p.patch) not in aside] if x.key else []
            x.writer, later = matcher.choose(rest, x.names, x.when, moved=False, near=x.near, exact=x.exact)
            x.later = x.later or later
            x.kind = "agent" if x.writer else STATE_UNKNOWN
    for x in lines:
        if x.writer is not None or x.lost is None:
            continue
        p = x.lost
        who = f"{p.agent} session {p.session[:12]} step {p.index}"
        age = (x.when - p.time) if x.when is not None and p.time is not None else None
        if age is not None and age >= LOST_STALE_SECONDS:
            x.kind = STATE_HUMAN
            x.reason = (
                f"the only patch with this text ({who}) is lost at {ref}: it reached no commit, "
                f"{age / 86_400:.0f} days before this line's commit wrote it"
            )
        else:
            x.kind = STATE_UNKNOWN
            x.reason = f"the only patch with this text ({who}) is lost at {ref}: it reached no commit"
    _bare_lines(lines)


def _is_lost(fates: dict[str, Judged], w: Posting, names: tuple[str, ...]) -> bool:
    fate = _fate(fates.get(w.session), w, names)
    return fate is not None and fate.state == "lost"


def _landed(fates: dict[str, Judged], p: Posting, names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The commit that accepted the posting's patch, and the file's name in the repository then."""
    fate = _fate(fates.get(p.session), p, names)
    if fate is None:
        return None, None
    return fate.commit, fate.patch.path if fate.patch.inside else None


def _fates(
    library: Any, r: pygit2.Repository, ref: str, sessions: set[str], lines: list[_Line] | None = None,
    ready: dict[str, TrailByFile] | None = None,
) -> dict[str, Judged]:
    """The trail's fates of each writing session at `ref`. With the `lines` of one file: judged file by
    file as the lines' writers ask (`TrailByFile`), their files judged at once now; without (a commit's
    or a range's lines, in many files), each session's whole trail. From the trail's cache when fresh."""
    out: dict[str, Judged] = {}
    cache = getattr(library, "cache_dir", None)
    for sid in sorted(sessions):
        try:
            if lines is None:
                out[sid] = trail(library.session(sid), repo=trail_repo(r), ref=ref, cache_dir=cache).fates
                continue
            # `_read_ahead`'s, which holds the session: not read again (a long session costs 25 ms)
            made = ready.pop(sid, None) if ready is not None else None
            # Only this file's patches replayed (and its older names'): a step's other files on demand.
            names = frozenset(n for x in lines for n in x.names)
            by_file = out[sid] = made or TrailByFile(library.session(sid), repo=trail_repo(r), ref=ref,
                                                     cache_dir=cache, later_commits=False, only=names,
                                                     counts=False)  # fmt: skip
            by_file.judge_patches({x.writer.patch for x in lines if x.writer and x.writer.session == sid})
        except Exception:  # noqa: BLE001 - a state is extra: the attribution stands without it
            out[sid] = []
    return out


def _of_step(fates: Judged | None, step: str) -> list[Any]:
    """The fates of the step's patches, judged now where the session's are judged file by file."""
    if isinstance(fates, TrailByFile):
        try:
            return fates.of_step(step)
        except Exception:  # noqa: BLE001 - as above: a file git could not read leaves its lines unjudged
            return []
    return [f for f in fates or [] if f.patch.step_id == step]


def _fate(fates: Judged | None, w: Posting, names: tuple[str, ...]) -> Any | None:
    """The trail's fate of the writer's patch to this file (a step may edit several files)."""
    if isinstance(fates, TrailByFile):
        # The very patch, its file alone judged; the step's other files only where it is not found.
        try:
            own = fates.of_patch(w.patch)
        except Exception:  # noqa: BLE001 - as in _of_step: a file git could not read stays unjudged
            own = None
        if own is not None and own.patch.step_id == w.step:
            return own
    mine = _of_step(fates, w.step)
    for f in mine:
        if f.patch.index == w.patch:  # the very patch (a step may delete a file and write it again)
            return f
    for f in mine:
        for where in (f.path_now, f.patch.path):
            if where and any(where == n or where.endswith("/" + n) for n in names):
                return f
    return mine[0] if len(mine) == 1 else None
