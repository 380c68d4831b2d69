"""``python -m benchmarks`` (``make bench``): throughput and scale, written to bench.json and bench.html."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.errors import UserError
from analysis.settings import REPORTS_DIR
from benchmarks import bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS_DIR), help="output folder (default: %(default)s)")
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=int,
        default=list(bench.SIZES),
        metavar="N",
        help="tasks per side of the aligned synthetic plans (default: %(default)s)",
    )
    parser.add_argument("--skip-national", action="store_true", help="skip the simulated national corpus")
    parser.add_argument("--skip-reports", action="store_true", help="skip timing the report build")
    parser.add_argument(
        "--skip-dask",
        action="store_true",
        help="skip the national corpus in process and on a local Dask cluster (1 and all workers, scales)",
    )
    parser.add_argument(
        "--dask-scales",
        nargs="+",
        type=int,
        default=list(bench.DASK_SCALES),
        metavar="K",
        help="sizes of the corpus on the Dask cluster, × the national corpus (default: %(default)s)",
    )
    parser.add_argument("--skip-large", action="store_true", help="skip the 10,000-task plan and the 50 MB file")
    parser.add_argument(
        "--skip-incremental",
        action="store_true",
        help="skip the national corpus's incremental builds (a plan added, a plan edited, a threshold changed)",
    )
    args = parser.parse_args(argv)
    try:
        results = bench.run(
            tuple(args.sizes),
            national=not args.skip_national,
            reports=not args.skip_reports,
            large=not args.skip_large,
            dask=not args.skip_dask,
            dask_scales=tuple(args.dask_scales),
            incremental=not args.skip_incremental,
        )
        json_path, html_path = bench.write(results, Path(args.out))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(bench.goals_met(results).to_string(index=False), file=sys.stderr)
    for failure in results["failed"]:
        print(f"FAILED {failure}", file=sys.stderr)
    print(f"→ {json_path}, {html_path}", file=sys.stderr)
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
