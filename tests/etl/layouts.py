"""A corpus of layouts, not of files: each source's layout built with its real-world drift combined.

A `Drift` says how a sender's file differs from the neat one (title rows, a cover sheet in front,
a column more, columns in another order, labels plural or abbreviated or with footnote markers and
line breaks, stacked merged or unmerged headers, a numbering row, periods as text, date or Excel
serial, numbers as German text, footers, CSV in Windows-1252 or UTF-8). Every builder returns the
file and the values any correct import must read from it, whatever the drift; the property tests
in test_layout_corpus.py draw the drift with hypothesis.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from zielcockpit.domain.periods import MONTHS_DE

MONTHS = MONTHS_DE  # the month names a sender writes out
SHORT = ("Jan", "Feb", "Mrz", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")
# Every spelling of a month that German and Austrian offices write: full, three letters, with
# and without a dot or umlaut, DIN 5008's „Mrz“, Austria's „Jänner“ and „Feber“, „Sept.“.
SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Januar", "Jan", "Jan.", "Jänner", "Jän", "Jän.", "Jaenner", "JANUAR"),
    ("Februar", "Feb", "Feb.", "Feber"),
    ("März", "Mär", "Mär.", "Mrz", "Mrz.", "Maerz", "Marz", "MÄRZ"),
    ("April", "Apr", "Apr."),
    ("Mai", "MAI"),
    ("Juni", "Jun", "Jun.", "juni"),
    ("Juli", "Jul", "Jul."),
    ("August", "Aug", "Aug."),
    ("September", "Sep", "Sep.", "Sept", "Sept."),
    ("Oktober", "Okt", "Okt."),
    ("November", "Nov", "Nov."),
    ("Dezember", "Dez", "Dez."),
)
# A two-digit year after a month word: „Jun 17“, „Jun-17“ (Excel's MMM-YY as text), „Juni '17“.
TWO_DIGIT_YEARS = ("{m} {yy}", "{m}-{yy}", "{m} '{yy}")
MARKERS = ("", " 1)", "¹", " *)", " 2) 4)", "3)")
# „spelled“: any spelling above with a four-digit year; „two_digit“: with a two-digit year;
# „bare“: the month alone, where the sheet's name, its title or the file's name gives the year.
PERIOD_FORMS = ("text", "short", "numeric", "iso", "serial", "date", "spelled", "two_digit", "bare")
ENCODINGS = ("cp1252", "utf-8", "utf-8-sig")

Key = tuple[str, str, str | None]  # indicator, period key, place
Expected = dict[Key, tuple[Decimal | None, str | None]]  # value, symbol


@dataclass(frozen=True)
class Drift:
    """How one sender's file differs from the neat layout."""

    titles: int = 0  # title rows above the table
    blank_after_title: bool = True
    shift: int = 0  # empty columns left of the table
    cover: bool = False  # a cover or notes sheet in front
    extra_column: bool = False  # a column no profile maps
    seed: int = 0  # column order, row order and label spellings
    marker: str = ""  # footnote marker on labels
    break_labels: bool = False  # line breaks and double spaces inside labels
    stacked: str = "merged"  # "flat", "merged" or "unmerged" header
    numbering: bool = False  # a row „1 2 3 …“ under the header
    period_form: str = "text"
    text_numbers: bool = False  # numbers as German text („1.234“, „6,4“)
    footer: bool = True
    csv: str | None = None  # None: a workbook; else the CSV's encoding


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formats: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class Layout:
    """A file to build and what it must yield."""

    source: str  # the profile that must recognise it
    file_name: str
    sheets: list[Sheet]
    expected: Expected
    encoding: str | None = None  # CSV of the data sheet (the last one)

    def write(self, folder: Path) -> Path:
        path = folder / self.file_name
        if self.encoding is not None:
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(
                [["" if v is None else v for v in row] for row in self.sheets[-1].rows]
            )
            path.write_bytes(buffer.getvalue().encode(self.encoding))
            return path
        wb = openpyxl.Workbook()
        for i, sheet in enumerate(self.sheets):
            ws = wb.active if i == 0 else wb.create_sheet()
            assert ws is not None
            ws.title = sheet.name
            for r, row in enumerate(sheet.rows, start=1):
                for c, value in enumerate(row, start=1):
                    if value is not None and value != "":
                        ws.cell(row=r, column=c, value=value)
            for r0, c0, r1, c1 in sheet.merges:
                ws.merge_cells(
                    start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1
                )
            for (r, c), fmt in sheet.formats.items():
                ws[f"{get_column_letter(c + 1)}{r + 1}"].number_format = fmt
        wb.save(path)
        return path


# -- drift applied to cells --------------------------------------------------------------------


def label(text: str, drift: Drift, marked: bool = True) -> str:
    """A heading as a sender writes it: a footnote marker, a line break or double space."""
    if drift.break_labels and " " in text:
        text = text.replace(" ", "\n", 1) if drift.seed % 2 else text.replace(" ", "  ", 1)
    return text + drift.marker if marked else text


def month_word(month: int, seed: int) -> str:
    """One of the month's spellings, chosen by the seed (and the month, so they vary in a file)."""
    choices = SPELLINGS[month - 1]
    return choices[(seed + 7 * month) % len(choices)]


def period_cell(
    year: int, month: int, drift: Drift, *, csv_safe: bool = False, year_elsewhere: bool = False
) -> Any:
    form = drift.period_form
    if csv_safe and form in ("serial", "date"):
        form = "text"
    if form == "bare" and not year_elsewhere:
        form = "spelled"
    if form == "bare":
        return month_word(month, drift.seed)
    if form == "spelled":
        return f"{month_word(month, drift.seed)} {year}"
    if form == "two_digit":
        shape = TWO_DIGIT_YEARS[(drift.seed + month) % len(TWO_DIGIT_YEARS)]
        return shape.format(m=month_word(month, drift.seed), yy=f"{year % 100:02d}")
    if form == "short":
        return f"{SHORT[month - 1]} {year}"
    if form == "numeric":
        return f"{month:02d}/{year}"
    if form == "iso":
        return f"{year}-{month:02d}"
    if form == "serial":
        return (dt.date(year, month, 1) - dt.date(1899, 12, 30)).days
    if form == "date":
        return dt.datetime(year, month, 1)
    return f"{MONTHS[month - 1]} {year}"


def number(value: str, drift: Drift) -> Any:
    """A number given in German notation („1.234“, „6,4“), as text or as a number cell."""
    if drift.text_numbers or drift.csv is not None:
        return value
    plain = Decimal(value.replace(".", "").replace(",", "."))
    return int(plain) if plain == plain.to_integral_value() else float(plain)


def frame(
    sheet_rows: list[list[Any]], drift: Drift, titles: list[str]
) -> tuple[list[list[Any]], int]:
    """Title rows above, empty columns left, footer below; returns rows and the table's top row."""
    out: list[list[Any]] = [[t] for t in titles[: drift.titles]]
    if out and drift.blank_after_title:
        out.append([])
    top = len(out)
    out += [list(r) for r in sheet_rows]
    if drift.footer:
        out += [[], ["© Statistik der Bundesagentur für Arbeit"], ["Erstellungsdatum: 12.07.2017"]]
    pad = [None] * drift.shift
    return [pad + r if r else [] for r in out], top


def shifted(
    merges: list[tuple[int, int, int, int]], top: int, shift: int
) -> list[tuple[int, int, int, int]]:
    return [(r0 + top, c0 + shift, r1 + top, c1 + shift) for r0, c0, r1, c1 in merges]


def numbering_row(width: int) -> list[Any]:
    return [None, *range(1, width)]


def header_block(
    groups: list[tuple[str | None, list[str]]], lead: list[str], drift: Drift
) -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    """A header of groups („Vermittlungen“ over „Ausbildung“, „Arbeit“, „gesamt“) after `lead`
    columns: stacked merged, stacked unmerged (the group written once), or flat (joined)."""
    if drift.stacked == "flat" or all(group is None for group, _ in groups):
        row = list(lead)
        for group, subs in groups:
            row += [f"{group} {s}" if group else s for s in subs]
        return [row], []
    top: list[Any] = list(lead)
    bottom: list[Any] = [None] * len(lead)
    merges = []
    if drift.stacked == "merged":
        merges = [(0, c, 1, c) for c in range(len(lead))]
    elif drift.seed % 3 == 0:  # the lead titles on the lower line instead
        top, bottom = [None] * len(lead), list(lead)
    for group, subs in groups:
        start = len(top)
        if group is None:
            top += subs
            bottom += [None] * len(subs)
            if drift.stacked == "merged":
                merges += [(0, start + i, 1, start + i) for i in range(len(subs))]
            continue
        top += [group] + [None] * (len(subs) - 1)
        bottom += subs
        if drift.stacked == "merged" and len(subs) > 1:
            merges.append((0, start, 0, start + len(subs) - 1))
    return [top, bottom], merges


# -- BA Eckwerte -------------------------------------------------------------------------------


def ba_eckwerte(drift: Drift) -> Layout:
    rng = random.Random(drift.seed)
    value_cols = [
        ("Insgesamt", "12.345", "7,9", "7,1"),
        ("Rechtskreis SGB III", "3.456", "2,2", "2,0"),
        ("Rechtskreis SGB II", "8.889", "5,7", "6,4"),
    ]
    rng.shuffle(value_cols)
    comparisons = [("Vormonat", "12.500", "8,0", "7,3"), ("Vorjahresmonat", "12.666", "8,2", "7,5")]
    extra = [("Frauenanteil in %", "44,9", "x", "x")] if drift.extra_column else []
    month_over = drift.stacked != "flat" and drift.seed % 2 == 0
    groups: list[tuple[str | None, list[str]]] = [
        ("Juni 2017" if month_over else None, [label(c[0], drift) for c in value_cols]),
        ("Vergleich" if month_over else None, [c[0] for c in comparisons + extra]),
    ]
    header, merges = header_block(groups, ["Merkmal"], drift)
    columns = value_cols + comparisons + extra
    section = rng.choice(
        [
            "Arbeitslosenquote bezogen auf alle zivilen Erwerbspersonen",
            "Arbeitslosenquoten bezogen auf alle zivilen Erwerbspersonen",
            "Arbeitslosenquoten bezogen auf alle zivilen Erwerbspersonen 4)",
        ]
    )
    u25 = rng.choice(["15 bis unter 25 Jahre", "Jüngere unter 25 Jahren", "15 bis unter 25 Jahren"])
    body = list(header)
    if drift.numbering:
        body.append(numbering_row(len(columns) + 1))
    body += [
        ["Arbeitslose", *(number(c[1], drift) for c in columns)],
        [label(section, drift)] + [None] * len(columns),
        ["insgesamt", *(number(c[2], drift) if c[2] != "x" else "x" for c in columns)],
        [label(u25, drift), *(number(c[3], drift) if c[3] != "x" else "x" for c in columns)],
        ["Ausländer", *("*" for _ in columns)],
    ]
    where = drift.seed % 3 if not month_over else 0
    titles = ["Eckwerte des Arbeitsmarktes", "Bielefeld, Stadt (05711)"]
    if where == 0 or month_over:
        titles.insert(0, "Berichtsmonat: Juni 2017")
    rows, top = frame(body, drift if where else _with_titles(drift), titles)
    sheets = []
    if drift.cover or where == 1:
        sheets += [
            Sheet("Deckblatt", [["Arbeitsmarktreport"], [], ["Berichtsmonat: Juni 2017"]]),
            Sheet("Impressum", [["Herausgeber: Bundesagentur für Arbeit"]]),
            Sheet("Inhaltsverzeichnis", [["Zeichenerklärung"], ["*", "geheim"]]),
        ]
    sheets.append(Sheet("1.1 Eckwerte", rows, shifted(merges, top, drift.shift)))
    sheets.append(Sheet("2.1 Zugang", [["Zugang an Arbeitslosen"]]))
    name = "bm-05711-0-201706-xlsx.xlsx" if where == 2 else "eckwerte_bielefeld.xlsx"
    return Layout(
        "ba_eckwerte", name, sheets, {("Jobcenter-2.1", "2017-06", None): (Decimal("6.4"), None)}
    )


def _with_titles(drift: Drift) -> Drift:
    """The report month must stand in the title when nothing else says it."""
    from dataclasses import replace

    return replace(drift, titles=max(drift.titles, 1))


# -- BA Sonderauswertung -----------------------------------------------------------------------

SONDER = {  # district -> Stadtteile with Alleinerziehende for Dec 2016, Mar 2017, Jun 2017
    "01 Mitte": {
        "011 Altstadt": ("90", "85", "80"),
        "012 Nördlicher Innenstadtrand": ("70", "*", "66"),
    },
    "02 Heepen": {"021 Baumheide": ("151", "150", "147"), "022 Heepen": ("*", "*", "*")},
    "08 Stieghorst": {"081 Sieker": ("127", "125", "120"), "082 Stieghorst": ("40", "41", "39")},
    "09 Sennestadt": {"091 Sennestadt": ("182", "178", "176"), "092 Dalbke": ("12", "11", "*")},
}
SONDER_MONTHS = ((2016, 12), (2017, 3), (2017, 6))
SONDER_PLACES = {
    "021 Baumheide": "Baumheide",
    "081 Sieker": "Sieker",
    "091 Sennestadt": "Sennestadt",
}


def ba_sonderauswertung(drift: Drift) -> Layout:
    rng = random.Random(drift.seed)
    with_total = drift.seed % 2 == 0
    months = [period_cell(y, m, drift) for y, m in SONDER_MONTHS]
    lead = ["Stadtbezirk", "Stadtteil"]
    blocks: list[tuple[str, list[Any]]] = []
    if with_total:
        blocks.append(("insgesamt", months))
    blocks.append((label("darunter Alleinerziehende", drift), months))
    extra = ["Anteil in %"] if drift.extra_column else []
    width = len(lead) + 3 * len(blocks) + len(extra)
    merges: list[tuple[int, int, int, int]] = []
    none = [None, None]
    header: list[list[Any]] = []
    if drift.stacked != "flat":  # three lines: „Arbeitslose“ over the groups over the months
        header.append([*none, label("Arbeitslose", drift)] + [None] * (width - 3))
        if drift.stacked == "merged":
            merges.append((0, 2, 0, 2 + 3 * len(blocks) - 1))
    header.append(none + sum(([b, None, None] for b, _ in blocks), []) + extra)
    header.append(none + sum((list(m) for _, m in blocks), []) + [None] * len(extra))
    lines = len(header)
    if drift.stacked == "merged":
        header[0][0:2] = lead
        merges += [(0, 0, lines - 1, 0), (0, 1, lines - 1, 1)]
    else:  # the region titles on the top or on the bottom line
        header[0 if drift.seed % 3 else -1][0:2] = lead
    if drift.stacked != "unmerged":
        merges += [(lines - 2, 2 + 3 * i, lines - 2, 4 + 3 * i) for i in range(len(blocks))]
    body = header
    if drift.numbering:
        body = body + [numbering_row(width)]
    districts = list(SONDER)
    rng.shuffle(districts)
    fill_every_row = drift.seed % 5 == 4
    coded = drift.seed % 4 != 3
    expected: Expected = {}
    for district in districts:
        for i, (part, values) in enumerate(SONDER[district].items()):
            name = part if coded else part.split(" ", 1)[1]
            row: list[Any] = [district if i == 0 or fill_every_row else None, name]
            if with_total:
                row += [number(str(int(v) + 500), drift) if v != "*" else 600 for v in values]
            row += [v if v == "*" else number(v, drift) for v in values]
            row += [number("12,5", drift)] * len(extra)
            body.append(row)
            if part in SONDER_PLACES:
                for (y, m), v in zip(SONDER_MONTHS, values, strict=True):
                    key = ("Jobcenter-8.1", f"{y}-{m:02d}", SONDER_PLACES[part])
                    expected[key] = (None, "*") if v == "*" else (Decimal(v), None)
    titles = [
        "Statistik der Bundesagentur für Arbeit",
        "Arbeitslose Alleinerziehende nach Stadtbezirken und Stadtteilen",
        "Bielefeld, Stadt",
    ]
    rows, top = frame(body, drift, titles)
    sheets = (
        [Sheet("Hinweise", [["Sonderauswertung für die Stadt Bielefeld"]])] if drift.cover else []
    )
    sheets.append(Sheet("Stadtteile", rows, shifted(merges, top, drift.shift)))
    return Layout("ba_sonderauswertung", "sonderauswertung.xlsx", sheets, expected)


# -- BA CSV from the statistics download service ----------------------------------------------


def ba_csv(drift: Drift) -> Layout:
    rng = random.Random(drift.seed)
    months = [period_cell(y, m, drift, csv_safe=True) for y, m in ((2017, 6), (2017, 5), (2016, 6))]
    change = [
        "Veränderung gegenüber Vorjahresmonat absolut",
        "Veränderung gegenüber Vorjahresmonat in %",
    ]
    head = rng.choice(["Ausgewählte Merkmale", "Merkmale", "Merkmal"])
    extra = ["Anteil"] if drift.extra_column else []
    header = [head, *months, *change, *extra]
    combined = drift.seed % 2 == 0
    rows: list[list[Any]] = [header]
    rows += [
        ["Arbeitslose", "12.345", "12.500", "12.666", "-321", "-2,5", *(["1"] * len(extra))],
        [
            label("im Rechtskreis SGB II", drift),
            "8.889",
            "8.950",
            "9.001",
            "-112",
            "-1,2",
            *(["1"] * len(extra)),
        ],
    ]
    if combined:
        rows += [
            [label("Arbeitslosenquote bezogen auf alle zivilen Erwerbspersonen", drift)]
            + [""] * (len(header) - 1),
            ["insgesamt", "7,9", "8,0", "8,2", "-0,3", "", *(["1"] * len(extra))],
            [
                label("Jüngere unter 25 Jahren im Rechtskreis SGB II", drift),
                "6,4",
                "6,2",
                "6,6",
                "-0,2",
                "",
                *(["1"] * len(extra)),
            ],
        ]
    else:
        rows += [
            [
                label(
                    "Arbeitslosenquoten bezogen auf alle zivilen Erwerbspersonen im Rechtskreis SGB II",
                    drift,
                )
            ]
            + [""] * (len(header) - 1),
            ["insgesamt", "5,7", "5,8", "6,0", "-0,3", "", *(["1"] * len(extra))],
            [
                label("15 bis unter 25 Jahre", drift),
                "6,4",
                "6,2",
                "6,6",
                "-0,2",
                "",
                *(["1"] * len(extra)),
            ],
        ]
    meta = ["Berichtsmonat:;Juni 2017", "Region:;Bielefeld, Stadt", "Rechtskreis:;SGB III, SGB II"]
    out: list[list[Any]] = [line.split(";") for line in meta[: drift.titles]]
    if out and drift.blank_after_title:
        out.append([])
    out += rows
    if drift.footer:
        out += [
            ["© Statistik der Bundesagentur für Arbeit"],
            ["Zeichenerklärung: * Zahlenwert geheim"],
        ]
    encoding = drift.csv or "cp1252"
    return Layout(
        "ba_csv",
        "ba_download.csv",
        [Sheet("", out)],
        {("Jobcenter-2.1", "2017-06", None): (Decimal("6.4"), None)},
        encoding,
    )


# -- REKOM -------------------------------------------------------------------------------------

REKOM_ROWS = (  # measure, month, Teilnehmende, Ausbildung, Arbeit, gesamt, Quote
    ("REGE-4", 1, "30", "2", "1", "3", None),
    ("REGE-4", 2, "31", "1", "2", "3", None),
    ("REGE-4", 3, "29", "2", "2", "4", None),
    ("REGE-2 Ausbildungsplatzakquise", 3, "15", "5", "0", "5", None),
    ("REGE-1", 3, "40", None, None, None, "42,5"),
    ("REGE-3", 3, "10", "1", "0", "1", None),
)


def rekom(drift: Drift) -> Layout:
    rng = random.Random(drift.seed)
    total = rng.choice(
        [
            "Vermittlungen ges.",
            "Vermittlung gesamt",
            "Vermittlungen insgesamt",
            "Vermittlungen insg.",
        ]
    )
    measure = rng.choice(["Maßnahme", "Massnahme", "Maßnahmen-Nr."])
    period = rng.choice(["Monat", "Zeitraum", "Berichtsmonat"])
    quote = rng.choice(["Quote", "Vermittlungsquote", "Quote in %"])
    percent_cell = drift.csv is None and drift.seed % 3 == 0
    fields = [
        ("m", label(measure, drift)),
        ("p", period),
        ("t", label("Teilnehmende", drift)),
        ("q", quote),
    ]
    if drift.extra_column:
        fields.append(("x", "Bemerkung"))
    rng.shuffle(fields)
    stacked = drift.stacked != "flat"
    groups: list[tuple[str | None, list[str]]] = [(None, [f[1] for f in fields])]
    if stacked:
        groups.append(("Vermittlungen", ["Ausbildung", "Arbeit", total.split(" ", 1)[1]]))
    else:
        groups.append((None, ["Vermittlungen Ausbildung", "Vermittlungen Arbeit", total]))
    header, merges = header_block(groups, [], drift)
    order = [f[0] for f in fields] + ["a", "b", "g"]
    body = list(header)
    formats: dict[tuple[int, int], str] = {}
    for code, month, tn, ausb, arb, ges, q in REKOM_ROWS:
        cells: dict[str, Any] = {
            "m": code,
            "p": period_cell(
                2017, month, drift, csv_safe=drift.csv is not None, year_elsewhere=True
            ),
            "t": number(tn, drift),
            "a": None if ausb is None else number(ausb, drift),
            "b": None if arb is None else number(arb, drift),
            "g": None if ges is None else number(ges, drift),
            "q": None,
            "x": "geprüft",
        }
        if q is not None:
            if percent_cell:
                cells["q"] = 0.425
                formats[(len(body), order.index("q"))] = "0.0%"
            else:
                cells["q"] = f"{q} %" if drift.seed % 2 else number(q, drift)
        body.append([cells[k] for k in order])
    body.append(["Summe" if k == "m" else None for k in order])
    rows, top = frame(body, drift, ["REKOM – Vermittlungen junger Menschen 2017", "REGE mbH"])
    formats = {(r + top, c + drift.shift): f for (r, c), f in formats.items()}
    sheets = [Sheet("Hinweise", [["Erläuterungen zur Erhebung"]])] if drift.cover else []
    sheets.append(Sheet("2017 Q1", rows, shifted(merges, top, drift.shift), formats))
    n = Decimal
    expected: Expected = {
        ("REGE-4.1", "2017-01", None): (n("3"), None),
        ("REGE-4.1", "2017-02", None): (n("3"), None),
        ("REGE-4.1", "2017-03", None): (n("4"), None),
        ("REGE-2.1", "2017-03", None): (n("5"), None),
        ("REGE-1.1", "2017-03", None): (n("42.5"), None),
    }
    name = "rekom_2017.csv" if drift.csv else "rekom_2017.xlsx"
    return Layout("rekom", name, sheets, expected, drift.csv)


# -- KAF-Projektcontrolling --------------------------------------------------------------------

KAF_ROWS = (  # project, Quartier, month, TN, darunter, Vermittlungen, Kinder/Eltern, Kosten
    ("Bildungslotsin Theodora", "gesamt", 4, "20", "8", "2", None, "1.250,00"),
    ("Bildungslotsin Theodora", "gesamt", 5, "22", "9", "1", None, "1.250"),
    ("Integrationslotsen", "Sennestadt", 4, "10", "4", "1", None, "800"),
    ("Integrationslotsen", "Sieker", 4, "5", "2", "0", None, "400"),
    ("Integrationslotsen", "gesamt", 5, "17", "12", "2", None, "1.300"),
    ("Ernährungsbildung", "gesamt", 4, None, None, None, "210", "500"),
    ("Ernährungsbildung", "gesamt", 5, None, None, None, "*", "500"),
)
KAF_EXPECTED: Expected = {
    ("REGE-9.2", "2017-04", None): (Decimal("35"), None),
    ("REGE-9.2", "2017-05", None): (Decimal("39"), None),
    ("REGE-9.3", "2017-04", None): (Decimal("14"), None),
    ("REGE-9.3", "2017-05", None): (Decimal("21"), None),
    ("REGE-9.1", "2017-04", None): (Decimal("3"), None),
    ("REGE-9.1", "2017-05", None): (Decimal("3"), None),
    ("REGE-10.1", "2017-04", None): (Decimal("20"), None),
    ("REGE-10.1", "2017-05", None): (Decimal("22"), None),
    ("REGE-11.1", "2017-04", None): (Decimal("15"), None),
    ("REGE-11.1", "2017-05", None): (Decimal("17"), None),
    ("REGE-13.1", "2017-04", None): (Decimal("210"), None),
    ("REGE-13.1", "2017-05", None): (None, "*"),
}


def kaf(drift: Drift) -> Layout:
    rng = random.Random(drift.seed)
    tn = rng.choice(["Teilnehmende im Coaching", "TN im Coaching", "Teilnehmenden im Coaching"])
    svp = rng.choice(
        [
            "Vermittlungen sozialversicherungspflichtig",
            "Vermittlung sozialversicherungspflichtig",
            "Vermittlungen SVP",
        ]
    )
    fields = [
        ("j", "Projekt"),
        ("o", rng.choice(["Quartier", "Stadtteil"])),
        ("p", rng.choice(["Monat", "Zeitraum"])),
    ]
    values = [
        ("t", label(tn, drift)),
        ("d", label("darunter aus Stadtumbaugebieten", drift)),
        ("v", label(svp, drift)),
        ("k", "Erreichte Kinder und Eltern"),
        ("e", "Kosten (EUR)"),
    ]
    if drift.extra_column:
        values.append(("x", "Ansprechperson"))
    rng.shuffle(fields)
    # the „darunter“ column stays right of its parent; the other value columns move
    head, tail = values[:2], values[2:]
    rng.shuffle(tail)
    columns = fields + head + tail if drift.seed % 2 else head + fields + tail
    order = [c[0] for c in columns]
    body: list[list[Any]] = [[c[1] for c in columns]]
    fill_down = drift.seed % 3 != 0
    previous = None
    for project, place, month, t, d, v, k, e in KAF_ROWS:
        cells = {
            "j": project if project != previous or not fill_down else None,
            "o": place,
            "p": period_cell(
                2017,
                month,
                drift,
                csv_safe=drift.csv is not None,
                year_elsewhere=drift.titles > 0,  # „KAF-Projektcontrolling 2017“
            ),
            "t": None if t is None else number(t, drift),
            "d": None if d is None else number(d, drift),
            "v": None if v is None else number(v, drift),
            "k": None if k is None else (k if k == "*" else number(k, drift)),
            "e": e
            if drift.text_numbers or drift.csv
            else float(e.replace(".", "").replace(",", ".")),
            "x": "Frau M.",
        }
        previous = project
        body.append([cells[c] for c in order])
    rows, top = frame(
        body, drift, ["KAF-Projektcontrolling 2017", "Berichtszeitraum: 2. Quartal 2017"]
    )
    sheets = (
        [Sheet("Deckblatt", [["REGE mbH – Kommunale Arbeitsförderung"]])] if drift.cover else []
    )
    sheets.append(Sheet("Projekte", rows))
    name = "kaf_q2.csv" if drift.csv else "kaf_q2.xlsx"
    return Layout("kaf", name, sheets, dict(KAF_EXPECTED), drift.csv)


# -- Langformat --------------------------------------------------------------------------------

LONG_ROWS = (  # code, (year, month), place, value
    ("REGE-7.1", (2017, 4), None, "12"),
    ("REGE-7.1", (2017, 5), None, "1.234"),
    ("540-8.1", (2017, 6), "Sennestadt", "5,9"),
    ("540-8.1", (2017, 6), "Sieker", "*"),
    ("540-8.1", (2017, 5), "Sieker", "-"),
)


def langformat(drift: Drift) -> Layout:
    rng = random.Random(drift.seed)
    columns = [
        ("i", label(rng.choice(["Indikator", "Indikator-Code", "Kennzahl"]), drift)),
        ("p", rng.choice(["Zeitraum", "Periode", "Berichtszeitraum"])),
        ("o", rng.choice(["Ort", "Quartier", "Stadtteil"])),
        ("w", label(rng.choice(["Wert", "Ist-Wert", "Istwert", "Werte"]), drift)),
        ("k", rng.choice(["Kommentar", "Bemerkung", "Anmerkungen"])),
    ]
    if drift.extra_column:
        columns.append(("x", "Einheit"))
    rng.shuffle(columns)
    order = [c[0] for c in columns]
    body: list[list[Any]] = [[c[1] for c in columns]]
    expected: Expected = {}
    for code, (y, m), place, value in LONG_ROWS:
        cells = {
            "i": code,
            "p": period_cell(
                y,
                m,
                drift,
                csv_safe=drift.csv is not None,
                year_elsewhere=drift.titles > 0,  # „Ist-Werte 2017 (Export)“
            ),
            "o": place,
            "w": value if value in ("*", "-") else number(value, drift),
            "k": "geschätzt" if value == "5,9" else None,
            "x": "Anzahl",
        }
        body.append([cells[c] for c in order])
        symbol = value if value in ("*", "-") else None
        amount = None if symbol else Decimal(value.replace(".", "").replace(",", "."))
        expected[(code, f"{y}-{m:02d}", place)] = (amount, symbol)
    rows, top = frame(body, drift, ["Ist-Werte 2017 (Export)", "Erstellt am 03.07.2017"])
    sheets = [Sheet("Info", [["Export aus dem Fachverfahren"]])] if drift.cover else []
    sheets.append(Sheet("Werte", rows))
    name = "ist_werte.csv" if drift.csv else "ist_werte.xlsx"
    return Layout("langformat", name, sheets, expected, drift.csv)


BUILDERS: dict[str, Callable[[Drift], Layout]] = {
    "ba_eckwerte": ba_eckwerte,
    "ba_sonderauswertung": ba_sonderauswertung,
    "ba_csv": ba_csv,
    "rekom": rekom,
    "kaf": kaf,
    "langformat": langformat,
}
CSV_SOURCES = frozenset({"ba_csv", "rekom", "kaf", "langformat"})
