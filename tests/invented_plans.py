"""Small invented work plans for tests: city plans written from one shared template.

Two cities' plans share the template's wording (shingle similarity well above the duplicate
threshold) but differ in their names, figures and one task each: sister cities, not copies.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.align import CLAUSE_COLUMNS

MANIFEST_HEADER = "doc_id,file,title,issuer,region,level,year,parent,previous,doc_number,date\n"

# (heading, text) of the tasks every city copies from the template; {city} and {n} vary.
_SHARED_TASKS = (
    (
        "深入打好蓝天保卫战",
        "推进{n}家重点企业超低排放改造，强化挥发性有机物综合治理，"
        "加强柴油货车污染管控和扬尘精细化管理，全市细颗粒物平均浓度持续下降。",
    ),
    (
        "深入打好碧水保卫战",
        "完成{n}个入河排污口排查整治，巩固县级以上集中式饮用水水源地规范化建设成果，"
        "推进城镇污水管网建设改造和黑臭水体治理，国控断面水质优良比例稳定达标。",
    ),
    (
        "深入打好净土保卫战",
        "开展受污染耕地安全利用和建设用地土壤污染风险管控，"
        "加强地下水污染防治，推进农村生活污水治理，完成{n}个行政村环境整治。",
    ),
    (
        "加强固体废物和新污染物治理",
        "推进“无废城市”建设，规范危险废物收集贮存转移处置，"
        "开展新污染物调查监测和环境风险评估，严厉打击非法倾倒固体废物行为。",
    ),
    (
        "守牢生态环境安全底线",
        "开展突发环境事件风险隐患排查整治，修订完善环境应急预案，"
        "组织开展应急演练，加强辐射安全监管，确保核与辐射安全。",
    ),
    (
        "提升生态环境监管执法效能",
        "深化“双随机、一公开”监管，推行非现场执法，严厉打击自动监测数据弄虚作假等环境违法行为，开展执法大练兵。",
    ),
)

# One task that only the given city has.
_OWN_TASKS = {
    "alpha": (
        "推进东湖流域水环境综合治理",
        "实施东湖截污控源工程，建设湖滨生态缓冲带，恢复水生植被，开展蓝藻水华监测预警，确保东湖水质稳定向好。",
    ),
    "beta": (
        "建设国家储能产业示范基地",
        "围绕锂电池材料回收利用布局循环经济产业园，完善电池梯次利用和再生利用体系，推动电解液废液资源化利用项目投产。",
    ),
}


def city_plan(city: str, key: str, n: int = 20, year: int = 2024, doc_number: str = "") -> str:
    """The plan of ``city`` (e.g. 甲市), written from the shared template plus its own task ``key``;
    ``doc_number`` (e.g. 甲环发〔2024〕3号) and the issue date printed under the title when given."""
    tasks = [(h, t.format(city=city, n=n)) for h, t in _SHARED_TASKS] + [_OWN_TASKS[key]]
    lines = [
        f"{year}年全市生态环境工作要点",
        f"{city}生态环境局",
        *([doc_number, f"{year}年2月10日"] if doc_number else []),
        "",
        f"为做好{year}年全市生态环境保护工作，结合{city}实际，制定本要点。",
        "一、重点任务",
        "（一）深入打好污染防治攻坚战",
    ]
    for number, (heading, text) in enumerate(tasks, start=1):
        if number == 4:
            lines.append("（二）提升生态环境治理能力")
        lines.append(f"{number}.{heading}。{text}（牵头单位：{city}生态环境局）")
    lines += [
        "二、保障措施",
        "加强组织领导，压实工作责任，确保各项任务落到实处。",
        f"{city}生态环境局",
        f"{year}年2月10日",
    ]
    return "\n".join(lines) + "\n"


def damaged(text: str, every: int = 40) -> str:
    """``text`` with a replacement character (a decoding accident) after every ``every`` characters."""
    return "".join(ch + ("\ufffd" if i % every == every - 1 else "") for i, ch in enumerate(text))


def write_corpus(folder: Path, plans: dict[str, tuple[str, str]], rows: list[str], extra_header: str = "") -> Path:
    """Write ``plans`` (doc id → (file name, text)) and a manifest of ``rows`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in plans.values():
        (folder / name).write_text(text, encoding="utf-8")
    manifest = folder / "manifest.csv"
    header = MANIFEST_HEADER.rstrip("\n") + (f",{extra_header}" if extra_header else "") + "\n"
    manifest.write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return manifest


# --- task tables of invented plans, for the aligner -------------------------------------------------


def tasks_frame(doc: str, rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    """A task table from (text, lead units, responsible units, part title, section title) rows."""
    return pd.DataFrame(
        [
            {
                "doc_id": doc,
                "task_id": f"{doc}:{i}",
                "part_title": part,
                "section_title": section,
                "path": str(i),
                "heading": text.split("。")[0],
                "text": text,
                "lead_units": lead,
                "responsible_units": responsible,
                "char_start": 10 * i,
                "char_end": 10 * i + len(text),
            }
            for i, (text, lead, responsible, part, section) in enumerate(rows)
        ]
    )


def clauses_frame(tasks: pd.DataFrame) -> pd.DataFrame:
    """The clauses of a task table: its texts split on 。 (no offsets into a raw text)."""
    rows = [
        {"doc_id": doc, "task_id": task, "clause_no": n, "text": clause, "char_start": 0, "char_end": len(clause)}
        for task, doc, text in zip(tasks["task_id"], tasks["doc_id"], tasks["text"])
        for n, clause in enumerate(c for c in text.split("。") if c)
    ]
    return pd.DataFrame(rows, columns=CLAUSE_COLUMNS)
