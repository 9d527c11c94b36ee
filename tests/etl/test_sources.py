"""Each source profile with the drift of real files: title rows, stacked merged headers, footnote
markers, symbols, text numbers, date serials, moved columns, footers, a second run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlwt
from sqlalchemy import Engine, select

from db.models import Indikator, Messwert, Ort
from tests.etl.conftest import dump, write_csv, write_xlsx
from zielcockpit.services.imports import import_files
from zielcockpit.settings import CATALOGUE_DIR, Settings


def _values(engine: Engine) -> dict[tuple[str, str, str | None], tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Indikator.code,
                Messwert.period,
                Ort.name,
                Messwert.value,
                Messwert.symbol,
                Messwert.source_sheet,
                Messwert.source_cell,
            )
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .outerjoin(Ort, Ort.id == Messwert.ort_id)
            .where(Messwert.demo.is_(False))
        ).all()
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


# -- BA Eckwerte -----------------------------------------------------------------------------


def eckwerte(path: Path, *, stacked: bool = True, sgb2_value: object = "6,0") -> Path:
    """A BA „Arbeitsmarkt in Zahlen“ workbook as the public downloads look."""
    data: list[list[Any]] = [
        ["Eckwerte des Arbeitsmarktes"],
        ["Bielefeld, Stadt (05711)"],
        ["Berichtsmonat: Juni 2017"],
        [],
    ]
    if stacked:
        data += [
            ["Merkmal", "Juni 2017", None, None, "Veränderung gegenüber Vorjahresmonat", None],
            [
                None,
                "Insgesamt",
                "Rechtskreis\nSGB III 1)",
                "Rechtskreis\nSGB II 2) 4)",
                "absolut",
                "in %",
            ],
        ]
    else:
        data += [
            [
                "Merkmal",
                "Insgesamt",
                "Rechtskreis SGB III",
                "Rechtskreis SGB II 3)",
                "Vorjahresmonat",
                "Veränderung in %",
            ]
        ]
    data += [
        ["Arbeitslose", None, None, None, None, None],
        ["insgesamt", 12345, 3456, 8889, -321, -2.5],
        ["Jüngere unter 25 Jahren", 1234, 456, 778, -12, -1.0],
        ["Alleinerziehende", 1500, 120, 1380, 10, 0.7],
        [
            "Arbeitslosenquote bezogen auf alle zivilen Erwerbspersonen",
            None,
            None,
            None,
            None,
            None,
        ],
        ["insgesamt", "7,9", "2,2", "5,7", "-0,3", None],
        ["15 bis unter 25 Jahre", "7,1", "2,0", sgb2_value, "-0,2", None],
        [],
        ["© Statistik der Bundesagentur für Arbeit"],
        ["1) Rechtskreis SGB III: Agenturen für Arbeit; 15 bis unter 25 Jahre 9,9"],
    ]
    merges = ["B5:D5", "E5:F5", "A5:A6"] if stacked else []
    return write_xlsx(
        path,
        {
            "Deckblatt": [["Arbeitsmarktreport"], [], ["Berichtsmonat: Juni 2017"]],
            "Impressum": [["Herausgeber: Bundesagentur für Arbeit"]],
            "Inhaltsverzeichnis": [["Zeichenerklärung"], ["*", "Zahlenwert unbekannt oder geheim"]],
            "1.1 Eckwerte": data,
            "2.1 Zugang": [["Zugang an Arbeitslosen"]],
        },
        merges={"1.1 Eckwerte": merges},
    )


@pytest.mark.parametrize("stacked", [True, False])
def test_ba_eckwerte(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings, stacked: bool
) -> None:
    path = eckwerte(tmp_path / "bm-05711-0-201706-xlsx.xlsx", stacked=stacked)
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert report.profile == "ba_eckwerte"
    cell = "D13" if stacked else "D12"
    assert _values(catalogue_engine) == {
        ("Jobcenter-2.1", "2017-06", None): (Decimal("6"), None, "1.1 Eckwerte", cell)
    }


def test_ba_eckwerte_month_from_cover_or_file_name(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = eckwerte(tmp_path / "bm-05711-0-201705-xlsx.xlsx", stacked=False)
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    # the sheet's own title says June; the file name (May) comes last
    assert report.status == "ok"
    assert ("Jobcenter-2.1", "2017-06", None) in _values(catalogue_engine)


def test_ba_eckwerte_symbol(catalogue_engine: Engine, tmp_path: Path, settings: Settings) -> None:
    path = eckwerte(tmp_path / "eckwerte.xlsx", sgb2_value="*")
    assert import_files(catalogue_engine, [path], user="x", settings=settings).status == "ok"
    assert _values(catalogue_engine)[("Jobcenter-2.1", "2017-06", None)][:2] == (None, "*")


def test_ba_eckwerte_without_the_row_is_rejected(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = write_xlsx(
        tmp_path / "eckwerte.xlsx",
        {"1.1 Eckwerte": [["Merkmal", "Insgesamt", "Rechtskreis SGB II"], ["Arbeitslose", 1, 2]]},
    )
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "rejected"
    assert "nicht gefunden" in report.all_errors[0].message
    assert "15 bis unter 25" in report.all_errors[0].message


# -- BA Sonderauswertung ---------------------------------------------------------------------


def sonderauswertung(path: Path, *, serials: bool = True, sieker: object = 120) -> Path:
    periods: list[Any] = (
        [42735, 42825, 42916] if serials else ["Dezember 2016", "März 2017", "Juni 2017"]
    )
    rows: list[list[Any]] = [
        ["Statistik der Bundesagentur für Arbeit"],
        ["Sonderauswertung: Arbeitslose nach Stadtbezirken und Stadtteilen"],
        ["Bielefeld, Stadt"],
        [],
        ["Stadtbezirk", "Stadtteil", "Arbeitslose 1)", None, None, None, None, None],
        [None, None, "insgesamt", None, None, "darunter Alleinerziehende 2)", None, None],
        [None, None, *periods, *periods],
        ["01 Mitte", "011 Altstadt", 800, 790, 780, 90, 85, 80],
        [None, "Sieker", 700, 690, 650, 127, 125, sieker],
        ["07 Heepen", "071 Baumheide", 650, 640, 630, 151, 150, 147],
        [None, "072 Heepen", 500, 490, 480, "*", "*", "*"],
        ["09 Sennestadt", "insgesamt", 900, 890, 880, 182, 178, 176],
        [None, "091 Sennestadt-Süd", 300, 290, 280, 60, 58, 57],
        [],
        ["© Statistik der Bundesagentur für Arbeit"],
        ["Erstellungsdatum: 05.07.2017"],
    ]
    return write_xlsx(
        path,
        {"Hinweise": [["Sonderauswertung für die Stadt Bielefeld"]], "Tabelle": rows},
        merges={"Tabelle": ["A5:A7", "B5:B7", "C5:H5", "C6:E6", "F6:H6"]},
    )


@pytest.mark.parametrize("serials", [True, False])
def test_ba_sonderauswertung_per_place(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings, serials: bool
) -> None:
    path = sonderauswertung(tmp_path / "sonderauswertung.xlsx", serials=serials)
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert report.profile == "ba_sonderauswertung"
    values = {k: v[0] for k, v in _values(catalogue_engine).items()}
    assert values == {
        ("Jobcenter-8.1", "2016-12", "Sennestadt"): Decimal("182"),
        ("Jobcenter-8.1", "2017-03", "Sennestadt"): Decimal("178"),
        ("Jobcenter-8.1", "2017-06", "Sennestadt"): Decimal("176"),
        ("Jobcenter-8.1", "2016-12", "Baumheide"): Decimal("151"),
        ("Jobcenter-8.1", "2017-03", "Baumheide"): Decimal("150"),
        ("Jobcenter-8.1", "2017-06", "Baumheide"): Decimal("147"),
        ("Jobcenter-8.1", "2016-12", "Sieker"): Decimal("127"),
        ("Jobcenter-8.1", "2017-03", "Sieker"): Decimal("125"),
        ("Jobcenter-8.1", "2017-06", "Sieker"): Decimal("120"),
    }
    assert _values(catalogue_engine)[("Jobcenter-8.1", "2017-06", "Sieker")][2:] == (
        "Tabelle",
        "H9",
    )


def test_ba_sonderauswertung_darunter_column_larger_than_total(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = sonderauswertung(tmp_path / "sonderauswertung.xlsx", sieker=9999)
    before = dump(catalogue_engine)
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "rejected"
    error = report.all_errors[0]
    assert (error.sheet, error.cell, error.value) == ("Tabelle", "H9", "9999")
    assert "Darunter-Wert" in error.message and "E9" in error.message
    assert dump(catalogue_engine) == before


# -- BA CSV ------------------------------------------------------------------------------------


def test_ba_csv(catalogue_engine: Engine, tmp_path: Path, settings: Settings) -> None:
    path = write_csv(
        tmp_path / "ba_download.csv",
        [
            "Statistik der Bundesagentur für Arbeit;;;;",
            "Berichtsmonat:;Juni 2017;;;",
            "Region:;Bielefeld, Stadt;;;",
            "Rechtskreis:;SGB III, SGB II;;;",
            ";;;;",
            "Ausgewählte Merkmale;Juni 2017;Mai 2017;Juni 2016;Veränderung gegenüber Vorjahresmonat absolut",
            "Arbeitslose;12.345;12.500;12.666;-321",
            "im Rechtskreis SGB II;8.889;8.950;9.001;-112",
            "Jüngere unter 25 Jahren;1.234;1.250;1.246;-12",
            "Arbeitslosenquote bezogen auf alle zivilen Erwerbspersonen;;;;",
            "insgesamt;7,9;8,0;8,2;-0,3",
            "Jüngere unter 25 Jahren im Rechtskreis SGB II;6,1;6,2;6,4;-0,3",
            "© Statistik der Bundesagentur für Arbeit;;;;",
        ],
        encoding="cp1252",
    )
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert report.profile == "ba_csv"
    assert _values(catalogue_engine) == {
        ("Jobcenter-2.1", "2017-06", None): (Decimal("6.1"), None, None, "B12")
    }


# -- REKOM -------------------------------------------------------------------------------------


def test_rekom_with_moved_columns_and_abbreviations(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    q1: list[list[Any]] = [
        ["REKOM – Vermittlungen junger Menschen 2017"],
        [],
        ["Maßnahme", "Monat", "Teilnehmende", "Vermittlungen", None, None, "Quote"],
        [None, None, None, "Ausbildung", "Arbeit", "ges.", None],
        ["REGE-4", "Januar", 30, 2, 1, 3, None],
        ["REGE-4", "Februar", 31, 1, 2, 3, None],
        ["REGE-4", "März", 29, "2", "2", "4", None],
        ["REGE-2 Ausbildungsplatzakquise", "März", 15, 5, 0, 5, None],
        ["Jugend – Übergangsmanagement", "März", 40, None, None, None, 0.425],
        ["REGE-3", "März", 10, 1, 0, 1, None],
        ["Summe", None, 155, 11, 5, 16, None],
    ]
    q2: list[list[Any]] = [
        ["REKOM 2. Quartal"],
        ["Quote", "Vermittlung gesamt", "Zeitraum", "Maßnahme"],
        [None, 7, "2. Quartal 2017", "REGE-4"],
        ["80 %", None, "Q2/2017", "REGE-5"],
    ]
    path = write_xlsx(
        tmp_path / "rekom.xlsx",
        {"2017 Q1": q1, "2017 Q2": q2},
        merges={"2017 Q1": ["D3:F3"]},
        formats={"2017 Q1": {"G9": "0.0%"}},
    )
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert report.profile == "rekom"
    values = {k: v[0] for k, v in _values(catalogue_engine).items()}
    assert values == {
        ("REGE-4.1", "2017-01", None): Decimal("3"),
        ("REGE-4.1", "2017-02", None): Decimal("3"),
        ("REGE-4.1", "2017-03", None): Decimal("4"),
        ("REGE-2.1", "2017-03", None): Decimal("5"),
        ("REGE-1.1", "2017-03", None): Decimal("42.5"),
        ("REGE-4.1", "2017-Q2", None): Decimal("7"),
        ("REGE-5.1", "2017-Q2", None): Decimal("80"),
    }


def test_rekom_unknown_measure_is_named_with_its_cell(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = write_xlsx(
        tmp_path / "rekom.xlsx",
        {"2017": [["Maßnahme", "Quartal", "Vermittlungen gesamt"], ["REGE-99", "Q1", 3]]},
    )
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "rejected"
    error = report.all_errors[0]
    assert (error.sheet, error.cell, error.value) == ("2017", "A2", "REGE-99")
    assert "Maßnahme gibt es im Katalog nicht" in error.message


# -- KAF ---------------------------------------------------------------------------------------


def kaf(path: Path, *, darunter: object = 12) -> Path:
    rows: list[list[Any]] = [
        ["KAF-Projektcontrolling 2017"],
        ["Berichtszeitraum: 2. Quartal 2017"],
        [],
        [
            "Projekt",
            "Quartier",
            "Monat",
            "Teilnehmende im Coaching",
            "darunter aus Stadtumbaugebieten",
            "Vermittlungen sozialversicherungspflichtig",
            "Erreichte Kinder und Eltern",
            "Kosten (EUR)",
        ],
        ["Bildungslotsin Theodora", "gesamt", "April 2017", 20, 8, 2, None, "1.250,00"],
        [None, "gesamt", "Mai 2017", 22, 9, 1, None, 1250],
        ["Integrationslotsen", "Sennestadt", "April 2017", 10, 4, 1, None, 800],
        [None, "Sieker", "April 2017", 5, 2, 0, None, 400],
        [None, "gesamt", "Mai 2017", 17, darunter, 2, None, 1300],
        ["Ernährungsbildung", "gesamt", "April 2017", None, None, None, 210, 500],
        ["Ernährungsbildung", "gesamt", "Mai 2017", None, None, None, "*", 500],
        [],
        ["Quelle: REGE mbH, Projektcontrolling"],
    ]
    return write_xlsx(path, {"Projekte": rows})


def test_kaf_sums_projects_and_uses_place_rows_only_without_a_total(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    report = import_files(
        catalogue_engine, [kaf(tmp_path / "kaf.xlsx")], user="x", settings=settings
    )
    assert report.status == "ok", report.lines()
    assert report.profile == "kaf"
    values = {k: (v[0], v[1]) for k, v in _values(catalogue_engine).items()}
    n = Decimal
    assert values == {
        ("REGE-9.2", "2017-04", None): (n("35"), None),  # 20 + (10 + 5: no total row in April)
        ("REGE-9.2", "2017-05", None): (n("39"), None),  # 22 + 17
        ("REGE-9.3", "2017-04", None): (n("14"), None),
        ("REGE-9.3", "2017-05", None): (n("21"), None),
        ("REGE-9.1", "2017-04", None): (n("3"), None),
        ("REGE-9.1", "2017-05", None): (n("3"), None),
        ("REGE-10.1", "2017-04", None): (n("20"), None),
        ("REGE-10.1", "2017-05", None): (n("22"), None),
        ("REGE-11.1", "2017-04", None): (n("15"), None),
        ("REGE-11.1", "2017-05", None): (n("17"), None),
        ("REGE-13.1", "2017-04", None): (n("210"), None),
        ("REGE-13.1", "2017-05", None): (None, "*"),
    }
    cells = _values(catalogue_engine)[("REGE-9.2", "2017-04", None)][3]
    assert cells == "D5,D7,D8"


def test_kaf_darunter_larger_than_its_column_is_rejected(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    before = dump(catalogue_engine)
    report = import_files(
        catalogue_engine, [kaf(tmp_path / "kaf.xlsx", darunter=30)], user="x", settings=settings
    )
    assert report.status == "rejected"
    cells = {(e.cell, e.value) for e in report.all_errors}
    assert ("E9", "30") in cells
    assert dump(catalogue_engine) == before


# -- .xls and the catalogue ------------------------------------------------------------------


def test_intact_old_xls_is_read(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Werte")
    sheet.write_merge(0, 0, 0, 2, "Ist-Werte 540")
    for c, label in enumerate(["Indikator", "Zeitraum", "Wert"]):
        sheet.write(2, c, label)
    sheet.write(3, 0, "540-8.1")
    sheet.write(3, 1, "2. Quartal 2017")
    sheet.write(3, 2, 17)
    sheet.write(4, 0, "540-9.1")
    sheet.write(4, 1, "2017-Q2")
    sheet.write(4, 2, "im Plan")
    path = tmp_path / "alt.xls"
    book.save(str(path))
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    values = _values(catalogue_engine)
    assert values[("540-8.1", "2017-Q2", None)] == (Decimal("17"), None, "Werte", "C4")


def test_catalogue_file_is_an_import_source(
    empty_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    catalogue = CATALOGUE_DIR / "bielefeld_2017.yaml"
    report = import_files(empty_engine, [catalogue], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert report.profile == "katalog"
    with empty_engine.connect() as conn:
        assert conn.execute(select(Indikator.code).where(Indikator.code == "REGE-9.3")).scalar_one()


def test_date_cells_as_period_column(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = write_xlsx(
        tmp_path / "daten.xlsx",
        {"W": [["Indikator", "Zeitraum", "Wert"], ["REGE-7.1", dt.date(2017, 5, 1), 12]]},
    )
    assert import_files(catalogue_engine, [path], user="x", settings=settings).status == "ok"
    assert ("REGE-7.1", "2017-05", None) in _values(catalogue_engine)
