"""Redaction benchmark: detection quality on the labelled secrets, and scan speed on a big session.

    .venv/bin/python bench/bench_redact.py [--mb 100] [--workers 2] [--markdown]

Quality: every row of ../shared/secrets is scanned on its own (see tests/support/evaluate.py for
what "caught" and "touched" mean). Speed: the real sessions of ../shared/corpus are read with
tracetui.sources and their steps replicated (each copy's texts made distinct, so nothing is
served from the cache) into one session of about --mb megabytes of text, which is then scanned
with worker processes, against the time to parse the same corpus bytes with orjson.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared harness: tests/support

import orjson  # noqa: E402

from tracetui.model import Session  # noqa: E402
from tracetui.redact import Identity, iter_fields, scan_session  # noqa: E402
from support.evaluate import evaluate, pct  # noqa: E402
from support.placed import evaluate_placed  # noqa: E402
from tracetui.sources import group, read_session  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SECRETS = ROOT.parent / "shared" / "secrets"


def quality(markdown: bool, per_kind: bool = True) -> None:
    for issue_labels in (False, True):
        table = evaluate(SECRETS, issue_labels=issue_labels)
        print("\n## labelled strings, " + ("filler positives scored as placeholders (issue 14's definition)"
                                            if issue_labels else "as labelled"))
        head = ("source", "kind", "secrets", "caught (full span)", "caught, sure tier", "negatives",
                "touched (sure)", "flagged at any tier", "flagged, README scoring")
        rows = []
        order = sorted(table.items(), key=lambda kv: (kv[0][0] == "*", kv[0][0], kv[0][1] != "*", kv[0][1]))
        for (source, group_name), s in order:
            if group_name != "*" and not per_kind:
                continue
            rows.append((source, group_name, s.positives, f"{s.caught} ({pct(s.caught, s.positives)})",
                         f"{s.caught_auto} ({pct(s.caught_auto, s.positives)})", s.negatives,
                         f"{s.touched} ({pct(s.touched, s.negatives)})",
                         f"{s.flagged} ({pct(s.flagged, s.negatives)})",
                         f"{s.flagged_readme} ({pct(s.flagged_readme, s.negatives)})"))
        _print(head, rows, markdown)
        for key in (("gitleaks", "*"), ("detect-secrets", "*")):
            s = table[key]
            print(f"\n{key[0]} missed: {', '.join(s.missed) or 'none'}")
            print(f"{key[0]} negatives touched: {', '.join(s.touched_ids) or 'none'}")
            share = pct(s.flagged, s.negatives)
            print(f"{key[0]} negatives flagged at any tier: {s.flagged}/{s.negatives} ({share}):"
                  f" {', '.join(s.flagged_ids) or 'none'}")
            print(f"{key[0]} of those, a valid credential of another kind (README scoring): "
                  f"{', '.join(s.other_kind_ids) or 'none'}")


def placed(markdown: bool, seeds: tuple[int, ...] = (14, 15, 16)) -> None:
    """Made-up secrets in agent-log contexts, and hard negatives placed the same way (placed.py)."""
    head = ("set", "group", "cases", "found (full span, any tier)", "found, sure tier")
    rows = []
    totals: dict[bool, list[int]] = {True: [0, 0, 0], False: [0, 0, 0]}
    failures: list[str] = []
    for seed in seeds:
        table = evaluate_placed(seed)
        for (positive, group_name), sc in table.items():
            if group_name == "*":
                t = totals[positive]
                t[0] += sc.cases
                t[1] += sc.caught
                t[2] += sc.sure
            elif not group_name.startswith("@"):
                failures += sc.failures
    for positive in (True, False):
        n, caught, sure = totals[positive]
        label = "secrets placed in contexts" if positive else "hard negatives placed (flagged = any finding on them)"
        rows.append((label, "*", n, f"{caught} ({pct(caught, n)})", f"{sure} ({pct(sure, n)})"))
    _print(head, rows, markdown)
    print(f"placed failures (seeds {seeds}): {', '.join(sorted(set(failures))) or 'none'}")


def _print(head, rows, markdown):
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(str(c) for c in r) + " |")
    else:
        for r in (head, *rows):
            print("  ".join(str(c) for c in r))


def big_session(mb: float) -> tuple[Session, float, int]:
    sessions, raw = [], 0
    t_parse = 0.0
    for agent in ("claude", "codex", "pi"):
        files = sorted((CORPUS / agent).glob("*.json*"))
        for path in files:
            data = path.read_bytes()
            raw += len(data)
            t0 = time.perf_counter()
            for line in data.split(b"\n"):
                if line.strip():
                    try:
                        orjson.loads(line)
                    except orjson.JSONDecodeError:
                        pass
            t_parse += time.perf_counter() - t0
        sessions += [read_session(g) for g in group(agent, files)]
    base = [s for s in sessions if s.steps]
    per_copy = sum(len(f.text) for s in base for f in iter_fields(s))
    copies = max(1, int(mb * 1_000_000 / per_copy + 0.999))
    out = Session(id="bench", agent="claude", source="bench", cwd="/work/bench")
    n = 0
    for k in range(copies):
        for s in base:
            for step in s.steps:
                st = copy.deepcopy(step)
                st.id = f"{k}:{s.id}:{step.id}"
                st.index = n
                if st.text:
                    st.text += f"\n[copy {k}]"
                n += 1
                out.steps.append(st)
    return out, t_parse * copies, raw * copies


def speed(mb: float, workers: int) -> None:
    t0 = time.perf_counter()
    session, parse_s, raw = big_session(mb)
    built = time.perf_counter() - t0
    size = sum(len(f.text) for f in iter_fields(session))
    n_fields = sum(1 for _ in iter_fields(session))
    print(f"\nsession: {len(session.steps)} steps, {n_fields} fields, {size / 1e6:.1f} M chars of text "
          f"(from {raw / 1e6:.1f} MB of raw logs; built in {built:.1f} s)")
    print(f"orjson parse of the same raw bytes: {parse_s:.2f} s")
    t0 = time.perf_counter()
    found = scan_session(session, Identity(), workers=workers)
    dt = time.perf_counter() - t0
    print(f"scan, {workers} worker process(es): {dt:.1f} s = {size / 1e6 / dt:.2f} M chars/s, {len(found)} findings")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--totals", action="store_true", help="labelled strings: totals only, not per kind")
    args = ap.parse_args()
    quality(args.markdown, per_kind=not args.totals)
    placed(args.markdown)
    if not args.skip_speed:
        speed(args.mb, args.workers)


if __name__ == "__main__":
    main()
