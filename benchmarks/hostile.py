"""Hostile inputs (issue #24): what one bad file or manifest costs the command line.

``python -m benchmarks.hostile [--work DIR] [--out FILE] [--only NAME ...]`` writes each input
(once; reused from ``--work``), runs the command a user would run on it in a fresh process and
measures that process's peak resident memory (``wait4``'s ``ru_maxrss``) and wall time, with a
time limit. Each row gives the exit status and the last line the user saw on stderr. The goal:
every input ≤ 1 GB and ≤ 60 s, or refused with one line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from analysis.settings import PROJECT_ROOT
from benchmarks import formats as mf

PINNED_PLAN = PROJECT_ROOT / "tests" / "data" / "corpus" / "hubei_province_2024.txt"
TIME_LIMIT_S = 300
GOAL_MB, GOAL_S = 1024, 60
MEMORY_CAP = 6 * 1024**3


def _streamed_docx(path: Path, parts: Iterable[str]) -> None:
    """A Word file whose ``word/document.xml`` is ``parts`` joined, streamed into the archive (it may
    unpack to more than memory holds)."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as part,
    ):
        for text in parts:
            part.write(text.encode("utf-8"))


def _item(i: int) -> str:
    return mf.paragraph(mf.run(f"{i}.深入打好蓝天保卫战，推进钢铁行业超低排放改造，完成{i}家企业改造。"))


_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{mf.W_NS}"><w:body>'
_PLAN_START = mf.paragraph(mf.run("2024年全省生态环境工作要点")) + mf.paragraph(mf.run("一、重点任务"))
_TAIL = "</w:body></w:document>"


def zip_bomb(path: Path, unpacked: int = 1_500_000_000) -> None:
    """A Word file whose document.xml unpacks to ``unpacked`` bytes, packed ~150 times (1.5 GB: 10 MB)."""
    block = "".join(_item(i) for i in range(1, 101))

    def parts() -> Iterator[str]:
        yield _HEAD + _PLAN_START
        yield from itertools.repeat(block, unpacked // len(block.encode("utf-8")))
        yield _TAIL

    _streamed_docx(path, parts())


def nested_sdt(path: Path, depth: int = 500) -> None:
    """A Word plan whose tasks sit inside ``depth`` nested content controls (``w:sdt``)."""
    items = "".join(_item(i) for i in range(1, 6))
    nest = "<w:sdt><w:sdtContent>" * depth + _PLAN_START + items + "</w:sdtContent></w:sdt>" * depth
    mf.write_docx(path, nest)


def text_just_under_limit(path: Path) -> None:
    """A real plan repeated to just under 200 MiB (the file-size limit before #24)."""
    plan = PINNED_PLAN.read_bytes()
    limit = 200 * 1024 * 1024 - 1024
    with open(path, "wb") as out:
        for _ in range(limit // len(plan)):
            out.write(plan)


def million_numbered_lines(path: Path, lines: int = 1_000_000) -> None:
    """A plan of one part holding a million numbered items."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("2024年全省生态环境工作要点\n一、重点任务\n")
        for i in range(1, lines + 1):
            out.write(f"{i}.推进第{i}项污染防治工作。\n")


def short_numbered_lines(path: Path, chars: int = 490_000) -> None:
    """Just under the text limit in items as short as an item gets (``12.推进。``): the most tasks
    a text of that length can hold."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("2024年全省生态环境工作要点\n一、重点任务\n")
        written, i = 0, 0
        while written < chars:
            i = i % 99 + 1
            line = f"{i}.推进。\n"
            out.write(line)
            written += len(line)


def many_tags_page(path: Path, tags: int = 280_000) -> None:
    """A web page of a few hundred thousand empty tags (under 2 MB: within the text limit)."""
    body = "<p>一、重点任务</p><p>1.推进。</p>" + "<b></b>" * tags
    path.write_text(f"<html><body><div>{body}</div></body></html>", encoding="utf-8")


def deep_page(path: Path, depth: int = 5000) -> None:
    """A web page whose plan sits inside ``depth`` nested ``<div>``s."""
    items = "".join(f"<p>{i}.深入打好蓝天保卫战，推进钢铁行业超低排放改造。</p>" for i in range(1, 6))
    nest = "<div>" * depth + "<p>2024年全省生态环境工作要点</p><p>一、重点任务</p>" + items + "</div>" * depth
    path.write_text(f"<html><body>{nest}</body></html>", encoding="utf-8")


def one_plan_manifest(work: Path) -> Path:
    """A manifest of one document: the short numbered lines."""
    folder = work / "one_plan"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "plan.txt").is_file():
        short_numbered_lines(folder / "plan.txt")
    path = folder / "manifest.csv"
    path.write_text(
        "doc_id,file,title,issuer,region,level,year,parent,previous\nplan,plan.txt,要点,厅,某省,province,2024,,\n",
        encoding="utf-8",
    )
    return path


def large_manifest(folder: Path, rows: int = 10_000, chain: bool = False) -> Path:
    """A manifest of ``rows`` documents (each the same small plan file): provinces, their cities
    and their previous years; with ``chain``, one issuer's plans linked year after year."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.txt").write_bytes(PINNED_PLAN.read_bytes())
    lines = ["doc_id,file,title,issuer,region,level,year,parent,previous"]
    if chain:
        for year in range(rows):
            previous = f"p{year - 1}" if year else ""
            lines.append(f"p{year},plan.txt,要点,厅,某省,province,{year},,{previous}")
    else:
        years = (2023, 2024, 2025)
        for n in range(rows // len(years)):
            for k, year in enumerate(years):
                province = f"prov{n // 100}_{year}"
                if n % 100 == 0:
                    parent, level, doc = "", "province", province
                else:
                    parent, level, doc = province, "city", f"city{n}_{year}"
                previous = "" if k == 0 else doc.replace(str(year), str(years[k - 1]))
                lines.append(f"{doc},plan.txt,要点,局,某地,{level},{year},{parent},{previous}")
    path = folder / "manifest.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]  # writes the input under the work folder, returns the command's arguments' file
    command: Callable[[Path, Path], list[str]]  # (input, work folder) → arguments of `python -m analysis`
    first_line: bool = False  # measure the time to the first stderr line, then stop the command


def _file(name: str, write: Callable[[Path], None]) -> Callable[[Path], Path]:
    def make(work: Path) -> Path:
        path = work / name
        if not path.is_file():
            write(path)
        return path

    return make


def _manifest(name: str, chain: bool) -> Callable[[Path], Path]:
    def make(work: Path) -> Path:
        path = work / name / "manifest.csv"
        return path if path.is_file() else large_manifest(work / name, chain=chain)

    return make


def _tasks(path: Path, work: Path) -> list[str]:
    return ["tasks", str(path)]


def _add(path: Path, work: Path) -> list[str]:
    manifest = work / "add" / "manifest.csv"
    manifest.parent.mkdir(exist_ok=True)
    manifest.write_text("doc_id,file,title,issuer,region,level,year,parent,previous\n", encoding="utf-8")
    return ["--manifest", str(manifest), "add", str(path), "--doc-id", "x" * 300]


def _build(path: Path, work: Path) -> list[str]:
    return ["--manifest", str(path), "build", "--out", str(work / "out"), "--scheduler", "none"]


CASES = (
    Case("a real plan (22 kB; the floor: start-up and imports)", lambda work: PINNED_PLAN, _tasks),
    Case("zip bomb (10 MB .docx, 1.5 GB document.xml)", _file("bomb.docx", zip_bomb), _tasks),
    Case("500 nested w:sdt (.docx)", _file("nested.docx", nested_sdt), _tasks),
    Case("text plan just under 200 MiB", _file("huge.txt", text_just_under_limit), _tasks),
    Case("a million numbered lines", _file("million.txt", million_numbered_lines), _tasks),
    Case("490,000 characters of short numbered items (tasks)", _file("short.txt", short_numbered_lines), _tasks),
    Case("490,000 characters of short numbered items (build)", one_plan_manifest, _build),
    Case("web page of 280,000 empty tags", _file("tags.html", many_tags_page), _tasks),
    Case("web page nesting 5,000 <div>s", _file("deep.html", deep_page), _tasks),
    Case("--doc-id of 300 characters (add)", lambda work: PINNED_PLAN, _add),
    Case("10,000-row manifest: first line of build", _manifest("manifest10k", False), _build, first_line=True),
    Case("10,000-year chain manifest: first line of build", _manifest("chain10k", True), _build, first_line=True),
)


def _limit_memory() -> None:
    """Keep a runaway case from taking the machine: address space capped at 6 GiB."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def measure(
    arguments: list[str], first_line: bool = False, limit: float = TIME_LIMIT_S, code: Path = PROJECT_ROOT
) -> dict:
    """Run ``python -m analysis ARGUMENTS`` from the checkout ``code``: its peak RSS (MB), seconds,
    exit status, last stderr line."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "analysis", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=code,
        preexec_fn=_limit_memory,
    )
    lines: list[str] = []
    first: list[float] = []

    def read() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            if not first:
                first.append(time.perf_counter() - started)
                if first_line:
                    process.kill()
            lines.append(raw.decode("utf-8", "replace").rstrip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    timer = threading.Timer(limit, process.kill)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(5)
    shown = [line for line in lines if line.strip()]
    result = {
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "seconds": round(first[0] if first_line and first else seconds, 2),
        "exit": process.returncode,
        "stderr_lines": len(shown),
        "last_line": shown[-1][:300] if shown else "",
    }
    if seconds >= limit:
        result["last_line"] = f"(killed after {limit} s) " + result["last_line"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--work", default=str(PROJECT_ROOT / "build" / "hostile"), help="where the inputs are written")
    parser.add_argument("--out", help="write the results here as JSON")
    parser.add_argument("--code", default=str(PROJECT_ROOT), help="the checkout whose code is measured")
    parser.add_argument("--only", nargs="+", default=[], help="run only the cases whose name holds one of these")
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for case in CASES:
        if args.only and not any(word in case.name for word in args.only):
            continue
        path = case.make(work)
        result = {"case": case.name, **measure(case.command(path, work), case.first_line, code=Path(args.code))}
        result["met"] = (result["peak_mb"] <= GOAL_MB and result["seconds"] <= GOAL_S) and (
            result["exit"] == 0 or result["stderr_lines"] == 1
        )
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    if args.out:
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
