"""Widgets of the tracetui app. The big lists are Line API views that draw only visible rows."""
