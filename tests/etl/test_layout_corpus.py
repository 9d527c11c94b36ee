"""Property tests over the layout corpus: whatever drift a sender's file has (layouts.py), the
import reads the same values from it, with no problem reported.

Checked at the extraction step (file -> detected profile -> staged values), without a database,
so a few hundred generated files stay within a minute; the end-to-end path of the same builders is
covered by one example per source in test_layout_examples below.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from etl.extract import detect, extract
from etl.profile import load_profiles
from etl.reading import open_book
from tests.etl.layouts import (
    BUILDERS,
    CSV_SOURCES,
    ENCODINGS,
    MARKERS,
    PERIOD_FORMS,
    Drift,
    Expected,
    Layout,
)
from tests.etl.test_sources import _values
from zielcockpit.services.imports import import_files
from zielcockpit.settings import Settings

MEASURES = {f"rege-{n}": f"REGE-{n}" for n in range(1, 6)}


def resolve_measure(text: str) -> str | None:
    return MEASURES.get(text.strip().lower())


def drifts(source: str) -> st.SearchStrategy[Drift]:
    csv: st.SearchStrategy[str | None] = st.none()
    if source == "ba_csv":
        csv = st.sampled_from(ENCODINGS)
    elif source in CSV_SOURCES:
        csv = st.one_of(st.none(), st.sampled_from(ENCODINGS))
    return st.builds(
        Drift,
        titles=st.integers(0, 3),
        blank_after_title=st.booleans(),
        shift=st.integers(0, 1),
        cover=st.booleans(),
        extra_column=st.booleans(),
        seed=st.integers(0, 10_000),
        marker=st.sampled_from(MARKERS),
        break_labels=st.booleans(),
        stacked=st.sampled_from(("flat", "merged", "unmerged")),
        numbering=st.booleans(),
        period_form=st.sampled_from(PERIOD_FORMS),
        text_numbers=st.booleans(),
        footer=st.booleans(),
        csv=csv,
    )


def read_file(path: Path) -> tuple[str, Expected, list[str]]:
    """The profile detected, the values staged and the problems (as text) of one file."""
    book = open_book(path, 50 * 1024 * 1024)
    found = detect(load_profiles(), book)
    if isinstance(found, list):
        return "", {}, found
    profile, located = found
    out = extract(book, profile, located, resolve_measure, detected=True)
    values: Expected = {
        (s.code, s.period.key, s.place): (s.cell.value, s.cell.symbol) for s in out.values
    }
    return profile.name, values, [p.text() for p in out.problems]


def read(layout: Layout) -> tuple[str, Expected, list[str]]:
    with tempfile.TemporaryDirectory(prefix="zc-layout-") as folder:
        return read_file(layout.write(Path(folder)))


def assert_reads(layout: Layout) -> None:
    profile, values, problems = read(layout)
    assert problems == []
    assert profile == layout.source
    assert values == layout.expected


CORPUS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@CORPUS
@given(drifts("ba_eckwerte"))
def test_ba_eckwerte_layouts(drift: Drift) -> None:
    assert_reads(BUILDERS["ba_eckwerte"](drift))


@CORPUS
@given(drifts("ba_sonderauswertung"))
def test_ba_sonderauswertung_layouts(drift: Drift) -> None:
    assert_reads(BUILDERS["ba_sonderauswertung"](drift))


@CORPUS
@given(drifts("ba_csv"))
def test_ba_csv_layouts(drift: Drift) -> None:
    assert_reads(BUILDERS["ba_csv"](drift))


@CORPUS
@given(drifts("rekom"))
def test_rekom_layouts(drift: Drift) -> None:
    assert_reads(BUILDERS["rekom"](drift))


@CORPUS
@given(drifts("kaf"))
def test_kaf_layouts(drift: Drift) -> None:
    assert_reads(BUILDERS["kaf"](drift))


@CORPUS
@given(drifts("langformat"))
def test_langformat_layouts(drift: Drift) -> None:
    assert_reads(BUILDERS["langformat"](drift))


def test_the_neat_layouts_read_the_same() -> None:
    """Without drift (and with the most of it) every builder's file reads as expected."""
    heavy = Drift(3, False, 1, True, True, 7, " 2) 4)", True, "unmerged", True, "serial", True)
    for source, build in BUILDERS.items():
        assert_reads(build(Drift(csv="cp1252" if source == "ba_csv" else None)))
        assert_reads(build(heavy if source != "ba_csv" else Drift(csv="utf-8", marker="¹")))


def test_a_broken_layout_fails_the_check() -> None:
    """The check can fail: a file whose SGB II rate moved to another row label is not read."""
    layout = BUILDERS["ba_eckwerte"](Drift())
    sheet = next(s for s in layout.sheets if s.name == "1.1 Eckwerte")
    for row in sheet.rows:
        if row and isinstance(row[0], str) and "25" in row[0]:
            row[0] = "25 bis unter 35 Jahre"
    profile, values, problems = read(layout)
    assert profile == "ba_eckwerte"
    assert values == {} and problems


def test_layout_examples_import_end_to_end(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    """One drifted file per BA, REKOM and KAF source through the real import, as one unit (the
    BA files agree on the SGB II rate). The long format's example codes are not all in the
    catalogue, so it is checked at the extraction step only."""
    drift = Drift(titles=2, shift=1, cover=True, marker=" 1)", stacked="merged", numbering=True)
    expected: Expected = {}
    paths = []
    for source in ("ba_eckwerte", "ba_sonderauswertung", "ba_csv", "rekom", "kaf"):
        layout = BUILDERS[source](drift if source != "ba_csv" else Drift(csv="cp1252"))
        folder = tmp_path / source
        folder.mkdir()
        paths.append(layout.write(folder))
        expected.update(layout.expected)
    report = import_files(catalogue_engine, paths, user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert [f.profile for f in report.files] == [
        "ba_eckwerte",
        "ba_sonderauswertung",
        "ba_csv",
        "rekom",
        "kaf",
    ]
    stored = {k: (v[0], v[1]) for k, v in _values(catalogue_engine).items()}
    assert stored == expected


@pytest.mark.parametrize("form", ["spelled", "two_digit", "bare"])
@pytest.mark.parametrize("source", sorted(BUILDERS))
def test_month_spellings_in_every_layout(source: str, form: str) -> None:
    """Every spelling of the months a layout carries, with four- and two-digit years, and alone
    where the sheet's name or title gives the year (in rows; a header keeps its year), reads as
    the neat layout does; in CSV too."""
    for seed in range(8):  # SPELLINGS has at most eight spellings of a month
        for csv in (None, "cp1252", "utf-8") if source in CSV_SOURCES else (None,):
            drift = Drift(titles=1, seed=seed, period_form=form, csv=csv)
            assert_reads(BUILDERS[source](drift))


@pytest.mark.parametrize("form", ["spelled", "two_digit", "bare"])
def test_month_spellings_import_end_to_end(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings, form: str
) -> None:
    """A REKOM workbook whose month column reads „Jänner 2017“, „Mär 2017“ (or „Mär-17“, or a
    bare „Mär“ on the sheet „2017 Q1“) and a KAF file under the title „… 2017“ import."""
    drift = Drift(titles=1, seed=4, period_form=form)  # seed 4: „Jänner“ and „Mär“
    paths, expected = [], {}
    for source in ("rekom", "kaf"):
        layout = BUILDERS[source](drift)
        folder = tmp_path / source
        folder.mkdir()
        paths.append(layout.write(folder))
        expected.update(layout.expected)
    cells = [str(v) for row in BUILDERS["rekom"](drift).sheets[-1].rows for v in row]
    assert any(c.startswith("Mär") for c in cells) and any(c.startswith("Jänner") for c in cells)
    report = import_files(catalogue_engine, paths, user="x", settings=settings)
    assert report.status == "ok", report.lines()
    stored = {k: (v[0], v[1]) for k, v in _values(catalogue_engine).items()}
    assert stored == expected
