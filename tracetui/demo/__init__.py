"""`tracetui demo`: a throwaway bucket of hand-made sessions and a demo git repository."""

from tracetui.demo.build import Demo, build, open_library, throwaway_demo

__all__ = ["Demo", "build", "open_library", "throwaway_demo"]
