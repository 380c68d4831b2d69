"""Table contracts: analysis/schema.py is the one home of the processed tables' columns."""

from __future__ import annotations

import ast

import pandas as pd
import pytest
from pinned_corpus import PINNED_MANIFEST

from analysis import schema
from analysis.corpus.build import build
from analysis.settings import PROJECT_ROOT

BUNDLED_MANIFEST = PINNED_MANIFEST
PROCESSED_TABLES = [
    "documents",
    "tasks",
    "targets",
    "escalation",
    "alignments",
    "alignment_clauses",
    "near_misses",
    "coverage",
    "coverage_tasks",
    "coverage_indicators",
    "corrections",
]


def test_the_schema_declares_every_processed_table() -> None:
    assert list(schema.TABLES) == PROCESSED_TABLES
    for name, table in schema.TABLES.items():
        names = schema.columns(name)
        assert len(names) == len(set(names)), f"{name}: a column declared twice"
        assert all(column.dtype and column.meaning for column in table), name
        assert name in schema.DESCRIPTIONS


def test_columns_returns_a_fresh_list() -> None:
    first = schema.columns("tasks")
    first.append("extra")
    assert "extra" not in schema.columns("tasks")


@pytest.mark.slow
def test_every_table_the_build_writes_has_exactly_the_schemas_columns(built) -> None:
    out, tables = built  # conftest's build of the bundled manifest
    assert set(tables) == set(schema.TABLES)
    for name in schema.TABLES:
        assert list(tables[name].columns) == schema.columns(name), name
        assert list(pd.read_csv(out / f"{name}.csv", nrows=0).columns) == schema.columns(name), name
        written = pd.read_parquet(out / f"{name}.parquet")
        assert {c: str(t) for c, t in written.dtypes.items()} == schema.dtypes(name), name


def test_check_names_the_table_and_the_columns() -> None:
    schema.check("coverage", schema.columns("coverage"))
    with pytest.raises(schema.SchemaError, match=r"'coverage'.*missing n_unlinked.*unexpected extra"):
        schema.check("coverage", [*schema.columns("coverage")[:-1], "extra"])
    with pytest.raises(schema.SchemaError, match="wrong order"):
        schema.check("tasks", list(reversed(schema.columns("tasks"))))


@pytest.mark.slow  # parses and aligns the corpus before the check fails
def test_the_build_refuses_a_table_that_breaks_its_schema(monkeypatch, tmp_path) -> None:
    from analysis.compare import escalation

    real = escalation.escalation_table
    monkeypatch.setattr(escalation, "escalation_table", lambda *a, **k: real(*a, **k).drop(columns="note"))
    with pytest.raises(schema.SchemaError, match=r"'escalation'.*missing note"):
        build(tmp_path / "out", BUNDLED_MANIFEST)
    assert not (tmp_path / "out" / "documents.csv").exists()  # nothing written half-way


def test_the_readme_reference_is_generated_from_the_schema() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert schema.readme_section(readme) == schema.markdown(), "README is stale: run `make readme-tables`"


def test_readme_tables_rewrites_only_the_marked_section(tmp_path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# T\n\nbefore\n{schema.README_START}\nold\n{schema.README_END}\nafter\n", encoding="utf-8")
    schema.main(str(readme))
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# T\n\nbefore\n") and text.endswith(f"{schema.README_END}\nafter\n")
    assert schema.readme_section(text) == schema.markdown()
    assert list(tmp_path.iterdir()) == [readme]  # atomic: no temporary file left


def test_schema_imports_nothing_from_the_stages() -> None:
    tree = ast.parse((PROJECT_ROOT / "analysis" / "schema.py").read_text(encoding="utf-8"))
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert [m for m in imported if m and m.startswith("analysis")] == []
