"""The data entry's checks and writes, the audit trail and the completeness list on both backends,
and the pure parts (names, numbers, crafted callback states, navigation) on literals."""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from access_helpers import dump
from dash_helpers import access_links
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from app import ids as aids
from app.entry_states import BadRequest, submission_from_states
from app.reminders import HEADERS, reminder_workbook
from db.audit_trail import audit_trail
from db.completeness import completeness
from db.models import AuditEntry, Indikator, Messwert, StatusOverride
from db.plan_data import load_plan_data
from db.queries import measure_id
from db.users import principal_of
from zielcockpit.domain.access import Principal
from zielcockpit.domain.formatting import fmt_exact
from zielcockpit.domain.german import parse_text_value
from zielcockpit.domain.periods import Period
from zielcockpit.services.entry import FieldInput, OverrideInput, SaveResult, Submission, save_entry
from zielcockpit.services.entry_form import entry_form, entry_units
from zielcockpit.services.upload import UploadRefused, decode_contents, safe_file_name

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

Q3 = "2017-Q3"


def fb(engine: Engine, name: str = "demo-fb-510") -> Principal:
    principal = principal_of(engine, name)
    assert principal is not None
    return principal


def save(
    engine: Engine,
    fields: dict[str, tuple[str | None, str | None, str | None]],
    user: str = "demo-fb-510",
    period: str = Q3,
    overrides: dict[str, tuple[str | None, str | None]] | None = None,
) -> SaveResult:
    submission = Submission(
        "2017",
        period,
        {code: FieldInput(code, *v) for code, v in fields.items()},
        {code: OverrideInput(code, *o) for code, o in (overrides or {}).items()},
    )
    return save_entry(engine, fb(engine, user), submission)


def stored(engine: Engine, code: str, period: str = Q3) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(Messwert.value, Messwert.symbol, Messwert.status, Messwert.demo)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == code, Messwert.period == period, Messwert.ort_id.is_(None))
        ).one_or_none()


def refused_without_trace(engine: Engine, result: SaveResult, before: Any, *words: str) -> None:
    assert not result.ok
    text = " ".join(result.errors)
    for word in words:
        assert word in text, text
    assert dump(engine) == before


# -- numbers, ranges, kinds ----------------------------------------------------------------------


def test_acc201_german_numbers_and_symbols_are_read(demo_engine: Engine) -> None:
    result = save(
        demo_engine,
        {
            "REGE-9.2": ("1.234,5", None, None),
            "REGE-1.1": ("45,5 %", None, None),
            "REGE-10.1": ("*", None, None),
            "REGE-9.3": ("1.000", None, None),
        },
        user="demo-fb-rege",
    )
    assert result.ok and result.values == 4, result.errors
    assert stored(demo_engine, "REGE-9.2").value == Decimal("1234.5")
    assert stored(demo_engine, "REGE-1.1").value == Decimal("45.5")
    assert stored(demo_engine, "REGE-10.1").symbol == "*"
    assert stored(demo_engine, "REGE-10.1").value is None  # a symbol never becomes 0
    assert stored(demo_engine, "REGE-9.3").value == Decimal("1000")
    assert not stored(demo_engine, "REGE-9.2").demo


@pytest.mark.parametrize(
    ("code", "text", "words"),
    [
        ("REGE-4.1", "-3", ["REGE-4.1", "Feld „Wert des Quartals“", "Negativer Wert"]),
        ("REGE-4.1", "zwölf", ["REGE-4.1", "„zwölf“", "Text statt Zahl"]),
        ("REGE-1.1", "120", ["REGE-1.1", "zwischen 0 und 100"]),
        ("REGE-1.1", "-1", ["REGE-1.1", "zwischen 0 und 100"]),
        ("REGE-4.1", "12 %", ["Prozentwert", "nicht in Prozent"]),
        ("REGE-4.1", "erledigt", ["ist ein Sachstand"]),
    ],
)
def test_acc202_bad_values_are_refused_naming_indicator_and_field(
    demo_engine: Engine, code: str, text: str, words: list[str]
) -> None:
    before = dump(demo_engine)
    result = save(demo_engine, {code: (text, None, "Kommentar")}, user="demo-fb-rege")
    refused_without_trace(demo_engine, result, before, *words)


def test_acc203_milestones_need_a_known_state(demo_engine: Engine) -> None:
    before = dump(demo_engine)
    result = save(demo_engine, {"510-5.1": (None, "fertig", None)})
    refused_without_trace(demo_engine, result, before, "510-5.1", "Sachstand", "„fertig“")
    result = save(demo_engine, {"510-5.1": ("3", None, None)})
    refused_without_trace(demo_engine, result, before, "ein Meilenstein braucht einen Sachstand")
    result = save(demo_engine, {"510-4.2": ("3", "erledigt", None)})
    refused_without_trace(demo_engine, result, before, "510-4.2 ist kein Meilenstein")
    assert save(demo_engine, {"510-5.1": (None, "erledigt", None)}).ok
    assert stored(demo_engine, "510-5.1").status == "erledigt"


def test_acc204_a_child_never_exceeds_its_parent(demo_engine: Engine) -> None:
    before = dump(demo_engine)
    # In the same submission (the importer's own darunter check) ...
    result = save(
        demo_engine,
        {"REGE-9.2": ("100", None, None), "REGE-9.3": ("101", None, None)},
        "demo-fb-rege",
    )
    refused_without_trace(demo_engine, result, before, "REGE-9.3", "Darunter-Wert", "REGE-9.2")
    assert "Blatt" not in " ".join(result.errors)  # a form has no sheets and cells
    # ... and against the parent already stored (118 in Q3).
    result = save(demo_engine, {"REGE-9.3": ("119", None, None)}, "demo-fb-rege")
    refused_without_trace(demo_engine, result, before, "REGE-9.3", "gespeicherte Wert von REGE-9.2")
    assert save(demo_engine, {"REGE-9.3": ("118", None, None)}, "demo-fb-rege").ok


def test_acc205_red_or_overdue_needs_a_comment(demo_engine: Engine) -> None:
    before = dump(demo_engine)
    result = save(demo_engine, {"REGE-4.1": ("0", None, "  ")}, "demo-fb-rege")
    refused_without_trace(
        demo_engine, result, before, "REGE-4.1", "Feld „Kommentar“", "rot", "begründen"
    )
    # An overdue milestone (due 31.03.2017, still „offen“ in Q3) is red as well.
    result = save(demo_engine, {"510-5.3": (None, "offen", None)})
    refused_without_trace(demo_engine, result, before, "510-5.3", "nicht erledigt")
    ok = save(demo_engine, {"REGE-4.1": ("0", None, "Träger insolvent")}, "demo-fb-rege")
    assert ok.ok and ok.values == 1 and ok.comments == 1
    # A value that is not red needs no comment.
    assert save(demo_engine, {"REGE-4.1": ("12", None, None)}, "demo-fb-rege").ok


def test_acc206_overrides_need_a_justification_and_are_audited(demo_engine: Engine) -> None:
    before = dump(demo_engine)
    result = save(demo_engine, {}, overrides={"510-2": ("red", " ")})
    refused_without_trace(demo_engine, result, before, "510-2", "Begründung", "schriftliche")
    result = save(demo_engine, {}, overrides={"510-2": ("lila", "weil")})
    refused_without_trace(demo_engine, result, before, "„lila“ ist keine Ampel")
    assert save(demo_engine, {}, overrides={"510-2": ("red", "Träger fehlt")}).overrides == 1
    assert save(demo_engine, {}, overrides={"510-2": ("yellow", "Träger fehlt")}).overrides == 1
    assert save(demo_engine, {}, overrides={"510-2": (None, None)}).overrides == 1  # removed
    mid = measure_id(demo_engine, "2017", "510-2")
    with demo_engine.connect() as conn:
        assert (
            conn.scalar(select(StatusOverride.id).where(StatusOverride.massnahme_id == mid)) is None
        )
        entries = conn.execute(
            select(AuditEntry.old, AuditEntry.new)
            .where(AuditEntry.action == "ampel", AuditEntry.massnahme_id == mid)
            .order_by(AuditEntry.id)
        ).all()
    assert [e.new is None for e in entries] == [False, False, True]
    assert entries[0].old is None and "yellow" in entries[2].old  # nothing vanishes silently


def test_acc207_unchanged_fields_write_nothing_and_demo_values_stay_demo(
    demo_engine: Engine,
) -> None:
    form = entry_form(demo_engine, "2017", "510", Period.parse(Q3))
    fields: dict[str, tuple[str | None, str | None, str | None]] = {
        line.code: (
            None if line.kind == "milestone" else line.value_text,
            line.status if line.kind == "milestone" else None,
            line.comment,
        )
        for m in form.measures
        for line in m.lines
    }
    overrides: dict[str, tuple[str | None, str | None]] = {
        m.code: (m.override_light, m.override_text) for m in form.measures
    }
    before = dump(demo_engine)
    result = save(demo_engine, fields, overrides=overrides)
    assert result.ok and not result.changed
    assert dump(demo_engine) == before
    fields["510-4.2"] = ("3", None, None)  # a stock on plan (3 of 4 by Q3): no comment needed
    result = save(demo_engine, fields, overrides=overrides)
    assert result.ok and result.values == 1 and result.comments == 0 and result.overrides == 0
    assert stored(demo_engine, "510-1.1").demo  # untouched values keep their demo mark
    assert not stored(demo_engine, "510-4.2").demo


def test_acc208_wrong_period_plan_or_code(demo_engine: Engine) -> None:
    before = dump(demo_engine)
    for period, words in (("2017-06", "kein Quartal"), ("2018-Q1", "Planungsjahres"), ("Q9", "Q9")):
        result = save(demo_engine, {"510-4.2": ("2", None, None)}, period=period)
        refused_without_trace(demo_engine, result, before, words)
    result = save(demo_engine, {"510-99.1": ("2", None, None)})
    refused_without_trace(demo_engine, result, before, "„510-99.1“ gibt es im Plan 2017 nicht")
    result = save(demo_engine, {"510-4.2": ("2", None, "x" * 4001)})
    refused_without_trace(demo_engine, result, before, "höchstens 4000 Zeichen")


# -- the form, units, completeness, audit trail --------------------------------------------------


def test_acc209_the_form_shows_what_is_stored(demo_engine: Engine) -> None:
    form = entry_form(demo_engine, "2017", "REGE", Period.parse(Q3))
    lines = {line.code: line for m in form.measures for line in m.lines}
    assert form.demo and form.oe_name == "REGE mbH"
    assert lines["REGE-10.1"].previous == "„*“ (anonymisiert (Datenschutz))"
    assert lines["REGE-10.1"].value_text == "6"
    assert lines["REGE-1.1"].value_text == "46,4" and lines["REGE-1.1"].previous == "46,4\u00a0%"
    assert lines["REGE-9.3"].parent == "REGE-9.2"
    assert lines["REGE-6.1"].kind == "milestone" and lines["REGE-6.1"].value_text == ""
    engine = demo_engine
    assert [u.code for u in entry_units(engine, "2017", fb(engine))] == ["510"]
    assert entry_units(engine, "2017", fb(engine, "demo-leitung")) == []
    assert len(entry_units(engine, "2017", fb(engine, "demo-controlling"))) == 5


def test_acc210_completeness_lists_what_is_missing(demo_engine: Engine) -> None:
    data = load_plan_data(demo_engine, "2017")
    q3 = completeness(data, Period.parse(Q3))
    # Not 500-8.2 (a Stadtteileteam per place is not due before Q4 by the plan's timing), not
    # 510-1.2 (from 2018): the plan does not expect them yet, so they are not chased.
    assert [(r.indicator, r.what) for r in q3.rows] == [
        ("540-4.1", "kein Wert"),
        ("540-4.3", "kein Wert"),
        ("540-14.1", "kein Sachstand"),
    ]
    counts = {u.oe: (u.steering, u.missing) for u in q3.counts}
    assert counts["540"] == (20, 3) and counts["510"] == (18, 0)
    q2 = completeness(data, Period.parse("2017-Q2"), "REGE")
    assert [(r.indicator, r.what) for r in q2.rows] == [
        ("REGE-10.1", "nur Zeichen „*“ (anonymisiert (Datenschutz))")
    ]
    assert [u.oe for u in q2.counts] == ["REGE"]
    # A milestone done earlier is not missing later; a value entered leaves the list.
    controlling = fb(demo_engine, "demo-controlling")
    done = save_entry(
        demo_engine,
        controlling,
        Submission("2017", Q3, {"540-4.1": FieldInput("540-4.1", "3")}),
    )
    assert done.ok
    after = completeness(load_plan_data(demo_engine, "2017"), Period.parse(Q3))
    assert "540-4.1" not in [r.indicator for r in after.rows]
    book = load_workbook(io.BytesIO(reminder_workbook(after, "Plan", dt.datetime(2017, 10, 2))))
    rows = [[c.value for c in r] for r in book["Erinnerungsliste"].iter_rows()]
    assert rows[0] == HEADERS and len(rows) == 1 + len(after.rows)
    assert book.sheetnames == ["Erinnerungsliste", "Übersicht", "Hinweise"]


def test_acc211_the_audit_trail_lists_every_change_once(demo_engine: Engine) -> None:
    assert save(demo_engine, {"510-4.2": ("2", None, "mehr Angebote")}).ok
    mid = measure_id(demo_engine, "2017", "510-4")
    rows = audit_trail(demo_engine, massnahme_id=mid)
    kinds = [r.kind for r in rows]
    assert kinds[:2] in (["wert", "kommentar"], ["kommentar", "wert"])
    value = next(r for r in rows if r.kind == "wert")
    assert (value.actor, value.old, value.new) == ("demo-fb-510", "1 (Demodaten)", "2")
    # The form's value is listed once (its audit entry), not again in the value history;
    # the demo value it replaced stays listed as recorded back then.
    same = sorted(r.kind for r in rows if r.subject == "510-4.2 2017-Q3")
    assert same == ["demo", "kommentar", "wert"]
    assert {r.kind for r in rows[2:]} == {"demo"}
    assert all(r.actor == "demo-fb-510" for r in audit_trail(demo_engine, user="demo-fb-510"))
    assert {r.kind for r in audit_trail(demo_engine, kind="kommentar")} == {"kommentar"}
    assert audit_trail(demo_engine, user="niemand") == []


# -- pure parts ----------------------------------------------------------------------------------


@given(
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)
)
def test_acc212_the_form_shows_stored_numbers_so_they_read_back_unchanged(number: Decimal) -> None:
    text = fmt_exact(number)
    assert parse_text_value(text).value == number


@pytest.mark.parametrize(
    ("raw", "name", "note"),
    [
        ("werte.xlsx", "werte.xlsx", False),
        ("../../etc/werte.csv", "werte.csv", True),
        ("..\\..\\Windows\\werte.ods", "werte.ods", True),
        ("C:\\Users\\x\\Quartal 3.XLS", "Quartal 3.XLS", True),
        ("/etc/passwd.csv", "passwd.csv", True),
        ("wer\x00te.csv", "werte.csv", True),
    ],
)
def test_acc213_file_names_are_reduced_to_a_safe_base_name(raw: str, name: str, note: bool) -> None:
    got, said = safe_file_name(raw)
    assert got == name and "/" not in got and "\\" not in got
    assert (said is not None) == note


@pytest.mark.parametrize("raw", ["", "..", "../", "..\\", "/", "...", "werte.exe", "werte", None])
def test_acc214_unusable_file_names_are_refused(raw: str | None) -> None:
    with pytest.raises(UploadRefused):
        safe_file_name(raw)


def test_acc215_upload_contents_are_checked_before_decoding() -> None:
    ok = "data:text/csv;base64," + base64.b64encode(b"a;b\n").decode()
    assert decode_contents(ok, 100) == b"a;b\n"
    for bad, words in (
        (None, "Keine Datei"),
        ("kein data-url", "Keine Datei"),
        ("data:text/csv,abc", "nicht vollständig"),
        ("data:text/csv;base64,%%%", "beschädigt"),
        ("data:text/csv;base64," + "A" * 400, "höchstens"),
    ):
        with pytest.raises(UploadRefused, match=words):
            decode_contents(bad, 100)


def test_acc216_crafted_callback_states_get_a_german_error() -> None:
    context = {"plan": "2017", "period": Q3, "oe": "510"}
    good = [
        {"id": aids.ENTRY_CONTEXT, "property": "data", "value": context},
        [{"id": {"type": aids.ENTRY_VALUE, "index": "510-4.2"}, "property": "value", "value": 3}],
        [{"id": {"type": aids.ENTRY_STATUS, "index": "510-5.1"}, "value": "kein"}],
        [{"id": {"type": aids.ENTRY_OVERRIDE_LIGHT, "index": "510-2"}, "value": "keine"}],
    ]
    submission = submission_from_states(context, good)
    assert submission.fields["510-4.2"].value == "3"
    assert submission.fields["510-5.1"].status is None  # "kein Sachstand" chosen
    assert submission.overrides["510-2"].light is None
    for context_bad, states in (
        (None, good),
        ({"plan": 2017, "period": Q3}, good),
        (context, [[{"id": {"type": "fremd", "index": "x"}, "value": "1"}]]),
        (context, [[{"id": {"type": aids.ENTRY_VALUE, "index": 5}, "value": "1"}]]),
        (context, [[{"id": {"type": aids.ENTRY_VALUE, "index": "a"}, "value": [1]}]]),
        (context, ["kaputt"]),
    ):
        with pytest.raises(BadRequest):
            submission_from_states(context_bad, states)


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("leitung", [True, False, False, False]),
        ("fachbereich", [True, True, False, False]),
        ("controlling", [True, True, True, True]),
        ("admin", [True, True, True, True]),
    ],
)
def test_acc217_navigation_links_by_role(role: str, visible: list[bool]) -> None:
    principal = Principal("x", role, frozenset({"510"}))
    links = access_links("/erfassung", "?plan=2017&period=2017-Q2&light=red&oe=510", principal)
    assert [style == {} for _href, _cls, style in links] == visible
    assert links[0] == ("/erfassung?plan=2017&period=2017-Q2&oe=510", "nav-link active", {})
    assert links[1][0] == "/import" and links[1][1] == "nav-link"
    assert links[2][0] == "/vollstaendigkeit?plan=2017&period=2017-Q2"
    assert all(style == {"display": "none"} for _h, _c, style in access_links("/", "", None))
