"""Synthetic work plans for scale: the real corpus's clauses recombined with real markers and units.

A plan is drawn from a :class:`ClauseBank` (headings, sentences, section and part titles and
attribution units of the parsed corpus). Plans evolve as real ones do: next year's plan keeps most
tasks (some sentences reworded), drops a few and adds new ones; a city plan takes up part of its
province's tasks (units renamed 处 → 科) and adds local ones. Every generator is deterministic for
a given seed. The result is rendered to text with the markers the parser reads (``一、``, ``(一)``/
``（一）``, ``1.``/``1．``) so that benchmarks run the whole pipeline, and it carries the true
lineage of every task, which can score the aligner at any scale.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from analysis import storage
from analysis.text.numerals import to_chinese

_SENTENCE = re.compile(r"[^。]+。")
PROVINCES = 31
YEARS = (2023, 2024, 2025)
CITIES_PER_PROVINCE = (8, 18)


@dataclass(frozen=True)
class ClauseBank:
    """The pieces synthetic plans are made of, taken from real plans."""

    headings: tuple[str, ...]
    sentences: tuple[str, ...]
    section_titles: tuple[str, ...]
    part_titles: tuple[str, ...]
    lead_units: tuple[str, ...]
    responsible_units: tuple[str, ...]


def clause_bank(tasks: pd.DataFrame) -> ClauseBank:
    """Collect headings, sentences, titles and units from a task table (damaged rows left out)."""
    clean = tasks[~tasks["flags"].str.contains("damaged", regex=False)]
    sentences = [s for text in clean["text"] for s in _SENTENCE.findall(text)[1:] if 8 <= len(s) <= 200]

    def titles(column: str) -> tuple[str, ...]:
        return tuple(sorted({re.sub(r"^[(（]?[一二三四五六七八九十]+[)）、]", "", t) for t in clean[column] if t}))

    def units(column: str) -> tuple[str, ...]:
        return tuple(sorted({u for cell in clean[column] for u in cell.split(";") if u}))

    return ClauseBank(
        headings=tuple(sorted(set(clean["heading"]))),
        sentences=tuple(sorted(set(sentences))),
        section_titles=titles("section_title"),
        part_titles=titles("part_title"),
        lead_units=units("lead_units"),
        responsible_units=units("responsible_units"),
    )


@dataclass
class SyntheticTask:
    """A task before rendering, with the id of the task it descends from (its lineage)."""

    uid: str
    part: int
    section: int
    heading: str
    sentences: list[str]
    lead: list[str]
    responsible: list[str]
    origin: str = ""  # uid of the parent-plan or previous-year task it continues, "" if new


@dataclass
class SyntheticPlan:
    doc_id: str
    title: str
    level: str
    year: int
    tasks: list[SyntheticTask]
    parent: str = ""
    previous: str = ""
    part_titles: dict[int, str] = field(default_factory=dict)
    section_titles: dict[tuple[int, int], str] = field(default_factory=dict)


def _new_task(bank: ClauseBank, rng: random.Random, uid: str, part: int, section: int) -> SyntheticTask:
    return SyntheticTask(
        uid=uid,
        part=part,
        section=section,
        heading=rng.choice(bank.headings),
        sentences=rng.sample(bank.sentences, rng.randint(2, 5)),
        lead=rng.sample(bank.lead_units, rng.randint(1, 2)) if bank.lead_units else [],
        responsible=rng.sample(bank.responsible_units, 1) if bank.responsible_units else [],
    )


def random_plan(
    bank: ClauseBank,
    rng: random.Random,
    doc_id: str,
    n_tasks: int,
    level: str = "province",
    year: int = YEARS[0],
    tasks_per_section: int = 4,
) -> SyntheticPlan:
    """A plan of ``n_tasks`` tasks in parts of sections of numbered items."""
    sections = max(1, -(-n_tasks // tasks_per_section))
    # as real plans: a few parts of a few sections; but never more than 99 sections or 999 items
    # in a part (the markers' range), however large the plan
    parts = min(99, max(1, min(9, round(sections**0.5)), -(-sections // 99), -(-n_tasks // 999)))
    tasks = []
    for i in range(n_tasks):
        section_index = i * sections // n_tasks
        part = section_index * parts // sections + 1
        tasks.append(_new_task(bank, rng, f"{doc_id}#{i}", part, section_index + 1))
    plan = SyntheticPlan(doc_id, f"{year}年全省生态环境工作要点", level, year, tasks)
    _title_plan(plan, bank, rng)
    return plan


def _title_plan(plan: SyntheticPlan, bank: ClauseBank, rng: random.Random) -> None:
    for task in plan.tasks:
        plan.part_titles.setdefault(task.part, rng.choice(bank.part_titles))
        plan.section_titles.setdefault((task.part, task.section), rng.choice(bank.section_titles))


def _reword(task: SyntheticTask, bank: ClauseBank, rng: random.Random, share: float) -> list[str]:
    """Rewrite a share of the sentences: some replaced outright, others cut to a subset of their
    clauses with a clause of another sentence added, as drafters of the next plan do."""
    sentences = []
    for sentence in task.sentences:
        draw = rng.random()
        if draw < share / 2:
            sentences.append(rng.choice(bank.sentences))
        elif draw < share:
            clauses = sentence.rstrip("。").split(",")
            kept = rng.sample(clauses, max(1, len(clauses) // 2))
            kept.append(rng.choice(bank.sentences).rstrip("。").split(",")[0])
            sentences.append(",".join(kept) + "。")
        else:
            sentences.append(sentence)
    return sentences


def next_year(
    plan: SyntheticPlan,
    bank: ClauseBank,
    rng: random.Random,
    doc_id: str,
    keep: float = 0.85,
    reword: float = 0.8,
    added: float = 0.1,
) -> SyntheticPlan:
    """The same issuer's plan a year later: most tasks continue (reworded), some dropped, some new."""
    tasks = []
    for task in plan.tasks:
        if rng.random() < keep:
            tasks.append(
                replace(task, uid=f"{doc_id}#{len(tasks)}", sentences=_reword(task, bank, rng, reword), origin=task.uid)
            )
        if rng.random() < added:
            tasks.append(replace(_new_task(bank, rng, f"{doc_id}#{len(tasks)}", task.part, task.section)))
    if not tasks:
        tasks.append(_new_task(bank, rng, f"{doc_id}#0", 1, 1))
    title = plan.title.replace(str(plan.year), str(plan.year + 1))
    successor = SyntheticPlan(
        doc_id,
        title,
        plan.level,
        plan.year + 1,
        tasks,
        parent=plan.parent,
        previous=plan.doc_id,
        part_titles=dict(plan.part_titles),
        section_titles=dict(plan.section_titles),
    )
    _title_plan(successor, bank, rng)
    return successor


def _city_unit(unit: str) -> str:
    return re.sub(r"处$", "科", unit)


def child_plan(
    plan: SyntheticPlan,
    bank: ClauseBank,
    rng: random.Random,
    doc_id: str,
    taken_up: float = 0.7,
    local: float = 0.2,
    reword: float = 0.9,
) -> SyntheticPlan:
    """A city plan implementing ``plan``: part of its tasks (sentences subset, units 处 → 科), plus local ones."""
    tasks = []
    for task in plan.tasks:
        if rng.random() < taken_up:
            kept = rng.sample(task.sentences, max(1, len(task.sentences) - rng.randint(0, 2)))
            kept = _reword(replace(task, sentences=kept), bank, rng, reword)
            tasks.append(
                replace(
                    task,
                    uid=f"{doc_id}#{len(tasks)}",
                    sentences=kept,
                    origin=task.uid,
                    lead=[],
                    responsible=[_city_unit(u) for u in task.lead] or task.responsible,
                )
            )
        if rng.random() < local:
            tasks.append(_new_task(bank, rng, f"{doc_id}#{len(tasks)}", task.part, task.section))
    if not tasks:
        tasks.append(_new_task(bank, rng, f"{doc_id}#0", 1, 1))
    city = SyntheticPlan(
        doc_id,
        plan.title.replace("全省", "全市"),
        "city",
        plan.year,
        tasks,
        parent=plan.doc_id,
        part_titles=dict(plan.part_titles),
        section_titles=dict(plan.section_titles),
    )
    _title_plan(city, bank, rng)
    return city


def ordered_tasks(plan: SyntheticPlan) -> list[SyntheticTask]:
    """Tasks in rendering order: the i-th parsed task of the rendered text is the i-th of these."""
    return sorted(plan.tasks, key=lambda t: (t.part, t.section))


def render(plan: SyntheticPlan, rng: random.Random) -> str:
    """The plan as a text file: title, parts, sections and items, brackets of either width."""
    lines = [plan.title, ""]
    part = section = None
    item = 0
    first_section: dict[int, int] = {}
    for task in plan.tasks:
        first_section[task.part] = min(first_section.get(task.part, task.section), task.section)
    for task in ordered_tasks(plan):
        if task.part != part:
            part, section, item = task.part, None, 0
            lines.append(f"{to_chinese(part)}、{plan.part_titles[part]}")
        if task.section != section:
            section = task.section
            open_, close = rng.choice([("(", ")"), ("（", "）")])
            number = to_chinese(section - first_section[part] + 1)
            lines.append(f"{open_}{number}{close}{plan.section_titles[(part, section)]}")
        item += 1
        roles = []
        if task.lead:
            roles.append("牵头单位:" + "、".join(task.lead))
        if task.responsible:
            roles.append("责任单位:" + "、".join(task.responsible))
        bracket = f"({';'.join(roles)})" if roles else ""
        lines.append(f"{item}{rng.choice(['.', '．'])}{task.heading}。{''.join(task.sentences)}{bracket}")
    return "\n".join(lines) + "\n"


def national_corpus(
    bank: ClauseBank,
    seed: int = 2024,
    provinces: int = PROVINCES,
    years: tuple[int, ...] = YEARS,
    cities: tuple[int, int] = CITIES_PER_PROVINCE,
    tasks: tuple[int, int] = (25, 40),
) -> list[SyntheticPlan]:
    """Every province and its cities over several years, linked by ``parent`` and ``previous``."""
    rng = random.Random(seed)
    plans: list[SyntheticPlan] = []
    for p in range(provinces):
        province = random_plan(bank, rng, f"p{p:02d}_{years[0]}", rng.randint(*tasks), year=years[0])
        city_names = [f"p{p:02d}c{c:02d}" for c in range(rng.randint(*cities))]
        city_plans = {name: child_plan(province, bank, rng, f"{name}_{years[0]}") for name in city_names}
        plans.append(province)
        plans.extend(city_plans.values())
        for year in years[1:]:
            province = next_year(province, bank, rng, f"p{p:02d}_{year}")
            plans.append(province)
            for name in city_names:
                city = next_year(city_plans[name], bank, rng, f"{name}_{year}")
                city.parent = province.doc_id
                city_plans[name] = city
                plans.append(city)
    return plans


def write_corpus(plans: list[SyntheticPlan], folder: Path, seed: int = 2024) -> Path:
    """Write each plan as a text file plus a ``manifest.csv``; return the manifest's path."""
    rng = random.Random(seed)
    folder = Path(folder)
    rows = []
    for plan in plans:
        storage.write_text(folder / f"{plan.doc_id}.txt", render(plan, rng))
        rows.append(
            {
                "doc_id": plan.doc_id,
                "file": f"{plan.doc_id}.txt",
                "title": plan.title,
                "issuer": "",
                "region": plan.doc_id.split("_")[0],
                "level": plan.level,
                "year": plan.year,
                "parent": plan.parent,
                "previous": plan.previous,
                "doc_number": "",
                "date": "",
            }
        )
    manifest = folder / "manifest.csv"
    storage.write_csv(pd.DataFrame(rows), manifest)
    return manifest


def lineage(plans: list[SyntheticPlan]) -> pd.DataFrame:
    """The true links: each task and the task it continues (for scoring an aligner at scale)."""
    return pd.DataFrame(
        [
            {"doc_id": p.doc_id, "position": i, "uid": t.uid, "origin": t.origin}
            for p in plans
            for i, t in enumerate(ordered_tasks(p))
        ],
        columns=["doc_id", "position", "uid", "origin"],
    )
