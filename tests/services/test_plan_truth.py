"""Issue 12 on real databases (SQLite and PostgreSQL): the seven indicators whose light was
false get the light the plan's text implies; stocks, strict bounds and darunter across measures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Indikator, Messwert, Ort
from zielcockpit.services.evaluation import plan_status

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)


def put(engine: Engine, values: dict[tuple[str, str, str | None], float]) -> None:
    """Store values: (indicator code, period, place or None) -> number."""
    with transaction(engine) as session:
        ids = {r[0]: r[1] for r in session.execute(select(Indikator.code, Indikator.id))}
        places = {r[0]: r[1] for r in session.execute(select(Ort.name, Ort.id))}
        for (code, period, place), value in values.items():
            session.add(
                Messwert(
                    indikator_id=ids[code],
                    period=period,
                    ort_id=places[place] if place else None,
                    value=Decimal(str(value)),
                )
            )


def judged(engine: Engine, period: str) -> dict[str, Any]:
    report = plan_status(engine, "2017", period)
    found: dict[str, Any] = {m.info.code: m for m in report.measures}
    for m in report.measures:
        for ind, j in m.indicators:
            found[ind.code] = j
    return found


def test_tru001_on_schedule_by_the_plans_timing(catalogue_engine: Engine) -> None:
    values: dict[tuple[str, str, str | None], float] = {}
    for q in ("Q1", "Q2", "Q3"):
        values[("510-1.1", f"2017-{q}", None)] = 1 if q == "Q3" else 0  # first Kita in September
        values[("510-1.2", f"2017-{q}", None)] = 0
        values[("540-6.1", f"2017-{q}", None)] = 12 if q == "Q3" else 0  # after the holidays
    values[("540-8.1", "2017-Q2", None)] = 41  # the April event, nothing before
    values[("540-8.2", "2017-Q2", None)] = 20
    put(catalogue_engine, values)
    q2, q3 = judged(catalogue_engine, "2017-Q2"), judged(catalogue_engine, "2017-Q3")
    assert q2["510-1.1"].light == "grey" and "erst ab 01.08.2017" in q2["510-1.1"].explanation
    assert q2["510-1"].light == "grey"  # nothing of 510-1 is due yet
    assert q3["510-1.1"].light == "green"
    assert q3["510-1.2"].pending and "erst ab 01.01.2018" in q3["510-1.2"].explanation
    assert q3["510-1"].computed_light == "green"  # judged by what is due
    assert q2["540-6.1"].light == "grey" and q3["540-6.1"].light == "green"
    assert (q2["540-8.1"].light, q2["540-8.2"].light) == ("green", "green")
    assert judged(catalogue_engine, "2017-Q1")["540-8.1"].light == "grey"


def test_tru002_each_quartier_on_its_own(catalogue_engine: Engine) -> None:
    founded = {"Heepen": [1, 0, 0, 0], "Sennestadt": [0, 0, 0, 1], "Jöllenbeck": [0, 0, 0, 0]}
    values: dict[tuple[str, str, str | None], float] = {
        ("500-8.1", f"2017-Q{q}", place): series[q - 1]
        for place, series in founded.items()
        for q in range(1, 5)
    }
    values[("500-8.1", "2017-Q1", "Stieghorst")] = 0  # then nothing more was reported
    values[("500-8.2", "2017-Q1", None)] = 1  # only a total: no place can be judged
    put(catalogue_engine, values)
    q1 = judged(catalogue_engine, "2017-Q1")
    assert q1["500-8.1"].light == "green"
    assert q1["500-8.1"].explanation.startswith(
        "1 von 4 Quartieren im Plan: Heepen (1); noch nicht fällig: Sennestadt (0), "
        "Jöllenbeck (0), Stieghorst (0)"
    )
    q4 = judged(catalogue_engine, "2017-Q4")
    assert q4["500-8.1"].light == "red"
    assert q4["500-8.1"].explanation == (
        "2 von 4 Quartieren im Plan: Heepen (1), Sennestadt (1); nicht im Plan: Jöllenbeck (0); "
        "fehlt: Stieghorst (Ziel je Quartier 1 bis 31.12.) – rot"
    )
    assert "fehlt: Heepen, Sennestadt, Jöllenbeck, Stieghorst" in q4["500-8.2"].explanation
    assert q4["500-8"].light == "red"


def test_tru003_stocks_strict_bounds_and_darunter_across_measures(
    catalogue_engine: Engine,
) -> None:
    put(
        catalogue_engine,
        {
            ("REGE-9.2", "2017-Q1", None): 140,
            ("REGE-9.2", "2017-Q2", None): 150,
            ("REGE-10.1", "2017-Q1", None): 10,
            ("REGE-10.1", "2017-Q2", None): 160,  # more than its parent in REGE-9
            ("540-1.1", "2017-Q2", None): 50,
            ("540-1.2", "2017-Q2", None): 51,
        },
    )
    q2 = judged(catalogue_engine, "2017-Q2")
    assert q2["REGE-9.2"].actual == 150  # the level at the end of Q2, not 290
    assert q2["REGE-9.2"].explanation.startswith("Bestand 150 von erwartet 265")
    assert q2["REGE-10.1"].warnings
    assert "größer als der Wert von REGE-9.2" in q2["REGE-10.1"].warnings[0]
    assert q2["REGE-10.1"].light != "green"
    assert (q2["540-1.1"].light, q2["540-1.2"].light) == ("yellow", "green")
