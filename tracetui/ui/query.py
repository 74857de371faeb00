"""The sessions filter box: `agent:codex project:shop since:2026-01-01 7d words` -> a `SessionFilter`.

Over a team's dataset, `machine:ID` and `user:NAME` keep the sessions of one machine or one user
(elsewhere they are words like any other).

Dates: `since:DATE` and `until:DATE` (ISO dates, `until` inclusive), and the bare words `today`,
`yesterday` and `Nd` / `Nh` (the last N days or hours). Times are the local clock's, compared with
the sessions' start times, which the logs give in UTC.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from tracetui.model import SessionFilter

ORDERS = ("date", "cost", "tokens", "steps", "duration")  # the session list's sort orders, `o` cycles
_RECENT = re.compile(r"^(\d{1,4})([dh])$")


def parse_query(box: str, now: datetime | None = None, machines: bool = False) -> SessionFilter:
    """The box's filters; `machines`: the source names machines and users (a dataset)."""
    agent = project = since = until = machine = user = None
    words: list[str] = []
    now = now or datetime.now().astimezone()
    for word in box.split():
        key, sep, value = word.partition(":")
        key = key.lower()
        if sep and value and key in ("agent", "a"):
            agent = value.lower()
        elif sep and value and key in ("project", "p"):
            project = value
        elif machines and sep and value and key == "machine":
            machine = value
        elif machines and sep and value and key == "user":
            user = value
        elif sep and value and key in ("since", "until") and _day(value) is not None:
            day = _day(value)
            assert day is not None
            if key == "since":
                since = _utc(_midnight(day, now))
            elif day < date.max:
                until = _utc(_midnight(day + timedelta(days=1), now))
            else:  # the last day there is: nothing is after it
                until = None
        elif word.lower() in ("today", "yesterday"):
            start = _midnight(now.date(), now) - (timedelta(days=1) if word.lower() == "yesterday" else timedelta())
            since, until = _utc(start), _utc(start + timedelta(days=1))
        elif _RECENT.match(word.lower()):
            m = _RECENT.match(word.lower())
            assert m is not None
            n = int(m.group(1))
            since = _utc(now - (timedelta(days=n) if m.group(2) == "d" else timedelta(hours=n)))
        else:
            words.append(word)
    text = " ".join(words) or None
    return SessionFilter(agent=agent, project=project, text=text, since=since, until=until, machine=machine, user=user)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _midnight(day: date, now: datetime) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)


def _utc(moment: datetime) -> str:
    """`moment` in UTC as the logs write it, four-digit year and all (`%Y` writes year 999 as `999`,
    which sorts after 2026); a moment the first or last day pushes past the calendar is its edge."""
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:
        moment = (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=timezone.utc)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"


def with_filter(box: str, key: str, value: str | None) -> str:
    """The box text with `key:` set to value (or removed), the rest kept as typed."""
    words = [w for w in box.split() if not w.lower().startswith(f"{key}:")]
    if value:
        words.insert(0, f"{key}:{value}")
    return " ".join(words)
