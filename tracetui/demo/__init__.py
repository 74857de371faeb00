"""`tracetui demo`: a throwaway bucket of hand-made sessions and a demo git repository."""
