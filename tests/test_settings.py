"""Settings: frozen dataclasses passed explicitly, JSON-ready, and the paths' environment overrides."""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import subprocess
import sys

import pytest

from analysis import settings
from analysis.compare import duplicates
from analysis.corpus import build as build_module
from analysis.corpus import documents, scheduler
from analysis.parse import clean, document, structure
from analysis.settings import (
    PROJECT_ROOT,
    AlignmentSettings,
    BuildSettings,
    DuplicateSettings,
    ParseSettings,
    SettingsError,
    TargetSettings,
    Thresholds,
)
from analysis.targets import extract, indicators


def test_build_settings_round_trip_through_json() -> None:
    defaults = BuildSettings()
    data = defaults.as_dict()
    assert json.loads(json.dumps(data)) == data  # JSON-ready: plain dicts, lists, numbers
    assert set(data) == {"parse", "targets", "duplicates", "alignment", "parallel_min_items"}
    assert data["alignment"]["thresholds"] == {
        "link_min": 0.22,
        "partial_ratio": 0.75,
        "clause_min": 0.4,
        "topic_clause_min": None,
        "goal_media_min": 0.5,
    }
    assert BuildSettings.from_dict(json.loads(json.dumps(data))) == defaults
    changed = dataclasses.replace(
        defaults,
        targets=TargetSettings(indicator_min_score=70.0),
        alignment=AlignmentSettings(thresholds=Thresholds(link_min=0.2, partial_ratio=0.8, clause_min=None)),
    )
    assert BuildSettings.from_dict(json.loads(json.dumps(changed.as_dict()))) == changed


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"nonsense": 1}, "'nonsense'"),
        ({"alignment": {"thresholds": {"link_mn": 0.2}}}, "'alignment.thresholds.link_mn'"),  # misspelt, deep down
        ({"alignment": {"weights": {"char": 1.0}}}, "'alignment.weights.char'"),
        ({"alignment": {"thresholds": {"link_min": "0.2"}}}, "'alignment.thresholds.link_min' must be float"),
        (
            {"alignment": {"threshold_grid": {"link_min": [0.1, 0.2]}}},
            "'alignment.threshold_grid.link_min' must be a list of 3",
        ),
        ({"parallel_min_items": 2.5}, "'parallel_min_items' must be int"),
        ({"parse": 3}, "parse: expected the fields of ParseSettings"),
    ],
)
def test_settings_data_naming_an_unknown_key_or_a_wrong_type_is_refused_with_the_key(data, named) -> None:
    with pytest.raises(SettingsError) as raised:
        BuildSettings.from_dict(data)
    assert named in str(raised.value)


@pytest.mark.parametrize("cls", [BuildSettings, ParseSettings, TargetSettings, DuplicateSettings, AlignmentSettings])
def test_settings_are_frozen(cls) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(cls(), dataclasses.fields(cls)[0].name, None)


@pytest.mark.parametrize(
    "function",
    [
        clean.clean,
        clean.boilerplate_lines,
        clean.is_wrapped,
        structure.parse_blocks,
        structure.tasks_table,
        structure.plan_start,
        document.parse_document,
        document.parse_raw,
        duplicates.near_duplicates,
        duplicates.shingles,
        duplicates.candidate_pairs,
        extract.targets_table,
        extract.with_clean_values,
        indicators.map_phrase,
        indicators.map_targets,
        indicators.matcher,
        indicators.phrase_score,
        build_module.build,
        build_module.parse_manifest,
        build_module.targets_of,
        documents.documents_table,
        documents.document_profile,
        scheduler.session,
        scheduler.AutoSession,
    ],
)
def test_no_setting_is_a_default_bound_at_import(function) -> None:
    """Tunables default to None (the dataclass's defaults, made at call time), never a number."""
    for parameter in inspect.signature(function).parameters.values():
        default = parameter.default
        assert (
            default is inspect.Parameter.empty
            or default is None
            or isinstance(default, (str, bool))
            or (parameter.name == "spans")
        ), f"{function.__qualname__}({parameter.name}={default!r})"


def test_parse_settings_reach_cleaning() -> None:
    raw = "一、重点工作\n1.任务。\n推进大气污染\n防治。\n"  # a 6-character line: too short to be a hard wrap by default
    assert "推进大气污染\n防治" in clean.clean(raw, ParseSettings()).text
    assert "推进大气污染防治" in clean.clean(raw, ParseSettings(wrapped_line_min=5)).text


def test_duplicate_settings_reach_near_duplicates() -> None:
    a = "深入打好蓝天保卫战推动重点行业深度治理强化柴油货车监管" * 3
    b = a.replace("柴油货车", "非道路机械")
    found = duplicates.near_duplicates(["a", "b"], [a, b], [0.0, 5.0], DuplicateSettings())
    assert list(found["duplicate_of"]) == ["", "a"]
    strict = duplicates.near_duplicates(["a", "b"], [a, b], [0.0, 5.0], DuplicateSettings(min_similarity=0.99))
    assert list(strict["duplicate_of"]) == ["", ""]


def test_target_settings_reach_the_indicator_mapping() -> None:
    lexicon = indicators.load_lexicon()
    mapped = indicators.map_phrase("农村生活污水治理率", "rate", lexicon, settings=TargetSettings())
    assert mapped["indicator_id"]
    unmapped = indicators.map_phrase(
        "农村生活污水治理率", "rate", lexicon, settings=TargetSettings(indicator_min_score=101)
    )
    assert unmapped["indicator_id"] == "" and unmapped["indicator_score"] == mapped["indicator_score"]


def _settings_paths(**env: str) -> dict[str, str]:
    code = (
        "import json; from analysis import settings as s; "
        "print(json.dumps({k: str(getattr(s, k)) for k in ('DATA_DIR', 'MANIFEST_PATH', 'REPORTS_DIR')}))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANALYSIS_")} | env
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.slow  # three Python processes
def test_paths_are_overridable_by_environment_variables(tmp_path) -> None:
    default = _settings_paths()
    assert default["MANIFEST_PATH"] == str(PROJECT_ROOT / "data" / "raw" / "manifest.csv")
    assert default["REPORTS_DIR"] == str(PROJECT_ROOT / "reports")
    moved = _settings_paths(
        ANALYSIS_DATA_DIR=str(tmp_path / "d"),
        ANALYSIS_MANIFEST=str(tmp_path / "m.csv"),
        ANALYSIS_REPORTS_DIR=str(tmp_path / "r"),
    )
    assert moved == {
        "DATA_DIR": str(tmp_path / "d"),
        "MANIFEST_PATH": str(tmp_path / "m.csv"),
        "REPORTS_DIR": str(tmp_path / "r"),
    }
    assert _settings_paths(ANALYSIS_DATA_DIR=str(tmp_path / "d"))["MANIFEST_PATH"] == str(
        tmp_path / "d" / "raw" / "manifest.csv"
    )


def test_the_settings_docstring_names_the_environment_variables() -> None:
    for name in ("ANALYSIS_DATA_DIR", "ANALYSIS_MANIFEST", "ANALYSIS_REPORTS_DIR"):
        assert name in settings.__doc__
