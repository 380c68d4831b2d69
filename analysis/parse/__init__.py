"""Stage 2, parse: a file becomes a :class:`ParsedDocument` — read (decode) → clean (with a map
back to the raw text) → structure (parts, sections, tasks) → metadata and damage."""

from analysis.parse.document import ParsedDocument, doc_id_for, parse_document, parse_raw
from analysis.parse.read import RawDocument, read_document

__all__ = ["ParsedDocument", "RawDocument", "doc_id_for", "parse_document", "parse_raw", "read_document"]
