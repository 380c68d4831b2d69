"""The committed notebooks: a literal-only parameters cell, a summary line, outputs stripped.

Executed notebooks and HTML are build outputs; only the outputs of ``# NBVAL_CHECK_OUTPUT`` cells
(the figures nbval compares in `make test`) are committed.
"""

from __future__ import annotations

import ast

import nbformat
import pytest

from analysis.report.jobs import CHECKED_OUTPUT_MARK, PARAMETERS_TAG, REPORT_KINDS, SUMMARY_TAG
from analysis.settings import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
REPORTS = {kind.notebook for kind in REPORT_KINDS.values()}


def test_every_report_kind_has_its_notebook() -> None:
    assert {kind.notebook for kind in REPORT_KINDS.values()} <= {path.name for path in NOTEBOOKS}


def _tagged(notebook, tag: str) -> list:
    return [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_parameters_cell_holds_literals_only(path) -> None:
    notebook = nbformat.read(path, as_version=4)
    cells = _tagged(notebook, PARAMETERS_TAG)
    assert len(cells) == 1
    for statement in ast.parse(cells[0].source).body:
        assert isinstance(statement, ast.Assign), ast.unparse(statement)
        ast.literal_eval(statement.value)  # raises on anything derived


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_parameters_cell_takes_the_processed_folder(path) -> None:
    """`reports --processed DIR` passes DIR as ``processed_dir``: the notebook declares it and reads its
    tables through it (otherwise papermill injects a variable nothing uses and the notebook reads the
    project's data/processed)."""
    notebook = nbformat.read(path, as_version=4)
    (cell,) = _tagged(notebook, PARAMETERS_TAG)
    assigned = {target.id: statement.value for statement in ast.parse(cell.source).body for target in statement.targets}
    assert "processed_dir" in assigned
    assert isinstance(ast.literal_eval(assigned["processed_dir"]), str)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "processed_folder(processed_dir)" in code and "PROCESSED_DIR" not in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped_but_the_checked_figures(path) -> None:
    notebook = nbformat.read(path, as_version=4)
    assert len(_tagged(notebook, SUMMARY_TAG)) == (path.name in REPORTS)  # a report's line in the index
    checked = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if CHECKED_OUTPUT_MARK in cell.source:
            checked += 1
            assert cell.outputs, f"checked cell without its expected output: {cell.source[:60]}"
        else:
            assert not cell.outputs, f"output committed: {cell.source[:60]}"
    assert checked >= 1
    assert path.stat().st_size < 100_000
    assert "papermill" not in notebook.metadata
    assert not any("papermill" in cell.metadata or "execution" in cell.metadata for cell in notebook.cells)


def _parameters(notebook) -> list[str]:
    (cell,) = _tagged(notebook, PARAMETERS_TAG)
    return [target.id for statement in ast.parse(cell.source).body for target in statement.targets]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_reads_as_a_guide_to_a_researcher(path) -> None:
    """It opens with what it shows and every parameter to change; each section has a markdown
    heading and a reading; its code calls the package's public helpers only."""
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    for name in _parameters(notebook):
        assert f"`{name}`" in first.source, (path.name, name)
    sections = [c.source for c in notebook.cells[1:] if c.cell_type == "markdown"]
    assert len(sections) >= 4 and all(s.startswith("## ") and len(s.splitlines()) >= 3 for s in sections)
    displays = [c for c in notebook.cells if c.cell_type == "code" and "display(r.heading(" in c.source]
    before = {i - 1 for i, c in enumerate(notebook.cells) if c in displays}
    assert all(notebook.cells[i].cell_type == "markdown" for i in before), path.name  # every report section
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    private = [node.attr for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Attribute)]
    assert not [name for name in private if name.startswith("_")], path.name
