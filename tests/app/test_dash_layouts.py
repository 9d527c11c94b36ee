"""Every page's layout and callback without a browser, on both backends."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from collections.abc import Callable
from typing import Any

import plotly
import pytest
from dash import Dash, dcc
from dash_helpers import build_app, by_id, classes, find_all, logged_in_client, text_of
from openpyxl import load_workbook
from sqlalchemy import select

from app import ids
from benchmarks.dash_requests import route_payload
from db.models import Handlungsfeld

Render = Callable[..., Any]

# Words of Dash, Bootstrap or AG Grid that would mean an English text reached the user.
ENGLISH = re.compile(r"\b(Loading|Select\.\.\.|No rows|Page not found|Error|Search)\b")


def as_json(component: Any) -> str:
    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)


def first_cluster_id(app: Dash) -> int:
    engine = app.server.config["ZC_ENGINE"]
    with engine.connect() as conn:
        found = conn.scalar(select(Handlungsfeld.id).order_by(Handlungsfeld.position))
    assert found is not None
    return int(found)


# -- Übersicht -------------------------------------------------------------------------------------


def test_pala001_overview_answers_its_question(render: Render) -> None:
    page = render("overview")
    text = text_of(page)
    assert "Wie steht der Plan im 3. Quartal 2017?" in text
    assert "18 von 48 Maßnahmen sind im Plan (38\u00a0%)" in text  # stocks by their level
    assert "Demodaten" in text
    for word in ("im Plan", "gefährdet", "nicht im Plan", "keine Bewertung"):
        assert word in text
    assert "ggü. Q2 2017" in text
    counts = by_id(page, ids.OVERVIEW_COUNTS)
    numbers = [n.children for n in find_all(counts, lambda n: "count-number" in classes(n))]
    assert numbers == ["18", "8", "17", "5"]
    assert not ENGLISH.search(text)


def test_pala002_every_element_links_to_the_level_below(render: Render) -> None:
    page = render("overview", period="2017-Q2")
    links = [n.href for n in find_all(page, lambda n: isinstance(n, dcc.Link))]
    assert any(h.startswith("/cluster/") and "period=2017-Q2" in h for h in links)
    assert "/massnahme/REGE-4?plan=2017&period=2017-Q2" in links
    assert "/?plan=2017&period=2017-Q2&light=red" in links  # a count sets the light filter
    scorecard = by_id(page, ids.OVERVIEW_SCORECARD)
    measure_links = [
        n.href
        for n in find_all(scorecard, lambda n: isinstance(n, dcc.Link))
        if "/massnahme/" in n.href
    ]
    assert len(measure_links) == 48


def test_pala003_filters_are_shown_with_the_url_values(render: Render) -> None:
    page = render("overview", period="2017-Q2", light="red", oe="REGE")
    selects = {
        n.id["name"]: n.value
        for n in find_all(page, lambda n: isinstance(getattr(n, "id", None), dict))
        if n.id.get("type") == ids.FILTER
    }
    assert selects == {
        "plan": "2017",
        "period": "2017-Q2",
        "cluster": "alle",
        "oe": "REGE",
        "leitsatz": "alle",
        "light": "red",
    }
    text = text_of(by_id(page, ids.OVERVIEW_SCORECARD))
    assert "nicht im Plan" in text and "REGE-9" in text and "Jobcenter-3" not in text


def test_pala004_bad_url_values_are_named_in_german(render: Render) -> None:
    page = render("overview", period="2017-Q9", cluster="abc", light="lila", plan="1999")
    text = text_of(page)
    assert "Hinweis:" in text
    assert "Plan „1999“ gibt es nicht" in text
    assert "Zeitraum „2017-Q9“ nicht verstanden" in text
    assert "„Handlungsfeld“: „abc“" in text and "„lila“ ist keine Ampel" in text
    assert "Wie steht der Plan im 3. Quartal 2017?" in text  # and the page still answers


def test_pala005_plan_without_values_and_measures(render: Render) -> None:
    text = text_of(render("overview", plan="corona-2021"))
    assert "Wie steht der Plan im 1. Quartal 2021?" in text
    assert "Für diese Auswahl gibt es keine Maßnahmen." in text
    assert "Budget hinterlegt, Höhe im Plan nicht genannt" in text  # budget per cluster
    assert "Demodaten" not in text


# -- Cluster ---------------------------------------------------------------------------------------


def test_pala006_cluster_page(render: Render, demo_app: Dash) -> None:
    cluster_id = first_cluster_id(demo_app)
    page = render("cluster", cluster_id=str(cluster_id), period="2017-Q3")
    text = text_of(page)
    assert "Arbeitssuchende Menschen" in text
    assert "9 von 16 Maßnahmen sind im 3. Quartal 2017 im Plan." in text
    assert "Handlungsfeld 1 von 8" in text
    bullets = find_all(page, lambda n: "bullet" in classes(n))
    assert len(bullets) >= 15  # the main indicator of (almost) every measure
    assert "Ist 32 · Soll 31,5 · Ziel 42" in text  # REGE-4, in German numbers
    trend = find_all(page, lambda n: "trend" in classes(n))
    assert len(trend) == 16
    assert "Kinder und Jugendliche ›" in text


@pytest.mark.parametrize("cluster_id", ["987654", "drei"])
def test_pala007_unknown_cluster(render: Render, cluster_id: str) -> None:
    text = text_of(render("cluster", cluster_id=cluster_id))
    assert "Nicht gefunden" in text and "Handlungsfeld" in text


# -- Maßnahme --------------------------------------------------------------------------------------


def test_pala008_measure_page_explains_every_light(render: Render) -> None:
    page = render("massnahme", code="REGE-9", period="2017-Q3")
    text = text_of(page)
    for sentence in (
        "Ist 64 von erwartet 72,8 (Ziel 97 bis 31.12.; 87\u00a0%) – gelb",
        # Participants in coaching are a stock (issue 12): the level at the end of Q3 counts.
        "Bestand 118 von erwartet 397,5 (Ziel 530 bis 31.12.; 29\u00a0%) – rot",
        "Bestand 22 von erwartet 120 (Ziel 160 bis 31.12.; 18\u00a0%) – rot",
    ):
        assert text.count(sentence) >= 1
    assert "Prognose:" in text and "Bei gleichem Tempo 85 zum 31.12.2017 (Ziel 97)" in text
    assert "Ausgangslage / Problemanalyse" in text and "Datenquellen" in text
    assert "Kommentare" in text and "3. Quartal 2017" in text
    assert "Herkunft der Werte (9 gespeicherte Werte)" in text
    graphs = find_all(page, lambda n: isinstance(n, dcc.Graph))
    assert len(graphs) == 3
    figure = graphs[0].figure
    assert figure["layout"]["separators"] == ",."
    assert figure["layout"]["xaxis"]["title"]["text"] == "Quartal"
    assert "Soll" in as_json(figure) and "Prognose" in as_json(figure)
    assert graphs[0].config["displayModeBar"] is False


def test_pala009_override_is_marked_manual_with_its_justification(render: Render) -> None:
    text = text_of(render("massnahme", code="510-1"))
    assert "manuell" in text and "Manuell gesetzt" in text
    assert "Begründung:" in text and "Investorensuche" in text
    assert "Berechnet wäre:" in text and "grün – im Plan" in text


def test_pala010_milestone_reduction_and_symbol(render: Render) -> None:
    text = text_of(render("massnahme", code="REGE-6"))
    assert "Meilenstein" in text and "Sachstand" in text
    text = text_of(render("massnahme", code="Jobcenter-8"))
    assert "Ausgangswert 460" in text and "Sennestadt" in text
    text = text_of(render("massnahme", code="REGE-10"))
    assert "„*“ (anonymisiert (Datenschutz))" in text


def test_pala011_unknown_measure(render: Render) -> None:
    text = text_of(render("massnahme", code="REGE-99"))
    assert "Nicht gefunden" in text and "Maßnahme „REGE-99“ gibt es nicht." in text
    text = text_of(render("massnahme", code="REGE-4", plan="corona-2021"))
    assert "Maßnahme „REGE-4“ gibt es im Plan corona-2021 nicht." in text


# -- Quartalsvergleich -----------------------------------------------------------------------------


def test_pala012_quarter_grid(render: Render) -> None:
    page = render("quartale")
    grid = by_id(page, ids.QUARTERS_GRID)
    assert len(grid.rowData) == 48
    headers = [c["headerName"] for c in grid.columnDefs]
    assert headers[:2] == ["Code", "Maßnahme"]
    assert "Handlungsfeld" in headers and "OE" in headers and "Begründung der Ampel" in headers
    assert "Q3 2017 (gewählt)" in headers
    locale = grid.dashGridOptions["localeText"]
    assert locale["contains"] == "enthält" and locale["noRowsToShow"].startswith("Keine")
    row = next(r for r in grid.rowData if r["code_plain"] == "510-1")
    assert row["q3"] == "▲ gefährdet" and row["q4"] == "–" and row["manual"] == "manuell"
    assert row["code"] == "[510-1](/massnahme/510-1?plan=2017&period=2017-Q3)"
    red = render("quartale", light="red")
    assert {r["q3"] for r in by_id(red, ids.QUARTERS_GRID).rowData} == {"■ nicht im Plan"}


def test_pala013_excel_export_has_german_headers(demo_app: Dash) -> None:
    module = sys.modules["app.pages.quartale"]
    with demo_app.server.test_request_context("/"):
        sent = module.export_file(
            "?plan=2017&period=2017-Q2&oe=REGE", None, dt.datetime(2017, 7, 3, 9, 30)
        )
    assert sent["filename"] == "Zielcockpit_2017_2017-Q2_Quartalsvergleich.xlsx"
    import base64

    book = load_workbook(io.BytesIO(base64.b64decode(sent["content"])))
    sheet = book["Quartalsvergleich"]
    head = [c.value for c in sheet[1]]
    assert head[:4] == ["Handlungsfeld", "Maßnahme", "Titel", "Organisationseinheit"]
    assert "Ampel 2. Quartal 2017" in head and "Begründung der Ampel" in head
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows and all(r[3] == "REGE – REGE mbH" for r in rows)
    assert {r[head.index("Ampel 3. Quartal 2017")] for r in rows} == {"noch nicht berichtet"}
    notes = {r[0]: r[1] for r in book["Hinweise"].iter_rows(values_only=True)}
    assert notes["Stand"] == "2. Quartal 2017"
    assert notes["Filter Organisationseinheit"] == "REGE – REGE mbH"
    assert notes["Demodaten"].startswith("ja")
    assert notes["Erstellt am"] == "03.07.2017 09:30"


def test_pala014_export_follows_the_rows_the_grid_shows(demo_app: Dash) -> None:
    module = sys.modules["app.pages.quartale"]
    visible = [{"code_plain": "REGE-9"}, {"code_plain": "REGE-4"}]
    with demo_app.server.test_request_context("/"):
        sent = module.export_file("", visible, dt.datetime(2017, 10, 1))
    import base64

    sheet = load_workbook(io.BytesIO(base64.b64decode(sent["content"])))["Quartalsvergleich"]
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["REGE-9", "REGE-4"]


# -- Ausschussmodus --------------------------------------------------------------------------------


def test_pala015_presentation_slides(render: Render) -> None:
    first = render("praesentation")
    assert first.id == ids.PRESENTATION
    text = text_of(first)
    assert "Folie 1 von 13" in text and "Demodaten" in text
    assert "Arbeitssuchende Menschen" in text and "9 im Plan, 3 gefährdet" in text
    second = render("praesentation", folie="2")
    text = text_of(second)
    assert "Arbeitssuchende Menschen (Teil 1 von 3)" in text
    assert "Ist 3 von erwartet 3 (Ziel 4 bis 31.12.; 100\u00a0%) – grün" in text
    links = {n.id: n.href for n in find_all(second, lambda n: isinstance(n, dcc.Link))}
    assert links[ids.PRESENTATION_NEXT] == "/praesentation?plan=2017&period=2017-Q3&folie=3"
    assert links[ids.PRESENTATION_PREV] == "/praesentation?plan=2017&period=2017-Q3&folie=1"
    assert links[ids.PRESENTATION_EXIT] == "/?plan=2017&period=2017-Q3"
    wrong = text_of(render("praesentation", folie="99"))
    assert "Folie 99 gibt es nicht (1 bis 13); gezeigt wird Folie 13." in wrong


# -- through Dash itself -------------------------------------------------------------------------------


def _route(client: Any, pathname: str, search: str = "") -> str:
    payload = route_payload(pathname, search)
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def test_pala016_index_is_german_and_local(demo_app: Dash) -> None:
    client = logged_in_client(demo_app)
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in html and "Wird geladen" in html and "Loading..." not in html
    # Every script and stylesheet comes from the app itself: no address with a host.
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert addresses and all(a.startswith("/") and not a.startswith("//") for a in addresses)
    assert "/assets/vendor/bootstrap-5.3.9/bootstrap.min.css" in html
    with client.get("/assets/vendor/bootstrap-5.3.9/bootstrap.min.css") as css:
        assert css.status_code == 200 and b"Bootstrap" in css.data[:200]


def test_pala017_router_renders_pages_and_the_german_404(demo_app: Dash) -> None:
    client = logged_in_client(demo_app)
    body = _route(client, "/massnahme/REGE-4", "?period=2017-Q2")
    assert "Jugend - Jugend st\\u00e4rken im Quartier" in body
    assert "Ma\\u00dfnahme \\u2013 Zielcockpit" in body  # the page title
    body = _route(client, "/gibt-es-nicht")
    assert "Diese Seite gibt es nicht" in body


def test_pala018_layouts_never_show_a_traceback(
    render: Render, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.viewmodel

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("kaputt")

    module = sys.modules["app.pages.overview"]
    monkeypatch.setattr(module, "overview", broken)
    text = text_of(render("overview"))
    assert "Die Seite konnte nicht aufgebaut werden" in text
    assert "kaputt" not in text and "Traceback" not in text
    assert app.viewmodel.overview is not broken


def test_pala019_no_plan_loaded(empty_engine: Any) -> None:
    app = build_app(str(empty_engine.url.render_as_string(hide_password=False)))
    try:
        with app.server.test_request_context("/"):
            text = text_of(sys.modules["app.pages.overview"].layout())
        assert "Noch kein Plan geladen" in text and "load-catalogue" in text
    finally:
        app.server.config["ZC_ENGINE"].dispose()
