"""Domain errors raised by ingestion; the CLI and web UI turn them into one sentence for people."""

from __future__ import annotations


class IngestError(Exception):
    """A file could not be ingested; the message names the problem and, and any fix."""


class UnsupportedFileType(IngestError):
    """The file's extension has no loader."""


class EmptyDocument(IngestError):
    """The file holds no text at all."""


class NeedsOCR(IngestError):
    """A PDF with pages but no text layer (scanned images): it needs OCR before it can be read."""


class EncryptedDocument(IngestError):
    """A password-protected file we cannot open."""


class CorruptDocument(IngestError):
    """A file whose bytes do not parse as the format its extension claims."""


class FileTooLarge(IngestError):
    """A file over the configured size limit."""


class UndecodableText(IngestError):
    """A text file in no encoding we can read."""
