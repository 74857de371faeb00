"""Screens of the tracetui app, each with its stylesheet beside it."""
