"""The 2017 catalogue against the plan's own text, and the loader's handling of bad catalogues."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select, text

from db.models import (
    Handlungsfeld,
    Indikator,
    Kategorie,
    Massnahme,
    Organisationseinheit,
    Ort,
    Plan,
    indikator_ort,
)
from zielcockpit.domain.catalogue_checks import CatalogueError
from zielcockpit.services.catalogue import load_catalogue
from zielcockpit.settings import CATALOGUE_DIR

SEED = CATALOGUE_DIR / "quellen" / "bielefeld_ziele_und_massnahmen_2017.txt"
CATALOGUE = CATALOGUE_DIR / "bielefeld_2017.yaml"
CHAPTERS = [
    "Arbeitssuchende Menschen",
    "Kinder und Jugendliche",
    "Eltern und Familien",
    "Seniorinnen und Senioren",
    "Menschen mit Behinderung / chron. Erkrankung",
    "Wohnungslose Menschen",
    "Flüchtlinge",
    "Quartiersentwicklung",
]

# (measure, owner, chapter, number of indicators, {indicator: (kind, target)}, wording in the plan)
EXPECTED = [
    ("REGE-3", "REGE", "Arbeitssuchende Menschen", 1, {"REGE-3.1": ("count", 4)}, "Zielwert\t4"),
    ("REGE-1", "REGE", "Arbeitssuchende Menschen", 1, {"REGE-1.1": ("rate", 45)}, "45%"),
    ("REGE-4", "REGE", "Arbeitssuchende Menschen", 1, {"REGE-4.1": ("count", 42)}, "Zielwert\t42"),
    (
        "Jobcenter-2",
        "Jobcenter",
        "Arbeitssuchende Menschen",
        1,
        {"Jobcenter-2.1": ("rate", 5.9)},
        "5,9%",
    ),
    (
        "Jobcenter-8",
        "Jobcenter",
        "Arbeitssuchende Menschen",
        1,
        {"Jobcenter-8.1": ("reduction", None)},
        "Bestandsreduzierung um 5%",
    ),
    (
        "Jobcenter-6",
        "Jobcenter",
        "Arbeitssuchende Menschen",
        5,
        {"Jobcenter-6.1": ("money", 255000)},
        "255.000€",
    ),
    (
        "Jobcenter-3",
        "Jobcenter",
        "Arbeitssuchende Menschen",
        7,
        {"Jobcenter-3.1": ("count", 5985), "Jobcenter-3.2": ("count", None)},
        "5.985 Integrationen",
    ),
    (
        "REGE-9",
        "REGE",
        "Arbeitssuchende Menschen",
        3,
        {"REGE-9.1": ("count", 97), "REGE-9.2": ("count", 530), "REGE-9.3": ("count", 160)},
        "davon 160 Coaching-Teilnehmende in den Quartieren",
    ),
    ("REGE-13", "REGE", "Kinder und Jugendliche", 1, {"REGE-13.1": ("count", 2570)}, "2.570"),
    (
        "540-2",
        "540",
        "Kinder und Jugendliche",
        1,
        {"540-2.1": ("unquantified", None)},
        "Anzahl der Interventionen",
    ),
    (
        "510-7",
        "510",
        "Kinder und Jugendliche",
        4,
        {"510-7.1": ("rate", 100), "510-7.2": ("upper_bound", 40), "510-7.3": ("milestone", None)},
        "max. 40 %",
    ),
    (
        "510-5",
        "510",
        "Kinder und Jugendliche",
        3,
        {"510-5.1": ("milestone", None), "510-5.3": ("milestone", None)},
        "Kooperationsvereinbarung im ersten Quartal 2017",
    ),
    (
        "510-6",
        "510",
        "Eltern und Familien",
        3,
        {"510-6.1": ("unquantified", None)},
        "neue Netzwerkpartner und Familienhebammen gewonnen werden",
    ),
    (
        "500-9",
        "500",
        "Seniorinnen und Senioren",
        5,
        {"500-9.1": ("count", 1), "500-9.4": ("rate", 20), "500-9.5": ("rate", 10)},
        "Die anderen Indikatoren werden nachrichtlich erhoben",
    ),
    (
        "540-14",
        "540",
        "Seniorinnen und Senioren",
        2,
        {"540-14.1": ("milestone", None)},
        "Zielwert „erledigt“ bis Ende 2017",
    ),
    (
        "540-6",
        "540",
        "Menschen mit Behinderung / chron. Erkrankung",
        1,
        {"540-6.1": ("count", 41)},
        "Es sollen 41 Schulen",
    ),
    (
        "500-7",
        "500",
        "Wohnungslose Menschen",
        2,
        {"500-7.1": ("milestone", None)},
        "Durchführung einer Fachkonferenz in 2017",
    ),
    ("REGE-12", "REGE", "Flüchtlinge", 1, {"REGE-12.1": ("count", 371)}, "Zielwert\t371"),
    ("540-12", "540", "Quartiersentwicklung", 1, {"540-12.1": ("rate", 50)}, "50 % der Befragten"),
]


def seed_sections() -> dict[str, tuple[str, str]]:
    """measure code -> (chapter, text of its section) read from the plan's body."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    body_start = next(i for i, line in enumerate(lines) if line.strip() == "Ingo Nürnberger")
    sections: dict[str, tuple[str, str]] = {}
    chapter, code = "", None
    buffer: list[str] = []
    for line in lines[body_start:]:
        if line.strip() in CHAPTERS:
            chapter = line.strip()
        m = re.match(r"Maßnahme:.*\((\S+-\d+)\)\s*$", line.strip())
        if m:
            if code:
                sections[code] = (sections[code][0], "\n".join(buffer))
            code, buffer = m.group(1), []
            sections[code] = (chapter, "")
        elif code:
            buffer.append(line)
    if code:
        sections[code] = (sections[code][0], "\n".join(buffer))
    return sections


def test_cat001_seed_has_48_measures_and_catalogue_has_all_of_them() -> None:
    sections = seed_sections()
    assert len(sections) == 48
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    codes = [m["code"] for m in data["massnahmen"]]
    assert sorted(codes) == sorted(sections)
    assert "540-6" in codes  # missing from the plan's table of contents, present in its body


def test_cat002_every_measure_sits_in_the_chapter_of_the_plan_text() -> None:
    sections = seed_sections()
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    titles = {hf["key"]: hf["titel"] for hf in data["handlungsfelder"]}
    for m in data["massnahmen"]:
        assert titles[m["handlungsfeld"]] == sections[m["code"]][0], m["code"]


def test_cat003_indicator_wording_comes_from_the_plan() -> None:
    """Every indicator's original wording stands in its measure's section of the plan."""
    sections = seed_sections()
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))

    def squash(s: str) -> str:
        return re.sub(r"[\s•]+|<[^>]+>", "", s)

    for m in data["massnahmen"]:
        section = squash(sections[m["code"]][1])
        for ind in m["indikatoren"]:
            for key in ("wortlaut_indikator", "wortlaut_zielwert"):
                if ind.get(key):
                    assert squash(ind[key]) in section, (ind["code"], key)


@pytest.mark.parametrize(("code", "owner", "chapter", "n", "targets", "wording"), EXPECTED)
def test_cat004_measures_match_the_plan_text(
    catalogue_engine: Engine,
    code: str,
    owner: str,
    chapter: str,
    n: int,
    targets: dict[str, tuple[str, float | None]],
    wording: str,
) -> None:
    seed_chapter, section = seed_sections()[code]
    assert seed_chapter == chapter
    assert wording in section
    with catalogue_engine.connect() as conn:
        row = conn.execute(
            select(Organisationseinheit.code, Handlungsfeld.title, Massnahme.id)
            .join(Organisationseinheit, Massnahme.oe_id == Organisationseinheit.id)
            .join(Handlungsfeld, Massnahme.handlungsfeld_id == Handlungsfeld.id)
            .join(Plan, Massnahme.plan_id == Plan.id)
            .where(Plan.key == "2017", Massnahme.code == code)
        ).one()
        assert (row[0], row[1]) == (owner, chapter)
        found = {
            r.code: (r.kind, r.target)
            for r in conn.execute(
                select(Indikator.code, Indikator.kind, Indikator.target).where(
                    Indikator.massnahme_id == row[2]
                )
            )
        }
    assert len(found) == n
    for ind_code, (kind, target) in targets.items():
        assert found[ind_code][0] == kind
        assert found[ind_code][1] == (None if target is None else Decimal(str(target)))


def test_cat005_structured_forms_of_the_hard_cases(catalogue_engine: Engine) -> None:
    with catalogue_engine.connect() as conn:
        rows = {r.code: r for r in conn.execute(select(*Indikator.__table__.c))}
        parent_code = {r.id: r.code for r in rows.values()}
    assert rows["Jobcenter-2.1"].direction == "lower"
    assert rows["510-7.2"].direction == "lower"
    assert rows["Jobcenter-8.1"].reduction_pct == Decimal("5")
    assert rows["Jobcenter-8.1"].aggregation == "last"
    assert rows["REGE-4.1"].aggregation == "sum"
    assert parent_code[rows["REGE-9.3"].parent_id] == "REGE-9.2"
    assert rows["Jobcenter-3.2"].steering is False
    assert rows["510-5.3"].due == dt.date(2017, 3, 31)
    assert rows["510-5.2"].due == dt.date(2018, 3, 31)
    assert rows["540-14.1"].unit == "Meilenstein"


def test_cat006_second_plan_has_eight_clusters_and_categories(catalogue_engine: Engine) -> None:
    with catalogue_engine.connect() as conn:
        plan_id = conn.scalar(select(Plan.id).where(Plan.key == "corona-2021"))
        clusters = conn.execute(
            select(Handlungsfeld.title, Handlungsfeld.budget_eur, Handlungsfeld.budget_text)
            .where(Handlungsfeld.plan_id == plan_id)
            .order_by(Handlungsfeld.position)
        ).all()
        cats = conn.scalars(select(Kategorie.code).where(Kategorie.plan_id == plan_id)).all()
    assert len(clusters) == 8
    assert clusters[0].title == "Aktivierung, Freizeit und Bewegung"
    assert all(c.budget_eur is None and c.budget_text for c in clusters)  # nothing invented
    assert sorted(cats) == ["A", "B", "C"]


def _dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
            for t in (
                "plan",
                "massnahme",
                "indikator",
                "handlungsfeld",
                "organisationseinheit",
                "massnahme_leitsatz",
                "zielprofil",
                "ort",
            )
        }


def test_cat007_loading_twice_changes_nothing(catalogue_engine: Engine) -> None:
    before = _dump(catalogue_engine)
    load_catalogue(catalogue_engine, CATALOGUE)
    assert _dump(catalogue_engine) == before


# A change made to a copy of the plan catalogue before it is loaded.
Change = Callable[[dict[str, Any]], None]


def _broken(tmp_path: Path, change: Change) -> Path:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    data["plan"]["key"] = "test-kaputt"
    change(data)
    path = tmp_path / "kaputt.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _duplicate_measure(data: dict[str, Any]) -> None:
    data["massnahmen"].append(dict(data["massnahmen"][0]))


def _missing_parent(data: dict[str, Any]) -> None:
    data["massnahmen"][0]["indikatoren"][0]["parent"] = "REGE-3.9"


def _bad_target(data: dict[str, Any]) -> None:
    data["massnahmen"][1]["indikatoren"][0]["target"] = "viele"


def _indicator(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for m in data["massnahmen"] for i in m["indikatoren"] if str(i["code"]) == code)


def _share_under_a_count(data: dict[str, Any]) -> None:
    _indicator(data, "Jobcenter-3.6")["parent"] = "Jobcenter-3.1"


def _place_target_without_places(data: dict[str, Any]) -> None:
    _indicator(data, "500-8.1")["orte"] = []


def _place_target_against_the_whole(data: dict[str, Any]) -> None:
    _indicator(data, "500-8.2")["target"] = 1


def _start_after_due(data: dict[str, Any]) -> None:
    _indicator(data, "540-8.1")["start"] = "2017-05-01"


def _strict_count(data: dict[str, Any]) -> None:
    _indicator(data, "REGE-4.1")["strict"] = True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_duplicate_measure, "Maßnahme REGE-3: Code kommt doppelt vor"),
        (_missing_parent, "übergeordneter Indikator „REGE-3.9“ gibt es nicht"),
        (_bad_target, "„target“ muss eine Zahl sein, gefunden: „viele“"),
        (_share_under_a_count, "ein Darunter-Wert braucht dieselbe Einheit"),
        (_place_target_without_places, "„target_per_place“ braucht die Orte"),
        (_place_target_against_the_whole, "muss „target_per_place“ × Anzahl der Orte sein"),
        (_start_after_due, "„start“ (2017-05-01) liegt nach „due“ (2017-04-30)"),
        (_strict_count, "„strict“ („mehr als“) gilt nur für Quoten und Obergrenzen"),
    ],
)
def test_cat008_bad_catalogue_is_refused_with_place_and_nothing_written(
    catalogue_engine: Engine,
    tmp_path: Path,
    change: Change,
    message: str,
) -> None:
    path = _broken(tmp_path, change)
    before = _dump(catalogue_engine)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(catalogue_engine, path)
    assert any(message in p and "kaputt.yaml, Zeile " in p for p in info.value.problems), (
        info.value.problems
    )
    assert _dump(catalogue_engine) == before
    with catalogue_engine.connect() as conn:
        assert (
            conn.scalar(select(func.count()).select_from(Plan).where(Plan.key == "test-kaputt"))
            == 0
        )


def test_cat009_changed_entries_land_in_the_audit_trail(
    catalogue_engine: Engine, tmp_path: Path
) -> None:
    from db.audit_trail import audit_entries

    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    rege4 = next(m for m in data["massnahmen"] if m["code"] == "REGE-4")
    rege4["indikatoren"][0]["target"] = 44
    path = tmp_path / "bielefeld_2017.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = len(audit_entries(catalogue_engine, limit=10_000))
    result = load_catalogue(catalogue_engine, path, actor="controlling-test")
    assert result.changes == 1
    entries = audit_entries(catalogue_engine, limit=10_000)
    assert len(entries) == before + 1
    newest = entries[0]
    assert (newest["actor"], newest["entity"], newest["key"]) == (
        "controlling-test",
        "indikator",
        "REGE-4.1",
    )
    assert '"target": "42' in newest["old"] and '"target": "44' in newest["new"]
    assert load_catalogue(catalogue_engine, path).changes == 0


def _seed_text() -> str:
    return " ".join(SEED.read_text(encoding="utf-8").split())


def _quotes(hinweis: str) -> list[str]:
    """The plan sentences a hinweis quotes („…“), split at an ellipsis."""
    quoted = re.findall(r"„(.+?)“(?=[ .;,)]|$)", hinweis)
    return [part.strip() for q in quoted for part in q.split("…") if len(part.strip()) > 8]


TIMED = {  # indicator: (start, due, words of the plan that set the timing)
    "510-1.1": (dt.date(2017, 8, 1), dt.date(2018, 7, 31), "Im Kita-Jahr 2017/2018 werden"),
    "510-1.2": (dt.date(2018, 1, 1), dt.date(2018, 12, 31), "Im Jahr 2018 werden in Dornberg"),
    "540-8.1": (dt.date(2017, 4, 1), dt.date(2017, 4, 30), "„Kultur und Demenz“ im April 2017"),
    "540-8.2": (dt.date(2017, 4, 1), dt.date(2017, 4, 30), "„Kultur und Demenz“ im April 2017"),
    "540-6.1": (dt.date(2017, 9, 1), dt.date(2017, 12, 31), "(bis nach den Sommerferien 2017)"),
}
STOCKS = ["500-9.1", "510-4.2", "REGE-7.1", "REGE-9.2", "REGE-9.3", "REGE-10.1", "REGE-11.1"]
STOCKS += ["REGE-12.1", "540-3.1", "500-4.1"]  # the last two were levels before (kind rate)


def test_cat010_the_seven_false_lights_are_set_right(catalogue_engine: Engine) -> None:
    seed = _seed_text()
    with catalogue_engine.connect() as conn:
        rows = {r.code: r for r in conn.execute(select(*Indikator.__table__.c))}
        code_of = {r.id: r.code for r in rows.values()}
        places = {
            code: [
                name
                for (name,) in conn.execute(
                    select(Ort.name)
                    .join(indikator_ort, indikator_ort.c.ort_id == Ort.id)
                    .where(indikator_ort.c.indikator_id == rows[code].id)
                    .order_by(indikator_ort.c.position)
                )
            ]
            for code in ("500-8.1", "500-8.2")
        }
    quartiere = ["Heepen", "Sennestadt", "Jöllenbeck", "Stieghorst"]
    assert "In jedem ausgewählten Quartier (Heepen, Sennestadt, Jöllenbeck, Stieghorst)" in seed
    for code in ("500-8.1", "500-8.2"):
        assert places[code] == quartiere  # the plan's order, not the alphabet
        assert (rows[code].target_per_place, rows[code].target) == (Decimal("1"), Decimal("4"))
    for code, (start, due, words) in TIMED.items():
        assert (rows[code].start, rows[code].due) == (start, due), code
        assert words in seed
        quoted = _quotes(rows[code].hinweis)
        assert quoted, f"{code}: hinweis zitiert den Plan nicht"
        for sentence in quoted:
            assert sentence in seed, (code, sentence)
    for code in STOCKS:
        assert rows[code].aggregation == "last", code
    assert rows["REGE-9.1"].aggregation == "sum"  # placements are new cases: a flow
    assert "monatlichen Tabelle dokumentiert" in seed  # REGE-7's Datenquelle
    assert "mehr als 50%" in seed
    assert rows["540-1.1"].strict and rows["540-1.2"].strict
    assert not rows["REGE-1.1"].strict
    assert code_of[rows["REGE-10.1"].parent_id] == "REGE-9.2"  # across measures
    assert rows["Jobcenter-3.6"].parent_id is None  # a share is not part of a count


def test_cat011_every_count_says_flow_or_stock() -> None:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    unstated = [
        i["code"]
        for m in data["massnahmen"]
        for i in m["indikatoren"]
        if i["kind"] in ("count", "money") and i.get("aggregation") not in ("sum", "last")
    ]
    assert unstated == []


def test_cat012_text_defects_fixed(catalogue_engine: Engine) -> None:
    with catalogue_engine.connect() as conn:
        measures = {r.code: r for r in conn.execute(select(*Massnahme.__table__.c))}
        leitsaetze = conn.execute(
            text(
                "SELECT l.number FROM massnahme_leitsatz ml JOIN leitsatz l ON l.id = ml.leitsatz_id "
                "JOIN massnahme m ON m.id = ml.massnahme_id WHERE m.code = '500-6' ORDER BY 1"
            )
        ).scalars()
        assert list(leitsaetze) == [4, 5]
    assert "Wir sichern die Teilhabe" in measures["500-6"].leitsatz_wortlaut
    for m in measures.values():
        for column in ("zielsetzung", "weitere_angaben", "aufwand", "ausgangslage"):
            assert "-----" not in (getattr(m, column) or ""), (m.code, column)
    assert measures["540-6"].aufwand_eur == Decimal("5500")  # ca. 4.000 € + 1.500 €
    assert "ca. 4.000 €" in measures["540-6"].aufwand and "1.500 €" in measures["540-6"].aufwand
