"""Duplicates are never silent: sister plans from one template are both compared; a damaged copy
is left out only when measurably more damaged (or declared so), and the build log names it."""

from __future__ import annotations

import invented_plans as ip
import numpy as np
import pandas as pd
import pytest

from analysis.compare.duplicates import is_damaged_copy, jaccard, near_duplicates, shingles
from analysis.settings import DuplicateSettings

JIA, YI = ip.city_plan("甲市", "alpha", 20), ip.city_plan("乙市", "beta", 35)

DEFAULTS = DuplicateSettings()


@pytest.mark.parametrize(
    ("copy", "original", "expected"),
    [
        (31.1, 0.0, True),  # the bundled web copy against its clean original
        (0.9, 0.0, False),  # a stray replacement character or two: not measurably more damaged
        (1.5, 0.0, True),
        (3.0, 1.8, False),  # more than 1 per 1k above, but not twice as damaged
        (4.0, 1.8, True),
        (0.0, 0.0, False),  # two clean plans
    ],
)
def test_is_damaged_copy(copy: float, original: float, expected: bool) -> None:
    assert is_damaged_copy(copy, original, DEFAULTS) is expected


def test_two_clean_plans_from_one_template_are_no_duplicates() -> None:
    assert (
        jaccard(shingles(JIA, DEFAULTS.shingle_size), shingles(YI, DEFAULTS.shingle_size)) >= 0.5
    )  # what used to make the later one a "copy"
    found = near_duplicates(["jia", "yi"], [JIA, YI], [0.0, 0.0], DEFAULTS)
    assert list(found["duplicate_of"]) == ["", ""]
    assert found["duplicate_similarity"].isna().all()


def test_a_measurably_more_damaged_sister_is_a_copy_whichever_is_listed_first() -> None:
    found = near_duplicates(["copy", "jia"], [ip.damaged(JIA), JIA], [23.2, 0.0], DEFAULTS)
    assert list(found["duplicate_of"]) == ["jia", ""]
    assert found.loc[0, "duplicate_similarity"] > 0.5


def test_the_manifest_declares_a_duplicate_whatever_the_damage() -> None:
    found = near_duplicates(
        ["jia", "yi", "web"], [JIA, YI, JIA], [0.0, 0.0, 0.0], DEFAULTS, declared={"web": "jia", "yi": ""}
    )
    assert list(found["duplicate_of"]) == ["", "", "jia"]
    assert found.loc[2, "duplicate_similarity"] == 1.0 and np.isnan(found.loc[1, "duplicate_similarity"])


@pytest.mark.slow
def test_build_compares_sister_plans_and_names_every_plan_left_out(run_cli, tmp_path) -> None:
    raw = tmp_path / "raw"
    plans = {
        "jia_2023": ("jia_2023.txt", ip.city_plan("甲市", "beta", 12, year=2023)),
        "jia_2024": ("jia_2024.txt", JIA),
        "yi_2024": ("yi_2024.txt", YI),
        "jia_2024_scan": ("jia_2024_scan.txt", ip.damaged(JIA)),
        "jia_2024_web": ("jia_2024_web.txt", JIA + "来源：甲市生态环境局网站\n"),
    }
    manifest = ip.write_corpus(
        raw,
        plans,
        [
            "jia_2023,jia_2023.txt,,,甲市,city,2023,,,,,",
            "jia_2024,jia_2024.txt,,,甲市,city,2024,,jia_2023,,,",
            "yi_2024,yi_2024.txt,,,乙市,city,2024,,,,,",
            "jia_2024_scan,jia_2024_scan.txt,,,甲市,city,2024,,jia_2023,,,",
            "jia_2024_web,jia_2024_web.txt,,,甲市,city,2024,,,,,jia_2024",
        ],
        extra_header="duplicate_of",
    )
    result = run_cli("--manifest", manifest, "build", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    documents = pd.read_csv(tmp_path / "out" / "documents.csv", dtype=str, keep_default_na=False).set_index("doc_id")
    assert documents["duplicate_of"].to_dict() == {
        "jia_2023": "",
        "jia_2024": "",
        "yi_2024": "",
        "jia_2024_scan": "jia_2024",
        "jia_2024_web": "jia_2024",
    }
    alignments = pd.read_csv(tmp_path / "out" / "alignments.csv", dtype=str, keep_default_na=False)
    assert set(alignments["comparison_id"]) == {"jia_2023__jia_2024"}
    left_out = [line for line in result.stderr.splitlines() if line.startswith("left out of comparisons")]
    assert len(left_out) == 2
    scan, web = sorted(left_out)
    assert "jia_2024_scan: a damaged copy of jia_2024 (shingle similarity" in scan
    assert "comparisons skipped: year jia_2023__jia_2024_scan" in scan
    assert "jia_2024_web: the manifest declares it a duplicate of jia_2024" in web
    assert "comparisons skipped: none" in web
    assert "yi_2024" not in result.stderr.split("left out")[-1]


def test_the_manifest_refuses_an_unknown_duplicate_of(tmp_path) -> None:
    from analysis.corpus.manifest import load_manifest
    from analysis.errors import UserError

    manifest = ip.write_corpus(
        tmp_path, {"jia": ("jia.txt", JIA)}, ["jia,jia.txt,,,甲市,city,2024,,,,,nowhere"], extra_header="duplicate_of"
    )
    with pytest.raises(UserError, match="unknown duplicate_of 'nowhere'"):
        load_manifest(manifest)
