"""What `export --check` reads of a page (`html`, `md`), a receipt (a file, a Parquet row's column), a
dataset card and DONATION.md: the log's text in it, worked out from the file's own structure, not the
words every export writes there (docs/internals/export.md).

Every part the writer writes in a fixed shape is matched whole against that shape; its fixed words are
left out and every place the log's text fills is read. A part of any other shape is read whole, so a
file the check did not write is read at least wherever the writer would have put the log's text. A
module per kind of file (`pages`, `receipts`, `cards`), over the writer's templates made patterns
(`shapes`).
"""

from tracetui.export.check_views.cards import card_lined, card_view, donation_lined, donation_view
from tracetui.export.check_views.pages import html_lined, html_view, md_lined, md_view
from tracetui.export.check_views.receipts import receipt_lined, receipt_view, rows_view
from tracetui.export.check_views.shapes import Lined

__all__ = [
    "Lined",
    "card_lined",
    "card_view",
    "donation_lined",
    "donation_view",
    "html_lined",
    "html_view",
    "md_lined",
    "md_view",
    "receipt_lined",
    "receipt_view",
    "rows_view",
]
