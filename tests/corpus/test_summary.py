"""What `analysis build` prints about the targets: per document, in the table's order."""

from __future__ import annotations

import pandas as pd

from analysis.corpus.summary import target_lines


def _targets(rows: list[tuple[str, str, str, str, float | None]]) -> pd.DataFrame:
    """Invented targets rows: (doc_id, role, indicator_id, flags, clean_value)."""
    frame = pd.DataFrame(rows, columns=["doc_id", "role", "indicator_id", "flags", "clean_value"])
    frame["target_id"] = [f"{doc}:t{i}" for i, doc in enumerate(frame["doc_id"])]
    frame["value_text"] = "80%"
    frame["indicator"] = ["某某率" if not i else "" for i in frame["indicator_id"]]
    return frame


def test_each_document_gets_its_counts_and_its_unmapped_phrases_in_table_order() -> None:
    targets = _targets(
        [
            ("b_city", "commitment", "", "", None),
            ("a_province", "commitment", "rural_sewage_treatment_rate", "damaged_value", 46.58),
            ("b_city", "commitment", "rural_sewage_treatment_rate", "damaged_value;other", None),
            ("a_province", "baseline", "", "", None),  # not a commitment: not counted
            ("a_province", "commitment", "", "", None),
        ]
    )
    assert target_lines(targets) == [
        "targets b_city: 2 commitments, 1 with no canonical indicator, 1 damaged values (0 with a clean value beside)",
        "  unmapped: b_city:t0 80% «某某率»",
        "targets a_province: 2 commitments, 1 with no canonical indicator, 1 damaged values (1 with a clean value beside)",
        "  unmapped: a_province:t4 80% «某某率»",
    ]


def test_a_document_without_damage_says_nothing_of_it() -> None:
    targets = _targets([("a", "commitment", "x_rate", "", None)])
    assert target_lines(targets) == ["targets a: 1 commitments, 0 with no canonical indicator"]
