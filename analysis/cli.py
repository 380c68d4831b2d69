"""Command line: ``python -m analysis <command>``.

Each command parses its arguments, calls one stage function and prints what it returns. A
mistake in the user's input (a missing or unreadable file, a bad manifest) is reported as one line
on stderr naming the file and the problem, with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import NoReturn

import pandas as pd

from analysis.errors import UserError
from analysis.schema import KINDS, LEVEL_RANK
from analysis.settings import (
    GOLD_TARGETS_PATH,
    LINK_CONFIDENCE_PATH,
    MANIFEST_PATH,
    NOTEBOOKS_DIR,
    PROCESSED_DIR,
    REPORT_WORKERS,
    REPORTS_DIR,
    BuildSettings,
    CacheSettings,
)
from analysis.storage import to_spreadsheet_csv

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
PLAN_FILE = "a work-plan file: .txt, .docx, .pdf or .html (inside or outside the manifest)"


def _print_csv(frame: pd.DataFrame) -> None:
    to_spreadsheet_csv(frame, sys.stdout)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _cmd_tasks(args: argparse.Namespace) -> int:
    from analysis.corpus.resolve import parse_reference

    doc = parse_reference(args.path, Path(args.manifest), BuildSettings().parse)
    _print_csv(doc.tasks_with_pages())
    return 0


def _cmd_targets(args: argparse.Namespace) -> int:
    from analysis.corpus.resolve import parse_reference
    from analysis.targets.extract import targets_table

    settings = BuildSettings()
    _print_csv(targets_table(parse_reference(args.path, Path(args.manifest), settings.parse), None, settings.targets))
    return 0


def _cmd_align(args: argparse.Namespace) -> int:
    from analysis.align import ALIGNMENT_COLUMNS
    from analysis.corpus.load import compare_references
    from analysis.review import Corrections

    corrections = Corrections.read_default()
    comparison, applied = compare_references(
        args.parent, args.child, Path(args.manifest), BuildSettings(), corrections, args.kind
    )
    if applied:
        _say(f"applied {applied} reviewer decision(s) of {corrections.links_path} to {comparison.comparison_id}")
    _print_csv(comparison.alignments[[*ALIGNMENT_COLUMNS, "confidence", "decided_by"]])
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from analysis.corpus.evaluation import evaluation_text
    from analysis.review import Corrections

    sections = evaluation_text(
        Path(args.manifest),
        Path(args.gold),
        BuildSettings(),
        Corrections.read_default(),
        args.fit_confidence,
        args.ablation,
    )
    print("\n\n".join(sections))
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from analysis.corpus.build import build
    from analysis.corpus.summary import build_summary

    def log(message: str) -> None:
        if not args.quiet:
            _say(message)

    scheduler_name = None if args.scheduler == "auto" else args.scheduler
    cache = CacheSettings(enabled=not args.no_cache, max_bytes=int(args.cache_limit_mb * 1_000_000))
    tables = build(
        Path(args.out),
        Path(args.manifest),
        args.workers,
        BuildSettings(),
        scheduler=scheduler_name,
        cache=cache,
        progress=not args.quiet,
        log=log,
    )
    for line in build_summary(tables, Path(args.out), Path(args.manifest)):
        _say(line)
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from analysis.corpus.register import add_plan, registration_lines

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
        duplicate_of=args.duplicate_of or "",
        force=args.force,
        settings=BuildSettings().duplicates,
    )
    print("\n".join(registration_lines(done, args.manifest)))
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
    from analysis.review import export_queue, queue_summary, review_pairs, write_queue

    band = tuple(args.band)
    if len(args.comparison) == 1:
        queue = export_queue(args.comparison[0], Path(args.out), Path(args.processed), band)
    elif len(args.comparison) == 2:
        from analysis.corpus.load import load_comparison

        source, target = args.comparison
        comparison = load_comparison(source, target, Path(args.processed), Path(args.manifest))
        queue = review_pairs(comparison, band)
        write_queue(queue, Path(args.out))
    else:
        raise UserError("review", "give a comparison id, or the doc ids of two plans")
    _say(queue_summary(queue, args.out))
    return 0


def _cmd_reports(args: argparse.Namespace) -> int:
    from analysis.report.batch import build_editions, result_lines

    if args.pair and args.only:
        raise UserError("--pair", "builds one report: give --pair or --only, not both")

    built = build_editions(
        Path(args.out),
        Path(args.processed),
        only=args.only,
        force=args.force,
        workers=args.workers,
        langs=args.lang,
        standalone=args.standalone,
        pair=tuple(args.pair) if args.pair else None,
    )
    lines, failures = result_lines(built, Path(args.out))
    for line in lines:
        _say(line)
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
        _say(f"refreshed {path}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake in the arguments reported as one line (exit 2), not the usage."""

    def error(self, message: str) -> NoReturn:
        missing = re.fullmatch(r"argument (\S+?)(?:/\S+)?: expected one argument", message)
        hint = f" (a value that starts with '-' is written {missing.group(1)}=VALUE)" if missing else ""
        self.exit(EXIT_USER_ERROR, f"error: {self.prog}: {message}{hint}; see {self.prog} --help\n")


# --- the parser: one function a command ---------------------------------------------------------


def _add_plan_commands(commands) -> None:
    tasks = commands.add_parser("tasks", help="print the task table of a plan file as CSV (a PDF's with page_start)")
    tasks.add_argument("path", help=PLAN_FILE)
    tasks.set_defaults(run=_cmd_tasks)
    targets = commands.add_parser("targets", help="print the quantitative targets of a plan file as CSV")
    targets.add_argument("path", help=PLAN_FILE)
    targets.set_defaults(run=_cmd_targets)
    align = commands.add_parser(
        "align",
        help="align the tasks of two plans as the build does (the reviewer's decisions applied); CSV of links "
        "and unlinked tasks",
    )
    align.add_argument(
        "parent", help="the parent (higher-level) or earlier plan, or peer A: a file or a manifest doc id"
    )
    align.add_argument("child", help="the child (lower-level) or later plan, or peer B: a file or a manifest doc id")
    align.add_argument(
        "--kind", choices=KINDS, help="comparison kind when the manifest does not link the two (default: inferred)"
    )
    align.set_defaults(run=_cmd_align)


def _add_manifest_commands(commands) -> None:
    manifest = argparse.SUPPRESS  # given after the command, it overrides the one before it
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
    add.add_argument(
        "--duplicate-of",
        metavar="ID",
        help="register it as a copy of this plan (left out of the comparisons); a file whose text duplicates a "
        "registered plan is refused without it",
    )
    add.add_argument(
        "--force", action="store_true", help="register it as a plan of its own although its text duplicates one"
    )
    add.add_argument("--manifest", default=manifest, help=f"manifest CSV (default: {MANIFEST_PATH})")
    add.set_defaults(run=_cmd_add)
    remove = commands.add_parser("remove", help="drop a plan's row from the manifest (its file stays in place)")
    remove.add_argument("doc_id", help="the doc id to drop")
    remove.add_argument("--manifest", default=manifest, help=f"manifest CSV (default: {MANIFEST_PATH})")
    remove.set_defaults(run=_cmd_remove)


def _add_build_commands(commands) -> None:
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
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="compute everything: neither read nor write the cache (OUT/.cache) nor reuse the current tables",
    )
    build.add_argument(
        "--cache-limit-mb",
        type=float,
        default=CacheSettings().max_bytes / 1_000_000,
        metavar="MB",
        help="prune the cache to this size after the build, least recently used first (default: %(default)g)",
    )
    build.set_defaults(run=_cmd_build)
    evaluate = commands.add_parser(
        "evaluate", help="score targets and task alignment against the gold (with the naive baseline)"
    )
    evaluate.add_argument("--gold", default=str(GOLD_TARGETS_PATH), help="gold target table (default: %(default)s)")
    evaluate.add_argument(
        "--fit-confidence",
        action="store_true",
        help=f"store the link-confidence model fitted on the development gold in {LINK_CONFIDENCE_PATH.name}",
    )
    evaluate.add_argument(
        "--ablation",
        action="store_true",
        help="also score the alignment with and without each signal of meaning (topics, goal media, structure, "
        "level words), per comparison and error class (a few minutes)",
    )
    evaluate.set_defaults(run=_cmd_evaluate)


def _add_review_command(commands) -> None:
    review = commands.add_parser(
        "review",
        help="export the pairs of a comparison a reviewer may decide (CSV; the pairs and order of its report's "
        "review section)",
    )
    review.add_argument(
        "comparison",
        nargs="+",
        metavar="COMPARISON",
        help="a comparison id of the processed alignments (e.g. hubei_province_2024__ezhou_city_2024), or the doc "
        "ids of any two plans (the parent or earlier plan, or peer A, first)",
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


def _add_report_commands(commands) -> None:
    reports = commands.add_parser("reports", help="run the notebooks with papermill and render the HTML reports")
    reports.add_argument("--out", default=str(REPORTS_DIR), help="output folder (default: %(default)s)")
    reports.add_argument("--processed", default=str(PROCESSED_DIR), help="processed tables (default: %(default)s)")
    reports.add_argument(
        "--only", nargs="+", metavar="REPORT_ID", help="build only these reports (ids as in the index)"
    )
    reports.add_argument(
        "--pair",
        nargs=2,
        metavar=("A", "B"),
        help="the report of one comparison of any two plans (doc ids or display names; the parent or earlier "
        "plan, or peer A, first), of the kind `align` gives them (year, level or peer)",
    )
    reports.add_argument("--force", action="store_true", help="rerun reports whose inputs have not changed")
    reports.add_argument(
        "--workers", type=int, default=REPORT_WORKERS, help="parallel notebooks (default: one per core, at most 4)"
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


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analysis", description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=str(MANIFEST_PATH), help="manifest CSV (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_commands in (
        _add_plan_commands,
        _add_manifest_commands,
        _add_build_commands,
        _add_review_command,
        _add_report_commands,
    ):
        add_commands(commands)
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
