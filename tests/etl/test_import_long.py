"""The plain long format end to end on SQLite and PostgreSQL: values, symbols, milestones,
provenance, archive, idempotence, corrections with history, dry run, CSV encodings."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.models import ImportRun, Indikator, Kommentar, Messwert, MesswertVersion, Ort
from tests.etl.conftest import dump, write_csv, write_xlsx
from zielcockpit.services.imports import import_files
from zielcockpit.settings import Settings

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

ROWS: list[list[Any]] = [
    ["Ist-Werte der REGE mbH", None, None, None, None],
    ["Berichtszeitraum 2. Quartal 2017", None, None, None, None],
    [],
    ["Zeitraum", "Indikator", "Wert 1)", "Ort", "Kommentar"],
    ["2. Quartal 2017", "REGE-4.1", 12, None, "Zwei Vermittlungen folgen im Juli."],
    ["Juni 2017", "Jobcenter-2.1", "5,9 %", None, None],
    ["Q2/2017", "REGE-10.1", "*", None, None],
    ["2017-Q2", "510-5.1", "erledigt", None, None],
    [42887, "Jobcenter-8.1", "1.234", "09 Sennestadt", None],
    ["06/2017", "Jobcenter-6.1", "12.500,50 €", None, None],
    [None, None, None, None, None],
    ["Quelle: eigene Erhebung", None, None, None, None],
]


def _values(engine: Engine) -> dict[tuple[str, str, str | None], tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Indikator.code,
                Messwert.period,
                Ort.name,
                Messwert.value,
                Messwert.symbol,
                Messwert.status,
                Messwert.source_sheet,
                Messwert.source_cell,
                Messwert.import_run_id,
                Messwert.recorded_by,
            )
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .outerjoin(Ort, Ort.id == Messwert.ort_id)
            .where(Messwert.demo.is_(False))
        ).all()
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


def test_long_format_writes_every_kind_of_value_with_provenance(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = write_xlsx(tmp_path / "ist.xlsx", {"Werte": ROWS})
    report = import_files(catalogue_engine, [path], user="controller", settings=settings)
    assert report.status == "ok", report.lines()
    assert report.profile == "langformat"
    assert report.files[0].detected
    values = _values(catalogue_engine)
    assert values[("REGE-4.1", "2017-Q2", None)][:3] == (Decimal("12"), None, None)
    assert values[("Jobcenter-2.1", "2017-06", None)][:3] == (Decimal("5.9"), None, None)
    # a symbol is stored as a symbol, never as 0
    assert values[("REGE-10.1", "2017-Q2", None)][:3] == (None, "*", None)
    assert values[("510-5.1", "2017-Q2", None)][:3] == (None, None, "erledigt")
    assert values[("Jobcenter-8.1", "2017-06", "Sennestadt")][0] == Decimal("1234")
    assert values[("Jobcenter-6.1", "2017-06", None)][0] == Decimal("12500.5")
    # provenance: sheet, cell, run, who
    sheet, cell, run_id, who = values[("REGE-4.1", "2017-Q2", None)][3:]
    assert (sheet, cell, who) == ("Werte", "C5", "controller")
    with catalogue_engine.connect() as conn:
        run = conn.execute(select(ImportRun).where(ImportRun.id == run_id)).one()
        comment = conn.execute(
            select(Kommentar.text, Kommentar.period, Kommentar.import_run_id)
        ).one()
    assert run.file_name == "ist.xlsx" and run.user_name == "controller"
    assert run.checksum == report.files[0].checksum and len(run.checksum) == 64
    assert run.values_written == 6 and run.profile == "langformat"
    archived = Path(run.archive_path)
    assert archived.read_bytes() == path.read_bytes()
    assert archived.name.startswith(run.checksum)
    assert settings.archive_dir in archived.parents
    assert tuple(comment) == ("Zwei Vermittlungen folgen im Juli.", "2017-Q2", run_id)
    assert json.loads(run.report)["profile_detected"] is True


def test_second_import_changes_nothing(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = write_xlsx(tmp_path / "ist.xlsx", {"Werte": ROWS})
    assert import_files(catalogue_engine, [path], user="a", settings=settings).status == "ok"
    before = dump(catalogue_engine)
    again = import_files(catalogue_engine, [path], user="b", settings=settings)
    assert again.status == "unchanged"
    assert again.as_json()["values_written"] == 0
    assert again.as_json()["values_unchanged"] == 6
    assert any("Unverändert" in line for line in again.lines())
    assert dump(catalogue_engine) == before


def test_corrected_file_updates_only_what_it_corrects_and_keeps_history(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    first = write_xlsx(tmp_path / "ist.xlsx", {"Werte": ROWS})
    import_files(catalogue_engine, [first], user="erster", settings=settings)
    before = _values(catalogue_engine)
    rows = [list(r) for r in ROWS]
    rows[4][2] = 14  # REGE-4.1 corrected
    rows[6][2] = 2  # the suppressed value now known
    corrected = write_xlsx(tmp_path / "ist_korrigiert.xlsx", {"Werte": rows})
    report = import_files(catalogue_engine, [corrected], user="zweiter", settings=settings)
    assert report.status == "ok"
    assert report.as_json()["values_written"] == 2
    assert report.as_json()["values_unchanged"] == 4
    after = _values(catalogue_engine)
    assert after[("REGE-4.1", "2017-Q2", None)][0] == Decimal("14")
    assert after[("REGE-10.1", "2017-Q2", None)][:2] == (Decimal("2"), None)
    for key in before:
        if key[0] not in ("REGE-4.1", "REGE-10.1"):
            assert after[key] == before[key]
    with catalogue_engine.connect() as conn:
        versions = conn.execute(
            select(
                MesswertVersion.value,
                MesswertVersion.symbol,
                MesswertVersion.recorded_by,
                MesswertVersion.replaced_by,
                MesswertVersion.import_run_id,
                MesswertVersion.source_cell,
            ).order_by(MesswertVersion.id)
        ).all()
        runs = conn.execute(select(ImportRun.id, ImportRun.file_name).order_by(ImportRun.id)).all()
    first_run = runs[-2].id
    assert [tuple(v) for v in versions] == [
        (Decimal("12"), None, "erster", "zweiter", first_run, "C5"),
        (None, "*", "erster", "zweiter", first_run, "C7"),
    ]
    assert runs[-1].file_name == "ist_korrigiert.xlsx"
    changes = {(c.indicator, c.old, c.new) for c in report.changes}
    assert ("REGE-4.1", "12", "14") in changes and ("REGE-10.1", "*", "2") in changes


def test_dry_run_shows_changes_and_writes_nothing(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = write_xlsx(tmp_path / "ist.xlsx", {"Werte": ROWS})
    before = dump(catalogue_engine)
    report = import_files(catalogue_engine, [path], dry_run=True, user="x", settings=settings)
    assert report.status == "ok" and report.dry_run
    assert report.as_json()["values_written"] == 6
    assert {c.indicator for c in report.changes} >= {"REGE-4.1", "Jobcenter-8.1"}
    assert all(c.old is None for c in report.changes)
    assert any("Probelauf" in line for line in report.lines())
    assert dump(catalogue_engine) == before
    assert not settings.archive_dir.exists()


def test_real_values_replace_demo_values(
    demo_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    with demo_engine.connect() as conn:
        demo_value = conn.execute(
            select(Messwert.value)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == "REGE-4.1", Messwert.period == "2017-Q2")
        ).scalar_one()
    assert demo_value is not None
    path = write_xlsx(
        tmp_path / "ist.xlsx",
        {"Werte": [["Indikator", "Zeitraum", "Wert"], ["REGE-4.1", "2017-Q2", float(demo_value)]]},
    )
    report = import_files(demo_engine, [path], user="x", settings=settings)
    assert report.as_json()["values_written"] == 1  # same number, but no longer demo data
    assert report.changes[0].old is not None and "Demodaten" in report.changes[0].old
    with demo_engine.connect() as conn:
        demo = conn.execute(
            select(Messwert.demo)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == "REGE-4.1", Messwert.period == "2017-Q2")
        ).scalar_one()
        kept = conn.execute(select(MesswertVersion.demo)).scalars().all()
    assert demo is False and kept == [True]


def test_csv_in_windows_1252_with_decimal_comma(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = write_csv(
        tmp_path / "export.csv",
        [
            "Export aus Fachverfahren;;;",
            "Indikator;Zeitraum;Wert;Bemerkung",
            "Jobcenter-2.1;Mai 2017;6,1;Quote für Jüngere",
            "540-12.1;2. Quartal 2017;47,5;",
            "Jobcenter-8.1;März 2017;.;",
        ],
        encoding="cp1252",
    )
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    values = _values(catalogue_engine)
    assert values[("Jobcenter-2.1", "2017-05", None)][0] == Decimal("6.1")
    assert values[("540-12.1", "2017-Q2", None)][0] == Decimal("47.5")
    assert values[("Jobcenter-8.1", "2017-03", None)][:2] == (None, ".")
    assert values[("Jobcenter-2.1", "2017-05", None)][3] is None  # a CSV has no sheet
    with catalogue_engine.connect() as conn:
        assert conn.execute(select(Kommentar.text)).scalar_one() == "Quote für Jüngere"


def test_csv_in_utf8_with_bom(catalogue_engine: Engine, tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffIndikator;Zeitraum;Ort;Wert\nREGE-9.3;Juni 2017;Sieker;12\n".encode())
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert _values(catalogue_engine)[("REGE-9.3", "2017-06", "Sieker")][0] == Decimal("12")


def test_percent_cells_and_date_cells(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = write_xlsx(
        tmp_path / "quoten.xlsx",
        {
            "Quoten": [
                ["Indikator", "Zeitraum", "Wert"],
                ["REGE-1.1", dt.datetime(2017, 6, 30), 0.45],
                ["510-7.2", "2017-Q2", 0.381],
            ]
        },
        formats={"Quoten": {"C2": "0%", "C3": "0.0%"}},
    )
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    values = _values(catalogue_engine)
    assert values[("REGE-1.1", "2017-06", None)][0] == Decimal("45")
    assert values[("510-7.2", "2017-Q2", None)][0] == Decimal("38.1")


def test_several_files_are_one_unit(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    good = write_xlsx(
        tmp_path / "gut.xlsx",
        {"W": [["Indikator", "Zeitraum", "Wert"], ["REGE-4.1", "2017-Q1", 9]]},
    )
    bad = write_xlsx(
        tmp_path / "schlecht.xlsx",
        {"W": [["Indikator", "Zeitraum", "Wert"], ["REGE-4.1", "2017-Q2", "viele"]]},
    )
    before = dump(catalogue_engine)
    report = import_files(catalogue_engine, [good, bad], user="x", settings=settings)
    assert report.status == "rejected"
    assert [f.status for f in report.files] == ["rejected", "rejected"]
    assert dump(catalogue_engine) == before
    both = import_files(catalogue_engine, [good, good], user="x", settings=settings)
    assert both.status == "ok"
    assert both.as_json()["values_written"] == 1 and both.as_json()["values_unchanged"] == 1


def test_checks_name_every_problem_in_full(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    """The catalogue checks' sentences word for word, each with its cell: a value twice with
    different contents, a darunter value above its parent, a place of another indicator, an
    unknown place and code; the values before and after them are fine (issue 16 sped the
    checks up, the sentences stay)."""
    path = write_xlsx(
        tmp_path / "werte.xlsx",
        {
            "Werte": [
                ["Indikator", "Zeitraum", "Wert", "Ort"],
                ["REGE-4.1", "2017-Q2", 12, None],
                ["REGE-4.1", "2. Quartal 2017", 13, None],
                ["REGE-9.2", "2017-Q2", 100, None],
                ["REGE-9.3", "2017-Q2", 140, None],
                ["Jobcenter-8.1", "2017-06", 5, "Mitte"],
                ["Jobcenter-8.1", "2017-06", 6, "09 Sennestadt"],
                ["Jobcenter-8.1", "2017-05", 7, "Sennestadt"],
                ["REGE-4.1", "2017-Q3", 5, "Atlantis"],
                ["REGE-99.1", "2017-Q3", 5, None],
                ["REGE-4.1", "2017-Q1", 4, None],
            ]
        },
    )
    report = import_files(catalogue_engine, [path], user="test", settings=settings)
    texts = [e.text() for e in report.all_errors]
    assert texts == EXPECTED_CHECK_TEXTS, texts


_AT = "werte.xlsx, Blatt „Werte“, Zelle"
_KNOWN = (
    "Baumheide, Bielefeld, Brackwede, Dornberg, Eckardtsheim, Gadderbaum, Heepen, Hillegossen, "
    "Jöllenbeck, Kammerich, Mitte, Nördlicher Innenstadtrand, Oberlohmannshof, Oldentrup, "
    "Quelle, Schildesche, Senne, Sennestadt, Sieker, Stieghorst, Theesen, Ummeln, Windelsbleiche"
)
EXPECTED_CHECK_TEXTS = [
    f"{_AT} C3: „13“: REGE-4.1 für 2. Quartal 2017 steht zweimal in der Datei mit verschiedenen "
    "Werten: hier 13, in Blatt „Werte“, Zelle C2 12.",
    f"{_AT} C6: „5“: Ort „Mitte“ gehört nicht zu Indikator Jobcenter-8.1 (erlaubt: Baumheide, "
    "Sennestadt, Sieker).",
    f"{_AT} C9: „5“: Unbekannter Ort „Atlantis“: gibt es im Katalog nicht (bekannt: {_KNOWN}).",
    f"{_AT} C10: „5“: Indikator „REGE-99.1“ gibt es im Katalog nicht: erwartet einen "
    "Indikator-Code wie „REGE-4.1“.",
    f"{_AT} C5: „140“: Darunter-Wert REGE-9.3 ist größer als der übergeordnete Wert REGE-9.2 "
    "(100 in Blatt „Werte“, Zelle C4) für 2. Quartal 2017.",
]
