"""Embedding models that run in-process (no provider account needed)."""
