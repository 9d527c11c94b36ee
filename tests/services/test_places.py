"""Districts: allocation to the cent (hypothesis), the index („nicht berechenbar“, never ranked as
0), the places catalogue, context values through the importer (unknown place with its cell), the
profile against Stadtbezirk and city, the API; on SQLite and PostgreSQL."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select

from db.models import AuditEntry, KontextWert, Messwert
from db.places import index_versions, save_index
from zielcockpit.domain.allocation import allocate, split_cents
from zielcockpit.services import places as svc
from zielcockpit.services.evaluation import plan_status, report_json
from zielcockpit.services.imports import import_files
from zielcockpit.settings import Settings

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

# -- pure: allocation and index -------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**11),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60).filter(any),
)
def test_split_cents_always_adds_up(total: int, weights: list[int]) -> None:
    parts = split_cents(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    whole = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        assert abs(part - Fraction(w * total, whole)) < 1  # never more than a cent off its quota


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**10),
    st.fractions(min_value=0, max_value=1).map(lambda f: f.limit_denominator(1000)),
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=50_000),
            st.one_of(st.none(), st.floats(min_value=1, max_value=200)),
        ),
        min_size=1,
        max_size=40,
    ).filter(lambda rows: any(w is not None for _, w in rows)),
)
def test_allocation_base_and_index_add_up_to_the_cent(
    total: int, base: Fraction, rows: list[tuple[int, float | None]]
) -> None:
    heads = [h for h, _ in rows]
    weights = [None if w is None else Fraction(w) for _, w in rows]
    base_parts, index_parts = allocate(total, base, heads, weights)
    assert sum(base_parts) + sum(index_parts) == total
    assert all(i == 0 for i, w in zip(index_parts, weights, strict=True) if w is None)


def test_split_cents_refuses_nothing_to_split_by() -> None:
    with pytest.raises(ValueError, match="alle Gewichte sind 0"):
        split_cents(100, [0, 0])


def test_index_missing_component_is_not_computable_never_zero() -> None:
    values = pd.DataFrame(
        {"A": [10.0, 20.0, 30.0, 40.0], "B": [1.0, np.nan, 3.0, 2.0]},
        index=["Nord", "Ost", "Süd", "West"],
    )
    components = [
        {"code": "A", "direction": "hoeher_belastet", "weight": 1},
        {"code": "B", "direction": "niedriger_belastet", "weight": 2},
    ]
    rows = {r.place: r for r in svc.compute_index(values, components, {"B": "Bestandteil B"})}
    assert rows["Ost"].score is None and rows["Ost"].rank is None
    assert rows["Ost"].reason == "kein Wert für Bestandteil B (B)"
    ranked = [r for r in rows.values() if r.rank is not None]
    assert sorted(r.rank or 0 for r in ranked) == [1, 2, 3]
    # contributions add up to the points; the lowest B is the most burdened (direction)
    for r in ranked:
        assert r.score == pytest.approx(100 + sum(r.contributions.values()))
    assert rows["Nord"].contributions["B"] > 0 > rows["Süd"].contributions["B"]


def test_index_speed_shape_1000_places_20_indicators() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.random((1000, 20)), columns=[f"K{i}" for i in range(20)])
    frame.iloc[5, 3] = np.nan
    components = [{"code": f"K{i}", "direction": "hoeher_belastet", "weight": 1} for i in range(20)]
    rows = svc.compute_index(frame, components)
    assert sum(1 for r in rows if r.score is None) == 1
    assert [r.rank for r in rows if r.rank][:3] == [1, 2, 3]


# -- on the demo database -------------------------------------------------------------------------


def test_demo_profile_compares_stadtteil_with_bezirk_and_city(demo_engine: Engine) -> None:
    data = svc.load(demo_engine)
    assert data.periods == ["2017-Q1", "2017-Q2", "2017-Q3"]
    assert {p.name for p in data.of_level("stadtbezirk")} == {
        "Mitte", "Schildesche", "Gadderbaum", "Brackwede", "Dornberg",
        "Jöllenbeck", "Heepen", "Stieghorst", "Sennestadt", "Senne",
    }  # fmt: skip
    p = svc.profile(data, "Baumheide", "2017-Q3")
    assert p.place.bezirk == "Heepen" and p.previous == "2017-Q2"
    sgb2 = next(x for x in p.lines if x.code == "K-SGB2")
    assert sgb2.share is not None and sgb2.bezirk_share is not None and sgb2.city_share
    assert sgb2.share > sgb2.bezirk_share > sgb2.city_share
    assert sgb2.large and sgb2.change is not None and sgb2.source == "Demodaten"
    measures = svc.located_measures(demo_engine, data, p.place, "2017", "2017-Q3")
    assert "Jobcenter-8" in [m.code for m in measures]
    assert all(m.light in ("green", "yellow", "red", "grey") for m in measures)


def test_demo_index_ranks_nine_and_names_gadderbaum(demo_engine: Engine) -> None:
    data = svc.load(demo_engine)
    result = svc.place_index(data, demo_engine, None)
    assert result is not None and result.period == "2017-Q3"
    gadderbaum = next(r for r in result.rows if r.place == "Gadderbaum")
    assert gadderbaum.rank is None and "Alleinerziehende" in (gadderbaum.reason or "")
    assert sorted(r.rank for r in result.rows if r.rank) == list(range(1, 10))
    rows = svc.allocation(data, result, "250.000,01", "40", "K-U18")
    assert sum(r.total_cents for r in rows) == 25_000_001
    assert next(r for r in rows if r.place == "Gadderbaum").index_cents == 0
    with pytest.raises(svc.PlacesError, match="Sockelanteil"):
        svc.allocation(data, result, "1000", "abc", "K-U18")


def test_context_values_never_change_the_plans_status(demo_engine: Engine) -> None:
    before = report_json(plan_status(demo_engine, "2017", "2017-Q3"))
    with demo_engine.begin() as conn:
        assert (conn.scalar(select(func.count()).select_from(KontextWert)) or 0) > 500
        conn.execute(delete(KontextWert))
    assert report_json(plan_status(demo_engine, "2017", "2017-Q3")) == before


def test_index_definition_versions_are_kept_and_audited(catalogue_engine: Engine) -> None:
    first = index_versions(catalogue_engine, "Sozialstrukturindex")
    assert [v.version for v in first] == [1]
    save_index(
        catalogue_engine,
        "Sozialstrukturindex",
        "stadtteil",
        [{"code": "K-SGB2", "direction": "hoeher_belastet", "weight": 1.0}],
        "controller",
    )
    versions = index_versions(catalogue_engine, "Sozialstrukturindex")
    assert [v.version for v in versions] == [2, 1] and versions[0].level == "stadtteil"
    with catalogue_engine.connect() as conn:
        actions = conn.scalars(select(AuditEntry.action)).all()
    assert "sozialindex" in actions


def _write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(["Indikator;Zeitraum;Ort;Wert", *lines]) + "\n", encoding="utf-8")
    return path


def test_import_context_values_long_format(
    catalogue_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(tmp_path / "archiv"))
    cfg = Settings.resolve()
    good = _write_csv(
        tmp_path / "kontext.csv", ["K-AL;2017-Q3;Baumheide;812", "K-AL;2017-Q3;Sieker;*"]
    )
    report = import_files(catalogue_engine, [good], user="controller", settings=cfg)
    assert report.status == "ok", report.lines()
    assert report.files[0].values_written == 2
    again = import_files(catalogue_engine, [good], user="controller", settings=cfg)
    assert again.status == "unchanged"
    with catalogue_engine.connect() as conn:
        rows = conn.execute(
            select(KontextWert.value, KontextWert.symbol, KontextWert.source_cell)
        ).all()
        plan_values = conn.scalar(select(func.count()).select_from(Messwert))
    found = {(None if v is None else float(v), s, c) for v, s, c in rows}
    assert found == {(812.0, None, "D2"), (None, "*", "D3")}
    assert plan_values == 0


def test_import_unknown_place_is_reported_with_its_cell(
    catalogue_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(tmp_path / "archiv"))
    bad = _write_csv(
        tmp_path / "bad.csv", ["K-AL;2017-Q3;Baumheide;812", "K-AL;2017-Q3;Brackwede-Süd;40"]
    )
    report = import_files(catalogue_engine, [bad], user="controller", settings=Settings.resolve())
    assert report.status == "rejected"
    errors = report.all_errors
    assert len(errors) == 1 and errors[0].cell == "D3"
    assert "Unbekannter Ort „Brackwede-Süd“" in errors[0].message
    assert "Unbekannter Ort: „Brackwede-Süd“ (Zelle D3)" in report.files[0].notes
    with catalogue_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(KontextWert)) == 0


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_plac004_map_labels_readable_on_every_class() -> None:
    from app.components.places_map import CLASSES, MISSING, TEXT_ON

    for fill, text in [*zip(CLASSES, TEXT_ON, strict=True), (MISSING, "#1f2933")]:
        light, dark = sorted((_luminance(fill), _luminance(text)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (fill, text)


def _sonderauswertung(path: Path, extra: list[list[object]] | None = None) -> Path:
    from tests.etl.ba_layouts import SONDER_MONTHS
    from tests.etl.conftest import write_xlsx

    rows: list[list[object]] = [
        ["Statistik der Bundesagentur für Arbeit"],
        ["Arbeitslose Alleinerziehende nach Stadtbezirken und Stadtteilen"],
        [],
        ["Stadtbezirk", "Stadtteil", "Arbeitslose", None, None],
        [None, None, "darunter Alleinerziehende 1)", None, None],
        [None, None, *SONDER_MONTHS],
        ["01 Mitte", "012 Nördlicher Innenstadtrand", 70, "*", 66],
        [None, "013 Sieker", 127, 125, 124],
        ["02 Heepen", "021 Baumheide", 151, 150, 147],
        *(extra or []),
        [],
        ["© Statistik der Bundesagentur für Arbeit"],
    ]
    return write_xlsx(path, {"Stadtteile": rows}, merges={"Stadtteile": ["C4:E4", "C5:E5"]})


def test_ba_sonderauswertung_as_context_values(
    catalogue_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(tmp_path / "archiv"))
    cfg = Settings.resolve()
    good = _sonderauswertung(tmp_path / "sonder_201706.xlsx")
    report = import_files(catalogue_engine, [good], "ba_kontext", user="controller", settings=cfg)
    assert report.status == "ok", report.lines()
    assert report.files[0].values_written == 9
    data = svc.read(catalogue_engine)
    assert data.periods == ["2016-12", "2017-03", "2017-06"]
    baumheide = data.values[
        (data.values["place"] == "Baumheide") & (data.values["period"] == "2017-06")
    ]
    assert baumheide["value"].tolist() == [147.0]
    # a Stadtteil the hierarchy does not know: named with its cell, nothing written
    bad = _sonderauswertung(
        tmp_path / "sonder2.xlsx", [["06 Brackwede", "061 Brackwede-Süd", 33, 31, 30]]
    )
    refused = import_files(catalogue_engine, [bad], "ba_kontext", user="controller", settings=cfg)
    assert refused.status == "rejected"
    assert {e.cell for e in refused.all_errors} == {"C10", "D10", "E10"}
    assert any("Unbekannter Ort: „Brackwede-Süd“" in n for n in refused.files[0].notes), (
        refused.files[0].notes,
        [e.message for e in refused.all_errors],
    )


def test_define_index_checks_role_and_whole_definition(catalogue_engine: Engine) -> None:
    from zielcockpit.domain.access import Principal

    good = [{"code": "K-SGB2", "richtung": "hoeher_belastet", "gewicht": 2}]
    with pytest.raises(svc.PlacesError, match="Keine Berechtigung"):
        svc.define_index(
            catalogue_engine, Principal("l", "leitung"), "Sozialstrukturindex", "stadtteil", good
        )
    bad = [*good, {"code": "K-XX", "richtung": "hoeher_belastet", "gewicht": 0}]
    with pytest.raises(svc.PlacesError, match="„K-XX“ ist kein Kontextindikator"):
        svc.define_index(
            catalogue_engine, Principal("c", "controlling"), "Sozialstrukturindex", "stadtteil", bad
        )
    assert [v.version for v in index_versions(catalogue_engine, "Sozialstrukturindex")] == [1]
    saved = svc.define_index(
        catalogue_engine, Principal("c", "controlling"), "Sozialstrukturindex", "stadtteil", good
    )
    assert saved.version == 2 and saved.created_by == "c"


def test_seed_demo_twice_gives_the_same_context_values(demo_engine: Engine) -> None:
    from db.demo import seed_demo

    def dump() -> list[tuple[object, ...]]:
        with demo_engine.connect() as conn:
            return sorted(
                (r.kontextindikator_id, r.period, r.ort_id, str(r.value), r.symbol)
                for r in conn.execute(select(KontextWert))
            )

    before = dump()
    seed_demo(demo_engine, "2017")
    assert dump() == before and len(before) > 500
