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
from analysis.settings import (
    GOLD_TARGETS_PATH,
    INDICATOR_MIN_SCORE,
    MANIFEST_PATH,
    NOTEBOOKS_DIR,
    PROCESSED_DIR,
    REPORT_WORKERS,
    REPORTS_DIR,
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
    from analysis.parse.read import read_document

    raw = read_document(args.path)  # first: what is not a readable document is refused as such
    return _with_tasks(parse_raw(raw, manifest_doc_id(args.path, args.manifest) or doc_id_for(args.path)), args.path)


def _cmd_tasks(args: argparse.Namespace) -> int:
    _print_csv(_parse_plan(args).tasks)
    return 0


def _cmd_targets(args: argparse.Namespace) -> int:
    from analysis.targets.extract import targets_table

    _print_csv(targets_table(_parse_plan(args)))
    return 0


def _cmd_align(args: argparse.Namespace) -> int:
    from analysis import align
    from analysis.corpus.resolve import comparison_kind, document_profile, resolve_document
    from analysis.parse.document import parse_document
    from analysis.targets.extract import targets_table

    docs, rows = [], []
    for reference in (args.parent, args.child):
        path, doc_id, row = resolve_document(reference, Path(args.manifest))
        docs.append(_with_tasks(parse_document(path, doc_id), reference))
        rows.append(row)
    (source, target), (source_row, target_row) = docs, rows
    if source.doc_id == target.doc_id:
        raise UserError(args.child, "is the same document as the parent")
    kind = comparison_kind(source.doc_id, source_row, target.doc_id, target_row,
                           (document_profile(source, source_row), document_profile(target, target_row)), args.kind)
    found = pd.concat([targets_table(doc) for doc in (source, target)], ignore_index=True)  # as the build does
    _print_csv(align.align(align.Comparison.of(source, target, found), kind).alignments)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from analysis import evaluate
    from analysis.targets import indicators
    from analysis.corpus.build import parse_manifest, targets_of, documents_table

    gold = evaluate.load_gold_targets(args.gold)
    listed, docs = parse_manifest(Path(args.manifest))
    lexicon = indicators.load_lexicon()
    found = targets_of(docs, documents_table(docs, listed), lexicon)
    scores = evaluate.evaluate_targets(found, gold)
    print(f"Targets against {args.gold} (core recall, precision; rule: analysis/evaluate/targets.py)")
    print(scores.set_index("doc_id").astype(object).T.to_string())
    mapping = evaluate.indicator_mapping(gold, lexicon)
    print(f"\nIndicator mapping of the gold's own phrases (threshold {INDICATOR_MIN_SCORE:g}): "
          f"accuracy {mapping['correct'].mean():.4f} ({int(mapping['correct'].sum())}/{len(mapping)})")
    sweep = evaluate.threshold_sweep(evaluate.indicator_mapping(gold, lexicon, min_score=0), list(range(40, 95, 5)))
    print("by threshold: " + ", ".join(f"{t:g}: {a:.4f}" for t, a in sweep.itertuples(index=False)))
    for row in mapping[~mapping["correct"]].itertuples():
        print(f"  wrong: {row.doc} «{row.indicator}» → {row.indicator_id or '(unmapped)'} ({row.indicator_score}), "
              f"expected {row.canonical_indicator}")
    unmapped = found[(found["role"] == "commitment") & (found["indicator_id"] == "")]
    print(f"\nCommitments whose phrase maps to no indicator: {len(unmapped)} of "
          f"{int((found['role'] == 'commitment').sum())}")
    for row in unmapped.itertuples():
        print(f"  {row.target_id} {row.value_text} «{row.indicator}» (best score {row.indicator_score})")

    from analysis.evaluate import evaluate_alignment, report

    print("\n" + report(evaluate_alignment()))
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


def _cmd_build(args: argparse.Namespace) -> int:
    from analysis.corpus import scheduler
    from analysis.corpus.build import build

    def log(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    scheduler_name = None if args.scheduler == "auto" else args.scheduler
    with scheduler.session(scheduler_name, args.workers, progress=not args.quiet, log=log) as run:
        tables = build(Path(args.out), Path(args.manifest), args.workers, run)
    for name, frame in tables.items():
        print(f"{name}: {len(frame)} rows → {Path(args.out) / name}.csv", file=sys.stderr)
    for line in target_log(tables["targets"]):
        print(line, file=sys.stderr)
    return 0


def _cmd_reports(args: argparse.Namespace) -> int:
    from analysis.report.batch import build_reports, oversized

    results = build_reports(Path(args.out), Path(args.processed), only=args.only, force=args.force,
                            workers=args.workers)
    failed = [r for r in results if r.status == "failed"]
    for r in results:
        state = r.status if r.status != "failed" else f"FAILED ({r.error}); open {Path(args.out) / r.notebook}"
        print(f"{r.report_id}: {state}", file=sys.stderr)
    for r in oversized(results):
        print(f"warning: {r.html} is {r.size_bytes / 1e6:.1f} MB", file=sys.stderr)
    print(f"{len(results) - len(failed)} of {len(results)} reports → {Path(args.out) / 'index.html'}", file=sys.stderr)
    return 1 if failed else 0


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

    tasks = commands.add_parser("tasks", help="print the task table of a text file as CSV")
    tasks.add_argument("path", help="a work-plan text file (inside or outside the manifest)")
    tasks.set_defaults(run=_cmd_tasks)

    targets = commands.add_parser("targets", help="print the quantitative targets of a text file as CSV")
    targets.add_argument("path", help="a work-plan text file (inside or outside the manifest)")
    targets.set_defaults(run=_cmd_targets)

    align = commands.add_parser("align", help="align the tasks of two plans; CSV of links and unlinked tasks")
    align.add_argument("parent", help="the parent (higher-level) or earlier plan: a file or a manifest doc id")
    align.add_argument("child", help="the child (lower-level) or later plan: a file or a manifest doc id")
    align.add_argument("--kind", choices=("year", "level"),
                       help="comparison kind when the manifest does not link the two (default: inferred)")
    align.set_defaults(run=_cmd_align)

    evaluate = commands.add_parser("evaluate", help="score targets and task alignment against the gold (with the naive baseline)")
    evaluate.add_argument("--gold", default=str(GOLD_TARGETS_PATH), help="gold target table (default: %(default)s)")
    evaluate.set_defaults(run=_cmd_evaluate)

    build = commands.add_parser("build", help="write the processed tables for the whole manifest")
    build.add_argument("--out", default=str(PROCESSED_DIR), help="output folder (default: %(default)s)")
    build.add_argument("--scheduler", default="auto", metavar="WHERE",
                       help="local (a Dask cluster on this machine, one worker process per core), a running Dask "
                            "scheduler's address (tcp://host:8786), or none (in this process); default: local "
                            "from 40 documents on when there is more than one core, else none")
    build.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core)")
    build.add_argument("--quiet", action="store_true", help="no progress bar, no cluster address")
    build.set_defaults(run=_cmd_build)

    reports = commands.add_parser("reports", help="run the notebooks with papermill and render the HTML reports")
    reports.add_argument("--out", default=str(REPORTS_DIR), help="output folder (default: %(default)s)")
    reports.add_argument("--processed", default=str(PROCESSED_DIR), help="processed tables (default: %(default)s)")
    reports.add_argument("--only", nargs="+", metavar="REPORT_ID", help="build only these reports (ids as in the index)")
    reports.add_argument("--force", action="store_true", help="rerun reports whose inputs have not changed")
    reports.add_argument("--workers", type=int, default=REPORT_WORKERS, help="parallel notebooks (default: %(default)s)")
    reports.set_defaults(run=_cmd_reports)

    notebooks = commands.add_parser(
        "notebooks", help="rerun committed notebooks and keep only their checked outputs (nbval's expected figures)")
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
