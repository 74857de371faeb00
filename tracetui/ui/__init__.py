"""The full-screen Textual face of tracetui. Nothing in the core imports this package."""
