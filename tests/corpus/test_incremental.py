"""A build from the cache and the previous table set writes the bytes of a build from nothing.

Seeded random sequences of changes to a small invented corpus — plans added (a damaged copy
among them), removed and edited, the link threshold changed, reviewer decisions recorded and
dropped; every kind in each sequence, in a random order — each followed by an incremental build into one folder and a build from nothing
(``cache=False``) into another: every CSV must be byte-identical. Besides: a decision makes no
comparison again, a damaged cache entry or an edited table of the previous set is not trusted,
and ``enabled=False`` neither reads nor writes the cache. On the pinned corpus (which holds the
gold's plans, so the build evaluates): adding a plan computes its parse and its comparisons alone,
a build with nothing changed computes nothing and writes the same bytes, and a decision on a
gold plan's target evaluates again.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import invented_plans as ip
import pandas as pd
import pytest
from pinned_corpus import PINNED_ALIGNMENT_CORRECTIONS, PINNED_MANIFEST, PINNED_TARGET_CORRECTIONS

from analysis import align, cache, storage
from analysis.corpus import incremental, manifest
from analysis.corpus.build import build
from analysis.errors import UserError
from analysis.evaluate import tables as evaluate
from analysis.settings import BuildSettings, CacheSettings

pytestmark = pytest.mark.slow

CITIES = {"jia": ("甲市", "alpha"), "yi": ("乙市", "beta"), "bing": ("丙市", "alpha")}
YEARS = (2023, 2024)
LINK_MINS = (0.16, 0.3)
ALIGNMENT_HEADER = "source_doc,source_task_id,target_doc,target_task_id,relation,note\n"
TARGET_HEADER = "doc_id,target_id,action,value,unit,comparator,indicator_id,note\n"


@dataclasses.dataclass
class Corpus:
    """The invented corpus a sequence changes: plans (doc id → manifest cells and text), the link
    threshold, the reviewer's decisions (CSV rows)."""

    plans: dict[str, dict] = dataclasses.field(default_factory=dict)
    link_min: float = LINK_MINS[0]
    link_decisions: list[str] = dataclasses.field(default_factory=list)
    target_decisions: list[str] = dataclasses.field(default_factory=list)

    def write(self, folder: Path) -> tuple[Path, Path, Path]:
        """The manifest (plans in year order, so that a link's plan is listed first) and the two
        corrections files, written into ``folder``."""
        ordered = sorted(self.plans.items(), key=lambda item: (item[1]["year"], item[1]["level"] != "province"))
        texts = {doc_id: (f"{doc_id}.txt", plan["text"]) for doc_id, plan in ordered}
        rows = [
            f"{doc_id},{doc_id}.txt,{p['year']}年工作要点,,{p['region']},{p['level']},{p['year']},"
            f"{p['parent']},{p['previous']},,"
            for doc_id, p in ordered
        ]
        manifest = ip.write_corpus(folder, texts, rows)
        for stale in set(folder.glob("*.txt")) - {folder / name for name, _ in texts.values()}:
            stale.unlink()
        links, targets = folder / "alignments.csv", folder / "targets.csv"
        links.write_text(ALIGNMENT_HEADER + "".join(r + "\n" for r in self.link_decisions), encoding="utf-8")
        targets.write_text(TARGET_HEADER + "".join(r + "\n" for r in self.target_decisions), encoding="utf-8")
        return manifest, links, targets

    def settings(self) -> BuildSettings:
        defaults = BuildSettings()
        thresholds = dataclasses.replace(defaults.alignment.thresholds, link_min=self.link_min)
        return dataclasses.replace(defaults, alignment=dataclasses.replace(defaults.alignment, thresholds=thresholds))


def _plan(corpus: Corpus, doc_id: str, rng: random.Random) -> dict:
    """A new plan ``<city>_<year>`` (or the province's), linked to the plans already there."""
    name, year = doc_id.rsplit("_", 1)
    province = f"sheng_{year}"
    if name == "sheng":
        return {"text": ip.city_plan("湖北省", "alpha", n=rng.randint(5, 30), year=int(year)), "level": "province",
                "region": "湖北省", "year": int(year), "parent": "", "previous": ""}  # fmt: skip
    city, key = CITIES[name]
    previous = f"{name}_{int(year) - 1}"
    return {
        "text": ip.city_plan(city, key, n=rng.randint(5, 30), year=int(year)),
        "level": "city",
        "region": city,
        "year": int(year),
        "parent": province if province in corpus.plans else "",
        "previous": previous if previous in corpus.plans else "",
    }


def _add(corpus: Corpus, rng: random.Random, tables: dict[str, pd.DataFrame]) -> str:
    free = [f"{n}_{y}" for n in ("sheng", *CITIES) for y in YEARS if f"{n}_{y}" not in corpus.plans]
    if not free:
        return _edit(corpus, rng, tables)
    doc_id = rng.choice(free)
    corpus.plans[doc_id] = _plan(corpus, doc_id, rng)
    return f"add {doc_id}"


def _add_copy(corpus: Corpus, rng: random.Random, tables: dict[str, pd.DataFrame]) -> str:
    """A damaged copy of a plan (the near-duplicate detection leaves it out of comparisons)."""
    original = rng.choice(sorted(d for d in corpus.plans if not d.endswith("_copy")))
    corpus.plans[f"{original}_copy"] = {**corpus.plans[original], "text": ip.damaged(corpus.plans[original]["text"]),
                                        "parent": "", "previous": ""}  # fmt: skip
    return f"copy {original}"


def _remove(corpus: Corpus, rng: random.Random, tables: dict[str, pd.DataFrame]) -> str:
    if len(corpus.plans) <= 2:
        return _add(corpus, rng, tables)
    doc_id = rng.choice(sorted(corpus.plans))
    del corpus.plans[doc_id]
    for plan in corpus.plans.values():
        for link in ("parent", "previous"):
            if plan[link] == doc_id:
                plan[link] = ""
    return f"remove {doc_id}"


def _edit(corpus: Corpus, rng: random.Random, tables: dict[str, pd.DataFrame]) -> str:
    doc_id = rng.choice(sorted(corpus.plans))
    text = corpus.plans[doc_id]["text"]
    corpus.plans[doc_id]["text"] = text.replace("。", f"。完成{rng.randint(2, 99)}个重点项目建设。", 1)
    return f"edit {doc_id}"


def _threshold(corpus: Corpus, rng: random.Random, tables: dict[str, pd.DataFrame]) -> str:
    corpus.link_min = LINK_MINS[1] if corpus.link_min == LINK_MINS[0] else LINK_MINS[0]
    return f"link_min {corpus.link_min}"


def _decide(
    corpus: Corpus,
    rng: random.Random,
    tables: dict[str, pd.DataFrame],
    kinds: tuple[str, ...] = ("link", "near", "target"),
) -> str:
    """A decision on the last build's tables: a link removed, a near miss accepted, a target
    rejected (of ``kinds``); or every decision dropped."""
    links = tables["alignments"][tables["alignments"]["relation"].isin(align.LINKS)]
    near, targets = tables["near_misses"], tables["targets"]
    found = {"link": links, "near": near, "target": targets}
    choices = [kind for kind in kinds if len(found[kind])]
    if not choices or (corpus.link_decisions and rng.random() < 0.25):
        corpus.link_decisions, corpus.target_decisions = [], []
        return "decisions dropped"
    kind = rng.choice(choices)
    if kind == "target":
        row = targets.iloc[rng.randrange(len(targets))]
        decision = f"{row['doc_id']},{row['target_id']},reject,,,,,"
        corpus.target_decisions = [*(d for d in corpus.target_decisions if d != decision), decision]
        return f"reject {row['target_id']}"
    rows = links if kind == "link" else near
    row = rows.iloc[rng.randrange(len(rows))]
    relation = "none" if kind == "link" else "same"
    pair = f"{row['source_doc']},{row['source_task_id']},{row['target_doc']},{row['target_task_id']},"
    corpus.link_decisions = [*(d for d in corpus.link_decisions if not d.startswith(pair)), f"{pair}{relation},"]
    return f"{relation} {row['source_task_id']} → {row['target_task_id']}"


CHANGES = (_add, _add_copy, _remove, _edit, _threshold, _decide)


def _build(corpus: Corpus, raw: Path, out: Path, cache: bool = True) -> dict[str, pd.DataFrame]:
    manifest, links, targets = corpus.write(raw)
    return build(out, manifest, settings=corpus.settings(), alignment_corrections=links, target_corrections=targets,
                 scheduler="none", cache=CacheSettings(enabled=cache))  # fmt: skip


def _csvs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(storage.table_folder(out).glob("*.csv"))}


def _start(rng: random.Random) -> Corpus:
    corpus = Corpus()
    for doc_id in ("sheng_2023", "jia_2023", "sheng_2024", "jia_2024"):
        corpus.plans[doc_id] = _plan(corpus, doc_id, rng)
    return corpus


@pytest.mark.parametrize("seed", [1, 2])
def test_random_changes_build_the_bytes_of_a_build_from_nothing(seed, tmp_path) -> None:
    rng = random.Random(seed)
    corpus = _start(rng)
    tables = _build(corpus, tmp_path / "raw", tmp_path / "out")
    steps = [*CHANGES, rng.choice(CHANGES)]  # every kind of change, in a random order, and one more
    rng.shuffle(steps)
    for step, make in enumerate(steps):
        change = make(corpus, rng, tables)
        tables = _build(corpus, tmp_path / "raw", tmp_path / "out")
        _build(corpus, tmp_path / "raw", tmp_path / f"scratch-{step}", cache=False)
        assert _csvs(tmp_path / "out") == _csvs(tmp_path / f"scratch-{step}"), f"step {step}: {change}"


def test_a_link_decision_makes_no_comparison_again(tmp_path, monkeypatch) -> None:
    """(A target decision can: the indicators a task names are one of the alignment's signals.)"""
    rng = random.Random(3)
    corpus = _start(rng)
    tables = _build(corpus, tmp_path / "raw", tmp_path / "out")
    made: list[str] = []
    compare = align.compare_plans
    monkeypatch.setattr(align, "compare_plans", lambda source, target, *a, **k: made.append(source.doc_id) or compare(source, target, *a, **k))  # fmt: skip
    _decide(corpus, rng, tables, ("link", "near"))
    _decide(corpus, rng, tables, ("link", "near"))
    assert corpus.link_decisions
    _build(corpus, tmp_path / "raw", tmp_path / "out")
    assert made == []
    _edit(corpus, rng, tables)
    _build(corpus, tmp_path / "raw", tmp_path / "out")
    assert made  # an edited plan's comparisons are made again


def test_damaged_entries_and_edited_tables_are_not_trusted(tmp_path) -> None:
    rng = random.Random(4)
    corpus = _start(rng)
    _build(corpus, tmp_path / "raw", tmp_path / "out")
    expected = _csvs(tmp_path / "out")
    entries = sorted(p for p in (tmp_path / "out" / incremental.CACHE_FOLDER / "entries").rglob("*") if p.is_file())
    for path in entries[::2]:
        path.write_bytes(path.read_bytes()[:-7] + b"garbage")  # a damaged entry: recomputed
    current = storage.table_folder(tmp_path / "out")
    tasks = current / "tasks.csv"
    tasks.write_bytes(tasks.read_bytes().replace("推进".encode(), "推行".encode()))  # edited by hand
    _edit(corpus, rng, {})  # so that the build reuses what it can
    _build(corpus, tmp_path / "raw", tmp_path / "out")
    _build(corpus, tmp_path / "raw", tmp_path / "scratch", cache=False)
    assert _csvs(tmp_path / "out") == _csvs(tmp_path / "scratch")
    assert expected != _csvs(tmp_path / "out")


def test_without_the_cache_nothing_is_read_or_written(tmp_path) -> None:
    corpus = _start(random.Random(5))
    _build(corpus, tmp_path / "raw", tmp_path / "out", cache=False)
    assert not (tmp_path / "out" / incremental.CACHE_FOLDER).exists()


def test_without_the_cache_nothing_is_pickled_for_it(tmp_path, monkeypatch) -> None:
    """Neither a plan nor a comparison is turned into an entry's bytes when no entry is written."""
    pickled: list = []
    dumps = cache.dumps
    monkeypatch.setattr(cache, "dumps", lambda value: pickled.append(type(value)) or dumps(value))
    corpus = _start(random.Random(5))
    _build(corpus, tmp_path / "raw", tmp_path / "out", cache=False)
    assert pickled == []
    _build(corpus, tmp_path / "raw", tmp_path / "cached")
    assert dict in pickled and len(pickled) > len(corpus.plans)  # with the cache: comparisons and plans


def test_a_first_build_that_fails_leaves_no_folder_and_no_cache(tmp_path) -> None:
    rng = random.Random(6)
    corpus = _start(rng)
    corpus.plans["yi_2024"] = {**_plan(corpus, "yi_2024", rng), "text": "这份文件没有任何任务。\n"}  # parsed last
    with pytest.raises(UserError, match="yi_2024"):
        _build(corpus, tmp_path / "raw", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.fixture
def computed(monkeypatch) -> dict[str, list]:
    """What the builds compute, by kind, as it happens: the plans parsed, profiled and whose
    targets are extracted, the comparisons made (source, target), the evaluations against the
    gold (the plans scored)."""
    found: dict[str, list] = {
        "parse": [],
        "profile": [],
        "targets": [],
        "compare": [],
        "evaluation": [],
        "escalation": [],
    }
    parse, profile, targets = incremental.parsed_plan, incremental.document_profile, incremental.model_targets
    compare, evaluation, escalation = align.compare_plans, evaluate.evaluation_tables, incremental.escalation

    def counted(kind: str, function, name_of):
        return lambda first, *a, **k: found[kind].append(name_of(first)) or function(first, *a, **k)

    monkeypatch.setattr(incremental, "parsed_plan", counted("parse", parse, lambda row: row["doc_id"]))
    monkeypatch.setattr(incremental, "document_profile", counted("profile", profile, lambda doc: doc.doc_id))
    monkeypatch.setattr(incremental, "model_targets", counted("targets", targets, lambda doc: doc.doc_id))
    monkeypatch.setattr(evaluate, "evaluation_tables", counted("evaluation", evaluation, lambda docs: len(docs)))
    monkeypatch.setattr(
        escalation, "escalation_table", counted("escalation", escalation.escalation_table, lambda targets: len(targets))
    )
    monkeypatch.setattr(
        align,
        "compare_plans",
        lambda source, target, *a, **k: (
            found["compare"].append((source.doc_id, target.doc_id)) or compare(source, target, *a, **k)
        ),
    )
    return found


def _build_pinned(
    raw: Path, out: Path, target_corrections: Path = PINNED_TARGET_CORRECTIONS
) -> dict[str, pd.DataFrame]:
    return build(out, raw / PINNED_MANIFEST.name, scheduler="none", alignment_corrections=PINNED_ALIGNMENT_CORRECTIONS,
                 target_corrections=target_corrections)  # fmt: skip


def test_an_added_plan_computes_its_parse_and_its_comparisons_and_nothing_else(tmp_path, computed) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(PINNED_MANIFEST.parent, raw)
    _build_pinned(raw, out)
    gold_plans = evaluate.gold_plans()
    assert computed["evaluation"] == [len(gold_plans)]  # the corpus holds the gold's plans: it was scored
    assert computed["parse"] == list(manifest.load_manifest(raw / PINNED_MANIFEST.name)["doc_id"])

    added = "jia_city_2024"
    (raw / f"{added}.txt").write_text(ip.city_plan("甲市", "alpha"), encoding="utf-8")
    with (raw / PINNED_MANIFEST.name).open("a", encoding="utf-8") as listed:
        listed.write(f"{added},{added}.txt,2024年全市生态环境工作要点,,甲市,city,2024,hubei_province_2024,,,\n")
    planned = manifest.comparisons(manifest.load_manifest(raw / PINNED_MANIFEST.name))
    involving = planned[(planned["source_doc"] == added) | (planned["target_doc"] == added)]
    assert len(involving) and len(involving) < len(planned)
    for made in computed.values():
        made.clear()
    tables = _build_pinned(raw, out)
    assert computed == {
        "parse": [added],
        "profile": [added],
        "targets": [added],
        "compare": list(zip(involving["source_doc"], involving["target_doc"])),
        "evaluation": [],  # the gold's plans, the gold and the settings are unchanged
        "escalation": [len(tables["targets"])],  # the added plan's targets are new
    }
    assert set(tables["coverage"]["comparison_id"]) == set(planned["comparison_id"])

    before = _csvs(out)
    first_id = json.loads((storage.table_folder(out) / storage.BUILD_RECORD).read_text(encoding="utf-8"))["build_id"]
    for made in computed.values():
        made.clear()
    _build_pinned(raw, out)
    assert computed == {"parse": [], "profile": [], "targets": [], "compare": [], "evaluation": [], "escalation": []}
    record = json.loads((storage.table_folder(out) / storage.BUILD_RECORD).read_text(encoding="utf-8"))
    assert record["build_id"] != first_id  # a new table set, written from the cache and the previous set
    assert _csvs(out) == before

    linked = tables["targets"][tables["targets"]["doc_id"].isin(gold_plans) & (tables["targets"]["indicator_id"] != "")]
    rejected = linked.iloc[0]
    decisions = tmp_path / "targets.csv"
    decisions.write_text(
        TARGET_HEADER + f"{rejected['doc_id']},{rejected['target_id']},reject,,,,,\n", encoding="utf-8"
    )
    _build_pinned(raw, out, decisions)
    assert computed["evaluation"] == [len(gold_plans)]  # a gold plan's targets changed: scored again
    assert len(computed["escalation"]) == 1  # and the escalation made again (the rejected target gone)
