"""Bringing your own plans: ``analysis add FILE`` registers a plan file in the manifest, and
``analysis remove ID`` takes a row out again.

``add`` reads the file (text, Word, PDF or web page, see :mod:`analysis.parse.formats`), infers
what the text prints (title, issuer, document number, date; level from the title's scope word
全省/全市…, year from the title or the date, region from the issuer) and lets flags override
each value, copies the file beside the manifest (never over a different file of the same name),
checks the manifest with the new row exactly as the build will load it, then appends the row
atomically. ``remove`` drops a row unless another row links to it; the raw file stays in place.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.compare.duplicates import jaccard, shingles
from analysis.corpus import manifest
from analysis.corpus.resolve import level_of_title, region_of_issuer
from analysis.errors import UserError
from analysis.parse import metadata
from analysis.parse.document import ParsedDocument, parse_document
from analysis.parse.formats import read_plan
from analysis.parse.structure import require_tasks
from analysis.schema import LEVEL_RANK
from analysis.settings import DuplicateSettings
from analysis.storage import write_bytes, write_text
from analysis.text.numerals import year_value

DOC_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_NOT_DOC_ID = re.compile(r"[^A-Za-z0-9_-]+")
# File-name characters `make` cannot take in a prerequisite list (the Makefile lists data/raw/*):
# a plan named so is stored under its doc id instead.
_UNSAFE_FOR_MAKE = re.compile(r"[\s:#$%;\\*?\[\]'\"()&|<>~`]")
_TITLE_YEAR = re.compile(r"(\d{4}|[〇零一二三四五六七八九]{4})\s*年")
LINKS = ("parent", "previous", "duplicate_of")


@dataclass(frozen=True)
class Registered:
    """A manifest row written by :func:`add_plan`, where each value came from, and the file."""

    row: dict[str, str]
    sources: dict[str, str]  # field → "text", "title", "date", "issuer", "file name" or "flag"
    file: Path  # the copy beside the manifest
    copied: bool  # False when that very file was already there
    format: str
    n_tasks: int
    notes: list[str] = field(default_factory=list)


_SOURCE_NAMES = {
    "text": "printed in the text",
    "title": "from the title",
    "date": "from the printed date",
    "issuer": "from the issuer",
    "file name": "from the file name",
    "flag": "as given",
}


def registration_lines(done: Registered, manifest_path: Path | str) -> list[str]:
    """What ``analysis add`` prints: the row written, where each value came from, what next."""
    row = done.row
    lines = [f"registered {row['doc_id']} in {manifest_path}: {done.format} file with {done.n_tasks} tasks"]
    lines.append(f"  file: {done.file}" + ("" if done.copied else " (already there, not copied)"))
    for name in ("title", "issuer", "region", "level", "year", "doc_number", "date", "parent", "previous"):
        if row.get(name):
            source = _SOURCE_NAMES.get(done.sources.get(name, ""), "")
            lines.append(f"  {name}: {row[name]}" + (f" ({source})" if source else ""))
    lines += [f"  note: {note}" for note in done.notes]
    lines.append("next: `make reports` (or `.venv/bin/python -m analysis build`) to compare it")
    return lines


def default_doc_id(path: Path | str) -> str:
    """A doc id from a file name: its letters, digits, ``_`` and ``-`` (other runs become one
    ``_``, as does ``__``, which joins doc ids in a comparison's id); empty when that leaves no
    letter (``孝感市2024年….pdf`` would give a bare ``2024``)."""
    doc_id = re.sub("_{2,}", "_", _NOT_DOC_ID.sub("_", Path(path).stem)).strip("_")
    return doc_id if re.search(r"[A-Za-z]", doc_id) else ""


def stored_name(source: Path, doc_id: str) -> str:
    """The name a plan is stored under beside the manifest: its own, unless `make` could not
    handle it (spaces, quotes, brackets …), then ``<doc_id><suffix>``."""
    return f"{doc_id}{source.suffix.lower()}" if _UNSAFE_FOR_MAKE.search(source.name) else source.name


def _year_of(title: str, date: str) -> tuple[str, str] | None:
    if (m := _TITLE_YEAR.search(title)) and len(year := year_value(m.group(1))) == 4 and year.isdigit():
        return year, "title"
    if re.match(r"^\d{4}-", date):
        return date[:4], "date"
    return None


def _read_manifest_text(path: Path) -> tuple[str, bool]:
    """The manifest's text (without a BOM) and whether it had one."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(path, "manifest not found") from None
    except OSError as exc:
        raise UserError(path, f"cannot read the manifest ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(path, "the manifest is not UTF-8 text") from None
    return text, data.startswith(b"\xef\xbb\xbf")


def _header(text: str, path: Path) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise UserError(path, "the manifest is empty (no header line)")
    return [name.strip() for name in rows[0]]


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _check(text: str, manifest_path: Path) -> None:
    """Load ``text`` as the manifest would be loaded from ``manifest_path`` (same folder, so its
    files resolve the same way); raise the manifest's own :class:`UserError` if it is invalid."""
    fd, tmp = tempfile.mkstemp(prefix=".manifest-check-", suffix=".csv", dir=manifest_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        try:
            manifest.load_manifest(tmp)
        except UserError as exc:
            raise UserError(manifest_path, f"the manifest would not load with this change: {exc.problem}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _csv_line(values: list[str], newline: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow(values)
    return buffer.getvalue()


def _with_tasks(doc: ParsedDocument, path: Path) -> ParsedDocument:
    require_tasks(doc.tasks, doc.outline, path)
    return doc


def _listed(text: str, manifest_path: Path) -> pd.DataFrame:
    """The manifest as loaded (validated); an empty frame for a manifest of a header only, the
    start of a corpus of your own."""
    if len([line for line in text.splitlines() if line.strip()]) <= 1:
        return pd.DataFrame(columns=manifest.MANIFEST_COLUMNS)
    return manifest.load_manifest(manifest_path)


def _metadata(doc: ParsedDocument, flags: dict[str, str | None], source: Path) -> tuple[dict, dict]:
    """The plan's title, issuer, number, date, level, year and region, and where each came from
    (a flag, else what the text prints or implies); every value that cannot be told is named in
    one message, with what was found."""
    printed = metadata.extract_metadata(doc.printed_matter())
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name in ("title", "issuer", "doc_number", "date"):
        if flags.get(name) is not None:
            values[name], sources[name] = str(flags[name]).strip(), "flag"
        elif printed.get(name):
            values[name], sources[name] = printed[name], "text"
        else:
            values[name] = ""
    inferred = {
        "level": (level_of_title(values["title"]), "title"),
        "year": _year_of(values["title"], values["date"]) or (None, ""),
        "region": (region_of_issuer(values["issuer"]), "issuer"),
    }
    missing = []
    for name, (found, origin) in inferred.items():
        if flags.get(name):
            values[name], sources[name] = str(flags[name]), "flag"
        elif found:
            values[name], sources[name] = found, origin
        else:
            missing.append(name)
    if missing:
        seen = ", ".join(f"{name} {values[name]!r}" for name in (*values, *missing) if values.get(name)) or "nothing"
        raise UserError(
            source,
            f"cannot tell its {', '.join(missing)} ({'; '.join(_WHY_MISSING[name] for name in missing)}): pass "
            f"{' '.join(_FLAG_OF[name] for name in missing)} (found: {seen})",
        )
    return values, sources


_WHY_MISSING = {
    "level": "no scope word 全省/全市/全州/全县/全区 in the title",
    "year": "no year in the title or a printed date",
    "region": "no region in the issuer's name",
}
_FLAG_OF = {"level": f"--level ({'|'.join(LEVEL_RANK)})", "year": "--year", "region": "--region (e.g. 武汉市)"}


def copies_of(
    source: Path, values: dict[str, str], listed: pd.DataFrame, settings: DuplicateSettings
) -> list[tuple[str, float]]:
    """The registered plans ``source`` duplicates, most similar first, with the shingle similarity
    of their texts (:mod:`analysis.compare.duplicates`): the same text, or a text that resembles a
    plan of the same region, level and year (a repost, a damaged or revised copy of it). Sister
    plans written from one template, of other regions, are no copies."""
    own = shingles(read_plan(source).text, settings.shingle_size)
    plan = (values["region"], values["level"], str(values["year"]))
    found = []
    for row in listed.to_dict(orient="records"):
        theirs = shingles(read_plan(row["file_path"]).text, settings.shingle_size)
        similarity = jaccard(own, theirs)
        same_plan = (row["region"], row["level"], str(row["year"])) == plan
        if similarity == 1.0 or (same_plan and similarity >= settings.min_similarity):
            found.append((str(row["doc_id"]), similarity))
    return sorted(found, key=lambda copy: -copy[1])


def _guard_copies(
    source: Path, values: dict, listed: pd.DataFrame, duplicate_of: str, force: bool, settings: DuplicateSettings
) -> list[str]:
    """Refuse a file that duplicates a registered plan (:func:`copies_of`), naming it, unless it
    is declared a copy (``duplicate_of``) or ``force``d; the notes to print when it is let in."""
    if duplicate_of:
        if duplicate_of not in set(listed["doc_id"]):
            raise UserError("--duplicate-of", f"{duplicate_of!r} is not a doc id of the manifest")
        return [f"declared a copy of {duplicate_of}: the build leaves it out of the comparisons"]
    copies = copies_of(source, values, listed, settings)
    if not copies:
        return []
    named = ", ".join(f"{doc_id} (shingle similarity {similarity:.2f})" for doc_id, similarity in copies)
    if not force:
        first = copies[0][0]
        raise UserError(
            source,
            f"its text duplicates the registered plan {named}: pass --duplicate-of {first} to register it as "
            "a copy (left out of the comparisons), or --force to register it as a plan of its own",
        )
    return [f"registered with --force although its text duplicates {named}"]


def add_plan(
    source: Path | str,
    manifest_path: Path | str,
    *,
    doc_id: str | None = None,
    parent: str = "",
    previous: str = "",
    title: str | None = None,
    level: str | None = None,
    year: str | int | None = None,
    issuer: str | None = None,
    region: str | None = None,
    duplicate_of: str = "",
    force: bool = False,
    settings: DuplicateSettings | None = None,
) -> Registered:
    """Copy ``source`` beside the manifest and append its row (see the module's docstring); a
    file duplicating a registered plan is refused unless ``duplicate_of`` declares it or ``force``."""
    source, manifest_path = Path(source), Path(manifest_path)
    text, bom = _read_manifest_text(manifest_path)
    columns = _header(text, manifest_path)
    listed = _listed(text, manifest_path)
    flags = {"title": title, "issuer": issuer, "level": level, "year": None if year is None else str(year)}
    flags["region"] = region
    doc_id, doc_id_source = _doc_id(doc_id, source, listed, manifest_path)
    doc = _with_tasks(parse_document(source, doc_id), source)
    values, sources = _metadata(doc, flags, source)
    sources["doc_id"] = doc_id_source
    name = stored_name(source, doc_id)
    row = {"doc_id": doc_id, "file": name, **values, "parent": parent, "previous": previous}
    if duplicate_of:
        row["duplicate_of"] = duplicate_of
    missing = [name for name in manifest.REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise UserError(manifest_path, f"missing column(s): {', '.join(missing)}")
    if duplicate_of and "duplicate_of" not in columns:
        raise UserError(manifest_path, "no duplicate_of column: add one to declare a copy")
    notes = _guard_copies(source, values, listed, duplicate_of, force, settings or DuplicateSettings())
    dropped = [column for column in row if row[column] and column not in columns]
    target, copied = _destination(source, manifest_path, name, listed)
    newline = _newline(text)
    body = text if not text or text.endswith(("\n", "\r")) else text + newline
    checked = dict(row, file=str(source.resolve()))  # the file is checked where it is, before any copy
    _check(body + _csv_line([checked.get(name, "") for name in columns], newline), manifest_path)
    if copied:
        write_bytes(target, source.read_bytes())
    write_text(
        manifest_path, ("\ufeff" if bom else "") + body + _csv_line([row.get(name, "") for name in columns], newline)
    )
    notes += [f"the manifest has no {column} column: {column} {row[column]!r} not recorded" for column in dropped]
    if name != source.name:
        notes.append(f"stored as {name}: `make` cannot handle the characters of {source.name!r}")
    return Registered(row, sources, target, copied, doc.format, len(doc.tasks), notes)


def _doc_id(doc_id: str | None, source: Path, listed: pd.DataFrame, manifest_path: Path) -> tuple[str, str]:
    """The new plan's doc id (given, else from the file name) and where it came from."""
    given = doc_id is not None
    doc_id = doc_id if doc_id is not None else default_doc_id(source)
    if not doc_id:
        raise UserError(
            source,
            "the file name gives no doc id (letters, digits, _ and -, with a letter): "
            "pass --doc-id, e.g. xiaogan_city_2024",
        )
    if problem := manifest.doc_id_problem(doc_id):
        if given:
            raise UserError("--doc-id", problem)
        raise UserError(source, f"the file name gives no usable doc id ({problem}): pass --doc-id")
    if not DOC_ID.match(doc_id):
        raise UserError(doc_id, "a doc id is letters, digits, _ and - only")
    if doc_id in set(listed["doc_id"]):
        raise UserError(
            doc_id,
            f"this doc id is already in {manifest_path}: choose another with --doc-id (or `remove {doc_id}` first)",
        )
    return doc_id, "flag" if given else "file name"


def _destination(source: Path, manifest_path: Path, name: str, listed: pd.DataFrame) -> tuple[Path, bool]:
    """Where the plan is stored beside the manifest, and whether it has to be copied there (never
    over a different file of that name, never a file registered already)."""
    target = manifest_path.parent / name
    if not target.exists():
        return target, True
    same_file = target.resolve() == source.resolve()
    if not same_file and (not target.is_file() or target.read_bytes() != source.read_bytes()):
        raise UserError(target, "a different file of this name is already there: rename your file and add it again")
    taken = listed.loc[listed["file"] == name, "doc_id"]
    if len(taken):
        raise UserError(source, f"this file is already registered as {taken.iloc[0]}")
    return target, False


def linked_from(listed, doc_id: str) -> list[str]:
    """``row (link)`` for every manifest row that links to ``doc_id``."""
    return [
        f"{row['doc_id']} ({link})"
        for row in listed.to_dict(orient="records")
        for link in LINKS
        if row.get(link) == doc_id
    ]


def remove_plan(doc_id: str, manifest_path: Path | str) -> Path:
    """Drop ``doc_id``'s row from the manifest (refused when another row links to it); return its
    file, which stays in place."""
    manifest_path = Path(manifest_path)
    text, bom = _read_manifest_text(manifest_path)
    listed = manifest.load_manifest(manifest_path)
    rows = listed[listed["doc_id"] == doc_id]
    if rows.empty:
        raise UserError(doc_id, f"not a doc id of {manifest_path} (known: {', '.join(listed['doc_id'])})")
    linking = linked_from(listed, doc_id)
    if linking:
        raise UserError(doc_id, f"other rows link to it: {', '.join(linking)}: remove or relink them first")
    lines = text.splitlines(keepends=True)
    kept, removed = lines[:1], 0  # the header, then every row but doc_id's
    for line in lines[1:]:
        fields = next(csv.reader([line]), [""])
        if removed == 0 and fields and fields[0].strip() == doc_id:
            removed += 1
            continue
        kept.append(line)
    if removed != 1:
        raise UserError(manifest_path, f"cannot find the line of {doc_id} (a row spread over several lines?)")
    new_text = "".join(kept)
    if len(kept) > 1:  # the last row removed leaves a header only: nothing left to check
        _check(new_text, manifest_path)
    write_text(manifest_path, ("\ufeff" if bom else "") + new_text)
    return Path(rows.iloc[0]["file"])
