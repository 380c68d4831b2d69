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
from analysis.settings import MANIFEST_PATH, PROCESSED_DIR

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def _print_csv(frame: pd.DataFrame) -> None:
    frame.to_csv(sys.stdout, index=False, lineterminator="\n")


def _cmd_tasks(args: argparse.Namespace) -> int:
    from analysis.pipeline import manifest_doc_id, parse_document

    doc = parse_document(args.path, manifest_doc_id(args.path, args.manifest))
    if doc.tasks.empty:
        raise UserError(args.path, "no tasks found: no hierarchy markers (一、 / (一) / 1.) that open a work plan's blocks")
    _print_csv(doc.tasks)
    return 0


def _cmd_align(args: argparse.Namespace) -> int:
    from analysis import align
    from analysis.pipeline import comparison_kind, document_profile, parse_document, resolve_document

    docs, rows = [], []
    for reference in (args.parent, args.child):
        path, doc_id, row = resolve_document(reference, Path(args.manifest))
        doc = parse_document(path, doc_id)
        if doc.tasks.empty:
            raise UserError(reference, "no tasks found: no hierarchy markers (一、 / (一) / 1.) that open a work plan's blocks")
        docs.append(doc)
        rows.append(row)
    (source, target), (source_row, target_row) = docs, rows
    if source.doc_id == target.doc_id:
        raise UserError(args.child, "is the same document as the parent")
    kind = comparison_kind(source.doc_id, source_row, target.doc_id, target_row,
                           (document_profile(source, source_row), document_profile(target, target_row)), args.kind)
    _print_csv(align.align(align.Comparison.of(source, target), kind).alignments)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from analysis.evaluate import evaluate_alignment, report

    print(report(evaluate_alignment()))
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from analysis.pipeline import build

    tables = build(Path(args.out), Path(args.manifest))
    for name, frame in tables.items():
        print(f"{name}: {len(frame)} rows → {Path(args.out) / name}.csv", file=sys.stderr)
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=str(MANIFEST_PATH), help="manifest CSV (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    tasks = commands.add_parser("tasks", help="print the task table of a text file as CSV")
    tasks.add_argument("path", help="a work-plan text file (inside or outside the manifest)")
    tasks.set_defaults(run=_cmd_tasks)

    align = commands.add_parser("align", help="align the tasks of two plans; CSV of links and unlinked tasks")
    align.add_argument("parent", help="the parent (higher-level) or earlier plan: a file or a manifest doc id")
    align.add_argument("child", help="the child (lower-level) or later plan: a file or a manifest doc id")
    align.add_argument("--kind", choices=("year", "level"),
                       help="comparison kind when the manifest does not link the two (default: inferred)")
    align.set_defaults(run=_cmd_align)

    evaluate = commands.add_parser("evaluate", help="alignment precision/recall/F1 against the gold, with the baseline")
    evaluate.set_defaults(run=_cmd_evaluate)

    build = commands.add_parser("build", help="write the processed tables for the whole manifest")
    build.add_argument("--out", default=str(PROCESSED_DIR), help="output folder (default: %(default)s)")
    build.set_defaults(run=_cmd_build)
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
