"""The published BA layouts of issue 13 end to end: the two real files that were rejected, and the
known layouts of the public BA downloads (cover sheet, report month, lagging SGB II columns)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from etl.loader import import_files
from tests.etl.ba_layouts import (
    SONDER_ALLEINERZIEHENDE,
    SONDER_PERIODS,
    real_eckwerte,
    real_sonderauswertung,
)
from tests.etl.test_sources import _values
from zielcockpit.settings import Settings


def test_real_eckwerte_with_plural_section_and_numbering_row(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = real_eckwerte(tmp_path / "bm-05711-0-201706-xlsx.xlsx")
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert report.profile == "ba_eckwerte"
    assert _values(catalogue_engine) == {
        ("Jobcenter-2.1", "2017-06", None): (Decimal("6.4"), None, "1.1 Eckwerte", "D18")
    }


@pytest.mark.parametrize("region_titles", ["merged", "top", "bottom"])
def test_real_sonderauswertung_three_stacked_rows_and_filled_down_district(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings, region_titles: str
) -> None:
    path = real_sonderauswertung(
        tmp_path / "Sonderauswertung_2017_06.xlsx", region_titles=region_titles
    )
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert report.profile == "ba_sonderauswertung"
    expected = {
        ("Jobcenter-8.1", period, place): Decimal(values[i])
        for place, values in SONDER_ALLEINERZIEHENDE.items()
        for i, period in enumerate(SONDER_PERIODS)
    }
    assert {k: v[0] for k, v in _values(catalogue_engine).items()} == expected
