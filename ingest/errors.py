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


class ResourceLimit(IngestError):
    """A file over a parser's budget (size, pages, nesting, memory, time): refused, not read."""


class StoreError(Exception):
    """PCCQA_HOME cannot be used as it is; the message says what happened and what to run."""


class CorpusNotFound(StoreError):
    """There is no corpus database yet, so there is nothing to read."""


class CorruptDatabase(StoreError):
    """The corpus database file is damaged or is not an SQLite database."""


class HomeNotWritable(StoreError):
    """PCCQA_HOME is read-only or not ours to write: reading still works, writing cannot."""


class NoSpaceLeft(StoreError):
    """The disk filled up during a write; the previous corpus is still the published one."""


class IngestBusy(StoreError):
    """Another ingest holds the home's writer lock and the caller chose not to wait."""


class CorpusBusy(StoreError):
    """An ingest is writing the corpus, so a small write (a rating) could not get in."""
