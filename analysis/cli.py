"""Command line: ``python -m analysis <command>``.

A mistake in the user's input (a missing or unreadable file, a bad manifest) is reported as one
line on stderr naming the file and the problem, with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.schema import KINDS, LEVEL_RANK
from analysis.settings import (
    ALIGNMENT_CORRECTIONS_PATH,
    GOLD_TARGETS_PATH,
    LINK_CONFIDENCE_PATH,
    MANIFEST_PATH,
    NOTEBOOKS_DIR,
    PROCESSED_DIR,
    REPORT_WORKERS,
    REPORTS_DIR,
    TARGET_CORRECTIONS_PATH,
    TargetSettings,
)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def _print_csv(frame: pd.DataFrame) -> None:
    frame.to_csv(sys.stdout, index=False, lineterminator="\n")


def _with_tasks(doc, reference):
    """The parsed document, or a user error saying why it holds no task."""
    from analysis.parse.structure import require_tasks

    require_tasks(doc.tasks, doc.outline, reference)
    return doc


def _parse_plan(args: argparse.Namespace):
    from analysis.corpus.resolve import manifest_doc_id
    from analysis.parse.document import doc_id_for, parse_raw
    from analysis.parse.formats import read_plan

    raw = read_plan(args.path)  # first: what is not a readable plan file (text, Word, PDF, web page) is refused as such
    return _with_tasks(parse_raw(raw, manifest_doc_id(args.path, args.manifest) or doc_id_for(args.path)), args.path)


def _cmd_tasks(args: argparse.Namespace) -> int:
    doc = _parse_plan(args)
    tasks = doc.tasks
    if doc.page_starts:  # a PDF: the page each task begins on (printed here only, not in the built tables)
        tasks = tasks.assign(page_start=[doc.page_of(start) for start in tasks["char_start"]])
    _print_csv(tasks)
    return 0


def _cmd_targets(args: argparse.Namespace) -> int:
    from analysis.targets.extract import targets_table

    _print_csv(targets_table(_parse_plan(args)))
    return 0


def _cmd_align(args: argparse.Namespace) -> int:
    from analysis import align
    from analysis.align import confidence
    from analysis.corpus.resolve import comparison_kind, document_profile, resolve_document
    from analysis.parse.document import parse_document
    from analysis.targets.extract import targets_of_plans

    docs, rows = [], []
    for reference in (args.parent, args.child):
        path, doc_id, row = resolve_document(reference, Path(args.manifest))
        docs.append(_with_tasks(parse_document(path, doc_id), reference))
        rows.append(row)
    (source, target), (source_row, target_row) = docs, rows
    if source.doc_id == target.doc_id:
        raise UserError(args.child, "is the same document as the parent")
    kind = comparison_kind(
        source.doc_id,
        source_row,
        target.doc_id,
        target_row,
        (document_profile(source, source_row), document_profile(target, target_row)),
        args.kind,
    )
    found = targets_of_plans((source, target))  # as the build does
    result = align.align(align.Comparison.of(source, target, found), kind)
    chance = confidence.link_probability(
        result.pairs, confidence.LinkModel.load(LINK_CONFIDENCE_PATH), len(source.tasks), len(target.tasks)
    )
    _print_csv(
        confidence.with_confidence(
            result.alignments, result.pairs, chance, source.tasks["task_id"], target.tasks["task_id"]
        )
    )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from analysis import evaluate
    from analysis.corpus.build import documents_table, parse_manifest, targets_of
    from analysis.targets import indicators

    gold = evaluate.load_gold_targets(args.gold)
    listed, docs = parse_manifest(Path(args.manifest))
    lexicon = indicators.load_lexicon()
    found = targets_of(docs, documents_table(docs, listed), lexicon)
    scores = evaluate.evaluate_targets(found, gold)
    print(f"Targets against {args.gold} (core recall, precision; rule: analysis/evaluate/targets.py)")
    print(scores.set_index("doc_id").astype(object).T.to_string())
    mapping = evaluate.indicator_mapping(gold, lexicon)
    print(
        f"\nIndicator mapping of the gold's own phrases (threshold {TargetSettings().indicator_min_score:g}): "
        f"accuracy {mapping['correct'].mean():.4f} ({int(mapping['correct'].sum())}/{len(mapping)})"
    )
    sweep = evaluate.threshold_sweep(evaluate.indicator_mapping(gold, lexicon, min_score=0), list(range(40, 95, 5)))
    print("by threshold: " + ", ".join(f"{t:g}: {a:.4f}" for t, a in sweep.itertuples(index=False)))
    for wrong in mapping[~mapping["correct"]].to_dict(orient="records"):
        print(
            f"  wrong: {wrong['doc']} «{wrong['indicator']}» → {wrong['indicator_id'] or '(unmapped)'} ({wrong['indicator_score']}), "
            f"expected {wrong['canonical_indicator']}"
        )
    unmapped = found[(found["role"] == "commitment") & (found["indicator_id"] == "")]
    print(
        f"\nCommitments whose phrase maps to no indicator: {len(unmapped)} of "
        f"{int((found['role'] == 'commitment').sum())}"
    )
    for row in unmapped.itertuples():
        print(f"  {row.target_id} {row.value_text} «{row.indicator}» (best score {row.indicator_score})")

    from analysis.evaluate import crosslevel_report, evaluate_alignment, evaluate_crosslevel, report

    corpus = {doc.doc_id: doc for doc in docs}
    print("\n" + report(evaluate_alignment(corpus)))
    print("\n" + crosslevel_report(evaluate_crosslevel(corpus)))

    from analysis.evaluate import calibration, reviewed

    fitted = calibration.calibrate(calibration.labelled_pairs(corpus))
    print("\n" + calibration.report(fitted))
    if args.fit_confidence:
        calibration.write_model(fitted)
        print(f"link-confidence model → {LINK_CONFIDENCE_PATH}")
    print("\n" + reviewed.report(ALIGNMENT_CORRECTIONS_PATH, TARGET_CORRECTIONS_PATH, corpus, listed, found))
    return 0


def target_log(targets: pd.DataFrame) -> list[str]:
    """Build log lines: unmapped indicator phrases, damaged values and their clean counterparts."""
    commitments = targets[targets["role"] == "commitment"]
    lines = []
    for doc_id, found in commitments.groupby("doc_id", sort=False):
        unmapped = found[found["indicator_id"] == ""]
        damaged = found[found["flags"].str.contains("damaged_value", regex=False)]
        line = f"targets {doc_id}: {len(found)} commitments, {len(unmapped)} with no canonical indicator"
        if len(damaged):
            line += f", {len(damaged)} damaged values ({int(damaged['clean_value'].notna().sum())} with a clean value beside)"
        lines.append(line)
        lines.extend(f"  unmapped: {t.target_id} {t.value_text} «{t.indicator}»" for t in unmapped.itertuples())
    return lines


def left_out_log(documents: pd.DataFrame, manifest_path: Path) -> list[str]:
    """Build log lines: every document left out of the comparisons (a damaged copy), its reason
    and the comparisons its manifest links would have made."""
    from analysis.compare.duplicates import left_out_log as lines_for
    from analysis.corpus import manifest
    from analysis.corpus.build import planned_comparisons

    listed = manifest.load_manifest(manifest_path)
    planned = set(planned_comparisons(listed, documents)["comparison_id"])
    dropped: dict[str, list[str]] = {}
    for plan in manifest.comparisons(listed).itertuples():
        if plan.comparison_id not in planned:
            for doc_id in (str(plan.source_doc), str(plan.target_doc)):
                dropped.setdefault(doc_id, []).append(f"{plan.kind} {plan.comparison_id}")
    return lines_for(documents, dict(zip(listed["doc_id"], listed["duplicate_of"])), dropped)


def _cmd_build(args: argparse.Namespace) -> int:
    from analysis.corpus import corrections, scheduler
    from analysis.corpus.build import build

    def log(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    scheduler_name = None if args.scheduler == "auto" else args.scheduler
    with scheduler.session(scheduler_name, args.workers, progress=not args.quiet, log=log) as run:
        tables = build(Path(args.out), Path(args.manifest), args.workers, scheduler=run)
    for name, frame in tables.items():
        print(f"{name}: {len(frame)} rows → {Path(args.out) / name}.csv", file=sys.stderr)
    for line in (
        target_log(tables["targets"])
        + left_out_log(tables["documents"], Path(args.manifest))
        + corrections.log_lines(tables["corrections"])
    ):
        print(line, file=sys.stderr)
    return 0


_SOURCE_NAMES = {
    "text": "printed in the text",
    "title": "from the title",
    "date": "from the printed date",
    "issuer": "from the issuer",
    "file name": "from the file name",
    "flag": "as given",
}


def _cmd_add(args: argparse.Namespace) -> int:
    from analysis.corpus.register import add_plan

    done = add_plan(
        args.path,
        Path(args.manifest),
        doc_id=args.doc_id,
        parent=args.parent or "",
        previous=args.previous or "",
        title=args.title,
        level=args.level,
        year=args.year,
        issuer=args.issuer,
        region=args.region,
    )
    row = done.row
    print(f"registered {row['doc_id']} in {args.manifest}: {done.format} file with {done.n_tasks} tasks")
    print(f"  file: {done.file}" + ("" if done.copied else " (already there, not copied)"))
    for name in ("title", "issuer", "region", "level", "year", "doc_number", "date", "parent", "previous"):
        if row.get(name):
            source = _SOURCE_NAMES.get(done.sources.get(name, ""), "")
            print(f"  {name}: {row[name]}" + (f" ({source})" if source else ""))
    for note in done.notes:
        print(f"  note: {note}")
    print("next: `make reports` (or `.venv/bin/python -m analysis build`) to compare it")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from analysis.corpus.register import remove_plan

    file = remove_plan(args.doc_id, Path(args.manifest))
    print(
        f"removed {args.doc_id} from {args.manifest}; its file {Path(args.manifest).parent / file} stays in place "
        "(delete it yourself if you no longer need it)"
    )
    print("next: `make reports` (or `.venv/bin/python -m analysis build`) to rebuild without it")
    return 0


def _cmd_review(args: argparse.Namespace) -> int:
    from analysis.corpus.review import export_queue

    queue = export_queue(args.comparison_id, Path(args.out), Path(args.processed), tuple(args.band))
    counts = queue["reason"].value_counts()
    print(
        f"{len(queue)} decisions to review ({counts.get('uncertain', 0)} uncertain, {counts.get('low confidence', 0)} "
        f"low confidence, {counts.get('near miss', 0)} near misses) → {args.out}: fill in `relation` (same, partial, "
        "none), save it as data/corrections/alignments.csv",
        file=sys.stderr,
    )
    return 0


def _cmd_reports(args: argparse.Namespace) -> int:
    from analysis.report.batch import build_editions, edition_folders, oversized

    built = build_editions(
        Path(args.out),
        Path(args.processed),
        only=args.only,
        force=args.force,
        workers=args.workers,
        langs=args.lang,
        standalone=args.standalone,
    )
    folders = edition_folders(Path(args.out), list(built))
    failures = 0
    for lang, results in built.items():
        failed = [r for r in results if r.status == "failed"]
        failures += len(failed)
        for r in results:
            state = r.status if r.status != "failed" else f"FAILED ({r.error}); open {folders[lang] / r.notebook}"
            print(f"{r.report_id}: {state}", file=sys.stderr)
        for r in oversized(results):
            print(f"warning: {r.html} is {r.size_bytes / 1e6:.1f} MB", file=sys.stderr)
        print(
            f"{len(results) - len(failed)} of {len(results)} reports → {folders[lang] / 'index.html'}", file=sys.stderr
        )
    return 1 if failures else 0


def _editions(value: str) -> tuple[str, ...]:
    """``--lang``: zh, en, or both (``all``, ``zh,en``)."""
    from analysis.report.i18n import LANGS

    langs = LANGS if value == "all" else tuple(part.strip() for part in value.split(","))
    unknown = [lang for lang in langs if lang not in LANGS]
    if unknown or not langs:
        raise argparse.ArgumentTypeError(f"{value!r}: not zh, en, all or zh,en")
    return langs


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from analysis.report.batch import refresh_notebook

    for path in args.paths or sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        refresh_notebook(Path(path))
        print(f"refreshed {path}", file=sys.stderr)
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=str(MANIFEST_PATH), help="manifest CSV (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    tasks = commands.add_parser("tasks", help="print the task table of a plan file as CSV (a PDF's with page_start)")
    tasks.add_argument("path", help="a work-plan file: .txt, .docx, .pdf or .html (inside or outside the manifest)")
    tasks.set_defaults(run=_cmd_tasks)

    targets = commands.add_parser("targets", help="print the quantitative targets of a plan file as CSV")
    targets.add_argument("path", help="a work-plan file: .txt, .docx, .pdf or .html (inside or outside the manifest)")
    targets.set_defaults(run=_cmd_targets)

    align = commands.add_parser("align", help="align the tasks of two plans; CSV of links and unlinked tasks")
    align.add_argument(
        "parent", help="the parent (higher-level) or earlier plan, or peer A: a file or a manifest doc id"
    )
    align.add_argument("child", help="the child (lower-level) or later plan, or peer B: a file or a manifest doc id")
    align.add_argument(
        "--kind", choices=KINDS, help="comparison kind when the manifest does not link the two (default: inferred)"
    )
    align.set_defaults(run=_cmd_align)

    add = commands.add_parser("add", help="register a plan file (.txt, .docx, .pdf, .html) in the manifest")
    add.add_argument("path", help="the plan file; copied into the manifest's folder")
    add.add_argument("--doc-id", help="its id (default: the file name's letters, digits, _ and -)")
    add.add_argument("--parent", help="doc id of the higher-level plan it implements")
    add.add_argument("--previous", help="doc id of the same issuer's plan of an earlier year")
    add.add_argument("--title", help="title (default: as printed)")
    add.add_argument("--level", choices=tuple(LEVEL_RANK), help="level (default: from the title's 全省/全市/…)")
    add.add_argument("--year", help="year (default: from the title, else the printed date)")
    add.add_argument("--issuer", help="issuing body (default: as printed)")
    add.add_argument("--region", help="region, e.g. 武汉市 (default: from the issuer)")
    add.add_argument("--manifest", default=argparse.SUPPRESS, help=f"manifest CSV (default: {MANIFEST_PATH})")
    add.set_defaults(run=_cmd_add)

    remove = commands.add_parser("remove", help="drop a plan's row from the manifest (its file stays in place)")
    remove.add_argument("doc_id", help="the doc id to drop")
    remove.add_argument("--manifest", default=argparse.SUPPRESS, help=f"manifest CSV (default: {MANIFEST_PATH})")
    remove.set_defaults(run=_cmd_remove)

    evaluate = commands.add_parser(
        "evaluate", help="score targets and task alignment against the gold (with the naive baseline)"
    )
    evaluate.add_argument("--gold", default=str(GOLD_TARGETS_PATH), help="gold target table (default: %(default)s)")
    evaluate.add_argument(
        "--fit-confidence",
        action="store_true",
        help=f"store the link-confidence model fitted on the development gold in {LINK_CONFIDENCE_PATH.name}",
    )
    evaluate.set_defaults(run=_cmd_evaluate)

    build = commands.add_parser("build", help="write the processed tables for the whole manifest")
    build.add_argument("--out", default=str(PROCESSED_DIR), help="output folder (default: %(default)s)")
    build.add_argument(
        "--scheduler",
        default="auto",
        metavar="WHERE",
        help="local (a Dask cluster on this machine, one worker process per core), a running Dask "
        "scheduler's address (tcp://host:8786), or none (in this process); default: local "
        "from 40 documents on when there is more than one core, else none",
    )
    build.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core)")
    build.add_argument("--quiet", action="store_true", help="no progress bar, no cluster address")
    build.set_defaults(run=_cmd_build)

    review = commands.add_parser(
        "review", help="export a comparison's uncertain alignment decisions for a reviewer (CSV)"
    )
    review.add_argument(
        "comparison_id", help="a comparison id of the processed alignments (e.g. hubei_province_2024__ezhou_city_2024)"
    )
    review.add_argument("--out", required=True, help="the review queue to write (CSV, the corrections file's columns)")
    review.add_argument("--processed", default=str(PROCESSED_DIR), help="processed tables (default: %(default)s)")
    review.add_argument(
        "--band",
        nargs=2,
        type=float,
        default=[0.35, 0.65],
        metavar=("LOW", "HIGH"),
        help="confidence band of the uncertain decisions; those below it are queued too (default: %(default)s)",
    )
    review.set_defaults(run=_cmd_review)

    reports = commands.add_parser("reports", help="run the notebooks with papermill and render the HTML reports")
    reports.add_argument("--out", default=str(REPORTS_DIR), help="output folder (default: %(default)s)")
    reports.add_argument("--processed", default=str(PROCESSED_DIR), help="processed tables (default: %(default)s)")
    reports.add_argument(
        "--only", nargs="+", metavar="REPORT_ID", help="build only these reports (ids as in the index)"
    )
    reports.add_argument("--force", action="store_true", help="rerun reports whose inputs have not changed")
    reports.add_argument(
        "--workers", type=int, default=REPORT_WORKERS, help="parallel notebooks (default: %(default)s)"
    )
    reports.add_argument(
        "--lang",
        type=_editions,
        default=("zh",),
        metavar="{zh,en,all}",
        help="edition: zh (Chinese, default), en (English, e.g. with --out reports/en), or all (also zh,en): "
        "Chinese in --out and English in --out/en, each report's two editions run in one kernel",
    )
    reports.add_argument(
        "--standalone",
        action="store_true",
        help="embed plotly.js, script and style in every page (default: shared files under assets/)",
    )
    reports.set_defaults(run=_cmd_reports)

    notebooks = commands.add_parser(
        "notebooks", help="rerun committed notebooks and keep only their checked outputs (nbval's expected figures)"
    )
    notebooks.add_argument("paths", nargs="*", help="notebooks (default: all in notebooks/)")
    notebooks.set_defaults(run=_cmd_notebooks)
    return parser


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): not an error
        return 0
