"""The public view /oeffentlich/<plan>, called without a session as anyone on the internet
would: off by default, only released quarters of a public plan, nothing internal; every Dash
request and API route stays behind the login."""

from __future__ import annotations

import html
from typing import Any

import pytest
from access_helpers import engine_of
from dash import Dash
from sqlalchemy import select, update

from benchmarks.dash_requests import DASH, route_payload
from db.engine import transaction
from db.models import AuditEntry, Kommentar
from db.quarters import release, reopen
from zielcockpit.cli import main
from zielcockpit.domain.access import Principal
from zielcockpit.domain.periods import Period
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS
from zielcockpit.services.evaluation import clear_cache, plan_snapshot
from zielcockpit.services.public import set_public

CONTROLLING = Principal("controlling-test", "controlling")


def released(app: Dash, *periods: str) -> None:
    with transaction(engine_of(app)) as session:
        for period in periods:
            release(session, "2017", period, "Frau Controlling")


def get(app: Dash, path: str) -> tuple[int, str]:
    response = app.server.test_client().get(path)
    return response.status_code, response.get_data(as_text=True)


def test_pub001_off_by_default_and_the_same_answer_for_unknown_plans(web: Dash) -> None:
    released(web, "2017-Q2")
    for path in ("/oeffentlich/2017", "/oeffentlich/1999", "/oeffentlich/corona-2021"):
        status, body = get(web, path)
        assert status == 404 and "Diesen Plan gibt es nicht öffentlich." in body, path
        assert "Maßnahme" not in body


def test_pub002_a_released_quarter_with_lights_sentences_and_texts(web: Dash) -> None:
    engine = engine_of(web)
    set_public(engine, CONTROLLING, "2017", True)
    status, body = get(web, "/oeffentlich/2017")
    assert status == 404 and "noch kein Quartal freigegeben" in body
    released(web, "2017-Q2")
    status, body = get(web, "/oeffentlich/2017")
    assert status == 200 and "Wie steht der Plan im 2. Quartal 2017?" in body
    assert "Demodaten" in body and "Zielsetzung" in body
    report = plan_snapshot(engine, "2017").report(Period.parse("2017-Q2"))
    for m in report.measures:
        sentence, _ = m.sentence()
        assert html.escape(m.info.code) in body and html.escape(sentence) in body, m.info.code
        assert LIGHT_MEANINGS[m.light] in body
    # Nothing internal: nobody's name, no comments (none is marked public), no scripts.
    for word in (
        "Frau Controlling",
        "Fachbereich (Demo)",
        "demo-controlling",
        "quartal_",
        "<script",
    ):
        assert word not in body, word
    assert "Umsetzungsschritte" not in body  # names the people responsible


@pytest.mark.parametrize("period", ["2017-Q3", "2017-Q4", "2017-07", "2017", "kaputt", "2016-Q2"])
def test_pub003_unreleased_or_other_periods_are_refused(web: Dash, period: str) -> None:
    set_public(engine_of(web), CONTROLLING, "2017", True)
    released(web, "2017-Q2")
    status, body = get(web, f"/oeffentlich/2017?period={period}")
    assert status == 404 and ("nicht freigegeben" in body or "nicht verstanden" in body)
    assert "Wie steht der Plan" not in body


def test_pub004_a_reopened_quarter_and_a_plan_switched_off_disappear(web: Dash) -> None:
    engine = engine_of(web)
    set_public(engine, CONTROLLING, "2017", True)
    released(web, "2017-Q2", "2017-Q3")
    assert get(web, "/oeffentlich/2017")[1].count("Wie steht der Plan im 3. Quartal 2017?") == 1
    with transaction(engine) as session:
        reopen(session, "2017", "2017-Q3", "x", "Korrektur")
    assert get(web, "/oeffentlich/2017?period=2017-Q3")[0] == 404
    assert "2. Quartal 2017?" in get(web, "/oeffentlich/2017")[1]
    set_public(engine, CONTROLLING, "2017", False)
    assert get(web, "/oeffentlich/2017?period=2017-Q2")[0] == 404


def test_pub005_only_comments_marked_public_are_shown_without_author(web: Dash) -> None:
    engine = engine_of(web)
    set_public(engine, CONTROLLING, "2017", True)
    released(web, "2017-Q3")
    with engine.begin() as conn:
        comments = conn.execute(
            select(Kommentar.id, Kommentar.text).where(Kommentar.period == "2017-Q3")
        ).all()
        assert len(comments) >= 2
        conn.execute(update(Kommentar).where(Kommentar.id == comments[0].id).values(public=True))
    clear_cache()
    body = get(web, "/oeffentlich/2017?period=2017-Q3")[1]
    assert html.escape(comments[0].text) in body
    assert html.escape(comments[1].text) not in body
    assert "Fachbereich (Demo)" not in body


def test_pub006_dash_and_api_stay_behind_the_login(web: Dash) -> None:
    set_public(engine_of(web), CONTROLLING, "2017", True)
    released(web, "2017-Q2")
    client = web.server.test_client()
    for search in ("", "?period=2017-Q2"):
        response = client.post(DASH, json=route_payload("/oeffentlich/2017", search))
        assert response.status_code == 401
    for path in ("/_dash-layout", "/_dash-dependencies", "/api/v1/status?plan=2017&period=2017-Q2"):
        assert client.get(path).status_code == 401, path
    assert client.post("/oeffentlich/2017").status_code == 401
    assert client.get("/oeffentlich/2017").status_code == 200
    assert "zielcockpit_session" not in client.get("/oeffentlich/2017").headers.get(
        "Set-Cookie", ""
    )


def test_pub007_switch_by_cli_and_role_and_audit(
    web: Dash, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = engine_of(web)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["plan", "public", "--plan", "2017", "--on", "--database-url", url]) == 0
    assert "jetzt öffentlich" in capsys.readouterr().out
    assert main(["plan", "public", "--plan", "2017", "--on", "--database-url", url]) == 0
    assert "bereits öffentlich" in capsys.readouterr().out
    assert main(["plan", "public", "--plan", "1999", "--off", "--database-url", url]) == 1
    assert "gibt es nicht" in capsys.readouterr().err
    with pytest.raises(PermissionError, match="Keine Berechtigung"):
        set_public(engine, Principal("x", "leitung"), "2017", False)
    with engine.connect() as conn:
        actions = list(
            conn.scalars(select(AuditEntry.action).where(AuditEntry.action == "plan_oeffentlich"))
        )
    assert actions == ["plan_oeffentlich"]  # the second --on changed nothing


def test_pub008_migration_0007_keeps_every_row(databases: Any) -> None:
    """0007 adds its columns in place: on SQLite a batch copy of `plan` would cascade (foreign
    keys on) into every measure, value and release of the plan."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import func, text

    from db.migrate import alembic_config, current_revision, upgrade
    from db.models import Massnahme, Messwert, QuarterRelease

    engine = databases.engine("demo")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
    with transaction(engine) as session:
        release(session, "2017", "2017-Q2", "x")

    def counts() -> list[int]:
        with engine.connect() as conn:
            return [
                conn.scalar(select(func.count()).select_from(t))
                for t in (Massnahme, Messwert, QuarterRelease)
            ]

    before = counts()
    upgrade(engine)
    # The head: 0007 or a later migration (0008 reporting calendar, ...).
    head = ScriptDirectory.from_config(config).get_current_head()
    assert current_revision(engine) == head and head is not None and head >= "0007"
    assert counts() == before and before[0] == 48 and before[2] == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT public FROM plan")).scalars().all() == [False, False]
