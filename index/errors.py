"""Domain errors raised by indexing and search; the CLI and web UI turn them into one sentence."""

from __future__ import annotations


class IndexNotFound(Exception):
    """No index has been built in the home folder yet, so there is nothing to search."""


class ModelMismatch(Exception):
    """The index was built with another embedding model, so its vectors cannot match the query's."""


class CorruptIndexError(Exception):
    """The saved vector index is truncated or unreadable and must be rebuilt from the corpus."""
