"""The sessions filter box: `agent:codex project:shop words` -> filters plus free text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Query:
    agent: str | None = None
    project: str | None = None
    text: str | None = None

    def as_kwargs(self) -> dict[str, str | None]:
        return {"agent": self.agent, "project": self.project, "text": self.text}


def parse_query(box: str) -> Query:
    agent = project = None
    words: list[str] = []
    for word in box.split():
        key, sep, value = word.partition(":")
        if sep and value and key.lower() in ("agent", "a"):
            agent = value.lower()
        elif sep and value and key.lower() in ("project", "p"):
            project = value
        else:
            words.append(word)
    text = " ".join(words) or None
    return Query(agent, project, text)


def with_filter(box: str, key: str, value: str | None) -> str:
    """The box text with `key:` set to value (or removed), the rest kept as typed."""
    words = [w for w in box.split() if not w.lower().startswith(f"{key}:")]
    if value:
        words.insert(0, f"{key}:{value}")
    return " ".join(words)
