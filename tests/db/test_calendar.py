"""The reporting calendar: delivery deadlines, late and not-yet-due missing values.

Pure rules first (deadlines, the state of a missing value, its sentence), then the database on
SQLite and PostgreSQL: deadlines set by the command line (audited, bad input refused with
nothing changed), the status JSON, the completeness list and its Excel reminder list.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select

from app.reminders import HEADERS, reminder_workbook
from db.completeness import completeness
from db.deadlines import CalendarError, calendar_lines, set_deadline, set_lag
from db.engine import make_engine
from db.models import AuditEntry, Indikator, Liefertermin, Messwert
from db.plan_data import load_plan_data
from zielcockpit.cli import main
from zielcockpit.domain.deadlines import (
    DeadlineKey,
    DeliveryCalendar,
    default_deadline,
    delivery_state,
)
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import Delivery, IndicatorRule, Observation, judge, not_due_by_plan
from zielcockpit.services.evaluation import evaluate, plan_status, report_json
from zielcockpit.settings import SettingError, Settings, today

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

if TYPE_CHECKING:
    from tests.conftest import Databases

Q2, Q3, Q4 = (Period(2017, quarter=q) for q in (2, 3, 4))
D = dt.date


# -- pure: deadlines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "due"),
    [
        ("2017-Q1", D(2017, 4, 15)),
        ("2017-Q2", D(2017, 7, 15)),
        ("2017-Q3", D(2017, 10, 15)),
        ("2017-Q4", D(2018, 1, 15)),
        ("2017-08", D(2017, 10, 15)),  # a month: its quarter's deadline
        ("2017", D(2018, 1, 15)),  # the year: after its last quarter
    ],
)
def test_cal001_default_deadline_is_the_15th_after_the_quarter(period: str, due: dt.date) -> None:
    assert default_deadline(Period.parse(period)) == due
    assert DeliveryCalendar().due_date(Period.parse(period)) == due


@given(st.integers(2000, 2100), st.integers(1, 4))
def test_cal002_a_default_deadline_follows_its_quarter_within_46_days(year: int, q: int) -> None:
    period = Period(year, quarter=q)
    due = default_deadline(period)
    assert period.end < due <= period.end + dt.timedelta(days=46)
    assert due.day == 15


def test_cal003_the_most_specific_deadline_wins_and_a_lag_moves_the_rest() -> None:
    cal = DeliveryCalendar(
        {
            DeadlineKey("2017-Q3"): D(2017, 10, 20),
            DeadlineKey("2017-Q3", "510"): D(2017, 10, 31),
            DeadlineKey("2017-Q3", "", "kaf"): D(2017, 11, 10),
            DeadlineKey("2017-Q3", "REGE", "kaf"): D(2017, 11, 20),
        },
        {"ba_eckwerte": 42},
    )
    assert cal.due_date(Q3) == D(2017, 10, 20)  # the plan's quarter
    assert cal.due_date(Q3, "540") == D(2017, 10, 20)
    assert cal.due_date(Q3, "510") == D(2017, 10, 31)  # the unit's own
    assert cal.due_date(Q3, "510", "kaf") == D(2017, 11, 10)  # the source beats the unit
    assert cal.due_date(Q3, "REGE", "kaf") == D(2017, 11, 20)  # unit and source
    assert cal.due_date(Q3, "540", "ba_eckwerte") == D(2017, 10, 20) + dt.timedelta(days=42)
    assert cal.due_date(Q2, "540", "ba_eckwerte") == D(2017, 7, 15) + dt.timedelta(days=42)
    assert cal.due_date(Q2, "510") == D(2017, 7, 15)  # Q2 has nothing set: the default


@given(st.dates(D(2017, 1, 1), D(2018, 12, 31)), st.dates(D(2017, 1, 1), D(2018, 12, 31)))
def test_cal004_late_only_after_the_deadline(due: dt.date, day: dt.date) -> None:
    state = delivery_state(due, day)
    assert state.overdue == (day > due)
    assert state.days_overdue == max((day - due).days, 0)
    text = state.text()
    if state.overdue:
        assert text == f"überfällig, fehlt seit {(due + dt.timedelta(days=1)):%d.%m.%Y}"
    else:
        assert text == f"noch nicht fällig, Wert fällig am {due:%d.%m.%Y}"


# -- pure: the sentence of a missing value ---------------------------------------------------------

COUNT = IndicatorRule("X-1.1", "count", target=40, due=D(2017, 12, 31))
RATE = IndicatorRule("X-1.2", "rate", unit="%", direction="lower", target=5.9)
MILESTONE = IndicatorRule("X-1.3", "milestone", unit="", due=D(2017, 12, 31))
LATER = IndicatorRule("X-1.4", "count", target=4, due=D(2018, 7, 31), start=D(2017, 8, 1))


def delivery(day: dt.date, source: str | None = None) -> Delivery:
    return Delivery(DeliveryCalendar(lags={"ba_eckwerte": 42}), day, "540", source)


EARLIER = [Observation(Period(2017, quarter=1), 10), Observation(Q2, 10)]


@pytest.mark.parametrize("rule", [COUNT, RATE, MILESTONE], ids=lambda r: r.kind)
def test_cal005_a_missing_value_says_late_or_not_yet_due_and_stays_grey(
    rule: IndicatorRule,
) -> None:
    before = EARLIER if rule.kind == "count" else []  # a flow needs the quarters before
    late = judge(rule, before, Q3, delivery=delivery(D(2017, 10, 20)))
    assert late.light == "grey"
    assert "überfällig, fehlt seit 16.10.2017" in late.explanation
    assert late.delivery is not None and late.delivery.overdue
    early = judge(rule, before, Q3, delivery=delivery(D(2017, 10, 15)))  # the deadline itself
    assert early.light == "grey"
    assert "noch nicht fällig, Wert fällig am 15.10.2017" in early.explanation
    assert "überfällig" not in early.explanation
    assert early.delivery is not None and not early.delivery.overdue
    plain = judge(rule, before, Q3)  # without a calendar: as before
    assert "fällig am" not in plain.explanation and plain.delivery is None


def test_cal006_the_missing_quarter_decides_and_a_source_lag_moves_it() -> None:
    # Year to date in Q3 with Q2 missing: Q2 was due on 15.07.
    j = judge(
        COUNT, [Observation(Period(2017, quarter=1), 10)], Q3, delivery=delivery(D(2017, 8, 1))
    )
    assert "Kein Wert für 2. Quartal 2017: überfällig, fehlt seit 16.07.2017" in j.explanation
    ba = judge(RATE, [], Q3, delivery=delivery(D(2017, 10, 20), "ba_eckwerte"))
    assert "noch nicht fällig, Wert fällig am 26.11.2017" in ba.explanation


def test_cal007_the_plans_timing_and_symbols_are_not_delivery_states() -> None:
    pending = judge(LATER, [], Q2, delivery=delivery(D(2017, 10, 20)))
    assert pending.pending and "laut Plan erst ab 01.08.2017 erwartet" in pending.explanation
    assert "fällig am" not in pending.explanation and "überfällig" not in pending.explanation
    assert not_due_by_plan(LATER, Q2) and not not_due_by_plan(LATER, Q3)
    assert not not_due_by_plan(COUNT, Q2) and not not_due_by_plan(MILESTONE, Q2)
    symbol = judge(RATE, [Observation(Q3, None, "*")], Q3, delivery=delivery(D(2017, 12, 1)))
    assert symbol.delivery is None and "überfällig" not in symbol.explanation


def test_cal008_today_is_a_setting() -> None:
    assert today({"ZIELCOCKPIT_TODAY": "2017-10-20"}) == D(2017, 10, 20)
    assert today({}) == dt.date.today()
    assert Settings.resolve(environ={"ZIELCOCKPIT_TODAY": "2017-10-20"}).today == D(2017, 10, 20)
    # the German form reads as everywhere else (zielcockpit.domain.german.read_date)
    assert today({"ZIELCOCKPIT_TODAY": "20.10.2017"}) == D(2017, 10, 20)
    with pytest.raises(SettingError, match="ZIELCOCKPIT_TODAY: „20.13.2017“: diesen Tag gibt es"):
        today({"ZIELCOCKPIT_TODAY": "20.13.2017"})
    with pytest.raises(SettingError, match="ZIELCOCKPIT_TODAY: „Oktober“ ist kein Datum"):
        today({"ZIELCOCKPIT_TODAY": "Oktober"})


# -- database: SQLite and PostgreSQL ---------------------------------------------------------------


def rows_of(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Liefertermin)) or 0)


def test_cal009_catalogue_sources_and_lags_are_loaded(catalogue_engine: Engine) -> None:
    with catalogue_engine.connect() as conn:
        sources = {
            r.code: r.quelle
            for r in conn.execute(
                select(Indikator.code, Indikator.quelle).where(Indikator.quelle.is_not(None))
            )
        }
    assert sources == {"Jobcenter-2.1": "ba_eckwerte", "Jobcenter-8.1": "ba_sonderauswertung"}
    data = load_plan_data(catalogue_engine, "2017")
    assert data.calendar.lags == {"ba_eckwerte": 42, "ba_sonderauswertung": 90}
    texts = [line.text() for line in calendar_lines(catalogue_engine, "2017")]
    assert texts[2] == "3. Quartal 2017: fällig am 15.10.2017 – Standard: 15. des Folgemonats"


def test_cal010_cli_sets_deadlines_audited_and_refuses_bad_input(
    databases: Databases, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    url = databases.url("demo")
    engine = make_engine(url)
    request.addfinalizer(engine.dispose)
    base = ["--database-url", url, "calendar", "set", "--plan", "2017"]
    before = rows_of(engine)
    bad = [
        (["--period", "2017-Q3", "--deadline", "2017-09-30"], "liegt nicht nach dem Ende"),
        (["--period", "2018-Q1", "--deadline", "2018-04-20"], "kein Quartal des Planungsjahres"),
        (
            ["--period", "2017-Q3", "--deadline", "2017-10-20", "--unit", "999"],
            "„999“ gibt es nicht",
        ),
        (["--period", "2017-Q3", "--deadline", "2017-10-20", "--source", "xy"], "Quelle „xy“"),
        (["--source", "ba_eckwerte", "--lag", "-3"], "0 bis 366"),
        (["--period", "2017-Q3"], "genau eines"),
    ]
    for args, message in bad:
        assert main([*base, *args]) == 1, args
        err = capsys.readouterr().err
        assert message in err and err.startswith("Fehler:"), err
    assert main(["--database-url", url, "calendar", "set", "--plan", "2099", "--period", "2017-Q3",
                 "--deadline", "2017-10-20"]) == 1  # fmt: skip
    assert "Plan „2099“ gibt es nicht" in capsys.readouterr().err
    assert rows_of(engine) == before  # nothing written by any refusal
    args = ["--period", "2017-Q3", "--deadline", "2017-10-31", "--unit", "510", "--user", "anna"]
    assert main([*base, *args]) == 0
    assert "3. Quartal 2017 (OE 510): fällig am 31.10.2017" in capsys.readouterr().out
    assert main([*base, "--source", "ba_eckwerte", "--lag", "30", "--user", "anna"]) == 0
    assert main(["--database-url", url, "calendar", "show", "--plan", "2017"]) == 0
    shown = capsys.readouterr().out
    assert "gesetzt von anna" in shown and "Quelle ba_eckwerte: Verzug 30 Tage" in shown
    with engine.connect() as conn:
        audited = conn.execute(
            select(AuditEntry.actor, AuditEntry.entity_key, AuditEntry.new).where(
                AuditEntry.action == "liefertermin"
            )
        ).all()
    assert ("anna", "2017 2017-Q3 OE 510", '{"frist": "2017-10-31"}') in audited
    assert ("anna", "2017 ba_eckwerte", '{"verzug_tage": 30}') in audited
    cal = load_plan_data(engine, "2017").calendar
    assert cal.due_date(Q3, "510") == D(2017, 10, 31)
    assert cal.due_date(Q3, "540", "ba_eckwerte") == D(2017, 11, 14)


def drop_values(engine: Engine, code: str, periods: list[str]) -> None:
    with engine.begin() as conn:
        ind = conn.scalar(select(Indikator.id).where(Indikator.code == code))
        conn.execute(
            delete(Messwert).where(Messwert.indikator_id == ind, Messwert.period.in_(periods))
        )


Q3_KEYS = ["2017-Q3", "2017-07", "2017-08", "2017-09"]


def test_cal011_status_json_and_completeness_tell_late_from_not_yet_due(
    demo_engine: Engine,
) -> None:
    drop_values(demo_engine, "Jobcenter-2.1", Q3_KEYS)  # BA: 42 days later, due 26.11.2017
    drop_values(demo_engine, "REGE-9.1", Q3_KEYS)
    set_deadline(demo_engine, "2017", "2017-Q3", D(2017, 10, 31), "anna", oe="REGE")
    report = report_json(plan_status(demo_engine, "2017", "2017-Q3", D(2017, 11, 2)))
    inds = {i["code"]: i for m in report["measures"] for i in m["indicators"]}
    assert inds["Jobcenter-2.1"]["due_date"] == "2017-11-26"
    assert inds["Jobcenter-2.1"]["overdue"] is False
    assert inds["Jobcenter-2.1"]["light"] == "grey"
    assert "noch nicht fällig, Wert fällig am 26.11.2017" in inds["Jobcenter-2.1"]["explanation"]
    assert inds["REGE-9.1"]["due_date"] == "2017-10-31" and inds["REGE-9.1"]["overdue"] is True
    assert "überfällig, fehlt seit 01.11.2017" in inds["REGE-9.1"]["explanation"]
    assert inds["540-14.1"]["overdue"] is True  # the plan's quarter: 15.10.2017
    assert inds["510-4.2"]["due_date"] is None  # a value is there: no deadline to tell
    data = load_plan_data(demo_engine, "2017")
    c = completeness(data, Q3, today=D(2017, 11, 2))
    by_code = {r.indicator: r for r in c.rows}
    assert by_code["Jobcenter-2.1"].overdue is False
    assert by_code["Jobcenter-2.1"].due == D(2017, 11, 26)
    assert by_code["REGE-9.1"].overdue and by_code["REGE-9.1"].delivery.days_overdue == 2  # type: ignore[union-attr]
    for unit in {r.oe for r in c.rows}:
        states = [r.overdue for r in c.rows if r.oe == unit]
        assert states == sorted(states, reverse=True), unit  # late ones first in each unit
    counts = {u.oe: u for u in c.counts}
    assert counts["REGE"].overdue >= 1 and counts["Jobcenter"].overdue == 0
    # The same snapshot without a date: no states (the dashboard always passes one).
    assert all(r.delivery is None for r in completeness(data, Q3).rows)
    plain = evaluate(data, Q3)
    assert all(j.delivery is None for m in plain.measures for _, j in m.indicators)


def test_cal012_completeness_does_not_chase_what_the_plan_does_not_expect_yet(
    catalogue_engine: Engine,
) -> None:
    data = load_plan_data(catalogue_engine, "2017")
    rows = {r.indicator for r in completeness(data, Q2, today=D(2017, 7, 20)).rows}
    later = {i.code for i in data.indicators if i.rule.steering and not_due_by_plan(i.rule, Q2)}
    assert "510-1.1" in later  # the Kita-Jahr from 01.08.2017
    assert rows and not rows & later
    assert "510-1.1" in {r.indicator for r in completeness(data, Q3).rows}


def test_cal013_reminder_list_gives_the_deadline_per_line(demo_engine: Engine) -> None:
    drop_values(demo_engine, "Jobcenter-2.1", Q3_KEYS)
    data = load_plan_data(demo_engine, "2017")
    report = completeness(data, Q3, today=D(2017, 10, 20))
    content = reminder_workbook(report, data.title, dt.datetime(2017, 10, 20, 9), D(2017, 10, 20))
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Erinnerungsliste"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    col = HEADERS.index("Liefertermin")
    by_code = {r[HEADERS.index("Indikator")]: r for r in rows[1:]}
    assert by_code["Jobcenter-2.1"][col] == dt.datetime(2017, 11, 26)
    assert by_code["Jobcenter-2.1"][col + 1] == "noch nicht fällig"
    assert by_code["540-14.1"][col] == dt.datetime(2017, 10, 15)
    assert by_code["540-14.1"][col + 1] == "überfällig"
    assert by_code["540-14.1"][col + 2] == 5
    assert sheet.cell(row=2, column=col + 1).number_format == "dd.mm.yyyy"


def test_cal014_lag_from_the_catalogue_does_not_overwrite_controlling(
    catalogue_engine: Engine,
) -> None:
    set_lag(catalogue_engine, "2017", "ba_eckwerte", 14, "anna")
    from zielcockpit.services.catalogue import load_catalogue
    from zielcockpit.settings import CATALOGUE_DIR

    load_catalogue(catalogue_engine, CATALOGUE_DIR / "bielefeld_2017.yaml")
    assert load_plan_data(catalogue_engine, "2017").calendar.lags["ba_eckwerte"] == 14
    with pytest.raises(CalendarError, match="erwartet 0 bis 366"):
        set_lag(catalogue_engine, "2017", "ba_eckwerte", 400, "anna")
