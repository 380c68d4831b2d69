"""Bring your own plans: `analysis add FILE` registers a plan in the manifest, `remove ID` drops it."""

from __future__ import annotations

import invented_plans as ip
import pytest

from analysis.corpus.manifest import load_manifest
from analysis.corpus.register import add_plan, default_doc_id, remove_plan
from analysis.errors import UserError

PROVINCE = (
    "2024年全省生态环境工作要点\n某省生态环境厅\n一、重点工作\n"
    "1.深入打好碧水保卫战。完成100个入河排污口整治。\n2.深入打好蓝天保卫战。推进重点行业超低排放改造。\n"
)


@pytest.fixture
def corpus(tmp_path):
    """A manifest folder holding one provincial plan, and a folder of plans to bring."""
    manifest = ip.write_corpus(
        tmp_path / "raw",
        {"prov_2024": ("prov_2024.txt", PROVINCE)},
        ["prov_2024,prov_2024.txt,,,某省,province,2024,,,,"],
    )
    mine = tmp_path / "downloads"
    mine.mkdir()
    return manifest, mine


def _bring(folder, name: str, text: str):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_doc_id_keeps_letters_digits_underscore_and_hyphen() -> None:
    assert default_doc_id("Wuhan plan 2025 (final).docx") == "Wuhan_plan_2025_final"
    assert default_doc_id("jia-2024.pdf") == "jia-2024"
    assert default_doc_id("甲市2024年工作要点.txt") == ""  # a bare 2024 would say nothing
    assert default_doc_id("甲市工作要点.txt") == ""


def test_add_infers_what_the_text_prints_and_copies_the_file(corpus) -> None:
    manifest, mine = corpus
    path = _bring(mine, "jia 2024.txt", ip.city_plan("甲市", "alpha", doc_number="甲环发〔2024〕3号"))
    done = add_plan(path, manifest, parent="prov_2024")
    assert done.row == {
        "doc_id": "jia_2024",
        "file": "jia_2024.txt",
        "title": "2024年全市生态环境工作要点",
        "issuer": "甲市生态环境局",
        "doc_number": "甲环发〔2024〕3号",
        "date": "2024-02-10",
        "level": "city",
        "year": "2024",
        "region": "甲市",
        "parent": "prov_2024",
        "previous": "",
    }
    assert done.sources["level"] == "title" and done.sources["region"] == "issuer" and done.sources["year"] == "title"
    assert (manifest.parent / "jia_2024.txt").read_bytes() == path.read_bytes() and done.copied
    assert done.notes == ["stored as jia_2024.txt: `make` cannot handle the characters of 'jia 2024.txt'"]
    listed = load_manifest(manifest).set_index("doc_id")
    assert listed.loc["jia_2024", "parent"] == "prov_2024" and listed.loc["jia_2024", "year"] == 2024
    assert manifest.read_text(encoding="utf-8").endswith(
        "jia_2024,jia_2024.txt,2024年全市生态环境工作要点,甲市生态环境局,甲市,city,2024,prov_2024,,甲环发〔2024〕3号,2024-02-10\n"
    )


def test_flags_override_the_text_and_the_year_can_come_from_the_date(corpus) -> None:
    manifest, mine = corpus
    text = ip.city_plan("甲市", "alpha", doc_number="甲环发〔2024〕3号").replace("2024年全市", "全市", 1)
    path = _bring(mine, "jia.txt", text)
    done = add_plan(path, manifest, doc_id="jia-x", level="county", issuer="甲县生态环境分局", region="甲县")
    assert (done.row["doc_id"], done.row["level"], done.row["region"]) == ("jia-x", "county", "甲县")
    assert (done.row["year"], done.sources["year"]) == ("2024", "date")
    assert done.sources["issuer"] == "flag"


@pytest.mark.parametrize(
    ("kwargs", "text", "message"),
    [
        ({}, ip.city_plan("甲市", "alpha").replace("全市", "", 1), "cannot tell its level"),
        ({}, ip.city_plan("甲市", "alpha").replace("甲市生态环境局\n", ""), "cannot tell its region"),
        ({"doc_id": "甲市"}, ip.city_plan("甲市", "alpha"), "letters, digits, _ and - only"),
        ({"doc_id": "x" * 300}, ip.city_plan("甲市", "alpha"), "is 300 characters long \\(at most 64\\)"),
        ({"doc_id": "-x"}, ip.city_plan("甲市", "alpha"), "starts with '-'"),
        ({"doc_id": None, "name": "-jia_2024.txt"}, ip.city_plan("甲市", "alpha"), "starts with '-'.*pass --doc-id"),
        ({"doc_id": None, "name": "甲市2024年工作要点.txt"}, ip.city_plan("甲市", "alpha"), "pass --doc-id"),
        ({"doc_id": "prov_2024"}, ip.city_plan("甲市", "alpha"), "already in"),
        ({"parent": "nowhere"}, ip.city_plan("甲市", "alpha"), "unknown parent 'nowhere'"),
        ({"previous": "prov_2024"}, ip.city_plan("甲市", "alpha"), "is not from an earlier year"),
        ({}, "这是一段没有层级标记的普通文字。\n", "no tasks found"),
    ],
)
def test_add_refuses_with_one_reason_and_changes_nothing(corpus, kwargs, text, message) -> None:
    manifest, mine = corpus
    before = manifest.read_bytes()
    name = kwargs.pop("name", "jia_2024.txt")
    path = _bring(mine, name, text)
    with pytest.raises(UserError, match=message):
        add_plan(path, manifest, **kwargs)
    assert manifest.read_bytes() == before
    assert not (manifest.parent / name).exists()


def test_add_names_every_value_it_cannot_tell_in_one_message_with_what_it_found(corpus) -> None:
    manifest, mine = corpus
    text = (
        ip.city_plan("甲市", "alpha")
        .replace("2024年全市", "", 1)
        .replace("甲市生态环境局\n", "")
        .replace("2024年2月10日", "")
    )
    with pytest.raises(UserError) as refused:
        add_plan(_bring(mine, "jia_2024.txt", text), manifest)
    message = refused.value.problem
    assert "cannot tell its level, year, region" in message
    assert "--level" in message and "--year" in message and "--region" in message
    assert "found: title '生态环境工作要点'" in message


def _declared(corpus):
    """``corpus``'s manifest with a duplicate_of column, and the provincial plan's text."""
    manifest, mine = corpus
    lines = manifest.read_text(encoding="utf-8").splitlines()
    manifest.write_text(
        "\n".join([lines[0] + ",duplicate_of", *(line + "," for line in lines[1:])]) + "\n", encoding="utf-8"
    )
    return manifest, mine


@pytest.mark.parametrize(
    "text",
    [
        PROVINCE,  # the same text under another name
        PROVINCE.replace(
            "一、重点工作", "来源：某省人民政府网 2024-03-01\n一、重点工作"
        ),  # a repost with a line of its own
    ],
    ids=["same text", "near-identical"],
)
def test_add_refuses_a_copy_of_a_registered_plan_unless_declared_or_forced(corpus, text) -> None:
    manifest, mine = _declared(corpus)
    before = manifest.read_bytes()
    path = _bring(mine, "prov_copy.txt", text)
    with pytest.raises(UserError, match=r"duplicates the registered plan prov_2024 \(shingle similarity \d\.\d\d\)"):
        add_plan(path, manifest, region="某省")
    assert manifest.read_bytes() == before and not (manifest.parent / "prov_copy.txt").exists()
    declared = add_plan(path, manifest, region="某省", duplicate_of="prov_2024")
    assert declared.row["duplicate_of"] == "prov_2024" and "declared a copy of prov_2024" in declared.notes[0]
    assert load_manifest(manifest).set_index("doc_id").at["prov_copy", "duplicate_of"] == "prov_2024"
    forced = add_plan(_bring(mine, "prov_again.txt", text), manifest, region="某省", force=True)
    assert "duplicate_of" not in forced.row and "--force" in forced.notes[0] and "prov_2024" in forced.notes[0]


def test_a_sister_plan_from_one_template_is_no_copy(corpus) -> None:
    manifest, mine = corpus
    add_plan(_bring(mine, "jia_2024.txt", ip.city_plan("甲市", "alpha")), manifest)
    sister = add_plan(_bring(mine, "yi_2024.txt", ip.city_plan("乙市", "alpha")), manifest)
    assert sister.row["region"] == "乙市" and not sister.notes


def test_add_never_overwrites_a_different_file_of_the_same_name(corpus) -> None:
    manifest, mine = corpus
    (manifest.parent / "jia_2024.txt").write_text("something else", encoding="utf-8")
    path = _bring(mine, "jia_2024.txt", ip.city_plan("甲市", "alpha"))
    with pytest.raises(UserError, match="a different file of this name is already there"):
        add_plan(path, manifest)
    assert (manifest.parent / "jia_2024.txt").read_text(encoding="utf-8") == "something else"


def test_a_file_already_in_the_folder_is_registered_in_place_once(corpus) -> None:
    manifest, _ = corpus
    path = _bring(manifest.parent, "jia_2024.txt", ip.city_plan("甲市", "alpha"))
    assert not add_plan(path, manifest).copied
    with pytest.raises(UserError, match="already"):
        add_plan(path, manifest, doc_id="again")


def test_add_keeps_the_manifests_bom_and_line_ends(corpus) -> None:
    manifest, mine = corpus
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes().replace(b"\n", b"\r\n"))
    add_plan(_bring(mine, "jia_2024.txt", ip.city_plan("甲市", "alpha")), manifest)
    data = manifest.read_bytes()
    assert (
        data.startswith(b"\xef\xbb\xbfdoc_id,") and data.count(b"\r\n") == 3 and b"\n" not in data.replace(b"\r\n", b"")
    )
    assert list(load_manifest(manifest)["doc_id"]) == ["prov_2024", "jia_2024"]


def test_remove_refuses_a_plan_others_link_to_and_keeps_the_file(corpus) -> None:
    manifest, mine = corpus
    add_plan(_bring(mine, "jia_2024.txt", ip.city_plan("甲市", "alpha")), manifest, parent="prov_2024")
    with pytest.raises(UserError, match=r"other rows link to it: jia_2024 \(parent\)"):
        remove_plan("prov_2024", manifest)
    with pytest.raises(UserError, match="not a doc id"):
        remove_plan("nowhere", manifest)
    assert remove_plan("jia_2024", manifest).name == "jia_2024.txt"
    assert list(load_manifest(manifest)["doc_id"]) == ["prov_2024"]
    assert (manifest.parent / "jia_2024.txt").is_file()  # the raw file stays


def test_add_and_remove_commands(run_cli, corpus) -> None:
    manifest, mine = corpus
    path = _bring(mine, "yi-2024.txt", ip.city_plan("乙市", "beta", doc_number="乙环发〔2024〕7号"))
    result = run_cli("add", path, "--parent", "prov_2024", "--manifest", manifest)
    assert result.returncode == 0, result.stderr
    assert "registered yi-2024" in result.stdout and "txt file with 7 tasks" in result.stdout
    assert "level: city (from the title)" in result.stdout and "doc_number: 乙环发〔2024〕7号" in result.stdout
    assert (manifest.parent / "yi-2024.txt").is_file()
    again = run_cli("--manifest", manifest, "add", path)
    assert again.returncode == 2 and again.stderr.startswith("error: ") and len(again.stderr.splitlines()) == 1
    linked = run_cli("remove", "prov_2024", "--manifest", manifest)
    assert linked.returncode == 2 and "yi-2024 (parent)" in linked.stderr
    removed = run_cli("remove", "yi-2024", "--manifest", manifest)
    assert removed.returncode == 0 and "stays in place" in removed.stdout


def test_a_registered_plan_is_built_and_gets_its_report(corpus, tmp_path) -> None:
    from analysis.corpus.build import build
    from analysis.report.batch import corpus_links, plan_reports

    manifest, mine = corpus
    add_plan(_bring(mine, "jia_2024.txt", ip.city_plan("甲市", "alpha")), manifest, parent="prov_2024")
    tables = build(tmp_path / "out", manifest)
    assert set(tables["tasks"]["doc_id"]) == {"prov_2024", "jia_2024"}
    links = corpus_links(tables["documents"], manifest)
    assert list(links["comparison_id"]) == ["prov_2024__jia_2024"]
    assert "level__prov_2024__jia_2024" in [job.report_id for job in plan_reports(tables["documents"], links)]


@pytest.mark.slow
def test_a_sister_city_from_the_same_template_gets_its_cascade_and_escalation(tmp_path) -> None:
    """A clean plan written from Ezhou's template is a plan in its own right, never a 'damaged duplicate'."""
    import shutil

    from pinned_corpus import PINNED_DIR

    from analysis.corpus.build import build
    from analysis.report.batch import corpus_links, plan_reports

    raw = tmp_path / "raw"
    shutil.copytree(PINNED_DIR, raw)
    sister = tmp_path / "huangshi_city_2024.txt"
    sister.write_text(
        (PINNED_DIR / "ezhou_city_2024.txt").read_text(encoding="utf-8").replace("鄂州", "黄石"), encoding="utf-8"
    )
    add_plan(sister, raw / "manifest.csv", parent="hubei_province_2024", region="黄石市")
    tables = build(tmp_path / "out", raw / "manifest.csv")
    documents = tables["documents"].set_index("doc_id")
    assert documents.at["huangshi_city_2024", "duplicate_of"] == ""
    assert documents.at["ezhou_city_2024", "duplicate_of"] == ""
    links = corpus_links(tables["documents"], raw / "manifest.csv")
    assert "hubei_province_2024__huangshi_city_2024" in set(links["comparison_id"])
    assert "level__hubei_province_2024__huangshi_city_2024" in {
        j.report_id for j in plan_reports(tables["documents"], links)
    }
    escalation = tables["escalation"]
    sister_rows = escalation[escalation["doc_id"] == "huangshi_city_2024"]
    assert len(sister_rows) > 0 and "hubei_province_2024" in set(sister_rows["parent_doc"])  # compared with its parent


def test_a_doc_id_that_looks_like_an_option_is_one_line_not_the_usage(corpus, capsys) -> None:
    from analysis import cli

    manifest, mine = corpus
    path = _bring(mine, "jia_2024.txt", ip.city_plan("甲市", "alpha"))
    with pytest.raises(SystemExit) as stopped:
        cli.main(["add", str(path), "--manifest", str(manifest), "--doc-id", "-x"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "usage:" not in err and err.count("\n") == 1
    assert "argument --doc-id: expected one argument (a value that starts with '-' is written --doc-id=VALUE)" in err
    assert cli.main(["add", str(path), "--manifest", str(manifest), "--doc-id=-x"]) == 2
    assert capsys.readouterr().err == (
        "error: --doc-id: doc_id '-x' starts with '-' (a command line would take it for an option)\n"
    )
