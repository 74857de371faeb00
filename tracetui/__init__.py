"""tracetui: browse, review, redact and share what coding agents did."""

__version__ = "0.1.21"
