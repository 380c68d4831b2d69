"""Which document a command-line reference names, what level and region it is, and which kind of
comparison two documents make."""

from __future__ import annotations

import re
from pathlib import Path

from analysis.corpus import manifest
from analysis.errors import UserError
from analysis.parse import metadata
from analysis.parse.document import ParsedDocument, doc_id_for, parse_raw
from analysis.parse.formats import read_plan
from analysis.parse.structure import require_tasks
from analysis.settings import MANIFEST_PATH, ParseSettings

# Scope words of a plan's title (全省生态环境工作要点) and the level they name.
SCOPE_LEVELS = {
    "全国": "national",
    "全省": "province",
    "全市": "city",
    "全州": "city",
    "全县": "county",
    "全区": "district",
}
_ISSUER_SUFFIX = re.compile(r"(生态环境厅|生态环境局|生态环境保护局|环境保护局|环境保护厅)$")


def level_of_title(title: str) -> str | None:
    """The level a plan's title names by its scope word (全省 → province, 全市 → city …), if any."""
    return next((lv for word, lv in SCOPE_LEVELS.items() if word in title), None)


def region_of_issuer(issuer: str) -> str | None:
    """The region of an issuer (湖北省生态环境厅 → 湖北省), if its name gives one."""
    region = _ISSUER_SUFFIX.sub("", issuer)
    return region if len(region) > 1 else None


def manifest_doc_id(path: Path | str, manifest_path: Path = MANIFEST_PATH) -> str | None:
    """The manifest's doc id of a file, if the manifest lists it."""
    if not Path(manifest_path).is_file():
        return None
    target = Path(path).resolve()
    listed = manifest.load_manifest(manifest_path)
    hits = listed.loc[listed["file_path"] == str(target), "doc_id"]
    return hits.iloc[0] if len(hits) else None


def parse_reference(path: Path | str, manifest_path: Path, settings: ParseSettings) -> ParsedDocument:
    """A plan file parsed (the manifest's doc id when it lists the file), or a user error saying
    why it is not a plan: not a readable plan file, or no task found."""
    raw = read_plan(path)  # first: what is not a readable plan file (text, Word, PDF, web page) is refused as such
    doc = parse_raw(raw, manifest_doc_id(path, manifest_path) or doc_id_for(path), settings)
    require_tasks(doc.tasks, doc.outline, str(path))
    return doc


def resolve_document(reference: str, manifest_path: Path = MANIFEST_PATH) -> tuple[Path, str, dict | None]:
    """A file path or a manifest doc id → (path, doc id, its manifest row or None).

    A file inside the manifest gets the manifest's doc id (as ``tasks`` gives it); a file
    outside it an id from its name.
    """
    listed = manifest.load_manifest(manifest_path) if Path(manifest_path).is_file() else None
    path = Path(reference)
    if listed is not None:
        by_path = listed[listed["file_path"] == str(path.resolve())] if path.exists() else listed.iloc[0:0]
        by_id = listed[listed["doc_id"] == reference] if by_path.empty else by_path
        if len(by_id):
            row = by_id.iloc[0].to_dict()
            return Path(row["file_path"]), row["doc_id"], row
    if not path.exists():
        raise UserError(reference, "no such file, and not a doc id of the manifest")
    return path, doc_id_for(path), None


def document_profile(doc: ParsedDocument, row: dict | None) -> tuple[str | None, str | None]:
    """(level, region) of a document: from its manifest row, else from its title and issuer."""
    if row is not None:
        return row["level"], row["region"]
    printed = metadata.extract_metadata(doc.printed_matter())
    return level_of_title(printed.get("title", "")), region_of_issuer(printed.get("issuer", ""))


def comparison_kind(
    source_id: str,
    source_row: dict | None,
    target_id: str,
    target_row: dict | None,
    profiles: tuple[tuple[str | None, str | None], tuple[str | None, str | None]],
    requested: str | None = None,
) -> str:
    """``year``, ``level`` or ``peer``: from the manifest's links when it links the two plans, else
    the requested kind, else inferred: same level and region → year; same level and different
    regions (two cities) → peer; otherwise level."""
    linked = None
    if source_row is not None and target_row is not None:
        if target_id in (source_row["previous"], source_row["parent"]):
            raise UserError(
                source_id, f"the manifest links {target_id} → {source_id}: give the parent or earlier plan first"
            )
        linked = {target_row["previous"]: "year", target_row["parent"]: "level"}.get(source_id)
    if linked and requested and requested != linked:
        raise UserError(target_id, f"the manifest links it to {source_id} as a {linked} comparison, not {requested}")
    if linked:
        return linked
    if requested:
        return requested
    (source_level, source_region), (target_level, target_region) = profiles
    if source_level is None or source_level != target_level:
        return "level"
    same_region = source_region is None or target_region is None or source_region == target_region
    return "year" if same_region else "peer"


def manifest_comparison_kind(source_doc: str, target_doc: str, manifest_path: Path = MANIFEST_PATH) -> str:
    """The kind of comparison two plans of the manifest make (:func:`comparison_kind`, from their
    rows: no file is read)."""
    listed = manifest.load_manifest(manifest_path)
    rows = {row["doc_id"]: row for row in listed.to_dict(orient="records")}
    for doc_id in (source_doc, target_doc):
        if doc_id not in rows:
            raise UserError(doc_id, f"not a doc id of {manifest_path} (known: {', '.join(rows)})")
    source, target = rows[source_doc], rows[target_doc]
    profiles = ((source["level"], source["region"]), (target["level"], target["region"]))
    return comparison_kind(source_doc, source, target_doc, target, profiles)
