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
