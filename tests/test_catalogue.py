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

from db.catalogue import CatalogueError, load_catalogue
from db.models import Handlungsfeld, Indikator, Kategorie, Massnahme, Organisationseinheit, Plan
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


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_duplicate_measure, "Maßnahme REGE-3: Code kommt doppelt vor"),
        (_missing_parent, "übergeordneter Indikator „REGE-3.9“ gibt es nicht"),
        (_bad_target, "„target“ muss eine Zahl sein, gefunden: „viele“"),
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
