"""An ATIF or raw session's files made and passed by the second gate, in the exporting process or in a
write worker (export/write_pool.py), then written by the exporting process in the sessions' order.

As `parquet_made.py` splits a partition's rows: a worker makes the bytes, the exporting process alone
touches the folder (the files, the manifest, the card, the keys).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Reviewed


@dataclass(slots=True)
class Written:
    """A session's files to write, in the order its format writes them (the receipt's among them),
    and its report entry."""

    session_id: str
    agent: str
    files: list[tuple[str, bytes]]
    entry: dict[str, Any]


def put(ex: Exporter, item: Reviewed, written: Written) -> None:
    """The session's files written and recorded, as the format's writer did in this process."""
    files = [ex.dest.write(rel, data) for rel, data in written.files]
    ex.record_as(written.session_id, written.agent, item.digest, files, written.entry)


def write_pooled(
    ex: Exporter,
    reviewed: list[Reviewed],
    todo: list[Reviewed],
    pooled: Generator[tuple[Reviewed, Written | None], None, None],
    step: Callable[[str], None],
) -> None:
    """Each session of `todo` (`to_write`) made on the workers (`pooled`: `WritePool.made` of `todo`)
    and written here in its turn; the others kept in theirs (`keep_session`), so the report lists
    the sessions in their order."""
    sent = {id(item) for item in todo}
    with contextlib.closing(pooled) as made:
        for item in reviewed:
            if id(item) in sent:
                _, written = next(made)
                if written is not None:
                    put(ex, item, written)
            else:
                ex.keep_session(item)
            step(item.summary.id)


def to_write(ex: Exporter, reviewed: list[Reviewed]) -> list[Reviewed]:
    """The sessions whose earlier files do not stay: the ones the pool would be started for."""
    return [item for item in reviewed if ex.dest.unchanged("sessions", item.summary.id, item.digest) is None]
