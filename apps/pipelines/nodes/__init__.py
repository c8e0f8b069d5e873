"""Node types, one module each, listed in `registry` (the builder and the runtime read only that)."""
