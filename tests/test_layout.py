"""The package's layout is the pipeline: imports run one way, from the first stage to the last,
with no cycle (typing-only and function-level imports count too), and no file is over 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analysis.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "analysis"
# Rank of each part of the package: a module may import only from parts of lower or equal rank.
RANKS = {
    "errors": 0,
    "settings": 0,
    "schema": 0,
    "metrics": 0,
    "storage": 1,
    "csv_text": 0,
    "cache": 1,
    "text": 2,
    "parse": 3,
    "targets": 4,
    "align": 5,
    "compare": 6,
    "review": 7,
    "evaluate": 8,
    "corpus": 9,
    "report": 10,
    "cli": 11,
    "__main__": 12,
    "docs": 12,
}


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module of the package a file imports, wherever the import stands."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analysis"):
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("analysis"))
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_imports_run_from_the_first_stage_to_the_last() -> None:
    upward = []
    for module, imported in _graph().items():
        if _part(module) == "__init__":
            continue
        for other in imported:
            if _part(other) != "__init__" and RANKS[_part(other)] > RANKS[_part(module)]:
                upward.append(f"{module} → {other}")
    assert not upward


def test_no_import_cycle_between_files() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if nxt.startswith(node + "."):  # a package importing its own modules (its face)
                continue
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
    assert not cycles


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_file_is_over_600_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 600


def test_the_installed_package_holds_no_benchmark() -> None:
    assert not any("bench" in path.name or "synthetic" in path.name for path in PACKAGE.rglob("*.py"))


MAX_FUNCTION_LINES = 80


def test_no_function_is_over_80_lines() -> None:
    long = set()
    for path in sorted([*PACKAGE.rglob("*.py"), *(PROJECT_ROOT / "benchmarks").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            if is_function and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                long.add(f"{path.relative_to(PROJECT_ROOT).as_posix()}:{node.name}")
    assert not long, f"over {MAX_FUNCTION_LINES} lines: {sorted(long)}"
