"""Table contracts: analysis/schema/ declares each field once and each table as fields with a key,
and the build refuses a table whose columns, dtypes or key break its contract."""

from __future__ import annotations

import ast
import shutil
from collections import defaultdict

import pandas as pd
import pytest
from pinned_corpus import PINNED_MANIFEST

from analysis import schema
from analysis.corpus.build import build
from analysis.schema.fields import _fields
from analysis.settings import PROJECT_ROOT

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
    "evaluation_alignment",
    "evaluation_sensitivity",
    "evaluation_folds",
    "evaluation_errors",
    "evaluation_pairs",
    "evaluation_confidence",
    "evaluation_reliability",
    "evaluation_near_misses",
]
ALL_TABLES = {**schema.TABLES, **schema.INPUTS}


def test_the_schema_declares_every_processed_table_with_a_key() -> None:
    assert list(schema.TABLES) == PROCESSED_TABLES
    for name, table in ALL_TABLES.items():
        names = schema.columns(name)
        assert len(names) == len(set(names)), f"{name}: a column listed twice"
        assert all(c.dtype in schema.fields.DTYPES and c.meaning for c in table.columns), name
        assert table.key and set(table.key) <= set(names) and set(table.sparse_key) <= set(table.key), name
        assert table.description, name


def test_each_column_name_means_one_field_in_every_table() -> None:
    declared: dict[str, set[tuple[str, str, str, str]]] = defaultdict(set)
    for table in ALL_TABLES.values():
        for c in table.columns:
            declared[c.name].add((c.field, c.dtype, c.meaning, c.unit))  # the note may narrow, not redeclare
    assert {name: found for name, found in declared.items() if len(found) > 1} == {}
    used = {c.field for table in ALL_TABLES.values() for c in table.columns}
    assert set(schema.FIELDS) == used, "a field no table holds"


def test_a_side_family_is_one_field_for_both_sides() -> None:
    source, target = schema.tables.column("source_char_start"), schema.tables.column("target_char_start")
    assert source.field == target.field == "<side>_char_start"
    assert (source.dtype, source.unit) == (target.dtype, target.unit) == ("Int64", "characters")
    assert "source plan" in source.meaning and "target plan" in target.meaning
    with pytest.raises(KeyError, match="'source_nonsense'"):
        schema.tables.column("source_nonsense")


def test_a_field_declared_twice_or_with_an_unknown_dtype_is_refused() -> None:
    with pytest.raises(ValueError, match="'n' declared twice"):
        _fields(("n", "int64", "a count"), ("n", "Int64", "a count, nullable"))
    with pytest.raises(ValueError, match="unknown dtype 'int'"):
        _fields(("n", "int", "a count"))


def test_a_table_whose_key_is_not_among_its_columns_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'t' .*: key column task_id not among the columns"):
        schema.tables._table("t", "one row per document", ("task_id",), "doc_id")
    with pytest.raises(ValueError, match=r"'t' .*: doc_id listed twice"):
        schema.tables._table("t", "one row per document", ("doc_id",), "doc_id", "doc_id")


def test_columns_returns_a_fresh_list() -> None:
    first = schema.columns("tasks")
    first.append("extra")
    assert "extra" not in schema.columns("tasks")


TYPICAL = {"str": "x", "int64": 1, "Int64": 1, "float64": 0.5, "Float64": 0.5, "bool": True}


def _rows(name: str, **given: list) -> pd.DataFrame:
    """Rows of table ``name`` in its dtypes: the ``given`` columns, the others a typical value."""
    n = len(next(iter(given.values())))
    return pd.DataFrame({c: pd.array(given.get(c, [TYPICAL[d]] * n), dtype=d) for c, d in schema.dtypes(name).items()})


CORRECTIONS = {"file": ["a.csv", "a.csv", "b.csv"], "line": [2, 3, 2]}


def test_check_passes_a_table_that_keeps_its_contract() -> None:
    schema.check("corrections", _rows("corrections", **CORRECTIONS))
    schema.check("corrections", _rows("corrections", **CORRECTIONS).astype({"file": object}))  # Python strings
    for name in ALL_TABLES:
        schema.check(name, schema.empty(name))  # a table of no rows, typed


def test_check_names_the_table_and_the_columns() -> None:
    frame = schema.empty("coverage")
    with pytest.raises(schema.SchemaError, match=r"'coverage'.*missing n_unlinked.*unexpected extra"):
        schema.check("coverage", frame.drop(columns="n_unlinked").assign(extra=[]))
    with pytest.raises(schema.SchemaError, match="wrong order"):
        schema.check("coverage", frame[list(reversed(frame.columns))])


def test_check_names_a_wrong_dtype_with_an_example_row() -> None:
    frame = _rows("corrections", **CORRECTIONS)
    with pytest.raises(
        schema.SchemaError, match=r"'corrections', column 'line': dtype float64.*int64 \(e.g. row 1: empty\)"
    ):
        schema.check("corrections", frame.assign(line=[2.0, None, 2.0]))
    with pytest.raises(schema.SchemaError, match=r"column 'file': dtype object, .* declares str"):
        schema.check("corrections", frame.assign(file=pd.array(["a.csv", 3, "b.csv"], dtype=object)))


def test_check_names_a_repeated_key_and_both_rows() -> None:
    frame = _rows("corrections", file=["a.csv", "b.csv", "a.csv"], line=[2, 2, 2])
    with pytest.raises(
        schema.SchemaError,
        match=r"'corrections': 1 row\(s\) repeat a key \(file, line\), e.g. row 2: file='a.csv', line=2 repeats row 0",
    ):
        schema.check("corrections", frame)


def test_check_refuses_an_empty_key_column_unless_the_key_allows_it() -> None:
    with pytest.raises(schema.SchemaError, match=r"'corrections', key column 'file' is empty \(row 1"):
        schema.check("corrections", _rows("corrections", file=["a.csv", "", "b.csv"], line=[2, 3, 4]))
    unlinked = {"source_task_id": ["a:1-0-1", "a:1-0-2", ""], "target_task_id": ["b:1-0-1", "", "b:1-0-2"]}
    schema.check("alignments", _rows("alignments", **unlinked))  # a link, an unlinked source, an unlinked target
    neither = {"source_task_id": ["a:1-0-1", ""], "target_task_id": ["b:1-0-1", ""]}
    with pytest.raises(schema.SchemaError, match=r"key columns source_task_id, target_task_id all empty \(row 1"):
        schema.check("alignments", _rows("alignments", **neither))


@pytest.mark.slow
def test_every_table_the_build_writes_keeps_its_contract(built) -> None:
    out, tables = built  # conftest's build of the pinned manifest
    assert set(tables) == set(schema.TABLES)
    for name, table in schema.TABLES.items():
        schema.check(name, tables[name])
        assert not tables[name].duplicated(list(table.key)).any(), name
        assert list(pd.read_csv(out / f"{name}.csv", nrows=0).columns) == schema.columns(name), name
        written = pd.read_parquet(out / f"{name}.parquet")
        assert {c: str(t) for c, t in written.dtypes.items()} == schema.dtypes(name), name
        schema.check(name, written)


@pytest.mark.slow  # parses and aligns the corpus before the check fails
def test_the_build_refuses_a_table_that_breaks_its_schema(monkeypatch, tmp_path) -> None:
    from analysis.compare import escalation

    real = escalation.escalation_table
    monkeypatch.setattr(escalation, "escalation_table", lambda *a, **k: real(*a, **k).drop(columns="note"))
    with pytest.raises(schema.SchemaError, match=r"'escalation'.*missing note"):
        build(tmp_path / "out", PINNED_MANIFEST)
    assert not (tmp_path / "out" / "documents.csv").exists()  # nothing written half-way


@pytest.mark.slow  # builds
def test_a_corpus_without_comparisons_writes_every_table_typed(tmp_path) -> None:
    lines = PINNED_MANIFEST.read_text(encoding="utf-8").splitlines()
    (tmp_path / "manifest.csv").write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")  # one plan
    shutil.copy(PINNED_MANIFEST.parent / lines[1].split(",")[1], tmp_path)
    tables = build(tmp_path / "out", tmp_path / "manifest.csv", alignment_corrections=tmp_path / "none.csv")
    assert len(tables["alignments"]) == 0 and len(tables["tasks"]) > 0
    for name in schema.TABLES:
        written = pd.read_parquet(tmp_path / "out" / f"{name}.parquet")
        assert {c: str(t) for c, t in written.dtypes.items()} == schema.dtypes(name), name


def test_the_reference_gives_each_tables_key_and_units() -> None:
    reference = schema.markdown()
    assert "Key: `comparison_id`, `source_task_id`, `target_task_id` (`source_task_id` or `target_task_id`" in reference
    assert "| `share_linked` | float64 | share, 0–1 |" in reference
    assert reference.count("| column | dtype | unit | meaning |") == len(schema.TABLES)


def test_schema_imports_nothing_from_the_stages() -> None:
    imported = []
    for path in (PROJECT_ROOT / "analysis" / "schema").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert [m for m in imported if m and m.startswith("analysis") and not m.startswith("analysis.schema")] == []
