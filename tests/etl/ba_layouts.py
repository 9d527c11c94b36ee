"""The known layouts of the public BA files (docs sources.md), built with openpyxl: fixtures of their
own, apart from the generated variations in layouts.py.

Each builder writes one workbook as the Bundesagentur publishes it and documents where it differs
from the neat test files the profiles were first written with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.etl.conftest import write_xlsx

# The values the two real failures of issue 13 must deliver.
ECKWERTE_SGB2_U25 = "6,4"  # Arbeitslosenquote SGB II, 15 bis unter 25 Jahre, Juni 2017
SONDER_MONTHS = (42705, 42795, 42887)  # 01.12.2016, 01.03.2017, 01.06.2017 as Excel serials
SONDER_ALLEINERZIEHENDE = {
    "Sennestadt": (182, 178, 176),
    "Baumheide": (151, 150, 147),
    "Sieker": (127, 125, 120),
}
SONDER_PERIODS = ("2016-12", "2017-03", "2017-06")


def eckwerte_cover(month: str = "Juni 2017") -> list[list[Any]]:
    return [
        ["Statistik der Bundesagentur für Arbeit"],
        [],
        ["Arbeitsmarktreport"],
        ["Bielefeld, Stadt"],
        [f"Berichtsmonat: {month}"],
        [],
        ["Impressum siehe nächstes Blatt"],
    ]


def real_eckwerte(
    path: Path,
    *,
    month: str | None = "Juni 2017",
    sgb2_header: str | None = "Juni 2017",
    title: str = "Juni 2017",
) -> Path:
    """The first real failure of issue 13: an „Arbeitsmarkt in Zahlen“ workbook.

    Cover, Impressum and Inhaltsverzeichnis in front; on „1.1 Eckwerte“ a stacked merged header
    („Juni 2017“ over „Insgesamt“ / „Rechtskreis SGB III 1)“ / „Rechtskreis SGB II 2)“, then the
    comparison columns), a column-numbering row under it, and the section row
    „Arbeitslosenquoten bezogen auf alle zivilen Erwerbspersonen 4)“ (plural, footnote marker).
    `month`, `sgb2_header`: the months over the Insgesamt/SGB III and over the SGB II column (the
    SGB II one older when its data lag); None: no month in the header, the title says it.
    """
    data: list[list[Any]] = [
        ["Eckwerte des Arbeitsmarktes"],
        ["Bielefeld, Stadt (05711)"],
        [title],
        [],
        [
            "Merkmal",
            month,
            None,
            sgb2_header,
            "Veränderung gegenüber\nVorjahresmonat",
            None,
            "Vormonat",
        ],
        [
            None,
            "Insgesamt",
            "Rechtskreis\nSGB III 1)",
            "Rechtskreis\nSGB II 2)",
            "absolut",
            "in %",
            "Insgesamt",
        ],
        [None, 1, 2, 3, 4, 5, 6],
        ["Arbeitslose", 12345, 3456, 8889, -321, -2.5, 12500],
        ["darunter:", None, None, None, None, None, None],
        ["Männer", 6800, 1900, 4900, -150, -2.2, 6900],
        ["Frauen", 5545, 1556, 3989, -171, -3.0, 5600],
        ["Jüngere unter 25 Jahren", 1234, 456, 778, -12, -1.0, 1250],
        ["Alleinerziehende", 1500, 120, 1380, 10, 0.7, 1490],
        ["Arbeitslosenquoten bezogen auf alle zivilen Erwerbspersonen 4)"] + [None] * 6,
        ["insgesamt", "7,9", "2,2", "5,7", "-0,3", None, "8,0"],
        ["Männer", "8,3", "2,3", "6,0", "-0,3", None, "8,4"],
        ["Frauen", "7,4", "2,1", "5,3", "-0,3", None, "7,5"],
        ["15 bis unter 25 Jahre", "7,1", "2,0", ECKWERTE_SGB2_U25, "-0,2", None, "7,3"],
        ["15 bis unter 20 Jahre", "4,0", "1,6", "2,4", "-0,1", None, "4,1"],
        ["Ausländer", "18,2", "3,1", "15,1", "0,4", None, "18,0"],
        [],
        ["© Statistik der Bundesagentur für Arbeit"],
        ["1) Rechtskreis SGB III: Agenturen für Arbeit; 15 bis unter 25 Jahre 9,9"],
        ["2) Rechtskreis SGB II: Jobcenter"],
        ["4) Bezugsgröße: alle zivilen Erwerbspersonen"],
    ]
    merges = ["A5:A6", "E5:F5"]
    if month is not None:
        merges.append("B5:D5" if sgb2_header == month else "B5:C5")
    return write_xlsx(
        path,
        {
            "Deckblatt": eckwerte_cover(),
            "Impressum": [["Herausgeber: Bundesagentur für Arbeit, Statistik"]],
            "Inhaltsverzeichnis": [
                ["Inhaltsverzeichnis"],
                ["1.1 Eckwerte"],
                ["Zeichenerklärung"],
                ["*", "Zahlenwert unbekannt oder geheimzuhalten"],
                ["-", "nichts vorhanden"],
            ],
            "1.1 Eckwerte": data,
            "1.2 Eckwerte Zeitreihe": [
                ["Eckwerte Zeitreihe"],
                [],
                ["Merkmal", "Jun 2016", "Dez 2016", "Jun 2017"],
                ["Arbeitslose", 12666, 12100, 12345],
            ],
            "2.1 Zugang": [["Zugang an Arbeitslosen"], [], ["Merkmal", "Insgesamt"], ["X", 1]],
            "3.1 Bedarfsgemeinschaften": [
                ["Bedarfsgemeinschaften (Wartezeit 3 Monate)"],
                ["Berichtsmonat: März 2017"],
            ],
        },
        merges={"1.1 Eckwerte": merges},
    )


def real_sonderauswertung(
    path: Path, *, region_titles: str = "merged", brackwede_sued: bool = False
) -> Path:
    """The second real failure of issue 13: a Sonderauswertung by Stadtteil.

    A notes sheet in front; on the data sheet a title naming „Alleinerziehende“, three stacked
    header rows („Arbeitslose“ over „darunter Alleinerziehende“ over months as Excel date serials,
    merged across), a „Stadtbezirk“ column written only on a block's first row, a „Stadtteil“
    column with „code name“ labels, „*“ for small numbers and the BA footer.

    `region_titles`: where the titles „Stadtbezirk“/„Stadtteil“ stand: merged over the three
    header rows, only on the top row, or only on the bottom row (months row).
    """
    sen, bau, sie = (SONDER_ALLEINERZIEHENDE[p] for p in ("Sennestadt", "Baumheide", "Sieker"))
    top = ["Stadtbezirk", "Stadtteil"] if region_titles in ("merged", "top") else [None, None]
    bottom = ["Stadtbezirk", "Stadtteil"] if region_titles == "bottom" else [None, None]
    rows: list[list[Any]] = [
        ["Statistik der Bundesagentur für Arbeit"],
        ["Arbeitslose Alleinerziehende nach Stadtbezirken und Stadtteilen"],
        ["Bielefeld, Stadt"],
        ["Berichtsmonate: Dezember 2016 bis Juni 2017"],
        [],
        [*top, "Arbeitslose", None, None],
        [None, None, "darunter Alleinerziehende 1)", None, None],
        [*bottom, *SONDER_MONTHS],
        ["01 Mitte", "011 Altstadt", 90, 85, 80],
        [None, "012 Nördlicher Innenstadtrand", 70, "*", 66],
        ["02 Heepen", "021 Baumheide", *bau],
        [None, "022 Heepen", "*", "*", "*"],
        ["08 Stieghorst", "081 Sieker", *sie],
        [None, "082 Stieghorst", 40, 41, 39],
    ]
    if brackwede_sued:
        rows.append(["06 Brackwede", "061 Brackwede-Süd", 33, 31, 30])
    rows += [
        ["09 Sennestadt", "091 Sennestadt", *sen],
        [None, "092 Dalbke", 12, 11, "*"],
        [],
        ["© Statistik der Bundesagentur für Arbeit"],
        ["Erstellungsdatum: 12.07.2017"],
        ["1) Alleinerziehende: Personen, die mit minderjährigen Kindern zusammenleben"],
    ]
    merges = ["C6:E6", "C7:E7"]
    if region_titles == "merged":
        merges += ["A6:A8", "B6:B8"]
    return write_xlsx(
        path,
        {
            "Hinweise": [["Sonderauswertung für die Stadt Bielefeld"], ["Auftrag 2017-0815"]],
            "Stadtteile": rows,
        },
        merges={"Stadtteile": merges},
    )
